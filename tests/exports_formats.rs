//! Real-world export formats (issue 11, item 1): what Windows PowerShell 5.1 and Microsoft Graph
//! actually write, and files that are not exports at all, in sample-data/exports-formats/real-world/.
//! None is misread: each is read, or skipped with a warning, or makes the load partial (exit 1
//! unless --allow-partial, then 3; interfaces §7).

use std::path::{Path, PathBuf};
use std::process::Command;
use syncscope::import::{ImportOptions, LoadReport, load_snapshot, read_export_bytes};

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sample-data/exports-formats/real-world"
);
const EXPORTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/exports");

fn read(name: &str) -> (usize, LoadReport) {
    let bytes = std::fs::read(Path::new(REAL).join(name)).unwrap();
    read_export_bytes(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn format_of(r: &LoadReport) -> &str {
    &r.files[0].1
}

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

/// The sample export folder plus the named real-world files.
fn folder_with(extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(EXPORTS).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    for name in extra {
        std::fs::copy(Path::new(REAL).join(name), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn semicolon_utf16_and_type_line_csv_exports_are_read_whole() {
    let (users, r) = read("ad-users-semicolon.csv");
    assert!(users > 10, "{r}");
    assert!(!r.is_partial(), "{r}");
    assert!(format_of(&r).contains("semicolon-delimited"), "{r}");
    assert!(format_of(&r).contains("#TYPE"), "{r}");
    let (groups, r) = read("ad-groups-utf16le-semicolon.csv");
    assert!(groups > 3, "{r}");
    assert!(!r.is_partial(), "{r}");
    assert!(format_of(&r).contains("UTF-16LE"), "{r}");
    let (contacts, r) = read("ad-contacts-utf16be-tab.csv");
    assert!(contacts > 0, "{r}");
    assert!(format_of(&r).contains("tab-delimited"), "{r}");
    assert!(format_of(&r).contains("UTF-16BE"), "{r}");
    // The same objects as the comma-separated original.
    let original = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/exports-formats/powershell-5.1-csv/users.csv"
    ))
    .unwrap();
    assert_eq!(read_export_bytes("users.csv", &original).unwrap().0, users);
}

#[test]
fn graph_users_without_select_make_the_load_partial_naming_the_select() {
    let (n, r) = read("graph-users-default-properties.json");
    assert_eq!(n, 6);
    assert!(r.is_partial(), "{r}");
    let issue = &r.incomplete[0];
    assert!(
        issue.message.contains("onPremisesImmutableId")
            && issue.message.contains("onPremisesSyncEnabled"),
        "{issue}"
    );
    assert!(
        issue
            .message
            .contains("v1.0/users?$select=id,displayName,userPrincipalName,mail"),
        "{issue}"
    );
}

#[test]
fn a_role_member_list_is_not_read_as_users() {
    let (n, r) = read("globaladmin-members.json");
    assert_eq!(n, 0, "{r}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("directoryObjects list")),
        "{r}"
    );
    // In a folder it no longer overrides the real users.
    let dir = folder_with(&["globaladmin-members.json"]);
    let l = load_snapshot(dir.path(), &ImportOptions::default()).unwrap();
    assert!(!l.report.is_partial(), "{}", l.report);
    let plain = load_snapshot(Path::new(EXPORTS), &ImportOptions::default()).unwrap();
    assert_eq!(l.bundle.cloud, plain.bundle.cloud);
}

#[test]
fn deleted_items_without_deleted_date_time_count_as_deleted() {
    let (n, r) = read("deleted-users-no-deletedDateTime.json");
    assert!(n > 0);
    assert!(
        r.warnings.iter().any(|w| w
            .message
            .contains("without deletedDateTime: counted as deleted")),
        "{r}"
    );
    let dir = tempfile::tempdir().unwrap();
    let name = "deleted-users-no-deletedDateTime.json";
    std::fs::copy(Path::new(REAL).join(name), dir.path().join(name)).unwrap();
    std::fs::copy(
        Path::new(EXPORTS).join("domains.json"),
        dir.path().join("domains.json"),
    )
    .unwrap();
    let l = load_snapshot(dir.path(), &ImportOptions::default()).unwrap();
    assert!(!l.bundle.cloud.is_empty());
    assert!(
        l.bundle.cloud.iter().all(|c| c.is_deleted()),
        "{}",
        l.report
    );
}

#[test]
fn deleted_items_that_cannot_be_told_from_active_ones_make_the_load_partial() {
    // The context Graph gives GET /directory/deletedItems/microsoft.graph.user is #users, and
    // without deletedDateTime in the $select nothing in the objects says they are deleted.
    let text =
        std::fs::read_to_string(Path::new(REAL).join("deleted-users-no-deletedDateTime.json"))
            .unwrap()
            .replace("#directory/deletedItems/microsoft.graph.user(", "#users(");
    let (_, r) = read_export_bytes("deletedItems-users.json", text.as_bytes()).unwrap();
    assert!(r.is_partial(), "{r}");
    assert!(
        r.incomplete[0].message.contains("named as deleted items"),
        "{r}"
    );
    // The same objects under another name are read as active users: nothing says otherwise.
    let (_, r) = read_export_bytes("users-3.json", text.as_bytes()).unwrap();
    assert!(!r.is_partial(), "{r}");
}

#[test]
fn desktop_ini_readme_fifo_and_partial_temps_are_skipped_with_a_warning() {
    let dir = folder_with(&["desktop.ini"]);
    std::fs::write(dir.path().join("README.md"), "# exports of 2026-11-30\n").unwrap();
    std::fs::write(
        dir.path().join(".users-3.json.syncscope-partial-AbC123"),
        "{\"value\": [",
    )
    .unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let l = load_snapshot(dir.path(), &ImportOptions::default()).unwrap();
    assert!(!l.report.is_partial(), "{}", l.report);
    let warned = |needle: &str| {
        l.report
            .warnings
            .iter()
            .find(|w| w.message.contains(needle))
            .unwrap_or_else(|| panic!("no warning {needle:?}: {}", l.report))
            .file
            .clone()
    };
    assert!(warned(".ini file").ends_with("desktop.ini"));
    assert!(warned(".md file").ends_with("README.md"));
    assert!(warned("interrupted syncscope write").contains("syncscope-partial"));
    if made.is_ok_and(|s| s.success()) {
        assert!(warned("not a regular file").ends_with("pipe.json"));
        // Named directly (snapshot, scenario, hardmatch CSV), a FIFO is refused, never opened.
        let f = fifo.to_str().unwrap();
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
        for args in [
            vec!["plan", f],
            vec!["scenario", f],
            vec!["hardmatch", sample, "--csv", f],
        ] {
            let (code, _, err) = run(&args);
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(err.contains("not a regular file"), "{err}");
        }
    }
}

#[test]
fn an_ldifde_file_cut_at_a_line_end_is_incomplete() {
    let (n, r) = read("ad-cut.ldf");
    assert_eq!(n, 4, "{r}");
    assert!(r.is_partial(), "{r}");
    assert!(
        r.incomplete[0].message.contains("cut short"),
        "{}",
        r.incomplete[0]
    );
    // The whole file is whole.
    let whole = std::fs::read(Path::new(EXPORTS).join("contoso-ad.ldf")).unwrap();
    assert!(!read_export_bytes("ad.ldf", &whole).unwrap().1.is_partial());
}

#[test]
fn ldapsearch_output_without_its_trailer_or_with_a_wrong_count_is_incomplete() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/exports-formats/ldapsearch/contoso-ad.ldif"
    );
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        !read_export_bytes("ad.ldif", text.as_bytes())
            .unwrap()
            .1
            .is_partial()
    );
    let cut = &text[..text.find("# search result").unwrap()];
    let r = read_export_bytes("ad.ldif", cut.as_bytes()).unwrap().1;
    assert!(r.incomplete[0].message.contains("# numEntries"), "{r}");
    let count: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("# numEntries: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let wrong = text.replace(
        &format!("# numEntries: {count}"),
        &format!("# numEntries: {}", count + 1),
    );
    let r = read_export_bytes("ad.ldif", wrong.as_bytes()).unwrap().1;
    assert!(
        r.incomplete[0]
            .message
            .contains(&format!("says {}", count + 1)),
        "{r}"
    );
}

