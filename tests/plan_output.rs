//! `plan --json` and `plan --format csv` (issue 15, item 4): the streaming serializer writes the
//! same bytes as the document builder it replaced (kept below as the reference), on the sample,
//! the hostile fixture (escapes of C1, bidi, separators, …; a folder load with a load report)
//! and a generated tenant; `--fields` writes the chosen fields only.

mod util;

use serde_json::{Map, Value, json};
use std::path::Path;
use syncscope::import::{ImportOptions, LoadReport, load_snapshot};
use syncscope::model::Bundle;
use syncscope::plan::Plan;
use syncscope::render::plan::{Field, parse_fields, write_json};
use syncscope::report::{outcome_json, plan_json, settings_json};
use syncscope::sanitize::{json_string, write_json as write_value};
use syncscope::settings::SettingScope;

/// The writer as it was before the streaming serializer: the head built as a `Value`, then one
/// `Value` per outcome, each through the safe formatter.
fn old_plan_json(b: &Bundle, plan: &Plan, load: Option<&LoadReport>) -> Vec<u8> {
    let mut summary = Map::new();
    for (r, n) in plan.counts() {
        summary.insert(r.as_str().into(), json!(n));
    }
    let mut head = json!({
        "features": settings_json(&b.settings, SettingScope::TenantFeature),
        "switches": settings_json(&b.settings, SettingScope::RuleBookSwitch),
        "exportBlocked": plan.export_blocked,
        "pendingDeletions": plan.deletions.len(),
        "summary": summary,
    });
    if let Some(load) = load {
        head["load"] = load.to_json();
    }
    let head = json_string(&head);
    let mut out = Vec::new();
    out.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
    out.extend_from_slice(b",\"outcomes\":[");
    for (i, o) in plan.outcomes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_value(&mut out, &outcome_json(b, o)).unwrap();
    }
    out.extend_from_slice(b"]}\n");
    out
}

/// The CSV writer as it was: every row from `outcome_json`.
fn old_plan_csv(b: &Bundle, plan: &Plan) -> Vec<u8> {
    use syncscope::plan_csv::{COLUMNS, guard_formula};
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).unwrap();
    for o in &plan.outcomes {
        let v = outcome_json(b, o);
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|c| guard_formula(&old_cell(&v[*c], c)).into_owned())
            .collect();
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

/// The cell text of the old CSV writer (strings as they are, lists joined with `;`).
fn old_cell(v: &Value, column: &str) -> String {
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

fn new_plan_json(b: &Bundle, plan: &Plan, load: Option<&LoadReport>, fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    write_json(b, plan, load, fields, &mut out).unwrap();
    out
}

/// Loaded as the command line loads it, planned with the snapshot's settings.
fn loaded(path: &Path) -> (Bundle, Plan, LoadReport) {
    let l = load_snapshot(path, &ImportOptions::default()).unwrap();
    let plan = syncscope::plan::plan(&l.bundle);
    (l.bundle, plan, l.report)
}

fn inputs() -> Vec<(String, Bundle, Plan, LoadReport)> {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&generated).unwrap());
    syncscope::generate::write_generated(3000, 11, &mut file).unwrap();
    drop(file);
    let hostile = Path::new(util::ROOT).join("tests/fixtures/hostile");
    [
        Path::new(util::ROOT).join(util::SAMPLE),
        hostile.join("bundle.json"),
        hostile.join("exports"),
        generated,
    ]
    .into_iter()
    .map(|p| {
        let (b, plan, report) = loaded(&p);
        (p.display().to_string(), b, plan, report)
    })
    .collect()
}

