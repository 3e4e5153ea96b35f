//! Colours and emphasis. Every status has a symbol and a word as well as a colour, so nothing
//! depends on colour alone; under NO_COLOR every colour is `Reset` and emphasis is carried by
//! modifiers (a bare reset after BOLD/REVERSED would otherwise clear them in crossterm 0.29).

use crate::outcome::SyncResult;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Honours NO_COLOR (any non-empty value), as <https://no-color.org> asks.
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn result(&self, r: SyncResult) -> Style {
        match r {
            SyncResult::Linked => self.fg(Color::Gray),
            SyncResult::HardMatch | SyncResult::Restore => {
                self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
            }
            SyncResult::SoftMatchSmtp | SyncResult::SoftMatchUpn => self.fg(Color::Yellow),
            SyncResult::Provision => self.fg(Color::Green),
            SyncResult::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            SyncResult::OutOfScope => self.fg(Color::DarkGray).add_modifier(Modifier::DIM),
            SyncResult::CloudManaged => self.fg(Color::Cyan),
        }
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A value that differs between the two directories.
    pub fn changed(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// The object in the other pane that the selection links to.
    pub fn counterpart(&self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }
}

/// Symbol and short word for a result (interfaces §3 names, shortened to fit a column).
pub fn result_badge(r: SyncResult) -> (&'static str, &'static str) {
    match r {
        SyncResult::Linked => ("=", "linked"),
        SyncResult::HardMatch => ("H", "hard"),
        SyncResult::Restore => ("R", "restore"),
        SyncResult::SoftMatchSmtp => ("S", "smtp"),
        SyncResult::SoftMatchUpn => ("U", "upn"),
        SyncResult::Provision => ("+", "new"),
        SyncResult::Error => ("!", "error"),
        SyncResult::OutOfScope => ("-", "out"),
        SyncResult::CloudManaged => ("C", "cloud"),
    }
}
