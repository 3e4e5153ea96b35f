//! Provisioning-error queries, a mirror of `Get-MsolDirSyncProvisioningError` (rule book §7):
//! `-ErrorCategory PropertyConflict` (always), `-PropertyName`, `-PropertyValue` (only with a
//! PropertyName), `-SearchString`, `-SortField`, `-SortDirection`, `-MaxResults` or `-All`.
//! Argument values are case-sensitive, as the cmdlet's are.

use crate::apply::sync_cycle;
use crate::model::{Bundle, PropertyName, strip_smtp_prefix};
use crate::quote::{ps_quote, sh_quote};
use std::collections::HashSet;
use uuid::Uuid;

/// The cmdlet's default `-MaxResults`.
pub const DEFAULT_MAX_RESULTS: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SortField {
    #[default]
    None,
    DisplayName,
    UserPrincipalName,
}

impl SortField {
    pub const ALL: [SortField; 3] = [
        SortField::None,
        SortField::DisplayName,
        SortField::UserPrincipalName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortField::None => "None",
            SortField::DisplayName => "DisplayName",
            SortField::UserPrincipalName => "UserPrincipalName",
        }
    }

    /// Case-sensitive, as the cmdlet's arguments.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SortDirection {
    #[default]
    Ascending,
    Descending,
}

impl SortDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDirection::Ascending => "Ascending",
            SortDirection::Descending => "Descending",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Ascending" => Some(SortDirection::Ascending),
            "Descending" => Some(SortDirection::Descending),
            _ => None,
        }
    }
}

/// How many rows: `-MaxResults N` or `-All` (mutually exclusive).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Limit {
    /// The default when neither is given.
    Default,
    MaxResults(usize),
    All,
}

impl Limit {
    pub fn count(self) -> usize {
        match self {
            Limit::Default => DEFAULT_MAX_RESULTS,
            Limit::MaxResults(n) => n,
            Limit::All => usize::MAX,
        }
    }
}

/// A query as the cmdlet takes it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ErrorQuery {
    pub property_name: Option<PropertyName>,
    pub property_value: Option<String>,
    pub search_string: Option<String>,
    pub sort_field: SortField,
    pub sort_direction: SortDirection,
    pub limit: Limit,
}

impl Default for ErrorQuery {
    fn default() -> Self {
        ErrorQuery {
            property_name: None,
            property_value: None,
            search_string: None,
            sort_field: SortField::None,
            sort_direction: SortDirection::Ascending,
            limit: Limit::Default,
        }
    }
}

/// A query the cmdlet would refuse, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRefused(pub String);

impl ErrorQuery {
    /// §7: PropertyValue only together with PropertyName.
    pub fn validate(&self) -> Result<(), QueryRefused> {
        if self.property_value.is_some() && self.property_name.is_none() {
            return Err(QueryRefused(
                "-PropertyValue requires -PropertyName (UserPrincipalName or ProxyAddresses)"
                    .into(),
            ));
        }
        Ok(())
    }

    fn matches(&self, row: &ErrorRow) -> bool {
        if let Some(p) = self.property_name
            && row.property_name != p.as_str()
        {
            return false;
        }
        if let Some(v) = &self.property_value {
            // Exact and case-sensitive; a proxy value also matches without its prefix.
            if row.value != *v && strip_smtp_prefix(&row.value) != v {
                return false;
            }
        }
        if let Some(s) = &self.search_string {
            // A broad search: a prefix of the display name, the UPN, or the value.
            let hit = row.display_name.starts_with(s.as_str())
                || row
                    .user_principal_name
                    .as_deref()
                    .is_some_and(|u| u.starts_with(s.as_str()))
                || strip_smtp_prefix(&row.value).starts_with(s.as_str())
                || row.value.starts_with(s.as_str());
            if !hit {
                return false;
            }
        }
        true
    }

