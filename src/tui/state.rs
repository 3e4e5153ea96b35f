//! What the explorer shows: the loaded snapshot (never modified), its plan, and where the admin
//! is looking. Derived views (visible rows, the counterpart of the selection) are recomputed
//! by `update` when what they derive from changes.

use super::errors::ErrorsView;
use super::theme::Theme;
use super::whatif::{self, Config, Diff};
use crate::index::CloudIndex;
use crate::model::Bundle;
use crate::outcome::{Flag, Holder, Outcome, SyncResult};
use crate::plan::{Plan, plan_what_if};
use ratatui::layout::{Constraint, Layout, Rect};
use std::sync::Arc;

/// Below this the explorer shows a "terminal too small" message instead of a garbled screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    /// Typing into a field (the errors view's query bar, a file path).
    Edit,
    /// Asking before a file is overwritten.
    Confirm,
    Help,
    /// The load report of the snapshot (warnings, skipped objects).
    Report,
}

/// The three views, each a tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Explorer,
    Errors,
    WhatIf,
    /// A guided fix in progress (W1–W4).
    Walkthrough,
    /// The checks of a bulk hard match CSV.
    Bulk,
}

impl View {
    pub const ALL: [View; 3] = [View::Explorer, View::Errors, View::WhatIf];

    pub fn title(self) -> &'static str {
        match self {
            View::Explorer => "Explorer",
            View::Errors => "Provisioning errors",
            View::WhatIf => "What-if",
            View::Walkthrough => "Walkthrough",
            View::Bulk => "Bulk hard match",
        }
    }
}

/// Which keys apply: the view in normal mode, else the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Explorer,
    Errors,
    WhatIf,
    Walkthrough,
    Bulk,
    Search,
    Edit,
    Confirm,
    Help,
    Report,
}

impl Context {
    pub const ALL: [Context; 10] = [
        Context::Explorer,
        Context::Errors,
        Context::WhatIf,
        Context::Walkthrough,
        Context::Bulk,
        Context::Search,
        Context::Edit,
        Context::Confirm,
        Context::Help,
        Context::Report,
    ];
}

/// A file the runner should write (update stays free of I/O).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRequest {
    pub path: String,
    pub contents: String,
    pub overwrite: bool,
    /// Said once it is written.
    pub what: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    OnPrem,
    Cloud,
    Detail,
}

/// Quick filters over the on-prem pane; the cloud pane follows with the objects they touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    /// Anything but a plain, unchanged link.
    Attention,
    Errors,
    AdminConflicts,
    Quarantines,
    Takeovers,
    New,
    OutOfScope,
    /// Outcomes the what-if settings change.
    Changed,
}

impl Filter {
    pub const ALL: [Filter; 9] = [
        Filter::All,
        Filter::Attention,
        Filter::Errors,
        Filter::AdminConflicts,
        Filter::Quarantines,
        Filter::Takeovers,
        Filter::New,
        Filter::OutOfScope,
        Filter::Changed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "everything",
            Filter::Attention => "needs attention",
            Filter::Errors => "errors",
            Filter::AdminConflicts => "admin-role conflicts",
            Filter::Quarantines => "quarantines",
            Filter::Takeovers => "takeovers",
            Filter::New => "new objects",
            Filter::OutOfScope => "out of scope",
            Filter::Changed => "changed by what-if",
        }
    }

    /// Whether an outcome is in the view; `changed` says whether the what-if changed it.
    pub fn keeps(self, o: &Outcome, changed: bool) -> bool {
        match self {
            Filter::Changed => changed,
            Filter::All => true,
            Filter::Attention => {
                o.result != SyncResult::Linked || !o.flags.is_empty() || !o.quarantined.is_empty()
            }
            Filter::Errors => o.result == SyncResult::Error,
            Filter::AdminConflicts => {
                o.has_flag(Flag::ExistingAdminRoleConflict)
                    || o.steps
                        .iter()
                        .any(|s| matches!(s.note, crate::trace::Note::HardeningRole(_)))
            }
            Filter::Quarantines => !o.quarantined.is_empty(),
            Filter::Takeovers => o.result.is_takeover(),
            Filter::New => o.result == SyncResult::Provision,
            Filter::OutOfScope => o.result == SyncResult::OutOfScope,
        }
    }
}

/// A selection in a list of `len` rows, with the first visible row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows, clamped to the list, and scrolls so the selection is visible.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.select(target as usize, len, page);
    }

    pub fn select(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index.min(len.saturating_sub(1));
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    /// Selects and puts the row in the middle of the page (jumps between panes and matches).
    pub fn center_on(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.offset = self
            .selected
            .saturating_sub(page / 2)
            .min(len.saturating_sub(page.max(1)));
    }
}

