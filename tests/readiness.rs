//! The readiness commands through the real binary (interfaces §9): `check --json` and its fix
//! scripts, `plan --format csv`, `report`, and the report opened in headless Chromium with
//! hostile attribute values (its own script runs; nothing injected runs or reaches the network).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SAMPLE: &str = "sample-data/contoso.json";

// Objects of the sample tenant.
const MEGAN_FOSTER_CLOUD: &str = "961c0682-cf16-401c-a374-6b0dccb8bc11";
const GRACE_LIU_CLOUD: &str = "cd71449e-c1fc-4a0a-9df9-414aac86bba9";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_of(r: &Run) -> Value {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("one JSON document")
}

/// A bundle with the values of IdFix's test generator and some hostile ones.
fn hostile_bundle(port: u16) -> Value {
    let net = format!("http://127.0.0.1:{port}");
    let user = |n: u32, upn: &str, name: &str| {
        json!({
            "objectClass": "user",
            "objectGUID": format!("00000000-0000-0000-0000-{n:012}"),
            "distinguishedName": format!("CN=U{n},OU=Corp,DC=contoso,DC=com"),
            "sAMAccountName": format!("u{n}"),
            "userPrincipalName": upn,
            "displayName": name,
            "mail": format!("u{n}@contoso.com"),
        })
    };
    let mut evil = user(
        2,
        &format!("\"><svg onload=fetch('{net}/svg')>@contoso.com "),
        "</script><script>document.title='PWNED';document.documentElement.setAttribute('data-pwned','1')</script>",
    );
    evil["proxyAddresses"] = json!([format!(
        "SMTP:x@contoso.com<style>@import url({net}/css)</style>"
    )]);
    evil["mailNickname"] = json!(format!(
        "<img src={net}/img onerror=\"document.title='PWNED'\">"
    ));
    json!({
        "tenant": {"initialDomain": "contoso.onmicrosoft.com",
                   "domains": [{"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}]},
        "connect": {"sourceAnchor": "mS-DS-ConsistencyGuid"},
        "onPremises": [
            user(1, "mtUserUserPrincipalNameInvalidchars&&&@lab&&&.com", &format!("<iframe src=\"{net}/frame\"></iframe>")),
            evil,
            user(3, "=HYPERLINK(\"http://evil\")@contoso.com", "+SUM(1)"),
        ],
        "cloud": [
            {"id": "10000000-0000-0000-0000-000000000001", "objectType": "user",
             "displayName": format!("<link rel=stylesheet href={net}/link>"),
             "userPrincipalName": "u1-cloud@contoso.com",
             "proxyAddresses": ["SMTP:u1@contoso.com"], "directoryRoles": ["Global Administrator"]}
        ]
    })
}

fn write_bundle(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p
}

#[test]
fn check_json_has_the_contract_fields_and_the_cross_directory_findings() {
    let v = json_of(&run(&["check", SAMPLE, "--json"]));
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for k in [
            "objectId",
            "side",
            "attribute",
            "value",
            "rule",
            "severity",
            "fix",
            "outcome",
        ] {
            assert!(f.get(k).is_some(), "{k} missing: {f}");
        }
    }
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // IdFix class (D1: John Smith's UPN twice in AD) and cross-directory ones side by side.
    assert!(rules.contains(&"D1"), "{rules:?}");
    // Q5: Megan Foster's UPN is held by her soft-deleted cloud object; the fix purges it.
    let x5 = findings.iter().find(|f| f["rule"] == "X5").expect("X5");
    assert_eq!(x5["conflictsWith"]["objectId"], MEGAN_FOSTER_CLOUD);
    assert_eq!(x5["outcome"]["error"], "AttributeValueMustBeUnique");
    assert!(
        x5["fixCommands"][0]
            .as_str()
            .unwrap()
            .starts_with("Remove-MgDirectoryDeletedItem")
    );
    // M3 r2: Grace Liu's cloud object names another on-prem object.
    let h2 = findings.iter().find(|f| f["rule"] == "H2").expect("H2");
    assert_eq!(h2["objectId"], GRACE_LIU_CLOUD);
    assert_eq!(h2["side"], "cloud");
    assert_eq!(h2["outcome"]["error"], "AttributeUpdateNotAllowed");
    assert_eq!(v["summary"]["findings"], json!(findings.len()));
}

#[test]
fn check_exit_statuses_and_text_output() {
    let r = run(&["check", SAMPLE]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("finding(s):"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("next sync: error (AttributeValueMustBeUnique)")
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{\"onPremises\": 3}").unwrap();
    let r = run(&[Path::new("check"), &bad]);
    assert_eq!(r.code, 1, "bad input");
    assert!(r.stderr.contains("bad.json"), "{}", r.stderr);
    let r = run(&["check", SAMPLE, "--rule", "Z9"]);
    assert_eq!(r.code, 2, "bad usage: unknown rule");
}

#[test]
fn fix_script_for_one_rule_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write_bundle(dir.path(), "idfix.json", &hostile_bundle(9));
    let script = dir.path().join("c1.ps1");
    let args = |force: bool| {
        let mut a: Vec<std::ffi::OsString> = vec![
            "check".into(),
            snap.clone().into(),
            "--rule".into(),
            "C1".into(),
            "--fix-script".into(),
            script.clone().into(),
            "--json".into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let v = json_of(&run(&args(false)));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] == "C1")
    );
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("Set-ADUser -Identity '00000000-0000-0000-0000-000000000001' -UserPrincipalName 'mtUserUserPrincipalNameInvalidchars@lab.com'"), "{text}");
    std::fs::write(&script, "keep").unwrap();
    let r = run(&args(false));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&script).unwrap(), "keep");
    assert_eq!(run(&args(true)).code, 0);
    assert_ne!(std::fs::read_to_string(&script).unwrap(), "keep");
}

