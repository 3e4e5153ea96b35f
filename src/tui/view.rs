//! Rendering: functions of the state only. List panes build rows for the visible window alone,
//! so a frame costs the same for 60 objects or a million.

use super::detail::{self, cloud_badge};
use super::keymap;
use super::state::{MIN_HEIGHT, MIN_WIDTH, Mode, Pane, State, View, list_page};
use super::theme::result_badge;
use super::whatif;
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
    match s.view {
        View::Explorer => {
            draw_on_prem(f, s, a.on_prem);
            draw_cloud(f, s, a.cloud);
            draw_detail(f, s, a.detail);
        }
        View::Errors => draw_errors(f, s, a.body()),
        View::WhatIf => draw_whatif(f, s, a.body()),
        View::Walkthrough => draw_walkthrough(f, s, a.body()),
        View::Bulk => draw_bulk(f, s, a.body()),
    }
    draw_hints(f, s, a.hints);
    if s.mode == Mode::Help {
        draw_help(f, s, area);
    }
    if s.mode == Mode::Report {
        draw_load_report(f, s, area);
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
    let mut tabs: Vec<Span> = Vec::new();
    let walking = s.walk.is_some().then_some(View::Walkthrough);
    let bulk = s.bulk.is_some().then_some(View::Bulk);
    for v in View::ALL.into_iter().chain(walking).chain(bulk) {
        let label = match v {
            View::Explorer => format!(" x {} ", v.title()),
            View::Errors => format!(" e {} ", v.title()),
            View::WhatIf => format!(" w {} ", v.title()),
            View::Walkthrough => {
                let id = s.walk.as_ref().map_or("", |w| w.kind.id());
                format!(" W {id} ")
            }
            View::Bulk => " H bulk ".to_string(),
        };
        tabs.push(if v == s.view {
            Span::styled(label, t.selected())
        } else {
            Span::styled(label, t.dim())
        });
    }
    let mut line1 = tabs;
    line1.extend(vec![
        Span::raw("  "),
        Span::styled(
            display_safe(&b.tenant.initial_domain).into_owned(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled("  snapshot ", t.dim()),
        Span::raw(display_safe(&s.source).into_owned()),
    ]);
    let line1 = Line::from(line1);
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
    let st = &s.config.settings;
    let changed = st.differences(&b.settings).len() + usize::from(s.config.connect != b.connect);
    let mut line3 = vec![
        Span::styled("view ", t.dim()),
        Span::styled(s.filter.label(), t.key()),
        Span::styled("  anchor ", t.dim()),
        Span::raw(anchor),
        Span::styled("  scope ", t.dim()),
        Span::raw(scope),
        Span::styled("  soft match ", t.dim()),
        Span::raw(on_off(!st.get(Setting::BlockSoftMatch))),
        Span::styled(" (UPN ", t.dim()),
        Span::raw(on_off(st.get(Setting::SoftMatchOnUpn))),
        Span::styled(")  takeover ", t.dim()),
        Span::raw(
            if st.get(Setting::BlockCloudObjectTakeoverThroughHardMatch) {
                "blocked"
            } else {
                "allowed"
            },
        ),
        Span::styled("  quarantine UPN/addr ", t.dim()),
        Span::raw(format!(
            "{}/{}",
            on_off(st.get(Setting::QuarantineUponUpnConflict)),
            on_off(st.get(Setting::QuarantineUponProxyAddressesConflict))
        )),
    ];
    // The what-if state comes first: it must never be cut off.
    if s.replanning {
        line3.insert(
            0,
            Span::styled("RE-PLANNING…  ", t.warn().add_modifier(Modifier::REVERSED)),
        );
    }
    if changed > 0 {
        line3.insert(
            0,
            Span::styled(
                format!(
                    "WHAT-IF: {changed} setting(s) changed, {} object(s) differ  ",
                    s.diff.count()
                ),
                t.warn().add_modifier(Modifier::REVERSED),
            ),
        );
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

/// What a list pane shows: its rows are produced on demand by `row_at`.
struct ListPane<'a> {
    pane: Pane,
    title: String,
    header: [&'static str; 3],
    cursor: super::state::Cursor,
    len: usize,
    /// The badge cell and the two text columns of row `i` (cut to fit here, with '…').
    row_at: &'a dyn Fn(usize) -> (Cell<'static>, String, String),
    /// The selected row is the counterpart of the other pane's selection.
    counterpart: bool,
}

/// Renders one list pane: only `rows[offset .. offset + page]` are built.
fn draw_list(f: &mut Frame, s: &State, area: Rect, l: ListPane) {
    let ListPane {
        pane,
        title,
        header,
        cursor,
        len,
        row_at,
        counterpart,
    } = l;
    let block = pane_block(s, pane, title);
    let page = list_page(area);
    let end = (cursor.offset + page).min(len);
    // Inside the borders: the highlight symbol (2), the badge (12), two column gaps (2).
    let text = (area.width as usize).saturating_sub(2 + 2 + 12 + 2);
    let (name_w, principal_w) = (text.div_ceil(2), text / 2);
    let rows: Vec<Row> = (cursor.offset..end)
        .map(|i| {
            let (badge, name, principal) = row_at(i);
            Row::new([
                badge,
                Cell::from(crate::report::truncate(&name, name_w)),
                Cell::from(crate::report::truncate(&principal, principal_w)),
            ])
        })
        .collect();
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
            Constraint::Length(12),
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
        let delta = if s.diff.changed[s.on_prem_rows[i] as usize] {
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
    let counterpart = s.subject == Pane::Cloud
        && s.selected_cloud().is_some_and(|c| {
            s.selected_outcome()
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
            cursor: s.on_prem,
            len: s.on_prem_rows.len(),
            row_at: &row_at,
            counterpart,
        },
    );
}

fn draw_cloud(f: &mut Frame, s: &State, area: Rect) {
    let b = &s.bundle;
    let title = format!("Entra ID · {} of {}", s.cloud_rows.len(), b.cloud.len());
    let row_at = |i: usize| {
        let ci = s.cloud_rows[i];
        let c = &b.cloud[ci as usize];
        let (sym, word, style) = cloud_badge(s, ci);
        (
            Cell::from(format!("{sym} {word}")).style(style),
            display_safe(c.name()).into_owned(),
            display_safe(c.principal().unwrap_or("—")).into_owned(),
        )
    };
    let counterpart = s.subject != Pane::Cloud
        && s.selected_outcome()
            .is_some_and(|o| s.counterpart_of_outcome(o) == s.selected_cloud());
    draw_list(
        f,
        s,
        area,
        ListPane {
            pane: Pane::Cloud,
            title,
            header: ["fate", "name", "UPN / primary SMTP"],
            cursor: s.cloud,
            len: s.cloud_rows.len(),
            row_at: &row_at,
            counterpart,
        },
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
            let total = s.plan.outcomes.len() + s.bundle.cloud.len();
            let found = if let Some(done) = s.search.scanned {
                format!(
                    "  searching… {}%  {} so far",
                    done * 100 / total.max(1),
                    s.search.hits.len()
                )
            } else if s.search.query.is_empty() {
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
    if s.mode == Mode::Confirm
        && let Some(req) = &s.confirm
    {
        spans.push(Span::styled(
            format!("{} exists. Overwrite it?", display_safe(&req.path)),
            t.warn().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw("  "));
    }
    if s.mode == Mode::Edit
        && let Some((field, text)) = &s.errors.editing
    {
        spans.push(Span::styled(format!("{} ", field.label()), t.key()));
        spans.push(Span::raw(display_safe(text).into_owned()));
        spans.push(Span::styled("▏  ", t.key()));
    }
    for (key, word) in keymap::hints(s.context()) {
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    if s.mode == Mode::Normal && s.view == View::Explorer {
        spans.push(Span::styled("0-8", t.key()));
        spans.push(Span::raw(" views"));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let popup = area.centered(Constraint::Percentage(90), Constraint::Percentage(90));
    let inner_width = popup.width.saturating_sub(2) as usize;
    let section = |title: &str, rows: Vec<(String, String)>, key_w: usize| {
        let mut lines = vec![Line::from(Span::styled(title.to_string(), t.heading()))];
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_w$}"), t.key()),
                Span::raw(help),
            ]));
        }
        lines.push(Line::default());
        lines
    };
    // The keys valid here: the current view, then the modes it leads to.
    use super::state::Context;
    let (primary, secondary): (Context, &[Context]) = match s.view {
        View::Explorer => (Context::Explorer, &[Context::Search, Context::Help]),
        View::Errors => (Context::Errors, &[Context::Edit, Context::Help]),
        View::WhatIf => (Context::WhatIf, &[Context::Help]),
        View::Walkthrough => (Context::Walkthrough, &[Context::Edit, Context::Confirm]),
        View::Bulk => (Context::Bulk, &[Context::Edit, Context::Confirm]),
    };
    let title = |ctx: Context| {
        keymap::SECTIONS
            .iter()
            .find(|(c, _)| *c == ctx)
            .map_or("", |(_, t)| *t)
    };
    let mut left = section(title(primary), keymap::help_rows(primary), 14);
    let mut right: Vec<Line> = Vec::new();
    for ctx in secondary {
        right.extend(section(title(*ctx), keymap::help_rows(*ctx), 12));
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
        "Each view has its own keys: open ? there to see them.",
        t.dim(),
    )));
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

fn draw_errors(f: &mut Frame, s: &State, area: Rect) {
    use crate::query::Limit;
    let t = &s.theme;
    let e = &s.errors;
    let q = &e.query;
    let [bar, table_area] = ratatui::layout::Layout::vertical([
        Constraint::Length(super::errors::HEADER_ROWS),
        Constraint::Min(3),
    ])
    .areas(area);
    let param = |key: &'static str, name: &'static str, value: String| {
        vec![
            Span::styled(format!("{key} "), t.key()),
            Span::styled(format!("{name} "), t.dim()),
            Span::styled(value, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("   "),
        ]
    };
    let quoted = |v: &Option<String>| {
        v.as_deref()
            .map(|v| crate::quote::ps_quote(&display_safe(v)))
            .unwrap_or_else(|| "—".into())
    };
    let mut spans = Vec::new();
    spans.extend(param(
        "p",
        "-PropertyName",
        q.property_name
            .map_or("any".into(), |p| p.as_str().to_string()),
    ));
    spans.extend(param("v", "-PropertyValue", quoted(&q.property_value)));
    spans.extend(param("s", "-SearchString", quoted(&q.search_string)));
    spans.extend(param("o", "-SortField", q.sort_field.as_str().to_string()));
    spans.extend(param(
        "d",
        "-SortDirection",
        q.sort_direction.as_str().to_string(),
    ));
    spans.extend(param(
        "l/a",
        match q.limit {
            Limit::All => "-All",
            _ => "-MaxResults",
        },
        match q.limit {
            Limit::All => "".to_string(),
            l => l.count().to_string(),
        },
    ));
    let new = e
        .hits
        .iter()
        .filter(|i| e.lines[**i as usize].row.new_in_next_sync)
        .count();
    let lines = vec![
        Line::from(spans),
        Line::from(vec![
            Span::styled("MSOnline   ", t.dim()),
            Span::raw(display_safe(&q.cmdlet_line()).into_owned()),
        ]),
        Line::from(vec![
            Span::styled("Graph      ", t.dim()),
            Span::raw(display_safe(&q.graph_powershell()).into_owned()),
        ]),
        Line::from(vec![
            Span::styled("syncscope  ", t.dim()),
            Span::raw(display_safe(&q.syncscope_command(&s.source, true)).into_owned()),
        ]),
        Line::from(vec![
            Span::styled(
                format!("{} of {} errors", e.hits.len(), e.total),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "  ·  {new} added by the next sync (⊕), the rest already in the tenant  ·  Enter shows the object"
            )),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), bar);

    let page = table_area.height.saturating_sub(3) as usize;
    let cursor = e.cursor;
    let end = (cursor.offset + page).min(e.hits.len());
    let rows: Vec<Row> = (cursor.offset..end)
        .map(|i| {
            let l = &e.lines[e.hits[i] as usize];
            let r = &l.row;
            let when = if r.new_in_next_sync {
                Cell::from("⊕ next sync").style(t.warn())
            } else {
                Cell::from(r.occurred_date_time.clone().unwrap_or_else(|| "—".into()))
            };
            Row::new([
                Cell::from(display_safe(&r.display_name).into_owned()),
                Cell::from(r.object_type),
                Cell::from(
                    display_safe(r.user_principal_name.as_deref().unwrap_or("—")).into_owned(),
                ),
                Cell::from(r.property_name.clone()),
                Cell::from(display_safe(&r.value).into_owned()).style(t.changed()),
                Cell::from(display_safe(l.holder.as_deref().unwrap_or("—")).into_owned()),
                when,
            ])
        })
        .collect();
    draw_window_table(
        f,
        s,
        table_area,
        rows,
        &[
            Constraint::Fill(2),
            Constraint::Length(7),
            Constraint::Fill(3),
            Constraint::Length(17),
            Constraint::Fill(3),
            Constraint::Fill(3),
            Constraint::Length(20),
        ],
        &[
            "display name",
            "type",
            "UPN",
            "property",
            "conflicting value",
            "value held by",
            "when",
        ],
        Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                "▶ Provisioning errors · PropertyConflict",
                t.heading(),
            )),
        cursor,
        !e.hits.is_empty(),
    );
    if e.hits.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                "(no provisioning error matches this query)",
                t.dim(),
            )),
            table_area.inner(ratatui::layout::Margin::new(2, 2)),
        );
    }
}

