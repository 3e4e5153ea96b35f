//! The explorer: the on-prem and the cloud list side by side, the details of the selection
//! below. Selecting an object selects its counterpart in the other list. `/` narrows both lists
//! to the ranked matches (search.rs); quick filters narrow them to a kind of outcome.

pub mod detail;
pub mod draw;
pub mod search;

use crate::outcome::{Flag, Holder, Outcome, SyncResult};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::widgets::Cursor;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use search::Search;

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

/// Where the explorer's panes are in the body of the screen: update (page sizes, clicks) and
/// draw both use this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExplorerLayout {
    pub on_prem: Rect,
    pub cloud: Rect,
    pub detail: Rect,
}

impl ExplorerLayout {
    /// Object rows a list pane shows (inside the border, below the column header).
    pub fn page(&self, pane: Pane) -> usize {
        match pane {
            Pane::OnPrem => list_page(self.on_prem),
            Pane::Cloud => list_page(self.cloud),
            Pane::Detail => self.detail.height.saturating_sub(2) as usize,
        }
    }

    /// Width of the detail text (inside the border).
    pub fn detail_width(&self) -> usize {
        self.detail.width.saturating_sub(2) as usize
    }
}

pub fn layout(body: Rect) -> ExplorerLayout {
    let [lists, detail] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let [on_prem, cloud] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists);
    ExplorerLayout {
        on_prem,
        cloud,
        detail,
    }
}

pub fn list_page(r: Rect) -> usize {
    r.height.saturating_sub(3) as usize
}

#[derive(Clone, Debug)]
pub struct ExplorerView {
    pub filter: Filter,
    /// Visible on-prem rows (outcome indices) and cloud rows (cloud indices), in order.
    pub on_prem_rows: Vec<u32>,
    pub cloud_rows: Vec<u32>,
    /// Position of each outcome / cloud object in the visible rows, if visible.
    on_prem_pos: Vec<Option<u32>>,
    cloud_pos: Vec<Option<u32>>,
    /// Cloud object → outcomes that name it (for the plan shown).
    pub cloud_refs: crate::plan::CloudReferences,
    pub focus: Pane,
    /// The list pane the details describe (the last list focused).
    pub subject: Pane,
    pub on_prem: Cursor,
    pub cloud: Cursor,
    pub detail_scroll: u16,
    pub search: Search,
}

impl ExplorerView {
    pub fn new() -> Self {
        ExplorerView {
            filter: Filter::All,
            on_prem_rows: Vec::new(),
            cloud_rows: Vec::new(),
            on_prem_pos: Vec::new(),
            cloud_pos: Vec::new(),
            cloud_refs: Default::default(),
            focus: Pane::OnPrem,
            subject: Pane::OnPrem,
            on_prem: Cursor::default(),
            cloud: Cursor::default(),
            detail_scroll: 0,
            search: Search::default(),
        }
    }

    pub fn selected_outcome(&self) -> Option<u32> {
        self.on_prem_rows.get(self.on_prem.selected).copied()
    }

    pub fn selected_cloud(&self) -> Option<u32> {
        self.cloud_rows.get(self.cloud.selected).copied()
    }

    pub fn on_prem_position(&self, o: u32) -> Option<u32> {
        self.on_prem_pos.get(o as usize).copied().flatten()
    }

    pub fn cloud_position(&self, c: u32) -> Option<u32> {
        self.cloud_pos.get(c as usize).copied().flatten()
    }
}

impl Default for ExplorerView {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    pub fn explorer_layout(&self) -> ExplorerLayout {
        layout(self.frame().body)
    }

    /// The cloud object an outcome concerns: the linked, matched or conflicting object, else
    /// the object its first quarantined value conflicts with.
    pub fn counterpart_of_outcome(&self, o: u32) -> Option<u32> {
        let out = &self.session.plan.outcomes[o as usize];
        out.cloud.or_else(|| {
            out.quarantined.iter().find_map(|q| match q.conflicts_with {
                Holder::Cloud(c) => Some(c),
                Holder::OnPrem(_) => None,
            })
        })
    }

