//! The bulk hard match (W2 from a CSV): every row's verdict, the selected row in full below, and
//! the script for the rows that pass. The CSV is read and checked by a background job.

use crate::hardmatch::RowReport;
use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::views::View;
use crate::tui::widgets::{Column, Cursor, WindowTable, fixed, flex, labeled, table_page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

#[derive(Clone, Debug, Default)]
pub struct BulkView {
    /// The CSV checked last: its path and a verdict per row.
    pub checked: Option<(String, Vec<RowReport>)>,
    pub cursor: Cursor,
    /// A CSV is being read and checked.
    pub checking: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkLayout {
    pub head: Rect,
    pub table: Rect,
    pub detail: Rect,
}

impl BulkLayout {
    pub fn page(&self) -> usize {
        table_page(self.table)
    }
}

pub fn layout(body: Rect) -> BulkLayout {
    let [head, table, detail] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(6),
    ])
    .areas(body);
    BulkLayout {
        head,
        table,
        detail,
    }
}

const COLUMNS: [Column; 6] = [
    fixed("line", 5, 0),
    fixed("status", 9, 0),
    flex("SamAccountName", 10, 1, 1),
    flex("CloudUPN", 14, 2, 0),
    fixed("ImmutableID", 24, 3),
    flex("problems / next sync", 16, 4, 2),
];

impl App {
    pub fn bulk_layout(&self) -> BulkLayout {
        layout(self.frame().body)
    }

    /// A CSV was checked (or could not be read).
    pub fn bulk_checked(&mut self, result: Result<(String, Vec<RowReport>), String>) {
        self.bulk.checking = false;
        match result {
            Ok((path, reports)) => {
                let ready = reports.iter().filter(|r| r.ok()).count();
                self.status = Some(format!(
                    "{}: {ready} row(s) ready, {} need attention",
                    display_safe(&path),
                    reports.len() - ready
                ));
                self.bulk.checked = Some((path, reports));
                self.bulk.cursor = Cursor::default();
                self.view = View::Bulk;
            }
            Err(why) => self.status = Some(why),
        }
    }

    pub fn bulk_update(&mut self, action: Action) -> bool {
        let page = self.bulk_layout().page();
        let len = self.bulk.checked.as_ref().map_or(0, |(_, r)| r.len());
        let step = page.max(1) as isize;
        let area = self.bulk_layout().table;
        let c = &mut self.bulk.cursor;
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
            _ => return false,
        }
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, l: BulkLayout) {
    let t = &s.theme;
    let Some((path, reports)) = &s.bulk.checked else {
        return;
    };
    let ready = reports.iter().filter(|r| r.ok()).count();
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("Bulk hard match (W2)  ", t.heading()),
                Span::raw(display_safe(path).into_owned()),
            ]),
            Line::from(vec![
                Span::styled(format!("{ready} ready"), t.ok()),
                Span::raw("  ·  "),
                Span::styled(
                    format!("{} need attention", reports.len() - ready),
                    t.error(),
                ),
                Span::raw("  ·  o writes the script for the ready rows"),
            ]),
        ]),
        l.head,
    );
    let cells = |i: usize| {
        let r = &reports[i];
        let (status, style) = if r.ok() {
            ("✓ ready", t.ok())
        } else {
            ("✗ problem", t.error())
        };
        let detail = if r.ok() {
            r.predicted.clone().unwrap_or_default()
        } else {
            r.problems.join("; ")
        };
        vec![
            (r.row.line.to_string(), Style::new()),
            (status.to_string(), style),
            (
                display_safe(&r.row.sam_account_name).into_owned(),
                Style::new(),
            ),
            (display_safe(&r.row.cloud_upn).into_owned(), Style::new()),
            (r.immutable_id.clone().unwrap_or_default(), Style::new()),
            (display_safe(&detail).into_owned(), Style::new()),
        ]
    };
    WindowTable {
        columns: &COLUMNS,
        len: reports.len(),
        cursor: s.bulk.cursor,
        block: Block::bordered().border_style(t.border(true)),
        cells: &cells,
        theme: t,
    }
    .draw(f, l.table);
    // The selected row in full: the table cuts long problems.
    let Some(r) = reports.get(s.bulk.cursor.selected) else {
        return;
    };
    let width = l.detail.width.saturating_sub(2) as usize;
    let mut lines = vec![Line::from(Span::styled(
        display_safe(&format!(
            "line {}: {} → {}",
            r.row.line, r.row.sam_account_name, r.row.cloud_upn
        ))
        .into_owned(),
        t.heading(),
    ))];
    for p in &r.problems {
        lines.extend(labeled(
            Span::styled("  ✗ ", t.error()),
            &display_safe(p),
            Style::new(),
            width,
        ));
    }
    if let (true, Some(p)) = (r.ok(), &r.predicted) {
        lines.extend(labeled(
            Span::styled("  next sync: ", t.key()),
            &display_safe(p),
            Style::new(),
            width,
        ));
    }
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().border_style(t.border(false))),
        l.detail,
    );
}
