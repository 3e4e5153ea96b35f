//! A guided fix in progress (rule book §6, W1–W4) on a what-if copy of the snapshot. Each step
//! runs as a background job (two plans and copies of the state: seconds on a large tenant), so
//! the screen stays live; the view draws from its own copy of the steps and their results.

use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, WriteRequest};
use crate::tui::views::View;
use crate::tui::views::prompt::Purpose;
use crate::tui::widgets::labeled;
use crate::walkthrough::{Kind, Step, StepResult, Walkthrough};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use uuid::Uuid;

/// A move through the steps, run by a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkMove {
    Apply,
    Skip,
}

/// What the view shows of a walkthrough (kept while the walkthrough itself is with a job).
#[derive(Clone, Debug)]
pub struct Shown {
    pub kind: Kind,
    pub subject: Uuid,
    /// "Alice Ng → Alice Ng <alice@contoso.com>"
    pub title: String,
    /// sAMAccountName or name, made safe for a file name.
    pub stem: String,
    pub steps: Vec<Step>,
    pub results: Vec<StepResult>,
}

impl Shown {
    fn of(w: &Walkthrough) -> Shown {
        let start = &w.states[0];
        let o = start
            .on_premises
            .iter()
            .find(|o| o.object_guid == w.subject);
        let subject = o.map_or("?", |o| o.name());
        let target = w
            .target
            .and_then(|id| start.cloud.iter().find(|c| c.id == id))
            .map(|c| format!(" → {} <{}>", c.name(), c.principal().unwrap_or("-")))
            .unwrap_or_default();
        let who: String = o
            .and_then(|o| o.sam_account_name.as_deref().or(Some(o.name())))
            .unwrap_or("object")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Shown {
            kind: w.kind,
            subject: w.subject,
            title: format!("{subject}{target}"),
            stem: format!("syncscope-{}-{who}", w.kind.id()),
            steps: w.steps.clone(),
            results: w.results.clone(),
        }
    }

    pub fn done(&self) -> bool {
        self.results.len() == self.steps.len()
    }
}

#[derive(Debug, Default)]
pub struct WalkView {
    /// The walkthrough; `None` while a job runs a step on it.
    pub walk: Option<Walkthrough>,
    pub shown: Option<Shown>,
    /// A step (or the start) is running in the background.
    pub busy: bool,
    /// The script or scenario was written since the last step.
    pub saved: bool,
}

impl WalkView {
    pub fn file_stem(&self) -> Option<&str> {
        self.shown.as_ref().map(|s| s.stem.as_str())
    }

    /// Steps taken and neither written as a script nor saved as a scenario.
    pub fn unsaved(&self) -> Option<usize> {
        let n = self.shown.as_ref().map_or(0, |s| s.results.len());
        (n > 0 && !self.saved).then_some(n)
    }

    /// The file a prompt asked for: the script for the real tenant or the scenario.
    pub fn file(
        &mut self,
        purpose: Purpose,
        path: String,
        source: &str,
        source_path: &str,
    ) -> Option<WriteRequest> {
        let w = self.walk.as_ref()?;
        let (contents, what) = if purpose == Purpose::WalkScript {
            (w.script(source), "remediation script")
        } else {
            let v = w.scenario(source_path);
            (
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
                "scenario",
            )
        };
        Some(WriteRequest {
            path,
            contents,
            overwrite: false,
            what,
        })
    }

    /// A walkthrough came back from a job (started, or a step taken).
    pub fn install(&mut self, w: Walkthrough) {
        self.shown = Some(Shown::of(&w));
        self.walk = Some(w);
        self.busy = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkLayout {
    pub title: Rect,
    pub steps: Rect,
    pub detail: Rect,
}

pub fn layout(body: Rect) -> WalkLayout {
    let [title, rest] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(body);
    let [steps, detail] =
        Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(58)]).areas(rest);
    WalkLayout {
        title,
        steps,
        detail,
    }
}

