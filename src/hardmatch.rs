//! Bulk hard match from the `SamAccountName,CloudUPN` CSV admins already use: each pair is
//! resolved in the snapshot, its ImmutableID computed from the configured source anchor (A1,
//! A2) and checked first (M3, X1, hardening); the passing rows are planned together and get a
//! script; every other row is reported by line, never dropped.

use crate::anchor::Anchor;
use crate::error::InputError;
use crate::index::{CloudIndex, fold};
use crate::model::{Bundle, ObjectKind, Text, domain_of};
use crate::outcome::SyncResult;
use crate::plan::plan;
use crate::remediation::{Command, ScriptStep, render_script};
use crate::settings::Setting;
use crate::walkthrough::describe_outcome;
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// One data row of the CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRow {
    /// Line in the file (1 = the header).
    pub line: u64,
    pub sam_account_name: String,
    pub cloud_upn: String,
    /// Problems found while reading (a missing column).
    pub problems: Vec<String>,
}

/// Reads the CSV: a header with SamAccountName and CloudUPN (any case, any order, other
/// columns ignored), then one pair per line.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<CsvRow>, InputError> {
    // What Windows PowerShell 5.1 writes too: UTF-16 with a BOM, a `#TYPE` line, `;` with
    // -UseCulture (the same sniffing as the folder loader's).
    let text = crate::import::decode_text(file, bytes)?;
    let (skipped_lines, body) = match text.strip_prefix("#TYPE") {
        Some(rest) => (1, rest.split_once('\n').map_or("", |(_, b)| b)),
        None => (0, text.as_str()),
    };
    let bytes = body.as_bytes();
    let delimiter = crate::import::csv_delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter as u8)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| InputError::new(file, "line 1", format!("cannot read the header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(sam_col), Some(upn_col)) = (column("SamAccountName"), column("CloudUPN")) else {
        return Err(InputError::new(
            file,
            "line 1",
            format!(
                "expected a header with the columns SamAccountName and CloudUPN, got {:?}",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    // Line numbers from byte offsets: the reader's own counter is off by one on CRLF files.
    let mut counted = (0usize, 1u64 + skipped_lines);
    let mut line_at = |byte: u64| -> u64 {
        // On CRLF files a record's position is the '\n' that ends the line before it.
        let mut byte = (byte as usize).min(bytes.len());
        while matches!(bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte >= counted.0 {
            counted.1 += bytes[counted.0..byte]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            counted.0 = byte;
        }
        counted.1
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(p.byte()));
            InputError::new(file, format!("line {line}"), format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        let field = |i: usize| record.get(i).unwrap_or("").to_string();
        let mut row = CsvRow {
            line,
            sam_account_name: field(sam_col),
            cloud_upn: field(upn_col),
            problems: Vec::new(),
        };
        if row.sam_account_name.is_empty() {
            row.problems.push("missing SamAccountName".into());
        }
        if row.cloud_upn.is_empty() {
            row.problems.push("missing CloudUPN".into());
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The verdict on one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowReport {
    pub row: CsvRow,
    pub on_prem: Option<Uuid>,
    pub cloud: Option<Uuid>,
    pub immutable_id: Option<String>,
    pub problems: Vec<String>,
    /// For passing rows: what the next sync does with the ImmutableID set.
    pub predicted: Option<String>,
}

impl RowReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every row against the snapshot and plans the passing ones together.
pub fn check(b: &Bundle, rows: Vec<CsvRow>) -> Vec<RowReport> {
    let index = CloudIndex::build(b);
    let roles = crate::roles::RoleTable::for_bundle(b);
    let by_sam: HashMap<Box<str>, usize> = b
        .on_premises
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.sam_account_name.as_deref().map(|s| (fold(s), i)))
        .collect();
    let mut first_sam: HashMap<Box<str>, u64> = HashMap::new();
    let mut first_upn: HashMap<Box<str>, u64> = HashMap::new();
    let base = plan(b);
    // Where each row resolved (on-prem index, cloud index), so that nothing below scans the
    // tenant per row (80,000 rows: one pass each, issue 11).
    let mut resolved: Vec<Option<(usize, usize)>> = Vec::with_capacity(rows.len());
    let mut reports: Vec<RowReport> = rows
        .into_iter()
        .map(|row| {
            resolved.push(None);
            let mut r = RowReport {
                problems: row.problems.clone(),
                row,
                on_prem: None,
                cloud: None,
                immutable_id: None,
                predicted: None,
            };
            if !r.problems.is_empty() {
                return r;
            }
            let sam = fold(&r.row.sam_account_name);
            let upn = fold(&r.row.cloud_upn);
            if let Some(first) = first_sam.get(&sam) {
                r.problems.push(format!("duplicate: SamAccountName already on line {first}"));
            }
            if let Some(first) = first_upn.get(&upn) {
                r.problems.push(format!("duplicate: CloudUPN already on line {first}"));
            }
            first_sam.entry(sam.clone()).or_insert(r.row.line);
            first_upn.entry(upn.clone()).or_insert(r.row.line);
            let o = by_sam.get(&sam).map(|i| (*i, &b.on_premises[*i]));
            let ci = index
                .holders(crate::model::PropertyName::UserPrincipalName, &upn)
                .first()
                .map(|i| *i as usize);
            let c = ci.map(|i| &b.cloud[i]);
            let Some((oi, o)) = o else {
                r.problems.push(format!("no on-prem object has sAMAccountName {:?}", r.row.sam_account_name));
                return r;
            };
            let Some(c) = c else {
                r.problems.push(format!("no active cloud object has UPN {:?}", r.row.cloud_upn));
                return r;
            };
            r.on_prem = Some(o.object_guid);
            r.cloud = Some(c.id);
            if let (Some(ci), Some(slot)) = (ci, resolved.last_mut()) {
                *slot = Some((oi, ci));
            }
            let anchor = o.source_anchor(b.connect.source_anchor);
            r.immutable_id = Some(anchor.immutable_id());
            if o.object_class != ObjectKind::User || c.object_type != ObjectKind::User {
                r.problems.push(format!(
                    "object-type mismatch: on-prem {} vs cloud {} (hard match is for users)",
                    o.object_class.as_str(),
                    c.object_type.as_str()
                ));
            }
            if c.is_synced() {
                r.problems.push("the cloud user is already synced: its ImmutableID belongs to Entra Connect".into());
            }
            if let Some(other) = index
                .with_immutable_id(&anchor.immutable_id())
                .iter()
                .map(|i| &b.cloud[*i as usize])
                .find(|x| x.id != c.id)
            {
                r.problems.push(format!(
                    "the anchor {} is already the ImmutableID of {} <{}>",
                    anchor.immutable_id(),
                    other.name(),
                    other.principal().unwrap_or("-")
                ));
            }
            // M3 (r2): only privileged roles, assigned or eligible, block.
            let blocking = if b.settings.get(Setting::HardMatchHardening) {
                roles.blocking_roles(c, b.settings.get(Setting::HardeningAllRoles))
            } else {
                Vec::new()
            };
            if !blocking.is_empty() {
                r.problems.push(format!(
                    "the cloud user is assigned or eligible for a privileged directory role ({}): hard match is blocked by the 2026 hardening (M3); use W1",
                    blocking.join(", ")
                ));
            }
            if b.settings.get(Setting::BlockCloudObjectTakeoverThroughHardMatch) {
                r.problems.push("blockCloudObjectTakeoverThroughHardMatchEnabled is on: the takeover would fail with InvalidHardMatch (M3)".into());
            }
            if let Some(d) = c.user_principal_name.as_deref().and_then(domain_of)
                && b.tenant.is_federated(d) {
                    r.problems.push(format!(
                        "the cloud UPN is in the federated domain {d}: setting an ImmutableID fails (X1); move it to {} first",
                        b.tenant.initial_domain
                    ));
                }
            if let Some(id) = &c.on_premises_object_identifier
                && !id.eq_ignore_ascii_case(&o.object_guid.to_string())
                    && !b.settings.get(Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier)
                {
                    r.problems.push(format!("the cloud user is mapped to another on-prem object ({id}): AttributeUpdateNotAllowed (M3)"));
                }
            let out = &base.outcomes[oi];
            match out.result {
                SyncResult::OutOfScope => r.problems.push("the on-prem object is out of the sync scope (Q6)".into()),
                SyncResult::Linked => r.problems.push("the on-prem object is already linked to a cloud object (M1)".into()),
                _ => {}
            }
            r
        })
        .collect();

    // Plan the passing rows together: set every ImmutableID on a copy, then one plan.
    // What `apply(SetImmutableId)` does for a row that passed (its refusals, X1 and a synced
    // user, are problems of the row already), by index rather than by a search per row.
    let mut what_if = b.clone();
    for (r, at) in reports.iter().zip(&resolved) {
        if let (true, Some((_, ci)), Some(id)) = (r.ok(), at, &r.immutable_id) {
            what_if.cloud[*ci].on_premises_immutable_id = Some(Text::from(id.as_str()));
        }
    }
    let after = plan(&what_if);
    // Outcomes by on-prem index (plan gives one per object, in any order).
    let mut outcome_of: Vec<Option<usize>> = vec![None; what_if.on_premises.len()];
    for (k, out) in after.outcomes.iter().enumerate() {
        outcome_of[out.on_prem as usize] = Some(k);
    }
    for (r, at) in reports.iter_mut().zip(&resolved) {
        let (true, Some((oi, ci))) = (r.ok(), at) else {
            continue;
        };
        let Some(out) = outcome_of[*oi].map(|k| &after.outcomes[k]) else {
            continue;
        };
        r.predicted = Some(describe_outcome(&what_if, out));
        let expected_cloud = Some(*ci);
        if out.result != SyncResult::HardMatch || out.cloud.map(|c| c as usize) != expected_cloud {
            r.problems.push(format!(
                "the next sync would not hard match it: {}",
                r.predicted.clone().unwrap_or_default()
            ));
        }
    }
    reports
}

/// The script for the passing rows: set each ImmutableID (with a check), then one delta sync.
pub fn script(reports: &[RowReport], source: &str) -> String {
    let mut steps: Vec<ScriptStep> = reports
        .iter()
        .filter(|r| r.ok())
        .filter_map(|r| {
            let value = Anchor::parse_immutable_id(r.immutable_id.as_deref()?).ok()?;
            Some(ScriptStep {
                title: format!(
                    "line {}: {} → {}",
                    r.row.line, r.row.sam_account_name, r.row.cloud_upn
                ),
                commands: vec![Command::SetImmutableId {
                    user: r.cloud?,
                    value,
                }],
                expect: None,
            })
        })
        .collect();
    steps.push(ScriptStep {
        title: "Run a delta sync cycle".into(),
        commands: vec![Command::DeltaSync],
        expect: Some("every user above is hard matched (check their OnPremisesSyncEnabled)".into()),
    });
    render_script("Bulk hard match (W2) from CSV", source, &steps)
}

pub fn report_json(reports: &[RowReport]) -> Value {
    json!({
        "ready": reports.iter().filter(|r| r.ok()).count(),
        "failed": reports.iter().filter(|r| !r.ok()).count(),
        "rows": reports.iter().map(|r| json!({
            "line": r.row.line,
            "samAccountName": r.row.sam_account_name,
            "cloudUserPrincipalName": r.row.cloud_upn,
            "objectGUID": r.on_prem.map(|u| u.to_string()),
            "cloudId": r.cloud.map(|u| u.to_string()),
            "immutableId": r.immutable_id,
            "ok": r.ok(),
            "problems": r.problems,
            "predicted": r.predicted,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_line_numbers_and_missing_columns() {
        let text = "\u{feff}SamAccountName,CloudUPN,Note\r\nalice,alice@contoso.com,x\r\n\r\nbob,\r\n\"o,neil\",o.neil@contoso.com\r\ncarol\r\n";
        let rows = read_csv("m.csv", text.as_bytes()).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 5, 6]);
        assert_eq!(rows[1].problems, ["missing CloudUPN"]);
        assert_eq!(rows[2].sam_account_name, "o,neil");
        assert_eq!(rows[3].problems, ["missing CloudUPN"]);
        let e = read_csv("m.csv", b"user,upn\na,b\n").unwrap_err();
        assert_eq!(e.position, "line 1");
        assert!(e.message.contains("SamAccountName and CloudUPN"));
    }
}