    /// Runs the query over items in input order; returns the indices of the selected items
    /// in the query's order and how many matched before `-MaxResults` cut them.
    pub fn select<T>(&self, items: &[T], row: impl Fn(&T) -> &ErrorRow) -> (Vec<usize>, usize) {
        let mut hits: Vec<usize> = (0..items.len())
            .filter(|i| self.matches(row(&items[*i])))
            .collect();
        let key = |r: &ErrorRow| -> String {
            match self.sort_field {
                SortField::None => String::new(),
                SortField::DisplayName => r.display_name.to_lowercase(),
                SortField::UserPrincipalName => r
                    .user_principal_name
                    .as_deref()
                    .unwrap_or("")
                    .to_lowercase(),
            }
        };
        if self.sort_field != SortField::None {
            hits.sort_by_cached_key(|i| key(row(&items[*i])));
            // The direction orders a sort field; without one the input order stands.
            if self.sort_direction == SortDirection::Descending {
                hits.reverse();
            }
        }
        let total = hits.len();
        hits.truncate(self.limit.count());
        (hits, total)
    }

    /// [`select`](Self::select) over plain rows, returning the rows.
    pub fn run<'a>(&self, rows: &'a [ErrorRow]) -> (Vec<&'a ErrorRow>, usize) {
        let (hits, total) = self.select(rows, |r| r);
        (hits.into_iter().map(|i| &rows[i]).collect(), total)
    }

    /// The equivalent MSOnline command line (retired, but what admins remember).
    pub fn cmdlet_line(&self) -> String {
        let mut line =
            String::from("Get-MsolDirSyncProvisioningError -ErrorCategory PropertyConflict");
        if let Some(p) = self.property_name {
            line += &format!(" -PropertyName {}", p.as_str());
        }
        if let Some(v) = &self.property_value {
            line += &format!(" -PropertyValue {}", ps_quote(v));
        }
        if let Some(s) = &self.search_string {
            line += &format!(" -SearchString {}", ps_quote(s));
        }
        if self.sort_field != SortField::None {
            line += &format!(" -SortField {}", self.sort_field.as_str());
        }
        if self.sort_direction != SortDirection::Ascending {
            line += &format!(" -SortDirection {}", self.sort_direction.as_str());
        }
        match self.limit {
            Limit::Default => {}
            Limit::MaxResults(n) => line += &format!(" -MaxResults {n}"),
            Limit::All => line += " -All",
        }
        line
    }

    /// The Microsoft Graph equivalent. Graph cannot filter on onPremisesProvisioningErrors
    /// server-side, so the query selects the property and filters on the client with `-ceq`
    /// (case-sensitive, like the cmdlet).
    pub fn graph_powershell(&self) -> String {
        let mut conditions: Vec<String> = Vec::new();
        if let Some(p) = self.property_name {
            conditions.push(format!(
                "$_.PropertyCausingError -ceq {}",
                ps_quote(p.as_str())
            ));
        }
        if let Some(v) = &self.property_value {
            conditions.push(format!("$_.Value -ceq {}", ps_quote(v)));
        }
        let error_filter = if conditions.is_empty() {
            "$_.OnPremisesProvisioningErrors".to_string()
        } else {
            format!(
                "$_.OnPremisesProvisioningErrors | Where-Object {{ {} }}",
                conditions.join(" -and ")
            )
        };
        let mut line = format!(
            "Get-MgUser -All -Property Id,DisplayName,UserPrincipalName,OnPremisesProvisioningErrors | Where-Object {{ {error_filter} }}"
        );
        if let Some(s) = &self.search_string {
            line += &format!(
                " | Where-Object {{ $_.DisplayName.StartsWith({q}) -or $_.UserPrincipalName.StartsWith({q}) }}",
                q = ps_quote(s)
            );
        }
        if self.sort_field != SortField::None {
            line += &format!(" | Sort-Object {}", self.sort_field.as_str());
            if self.sort_direction == SortDirection::Descending {
                line += " -Descending";
            }
        }
        if self.limit != Limit::All {
            line += &format!(" | Select-Object -First {}", self.limit.count());
        }
        line
    }

    /// The Graph REST request behind it (groups and contacts: the same on /groups, /contacts).
    pub fn graph_request(&self) -> &'static str {
        "GET https://graph.microsoft.com/v1.0/users?$select=id,displayName,userPrincipalName,onPremisesProvisioningErrors"
    }

    /// The `syncscope errors` command for this query.
    pub fn syncscope_command(&self, snapshot: &str, after_sync: bool) -> String {
        let mut line = format!("syncscope errors {}", sh_quote(snapshot));
        if after_sync {
            line += " --after-sync";
        }
        if let Some(p) = self.property_name {
            line += &format!(" --property-name {}", p.as_str());
        }
        if let Some(v) = &self.property_value {
            line += &format!(" --property-value {}", sh_quote(v));
        }
        if let Some(s) = &self.search_string {
            line += &format!(" --search-string {}", sh_quote(s));
        }
        if self.sort_field != SortField::None {
            line += &format!(" --sort-field {}", self.sort_field.as_str());
        }
        if self.sort_direction != SortDirection::Ascending {
            line += &format!(" --sort-direction {}", self.sort_direction.as_str());
        }
        match self.limit {
            Limit::Default => {}
            Limit::MaxResults(n) => line += &format!(" --max-results {n}"),
            Limit::All => line += " --all",
        }
        line
    }
}

