//! Progress on stderr: objects read, pages, rate and (when the total is known) ETA. indicatif
//! draws nothing when stderr is not a terminal, so logs and pipes stay clean. Every label that
//! comes from a server or the command line passes the display sanitizer first.

use crate::sanitize::display_safe;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// Objects so far, pages, rate, time (total unknown: LDAP, Graph without `/$count`).
const SPINNER: &str = "{spinner} {prefix}: {human_pos} objects, {msg}, {elapsed}";
/// With a total: a bar and the ETA.
const BAR: &str =
    "{prefix}: [{bar:30}] {human_pos}/{human_len} objects, {msg} ({per_sec}, ETA {eta})";

pub struct Progress {
    bar: ProgressBar,
    pages: u64,
}

impl Progress {
    /// A counter for one collection (`label` is shown before it).
    pub fn new(label: &str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let mut p = Progress { bar, pages: 0 };
        p.restart(label);
        p.bar.enable_steady_tick(Duration::from_millis(200));
        p
    }

    /// The next search or collection: counts from zero, total unknown.
    pub fn restart(&mut self, label: &str) {
        self.pages = 0;
        self.bar.unset_length();
        self.bar.reset();
        self.bar.set_style(
            ProgressStyle::with_template(SPINNER)
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        self.bar.set_prefix(display_safe(label).into_owned());
        self.bar.set_message("0 pages");
    }

    /// A progress that draws nothing (a second sign-in).
    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            pages: 0,
        }
    }

    /// The total is known (Graph's `@odata.count`): show a bar and an ETA.
    pub fn set_total(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_style(
            ProgressStyle::with_template(BAR).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    /// A page of `objects` was read.
    pub fn page(&mut self, objects: u64) {
        self.pages += 1;
        self.bar.inc(objects);
        let secs = self.bar.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{} page{}, {:.0} objects/s",
            self.pages,
            if self.pages == 1 { "" } else { "s" },
            self.bar.position() as f64 / secs
        ));
    }

    /// Prints a line above the bar (or just to stderr when there is no bar); sanitized.
    pub fn println(&self, line: &str) {
        let safe = display_safe(line).into_owned();
        if self.bar.is_hidden() {
            eprintln!("{safe}");
        } else {
            self.bar.println(safe);
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_are_valid_and_labels_are_sanitized() {
        assert!(ProgressStyle::with_template(SPINNER).is_ok());
        assert!(ProgressStyle::with_template(BAR).is_ok());
        let mut p = Progress::new("LDAP \u{1b}[2J DC=contoso,DC=com");
        p.set_total(10);
        p.page(5);
        assert_eq!(p.bar.prefix(), "LDAP \\e[2J DC=contoso,DC=com");
        p.restart("Graph users");
        assert_eq!((p.bar.position(), p.bar.length(), p.pages), (0, None, 0));
        p.finish();
    }
}
