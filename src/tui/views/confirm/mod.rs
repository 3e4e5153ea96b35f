//! A yes/no question in a small dialog: replace an existing file, or leave with unsaved work.

use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, WriteRequest};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// The file exists: replace it?
    Overwrite(WriteRequest),
    /// Leaving would lose this work (said in the question).
    Quit { unsaved: Vec<String> },
    /// `R` would start from the new snapshot and lose this work.
    Recollect {
        folder: std::path::PathBuf,
        unsaved: Vec<String>,
    },
}

impl Confirm {
    pub fn question(&self) -> String {
        match self {
            Confirm::Overwrite(req) => format!("{} exists. Overwrite it?", display_safe(&req.path)),
            Confirm::Quit { unsaved } => {
                format!("Leave syncscope? Not saved: {}.", unsaved.join("; "))
            }
            Confirm::Recollect { unsaved, .. } => format!(
                "Collect again? The new snapshot starts from its own settings. Not saved: {}.",
                unsaved.join("; ")
            ),
        }
    }
}

/// The dialog's box: centred, as wide as the question needs (at most the screen).
pub fn layout(area: Rect) -> Rect {
    area.centered(
        Constraint::Length(area.width.min(64)),
        Constraint::Length(area.height.min(7)),
    )
}

impl App {
    pub fn confirm_update(&mut self, action: Action) -> bool {
        let Some(c) = self.confirm.take() else {
            return false;
        };
        match (action, c) {
            (Action::Yes, Confirm::Overwrite(mut req)) => {
                req.overwrite = true;
                self.effects.push_back(Effect::Write(req));
            }
            (Action::No, Confirm::Overwrite(req)) => {
                self.status = Some(format!(
                    "kept the existing {}; nothing written",
                    display_safe(&req.path)
                ));
            }
            (Action::Yes, Confirm::Quit { .. }) => self.quit = true,
            (Action::Yes, Confirm::Recollect { folder, .. }) => {
                self.effects.push_back(Effect::Recollect(folder))
            }
            (Action::No, Confirm::Recollect { .. }) => {
                self.status = Some("not collected again".into())
            }
            (Action::No, Confirm::Quit { .. }) => {
                self.status = Some("staying: o writes the script, S saves the scenario".into())
            }
            (_, c) => {
                self.confirm = Some(c);
                return false;
            }
        }
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, c: &Confirm, area: Rect) {
    let t = &s.theme;
    let popup = layout(area);
    f.render_widget(Clear, popup);
    let lines = vec![
        Line::from(Span::styled(c.question(), t.warn())),
        Line::default(),
        Line::from(vec![
            Span::styled("y", t.key()),
            Span::raw(" yes   "),
            Span::styled("n", t.key()),
            Span::raw("/"),
            Span::styled("Esc", t.key()),
            Span::raw(" no"),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(t.border(true))
                .title(Span::styled(" Confirm ", t.heading())),
        ),
        popup,
    );
}
