//! The readiness view (`c`, issue 14): the findings of `syncscope check` (interfaces §9) for the
//! plan on screen — a summary per severity and class, a table filtered by severity, class or
//! rule and sorted by rule, severity, object or attribute, and the selected finding in detail:
//! its rule and source, what the sync will do to its object (the plan's outcome under the
//! settings in force), the fix and its commands. Enter shows the object in the explorer; `o`
//! writes the fix script of the finding, `O` the bulk script of every finding of its rule.
//!
//! The check runs as a background job (seconds at a million objects) whenever the plan on
//! screen differs from the one the findings were made for (a what-if flip re-runs it), so the
//! outcomes shown are always those of the settings in force.

use crate::check::{CheckReport, Class, Finding, ObjectRef, Rule, Severity};
use crate::plan::Plan;
use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, WriteRequest};
use crate::tui::views::View;
use crate::tui::views::explorer::Pane;
use crate::tui::widgets::{Column, Cursor, WindowTable, fixed, flex, labeled, table_page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use std::sync::Arc;
use std::time::Duration;

/// A finished check: the findings, the plan they describe, and per finding the on-prem
/// outcome it concerns with its class ("error AttributeValueMustBeUnique").
#[derive(Debug)]
pub struct Checked {
    pub plan: Arc<Plan>,
    pub report: CheckReport,
    pub outcomes: Vec<Option<(u32, String)>>,
    pub took: Duration,
}

impl Checked {
    /// Runs the check for a session's plan under the settings in force (pure; any thread).
    pub fn run(session: &crate::session::Session) -> Checked {
        let started = std::time::Instant::now();
        // The findings read the settings (hardening switches): a what-if copy when flipped.
        let flipped;
        let b = if session.changed_settings() == 0 {
            &*session.snapshot
        } else {
            flipped = session.what_if_bundle();
            &flipped
        };
        let plan = Arc::clone(&session.plan);
        let report = crate::check::check(b, session.index(), &plan, Default::default());
        let refs = crate::check::CloudRefs::build(b, &plan);
        let outcomes = report
            .findings
            .iter()
            .map(|f| {
                f.outcome(&plan, &refs)
                    .map(|o| (o.on_prem, crate::diff::outcome_class(o)))
            })
            .collect();
        Checked {
            plan,
            report,
            outcomes,
            took: started.elapsed(),
        }
    }
}

/// The order of the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// The check's own order: rule, then object.
    #[default]
    Rule,
    /// Errors first, then rule.
    Severity,
    /// By the object's name (case-insensitive).
    Object,
    /// By attribute, then value.
    Attribute,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Rule => "rule",
            SortKey::Severity => "severity",
            SortKey::Object => "object",
            SortKey::Attribute => "attribute",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Rule => SortKey::Severity,
            SortKey::Severity => SortKey::Object,
            SortKey::Object => SortKey::Attribute,
            SortKey::Attribute => SortKey::Rule,
        }
    }
}

#[derive(Debug, Default)]
pub struct ReadinessView {
    /// Opened once: its tab shows from then on.
    pub opened: bool,
    pub checked: Option<Arc<Checked>>,
    /// The plan a running check is for.
    pub running_for: Option<Arc<Plan>>,
    pub severity: Option<Severity>,
    pub class: Option<Class>,
    pub rule: Option<Rule>,
    pub sort: SortKey,
    /// Indices into the findings the filters keep, in the sort's order.
    pub rows: Vec<u32>,
    pub cursor: Cursor,
}

impl ReadinessView {
    /// The findings, when they describe `plan` (the plan on screen); none while a check for
    /// it runs, so no outcome of other settings is ever shown.
    pub fn current(&self, plan: &Arc<Plan>) -> Option<&Checked> {
        self.checked
            .as_deref()
            .filter(|c| Arc::ptr_eq(&c.plan, plan))
    }

    pub fn selected(&self) -> Option<(&Finding, Option<&(u32, String)>)> {
        let c = self.checked.as_deref()?;
        let i = *self.rows.get(self.cursor.selected)? as usize;
        Some((&c.report.findings[i], c.outcomes[i].as_ref()))
    }