impl App {
    /// Starts the `choice`-th walkthrough that fits the object (by on-prem index).
    pub fn walk_start(&mut self, on_prem: usize, choice: usize) {
        let fits = self.session.suggest(on_prem);
        let Some(&(kind, target)) = fits.get(choice) else {
            let o = &self.session.snapshot.on_premises[on_prem];
            self.status = Some(format!(
                "no walkthrough fits {}: it is {}",
                display_safe(o.name()),
                self.session.plan.outcomes[on_prem].result.as_str()
            ));
            return;
        };
        self.walk.busy = true;
        self.status = Some(format!(
            "{} {}: preparing the what-if copy…",
            kind.id(),
            kind.title()
        ));
        self.effects.push_back(Effect::StartWalkthrough {
            kind,
            on_prem,
            target,
            fallback: self.explorer.selected_cloud(),
        });
    }

    /// A walkthrough started (or could not).
    pub fn walk_started(&mut self, w: Result<Walkthrough, String>) {
        self.walk.busy = false;
        match w {
            Ok(w) => {
                self.status = Some(format!(
                    "{} {}: Enter applies each step to a what-if copy; nothing touches your tenant",
                    w.kind.id(),
                    w.kind.title()
                ));
                self.walk.install(w);
                self.walk.saved = false;
                self.view = View::Walkthrough;
            }
            Err(why) => self.status = Some(why),
        }
    }

    /// A step came back.
    pub fn walk_stepped(&mut self, w: Walkthrough) {
        let r = w.results.last().cloned();
        self.walk.install(w);
        self.walk.saved = false;
        self.status = r.map(|r| match (&r.refused, r.skipped) {
            (Some(why), _) => format!("refused by the service: {why}"),
            (None, true) => "skipped".into(),
            (None, false) => format!("now: {}", r.next_outcome),
        });
    }

    fn walk_move(&mut self, m: WalkMove) {
        if self.walk.busy {
            self.status = Some("a step is running…".into());
            return;
        }
        let Some(w) = self.walk.walk.take() else {
            return;
        };
        if w.done() {
            self.walk.walk = Some(w);
            self.status = Some("all steps taken: o writes the script, S saves the scenario".into());
            return;
        }
        self.walk.busy = true;
        self.effects.push_back(Effect::WalkStep(Box::new(w), m));
    }