#[test]
fn duplicate_json_keys_are_bad_input_in_bundles_and_exports() {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/contoso.json"
    ))
    .unwrap();
    // A second "onPremises" would replace the first.
    let doubled = sample.replacen("{", "{\"onPremises\": [],", 1);
    let e = syncscope::bundle::parse_bundle("b.json", doubled.as_bytes()).unwrap_err();
    assert!(e.message.contains("appears twice"), "{e}");
    // Inside one object, compared ignoring case as the reader compares AD attribute names.
    let inner = sample.replacen(
        "\"objectGUID\"",
        "\"ObjectGUID\": \"00000000-0000-0000-0000-000000000001\", \"objectGUID\"",
        1,
    );
    let e = syncscope::bundle::parse_bundle("b.json", inner.as_bytes()).unwrap_err();
    assert!(e.message.contains("\"objectGUID\" appears twice"), "{e}");
    let graph = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","onPremisesImmutableId":"iGhmiAEBERG7uxI0VniQqw==","onPremisesImmutableId":null}]}"#;
    let e = read_export_bytes("users.json", graph).unwrap_err();
    assert!(e.message.contains("appears twice"), "{e}");
    assert!(e.position.starts_with("line 1"), "{e}");
}

#[test]
fn partial_loads_exit_1_unless_allowed_then_3_with_the_load_report() {
    let dir = folder_with(&["ad-cut.ldf"]);
    let snapshot = dir.path().to_str().unwrap();
    // The cut file duplicates objects of the whole one; the cut record makes the load partial.
    let (code, out, err) = run(&["plan", snapshot, "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("--allow-partial"), "{err}");
    assert!(err.contains("ad-cut.ldf: LDIF (ldifde)"), "{err}");
    let (code, out, err) = run(&["plan", snapshot, "--json", "--allow-partial"]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["load"]["partial"], true);
    assert!(v["load"]["skipped"].as_u64().unwrap() > 0);
    let files = v["load"]["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("ad-cut.ldf")
                && f["format"] == "LDIF (ldifde)")
    );
    assert!(v["load"]["warnings"].is_array());
    // errors --json carries it too; a whole load exits 0 with "partial": false.
    let (code, out, _) = run(&["errors", snapshot, "--json", "--allow-partial"]);
    assert_eq!(code, 3);
    assert!(out.contains("\"load\""));
    let (code, out, err) = run(&["plan", EXPORTS, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["load"]["partial"], false);
    let files = std::fs::read_dir(EXPORTS).unwrap().count();
    assert_eq!(v["load"]["files"].as_array().unwrap().len(), files);
    // The per-file report is on stderr even when the load is clean.
    assert!(err.contains("contoso-ad.ldf: LDIF (ldifde), "), "{err}");
}

#[test]
fn the_hardmatch_csv_reader_takes_what_windows_powershell_writes() {
    let mut utf16 = vec![0xFF, 0xFE];
    let text = "#TYPE System.Management.Automation.PSCustomObject\r\n\"SamAccountName\";\"CloudUPN\"\r\n\"ijohansson\";\"jordan.lee@contoso.com\"\r\n\"npetersen\";\"nils.petersen@fabrikam.com\"\r\n";
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let rows = syncscope::hardmatch::read_csv("pairs.csv", &utf16).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].sam_account_name, "ijohansson");
    assert_eq!(rows[0].cloud_upn, "jordan.lee@contoso.com");
    assert_eq!(rows[0].line, 3, "lines count the #TYPE line");
    assert_eq!(rows[1].line, 4);
}

