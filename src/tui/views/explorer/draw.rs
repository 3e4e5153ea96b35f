//! Drawing the explorer: list panes build rows for the visible window alone (a frame costs the
//! same for 60 objects or a million), with the search's matched characters highlighted.

use super::detail::{self, cloud_badge};
use super::search::highlights;
use super::{ExplorerLayout, Pane, list_page};
use crate::sanitize::display_safe;
use crate::tui::app::App;
use crate::tui::theme::result_badge;
use crate::tui::widgets::{Cursor, cut, scrollbar};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

pub fn draw(f: &mut Frame, s: &App, l: ExplorerLayout) {
    draw_on_prem(f, s, l.on_prem);
    draw_cloud(f, s, l.cloud);
    draw_detail(f, s, l);
}

fn pane_block(s: &App, pane: Pane, title: String) -> Block<'static> {
    let focused = s.explorer.focus == pane;
    let marker = if focused { "▶ " } else { "  " };
    Block::bordered()
        .border_style(s.theme.border(focused))
        .title(Span::styled(
            format!("{marker}{title}"),
            if focused {
                s.theme.heading()
            } else {
                Style::new()
            },
        ))
}

/// A cell of text cut to `width`, the characters the search matched emphasised.
fn matched_cell(s: &App, text: &str, width: usize) -> Cell<'static> {
    let text = cut(text, width);
    let q = &s.explorer.search.query;
    let hits = if s.explorer.search.active() {
        highlights(&text, q)
    } else {
        Vec::new()
    };
    if hits.is_empty() {
        return Cell::from(text);
    }
    let mark = s.theme.key().add_modifier(Modifier::UNDERLINED);
    let spans: Vec<Span<'static>> = text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if hits.contains(&i) {
                Span::styled(c.to_string(), mark)
            } else {
                Span::raw(c.to_string())
            }
        })
        .collect();
    Cell::from(Line::from(spans))
}

/// What a list pane shows: its rows are produced on demand by `row_at`.
struct ListPane<'a> {
    pane: Pane,
    title: String,
    header: [&'static str; 3],
    cursor: Cursor,
    len: usize,
    /// The badge cell and the two text columns of row `i`.
    row_at: &'a dyn Fn(usize) -> (Cell<'static>, String, String),
    /// The selected row is the counterpart of the other pane's selection.
    counterpart: bool,
}

fn draw_list(f: &mut Frame, s: &App, area: Rect, l: ListPane) {
    let block = pane_block(s, l.pane, l.title);
    let page = list_page(area);
    let end = (l.cursor.offset + page).min(l.len);
    // Inside the borders: the highlight symbol (2), the badge (12), two column gaps (2).
    let text = (area.width as usize).saturating_sub(2 + 2 + 12 + 2);
    let (name_w, principal_w) = (text.div_ceil(2), text / 2);
    let rows: Vec<Row> = (l.cursor.offset..end)
        .map(|i| {
            let (badge, name, principal) = (l.row_at)(i);
            Row::new([
                badge,
                matched_cell(s, &name, name_w),
                matched_cell(s, &principal, principal_w),
            ])
        })
        .collect();
    let e = &s.explorer;
    let focused = e.focus == l.pane;
    let highlight = if focused || (e.focus == Pane::Detail && e.subject == l.pane) {
        s.theme.selected()
    } else if l.counterpart {
        s.theme.counterpart()
    } else {
        Style::new().add_modifier(Modifier::DIM)
    };
    let symbol = if focused || e.subject == l.pane {
        "▶ "
    } else if l.counterpart {
        "◆ "
    } else {
        "  "
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(name_w as u16),
            Constraint::Length(principal_w as u16),
        ],
    )
    .header(Row::new(l.header).style(s.theme.dim().add_modifier(Modifier::UNDERLINED)))
    .block(block)
    .row_highlight_style(highlight)
    .highlight_symbol(symbol)
    .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default();
    if l.len > 0 {
        state.select(Some(l.cursor.selected.saturating_sub(l.cursor.offset)));
    }
    f.render_stateful_widget(table, area, &mut state);
    scrollbar(f, area, l.len, page, l.cursor.offset);
    if l.len == 0 {
        let inner = area.inner(ratatui::layout::Margin::new(2, 2));
        let why = if e.search.active() {
            "(no match: Esc shows everything)"
        } else {
            "(nothing in this view)"
        };
        f.render_widget(Paragraph::new(Span::styled(why, s.theme.dim())), inner);
    }
}

