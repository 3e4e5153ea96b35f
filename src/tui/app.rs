//! The explorer's state: one `Session` (snapshot, index, configuration, plans) and the state of
//! each view. `App::handle` is the only place it changes; it does no I/O and no heavy work:
//! what must happen outside (a re-plan, a walkthrough step, a file written, the clipboard) is
//! pushed on `effects` as a typed event for the runner.

use super::action::Action;
use super::keymap::Context;
use super::theme::Theme;
use super::views::View;
use super::views::bulk::BulkView;
use super::views::confirm::Confirm;
use super::views::errors::ErrorsView;
use super::views::explorer::ExplorerView;
use super::views::help::HelpView;
use super::views::prompt::Prompt;
use super::views::readiness::{Checked, ReadinessView};
use super::views::recollect::ChangesView;
use super::views::report::ReportView;
use super::views::walkthrough::{WalkMove, WalkView};
use super::views::whatif::WhatIfView;
use crate::config::Config;
use crate::import::LoadReport;
use crate::session::Session;
use crate::walkthrough::{Kind, Walkthrough};
use ratatui::layout::{Constraint, Layout, Rect};
use std::collections::VecDeque;
use uuid::Uuid;

/// Below this the explorer shows a "terminal too small" message instead of a garbled screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// A file the runner should write (update stays free of I/O).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRequest {
    pub path: String,
    pub contents: String,
    pub overwrite: bool,
    /// Said once it is written.
    pub what: &'static str,
}

/// What the state asks the runner to do: background jobs, files, the terminal.
#[derive(Debug)]
pub enum Effect {
    /// Plan this configuration in the background.
    Replan(Config),
    /// Build the error lines for the plan shown, in the background.
    RebuildErrors,
    StartWalkthrough {
        kind: Kind,
        on_prem: usize,
        target: Option<Uuid>,
        /// The cloud user the admin selected, for walkthroughs without a candidate.
        fallback: Option<u32>,
    },
    /// Take a walkthrough step in the background (the walkthrough comes back with it).
    WalkStep(Box<Walkthrough>, WalkMove),
    /// Read and check a bulk hard match CSV in the background.
    CheckCsv(String),
    /// Write a file; an existing one only after a yes.
    Write(WriteRequest),
    Clipboard(String),
    Mouse(bool),
    /// Run the readiness check for the plan on screen, in the background.
    Check,
    /// Leave the screen to the collection of this folder (`R`), then come back.
    Recollect(std::path::PathBuf),
    /// Load the snapshot folder again (after a collection), in the background.
    Reload,
    /// Write the snapshot cache of what was just loaded (`--cache`), in the background.
    WriteCache(Box<crate::cache::Opened>),
    /// Make what the first what-if flip needs and the first frame did not (the index and record
    /// a cache left pending, the record's write log), in the background.
    Prefetch,
    /// Free a plan that is no longer shown, in the background.
    Discard(std::sync::Arc<crate::plan::Plan>),
}

/// The parts of the screen every view shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLayout {
    pub header: Rect,
    /// The "partial load" banner (interfaces §7), when the load was partial.
    pub banner: Option<Rect>,
    pub body: Rect,
    pub hints: Rect,
}

pub fn frame_layout(area: Rect, banner: bool) -> FrameLayout {
    let [header, banner_area, body, hints] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(u16::from(banner)),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    FrameLayout {
        header,
        banner: banner.then_some(banner_area),
        body,
        hints,
    }
}

pub struct App {
    pub session: Session,
    /// The snapshot as the user named it (commands the explorer shows reuse it).
    pub source: String,
    /// The snapshot's absolute path, for files that refer to it (scenarios).
    pub source_path: String,
    pub load_report: Option<LoadReport>,
    /// The load was partial (`--allow-partial`): a banner says so on every screen.
    pub partial: bool,
    pub view: View,
    pub explorer: ExplorerView,
    pub errors: ErrorsView,
    pub whatif: WhatIfView,
    pub walk: WalkView,
    pub bulk: BulkView,
    pub readiness: ReadinessView,
    pub changes: ChangesView,
    /// How the snapshot was read, to read it the same way again after `R`.
    pub import: crate::import::ImportOptions,
    pub allow_partial: bool,
    /// `--cache`: read and write the snapshot cache (also when loading again after `R`).
    pub cache: bool,
    /// With `--cache`: where this snapshot came from and what became of its cache (the load
    /// report says it).
    pub cache_note: Option<String>,
    pub help: HelpView,
    pub help_open: bool,
    pub report: ReportView,
    pub report_open: bool,
    pub prompt: Option<Prompt>,
    pub confirm: Option<Confirm>,
    /// A message for the hint bar; it lasts until the next action.
    pub status: Option<String>,
    /// Effects for the runner, in order.
    pub effects: VecDeque<Effect>,
    pub size: Rect,
    pub theme: Theme,
    pub mouse: bool,
    pub quit: bool,
}