    /// The walkthrough view's actions (and W from the explorer); false when not its.
    pub fn walk_update(&mut self, action: Action) -> bool {
        match action {
            Action::WalkStart => {
                let Some(o) = self.explorer.selected_outcome() else {
                    self.status = Some("select an on-prem object first".into());
                    return true;
                };
                let i = self.session.plan.outcomes[o as usize].on_prem as usize;
                self.walk_start(i, 0);
            }
            Action::WalkOther => {
                let Some(shown) = &self.walk.shown else {
                    return true;
                };
                let (kind, subject) = (shown.kind, shown.subject);
                let Some(i) = self
                    .session
                    .snapshot
                    .on_premises
                    .iter()
                    .position(|o| o.object_guid == subject)
                else {
                    return true;
                };
                let fits = self.session.suggest(i);
                if fits.len() < 2 {
                    self.status = Some("no other walkthrough fits this object".into());
                    return true;
                }
                let at = fits
                    .iter()
                    .position(|(k, _)| *k == kind)
                    .map_or(0, |p| p + 1);
                self.walk_start(i, at % fits.len());
            }
            Action::WalkApply => self.walk_move(WalkMove::Apply),
            Action::WalkSkip => self.walk_move(WalkMove::Skip),
            Action::WalkUndo => {
                if self.walk.busy {
                    self.status = Some("a step is running…".into());
                } else if let Some(mut w) = self.walk.walk.take() {
                    if w.results.is_empty() {
                        self.status = Some("at the start: nothing to undo".into());
                    } else {
                        w.back();
                        self.status = Some("undid the last step".into());
                    }
                    self.walk.install(w);
                }
            }
            _ => return false,
        }
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, l: WalkLayout) {
    let t = &s.theme;
    let Some(w) = &s.walk.shown else { return };
    let busy = if s.walk.busy { "  ⠿ working…" } else { "" };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(format!("{} {}  ", w.kind.id(), w.kind.title()), t.heading()),
                Span::styled(
                    display_safe(&w.title).into_owned(),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(busy, t.warn()),
            ]),
            Line::from(Span::styled(
                "Applied to a what-if copy of the snapshot: nothing here changes your tenant. The script (o) is for the real one.",
                t.dim(),
            )),
        ]),
        l.title,
    );

    let width = l.steps.width.saturating_sub(2) as usize;
    let next = w.results.len();
    let mut steps: Vec<Line> = Vec::new();
    for (i, step) in w.steps.iter().enumerate() {
        let (icon, style) = match w.results.get(i) {
            Some(r) if r.refused.is_some() => ("✗ refused ", t.error()),
            Some(r) if r.skipped => ("⤼ skipped ", t.dim()),
            Some(_) => ("✓ done    ", t.ok()),
            None if i == next && s.walk.busy => ("⠿ running ", t.warn()),
            None if i == next => ("▶ next    ", t.key()),
            None => ("· to do   ", t.dim()),
        };
        steps.extend(labeled(
            Span::styled(format!("{icon}{}. ", i + 1), style),
            &display_safe(&step.title),
            Style::new(),
            width,
        ));
        // The sync notes, as in the README: what a sync step did, and what the next sync does
        // after any other step.
        if let Some(r) = w
            .results
            .get(i)
            .filter(|r| !r.skipped && r.refused.is_none())
        {
            let (label, note) = match &r.sync_outcome {
                Some(o) => ("this sync: ", o),
                None => ("next sync: ", &r.next_outcome),
            };
            // The outcome only (the reason is in the step's details), on one line.
            let note = note.split(" — ").next().unwrap_or_default();
            let room = width.saturating_sub(4 + label.len());
            steps.push(Line::from(vec![
                Span::styled(format!("    {label}"), t.dim()),
                Span::styled(crate::tui::widgets::cut(&display_safe(note), room), t.dim()),
            ]));
        }
    }
    if w.done() {
        steps.push(Line::default());
        steps.extend(labeled(
            Span::raw(""),
            "All steps taken: o writes the script, S saves the scenario, ← undoes.",
            t.key(),
            width,
        ));
    }
    f.render_widget(
        Paragraph::new(steps).block(
            Block::bordered()
                .border_style(t.border(true))
                .title(Span::styled("▶ Steps", t.heading())),
        ),
        l.steps,
    );

    let width = l.detail.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let text = |lines: &mut Vec<Line<'static>>, label: Span<'static>, value: &str, style| {
        lines.extend(labeled(label, &display_safe(value), style, width));
    };
    if let Some(r) = w.results.last() {
        let i = w.results.len() - 1;
        lines.push(Line::from(Span::styled(
            format!("Step {}: {}", i + 1, display_safe(&w.steps[i].title)),
            t.heading(),
        )));
        if let Some(why) = &r.refused {
            text(
                &mut lines,
                Span::styled("✗ the service refuses it: ", t.error()),
                why,
                Style::new(),
            );
            lines.push(Line::from(Span::styled(
                "  Nothing changed. ← undoes the attempt.",
                t.dim(),
            )));
        }
        for m in &r.messages {
            text(&mut lines, Span::raw("  "), m, Style::new());
        }
        if let Some(o) = &r.sync_outcome {
            text(
                &mut lines,
                Span::styled("  this sync: ", t.key()),
                o,
                Style::new(),
            );
        }
        for c in &r.changes {
            text(
                &mut lines,
                Span::styled("  changed: ", t.dim()),
                c,
                Style::new(),
            );
        }
        text(
            &mut lines,
            Span::styled("  next sync: ", t.key()),
            &r.next_outcome,
            Style::new().add_modifier(Modifier::BOLD),
        );
        lines.push(Line::default());
    }
    match w.steps.get(next) {
        Some(step) => {
            lines.push(Line::from(Span::styled(
                format!("Next, step {}: {}", next + 1, display_safe(&step.title)),
                t.heading(),
            )));
            text(&mut lines, Span::raw(""), &step.explain, Style::new());
            if let Some(e) = &step.expect {
                text(
                    &mut lines,
                    Span::styled("expected: ", t.dim()),
                    e,
                    Style::new(),
                );
            }
            if !step.commands.is_empty() {
                lines.push(Line::from(Span::styled("In the real tenant:", t.dim())));
                for c in &step.commands {
                    for l in c.lines() {
                        text(
                            &mut lines,
                            Span::raw("  "),
                            &l,
                            t.key().remove_modifier(Modifier::BOLD),
                        );
                    }
                }
            }
        }
        None => lines.extend(labeled(
            Span::raw(""),
            "Done. o writes the script for the real tenant (with a check after each change).",
            t.ok(),
            width,
        )),
    }
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().border_style(t.border(false))),
        l.detail,
    );
}