/// "On-premises AD · 3 of 62 · matching "ali"" (or "· searching…").
fn list_title(s: &App, what: &str, shown: usize, all: usize) -> String {
    let q = &s.explorer.search;
    let search = if q.in_progress() {
        format!(" · searching {:?}…", display_safe(q.query.trim()))
    } else if q.active() {
        format!(" · matching {:?}", display_safe(q.query.trim()))
    } else {
        String::new()
    };
    format!("{what} · {shown} of {all}{search}")
}

fn draw_on_prem(f: &mut Frame, s: &App, area: Rect) {
    let b = &s.session.snapshot;
    let plan = &s.session.plan;
    let e = &s.explorer;
    let title = list_title(
        s,
        "On-premises AD",
        e.on_prem_rows.len(),
        b.on_premises.len(),
    );
    let row_at = |i: usize| {
        let oi = e.on_prem_rows[i] as usize;
        let out = &plan.outcomes[oi];
        let o = &b.on_premises[out.on_prem as usize];
        let (sym, word) = result_badge(out.result);
        let warn = if !out.quarantined.is_empty() || !out.flags.is_empty() {
            "⚠"
        } else {
            " "
        };
        let delta = if s.whatif.diff.changed.get(oi).copied().unwrap_or(false) {
            "Δ"
        } else {
            " "
        };
        (
            Cell::from(format!("{sym} {word:<7}{warn}{delta}")).style(s.theme.result(out.result)),
            display_safe(o.name()).into_owned(),
            display_safe(o.principal().unwrap_or("—")).into_owned(),
        )
    };
    // The selection's counterpart is highlighted in the other pane; here the reverse.
    let counterpart = e.subject == Pane::Cloud
        && e.selected_cloud().is_some_and(|c| {
            e.selected_outcome()
                .is_some_and(|o| s.counterpart_of_outcome(o) == Some(c))
        });
    draw_list(
        f,
        s,
        area,
        ListPane {
            pane: Pane::OnPrem,
            title,
            header: ["result", "name", "UPN / primary SMTP"],
            cursor: e.on_prem,
            len: e.on_prem_rows.len(),
            row_at: &row_at,
            counterpart,
        },
    );
}

fn draw_cloud(f: &mut Frame, s: &App, area: Rect) {
    let b = &s.session.snapshot;
    let e = &s.explorer;
    let title = list_title(s, "Entra ID", e.cloud_rows.len(), b.cloud.len());
    let row_at = |i: usize| {
        let ci = e.cloud_rows[i];
        let c = &b.cloud[ci as usize];
        let (sym, word, style) = cloud_badge(s, ci);
        (
            Cell::from(format!("{sym} {word}")).style(style),
            display_safe(c.name()).into_owned(),
            display_safe(c.principal().unwrap_or("—")).into_owned(),
        )
    };
    let counterpart = e.subject != Pane::Cloud
        && e.selected_outcome()
            .is_some_and(|o| s.counterpart_of_outcome(o) == e.selected_cloud());
    draw_list(
        f,
        s,
        area,
        ListPane {
            pane: Pane::Cloud,
            title,
            header: ["fate", "name", "UPN / primary SMTP"],
            cursor: e.cloud,
            len: e.cloud_rows.len(),
            row_at: &row_at,
            counterpart,
        },
    );
}

fn draw_detail(f: &mut Frame, s: &App, l: ExplorerLayout) {
    let what = match s.explorer.subject {
        Pane::Cloud => "cloud object",
        _ => "on-prem object",
    };
    let lines = detail::lines(s, l.detail_width());
    let page = l.page(Pane::Detail);
    let more = lines.len() > page;
    let title = if more {
        format!(
            "Details · {what} · {}-{} of {} lines",
            s.explorer.detail_scroll as usize + 1,
            (s.explorer.detail_scroll as usize + page).min(lines.len()),
            lines.len()
        )
    } else {
        format!("Details · {what}")
    };
    let block = pane_block(s, Pane::Detail, title);
    let len = lines.len();
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((s.explorer.detail_scroll, 0)),
        l.detail,
    );
    scrollbar(f, l.detail, len, page, s.explorer.detail_scroll as usize);
}