impl App {
    pub fn new(source: String, session: Session, theme: Theme, size: Rect) -> Self {
        let mut app = App {
            source_path: source.clone(),
            source,
            load_report: None,
            partial: false,
            view: View::Explorer,
            explorer: ExplorerView::new(),
            errors: ErrorsView::new(),
            whatif: WhatIfView::new(&session),
            walk: WalkView::default(),
            bulk: BulkView::default(),
            readiness: ReadinessView::default(),
            changes: ChangesView::default(),
            import: crate::import::ImportOptions::default(),
            allow_partial: false,
            cache: false,
            cache_note: None,
            help: HelpView::default(),
            help_open: false,
            report: ReportView::default(),
            report_open: false,
            prompt: None,
            confirm: None,
            status: None,
            effects: VecDeque::new(),
            size,
            theme,
            mouse: true,
            quit: false,
            session,
        };
        app.explorer.cloud_refs = app
            .session
            .plan
            .cloud_references(app.session.snapshot.cloud.len());
        app.rebuild_rows();
        app.follow_selection();
        app
    }

    /// The shared parts of the screen at the current size.
    pub fn frame(&self) -> FrameLayout {
        frame_layout(self.size, self.partial)
    }

    pub fn too_small(&self) -> bool {
        self.size.width < MIN_WIDTH || self.size.height < MIN_HEIGHT
    }

