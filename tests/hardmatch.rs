//! `syncscope hardmatch`: the bulk CSV checks, the report by line, and the script for the rows
//! that pass, never overwriting a file without --force.

use std::process::Command;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bulk_rows_are_checked_reported_by_line_and_scripted() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pairs.csv");
    std::fs::write(
        &csv,
        "SamAccountName,CloudUPN\n\
         ijohansson,jordan.lee@contoso.com\n\
         npetersen,nils.petersen@fabrikam.com\n\
         mfernandez,jordan.lee@contoso.com\n\
         ogrant,alice@contoso.com\n\
         nosuch,x@contoso.com\n\
         dchen\n\
         dchen,dchen@contoso.com\n",
    )
    .unwrap();
    let script = dir.path().join("fix.ps1");
    let (code, out, err) = run(&[
        "hardmatch",
        SAMPLE,
        "--csv",
        csv.to_str().unwrap(),
        "--out",
        script.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 1, "rows with problems are bad input: {err}");
    assert!(
        err.contains("pairs.csv") && err.contains("6 row(s) need attention"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ready"], 1);
    let rows = v["rows"].as_array().unwrap();
    let problems = |line: u64| -> String {
        rows.iter()
            .find(|r| r["line"] == line)
            .map(|r| r["problems"].to_string())
            .unwrap_or_else(|| panic!("line {line} missing: every row is reported"))
    };
    assert_eq!(rows.len(), 7);
    assert!(rows[0]["ok"].as_bool().unwrap());
    assert!(
        rows[0]["predicted"]
            .as_str()
            .unwrap()
            .starts_with("hard-match → jordan.lee@contoso.com")
    );
    assert!(problems(3).contains("federated domain fabrikam.com") && problems(3).contains("X1"));
    assert!(problems(4).contains("duplicate: CloudUPN already on line 2"));
    assert!(
        problems(5).contains("directory role") && problems(5).contains("already the ImmutableID")
    );
    assert!(problems(6).contains("no on-prem object has sAMAccountName"));
    assert!(problems(7).contains("missing CloudUPN"));
    assert!(problems(8).contains("already synced"));

    // The script sets only the ready row's ImmutableID, then syncs.
    let text = std::fs::read_to_string(&script).unwrap();
    let immutable = rows[0]["immutableId"].as_str().unwrap();
    let cloud = rows[0]["cloudId"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "Update-MgUser -UserId '{cloud}' -OnPremisesImmutableId '{immutable}'"
        )),
        "{text}"
    );
    assert_eq!(text.matches("Update-MgUser").count(), 1);
    assert!(text.contains("Start-ADSyncSyncCycle -PolicyType Delta"));

    // An existing script is never overwritten without --force.
    let (code, _, err) = run(&[
        "hardmatch",
        SAMPLE,
        "--csv",
        csv.to_str().unwrap(),
        "--out",
        script.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("exists; not overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(&script).unwrap(), text);
}

#[test]
fn a_csv_without_the_columns_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "user;upn\na;b\n").unwrap();
    let (code, _, err) = run(&["hardmatch", SAMPLE, "--csv", csv.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "bad.csv: line 1: expected a header with the columns SamAccountName and CloudUPN"
        ),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}