#[test]
fn streamed_json_is_byte_for_byte_the_old_document() {
    for (label, b, plan, report) in inputs() {
        let old = old_plan_json(&b, &plan, Some(&report));
        let new = new_plan_json(&b, &plan, Some(&report), &Field::ALL);
        assert!(
            old == new,
            "{label}: the bytes differ from {}",
            first_difference(&old, &new)
        );
        // Without a load report it is the library's document, whole.
        let bare = new_plan_json(&b, &plan, None, &Field::ALL);
        assert_eq!(bare, old_plan_json(&b, &plan, None), "{label}");
        assert_eq!(
            serde_json::from_slice::<Value>(&bare).unwrap(),
            plan_json(&b, &plan),
            "{label}"
        );
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(60);
    format!(
        "byte {i}:\nold …{}\nnew …{}",
        String::from_utf8_lossy(&a[from..(i + 60).min(a.len())]),
        String::from_utf8_lossy(&b[from..(i + 60).min(b.len())])
    )
}

/// The hostile fixture really exercises the escapes the bytes must keep.
#[test]
fn the_hostile_plan_holds_the_escapes() {
    let path = Path::new(util::ROOT).join("tests/fixtures/hostile/bundle.json");
    let (b, plan, report) = loaded(&path);
    let text = String::from_utf8(new_plan_json(&b, &plan, Some(&report), &Field::ALL)).unwrap();
    for escape in ["\\u001b", "\\u009b", "\\u202e", "\\u2028"] {
        assert!(text.contains(escape), "no {escape} in the hostile plan");
    }
    let document = text.strip_suffix('\n').unwrap();
    assert!(!document.chars().any(syncscope::sanitize::needs_escape));
}

#[test]
fn chosen_fields_are_the_old_outcomes_cut_down() {
    let fields = ["objectGUID", "result", "cloudId"];
    let chosen = parse_fields(&fields.join(","), &Field::ALL).unwrap();
    let with_optional =
        parse_fields("why,fixes,takeover,objectGUID,explanation", &Field::ALL).unwrap();
    for (label, b, plan, report) in inputs() {
        for chosen in [&chosen, &with_optional] {
            let mut doc: Value =
                serde_json::from_slice(&old_plan_json(&b, &plan, Some(&report))).unwrap();
            for o in doc["outcomes"].as_array_mut().unwrap() {
                let mut cut = Map::new();
                for f in chosen.iter() {
                    if let Some(v) = o.get(f.name()) {
                        cut.insert(f.name().into(), v.clone());
                    }
                }
                *o = Value::Object(cut);
            }
            let mut expected = json_string(&doc).into_bytes();
            expected.push(b'\n');
            let new = new_plan_json(&b, &plan, Some(&report), chosen);
            assert!(
                expected == new,
                "{label} {chosen:?}: {}",
                first_difference(&expected, &new)
            );
        }
    }
}

#[test]
fn csv_is_byte_for_byte_the_old_table_and_fields_choose_columns() {
    use syncscope::plan_csv::{column_fields, write_plan_csv, write_plan_csv_fields};
    for (label, b, plan, _) in inputs() {
        let old = old_plan_csv(&b, &plan);
        let mut new = Vec::new();
        write_plan_csv(&b, &plan, &mut new).unwrap();
        assert!(old == new, "{label}: {}", first_difference(&old, &new));

        let fields = parse_fields("result,objectGUID,quarantined", &column_fields()).unwrap();
        let mut cut = Vec::new();
        write_plan_csv_fields(&b, &plan, &fields, &mut cut).unwrap();
        let mut full = csv::Reader::from_reader(old.as_slice());
        let header = full.headers().unwrap().clone();
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let mut expected = csv::Writer::from_writer(Vec::new());
        expected
            .write_record(["result", "objectGUID", "quarantined"])
            .unwrap();
        for row in full.records() {
            let row = row.unwrap();
            expected
                .write_record([
                    &row[at("result")],
                    &row[at("objectGUID")],
                    &row[at("quarantined")],
                ])
                .unwrap();
        }
        assert_eq!(
            String::from_utf8(expected.into_inner().unwrap()).unwrap(),
            String::from_utf8(cut).unwrap(),
            "{label}"
        );
    }
}

#[test]
fn an_unknown_field_names_the_valid_ones() {
    let e = parse_fields("objectGUID,colour", &Field::ALL).unwrap_err();
    assert!(e.contains("\"colour\""), "{e}");
    for f in Field::ALL {
        assert!(e.contains(f.name()), "{e} does not name {}", f.name());
    }
    assert!(parse_fields("objectGUID,,result", &Field::ALL).is_err());
    // The CSV has no fixes or takeover column.
    let csv = syncscope::plan_csv::column_fields();
    assert!(parse_fields("fixes", &csv).is_err());
    assert_eq!(
        parse_fields("result,result,why", &csv).unwrap(),
        [Field::Result, Field::Why]
    );
}

#[test]
fn the_command_line_writes_the_chosen_fields() {
    let full = util::run(&["plan", util::SAMPLE, "--json"]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let doc = util::json_of(&[
        "plan",
        util::SAMPLE,
        "--json",
        "--fields",
        "objectGUID,result,cloudId",
    ]);
    let whole: Value = serde_json::from_str(&full.stdout).unwrap();
    for key in ["features", "switches", "summary", "load"] {
        assert_eq!(doc[key], whole[key], "{key} stays");
    }
    let outcomes = doc["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), whole["outcomes"].as_array().unwrap().len());
    for (short, long) in outcomes.iter().zip(whole["outcomes"].as_array().unwrap()) {
        let keys: Vec<&String> = short.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["objectGUID", "result", "cloudId"]);
        for k in keys {
            assert_eq!(short[k], long[k]);
        }
    }

    let csv = util::run(&[
        "plan",
        util::SAMPLE,
        "--format",
        "csv",
        "--fields",
        "objectGUID,result",
    ]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(
        csv.stdout.starts_with("objectGUID,result\n"),
        "{}",
        csv.stdout
    );
    assert_eq!(csv.stdout.lines().count(), outcomes.len() + 1);

    for (args, expected) in [
        (
            vec!["--json", "--fields", "objectGUID,colour"],
            "unknown field \"colour\"",
        ),
        (
            vec!["--format", "csv", "--fields", "takeover"],
            "unknown field \"takeover\"",
        ),
        (vec!["--fields", "result"], "--fields needs --json"),
    ] {
        let mut all = vec!["plan", util::SAMPLE];
        all.extend(args);
        let r = util::run(&all);
        assert_eq!(r.code, 2, "{all:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{all:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

/// `check --json` and `errors --json` are streamed too: the same bytes as their documents.
#[test]
fn check_and_errors_json_are_streamed_with_the_same_bytes() {
    use syncscope::check::{CheckOptions, check, report_json, write_report_json};
    use syncscope::query::ErrorQuery;
    use syncscope::render::errors::{
        ErrorsReport, json as errors_json, write_json as write_errors,
    };
    for (label, b, plan, report) in inputs() {
        let ix = syncscope::index::CloudIndex::build(&b);
        let r = check(&b, &ix, &plan, CheckOptions::default());
        let extra = [("fixScript", Value::Null), ("load", report.to_json())];
        let mut doc = report_json(&b, &plan, &r);
        for (k, v) in &extra {
            doc[*k] = v.clone();
        }
        let mut streamed = Vec::new();
        write_report_json(&b, &plan, &r, &extra, &mut streamed).unwrap();
        let old = json_string(&doc).into_bytes();
        assert!(
            old == streamed,
            "{label}: {}",
            first_difference(&old, &streamed)
        );

        for after_sync in [false, true] {
            let s = syncscope::session::Session::open(b.clone(), &[]);
            let mut e =
                ErrorsReport::new(ErrorQuery::default(), &s.error_rows(after_sync), after_sync);
            e.load = Some(report.clone());
            let mut streamed = Vec::new();
            write_errors(&e, &mut streamed).unwrap();
            let old = json_string(&errors_json(&e)).into_bytes();
            assert!(
                old == streamed,
                "{label}: {}",
                first_difference(&old, &streamed)
            );
        }
    }
}