    /// Recomputes the visible rows for the filter and the search; keeps the selected objects
    /// where possible.
    pub fn rebuild_rows(&mut self) {
        let e = &self.explorer;
        let keep_on_prem = e.selected_outcome();
        let keep_cloud = e.selected_cloud();
        let filter = e.filter;
        let plan = &self.session.plan;
        let changed = &self.whatif.diff.changed;
        let keeps = |o: u32| {
            filter.keeps(
                &plan.outcomes[o as usize],
                changed.get(o as usize).copied().unwrap_or(false),
            )
        };
        let cloud_len = self.session.snapshot.cloud.len() as u32;
        let refs = &e.cloud_refs;
        let cloud_keeps = |c: u32| filter == Filter::All || refs.of(c).iter().any(|o| keeps(*o));
        let (on_prem_rows, cloud_rows): (Vec<u32>, Vec<u32>) = match e.search.matches() {
            Some((on, cloud)) => (
                on.iter().copied().filter(|o| keeps(*o)).collect(),
                cloud.iter().copied().filter(|c| cloud_keeps(*c)).collect(),
            ),
            None => (
                (0..plan.outcomes.len() as u32)
                    .filter(|o| keeps(*o))
                    .collect(),
                (0..cloud_len).filter(|c| cloud_keeps(*c)).collect(),
            ),
        };
        let on_prem_pos = positions(&on_prem_rows, plan.outcomes.len());
        let cloud_pos = positions(&cloud_rows, cloud_len as usize);
        let l = self.explorer_layout();
        let e = &mut self.explorer;
        e.on_prem_rows = on_prem_rows;
        e.cloud_rows = cloud_rows;
        e.on_prem_pos = on_prem_pos;
        e.cloud_pos = cloud_pos;
        let at = keep_on_prem
            .and_then(|o| e.on_prem_position(o))
            .unwrap_or(0);
        e.on_prem
            .select(at as usize, e.on_prem_rows.len(), l.page(Pane::OnPrem));
        let at = keep_cloud.and_then(|c| e.cloud_position(c)).unwrap_or(0);
        e.cloud
            .select(at as usize, e.cloud_rows.len(), l.page(Pane::Cloud));
    }

    /// After the selection moved in one list, select its counterpart in the other.
    pub fn follow_selection(&mut self) {
        let l = self.explorer_layout();
        self.explorer.detail_scroll = 0;
        match self.explorer.subject {
            Pane::OnPrem | Pane::Detail => {
                let Some(o) = self.explorer.selected_outcome() else {
                    return;
                };
                let Some(pos) = self
                    .counterpart_of_outcome(o)
                    .and_then(|c| self.explorer.cloud_position(c))
                else {
                    return;
                };
                let e = &mut self.explorer;
                let page = l.page(Pane::Cloud);
                if (e.cloud.offset..e.cloud.offset + page).contains(&(pos as usize)) {
                    e.cloud.selected = pos as usize;
                } else {
                    e.cloud.center_on(pos as usize, e.cloud_rows.len(), page);
                }
            }
            Pane::Cloud => {
                let e = &mut self.explorer;
                let Some(c) = e.selected_cloud() else {
                    return;
                };
                let Some(pos) = e
                    .cloud_refs
                    .of(c)
                    .iter()
                    .find_map(|o| e.on_prem_position(*o))
                else {
                    return;
                };
                let page = l.page(Pane::OnPrem);
                if (e.on_prem.offset..e.on_prem.offset + page).contains(&(pos as usize)) {
                    e.on_prem.selected = pos as usize;
                } else {
                    e.on_prem
                        .center_on(pos as usize, e.on_prem_rows.len(), page);
                }
            }
        }
    }