fn draw_whatif(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let base = &s.bundle.connect;
    let real = whatif::Config {
        settings: s.bundle.settings,
        connect: s.bundle.connect.clone(),
    };
    let items = whatif::items(base);
    let [list_area, diff_area] =
        ratatui::layout::Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(area);
    let page = list_area.height.saturating_sub(3) as usize;
    let cursor = s.whatif;
    let end = (cursor.offset + page).min(items.len());
    let rows: Vec<Row> = (cursor.offset..end)
        .map(|i| {
            let item = items[i];
            let (name, _, rule, irreversible) = whatif::describe(item, base);
            let on = s.config.value(item, base);
            let was = real.value(item, base);
            let value = Cell::from(if on { "☑ on" } else { "☐ off" }).style(if on != was {
                t.changed()
            } else {
                Style::new()
            });
            let snapshot = if on != was {
                Cell::from(format!("Δ snapshot: {}", if was { "on" } else { "off" }))
                    .style(t.changed())
            } else {
                Cell::from("")
            };
            Row::new([
                value,
                Cell::from(display_safe(&name).into_owned()),
                Cell::from(rule),
                snapshot,
                Cell::from(if irreversible {
                    "⚠ X3 irreversible once on"
                } else {
                    ""
                })
                .style(t.warn()),
            ])
        })
        .collect();
    draw_window_table(
        f,
        s,
        list_area,
        rows,
        &[
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Length(4),
            Constraint::Length(16),
            Constraint::Length(26),
        ],
        &["value", "setting", "rule", "", ""],
        Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                "▶ What-if · the snapshot is never changed; r resets",
                t.heading(),
            )),
        cursor,
        true,
    );

    // The selected setting's meaning, then the comparison.
    let mut lines: Vec<Line> = Vec::new();
    if let Some(item) = items.get(cursor.selected) {
        let (name, meaning, rule, irreversible) = whatif::describe(*item, base);
        lines.push(Line::from(vec![
            Span::styled(display_safe(&name).into_owned(), t.key()),
            Span::raw(format!("  ({rule})  {meaning}")),
        ]));
        if irreversible {
            lines.push(Line::from(Span::styled(
                "X3: a real tenant cannot turn this off once it is on; the what-if can.",
                t.warn(),
            )));
        }
    }
    lines.push(Line::default());
    let against = if s.pinned.is_some() {
        "A = pinned settings"
    } else {
        "A = the snapshot's real settings"
    };
    let timing = s
        .replan_time
        .map(|d| {
            format!(
                "  ·  replanned {} objects in {:.1} ms",
                s.plan.outcomes.len(),
                d.as_secs_f64() * 1000.0
            )
        })
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled(format!("{against}  ·  B = these settings"), t.heading()),
        Span::styled(timing, t.dim()),
    ]));
    let a_plan = s.pinned.as_ref().map_or(&s.baseline, |(_, p)| p);
    let mut counts_a: Vec<Span> = vec![Span::styled("A  ", t.key())];
    let mut counts_b: Vec<Span> = vec![Span::styled("B  ", t.key())];
    for ((r, na), (_, nb)) in a_plan.counts().into_iter().zip(s.plan.counts()) {
        let (sym, word) = result_badge(r);
        counts_a.push(Span::styled(
            format!("{sym}{na:>5} {word:<7} "),
            t.result(r),
        ));
        let style = if na != nb { t.changed() } else { t.result(r) };
        counts_b.push(Span::styled(format!("{sym}{nb:>5} {word:<7} "), style));
    }
    for counts in [counts_a, counts_b] {
        let mut counts = counts;
        if let Some(last) = counts.last_mut() {
            last.content = last.content.trim_end().to_string().into();
        }
        lines.push(Line::from(counts));
    }
    lines.push(Line::default());
    if s.diff.transitions.is_empty() {
        lines.push(Line::from(Span::styled(
            "No object changes outcome between A and B.",
            t.dim(),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!(
                "{} object(s) change outcome (v shows them in the explorer, marked Δ):",
                s.diff.count()
            ),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for (from, to, n) in &s.diff.transitions {
            lines.push(Line::from(vec![
                Span::styled(format!("{n:>7}  "), t.changed()),
                Span::raw(from.clone()),
                Span::styled("  →  ", t.key()),
                Span::raw(to.clone()),
            ]));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().border_style(t.border(false)))
            .wrap(Wrap { trim: false }),
        diff_area,
    );
}

fn draw_walkthrough(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let Some(w) = &s.walk else { return };
    let start = &w.states[0];
    let subject = start
        .on_premises
        .iter()
        .find(|o| o.object_guid == w.subject)
        .map_or("?", |o| o.name());
    let target = w
        .target
        .and_then(|id| start.cloud.iter().find(|c| c.id == id))
        .map(|c| format!(" → {} <{}>", c.name(), c.principal().unwrap_or("-")))
        .unwrap_or_default();
    let [title, body] =
        ratatui::layout::Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(format!("{} {}  ", w.kind.id(), w.kind.title()), t.heading()),
                Span::styled(
                    display_safe(&format!("{subject}{target}")).into_owned(),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
            ]),
            Line::from(Span::styled(
                "Applied to a what-if copy of the snapshot: nothing here changes your tenant. The script (o) is for the real one.",
                t.dim(),
            )),
        ]),
        title,
    );
    let [list, detail] = ratatui::layout::Layout::horizontal([
        Constraint::Percentage(38),
        Constraint::Percentage(62),
    ])
    .areas(body);

    let next = w.results.len();
    let mut steps: Vec<Line> = Vec::new();
    for (i, step) in w.steps.iter().enumerate() {
        let (icon, style) = match w.results.get(i) {
            Some(r) if r.refused.is_some() => ("✗ refused ", t.error()),
            Some(r) if r.skipped => ("⤼ skipped ", t.dim()),
            Some(_) => ("✓ done    ", t.ok()),
            None if i == next => ("▶ next    ", t.key()),
            None => ("· to do   ", t.dim()),
        };
        steps.push(Line::from(vec![
            Span::styled(icon, style),
            Span::raw(format!("{}. ", i + 1)),
            Span::raw(display_safe(&step.title).into_owned()),
        ]));
    }
    if w.done() {
        steps.push(Line::default());
        steps.push(Line::from(Span::styled(
            "All steps taken: o writes the script, S saves the scenario, ← undoes.",
            t.key(),
        )));
    }
    f.render_widget(
        Paragraph::new(steps).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(t.border(true))
                .title(Span::styled("▶ Steps", t.heading())),
        ),
        list,
    );

    let mut lines: Vec<Line> = Vec::new();
    if let Some(r) = w.results.last() {
        let i = w.results.len() - 1;
        lines.push(Line::from(Span::styled(
            format!("Step {}: {}", i + 1, display_safe(&w.steps[i].title)),
            t.heading(),
        )));
        if let Some(why) = &r.refused {
            lines.push(Line::from(vec![
                Span::styled("✗ the service refuses it: ", t.error()),
                Span::raw(display_safe(why).into_owned()),
            ]));
            lines.push(Line::from(Span::styled(
                "  Nothing changed. ← undoes the attempt.",
                t.dim(),
            )));
        }
        for m in &r.messages {
            lines.push(Line::from(format!("  {}", display_safe(m))));
        }
        if let Some(o) = &r.sync_outcome {
            lines.push(Line::from(vec![
                Span::styled("  this sync: ", t.key()),
                Span::raw(display_safe(o).into_owned()),
            ]));
        }
        for c in &r.changes {
            lines.push(Line::from(vec![
                Span::styled("  changed: ", t.dim()),
                Span::raw(display_safe(c).into_owned()),
            ]));
        }
        lines.push(Line::from(vec![
            Span::styled("  next sync: ", t.key()),
            Span::styled(
                display_safe(&r.next_outcome).into_owned(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]));
        lines.push(Line::default());
    }
    match w.steps.get(next) {
        Some(step) => {
            lines.push(Line::from(Span::styled(
                format!("Next, step {}: {}", next + 1, display_safe(&step.title)),
                t.heading(),
            )));
            lines.push(Line::from(display_safe(&step.explain).into_owned()));
            if let Some(e) = &step.expect {
                lines.push(Line::from(vec![
                    Span::styled("expected: ", t.dim()),
                    Span::raw(display_safe(e).into_owned()),
                ]));
            }
            if !step.commands.is_empty() {
                lines.push(Line::from(Span::styled("In the real tenant:", t.dim())));
                for c in &step.commands {
                    for l in c.lines() {
                        lines.push(Line::from(Span::styled(
                            format!("  {}", display_safe(&l)),
                            t.key().remove_modifier(Modifier::BOLD),
                        )));
                    }
                }
            }
        }
        None => lines.push(Line::from(Span::styled(
            "Done. o writes the script for the real tenant (with a check after each change).",
            t.ok(),
        ))),
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().border_style(t.border(false))),
        detail,
    );
}