#[test]
fn plan_csv_has_one_row_per_object_and_defuses_formulas() {
    let r = run(&["plan", SAMPLE, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan = json_of(&run(&["plan", SAMPLE, "--json"]));
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let outcomes = plan["outcomes"].as_array().unwrap();
    assert_eq!(rows.len(), outcomes.len());
    for (row, o) in rows.iter().zip(outcomes) {
        assert_eq!(&row[0], o["objectGUID"].as_str().unwrap());
        assert_eq!(&row[5], o["result"].as_str().unwrap());
    }
    // --json is unchanged, and --format json is the same document.
    assert_eq!(json_of(&run(&["plan", SAMPLE, "--format", "json"])), plan);
    assert_eq!(run(&["plan", SAMPLE, "--format", "csv", "--json"]).code, 2);

    let dir = tempfile::tempdir().unwrap();
    let snap = write_bundle(dir.path(), "f.json", &hostile_bundle(9));
    let r = run(&[
        Path::new("plan"),
        &snap,
        Path::new("--format"),
        Path::new("csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(
        &rows[2][3], "'+SUM(1)",
        "displayName starting with + is prefixed"
    );
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
}

#[test]
fn report_writes_one_file_refuses_to_overwrite_and_shows_the_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let args = |extra: &[&str]| {
        let mut a: Vec<std::ffi::OsString> = vec![
            "report".into(),
            SAMPLE.into(),
            "--out".into(),
            out.clone().into(),
        ];
        a.extend(extra.iter().map(|s| s.into()));
        a
    };
    let r = run(&args(&[]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("readiness finding(s)"), "{}", r.stdout);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("id=\"what-if\""), "no --set, no what-if");
    for needle in [
        "Takeovers and their data loss",
        "Readiness findings",
        "Conflicts",
        "<svg",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing remote"
    );
    let r = run(&args(&["--set", "blockSoftMatchEnabled=true"]));
    assert_eq!(r.code, 1, "exists: not overwritten");
    let r = run(&args(&["--set", "blockSoftMatchEnabled=true", "--force"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("id=\"what-if\""));
    assert!(html.contains("What-if: blockSoftMatchEnabled=true"));
}

/// Opens the report of a hostile snapshot in headless Chromium: the report's own script runs
/// (it renders the sort buttons and the row counts), no injected markup becomes an element, no
/// injected script runs, and nothing asks the network (a listener on the port the hostile values
/// point at stays silent).
#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "chromium not installed: apt-get install chromium"
)]
fn report_in_headless_chromium_runs_its_own_script_and_nothing_injected() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let snap = write_bundle(dir.path(), "evil'\"<b>x.json", &hostile_bundle(port));
    let out = dir.path().join("report.html");
    let r = run(&[Path::new("report"), &snap, Path::new("--out"), &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let profile = dir.path().join("profile");
    let dom = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", out.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-js=\"ready\""),
        "the report's script did not run:\n{dom}"
    );
    assert!(
        dom.contains("<button type=\"button\" class=\"sort\""),
        "sort buttons rendered"
    );
    assert!(dom.contains("3 of 3 shown"), "the object table's row count");
    assert!(
        dom.contains("Interactive: 3 objects"),
        "the JSON island was read"
    );
    assert!(
        dom.contains("<title>Sync readiness"),
        "an injected script changed the title"
    );
    assert!(!dom.contains("data-pwned=\"1\""), "an injected script ran");
    for tag in [
        "<img",
        "<iframe",
        "<link rel",
        "<svg onload",
        "<style>@import",
    ] {
        assert!(!dom.contains(tag), "injected {tag} became markup");
    }
    assert!(
        dom.contains("&lt;/script&gt;&lt;script&gt;document.title"),
        "the value is shown as text"
    );
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("the report requested the network (from {from})"),
        Err(e) => panic!("listener: {e}"),
    }
}

/// M3 r2 / W1 r2: the H1 script removes the roles, syncs, waits for the cycle, stops unless the
/// match happened, and only then re-adds the roles (in that order).
#[test]
fn hardening_fix_script_follows_w1_r2() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("h1.ps1");
    let r = run(&[
        Path::new("check"),
        Path::new(SAMPLE),
        Path::new("--rule"),
        Path::new("H1"),
        Path::new("--fix-script"),
        &script,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&script).unwrap();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    let remove = at("Remove-MgDirectoryRoleMemberByRef");
    let sync = at("Start-ADSyncSyncCycle -PolicyType Delta");
    let wait = at("SyncCycleInProgress");
    let check = at("-cne");
    let add = at("New-MgDirectoryRoleMemberByRef");
    assert!(
        remove < sync && sync < wait && wait < check && check < add,
        "{text}"
    );
    assert!(
        text.contains("-ceq 'Global Administrator'"),
        "role names quoted"
    );
}
