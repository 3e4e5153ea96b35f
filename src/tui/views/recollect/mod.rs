//! `R` (issue 13): collect the folder again from the sources its `collected.json` names, plan the
//! new snapshot and show what changed since the last collection — the counts per result before
//! and after, the transitions between outcome classes, and the objects that changed (Δ).
//!
//! The collection itself talks to the admin on stderr (the device-code prompt, progress bars), so
//! the runner leaves the alternate screen and raw mode for it (`Effect::Recollect`, after gitui's
//! and yazi's external-editor suspend) and comes back when it ends. Ctrl-C stops it: the folder is
//! replaced only when the collection is whole (collect writes atomically), and the explorer goes
//! on with the snapshot it had.

use crate::diff::{ABSENT, SnapshotDiff};
use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::theme::result_badge;
use crate::tui::views::View;
use crate::tui::views::confirm::Confirm;
use crate::tui::views::explorer::Pane;
use crate::tui::widgets::{Column, Cursor, WindowTable, fixed, flex, labeled, table_page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use std::path::PathBuf;

/// What changed since the last collection.
#[derive(Clone, Debug)]
pub struct Changes {
    pub diff: SnapshotDiff,
    /// When the folder was collected before and now (collected.json).
    pub before: String,
    pub after: String,
    /// The collection's own summary line.
    pub summary: String,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ChangesView {
    pub changes: Option<Changes>,
    pub cursor: Cursor,
    /// A collection has ended and the folder is being loaded again.
    pub reloading: bool,
    /// The collection report until the reload is done.
    pub pending: Option<(String, Vec<String>, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangesLayout {
    pub summary: Rect,
    pub table: Rect,
}

impl ChangesLayout {
    pub fn page(&self) -> usize {
        table_page(self.table)
    }
}

/// The summary takes the rows it needs (`wanted`, borders included), at most half the body.
pub fn layout(body: Rect, wanted: u16) -> ChangesLayout {
    let top = wanted.clamp(6, (body.height / 2).max(6));
    let [summary, table] =
        Layout::vertical([Constraint::Length(top), Constraint::Min(4)]).areas(body);
    ChangesLayout { summary, table }
}

const COLUMNS: [Column; 4] = [
    fixed("", 1, 0),
    flex("object", 14, 2, 0),
    flex("before", 14, 3, 0),
    flex("after", 14, 3, 0),
];

/// The folder `R` collects again, or why it cannot (and what to run instead).
pub fn collected_folder(source_path: &str, source: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(source_path);
    let shown = display_safe(source);
    if !path.is_dir() || !path.join(crate::collect::RECORD_FILE).is_file() {
        return Err(format!(
            "R collects again a folder written by `syncscope collect` (it has {}); {shown} is not one. \
             Collect one with `syncscope collect --ldap ldaps://DC --graph --out snap/`, then open snap/",
            crate::collect::RECORD_FILE
        ));
    }
    crate::collect::read_record(&path).map_err(|e| format!("R: {}", display_safe(&e.message)))?;
    Ok(path)
}

impl App {
    pub fn changes_layout(&self) -> ChangesLayout {
        let body = self.frame().body;
        let width = body.width.saturating_sub(2) as usize;
        // Rows as the paragraph wraps them.
        let wanted: usize = self.changes.changes.as_ref().map_or(0, |c| {
            summary_lines(self, c, width)
                .iter()
                .map(|l| l.width().div_ceil(width.max(1)).max(1))
                .sum()
        });
        layout(body, wanted as u16 + 2)
    }

    /// `R`: collect again, after asking if work would be lost.
    pub fn recollect_request(&mut self) {
        let folder = match collected_folder(&self.source_path, &self.source) {
            Ok(p) => p,
            Err(why) => {
                self.status = Some(why);
                return;
            }
        };
        let unsaved = self.unsaved();
        if unsaved.is_empty() {
            self.effects.push_back(Effect::Recollect(folder));
        } else {
            self.confirm = Some(Confirm::Recollect { folder, unsaved });
        }
    }

    /// The collection ended (the terminal is the explorer's again). On success the folder is
    /// loaded again; otherwise the snapshot on screen stays, and the folder is as it was.
    pub fn recollected(
        &mut self,
        before: String,
        result: Result<crate::collect::CollectReport, crate::collect::CollectError>,
    ) {
        match result {
            Ok(report) => {
                self.changes.reloading = true;
                self.changes.pending = Some((report.summary(), report.warnings.clone(), before));
                self.status = Some(format!(
                    "{}; loading and planning the new snapshot…",
                    display_safe(&report.summary())
                ));
                self.effects.push_back(Effect::Reload);
            }
            Err(e) => {
                self.status = Some(format!(
                    "collection stopped: {}; the folder is as it was and this is still the snapshot collected {}",
                    display_safe(&e.message),
                    display_safe(&before)
                ));
            }
        }
    }

    /// The folder was loaded again: the explorer now shows it, and the changes view what
    /// differs from the snapshot it replaced. A folder that no longer loads leaves the old one.
    pub fn reloaded(
        &mut self,
        loaded: Result<crate::tui::runner::Loaded, crate::error::InputError>,
    ) {
        self.changes.reloading = false;
        let (summary, warnings, before) = self.changes.pending.take().unwrap_or_default();
        let (
            crate::cache::Opened {
                session, report, ..
            },
            path,
        ) = match loaded {
            Ok(l) => l,
            Err(e) => {
                self.status = Some(format!(
                    "the folder was collected again but does not load ({}); still showing the snapshot loaded before",
                    display_safe(&e.to_string())
                ));
                return;
            }
        };
        let diff = crate::diff::diff_snapshots(
            &self.session.snapshot,
            &self.session.baseline,
            &session.snapshot,
            &session.baseline,
        );
        let after = crate::collect::read_record(std::path::Path::new(&path))
            .map(|r| r.collected_date_time)
            .unwrap_or_default();
        let n = diff.changed.len();
        let mut next = App::new(self.source.clone(), session, self.theme, self.size);
        next.source_path = path;
        next.partial = report.is_partial();
        next.load_report = Some(report);
        next.mouse = self.mouse;
        next.handle(Action::Resize(self.size.width, self.size.height));
        next.changes.changes = Some(Changes {
            diff,
            before,
            after,
            summary,
            warnings,
        });
        next.view = View::Changes;
        next.status = Some(format!(
            "collected again: {n} object(s) change their outcome (Enter shows one in the explorer)"
        ));
        *self = next;
    }

    fn changes_show_object(&mut self) {
        let Some(c) = &self.changes.changes else {
            return;
        };
        let Some(o) = c.diff.changed.get(self.changes.cursor.selected) else {
            return;
        };
        match o.on_prem {
            Some(i) => {
                self.view = View::Explorer;
                self.reveal(Pane::OnPrem, i);
            }
            None => {
                self.status = Some(format!(
                    "{} is not in the new collection",
                    display_safe(&o.name)
                ))
            }
        }
    }

    /// The changes view's actions; false when not its.
    pub fn changes_update(&mut self, action: Action) -> bool {
        let page = self.changes_layout().page();
        let len = self
            .changes
            .changes
            .as_ref()
            .map_or(0, |c| c.diff.changed.len());
        let step = page.max(1) as isize;
        let area = self.changes_layout().table;
        let cur = &mut self.changes.cursor;
        match action {
            Action::Click { column, row } => {
                if let Some(at) = crate::tui::widgets::table_row_at(area, *cur, len, column, row) {
                    cur.select(at, len, page);
                }
            }
            Action::MoveUp => cur.move_by(-1, len, page),
            Action::MoveDown => cur.move_by(1, len, page),
            Action::PageUp => cur.move_by(-step, len, page),
            Action::PageDown => cur.move_by(step, len, page),
            Action::Top => cur.move_by(isize::MIN / 2, len, page),
            Action::Bottom => cur.move_by(isize::MAX / 2, len, page),
            Action::Scroll { down, .. } => cur.move_by(if down { 3 } else { -3 }, len, page),
            Action::ReadinessShowObject => self.changes_show_object(),
            _ => return false,
        }
        true
    }
}

/// The summary's lines at a width: the counts before and after and the transitions first, then
/// when it was collected, the collection's line and its warnings.
fn summary_lines(s: &App, c: &Changes, width: usize) -> Vec<Line<'static>> {
    let t = &s.theme;
    let d = &c.diff;
    let mut lines: Vec<Line> = Vec::new();
    // Counts as the header writes them ("= 26 linked"); a changed count says by how much.
    let mut before: Vec<Span> = vec![Span::styled("before ", t.key())];
    let mut after: Vec<Span> = vec![Span::styled("after  ", t.key())];
    for (&(r, na), &(_, nb)) in d.counts_before.iter().zip(&d.counts_after) {
        let (sym, word) = result_badge(r);
        before.push(Span::styled(format!("{sym} {na} {word}  "), t.result(r)));
        if na == nb {
            after.push(Span::styled(format!("{sym} {nb} {word}  "), t.result(r)));
        } else {
            let delta = nb as i64 - na as i64;
            after.push(Span::styled(
                format!("{sym} {nb} {word} Δ{delta:+}  "),
                t.changed(),
            ));
        }
    }
    lines.push(Line::from(before));
    lines.push(Line::from(after));
    if d.transitions.is_empty() {
        lines.push(Line::from(Span::styled(
            "No object changes its outcome since the last collection.",
            t.dim(),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!(
                "{} object(s) change outcome ({} new in the directory, {} gone):",
                d.changed.len(),
                d.added,
                d.removed
            ),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for (from, to, n) in &d.transitions {
            lines.extend(labeled(
                Span::styled(format!("{n:>7}  "), t.changed()),
                &format!("{from}  →  {to}"),
                Style::new(),
                width,
            ));
        }
    }
    // Then when and how: the part a short terminal may cut.
    lines.extend(labeled(
        Span::styled("collected ", t.dim()),
        &display_safe(&format!("{} → {} · {}", c.before, c.after, c.summary)),
        Style::new(),
        width,
    ));
    for w in &c.warnings {
        lines.extend(labeled(
            Span::styled("warning   ", t.warn()),
            &display_safe(w),
            Style::new(),
            width,
        ));
    }
    lines
}

pub fn draw(f: &mut Frame, s: &App, l: ChangesLayout) {
    let t = &s.theme;
    let Some(c) = &s.changes.changes else {
        return;
    };
    let d = &c.diff;
    let width = l.summary.width.saturating_sub(2) as usize;
    let lines = summary_lines(s, c, width);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(t.border(false))
                .title(Span::styled(
                    " What changed since the last collection ",
                    t.heading(),
                )),
        ),
        l.summary,
    );
    let cells = |i: usize| {
        let o = &d.changed[i];
        let class = |v: &Option<String>| v.clone().unwrap_or_else(|| ABSENT.to_string());
        vec![
            ("Δ".to_string(), t.changed()),
            (display_safe(&o.name).into_owned(), Style::new()),
            (class(&o.before), t.dim()),
            (class(&o.after), t.changed()),
        ]
    };
    WindowTable {
        columns: &COLUMNS,
        len: d.changed.len(),
        cursor: s.changes.cursor,
        block: Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                "▶ Changed objects · Enter shows one in the explorer · R collects again",
                t.heading(),
            )),
        cells: &cells,
        theme: t,
    }
    .draw(f, l.table);
}