    /// The keymap context of the moment: a dialog or overlay, else the view.
    pub fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Confirm
        } else if self.prompt.is_some() {
            Context::Prompt
        } else if self.help_open {
            Context::Help
        } else if self.report_open {
            Context::Report
        } else if self.view == View::Explorer && self.explorer.search.typing {
            Context::Search
        } else {
            match self.view {
                View::Explorer => Context::Explorer,
                View::Errors => Context::Errors,
                View::WhatIf => Context::WhatIf,
                View::Walkthrough => Context::Walkthrough,
                View::Bulk => Context::Bulk,
                View::Readiness => Context::Readiness,
                View::Changes => Context::Changes,
            }
        }
    }

    /// What leaving now would lose, for the question before quitting.
    pub fn unsaved(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(n) = self.walk.unsaved() {
            let kind = self.walk.shown.as_ref().map_or("", |s| s.kind.id());
            v.push(format!("{kind} walkthrough ({n} step(s) taken)"));
        }
        let n = self.session.changed_settings();
        if n > 0 {
            v.push(format!("what-if ({n} setting(s) flipped)"));
        }
        v
    }

    /// Everything the admin can do, one action at a time.
    pub fn handle(&mut self, action: Action) {
        if action == Action::QuitNow {
            self.quit = true;
            return;
        }
        // A status message lasts until the next action.
        if !matches!(action, Action::SearchTick | Action::Resize(..)) {
            self.status = None;
        }
        if let Action::Resize(w, h) = action {
            self.size = Rect::new(0, 0, w, h);
            self.clamp_cursors();
            return;
        }
        if self.confirm.is_some() {
            self.confirm_update(action);
            return;
        }
        if self.prompt.is_some() {
            self.prompt_update(action);
            return;
        }
        if self.help_open {
            if matches!(action, Action::HelpToggle | Action::Click { .. }) {
                self.help_open = false;
            } else {
                self.help_update(action);
            }
            return;
        }
        if self.report_open {
            if action == Action::LoadReportToggle {
                self.report_open = false;
            } else {
                self.report_update(action);
            }
            return;
        }
        match action {
            Action::Quit => {
                let unsaved = self.unsaved();
                if unsaved.is_empty() {
                    self.quit = true;
                } else {
                    self.confirm = Some(Confirm::Quit { unsaved });
                }
                return;
            }
            Action::Close => {
                if self.view == View::Explorer {
                    self.explorer_close();
                } else {
                    self.view = View::Explorer;
                }
                return;
            }
            Action::HelpToggle => {
                self.help_open = true;
                self.help.scroll = 0;
                return;
            }
            Action::LoadReportToggle => {
                self.report_open = true;
                self.report.scroll = 0;
                return;
            }
            Action::MouseToggle => {
                self.mouse = !self.mouse;
                self.effects.push_back(Effect::Mouse(self.mouse));
                self.status = Some(if self.mouse {
                    "mouse on: click selects, the wheel scrolls".into()
                } else {
                    "mouse off: the terminal selects text (m turns the mouse back on)".into()
                });
                return;
            }
            Action::ShowView(v) => {
                self.show_view(v);
                return;
            }
            Action::NextView => {
                let tabs = self.tabs();
                let i = tabs.iter().position(|v| *v == self.view).unwrap_or(0);
                self.show_view(tabs[(i + 1) % tabs.len()]);
                return;
            }
            Action::Recollect => {
                self.recollect_request();
                return;
            }
            _ => {}
        }
        if self.prompt_update(action) || self.walk_update(action) {
            return;
        }
        let _ = match self.view {
            View::Explorer => self.explorer_update(action),
            View::Errors => self.errors_update(action),
            View::WhatIf => self.whatif_update(action),
            View::Walkthrough => false,
            View::Bulk => self.bulk_update(action),
            View::Readiness => self.readiness_update(action),
            View::Changes => self.changes_update(action),
        };
    }

    /// The tabs of the header, in order: the three always there, then those opened.
    pub fn tabs(&self) -> Vec<View> {
        let mut v = View::ALL.to_vec();
        if self.readiness.opened {
            v.push(View::Readiness);
        }
        if self.walk.shown.is_some() {
            v.push(View::Walkthrough);
        }
        if self.bulk.checked.is_some() {
            v.push(View::Bulk);
        }
        if self.changes.changes.is_some() {
            v.push(View::Changes);
        }
        v
    }

    /// A readiness check came back.
    pub fn checked(&mut self, c: Checked) {
        self.readiness_checked(c);
    }

    fn show_view(&mut self, v: View) {
        let available = match v {
            View::Walkthrough => self.walk.shown.is_some(),
            View::Bulk => self.bulk.checked.is_some(),
            View::Changes => self.changes.changes.is_some(),
            _ => true,
        };
        if !available {
            return;
        }
        self.view = v;
        if v == View::Errors {
            self.refresh_errors();
        }
        if v == View::Readiness {
            self.readiness.opened = true;
            self.refresh_readiness();
        }
    }

    /// After a resize: every list keeps its selection on screen.
    fn clamp_cursors(&mut self) {
        let l = self.explorer_layout();
        let e = &mut self.explorer;
        e.on_prem.clamp(
            e.on_prem_rows.len(),
            l.page(super::views::explorer::Pane::OnPrem),
        );
        e.cloud.clamp(
            e.cloud_rows.len(),
            l.page(super::views::explorer::Pane::Cloud),
        );
        let page = self.errors_layout().page();
        self.errors.cursor.clamp(self.errors.hits.len(), page);
        let page = self.whatif_layout().page();
        let n = self.session.items().len();
        self.whatif.cursor.clamp(n, page);
        let page = self.bulk_layout().page();
        let n = self.bulk.checked.as_ref().map_or(0, |(_, r)| r.len());
        self.bulk.cursor.clamp(n, page);
        let page = self.readiness_layout().page();
        self.readiness.cursor.clamp(self.readiness.rows.len(), page);
        let page = self.changes_layout().page();
        let n = self
            .changes
            .changes
            .as_ref()
            .map_or(0, |c| c.diff.changed.len());
        self.changes.cursor.clamp(n, page);
    }

    /// A file was written (or could not be): said in the hint bar; an existing file turns
    /// into a question.
    pub fn written(&mut self, req: WriteRequest, result: std::io::Result<()>) {
        use crate::sanitize::display_safe;
        match result {
            Ok(()) => {
                if matches!(req.what, "remediation script" | "scenario") {
                    self.walk.saved = true;
                }
                self.status = Some(format!(
                    "wrote the {} to {}",
                    req.what,
                    display_safe(&req.path)
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                self.confirm = Some(Confirm::Overwrite(req));
            }
            Err(e) => {
                self.status = Some(format!("could not write {}: {e}", display_safe(&req.path)))
            }
        }
    }

    /// The snapshot cache was written in the background (or could not be): said in the hint bar,
    /// unless something else is being said there.
    pub fn cache_written(&mut self, result: Result<(std::path::PathBuf, u64), String>) {
        use crate::sanitize::display_safe;
        let name = |p: &std::path::Path| {
            display_safe(&p.file_name().unwrap_or_default().to_string_lossy()).into_owned()
        };
        let (short, note) = match &result {
            Ok((path, size)) => (
                format!("cache written ({} MiB)", size >> 20),
                format!(
                    "written to {} ({} MiB): the next --cache opens from it",
                    name(path),
                    size >> 20
                ),
            ),
            Err(e) => (
                format!("no cache written: {}", display_safe(e)),
                format!("not written: {}", display_safe(e)),
            ),
        };
        self.cache_note = Some(match self.cache_note.take() {
            Some(before) => format!("{before}; {note}"),
            None => note,
        });
        self.status = Some(match self.status.take() {
            Some(before) if before.starts_with("load report") => format!("{before}; {short}"),
            _ => match result {
                Ok((path, size)) => {
                    format!(
                        "snapshot cache written: {} ({} MiB)",
                        name(&path),
                        size >> 20
                    )
                }
                Err(_) => format!("no snapshot {short}"),
            },
        });
    }
}