    /// The rows for the filters and the sort.
    pub fn refilter(&mut self, b: &crate::model::Bundle) {
        let Some(c) = self.checked.as_deref() else {
            self.rows.clear();
            return;
        };
        let f = &c.report.findings;
        let mut rows: Vec<u32> = (0..f.len() as u32)
            .filter(|i| {
                let x = &f[*i as usize];
                self.severity.is_none_or(|s| x.severity == s)
                    && self.class.is_none_or(|k| x.rule.info().class == k)
                    && self.rule.is_none_or(|r| x.rule == r)
            })
            .collect();
        match self.sort {
            SortKey::Rule => {}
            SortKey::Severity => rows.sort_by_key(|i| f[*i as usize].severity),
            SortKey::Object => {
                rows.sort_by_cached_key(|i| crate::index::fold(f[*i as usize].object.name(b)))
            }
            SortKey::Attribute => rows.sort_by(|a, b| {
                let (x, y) = (&f[*a as usize], &f[*b as usize]);
                x.attribute.cmp(y.attribute).then(x.value.cmp(&y.value))
            }),
        }
        self.rows = rows;
        self.cursor.selected = self.cursor.selected.min(self.rows.len().saturating_sub(1));
        self.cursor.offset = self.cursor.offset.min(self.cursor.selected);
    }

    /// The rules (or classes) that have findings, in catalogue order: what the filters cycle.
    fn present_rules(&self) -> Vec<Rule> {
        let Some(c) = self.checked.as_deref() else {
            return Vec::new();
        };
        Rule::ALL
            .iter()
            .copied()
            .filter(|r| c.report.findings.iter().any(|f| f.rule == *r))
            .collect()
    }

    fn present_classes(&self) -> Vec<Class> {
        let mut v: Vec<Class> = Vec::new();
        for r in self.present_rules() {
            let k = r.info().class;
            if !v.contains(&k) {
                v.push(k);
            }
        }
        v
    }
}

/// `None → first → … → last → None`.
fn cycle<T: Copy + PartialEq>(now: Option<T>, all: &[T]) -> Option<T> {
    match now.and_then(|n| all.iter().position(|x| *x == n)) {
        None => all.first().copied(),
        Some(i) => all.get(i + 1).copied(),
    }
}

/// Rows above the table: the counts, the classes and the filter bar.
pub const SUMMARY_ROWS: u16 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadinessLayout {
    pub summary: Rect,
    pub table: Rect,
    pub detail: Rect,
}

impl ReadinessLayout {
    pub fn page(&self) -> usize {
        table_page(self.table)
    }
}

pub fn layout(body: Rect) -> ReadinessLayout {
    let [summary, rest] =
        Layout::vertical([Constraint::Length(SUMMARY_ROWS), Constraint::Min(6)]).areas(body);
    // The detail needs its lines more than the table needs rows on a short terminal.
    let share = if rest.height >= 28 { 55 } else { 45 };
    let table_rows = (rest.height * share / 100).max(5);
    let [table, detail] =
        Layout::vertical([Constraint::Length(table_rows), Constraint::Min(3)]).areas(rest);
    ReadinessLayout {
        summary,
        table,
        detail,
    }
}

const COLUMNS: [Column; 7] = [
    fixed("rule", 4, 0),
    fixed("severity", 8, 3),
    fixed("side", 5, 4),
    flex("object", 12, 3, 0),
    flex("attribute", 12, 1, 2),
    flex("value", 12, 3, 0),
    flex("the sync will", 14, 2, 1),
];

/// A value as the finding shows it: quoted (a trailing space shows), escaped for the terminal.
fn shown_value(v: &str) -> String {
    display_safe(&format!("{v:?}")).into_owned()
}

