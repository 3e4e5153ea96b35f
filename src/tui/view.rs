//! Rendering: functions of the state only. List panes build rows for the visible window alone,
//! so a frame costs the same for 60 objects or a million.

use super::detail::{self, cloud_badge};
use super::keymap;
use super::state::{MIN_HEIGHT, MIN_WIDTH, Mode, Pane, State, list_page};
use super::theme::result_badge;
use crate::model::SourceAnchorAttribute;
use crate::sanitize::display_safe;
use crate::settings::Setting;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Clear, HighlightSpacing, Paragraph, Row, Scrollbar, ScrollbarOrientation,
    ScrollbarState, Table, TableState, Wrap,
};

pub fn draw(f: &mut Frame, s: &State) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(f, area);
        return;
    }
    let a = super::state::areas(area);
    draw_header(f, s, a.header);
    draw_on_prem(f, s, a.on_prem);
    draw_cloud(f, s, a.cloud);
    draw_detail(f, s, a.detail);
    draw_hints(f, s, a.hints);
    if s.mode == Mode::Help {
        draw_help(f, s, area);
    }
}

fn draw_too_small(f: &mut Frame, area: Rect) {
    let text = vec![
        Line::from(Span::styled(
            "Terminal too small",
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(format!("{}×{}", area.width, area.height)),
        Line::from(format!("need at least {MIN_WIDTH}×{MIN_HEIGHT}")),
        Line::from("enlarge the window, or q to quit"),
    ];
    let h = (text.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    f.render_widget(
        Paragraph::new(text)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, h),
    );
}

fn on_off(v: bool) -> &'static str {
    if v { "on" } else { "off" }
}

fn draw_header(f: &mut Frame, s: &State, area: Rect) {
    let b = &s.bundle;
    let t = &s.theme;
    let scope = match &b.connect.included_ous {
        None => "whole directory".to_string(),
        Some(ous) => format!("{} OU(s)", ous.len()),
    };
    let anchor = match b.connect.source_anchor {
        SourceAnchorAttribute::ObjectGuid => "objectGUID",
        SourceAnchorAttribute::ConsistencyGuid => "mS-DS-ConsistencyGuid",
    };
    let line1 = Line::from(vec![
        Span::styled("syncscope ", t.heading()),
        Span::styled(
            display_safe(&b.tenant.initial_domain).into_owned(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled("  snapshot ", t.dim()),
        Span::raw(display_safe(&s.source).into_owned()),
        Span::styled("  anchor ", t.dim()),
        Span::raw(anchor),
        Span::styled("  scope ", t.dim()),
        Span::raw(scope),
    ]);
    let mut counts: Vec<Span> = Vec::new();
    for (r, n) in s.plan.counts() {
        let (sym, word) = result_badge(r);
        counts.push(Span::styled(format!("{sym} {n} {word}"), t.result(r)));
        counts.push(Span::raw("  "));
    }
    if s.plan.export_blocked {
        counts.push(Span::styled(
            format!(
                "EXPORT STOPPED: {} deletions > threshold {} (Q6)",
                s.plan.deletions.len(),
                b.connect.deletion_threshold
            ),
            t.error(),
        ));
    }
    let st = &s.settings;
    let changed = s.settings.differences(&b.settings);
    let mut line3 = vec![
        Span::styled("soft match ", t.dim()),
        Span::raw(on_off(!st.get(Setting::BlockSoftMatch))),
        Span::styled(" (UPN ", t.dim()),
        Span::raw(on_off(st.get(Setting::SoftMatchOnUpn))),
        Span::styled(")  hard-match takeover ", t.dim()),
        Span::raw(
            if st.get(Setting::BlockCloudObjectTakeoverThroughHardMatch) {
                "blocked"
            } else {
                "allowed"
            },
        ),
        Span::styled("  quarantine UPN/proxy ", t.dim()),
        Span::raw(format!(
            "{}/{}",
            on_off(st.get(Setting::QuarantineUponUpnConflict)),
            on_off(st.get(Setting::QuarantineUponProxyAddressesConflict))
        )),
        Span::styled("  view ", t.dim()),
        Span::styled(s.filter.label(), t.key()),
    ];
    if !changed.is_empty() {
        line3.push(Span::styled(
            format!("  WHAT-IF: {} setting(s) changed", changed.len()),
            t.warn(),
        ));
    }
    f.render_widget(
        Paragraph::new(vec![line1, Line::from(counts), Line::from(line3)]),
        area,
    );
}

fn pane_block(s: &State, pane: Pane, title: String) -> Block<'static> {
    let focused = s.focus == pane;
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

/// Renders one list pane: only `rows[offset .. offset + page]` are built.
fn draw_list(
    f: &mut Frame,
    s: &State,
    area: Rect,
    pane: Pane,
    title: String,
    header: [&'static str; 3],
    cursor: super::state::Cursor,
    len: usize,
    row_at: &dyn Fn(usize) -> [Cell<'static>; 3],
    counterpart: bool,
) {
    let block = pane_block(s, pane, title);
    let page = list_page(area);
    let end = (cursor.offset + page).min(len);
    let rows: Vec<Row> = (cursor.offset..end).map(|i| Row::new(row_at(i))).collect();
    let focused = s.focus == pane;
    let highlight = if focused || (s.focus == Pane::Detail && s.subject == pane) {
        s.theme.selected()
    } else if counterpart {
        s.theme.counterpart()
    } else {
        Style::new().add_modifier(Modifier::DIM)
    };
    let symbol = if focused || s.subject == pane {
        "▶ "
    } else if counterpart {
        "◆ "
    } else {
        "  "
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(header).style(s.theme.dim().add_modifier(Modifier::UNDERLINED)))
    .block(block)
    .row_highlight_style(highlight)
    .highlight_symbol(symbol)
    .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default();
    if len > 0 {
        state.select(Some(cursor.selected.saturating_sub(cursor.offset)));
    }
    f.render_stateful_widget(table, area, &mut state);
    if len > page {
        let mut sb = ScrollbarState::new(len.saturating_sub(page)).position(cursor.offset);
        f.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(ratatui::layout::Margin::new(0, 1)),
            &mut sb,
        );
    }
    if len == 0 {
        let inner = area.inner(ratatui::layout::Margin::new(2, 2));
        f.render_widget(
            Paragraph::new(Span::styled("(nothing in this view)", s.theme.dim())),
            inner,
        );
    }
}

fn draw_on_prem(f: &mut Frame, s: &State, area: Rect) {
    let b = &s.bundle;
    let title = format!(
        "On-premises AD · {} of {}",
        s.on_prem_rows.len(),
        b.on_premises.len()
    );
    let row_at = |i: usize| {
        let out = &s.plan.outcomes[s.on_prem_rows[i] as usize];
        let o = &b.on_premises[out.on_prem as usize];
        let (sym, word) = result_badge(out.result);
        let warn = if !out.quarantined.is_empty() || !out.flags.is_empty() {
            "⚠"
        } else {
            " "
        };
        [
            Cell::from(format!("{sym} {word:<7}{warn}")).style(s.theme.result(out.result)),
            Cell::from(display_safe(o.name()).into_owned()),
            Cell::from(display_safe(o.principal().unwrap_or("—")).into_owned()),
        ]
    };
    // The selection's counterpart is highlighted in the other pane; here the reverse.
    let counterpart = s.subject == Pane::Cloud
        && s.selected_cloud().is_some_and(|c| {
            s.selected_outcome()
                .is_some_and(|o| s.counterpart_of_outcome(o) == Some(c))
        });
    draw_list(
        f,
        s,
        area,
        Pane::OnPrem,
        title,
        ["result", "name", "UPN / primary SMTP"],
        s.on_prem,
        s.on_prem_rows.len(),
        &row_at,
        counterpart,
    );
}

fn draw_cloud(f: &mut Frame, s: &State, area: Rect) {
    let b = &s.bundle;
    let title = format!("Entra ID · {} of {}", s.cloud_rows.len(), b.cloud.len());
    let row_at = |i: usize| {
        let ci = s.cloud_rows[i];
        let c = &b.cloud[ci as usize];
        let (sym, word, style) = cloud_badge(s, ci);
        [
            Cell::from(format!("{sym} {word}")).style(style),
            Cell::from(display_safe(c.name()).into_owned()),
            Cell::from(display_safe(c.principal().unwrap_or("—")).into_owned()),
        ]
    };
    let counterpart = s.subject != Pane::Cloud
        && s.selected_outcome()
            .is_some_and(|o| s.counterpart_of_outcome(o) == s.selected_cloud());
    draw_list(
        f,
        s,
        area,
        Pane::Cloud,
        title,
        ["fate", "name", "UPN / primary SMTP"],
        s.cloud,
        s.cloud_rows.len(),
        &row_at,
        counterpart,
    );
}

fn draw_detail(f: &mut Frame, s: &State, area: Rect) {
    let what = match s.subject {
        Pane::Cloud => "cloud object",
        _ => "on-prem object",
    };
    let block = pane_block(s, Pane::Detail, format!("Details · {what}"));
    let lines = detail::lines(s);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((s.detail_scroll, 0)),
        area,
    );
}

fn draw_hints(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let mut spans: Vec<Span> = Vec::new();
    match s.mode {
        Mode::Search => {
            spans.push(Span::styled("/", t.key()));
            spans.push(Span::raw(display_safe(&s.search.query).into_owned()));
            spans.push(Span::styled("▏", t.key()));
            let n = s.search.hits.len();
            let found = if s.search.query.is_empty() {
                "  type to search names, UPNs, addresses, DNs, ids".to_string()
            } else if n == 0 {
                "  no match".to_string()
            } else {
                format!("  {} of {n}", s.search.current + 1)
            };
            spans.push(Span::styled(found, t.dim()));
            spans.push(Span::raw("   "));
        }
        _ => {
            if let Some(msg) = &s.status {
                spans.push(Span::styled(
                    display_safe(msg).into_owned(),
                    t.key().add_modifier(Modifier::REVERSED),
                ));
                spans.push(Span::raw("  "));
            }
        }
    }
    for (key, word) in keymap::hints(s.mode) {
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    if s.mode == Mode::Normal {
        spans.push(Span::styled("0-7", t.key()));
        spans.push(Span::raw(" views"));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let popup = area.centered(Constraint::Percentage(90), Constraint::Percentage(90));
    let inner_width = popup.width.saturating_sub(2) as usize;
    let section = |title: &'static str, rows: Vec<(String, String)>, key_w: usize| {
        let mut lines = vec![Line::from(Span::styled(title, t.heading()))];
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_w$}"), t.key()),
                Span::raw(help),
            ]));
        }
        lines.push(Line::default());
        lines
    };
    let mut sections = keymap::help_sections().into_iter();
    let (title, explorer) = sections.next().expect("the explorer section");
    let mut left = section(title, explorer, 14);
    let mut right: Vec<Line> = Vec::new();
    for (title, rows) in sections {
        right.extend(section(title, rows, 12));
    }
    right.push(Line::from(Span::styled("Symbols", t.heading())));
    for (sym, meaning) in [
        (
            "= H R S U + ! -",
            "linked, hard match, restore, soft match SMTP/UPN, new, error, out of scope",
        ),
        (
            "» x ⚠ ·",
            "cloud: taken over, soft-deleted, holds a value, untouched",
        ),
        ("▶ ◆", "the selection; its counterpart in the other pane"),
        ("≠", "the two directories differ on this attribute"),
    ] {
        right.push(Line::from(vec![
            Span::styled(format!("  {sym:<16}"), t.key()),
            Span::raw(meaning),
        ]));
    }
    right.push(Line::from("Colours only repeat the symbols."));
    right.push(Line::default());
    right.push(Line::from(Span::styled(
        "Mouse: click selects, the wheel scrolls; m turns it off so the terminal can select text.",
        t.dim(),
    )));
    f.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(t.border(true))
        .title(Span::styled(" Keys · ? or Esc closes ", t.heading()));
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    // Two columns when there is room, one scrolling column otherwise.
    if inner_width >= 100 {
        let [l, r] = ratatui::layout::Layout::horizontal([
            Constraint::Percentage(55),
            Constraint::Percentage(45),
        ])
        .spacing(2)
        .areas(inner);
        f.render_widget(
            Paragraph::new(left)
                .wrap(Wrap { trim: false })
                .scroll((s.help_scroll, 0)),
            l,
        );
        f.render_widget(
            Paragraph::new(right)
                .wrap(Wrap { trim: false })
                .scroll((s.help_scroll, 0)),
            r,
        );
    } else {
        left.extend(right);
        f.render_widget(
            Paragraph::new(left)
                .wrap(Wrap { trim: false })
                .scroll((s.help_scroll, 0)),
            inner,
        );
    }
}
