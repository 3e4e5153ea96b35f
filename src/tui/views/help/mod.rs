//! The help: the keys of the current view and of the modes it leads to, written from the keymap
//! table, then the symbols. Two columns when there is room, else one that scrolls; the title
//! says which lines are shown.

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::views::View;
use crate::tui::widgets::{labeled, scrollbar};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelpView {
    pub scroll: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelpLayout {
    pub popup: Rect,
    /// The text columns: one, or two side by side when the popup is wide.
    pub left: Rect,
    pub right: Option<Rect>,
}

impl HelpLayout {
    pub fn page(&self) -> usize {
        self.left.height as usize
    }
}

pub fn layout(area: Rect) -> HelpLayout {
    let popup = area.centered(Constraint::Percentage(92), Constraint::Percentage(90));
    let inner = Block::bordered().inner(popup);
    if inner.width >= 100 {
        let [l, r] = ratatui::layout::Layout::horizontal([
            Constraint::Percentage(55),
            Constraint::Percentage(45),
        ])
        .spacing(2)
        .areas(inner);
        HelpLayout {
            popup,
            left: l,
            right: Some(r),
        }
    } else {
        HelpLayout {
            popup,
            left: inner,
            right: None,
        }
    }
}

/// The contexts the help of a view shows: the view's own, then the modes it leads to.
fn contexts(view: View) -> (Context, &'static [Context]) {
    match view {
        View::Explorer => (Context::Explorer, &[Context::Search, Context::Help]),
        View::Errors => (Context::Errors, &[Context::Prompt, Context::Help]),
        View::WhatIf => (Context::WhatIf, &[Context::Help]),
        View::Walkthrough => (Context::Walkthrough, &[Context::Prompt, Context::Confirm]),
        View::Bulk => (Context::Bulk, &[Context::Prompt, Context::Confirm]),
        View::Readiness => (Context::Readiness, &[Context::Prompt, Context::Confirm]),
        View::Changes => (Context::Changes, &[Context::Confirm, Context::Help]),
    }
}

/// The help's text for a view: the primary column and the secondary one.
pub fn columns(s: &App, width: usize) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let t = &s.theme;
    let section = |ctx: Context, key_w: usize| {
        let mut lines = vec![Line::from(Span::styled(ctx.title(), t.heading()))];
        for (keys, help) in keymap::help_rows(ctx) {
            lines.extend(labeled(
                Span::styled(format!("  {keys:<key_w$} "), t.key()),
                &help,
                Style::new(),
                width,
            ));
        }
        lines.push(Line::default());
        lines
    };
    let (primary, secondary) = contexts(s.view);
    let left = section(primary, 13);
    let mut right: Vec<Line> = Vec::new();
    for ctx in secondary {
        right.extend(section(*ctx, 11));
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
        (
            "≠ Δ",
            "the directories differ here; the what-if changed this outcome",
        ),
    ] {
        right.extend(labeled(
            Span::styled(format!("  {sym:<16}"), t.key()),
            meaning,
            Style::new(),
            width,
        ));
    }
    for note in [
        "Colours only repeat the symbols.",
        "Each view has its own keys: open ? there to see them.",
        "Mouse: click selects, the wheel scrolls; m turns it off so the terminal can select text.",
    ] {
        right.extend(labeled(Span::raw(""), note, t.dim(), width));
    }
    (left, right)
}

impl App {
    fn help_lines_len(&self) -> usize {
        let l = layout(self.size);
        let (left, right) = columns(self, l.left.width as usize);
        match l.right {
            Some(_) => left.len().max(right.len()),
            None => left.len() + right.len(),
        }
    }

    pub fn help_update(&mut self, action: Action) -> bool {
        let page = layout(self.size).page();
        let max = self.help_lines_len().saturating_sub(page) as isize;
        let delta = match action {
            Action::MoveDown => 1,
            Action::MoveUp => -1,
            Action::PageDown => page as isize,
            Action::PageUp => -(page as isize),
            Action::Top => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            Action::Scroll { down, .. } => {
                if down {
                    3
                } else {
                    -3
                }
            }
            _ => return false,
        };
        let h = &mut self.help;
        h.scroll = (h.scroll as isize + delta).clamp(0, max.max(0)) as u16;
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, area: Rect) {
    let t = &s.theme;
    let l = layout(area);
    let (mut left, right) = columns(s, l.left.width as usize);
    let scroll = s.help.scroll;
    let page = l.page();
    let total = match l.right {
        Some(_) => left.len().max(right.len()),
        None => left.len() + right.len(),
    };
    let position = if total > page {
        format!(
            " · lines {}-{} of {total} (↓/↑ scroll)",
            scroll as usize + 1,
            (scroll as usize + page).min(total)
        )
    } else {
        String::new()
    };
    f.render_widget(Clear, l.popup);
    f.render_widget(
        Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                format!(" Keys · ? or Esc closes{position} "),
                t.heading(),
            )),
        l.popup,
    );
    match l.right {
        Some(r) => {
            f.render_widget(Paragraph::new(left).scroll((scroll, 0)), l.left);
            f.render_widget(Paragraph::new(right).scroll((scroll, 0)), r);
        }
        None => {
            left.extend(right);
            f.render_widget(Paragraph::new(left).scroll((scroll, 0)), l.left);
        }
    }
    scrollbar(f, l.popup, total, page, scroll as usize);
}