fn draw_bulk(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let Some((path, reports)) = &s.bulk else {
        return;
    };
    let ready = reports.iter().filter(|r| r.ok()).count();
    let [head, table_area, detail] = ratatui::layout::Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(6),
    ])
    .areas(area);
    // The selected row in full: the table cuts long problems.
    if let Some(r) = reports.get(s.bulk_cursor.selected) {
        let mut lines = vec![Line::from(Span::styled(
            display_safe(&format!(
                "line {}: {} → {}",
                r.row.line, r.row.sam_account_name, r.row.cloud_upn
            ))
            .into_owned(),
            t.heading(),
        ))];
        for p in &r.problems {
            lines.push(Line::from(vec![
                Span::styled("  ✗ ", t.error()),
                Span::raw(display_safe(p).into_owned()),
            ]));
        }
        if let (true, Some(p)) = (r.ok(), &r.predicted) {
            lines.push(Line::from(vec![
                Span::styled("  next sync: ", t.key()),
                Span::raw(display_safe(p).into_owned()),
            ]));
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(t.border(false))),
            detail,
        );
    }
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("Bulk hard match (W2)  ", t.heading()),
                Span::raw(display_safe(path).into_owned()),
            ]),
            Line::from(vec![
                Span::styled(format!("{ready} ready"), t.ok()),
                Span::raw("  ·  "),
                Span::styled(format!("{} need attention", reports.len() - ready), t.error()),
                Span::raw("  ·  o writes the script for the ready rows; every other row is listed by its line"),
            ]),
        ]),
        head,
    );
    let page = table_area.height.saturating_sub(3) as usize;
    let cursor = s.bulk_cursor;
    let end = (cursor.offset + page).min(reports.len());
    let rows: Vec<Row> = (cursor.offset..end)
        .map(|i| {
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
            Row::new([
                Cell::from(r.row.line.to_string()),
                Cell::from(status).style(style),
                Cell::from(display_safe(&r.row.sam_account_name).into_owned()),
                Cell::from(display_safe(&r.row.cloud_upn).into_owned()),
                Cell::from(r.immutable_id.clone().unwrap_or_default()),
                Cell::from(display_safe(&detail).into_owned()),
            ])
        })
        .collect();
    draw_window_table(
        f,
        s,
        table_area,
        rows,
        &[
            Constraint::Length(5),
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Fill(2),
            Constraint::Length(25),
            Constraint::Fill(4),
        ],
        &[
            "line",
            "status",
            "SamAccountName",
            "CloudUPN",
            "ImmutableID",
            "problems / next sync",
        ],
        Block::bordered().border_style(t.border(true)),
        cursor,
        !reports.is_empty(),
    );
}

