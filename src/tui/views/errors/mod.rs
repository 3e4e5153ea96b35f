//! The provisioning-error view: the errors already on cloud objects and those the next sync adds,
//! filtered by a query bar that mirrors Get-MsolDirSyncProvisioningError (rule book §7). The
//! error lines are built by a background job (`Session::error_lines`) whenever the plan changed.

use crate::query::{ErrorQuery, Limit, SortDirection, SortField};
use crate::sanitize::display_safe;
use crate::session::{ErrorLine, Target};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::views::View;
use crate::tui::views::explorer::Pane;
use crate::tui::views::prompt::QueryField;
use crate::tui::widgets::{Column, Cursor, WindowTable, fixed, flex, table_page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Rows above the table: the query bar (two lines, it wraps at 80 columns), the three
/// equivalent command lines and the count.
pub const HEADER_ROWS: u16 = 6;

#[derive(Clone, Debug, Default)]
pub struct ErrorsView {
    pub query: ErrorQuery,
    pub lines: Vec<ErrorLine>,
    /// Indices into `lines` the query selects, in its order.
    pub hits: Vec<u32>,
    /// How many matched before -MaxResults cut them.
    pub total: usize,
    pub cursor: Cursor,
    /// The lines were built for an older plan (or never).
    pub stale: bool,
    /// A rebuild is running in the background.
    pub building: bool,
    /// The plan the running rebuild is for.
    building_for: Option<std::sync::Arc<crate::plan::Plan>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorsLayout {
    pub bar: Rect,
    pub table: Rect,
}

impl ErrorsLayout {
    pub fn page(&self) -> usize {
        table_page(self.table)
    }
}

pub fn layout(body: Rect) -> ErrorsLayout {
    let [bar, table] =
        Layout::vertical([Constraint::Length(HEADER_ROWS), Constraint::Min(3)]).areas(body);
    ErrorsLayout { bar, table }
}

/// The table's columns; the least important go first on a narrow terminal.
const COLUMNS: [Column; 7] = [
    flex("display name", 10, 2, 0),
    fixed("type", 5, 5),
    flex("UPN", 12, 3, 3),
    fixed("property", 17, 4),
    flex("conflicting value", 14, 3, 0),
    flex("value held by", 12, 3, 1),
    fixed("when", 20, 2),
];

impl ErrorsView {
    pub fn new() -> Self {
        ErrorsView {
            stale: true,
            ..ErrorsView::default()
        }
    }

    pub fn run_query(&mut self) {
        let (hits, total) = self.query.select(&self.lines, |l| &l.row);
        self.hits = hits.into_iter().map(|i| i as u32).collect();
        self.total = total;
        self.cursor.selected = self.cursor.selected.min(self.hits.len().saturating_sub(1));
        self.cursor.offset = self.cursor.offset.min(self.cursor.selected);
    }

    pub fn selected(&self) -> Option<&ErrorLine> {
        self.hits
            .get(self.cursor.selected)
            .map(|i| &self.lines[*i as usize])
    }

    /// Applies an edited field; refuses what the cmdlet refuses, with the reason.
    pub fn set_field(&mut self, field: QueryField, text: String) -> Result<(), String> {
        let value = (!text.is_empty()).then_some(text);
        match field {
            QueryField::PropertyValue => {
                if value.is_some() && self.query.property_name.is_none() {
                    return Err("-PropertyValue needs -PropertyName first (p chooses UserPrincipalName or ProxyAddresses)".into());
                }
                self.query.property_value = value;
            }
            QueryField::SearchString => self.query.search_string = value,
            QueryField::MaxResults => {
                self.query.limit = match value {
                    None => Limit::Default,
                    Some(v) => match v.trim().parse::<usize>() {
                        Ok(n) if n > 0 => Limit::MaxResults(n),
                        _ => {
                            return Err(format!(
                                "-MaxResults takes a whole number above 0, not {v:?}"
                            ));
                        }
                    },
                };
            }
        }
        self.run_query();
        Ok(())
    }

    /// The current text of a field (what the prompt starts with).
    pub fn field_text(&self, field: QueryField) -> String {
        match field {
            QueryField::PropertyValue => self.query.property_value.clone().unwrap_or_default(),
            QueryField::SearchString => self.query.search_string.clone().unwrap_or_default(),
            QueryField::MaxResults => match self.query.limit {
                Limit::MaxResults(n) => n.to_string(),
                _ => String::new(),
            },
        }
    }

    /// Cycles -PropertyName: any → UserPrincipalName → ProxyAddresses → any. Without a
    /// PropertyName a PropertyValue is dropped, as the cmdlet allows it only with one.
    pub fn cycle_property_name(&mut self) {
        use crate::model::PropertyName;
        self.query.property_name = match self.query.property_name {
            None => Some(PropertyName::UserPrincipalName),
            Some(PropertyName::UserPrincipalName) => Some(PropertyName::ProxyAddresses),
            Some(PropertyName::ProxyAddresses) => None,
        };
        if self.query.property_name.is_none() {
            self.query.property_value = None;
        }
        self.run_query();
    }
}

impl App {
    pub fn errors_layout(&self) -> ErrorsLayout {
        layout(self.frame().body)
    }

    /// Asks for the error lines to be rebuilt if the plan changed since (a rebuild already
    /// running for an older plan becomes stale).
    pub fn refresh_errors(&mut self) {
        let running = self
            .errors
            .building_for
            .as_ref()
            .is_some_and(|p| std::sync::Arc::ptr_eq(p, &self.session.plan));
        if self.errors.stale && !running {
            self.errors.building = true;
            self.errors.building_for = Some(std::sync::Arc::clone(&self.session.plan));
            self.effects.push_back(Effect::RebuildErrors);
        }
    }

    /// The rebuilt lines arrived; lines for a plan that is no longer shown are dropped.
    pub fn errors_built(
        &mut self,
        plan: &std::sync::Arc<crate::plan::Plan>,
        lines: Vec<ErrorLine>,
    ) {
        self.errors.building = false;
        self.errors.building_for = None;
        if !std::sync::Arc::ptr_eq(plan, &self.session.plan) {
            if self.view == View::Errors {
                self.refresh_errors();
            }
            return;
        }
        self.errors.lines = lines;
        self.errors.stale = false;
        self.errors.building = false;
        self.errors.run_query();
        self.errors_changed();
    }

    pub fn errors_changed(&mut self) {
        let page = self.errors_layout().page();
        let e = &mut self.errors;
        e.cursor.clamp(e.hits.len(), page);
        if self.status.is_none() && !self.errors.building {
            self.status = Some(format!(
                "{} of {} errors · {}",
                self.errors.hits.len(),
                self.errors.total,
                self.errors.query.cmdlet_line()
            ));
        }
    }

    /// Enter on an error: the explorer, with the object that carries it selected.
    fn error_show_object(&mut self) {
        let Some(target) = self.errors.selected().and_then(|l| l.target) else {
            self.status = Some("this error's object is not in the snapshot".into());
            return;
        };
        self.view = View::Explorer;
        match target {
            Target::Cloud(c) => self.reveal(Pane::Cloud, c),
            Target::OnPrem(o) => self.reveal(Pane::OnPrem, o),
        }
    }

    fn copy_text(&mut self, what: &str, text: String) {
        self.status = Some(format!("copied {what} to the clipboard (OSC 52)"));
        self.effects.push_back(Effect::Clipboard(text));
    }

    /// The errors view's actions; false when the action is not its.
    pub fn errors_update(&mut self, action: Action) -> bool {
        let page = self.errors_layout().page();
        let len = self.errors.hits.len();
        let area = self.errors_layout().table;
        let e = &mut self.errors;
        if e.cursor.navigate(action, area, len, page) {
            return true;
        }
        match action {
            Action::ErrorShowObject => self.error_show_object(),
            Action::ErrorPropertyName => {
                e.cycle_property_name();
                self.errors_changed();
            }
            Action::ErrorSortField => {
                let i = SortField::ALL
                    .iter()
                    .position(|f| *f == e.query.sort_field)
                    .unwrap_or(0);
                e.query.sort_field = SortField::ALL[(i + 1) % SortField::ALL.len()];
                e.run_query();
                self.errors_changed();
            }
            Action::ErrorSortDirection => {
                e.query.sort_direction = match e.query.sort_direction {
                    SortDirection::Ascending => SortDirection::Descending,
                    SortDirection::Descending => SortDirection::Ascending,
                };
                e.run_query();
                self.errors_changed();
            }
            Action::ErrorAllToggle => {
                e.query.limit = match e.query.limit {
                    Limit::All => Limit::Default,
                    _ => Limit::All,
                };
                e.run_query();
                self.errors_changed();
            }
            Action::CopyCmdlet => {
                let line = e.query.cmdlet_line();
                self.copy_text("the cmdlet line", line);
            }
            Action::CopyGraph => {
                let line = e.query.graph_powershell();
                self.copy_text("the Graph line", line);
            }
            Action::CopyCommand => {
                let cmd = e.query.syncscope_command(&self.source, true);
                self.copy_text("the syncscope command", cmd);
            }
            _ => return false,
        }
        true
    }
}

pub fn draw(f: &mut Frame, s: &App, l: ErrorsLayout) {
    let t = &s.theme;
    let e = &s.errors;
    let q = &e.query;
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
    let [params, commands] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(HEADER_ROWS - 2)]).areas(l.bar);
    f.render_widget(
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
        params,
    );
    let new = e
        .hits
        .iter()
        .filter(|i| e.lines[**i as usize].row.new_in_next_sync)
        .count();
    let width = l.bar.width as usize;
    let command = |label: &'static str, text: String| {
        Line::from(vec![
            Span::styled(label, t.dim()),
            Span::raw(crate::tui::widgets::cut(
                &display_safe(&text),
                width.saturating_sub(label.len()),
            )),
        ])
    };
    let count = if e.building {
        Line::from(Span::styled(
            "building the error list for the current plan…",
            t.warn(),
        ))
    } else {
        Line::from(vec![
            Span::styled(
                format!("{} of {} errors", e.hits.len(), e.total),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                " · {new} added by the next sync (⊕) · Enter shows the object"
            )),
        ])
    };
    f.render_widget(
        Paragraph::new(vec![
            command("MSOnline   ", q.cmdlet_line()),
            command("Graph      ", q.graph_powershell()),
            command("syncscope  ", q.syncscope_command(&s.source, true)),
            count,
        ]),
        commands,
    );
    let cells = |i: usize| {
        let line = &e.lines[e.hits[i] as usize];
        let r = &line.row;
        let when = if r.new_in_next_sync {
            ("⊕ next sync".to_string(), t.warn())
        } else {
            (
                r.occurred_date_time.clone().unwrap_or_else(|| "—".into()),
                Style::new(),
            )
        };
        vec![
            (display_safe(&r.display_name).into_owned(), Style::new()),
            (r.object_type.to_string(), Style::new()),
            (
                display_safe(r.user_principal_name.as_deref().unwrap_or("—")).into_owned(),
                Style::new(),
            ),
            (r.property_name.clone(), Style::new()),
            (display_safe(&r.value).into_owned(), t.changed()),
            (
                display_safe(line.holder.as_deref().unwrap_or("—")).into_owned(),
                Style::new(),
            ),
            when,
        ]
    };
    WindowTable {
        columns: &COLUMNS,
        len: e.hits.len(),
        cursor: e.cursor,
        block: Block::bordered()
            .border_style(t.border(true))
            .title(Span::styled(
                "▶ Provisioning errors · PropertyConflict",
                t.heading(),
            )),
        cells: &cells,
        theme: t,
    }
    .draw(f, l.table);
    if e.hits.is_empty() && !e.building {
        f.render_widget(
            Paragraph::new(Span::styled(
                "(no provisioning error matches this query)",
                t.dim(),
            )),
            l.table.inner(ratatui::layout::Margin::new(2, 2)),
        );
    }
}
