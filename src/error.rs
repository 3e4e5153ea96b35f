//! Errors in input files: every one names the file, the position (JSON path or line) and what was
//! expected. The binary turns them into exit status 1.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file as the user named it.
    pub file: String,
    /// A JSON path (`onPremises[12].objectGUID`), a line (`line 40`), or both.
    pub position: String,
    /// What was wrong and what was expected instead.
    pub message: String,
}

impl InputError {
    pub fn new(
        file: impl Into<String>,
        position: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.into(),
            position: position.into(),
            message: message.into(),
        }
    }
}

/// Shown through the display sanitizer: file names, JSON keys and values quoted in messages are
/// untrusted and never reach the terminal raw.
impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let safe = crate::sanitize::display_safe;
        if self.position.is_empty() {
            write!(f, "{}: {}", safe(&self.file), safe(&self.message))
        } else {
            write!(
                f,
                "{}: {}: {}",
                safe(&self.file),
                safe(&self.position),
                safe(&self.message)
            )
        }
    }
}

impl std::error::Error for InputError {}
