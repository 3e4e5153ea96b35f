//! The screen while the snapshot is read, indexed and planned by a background job.

use crate::sanitize::display_safe;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::Duration;

/// What the loading job has reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Planning,
}

pub fn draw(f: &mut Frame, source: &str, stage: Stage, elapsed: Duration, theme: Theme) {
    let area = f.area();
    let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let tick = (elapsed.as_millis() / 100) as usize % spinner.len();
    let (reading, planning) = match stage {
        Stage::Reading => (spinner[tick], "·"),
        Stage::Planning => ("✓", spinner[tick]),
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