fn draw_load_report(f: &mut Frame, s: &State, area: Rect) {
    let t = &s.theme;
    let popup = area.centered(Constraint::Percentage(90), Constraint::Percentage(85));
    let mut lines: Vec<Line> = Vec::new();
    match &s.load_report {
        None => lines.push(Line::from("No load report.")),
        Some(r) => {
            lines.push(Line::from(Span::styled(r.summary(), t.heading())));
            lines.push(Line::default());
            for (file, format, n) in &r.files {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {format:<28}"), t.key()),
                    Span::raw(format!("{n:>7}  ")),
                    Span::raw(display_safe(file).into_owned()),
                ]));
            }
            for (title, issues, style) in [
                ("Warnings", &r.warnings, t.warn()),
                ("Skipped objects (not in the plan)", &r.skipped, t.error()),
            ] {
                if issues.is_empty() {
                    continue;
                }
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(title, t.heading())));
                for i in issues {
                    lines.push(Line::from(vec![
                        Span::styled("  ⚠ ", style),
                        Span::raw(display_safe(&i.to_string()).into_owned()),
                    ]));
                }
            }
        }
    }
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.help_scroll, 0))
            .block(
                Block::bordered()
                    .border_style(t.border(true))
                    .title(Span::styled(" Load report · L or Esc closes ", t.heading())),
            ),
        popup,
    );
}