    /// Selects an object in its pane, dropping the filter and search if they hide it.
    pub fn reveal(&mut self, pane: Pane, index: u32) {
        let visible = match pane {
            Pane::Cloud => self.explorer.cloud_position(index).is_some(),
            _ => self.explorer.on_prem_position(index).is_some(),
        };
        if !visible {
            self.explorer.filter = Filter::All;
            self.explorer.search.clear();
            self.rebuild_rows();
        }
        let l = self.explorer_layout();
        let e = &mut self.explorer;
        match pane {
            Pane::Cloud => {
                let pos = e.cloud_position(index).unwrap_or(0) as usize;
                e.cloud
                    .center_on(pos, e.cloud_rows.len(), l.page(Pane::Cloud));
                e.subject = Pane::Cloud;
                e.focus = Pane::Cloud;
            }
            _ => {
                let pos = e.on_prem_position(index).unwrap_or(0) as usize;
                e.on_prem
                    .center_on(pos, e.on_prem_rows.len(), l.page(Pane::OnPrem));
                e.subject = Pane::OnPrem;
                e.focus = Pane::OnPrem;
            }
        }
        self.follow_selection();
    }

    pub fn set_filter(&mut self, f: Filter) {
        self.explorer.filter = f;
        self.rebuild_rows();
        self.follow_selection();
        self.status = Some(format!(
            "filter: {} ({} on-prem, {} cloud objects)",
            f.label(),
            self.explorer.on_prem_rows.len(),
            self.explorer.cloud_rows.len()
        ));
    }

    fn focus(&mut self, pane: Pane) {
        let e = &mut self.explorer;
        e.focus = pane;
        if pane != Pane::Detail && e.subject != pane {
            e.subject = pane;
            e.detail_scroll = 0;
        }
    }

    fn explorer_move(&mut self, delta: isize) {
        let l = self.explorer_layout();
        match self.explorer.focus {
            Pane::OnPrem => {
                let e = &mut self.explorer;
                e.on_prem
                    .move_by(delta, e.on_prem_rows.len(), l.page(Pane::OnPrem));
                self.follow_selection();
            }
            Pane::Cloud => {
                let e = &mut self.explorer;
                e.cloud
                    .move_by(delta, e.cloud_rows.len(), l.page(Pane::Cloud));
                self.follow_selection();
            }
            Pane::Detail => {
                let lines = detail::lines(self, l.detail_width()).len();
                let max = lines.saturating_sub(l.page(Pane::Detail)) as isize;
                let e = &mut self.explorer;
                e.detail_scroll = (e.detail_scroll as isize + delta).clamp(0, max.max(0)) as u16;
            }
        }
    }

    /// Esc in the explorer: the search filter, the detail focus, then the quick filter.
    /// Returns false when there was nothing to close.
    pub fn explorer_close(&mut self) -> bool {
        if self.explorer.search.active() {
            self.search_clear();
            true
        } else if self.explorer.focus == Pane::Detail {
            self.explorer.focus = self.explorer.subject;
            true
        } else if self.explorer.filter != Filter::All {
            self.set_filter(Filter::All);
            true
        } else {
            false
        }
    }

    fn copy_id(&mut self) {
        let e = &self.explorer;
        let text = match e.subject {
            Pane::Cloud => e.selected_cloud().map(|c| {
                (
                    "object id",
                    self.session.snapshot.cloud[c as usize].id.to_string(),
                )
            }),
            _ => e.selected_outcome().map(|o| {
                (
                    "ImmutableID",
                    self.session.plan.outcomes[o as usize]
                        .source_anchor
                        .to_string(),
                )
            }),
        };
        match text {
            Some((what, value)) => {
                self.status = Some(format!("copied {what} {value} to the clipboard (OSC 52)"));
                self.effects
                    .push_back(crate::tui::app::Effect::Clipboard(value));
            }
            None => self.status = Some("nothing selected to copy".into()),
        }
    }

