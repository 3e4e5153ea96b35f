//! The what-if panel: every tenant feature, rule-book switch and Connect setting with its meaning
//! and current value; flipping one re-plans in the background and shows what changes against the
//! snapshot's own settings (or a pinned comparison). The loaded snapshot is never modified.

use crate::config::Config;
use crate::diff::Diff;
use crate::plan::{CloudReferences, Plan};
use crate::sanitize::display_safe;
use crate::session::{Replan, Session};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::theme::result_badge;
use crate::tui::views::View;
use crate::tui::views::explorer::Filter;
use crate::tui::widgets::{Column, Cursor, WindowTable, fixed, flex, labeled, table_page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct WhatIfView {
    pub cursor: Cursor,
    /// A configuration pinned as A, to compare what is flipped next against.
    pub pinned: Option<(Config, Arc<Plan>)>,
    /// The shown plan against A (the baseline or the pinned plan).
    pub diff: Diff,
    /// A re-plan is running in the background.
    pub replanning: bool,
    /// How long the last re-plan took (on its worker thread).
    /// How long the last re-plan took, and how many objects it planned again when it was
    /// incremental (the others were out of the flip's reach).
    pub replan_time: Option<(Duration, Option<usize>)>,
    /// Per-result counts of A (the comparison plan) and B (the plan shown), and how many
    /// outcomes differ: made once per plan, not once per frame (a million outcomes each).
    pub counts_a: Counts,
    pub counts_b: Counts,
    pub changed: usize,
}

/// Outcomes per result, in the order of `Plan::counts`.
pub type Counts = Vec<(crate::outcome::SyncResult, usize)>;

/// The shown plan compared with A, the plan it is compared against: what the what-if view
/// counts and the explorer marks Δ. The re-plan job makes it with the plan, so that the UI
/// thread only installs it (at 1M objects a comparison reads 2M outcomes).
#[derive(Debug)]
pub struct Comparison {
    /// A, as it was when the comparison was made.
    pub against: Arc<Plan>,
    pub diff: Diff,
    pub counts_a: Counts,
    pub counts_b: Counts,
}

impl Comparison {
    pub fn of(against: Arc<Plan>, plan: &Plan) -> Self {
        Comparison {
            diff: crate::diff::diff(&against, plan),
            counts_a: against.counts().to_vec(),
            counts_b: plan.counts().to_vec(),
            against,
        }
    }
}

impl WhatIfView {
    /// The panel of a session just opened: nothing flipped, B = A.
    pub fn new(s: &Session) -> Self {
        WhatIfView {
            cursor: Cursor::default(),
            pinned: None,
            diff: Diff {
                changed: vec![false; s.plan.outcomes.len()],
                transitions: Vec::new(),
            },
            replanning: false,
            replan_time: None,
            counts_a: s.baseline.counts().to_vec(),
            counts_b: s.plan.counts().to_vec(),
            changed: 0,
        }
    }

    /// The plan the shown one is compared with: the pinned one, else the baseline.
    pub fn against<'a>(&'a self, s: &'a Session) -> &'a Arc<Plan> {
        self.pinned.as_ref().map_or(&s.baseline, |(_, p)| p)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WhatIfLayout {
    pub list: Rect,
    pub diff: Rect,
}

impl WhatIfLayout {
    pub fn page(&self) -> usize {
        table_page(self.list)
    }
}

pub fn layout(body: Rect) -> WhatIfLayout {
    let [list, diff] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    WhatIfLayout { list, diff }
}

/// The setting's name is what `--set` takes: it is as wide as the longest name
/// (allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled), and the other columns go first.
const COLUMNS: [Column; 5] = [
    fixed("value", 6, 0),
    flex("setting (the name --set takes)", 52, 1, 0),
    fixed("rule", 4, 2),
    fixed("snapshot", 9, 1),
    fixed("", 26, 3),
];

impl App {
    pub fn whatif_layout(&self) -> WhatIfLayout {
        layout(self.frame().body)
    }

    /// Asks for a plan of the configuration in force, off the UI thread.
    pub fn request_replan(&mut self) {
        self.whatif.replanning = true;
        self.effects
            .push_back(Effect::Replan(self.session.config.clone()));
    }

    /// A re-plan arrived; installed only if it is for the configuration in force.
    /// `refs` and `comparison` are made from the new plan by the job.
    pub fn replanned(
        &mut self,
        config: &Config,
        plan: Replan,
        refs: CloudReferences,
        comparison: Comparison,
        took: Duration,
    ) {
        let planned_again = plan.planned_again;
        let shown = Arc::clone(&self.session.plan);
        if !self.session.install(config, plan) {
            return;
        }
        // Freed on a job's thread, not between two frames.
        self.effects.push_back(Effect::Discard(shown));
        self.whatif.replanning = false;
        self.whatif.replan_time = Some((took, planned_again));
        if planned_again.is_none() {
            // Planned in full and recorded: the next flips re-plan from it.
            self.effects.push_back(Effect::Prefetch);
        }
        self.plan_changed_with(refs, Some(comparison));
        self.status = Some(format!(
            "{} in {:.0} ms: {} object(s) change",
            replanned_objects(self.session.plan.outcomes.len(), planned_again),
            took.as_secs_f64() * 1000.0,
            self.whatif.changed
        ));
    }

    /// Everything derived from the plan, made again after it changed.
    pub fn plan_changed(&mut self) {
        let refs = (self.session.plan).cloud_references(self.session.snapshot.cloud.len());
        self.plan_changed_with(refs, None);
    }

    /// [`App::plan_changed`] with the plan's cloud references, and its comparison when one was
    /// made, already made.
    pub fn plan_changed_with(&mut self, refs: CloudReferences, comparison: Option<Comparison>) {
        self.explorer.cloud_refs = refs;
        self.rediff_with(comparison);
        self.errors.stale = true;
        if self.view == View::Errors {
            self.refresh_errors();
        }
        // The findings' outcomes are those of the plan on screen: checked again for it.
        if self.view == View::Readiness {
            self.refresh_readiness();
        }
    }

    /// Recomputes the comparison after the plan or the pinned configuration changed.
    pub fn rediff(&mut self) {
        self.rediff_with(None);
    }

    /// Installs a comparison made elsewhere if it is against A as A is now (a pin made while
    /// the job ran changes A), else makes it here.
    fn rediff_with(&mut self, made: Option<Comparison>) {
        let against = self.whatif.against(&self.session);
        let c = match made {
            Some(c) if Arc::ptr_eq(&c.against, against) => c,
            _ => Comparison::of(Arc::clone(against), &self.session.plan),
        };
        self.whatif.counts_a = c.counts_a;
        self.whatif.counts_b = c.counts_b;
        self.whatif.changed = c.diff.count();
        self.whatif.diff = c.diff;
        self.rebuild_rows();
        self.follow_selection();
    }

    fn flip(&mut self) {
        let items = self.session.items();
        let Some(item) = items.get(self.whatif.cursor.selected).copied() else {
            return;
        };
        self.session.flip(item);
        self.request_replan();
        let info = item.info(&self.session.snapshot.connect);
        let on = self.session.value(item);
        let warn = if info.irreversible && on {
            " — X3: irreversible once enabled in a real tenant"
        } else {
            ""
        };
        self.status = Some(format!(
            "{} {}: re-planning…{warn}",
            info.name,
            if on { "on" } else { "off" }
        ));
    }

    /// The what-if view's actions; false when the action is not its.
    pub fn whatif_update(&mut self, action: Action) -> bool {
        let page = self.whatif_layout().page();
        let len = self.session.items().len();
        let step = page.max(1) as isize;
        let area = self.whatif_layout().list;
        let c = &mut self.whatif.cursor;
        match action {
            Action::Click { column, row } => {
                if let Some(at) = crate::tui::widgets::table_row_at(area, *c, len, column, row) {
                    c.select(at, len, page);
                }
            }
            Action::MoveUp => c.move_by(-1, len, page),
            Action::MoveDown => c.move_by(1, len, page),
            Action::PageUp => c.move_by(-step, len, page),
            Action::PageDown => c.move_by(step, len, page),
            Action::Top => c.move_by(isize::MIN / 2, len, page),
            Action::Bottom => c.move_by(isize::MAX / 2, len, page),
            Action::Scroll { down, .. } => c.move_by(if down { 3 } else { -3 }, len, page),
            Action::WhatIfFlip => self.flip(),
            Action::WhatIfReset => {
                self.session.reset();
                self.whatif.pinned = None;
                self.whatif.replanning = false;
                self.plan_changed();
                self.status = Some("back to the snapshot's own settings".into());
            }
            Action::WhatIfPin => {
                if self.whatif.pinned.take().is_some() {
                    self.status =
                        Some("comparing against the snapshot's own settings again".into());
                } else {
                    self.whatif.pinned =
                        Some((self.session.config.clone(), Arc::clone(&self.session.plan)));
                    self.status =
                        Some("pinned as A: what you flip next is compared against it".into());
                }
                self.rediff();
            }
            Action::WhatIfShowChanged => {
                self.view = View::Explorer;
                self.set_filter(Filter::Changed);
            }
            _ => return false,
        }
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, l: WhatIfLayout) {
    let t = &s.theme;
    let base = &s.session.snapshot.connect;
    let real = s.session.snapshot_config();
    let items = s.session.items();
    let cells = |i: usize| {
        let item = items[i];
        let info = item.info(base);
        let on = s.session.value(item);
        let was = real.value(item, base);
        let changed = if on != was { t.changed() } else { Style::new() };
        vec![
            ((if on { "☑ on" } else { "☐ off" }).to_string(), changed),
            (display_safe(&info.name).into_owned(), Style::new()),
            (info.rule.to_string(), Style::new()),
            (
                if on != was {
                    format!("Δ was {}", if was { "on" } else { "off" })
                } else {
                    String::new()
                },
                changed,
            ),
            (
                if info.irreversible {
                    "⚠ X3 irreversible once on".to_string()
                } else {
                    String::new()
                },
                t.warn(),
            ),
        ]
    };
    WindowTable {
        columns: &COLUMNS,
        len: items.len(),
        cursor: s.whatif.cursor,
        block: Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                "▶ What-if · the snapshot is never changed; r resets",
                t.heading(),
            )),
        cells: &cells,
        theme: t,
    }
    .draw(f, l.list);

    // The selected setting's meaning, then the comparison.
    let width = l.diff.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(item) = items.get(s.whatif.cursor.selected) {
        let info = item.info(base);
        lines.extend(labeled(
            Span::styled(format!("{} ", display_safe(&info.name)), t.key()),
            &format!("({})  {}", info.rule, info.meaning),
            Style::new(),
            width,
        ));
        if info.irreversible {
            lines.push(Line::from(Span::styled(
                "X3: a real tenant cannot turn this off once it is on; the what-if can.",
                t.warn(),
            )));
        }
    }
    let against = if s.whatif.pinned.is_some() {
        "A = pinned settings"
    } else {
        "A = the snapshot's own settings"
    };
    let timing = if s.whatif.replanning {
        "  ·  re-planning…".to_string()
    } else {
        s.whatif
            .replan_time
            .map(|(d, again)| {
                format!(
                    "  ·  {} in {:.1} ms",
                    replanned_objects(s.session.plan.outcomes.len(), again),
                    d.as_secs_f64() * 1000.0
                )
            })
            .unwrap_or_default()
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{against}  ·  B = these settings"), t.heading()),
        Span::styled(timing, t.dim()),
    ]));
    let mut counts_a: Vec<Span> = vec![Span::styled("A  ", t.key())];
    let mut counts_b: Vec<Span> = vec![Span::styled("B  ", t.key())];
    for (&(r, na), &(_, nb)) in s.whatif.counts_a.iter().zip(&s.whatif.counts_b) {
        let (sym, word) = result_badge(r);
        counts_a.push(Span::styled(
            format!("{sym}{na:>5} {word:<7} "),
            t.result(r),
        ));
        let style = if na != nb { t.changed() } else { t.result(r) };
        counts_b.push(Span::styled(format!("{sym}{nb:>5} {word:<7} "), style));
    }
    for mut counts in [counts_a, counts_b] {
        // No trailing blank: it would wrap to an empty line at exactly the pane's width.
        if let Some(last) = counts.last_mut() {
            last.content = last.content.trim_end().to_string().into();
        }
        lines.push(Line::from(counts));
    }
    if s.whatif.diff.transitions.is_empty() {
        lines.push(Line::from(Span::styled(
            "No object changes outcome between A and B.",
            t.dim(),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!(
                "{} object(s) change outcome (v shows them in the explorer, marked Δ):",
                s.whatif.changed
            ),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for (from, to, n) in &s.whatif.diff.transitions {
            lines.extend(labeled(
                Span::styled(format!("{n:>7}  "), t.changed()),
                &format!("{from}  →  {to}"),
                Style::new(),
                width,
            ));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().border_style(t.border(false))),
        l.diff,
    );
}

/// "re-planned 72 objects", or for an incremental re-plan "re-planned 9 of 72 objects".
fn replanned_objects(total: usize, planned_again: Option<usize>) -> String {
    match planned_again {
        Some(n) => format!("re-planned {n} of {total} objects"),
        None => format!("re-planned {total} objects"),
    }
}
