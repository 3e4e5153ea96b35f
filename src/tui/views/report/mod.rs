//! The load report: the files read and their formats, warnings, and the objects skipped (not in
//! the plan). It scrolls, with the position in its title.

use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::widgets::{labeled, scrollbar};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportView {
    pub scroll: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportLayout {
    pub popup: Rect,
    pub inner: Rect,
}

pub fn layout(area: Rect) -> ReportLayout {
    let popup = area.centered(Constraint::Percentage(92), Constraint::Percentage(85));
    ReportLayout {
        popup,
        inner: Block::bordered().inner(popup),
    }
}

pub fn lines(s: &App, width: usize) -> Vec<Line<'static>> {
    let t = &s.theme;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let Some(r) = &s.load_report else {
        return vec![Line::from("No load report.")];
    };
    lines.extend(labeled(Span::raw(""), &r.summary(), t.heading(), width));
    if let Some(note) = &s.cache_note {
        lines.extend(labeled(
            Span::styled("cache  ", t.key()),
            note,
            Style::new(),
            width,
        ));
    }
    lines.push(Line::default());
    for (file, format, n) in &r.files {
        lines.extend(labeled(
            Span::styled(format!("  {format:<28}{n:>7}  "), t.key()),
            &display_safe(file),
            Style::new(),
            width,
        ));
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
            lines.extend(labeled(
                Span::styled("  ⚠ ", style),
                &display_safe(&i.to_string()),
                Style::new(),
                width,
            ));
        }
    }
    lines
}

impl App {
    pub fn report_update(&mut self, action: Action) -> bool {
        let l = layout(self.size);
        let page = l.inner.height as usize;
        let max = lines(self, l.inner.width as usize)
            .len()
            .saturating_sub(page) as isize;
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
        let r = &mut self.report;
        r.scroll = (r.scroll as isize + delta).clamp(0, max.max(0)) as u16;
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, area: Rect) {
    let t = &s.theme;
    let l = layout(area);
    let text = lines(s, l.inner.width as usize);
    let page = l.inner.height as usize;
    let total = text.len();
    let scroll = s.report.scroll;
    let position = if total > page {
        format!(
            " · lines {}-{} of {total}",
            scroll as usize + 1,
            (scroll as usize + page).min(total)
        )
    } else {
        String::new()
    };
    f.render_widget(Clear, l.popup);
    f.render_widget(
        Paragraph::new(text).scroll((scroll, 0)).block(
            Block::bordered()
                .border_style(t.border(true))
                .title(Span::styled(
                    format!(" Load report · L or Esc closes{position} "),
                    t.heading(),
                )),
        ),
        l.popup,
    );
    scrollbar(f, l.popup, total, page, scroll as usize);
}