/// A name made safe for a file name (letters, digits and `-`; the rest `_`).
pub fn file_safe(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl App {
    pub fn readiness_layout(&self) -> ReadinessLayout {
        layout(self.frame().body)
    }

    /// Asks for a check of the plan on screen unless its findings are there or being made.
    pub fn refresh_readiness(&mut self) {
        let plan = &self.session.plan;
        let r = &self.readiness;
        let running = r.running_for.as_ref().is_some_and(|p| Arc::ptr_eq(p, plan));
        if r.current(plan).is_none() && !running {
            self.readiness.running_for = Some(Arc::clone(plan));
            self.effects.push_back(Effect::Check);
        }
    }

    /// A check came back; one for a plan no longer on screen is dropped (and the plan on
    /// screen checked, if the view is open).
    pub fn readiness_checked(&mut self, c: Checked) {
        if !Arc::ptr_eq(&c.plan, &self.session.plan) {
            if self
                .readiness
                .running_for
                .as_ref()
                .is_some_and(|p| Arc::ptr_eq(p, &c.plan))
            {
                self.readiness.running_for = None;
            }
            if self.view == View::Readiness {
                self.refresh_readiness();
            }
            return;
        }
        self.readiness.running_for = None;
        let n = c.report.findings.len();
        let took = c.took;
        self.readiness.checked = Some(Arc::new(c));
        self.readiness.refilter(&self.session.snapshot);
        self.readiness_changed();
        if self.view == View::Readiness {
            self.status = Some(format!(
                "checked in {:.0} ms: {n} finding(s) under the settings in force",
                took.as_secs_f64() * 1000.0
            ));
        }
    }

    fn readiness_changed(&mut self) {
        let page = self.readiness_layout().page();
        let r = &mut self.readiness;
        r.cursor.clamp(r.rows.len(), page);
    }

    fn readiness_show_object(&mut self) {
        let Some((f, _)) = self.readiness.selected() else {
            return;
        };
        let object = f.object;
        self.view = View::Explorer;
        match object {
            ObjectRef::OnPrem(i) => self.reveal(Pane::OnPrem, i),
            ObjectRef::Cloud(c) => self.reveal(Pane::Cloud, c),
        }
    }

    /// The file name a fix-script prompt starts with; none (and a reason) without a finding.
    pub fn readiness_script_name(&mut self, bulk: bool) -> Option<String> {
        let Some((f, _)) = self.readiness.selected() else {
            self.status = Some("no finding selected: c checks the snapshot".into());
            return None;
        };
        let id = f.rule.id();
        Some(if bulk {
            format!("syncscope-fix-{id}.ps1")
        } else {
            let name = file_safe(f.object.name(&self.session.snapshot));
            format!("syncscope-fix-{id}-{name}.ps1")
        })
    }

    /// The fix script of the selected finding, or (bulk) of every finding of its rule.
    pub fn readiness_script(&self, path: String, bulk: bool) -> Option<WriteRequest> {
        let (f, _) = self.readiness.selected()?;
        let c = self.readiness.checked.as_deref()?;
        let b = &self.session.snapshot;
        let (chosen, title): (Vec<&Finding>, String) = if bulk {
            let rule = f.rule;
            (
                c.report
                    .findings
                    .iter()
                    .filter(|x| x.rule == rule)
                    .collect(),
                format!("Readiness fixes ({}: {})", rule.id(), rule.info().title),
            )
        } else {
            (
                vec![f],
                format!("Readiness fix ({}: {})", f.rule.id(), f.rule.info().title),
            )
        };
        let contents = crate::check::fix_script(b, &chosen, &title, &self.source);
        Some(WriteRequest {
            path,
            contents,
            overwrite: false,
            what: if bulk {
                "bulk fix script"
            } else {
                "fix script"
            },
        })
    }

    /// The readiness view's actions; false when the action is not its.
    pub fn readiness_update(&mut self, action: Action) -> bool {
        let page = self.readiness_layout().page();
        let len = self.readiness.rows.len();
        let area = self.readiness_layout().table;
        let r = &mut self.readiness;
        if r.cursor.navigate(action, area, len, page) {
            return true;
        }
        match action {
            Action::ReadinessShowObject => self.readiness_show_object(),
            Action::ReadinessSeverity => {
                r.severity = cycle(r.severity, &[Severity::Error, Severity::Warning]);
                self.readiness_refiltered();
            }
            Action::ReadinessClass => {
                let all = r.present_classes();
                r.class = cycle(r.class, &all);
                self.readiness_refiltered();
            }
            Action::ReadinessRule => {
                let all = r.present_rules();
                r.rule = cycle(r.rule, &all);
                self.readiness_refiltered();
            }
            Action::ReadinessSort => {
                r.sort = r.sort.next();
                self.readiness_refiltered();
            }
            _ => return false,
        }
        true
    }

    fn readiness_refiltered(&mut self) {
        self.readiness.cursor = Cursor::default();
        self.readiness.refilter(&self.session.snapshot);
        self.readiness_changed();
        let r = &self.readiness;
        self.status = Some(format!(
            "{} finding(s) shown · severity {} · class {} · rule {} · sorted by {}",
            r.rows.len(),
            r.severity.map_or("all", |s| s.as_str()),
            r.class.map_or("all", |c| c.as_str()),
            r.rule.map_or("all", |r| r.id()),
            r.sort.label()
        ));
    }
}

pub fn draw(f: &mut Frame, s: &App, l: ReadinessLayout) {
    let t = &s.theme;
    let r = &s.readiness;
    let b = &s.session.snapshot;
    let current = r.current(&s.session.plan);
    let block = Block::bordered()
        .border_style(t.border(true))
        .title(Span::styled(
            "▶ Readiness · syncscope check (IdFix classes, cross-directory, hardening)",
            t.heading(),
        ));
    let Some(c) = current else {
        let what = if s.session.changed_settings() > 0 {
            "checking the snapshot under the what-if settings in force…"
        } else {
            "checking the snapshot…"
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(what, t.warn())),
                Line::from(Span::styled(
                    format!(
                        "{} on-prem and {} cloud objects; the screen stays live (Esc goes back)",
                        b.on_premises.len(),
                        b.cloud.len()
                    ),
                    t.dim(),
                )),
            ])
            .block(block),
            l.summary.union(l.table).union(l.detail),
        );
        return;
    };
    let findings = &c.report.findings;

    // Summary: counts by severity and side, then by class, then the filter bar.
    let errors = findings
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .count();
    let on_prem = findings
        .iter()
        .filter(|x| matches!(x.object, ObjectRef::OnPrem(_)))
        .count();
    let mut classes: Vec<(Class, usize)> = Vec::new();
    for x in findings {
        let k = x.rule.info().class;
        match classes.iter_mut().find(|(c, _)| *c == k) {
            Some((_, n)) => *n += 1,
            None => classes.push((k, 1)),
        }
    }
    let line1 = Line::from(vec![
        Span::styled(
            format!("{} finding(s)", findings.len()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(": "),
        Span::styled(format!("{errors} error(s)"), t.error()),
        Span::raw(", "),
        Span::styled(format!("{} warning(s)", findings.len() - errors), t.warn()),
        Span::styled(
            format!(
                " · {on_prem} on-prem, {} cloud · checked {} + {} objects in {:.0} ms",
                findings.len() - on_prem,
                c.report.checked_on_prem,
                c.report.checked_cloud,
                c.took.as_secs_f64() * 1000.0
            ),
            t.dim(),
        ),
    ]);
    let class_text = if classes.is_empty() {
        "no problem found: nothing to fix before the first sync".to_string()
    } else {
        classes
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let param = |key: &'static str, name: &'static str, value: String| {
        vec![
            Span::styled(format!("{key} "), t.key()),
            Span::styled(format!("{name} "), t.dim()),
            Span::styled(value, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
        ]
    };
    let mut bar = Vec::new();
    bar.extend(param(
        "v",
        "severity",
        r.severity.map_or("all", |x| x.as_str()).into(),
    ));
    bar.extend(param(
        "f",
        "class",
        r.class.map_or("all", |x| x.as_str()).into(),
    ));
    bar.extend(param("r", "rule", r.rule.map_or("all", |x| x.id()).into()));
    bar.extend(param("s", "sort", r.sort.label().into()));
    bar.push(Span::styled(format!("{} shown", r.rows.len()), t.dim()));
    let width = l.summary.width as usize;
    f.render_widget(
        Paragraph::new(vec![
            line1,
            Line::from(Span::raw(crate::tui::widgets::cut(&class_text, width))),
            Line::from(bar),
        ]),
        l.summary,
    );

    let cells = |i: usize| {
        let at = r.rows[i] as usize;
        let x = &findings[at];
        let sev = match x.severity {
            Severity::Error => t.error(),
            Severity::Warning => t.warn(),
        };
        vec![
            (x.rule.id().to_string(), sev),
            (x.severity.as_str().to_string(), sev),
            (
                match x.object {
                    ObjectRef::OnPrem(_) => "AD",
                    ObjectRef::Cloud(_) => "cloud",
                }
                .to_string(),
                Style::new(),
            ),
            (display_safe(x.object.name(b)).into_owned(), Style::new()),
            (x.attribute.to_string(), Style::new()),
            (shown_value(&x.value), t.changed()),
            (
                c.outcomes[at]
                    .as_ref()
                    .map_or("—".to_string(), |(_, class)| class.clone()),
                Style::new(),
            ),
        ]
    };
    WindowTable {
        columns: &COLUMNS,
        len: r.rows.len(),
        cursor: r.cursor,
        block,
        cells: &cells,
        theme: t,
    }
    .draw(f, l.table);
    if r.rows.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                if findings.is_empty() {
                    "(no finding: the snapshot is ready for its first sync)"
                } else {
                    "(no finding matches these filters: v, f and r cycle them back to all)"
                },
                t.dim(),
            )),
            l.table.inner(ratatui::layout::Margin::new(2, 2)),
        );
    }
    draw_detail(f, s, c, l.detail);
}

