//! The provisioning-error view: the errors already on cloud objects and those the next sync adds,
//! filtered by a query bar that mirrors Get-MsolDirSyncProvisioningError (rule book §7).

use super::state::Cursor;
use crate::apply::apply_plan;
use crate::index::{CloudIndex, fold};
use crate::model::{Bundle, ConnectSettings, PropertyName, strip_smtp_prefix};
use crate::plan::Plan;
use crate::query::{ErrorQuery, ErrorRow, Limit, error_rows};
use crate::settings::Settings;
use std::collections::HashSet;

/// Rows above the table: the query bar and the three equivalent command lines.
pub const HEADER_ROWS: u16 = 5;

/// Where Enter on an error takes the admin in the explorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A cloud object of the snapshot (index).
    Cloud(u32),
    /// An on-prem object whose new cloud object the next sync creates (outcome index).
    OnPrem(u32),
}

#[derive(Clone, Debug)]
pub struct ErrorLine {
    pub row: ErrorRow,
    /// The object that holds the conflicting value, for people.
    pub holder: Option<String>,
    pub target: Option<Target>,
}

/// A text field of the query bar being edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    PropertyValue,
    SearchString,
    MaxResults,
    /// Where to write the walkthrough's remediation script.
    ScriptPath,
    /// Where to save the walkthrough as a scenario file.
    ScenarioPath,
    /// The SamAccountName,CloudUPN file for a bulk hard match.
    CsvPath,
    /// Where to write the bulk hard match script.
    BulkScriptPath,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::PropertyValue => "-PropertyValue",
            Field::SearchString => "-SearchString",
            Field::MaxResults => "-MaxResults",
            Field::ScriptPath => "write the script to",
            Field::ScenarioPath => "save the scenario to",
            Field::CsvPath => "SamAccountName,CloudUPN file",
            Field::BulkScriptPath => "write the bulk script to",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ErrorsView {
    pub query: ErrorQuery,
    pub lines: Vec<ErrorLine>,
    /// Indices into `lines` the query selects, in its order.
    pub hits: Vec<u32>,
    /// How many matched before -MaxResults cut them.
    pub total: usize,
    pub cursor: Cursor,
    /// The field being edited and its text so far.
    pub editing: Option<(Field, String)>,
    /// The lines were computed for older settings.
    pub stale: bool,
}

impl ErrorsView {
    pub fn new() -> Self {
        ErrorsView {
            stale: true,
            ..ErrorsView::default()
        }
    }

    /// Recomputes the error lines: the snapshot's errors plus what applying `plan` adds.
    pub fn rebuild(
        &mut self,
        bundle: &Bundle,
        plan: &Plan,
        settings: &Settings,
        connect: &ConnectSettings,
    ) {
        let before: HashSet<(uuid::Uuid, String, String)> = error_rows(bundle)
            .into_iter()
            .map(|r| (r.object_id, r.property_name, r.value))
            .collect();
        let mut next = bundle.clone();
        next.settings = *settings;
        next.connect = connect.clone();
        let now = next.captured_date_time.clone();
        apply_plan(&mut next, plan, now.as_deref());
        let index = CloudIndex::build(&next);
        let snapshot_pos: std::collections::HashMap<uuid::Uuid, u32> = bundle
            .cloud
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        // New objects come from on-prem objects: find the source through the plan's anchors.
        let by_anchor: std::collections::HashMap<&str, u32> = plan
            .outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| (o.source_anchor.as_str(), i as u32))
            .collect();
        self.lines = error_rows(&next)
            .into_iter()
            .map(|mut row| {
                row.new_in_next_sync = !before.contains(&(
                    row.object_id,
                    row.property_name.clone(),
                    row.value.clone(),
                ));
                let ns = PropertyName::parse(&row.property_name);
                let holder = ns.and_then(|ns| {
                    let key = fold(strip_smtp_prefix(&row.value));
                    index
                        .holders(ns, &key)
                        .iter()
                        .map(|h| &next.cloud[*h as usize])
                        .find(|c| c.id != row.object_id)
                        .map(|c| match c.principal() {
                            Some(p) => format!("{} <{p}>", c.name()),
                            None => c.name().to_string(),
                        })
                });
                let target = match snapshot_pos.get(&row.object_id) {
                    Some(i) => Some(Target::Cloud(*i)),
                    None => next
                        .cloud
                        .iter()
                        .find(|c| c.id == row.object_id)
                        .and_then(|c| c.on_premises_immutable_id.as_deref())
                        .and_then(|a| by_anchor.get(a))
                        .map(|o| Target::OnPrem(*o)),
                };
                ErrorLine {
                    row,
                    holder,
                    target,
                }
            })
            .collect();
        self.stale = false;
        self.run_query();
    }

    pub fn run_query(&mut self) {
        let (hits, total) = self.query.select(&self.lines, |l| &l.row);
        self.hits = hits.into_iter().map(|i| i as u32).collect();
        self.total = total;
        // Keep the selection in range; `update` scrolls it into view with the real page size.
        self.cursor.selected = self.cursor.selected.min(self.hits.len().saturating_sub(1));
        self.cursor.offset = self.cursor.offset.min(self.cursor.selected);
    }

    pub fn selected(&self) -> Option<&ErrorLine> {
        self.hits
            .get(self.cursor.selected)
            .map(|i| &self.lines[*i as usize])
    }

    /// Applies an edited field; refuses what the cmdlet refuses, with the reason.
    pub fn commit_edit(&mut self, field: Field, text: String) -> Result<(), String> {
        let value = (!text.is_empty()).then_some(text);
        match field {
            Field::PropertyValue => {
                if value.is_some() && self.query.property_name.is_none() {
                    return Err("-PropertyValue needs -PropertyName first (p chooses UserPrincipalName or ProxyAddresses)".into());
                }
                self.query.property_value = value;
            }
            Field::SearchString => self.query.search_string = value,
            Field::ScriptPath | Field::ScenarioPath | Field::CsvPath | Field::BulkScriptPath => {
                return Ok(());
            }
            Field::MaxResults => {
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

    /// Cycles -PropertyName: any → UserPrincipalName → ProxyAddresses → any. Without a
    /// PropertyName a PropertyValue is dropped, as the cmdlet allows it only with one.
    pub fn cycle_property_name(&mut self) {
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