/// A search hit: which pane and which object (outcome index or cloud index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub pane: Pane,
    pub index: u32,
    pub score: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Search {
    pub query: String,
    pub hits: Vec<Hit>,
    pub current: usize,
    /// Where the selection was when the search started, for Esc.
    pub origin: Option<(Pane, usize, usize)>,
    /// How far the matching has got: objects scanned so far (on-prem first, then cloud);
    /// `None` when the search is complete. Typing restarts it.
    pub scanned: Option<usize>,
    /// When the query only grew: the previous query's matches, the only objects the longer
    /// query can match (every character of it must still appear, in order). Rescanned instead
    /// of everything.
    pub narrowing: Option<Vec<Hit>>,
    /// The query the last complete search was for.
    pub done_query: Option<String>,
}

/// The screen's areas for a terminal size: render and mouse hit-testing use the same function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub on_prem: Rect,
    pub cloud: Rect,
    pub detail: Rect,
    pub hints: Rect,
}

impl Areas {
    /// Height between the header and the hint bar (the other views use all of it).
    pub fn body_height(&self) -> u16 {
        self.hints
            .y
            .saturating_sub(self.header.y + self.header.height)
    }

    pub fn body(&self) -> Rect {
        Rect::new(
            self.header.x,
            self.header.y + self.header.height,
            self.header.width,
            self.body_height(),
        )
    }
}

pub fn areas(area: Rect) -> Areas {
    let [header, body, hints] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let [lists, detail] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let [on_prem, cloud] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists);
    Areas {
        header,
        on_prem,
        cloud,
        detail,
        hints,
    }
}

/// Rows of a list pane that show objects (inside the border, below the column header).
pub fn list_page(r: Rect) -> usize {
    r.height.saturating_sub(3) as usize
}

pub struct State {
    /// The snapshot as the user named it.
    pub source: String,
    /// The snapshot's absolute path, for files that refer to it (scenarios).
    pub source_path: String,
    /// The snapshot as loaded; never modified (what-ifs change `config` and replan).
    pub bundle: Arc<Bundle>,
    pub index: Arc<CloudIndex>,
    /// Re-plans run on a worker thread (the runner sets this); off, `replan` plans at once.
    pub background_replan: bool,
    /// A configuration the runner should plan off the UI thread, and whether one is running.
    pub replan_request: Option<Config>,
    pub replanning: bool,
    /// The settings the shown plan uses (the snapshot's own until a what-if flip).
    pub config: Config,
    /// Shared (`Arc`): the baseline and a pinned comparison are the same plan until a flip.
    pub plan: Arc<Plan>,
    /// The plan under the snapshot's real settings.
    pub baseline: Arc<Plan>,
    /// A pinned configuration to compare against instead of the real settings.
    pub pinned: Option<(Config, Arc<Plan>)>,
    /// The shown plan against the baseline (or the pinned plan).
    pub diff: Diff,
    /// Bumped on every replan; the runner times updates that bump it.
    pub plan_generation: u64,
    /// How long the last replan took, measured by the runner.
    pub replan_time: Option<std::time::Duration>,
    pub view: View,
    pub errors: ErrorsView,
    /// The walkthrough in progress, on its own what-if copy of the snapshot.
    pub walk: Option<crate::walkthrough::Walkthrough>,
    /// A file to write, and one waiting for an overwrite answer.
    pub write: Option<WriteRequest>,
    pub confirm: Option<WriteRequest>,
    /// A CSV the runner should read for a bulk hard match.
    pub read_csv: Option<String>,
    /// The bulk hard match checked last: the CSV's path and a verdict per row.
    pub bulk: Option<(String, Vec<crate::hardmatch::RowReport>)>,
    pub bulk_cursor: Cursor,
    /// How the snapshot loaded: files, formats, warnings, skipped objects.
    pub load_report: Option<crate::import::LoadReport>,
    pub whatif: Cursor,
    /// Cloud object → outcomes that name it.
    pub cloud_refs: Vec<Vec<u32>>,
    pub filter: Filter,
    /// Visible on-prem rows (outcome indices) and cloud rows (cloud indices).
    pub on_prem_rows: Vec<u32>,
    pub cloud_rows: Vec<u32>,
    /// Position of each outcome / cloud object in the visible rows, if visible.
    on_prem_pos: Vec<Option<u32>>,
    cloud_pos: Vec<Option<u32>>,
    pub focus: Pane,
    /// The list pane the details describe (the last list focused).
    pub subject: Pane,
    pub on_prem: Cursor,
    pub cloud: Cursor,
    pub detail_scroll: u16,
    pub help_scroll: u16,
    pub mode: Mode,
    pub search: Search,
    pub size: Rect,
    pub status: Option<String>,
    /// Text the runner should put on the clipboard (OSC 52); taken by the runner.
    pub clipboard: Option<String>,
    pub mouse: bool,
    pub theme: Theme,
    pub quit: bool,
}

