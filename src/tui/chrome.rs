//! What surrounds every view: the header (tabs, tenant, counts, settings in force), the
//! partial-load banner, the hint bar (status, prompt, then the keys by importance — `? help`
//! first, so it always shows), the overlays, and the "too small" message. `draw` is the one
//! entry point for a frame.

use super::app::{App, MIN_HEIGHT, MIN_WIDTH};
use super::keymap;
use super::theme::result_badge;
use super::views::{self, View};
use crate::sanitize::display_safe;
use crate::settings::Setting;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub fn draw(f: &mut Frame, s: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(f, area);
        return;
    }
    let l = super::app::frame_layout(area, s.partial);
    draw_header(f, s, l.header);
    match s.view {
        View::Explorer => views::explorer::draw::draw(f, s, views::explorer::layout(l.body)),
        View::Errors => views::errors::draw(f, s, views::errors::layout(l.body)),
        View::WhatIf => views::whatif::draw(f, s, views::whatif::layout(l.body)),
        View::Walkthrough => views::walkthrough::draw(f, s, views::walkthrough::layout(l.body)),
        View::Bulk => views::bulk::draw(f, s, views::bulk::layout(l.body)),
        View::Readiness => views::readiness::draw(f, s, views::readiness::layout(l.body)),
        View::Changes => views::recollect::draw(f, s, s.changes_layout()),
    }
    draw_hints(f, s, l.hints);
    if s.help_open {
        views::help::draw(f, s, area);
    }
    if s.report_open {
        views::report::draw(f, s, area);
    }
    if let Some(c) = &s.confirm {
        views::confirm::draw(f, s, c, area);
    }
    // Drawn last: no overlay ever hides that the load was partial.
    if let Some(b) = l.banner {
        f.render_widget(
            Paragraph::new(Span::styled(
                crate::tui::widgets::cut(
                    " PARTIAL LOAD: some files or objects could not be used; this plan leaves them out. L shows which. ",
                    b.width as usize,
                ),
                s.theme.error().add_modifier(Modifier::REVERSED),
            )),
            b,
        );
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

fn draw_header(f: &mut Frame, s: &App, area: Rect) {
    let b = &s.session.snapshot;
    let t = &s.theme;
    // The configuration in force (what-if flips included), never the snapshot's copy.
    let config = &s.session.config;
    let scope = match &config.connect.included_ous {
        None => "whole directory".to_string(),
        Some(ous) => format!("{} OU(s)", ous.len()),
    };
    let mut line1: Vec<Span> = Vec::new();
    // At 80 columns the tabs take short names so the tenant and snapshot still show.
    let short = area.width < 100;
    for v in s.tabs() {
        let label = match v {
            View::Explorer => format!(" x {} ", v.title()),
            View::Errors if short => " e Errors ".to_string(),
            View::Errors => format!(" e {} ", v.title()),
            View::WhatIf => format!(" w {} ", v.title()),
            View::Walkthrough => {
                let id = s.walk.shown.as_ref().map_or("", |w| w.kind.id());
                format!(" W {id} ")
            }
            View::Bulk => " H bulk ".to_string(),
            View::Readiness if short => " c Ready ".to_string(),
            View::Readiness => format!(" c {} ", v.title()),
            View::Changes => " R Δ ".to_string(),
        };
        line1.push(if v == s.view {
            Span::styled(label, t.selected())
        } else {
            Span::styled(label, t.dim())
        });
    }
    line1.extend(vec![
        Span::raw("  "),
        Span::styled(
            display_safe(&b.tenant.initial_domain).into_owned(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(if short { "  " } else { "  snapshot " }, t.dim()),
        Span::raw(display_safe(&s.source).into_owned()),
    ]);
    let plan = &s.session.plan;
    // Every count stays on screen: with words when they fit, else symbol and number only.
    let sep = if short { 1 } else { 2 };
    let full: usize = s
        .whatif
        .counts_b
        .iter()
        .map(|(r, n)| result_badge(*r).1.len() + n.to_string().len() + 3 + sep)
        .sum();
    let words = full <= area.width as usize;
    let mut counts: Vec<Span> = Vec::new();
    for (r, n) in s.whatif.counts_b.iter().copied() {
        let (sym, word) = result_badge(r);
        let text = if words {
            format!("{sym} {n} {word}")
        } else {
            format!("{sym}{n}")
        };
        counts.push(Span::styled(text, t.result(r)));
        counts.push(Span::raw(" ".repeat(sep)));
    }
    if plan.export_blocked {
        counts.push(Span::styled(
            format!(
                "EXPORT STOPPED: {} deletions > threshold {} (Q6)",
                plan.deletions.len(),
                config.connect.deletion_threshold
            ),
            t.error(),
        ));
    }
    let st = &config.settings;
    let changed = s.session.changed_settings();
    let mut line3 = vec![
        Span::styled("view ", t.dim()),
        Span::styled(s.explorer.filter.label(), t.key()),
        Span::styled("  anchor ", t.dim()),
        Span::raw(config.source_anchor_name()),
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
    if s.whatif.replanning {
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
                    s.whatif.changed
                ),
                t.warn().add_modifier(Modifier::REVERSED),
            ),
        );
    }
    f.render_widget(
        Paragraph::new(vec![
            Line::from(line1),
            Line::from(counts),
            Line::from(line3),
        ]),
        area,
    );
}

/// The hint bar: what is being typed or the status first, then as many keys as fit, the most
/// important first. The status is cut so that the first two keys (`? help`, `q quit`) stay.
fn draw_hints(f: &mut Frame, s: &App, area: Rect) {
    let t = &s.theme;
    let width = area.width as usize;
    let keys: Vec<(String, &str)> = keymap::hints(s.context());
    let key_width = |k: &(String, &str)| k.0.width() + 1 + k.1.width() + 2;
    let reserve: usize = keys.iter().take(2).map(key_width).sum();
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    let push = |spans: &mut Vec<Span<'static>>, used: &mut usize, span: Span<'static>| {
        *used += span.width();
        spans.push(span);
    };
    if let Some(p) = &s.prompt {
        for span in views::prompt::spans(s, p) {
            push(&mut spans, &mut used, span);
        }
    } else if s.context() == keymap::Context::Search {
        let q = &s.explorer.search;
        push(&mut spans, &mut used, Span::styled("/", t.key()));
        push(
            &mut spans,
            &mut used,
            Span::raw(display_safe(&q.query).into_owned()),
        );
        push(&mut spans, &mut used, Span::styled("▏", t.key()));
        let found = if q.in_progress() {
            format!("  {} so far…  ", q.count())
        } else if !q.active() {
            "  type: names, UPNs, addresses, DNs, ids  ".to_string()
        } else {
            format!("  {} match(es)  ", q.count())
        };
        push(&mut spans, &mut used, Span::styled(found, t.dim()));
    } else if let Some(msg) = &s.status {
        let room = width.saturating_sub(reserve + 2).max(10);
        push(
            &mut spans,
            &mut used,
            Span::styled(
                crate::tui::widgets::cut(&display_safe(msg), room),
                t.key().add_modifier(Modifier::REVERSED),
            ),
        );
        push(&mut spans, &mut used, Span::raw("  "));
    }
    for k in &keys {
        let w = key_width(k);
        if used + w > width + 2 {
            break;
        }
        push(&mut spans, &mut used, Span::styled(k.0.clone(), t.key()));
        push(&mut spans, &mut used, Span::raw(format!(" {}  ", k.1)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