#[test]
fn sync_and_generate_never_replace_a_file_without_force_nor_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let snap: PathBuf = dir.path().join("snap.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json"),
        &snap,
    )
    .unwrap();
    let before = std::fs::read(&snap).unwrap();
    let s = snap.to_str().unwrap();
    let (code, _, err) = run(&["sync", s, "--out", s]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("input"), "{err}");
    let (code, _, err) = run(&["sync", s, "--out", s, "--force"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        std::fs::read(&snap).unwrap(),
        before,
        "the input is untouched"
    );
    let out = dir.path().join("out.json");
    std::fs::write(&out, "keep me").unwrap();
    let o = out.to_str().unwrap();
    let (code, _, err) = run(&["sync", s, "--out", o]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let (code, _, err) = run(&["generate", "--objects", "10", "--out", o]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let (code, _, err) = run(&["generate", "--objects", "10", "--out", o, "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&out).unwrap().starts_with('{'));
    let (code, _, err) = run(&["sync", s, "--out", o, "--force"]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}

#[test]
fn absurd_counts_are_bad_usage() {
    for args in [
        &[
            "generate",
            "--objects",
            "18446744073709551615",
            "--out",
            "/tmp/never.json",
        ][..],
        &["generate", "--objects", "0", "--out", "/tmp/never.json"],
        &["bench", "--sizes", "10,18446744073709551615"],
        &[
            "sync",
            EXPORTS,
            "--cycles",
            "4294967295",
            "--out",
            "/tmp/never.json",
        ],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!Path::new("/tmp/never.json").exists());
}