impl State {
    pub fn new(source: String, bundle: Bundle, theme: Theme, size: Rect) -> Self {
        let index = CloudIndex::build(&bundle);
        let config = Config {
            settings: bundle.settings,
            connect: bundle.connect.clone(),
        };
        let plan = Arc::new(plan_what_if(
            &bundle,
            &index,
            &config.settings,
            &config.connect,
        ));
        let cloud_refs = plan.cloud_references(bundle.cloud.len());
        let diff = Diff {
            changed: vec![false; plan.outcomes.len()],
            transitions: Vec::new(),
        };
        let mut s = State {
            source_path: source.clone(),
            source,
            index: Arc::new(index),
            background_replan: false,
            replan_request: None,
            replanning: false,
            config,
            baseline: Arc::clone(&plan),
            plan,
            pinned: None,
            diff,
            plan_generation: 0,
            replan_time: None,
            view: View::Explorer,
            errors: ErrorsView::new(),
            walk: None,
            write: None,
            confirm: None,
            read_csv: None,
            bulk: None,
            bulk_cursor: Cursor::default(),
            load_report: None,
            whatif: Cursor::default(),
            cloud_refs,
            filter: Filter::All,
            on_prem_rows: Vec::new(),
            cloud_rows: Vec::new(),
            on_prem_pos: Vec::new(),
            cloud_pos: Vec::new(),
            focus: Pane::OnPrem,
            subject: Pane::OnPrem,
            on_prem: Cursor::default(),
            cloud: Cursor::default(),
            detail_scroll: 0,
            help_scroll: 0,
            mode: Mode::Normal,
            search: Search::default(),
            size,
            status: None,
            clipboard: None,
            mouse: true,
            theme,
            quit: false,
            bundle: Arc::new(bundle),
        };
        s.rebuild_rows();
        s.follow_selection();
        s
    }

    /// The keymap context of the moment.
    pub fn context(&self) -> Context {
        match self.mode {
            Mode::Search => Context::Search,
            Mode::Edit => Context::Edit,
            Mode::Confirm => Context::Confirm,
            Mode::Help => Context::Help,
            Mode::Report => Context::Report,
            Mode::Normal => match self.view {
                View::Explorer => Context::Explorer,
                View::Errors => Context::Errors,
                View::WhatIf => Context::WhatIf,
                View::Walkthrough => Context::Walkthrough,
                View::Bulk => Context::Bulk,
            },
        }
    }

    pub fn areas(&self) -> Areas {
        areas(self.size)
    }

