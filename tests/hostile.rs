//! Nothing from the input reaches the terminal raw (issue 11, item 3). The shared fixture
//! tests/fixtures/hostile/ (made by make.py: a bundle, a scenario, a hardmatch CSV and an export
//! folder whose names, keys, values and Connect settings carry escape sequences, OSC 52, BEL, C1
//! controls, bidi controls, line separators, joiners, soft hyphens and fillers) goes through every
//! command; stdout and stderr may hold those characters only as visible escapes (`\e`, `\u{…}`,
//! or JSON's `\u001b`).

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hostile");

fn fixture(name: &str) -> String {
    Path::new(FIXTURE).join(name).display().to_string()
}

/// A character that must never reach a terminal raw.
fn raw_danger(c: char) -> bool {
    c != '\n' && (c.is_control() || syncscope::sanitize::needs_escape(c))
}

fn assert_clean(label: &str, stream: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{label}: {stream} is not UTF-8: {e}"));
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| raw_danger(c)) {
        let from = text[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
        panic!(
            "{label}: {stream} holds U+{:04X} raw, after {:?}",
            c as u32,
            &text[from..i]
        );
    }
}

/// Runs the binary; stdout and stderr are checked; returns (status, stdout, stderr).
fn run(label: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(args)
        .output()
        .unwrap();
    assert_clean(label, "stdout", &out.stdout);
    assert_clean(label, "stderr", &out.stderr);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_checker_catches_raw_escapes() {
    let caught = std::panic::catch_unwind(|| assert_clean("self-test", "stdout", b"a\x1b]0;x\x07"));
    assert!(caught.is_err());
    let caught =
        std::panic::catch_unwind(|| assert_clean("self-test", "stdout", "a\u{2028}b".as_bytes()));
    assert!(caught.is_err());
    assert_clean(
        "self-test",
        "stdout",
        "Björn \\e]0;x\\u{7} 山田\n".as_bytes(),
    );
}

#[test]
fn plan_in_every_form_shows_hostile_values_escaped() {
    let bundle = fixture("bundle.json");
    let (code, out, err) = run("plan", &["plan", &bundle]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("pwned-title"),
        "the hostile names are shown (escaped)"
    );
    let (code, out, _) = run("plan --json", &["plan", &bundle, "--json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\\u001b]0;pwned-title\\u0007"), "JSON-escaped");
    assert!(out.contains("\\u202e") && out.contains("\\u2028") && out.contains("\\u009b"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["outcomes"].as_array().unwrap().len() > 10);
    let (code, out, _) = run("plan --explain", &["plan", &bundle, "--explain"]);
    assert_eq!(code, 0);
    assert!(out.contains("\\e]0;pwned-title"), "escaped visibly");
}

#[test]
fn errors_sync_scenario_hardmatch_and_immutableid_show_hostile_values_escaped() {
    let bundle = fixture("bundle.json");
    for args in [
        vec!["errors", &bundle],
        vec!["errors", &bundle, "--json"],
        vec!["errors", &bundle, "--after-sync", "--all"],
        vec!["errors", &bundle, "--search-string", "\u{1b}]0;x\u{7}"],
    ] {
        let (code, _, err) = run(&format!("{args:?}"), &args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("after\u{1b}]0;t\u{7}.json");
    let (code, _, err) = run("sync", &["sync", &bundle, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        "sync again",
        &["sync", &bundle, "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, 1, "an existing file is not replaced: {err}");
    let scenario = fixture("scenario.json");
    let (code, _, err) = run("scenario", &["scenario", &scenario]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run("scenario --json", &["scenario", &scenario, "--json"]);
    assert_eq!(code, 0);
    let csv = fixture("pairs.csv");
    let script = dir.path().join("fix\u{202e}.ps1");
    let (code, out, _) = run(
        "hardmatch",
        &[
            "hardmatch",
            &bundle,
            "--csv",
            &csv,
            "--out",
            script.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "the hostile rows need attention");
    assert!(out.contains("PROBLEM"));
    let (code, _, _) = run(
        "hardmatch --json",
        &["hardmatch", &bundle, "--csv", &csv, "--json"],
    );
    assert_eq!(code, 1);
    for args in [
        vec!["immutableid", "\u{1b}]52;c;cm0=\u{7}\u{202e}"],
        vec!["immutableid", "\u{1b}]52;c;cm0=\u{7}", "--json"],
    ] {
        let (code, _, err) = run("immutableid", &args);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("]52;c;cm0="), "{err}");
    }
}

/// The fixture's export folder, plus files whose names and keys are hostile.
fn hostile_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("exports\u{1b}]0;folder\u{7}");
    std::fs::create_dir(&folder).unwrap();
    for e in std::fs::read_dir(fixture("exports")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, folder.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        folder.join("notes\u{1b}]52;c;bmFtZQ==\u{7}\u{2028}.txt"),
        "remember \u{1b}[2J the groups\n",
    )
    .unwrap();
    std::fs::write(folder.join("sub\u{9b}dir.ini"), "[x]\n").unwrap();
    (dir, folder)
}

#[test]
fn a_folder_load_reports_hostile_file_names_keys_and_values_escaped() {
    let (_dir, folder) = hostile_folder();
    let f = folder.to_str().unwrap();
    // A record without objectGUID is skipped: the load is partial (exit 1), named on stderr.
    let (code, out, err) = run("folder plan", &["plan", f]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("\\e]52;c;bmFtZQ=="),
        "the file name, escaped: {err}"
    );
    assert!(
        err.contains("unknown\\e]52;c;Y29ubmVjdA=="),
        "the connect.json key: {err}"
    );
    assert!(err.contains("CN=Hostile"), "{err}");
    for args in [
        vec!["plan", f, "--allow-partial"],
        vec!["plan", f, "--allow-partial", "--json"],
        vec!["plan", f, "--allow-partial", "--explain"],
        vec!["errors", f, "--allow-partial", "--json"],
        vec![f, "--allow-partial"],
    ] {
        let (code, _, err) = run(&format!("{args:?}"), &args);
        assert!(matches!(code, 2 | 3), "{args:?}: {code} {err}");
    }
}

#[test]
fn error_messages_show_hostile_keys_and_file_names_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = std::fs::read_to_string(fixture("bundle.json")).unwrap();
    // A duplicate key, an unknown feature and a bad GUID: each message quotes the input.
    let cases = [
        bundle.replacen(
            '{',
            "{\"\\u001b]0;dup\\u0007\": 1, \"\\u001b]0;dup\\u0007\": 2,",
            1,
        ),
        bundle.replacen(
            "\"simulation\": {",
            "\"simulation\": {\"\\u001b]52;c;ZmVhdHVyZQ==\\u0007\\u202e\": true,",
            1,
        ),
        bundle.replacen(
            "\"objectGUID\": \"",
            "\"objectGUID\": \"\\u001b[2J\\u2028not-a-guid",
            1,
        ),
        "{\"tenant\u{1b}]0;x\u{7}".to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}\u{1b}]0;file\u{7}.json"));
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = run(
            &format!("bad bundle {i}"),
            &["plan", path.to_str().unwrap()],
        );
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("\\e]0;file\\u{7}"),
            "the file name, escaped: {err}"
        );
    }
}
