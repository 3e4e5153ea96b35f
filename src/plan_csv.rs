//! `plan --format csv` (interfaces §9): one row per on-prem object with the fields of `plan
//! --json` (§3), lists joined with `;`. Rows are built from the JSON serializer's own values
//! ([`crate::render::plan::outcome_value`], equal to [`crate::report::outcome_json`]), so the
//! CSV says exactly what the JSON says; `--fields` chooses the columns.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
//! formula (CSV / formula injection). Attribute values are untrusted, so every such cell is
//! written with a leading `'` (the OWASP recommendation); the `'` is not part of the value.

use crate::model::Bundle;
use crate::plan::Plan;
use crate::render::plan::{Field, outcome_value};
use serde_json::Value;

/// The columns, in order: the §3 fields, then the explanation helpers `plan --json` adds.
pub const COLUMNS: [&str; 16] = [
    "objectGUID",
    "distinguishedName",
    "objectClass",
    "displayName",
    "sourceAnchor",
    "result",
    "cloudId",
    "cloudUserPrincipalName",
    "error",
    "attributeConflictName",
    "flags",
    "quarantined",
    "rules",
    "conflictsWithObjectGUID",
    "why",
    "explanation",
];

/// A cell a spreadsheet would not evaluate: values starting with a formula character get `'`.
pub fn guard_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The text of one JSON field as a cell: strings as they are, lists joined with `;`,
/// quarantines as `propertyName:value->placeholder (conflictsWith)`.
fn cell(v: &Value, column: &str) -> String {
    match (column, v) {
        (_, Value::Null) => String::new(),
        (_, Value::String(s)) => s.clone(),
        ("quarantined", Value::Array(items)) => items
            .iter()
            .map(|q| {
                let s = |k: &str| q[k].as_str().unwrap_or("").to_string();
                let placeholder = q["placeholder"]
                    .as_str()
                    .map(|p| format!("->{p}"))
                    .unwrap_or_default();
                format!(
                    "{}:{}{placeholder} ({})",
                    s("propertyName"),
                    s("value"),
                    s("conflictsWith")
                )
            })
            .collect::<Vec<_>>()
            .join(";"),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";"),
        (_, other) => other.to_string(),
    }
}

/// The CSV's columns as fields of the JSON, in [`COLUMNS`] order (the valid `--fields`).
pub fn column_fields() -> Vec<Field> {
    COLUMNS
        .iter()
        .map(|c| Field::from_name(c).expect("every CSV column is a plan --json field"))
        .collect()
}

/// Writes the plan as CSV (header row first), one row per on-prem object in plan order.
pub fn write_plan_csv(b: &Bundle, plan: &Plan, out: impl std::io::Write) -> std::io::Result<()> {
    write_plan_csv_fields(b, plan, &column_fields(), out)
}

/// Writes the plan as CSV with only the `fields` columns, in that order (`--fields`).
pub fn write_plan_csv_fields(
    b: &Bundle,
    plan: &Plan,
    fields: &[Field],
    out: impl std::io::Write,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(fields.iter().map(|f| f.name()))?;
    let mut row: Vec<String> = Vec::with_capacity(fields.len());
    for o in &plan.outcomes {
        let v = outcome_value(b, o, fields);
        row.clear();
        for f in fields {
            let c = f.name();
            row.push(guard_formula(&cell(&v[c], c)).into_owned());
        }
        w.write_record(&row)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::outcome_json;

    #[test]
    fn formula_cells_are_defused() {
        for hostile in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(guard_formula(hostile).starts_with('\''), "{hostile:?}");
        }
        assert_eq!(guard_formula("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(guard_formula(""), "");
    }

    #[test]
    fn one_row_per_object_with_the_json_values() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
        let b = crate::bundle::parse_bundle(path, &std::fs::read(path).unwrap()).unwrap();
        let p = crate::plan::plan(&b);
        let mut bytes = Vec::new();
        write_plan_csv(&b, &p, &mut bytes).unwrap();
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), p.outcomes.len());
        for (row, o) in rows.iter().zip(&p.outcomes) {
            let v = outcome_json(&b, o);
            assert_eq!(&row[0], v["objectGUID"].as_str().unwrap());
            assert_eq!(&row[5], v["result"].as_str().unwrap());
            let rules: Vec<&str> = v["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(&row[12], rules.join(";"));
        }
    }
}