/// One provisioning error on one cloud object (errors --json, interfaces §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorRow {
    pub object_id: Uuid,
    pub display_name: String,
    pub object_type: &'static str,
    pub user_principal_name: Option<String>,
    pub category: String,
    pub property_name: String,
    pub value: String,
    pub occurred_date_time: Option<String>,
    /// Added by the next sync (not in the snapshot).
    pub new_in_next_sync: bool,
}

/// Every provisioning error on the active cloud objects, in tenant order.
pub fn error_rows(b: &Bundle) -> Vec<ErrorRow> {
    let mut rows = Vec::new();
    for c in b.cloud.iter().filter(|c| !c.is_deleted()) {
        for e in &c.on_premises_provisioning_errors {
            rows.push(ErrorRow {
                object_id: c.id,
                display_name: c.display_name.as_deref().unwrap_or_default().to_string(),
                object_type: c.object_type.as_str(),
                user_principal_name: c.user_principal_name.as_deref().map(String::from),
                category: e.category.to_string(),
                property_name: e.property_causing_error.to_string(),
                value: e.value.to_string(),
                occurred_date_time: e.occurred_date_time.as_deref().map(String::from),
                new_in_next_sync: false,
            });
        }
    }
    rows
}

/// The errors after the next sync cycle: those already there and those it adds (marked).
pub fn error_rows_after_sync(b: &Bundle) -> Vec<ErrorRow> {
    let before: HashSet<(Uuid, String, String)> = error_rows(b)
        .into_iter()
        .map(|r| (r.object_id, r.property_name, r.value))
        .collect();
    let mut next = b.clone();
    let now = next.captured_date_time.clone();
    sync_cycle(&mut next, now.as_deref());
    let mut rows = error_rows(&next);
    for r in &mut rows {
        r.new_in_next_sync =
            !before.contains(&(r.object_id, r.property_name.clone(), r.value.clone()));
    }
    rows
}