/// A table of the rows in a window (`rows` are already `[offset..offset + page]`), with the
/// views' shared header style, highlight and selection.
#[allow(clippy::too_many_arguments)]
fn draw_window_table(
    f: &mut Frame,
    s: &State,
    area: Rect,
    rows: Vec<Row>,
    widths: &[Constraint],
    header: &[&str],
    block: Block,
    cursor: super::state::Cursor,
    any: bool,
) {
    let t = &s.theme;
    let table = Table::new(rows, widths.iter().copied())
        .header(
            Row::new(header.iter().map(|h| h.to_string()))
                .style(t.dim().add_modifier(Modifier::UNDERLINED)),
        )
        .block(block)
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default();
    if any {
        state.select(Some(cursor.selected.saturating_sub(cursor.offset)));
    }
    f.render_stateful_widget(table, area, &mut state);
}

/// The screen while the snapshot loads on a background thread.
pub fn draw_loading(
    f: &mut Frame,
    source: &str,
    stage: super::LoadStage,
    elapsed: std::time::Duration,
    theme: super::theme::Theme,
) {
    let area = f.area();
    let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let tick = (elapsed.as_millis() / 100) as usize % spinner.len();
    let (reading, planning) = match stage {
        super::LoadStage::Reading => (spinner[tick], "·"),
        super::LoadStage::Planning => ("✓", spinner[tick]),
    };
    let lines = vec![
        Line::from(Span::styled("syncscope", theme.heading())),
        Line::from(display_safe(source).into_owned()),
        Line::default(),
        Line::from(format!("{reading} reading the snapshot")),
        Line::from(format!("{planning} indexing and planning the next sync")),
        Line::default(),
        Line::from(Span::styled(
            format!("{:.1} s · q or Ctrl-C stops", elapsed.as_secs_f64()),
            theme.dim(),
        )),
    ];
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    f.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        Rect::new(area.x, y, area.width, h),
    );
}
