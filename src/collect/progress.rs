//! Progress on stderr: objects read, pages, rate and (when the total is known) ETA. indicatif
//! draws nothing when stderr is not a terminal, so logs and pipes stay clean. Every label that
//! comes from a server or the command line passes the display sanitizer first.

use crate::sanitize::display_safe;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub struct Progress {
    bar: ProgressBar,
    pages: u64,
}

impl Progress {
    /// A counter for one collection (`label` is shown before it).
    pub fn new(label: &str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix}: {human_pos} objects, {msg} ({per_sec}, {elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(display_safe(label).into_owned());
        bar.set_message("0 pages");
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar, pages: 0 }
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
            ProgressStyle::with_template(
                "{prefix}: [{bar:30}] {human_pos}/{human_len} objects, {msg} ({per_sec}, ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    pub fn set_label(&self, label: &str) {
        self.bar.set_prefix(display_safe(label).into_owned());
    }

    /// A page of `objects` was read.
    pub fn page(&mut self, objects: u64) {
        self.pages += 1;
        self.bar.inc(objects);
        self.bar.set_message(format!(
            "{} page{}",
            self.pages,
            if self.pages == 1 { "" } else { "s" }
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
