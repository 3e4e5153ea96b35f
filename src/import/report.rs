//! The load report as interfaces §7 shows it: whether the load is partial, the per-file lines on
//! stderr, and the `"load"` member of `--json` output.

use super::{LoadIssue, LoadReport};
use crate::error::InputError;
use crate::sanitize::display_safe;
use serde_json::{Value, json};

impl LoadReport {
    /// Data the load should have used and could not (an object skipped, a file not read to its
    /// end, a Graph export without the properties the rules need, a missing page): the plan is
    /// then not the whole truth (interfaces §7). Files that are not exports and kinds that are
    /// not planned do not count.
    pub fn is_partial(&self) -> bool {
        !self.skipped.is_empty() || !self.incomplete.is_empty()
    }

    /// What the summary line adds for ignored entries and a partial load.
    pub(super) fn summary_tail(&self) -> String {
        let mut tail = String::new();
        if !self.ignored.is_empty() {
            tail += &format!(
                ", {} entr{} of kinds not planned ignored",
                self.ignored.len(),
                if self.ignored.len() == 1 { "y" } else { "ies" }
            );
        }
        if !self.incomplete.is_empty() {
            tail += &format!(
                ", {} part{} not read completely",
                self.incomplete.len(),
                if self.incomplete.len() == 1 { "" } else { "s" }
            );
        }
        if self.is_partial() {
            tail += " — PARTIAL LOAD";
        }
        tail
    }

    /// The report for stderr: one line per file (format, objects read, objects skipped), then
    /// every issue. Everything from the input goes through the display sanitizer.
    pub fn stderr_text(&self, snapshot: &str) -> String {
        let mut out = format!(
            "syncscope: {}: {}\n",
            display_safe(snapshot),
            self.summary()
        );
        for (file, format, n) in &self.files {
            let skipped = self.skipped.iter().filter(|s| &s.file == file).count();
            out += &format!(
                "  {}: {}, {n} read{}\n",
                display_safe(file),
                display_safe(format),
                if skipped > 0 {
                    format!(", {skipped} skipped")
                } else {
                    String::new()
                }
            );
        }
        for (what, list) in [
            ("warning", &self.warnings),
            ("skipped", &self.skipped),
            ("incomplete", &self.incomplete),
            ("ignored", &self.ignored),
        ] {
            for issue in list {
                out += &format!("  {what}: {issue}\n");
            }
        }
        out
    }

    /// Interfaces §7: a partial load is bad input (exit 1) unless `allow_partial`.
    pub fn require_whole(&self, snapshot: &str, allow_partial: bool) -> Result<(), InputError> {
        if !self.is_partial() || allow_partial {
            return Ok(());
        }
        Err(InputError::new(
            snapshot,
            "",
            format!(
                "the load is partial ({} object{} skipped, {} part{} not read completely; listed above): a plan from it would not be the whole truth. Fix the exports, or pass --allow-partial to plan what was read (exit status 3)",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" },
                self.incomplete.len(),
                if self.incomplete.len() == 1 { "" } else { "s" },
            ),
        ))
    }

    /// The `"load"` member of `--json` output (interfaces §7).
    pub fn to_json(&self) -> Value {
        let issue =
            |i: &LoadIssue| json!({"file": i.file, "position": i.position, "message": i.message});
        json!({
            "files": self.files.iter().map(|(file, format, n)| json!({
                "file": file,
                "format": format,
                "read": n,
                "skipped": self.skipped.iter().filter(|s| &s.file == file).count(),
            })).collect::<Vec<_>>(),
            "warnings": self.warnings.iter().map(issue).collect::<Vec<_>>(),
            "skipped": self.skipped.len(),
            "skippedObjects": self.skipped.iter().map(issue).collect::<Vec<_>>(),
            "incomplete": self.incomplete.iter().map(issue).collect::<Vec<_>>(),
            "ignored": self.ignored.len(),
            "partial": self.is_partial(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_and_incomplete_make_a_load_partial_ignored_and_warnings_do_not() {
        let mut r = LoadReport::default();
        r.files.push(("a.ldf".into(), "LDIF".into(), 3));
        r.warn("desktop.ini", "", "not an export; not read");
        r.ignore("a.ldf", "line 9", "a computer account");
        assert!(!r.is_partial());
        r.incomplete("users.json", "value", "no onPremisesImmutableId");
        assert!(r.is_partial());
        let mut s = LoadReport::default();
        s.skip("a.ldf", "line 4", "no objectGUID");
        assert!(s.is_partial());
        let j = r.to_json();
        assert_eq!(j["skipped"], 0);
        assert_eq!(j["ignored"], 1);
        assert_eq!(j["files"][0]["format"], "LDIF");
        assert_eq!(j["warnings"][0]["file"], "desktop.ini");
        assert_eq!(j["partial"], true);
        assert!(r.summary().ends_with("PARTIAL LOAD"), "{}", r.summary());
    }
}