    fn click_explorer(&mut self, column: u16, row: u16) {
        let l = self.explorer_layout();
        let at = Position::new(column, row);
        // Rows start below the border and the column header.
        let list_row = |r: Rect| row.checked_sub(r.y + 2).map(usize::from);
        for (pane, area) in [(Pane::OnPrem, l.on_prem), (Pane::Cloud, l.cloud)] {
            if !area.contains(at) {
                continue;
            }
            self.focus(pane);
            let Some(i) = list_row(area).filter(|i| *i < list_page(area)) else {
                return;
            };
            let page = l.page(pane);
            let e = &mut self.explorer;
            let (cursor, len) = match pane {
                Pane::Cloud => (&mut e.cloud, e.cloud_rows.len()),
                _ => (&mut e.on_prem, e.on_prem_rows.len()),
            };
            let target = cursor.offset + i;
            if target < len {
                cursor.select(target, len, page);
                self.follow_selection();
            }
            return;
        }
        if l.detail.contains(at) {
            self.focus(Pane::Detail);
        }
    }

    /// The explorer's actions; false when the action is not the explorer's.
    pub fn explorer_update(&mut self, action: Action) -> bool {
        let l = self.explorer_layout();
        let page = l.page(self.explorer.focus).max(1) as isize;
        match action {
            Action::MoveUp => self.explorer_move(-1),
            Action::MoveDown => self.explorer_move(1),
            Action::PageUp => self.explorer_move(-page),
            Action::PageDown => self.explorer_move(page),
            Action::Top => self.explorer_move(isize::MIN / 2),
            Action::Bottom => self.explorer_move(isize::MAX / 2),
            Action::NextPane => {
                let next = match self.explorer.focus {
                    Pane::OnPrem => Pane::Cloud,
                    Pane::Cloud => Pane::Detail,
                    Pane::Detail => Pane::OnPrem,
                };
                self.focus(next);
            }
            Action::PrevPane => {
                let prev = match self.explorer.focus {
                    Pane::OnPrem => Pane::Detail,
                    Pane::Cloud => Pane::OnPrem,
                    Pane::Detail => Pane::Cloud,
                };
                self.focus(prev);
            }
            Action::FocusDetail => {
                let target = if self.explorer.focus == Pane::Detail {
                    self.explorer.subject
                } else {
                    Pane::Detail
                };
                self.focus(target);
            }
            Action::CopyId => self.copy_id(),
            Action::FilterSet(f) => self.set_filter(f),
            Action::FilterNext => {
                let i = Filter::ALL
                    .iter()
                    .position(|f| *f == self.explorer.filter)
                    .unwrap_or(0);
                self.set_filter(Filter::ALL[(i + 1) % Filter::ALL.len()]);
            }
            Action::SearchStart => self.search_start(),
            Action::SearchType(c) => self.search_type(Some(c)),
            Action::SearchErase => self.search_type(None),
            Action::SearchKeep => self.search_keep(),
            Action::SearchClear => self.search_clear(),
            Action::SearchTick => self.search_tick(),
            Action::MatchNext => self.step_match(1),
            Action::MatchPrev => self.step_match(-1),
            Action::Click { column, row } => self.click_explorer(column, row),
            Action::Scroll { column, row, down } => {
                let at = Position::new(column, row);
                let pane = [
                    (Pane::OnPrem, l.on_prem),
                    (Pane::Cloud, l.cloud),
                    (Pane::Detail, l.detail),
                ]
                .into_iter()
                .find(|(_, r)| r.contains(at))
                .map(|(p, _)| p);
                if let Some(pane) = pane {
                    self.focus(pane);
                    self.explorer_move(if down { 3 } else { -3 });
                }
            }
            _ => return false,
        }
        true
    }
}

fn positions(rows: &[u32], len: usize) -> Vec<Option<u32>> {
    let mut pos = vec![None; len];
    for (i, r) in rows.iter().enumerate() {
        pos[*r as usize] = Some(i as u32);
    }
    pos
}