    pub fn page(&self, pane: Pane) -> usize {
        let a = self.areas();
        match pane {
            Pane::OnPrem => list_page(a.on_prem),
            Pane::Cloud => list_page(a.cloud),
            Pane::Detail => a.detail.height.saturating_sub(2) as usize,
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.width < MIN_WIDTH || self.size.height < MIN_HEIGHT
    }

    /// Recomputes the visible rows for the filter; keeps the selected objects where possible.
    pub fn rebuild_rows(&mut self) {
        let keep_on_prem = self.selected_outcome();
        let keep_cloud = self.selected_cloud();
        let filter = self.filter;
        let changed = &self.diff.changed;
        self.on_prem_rows = (0..self.plan.outcomes.len() as u32)
            .filter(|i| filter.keeps(&self.plan.outcomes[*i as usize], changed[*i as usize]))
            .collect();
        self.cloud_rows = if filter == Filter::All {
            (0..self.bundle.cloud.len() as u32).collect()
        } else {
            (0..self.bundle.cloud.len() as u32)
                .filter(|c| {
                    self.cloud_refs[*c as usize].iter().any(|o| {
                        filter.keeps(&self.plan.outcomes[*o as usize], changed[*o as usize])
                    })
                })
                .collect()
        };
        self.on_prem_pos = positions(&self.on_prem_rows, self.plan.outcomes.len());
        self.cloud_pos = positions(&self.cloud_rows, self.bundle.cloud.len());
        let (pp, cp) = (self.page(Pane::OnPrem), self.page(Pane::Cloud));
        let on_prem_at = keep_on_prem.and_then(|o| self.on_prem_pos[o as usize]);
        self.on_prem.select(
            on_prem_at.unwrap_or(0) as usize,
            self.on_prem_rows.len(),
            pp,
        );
        let cloud_at = keep_cloud.and_then(|c| self.cloud_pos[c as usize]);
        self.cloud
            .select(cloud_at.unwrap_or(0) as usize, self.cloud_rows.len(), cp);
    }

    /// Replans with the current configuration over the same snapshot and index, and compares
    /// with the baseline (or the pinned configuration).
    pub fn replan(&mut self) {
        if self.background_replan {
            self.replan_request = Some(self.config.clone());
            self.replanning = true;
            return;
        }
        let plan = plan_what_if(
            &self.bundle,
            &self.index,
            &self.config.settings,
            &self.config.connect,
        );
        self.install_plan(plan);
    }

    /// Shows a plan made for the current configuration (from `replan` or the worker thread).
    pub fn install_plan(&mut self, plan: Plan) {
        self.plan = Arc::new(plan);
        self.replanning = false;
        self.plan_generation += 1;
        self.cloud_refs = self.plan.cloud_references(self.bundle.cloud.len());
        self.rediff();
        self.errors.stale = true;
    }

    /// Recomputes the comparison after the plan or the pinned configuration changed.
    pub fn rediff(&mut self) {
        let against = self.pinned.as_ref().map_or(&self.baseline, |(_, p)| p);
        self.diff = whatif::diff(against, &self.plan);
        self.rebuild_rows();
    }

    /// Rebuilds the error lines if the plan changed since they were made.
    pub fn refresh_errors(&mut self) {
        if self.errors.stale {
            self.errors.rebuild(
                &self.bundle,
                &self.plan,
                &self.config.settings,
                &self.config.connect,
            );
        }
    }

    pub fn selected_outcome(&self) -> Option<u32> {
        self.on_prem_rows.get(self.on_prem.selected).copied()
    }

    pub fn selected_cloud(&self) -> Option<u32> {
        self.cloud_rows.get(self.cloud.selected).copied()
    }

    /// The cloud object an outcome concerns: the linked, matched or conflicting object, else
    /// the object its first quarantined value conflicts with.
    pub fn counterpart_of_outcome(&self, o: u32) -> Option<u32> {
        let out = &self.plan.outcomes[o as usize];
        out.cloud.or_else(|| {
            out.quarantined.iter().find_map(|q| match q.conflicts_with {
                Holder::Cloud(c) => Some(c),
                Holder::OnPrem(_) => None,
            })
        })
    }

    /// After the selection moved in one list, select its counterpart in the other.
    pub fn follow_selection(&mut self) {
        self.detail_scroll = 0;
        match self.subject {
            Pane::OnPrem | Pane::Detail => {
                let Some(o) = self.selected_outcome() else {
                    return;
                };
                if let Some(pos) = self
                    .counterpart_of_outcome(o)
                    .and_then(|c| self.cloud_pos[c as usize])
                {
                    let page = self.page(Pane::Cloud);
                    if !(self.cloud.offset..self.cloud.offset + page).contains(&(pos as usize)) {
                        self.cloud
                            .center_on(pos as usize, self.cloud_rows.len(), page);
                    } else {
                        self.cloud.selected = pos as usize;
                    }
                }
            }
            Pane::Cloud => {
                let Some(c) = self.selected_cloud() else {
                    return;
                };
                if let Some(pos) = self.cloud_refs[c as usize]
                    .iter()
                    .find_map(|o| self.on_prem_pos[*o as usize])
                {
                    let page = self.page(Pane::OnPrem);
                    if !(self.on_prem.offset..self.on_prem.offset + page).contains(&(pos as usize))
                    {
                        self.on_prem
                            .center_on(pos as usize, self.on_prem_rows.len(), page);
                    } else {
                        self.on_prem.selected = pos as usize;
                    }
                }
            }
        }
    }

    /// The on-prem row position of an outcome, making it visible (clearing the filter) if needed.
    pub fn reveal_outcome(&mut self, o: u32) -> usize {
        if self.on_prem_pos[o as usize].is_none() {
            self.filter = Filter::All;
            self.rebuild_rows();
        }
        self.on_prem_pos[o as usize].unwrap_or(0) as usize
    }

    pub fn reveal_cloud(&mut self, c: u32) -> usize {
        if self.cloud_pos[c as usize].is_none() {
            self.filter = Filter::All;
            self.rebuild_rows();
        }
        self.cloud_pos[c as usize].unwrap_or(0) as usize
    }
}

fn positions(rows: &[u32], len: usize) -> Vec<Option<u32>> {
    let mut pos = vec![None; len];
    for (i, r) in rows.iter().enumerate() {
        pos[*r as usize] = Some(i as u32);
    }
    pos
}