fn draw_detail(f: &mut Frame, s: &App, _c: &Checked, area: Rect) {
    let t = &s.theme;
    let b = &s.session.snapshot;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some((x, outcome)) = s.readiness.selected() {
        let info = x.rule.info();
        let label = |w: &'static str| Span::styled(format!("{w:<10}"), t.dim());
        lines.extend(labeled(
            Span::styled(format!("{} ", info.id), t.key()),
            &format!(
                "{} ({}, {})",
                info.title,
                info.class.as_str(),
                x.severity.as_str()
            ),
            Style::new().add_modifier(Modifier::BOLD),
            width,
        ));
        let side = match x.object {
            ObjectRef::OnPrem(_) => "on-prem",
            ObjectRef::Cloud(_) => "cloud",
        };
        lines.extend(labeled(
            label("object"),
            &display_safe(&format!("{side} {} ({})", x.object.name(b), x.object.id(b))),
            Style::new(),
            width,
        ));
        lines.extend(labeled(
            label("value"),
            &format!("{} = {}", x.attribute, shown_value(&x.value)),
            t.changed(),
            width,
        ));
        let will = match outcome {
            Some((o, class)) => {
                let whose = if matches!(x.object, ObjectRef::OnPrem(i) if i == *o) {
                    String::new()
                } else {
                    format!(
                        " (to {})",
                        b.on_premises.get(*o as usize).map_or("?", |o| o.name())
                    )
                };
                format!("{class}{whose} — {}", info.effect)
            }
            None => format!("no on-prem object syncs to it — {}", info.effect),
        };
        lines.extend(labeled(
            Span::styled(format!("{:<10}", "sync will"), t.key()),
            &display_safe(&will),
            t.warn(),
            width,
        ));
        lines.extend(labeled(
            Span::styled(format!("{:<10}", "fix"), t.key()),
            &display_safe(&x.fix),
            Style::new(),
            width,
        ));
        if x.commands.is_empty() {
            lines.extend(labeled(
                label("commands"),
                "none: the fix needs a decision first (the script lists it as a comment)",
                t.dim(),
                width,
            ));
        }
        for cmd in x.commands.iter().flat_map(|c| c.lines()) {
            lines.extend(labeled(label("  PS>"), &display_safe(&cmd), t.ok(), width));
        }
        lines.extend(labeled(
            label("problem"),
            &display_safe(&x.detail),
            Style::new(),
            width,
        ));
        if let Some(other) = x.conflicts_with {
            lines.extend(labeled(
                label("held by"),
                &display_safe(&format!(
                    "{} {} ({})",
                    other.side(),
                    other.name(b),
                    other.id(b)
                )),
                Style::new(),
                width,
            ));
        }
        if let Some(v) = &x.suggested {
            lines.extend(labeled(label("suggested"), &shown_value(v), t.ok(), width));
        }
        lines.extend(labeled(
            label("source"),
            &format!("{} · rule book {}", info.source, info.book),
            t.dim(),
            width,
        ));
    } else {
        lines.push(Line::from(Span::styled(
            "Select a finding to see its rule, what the sync does and the fix.",
            t.dim(),
        )));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(t.border(false))
                .title(Span::styled(
                    " finding · o writes its fix script, O the script for every finding of its rule ",
                    t.dim(),
                )),
        ),
        area,
    );
}