pub fn row_json(r: &ErrorRow) -> serde_json::Value {
    serde_json::json!({
        "objectId": r.object_id.to_string(),
        "displayName": r.display_name,
        "objectType": r.object_type,
        "userPrincipalName": r.user_principal_name,
        "category": r.category,
        "propertyName": r.property_name,
        "value": r.value,
        "occurredDateTime": r.occurred_date_time,
        "newInNextSync": r.new_in_next_sync,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, upn: &str, prop: PropertyName, value: &str) -> ErrorRow {
        ErrorRow {
            object_id: Uuid::nil(),
            display_name: name.into(),
            object_type: "user",
            user_principal_name: Some(upn.into()),
            category: "PropertyConflict".into(),
            property_name: prop.as_str().into(),
            value: value.into(),
            occurred_date_time: None,
            new_in_next_sync: false,
        }
    }

    fn rows() -> Vec<ErrorRow> {
        vec![
            row(
                "Zoe",
                "zoe1234@c.onmicrosoft.com",
                PropertyName::UserPrincipalName,
                "zoe@contoso.com",
            ),
            row(
                "adam",
                "adam@contoso.com",
                PropertyName::ProxyAddresses,
                "smtp:sales@contoso.com",
            ),
            row(
                "Bob",
                "bob@contoso.com",
                PropertyName::ProxyAddresses,
                "SMTP:Bob@contoso.com",
            ),
        ]
    }

    fn names(q: &ErrorQuery, rows: &[ErrorRow]) -> Vec<String> {
        q.run(rows)
            .0
            .iter()
            .map(|r| r.display_name.clone())
            .collect()
    }

    #[test]
    fn each_parameter_filters() {
        let rows = rows();
        let q = ErrorQuery {
            property_name: Some(PropertyName::ProxyAddresses),
            ..ErrorQuery::default()
        };
        assert_eq!(names(&q, &rows), ["adam", "Bob"]);
        let q = ErrorQuery {
            property_name: Some(PropertyName::ProxyAddresses),
            property_value: Some("sales@contoso.com".into()),
            ..ErrorQuery::default()
        };
        assert_eq!(names(&q, &rows), ["adam"]);
        let q = ErrorQuery {
            search_string: Some("Zo".into()),
            ..ErrorQuery::default()
        };
        assert_eq!(names(&q, &rows), ["Zoe"]);
    }

    #[test]
    fn argument_values_are_case_sensitive() {
        let rows = rows();
        let q = ErrorQuery {
            property_name: Some(PropertyName::ProxyAddresses),
            property_value: Some("bob@contoso.com".into()),
            ..ErrorQuery::default()
        };
        assert!(names(&q, &rows).is_empty(), "Bob@ ≠ bob@");
        let q = ErrorQuery {
            search_string: Some("zo".into()),
            ..ErrorQuery::default()
        };
        // "zo" is a prefix of Zoe's UPN, not of her display name.
        assert_eq!(names(&q, &rows), ["Zoe"]);
        let q = ErrorQuery {
            search_string: Some("ZOE".into()),
            ..ErrorQuery::default()
        };
        assert!(names(&q, &rows).is_empty());
        assert_eq!(PropertyName::parse("userprincipalname"), None);
        assert_eq!(SortField::parse("displayname"), None);
    }

    #[test]
    fn property_value_needs_property_name() {
        let q = ErrorQuery {
            property_value: Some("x".into()),
            ..ErrorQuery::default()
        };
        assert!(
            q.validate()
                .unwrap_err()
                .0
                .contains("requires -PropertyName")
        );
    }

    #[test]
    fn sorting_and_limits() {
        let rows = rows();
        let mut q = ErrorQuery {
            sort_field: SortField::DisplayName,
            ..ErrorQuery::default()
        };
        assert_eq!(names(&q, &rows), ["adam", "Bob", "Zoe"]);
        q.sort_direction = SortDirection::Descending;
        assert_eq!(names(&q, &rows), ["Zoe", "Bob", "adam"]);
        q.sort_field = SortField::None;
        assert_eq!(
            names(&q, &rows),
            ["Zoe", "adam", "Bob"],
            "None keeps the input order"
        );
        q.limit = Limit::MaxResults(1);
        let (hits, total) = q.run(&rows);
        assert_eq!((hits.len(), total), (1, 3));
        assert_eq!(
            q.cmdlet_line(),
            "Get-MsolDirSyncProvisioningError -ErrorCategory PropertyConflict -SortDirection Descending -MaxResults 1"
        );
    }

    #[test]
    fn generated_commands_quote_values() {
        let q = ErrorQuery {
            property_name: Some(PropertyName::UserPrincipalName),
            property_value: Some("o'neil@contoso.com".into()),
            limit: Limit::All,
            ..ErrorQuery::default()
        };
        assert!(
            q.cmdlet_line()
                .ends_with("-PropertyValue 'o''neil@contoso.com' -All")
        );
        assert!(
            q.graph_powershell()
                .contains("$_.Value -ceq 'o''neil@contoso.com'")
        );
        assert_eq!(
            q.syncscope_command("my tenant.json", true),
            "syncscope errors 'my tenant.json' --after-sync --property-name UserPrincipalName --property-value 'o'\\''neil@contoso.com' --all"
        );
    }
}
