//! A real directory: provisions a Samba Active Directory domain controller, creates users,
//! groups and contacts with UPNs, mail, proxyAddresses, non-ASCII names and
//! mS-DS-ConsistencyGuid, exports them with `ldapsearch` (over LDAPS, ldifde-style
//! `objectGUID:: <base64>`) and `ldbsearch` (GUIDs as text), loads both into syncscope and checks
//! every objectGUID → ImmutableID against what the DC reports.
//!
//! Needs `samba-tool`, `samba`, `ldbsearch`, `ldbmodify` and `ldapsearch` (the packages in
//! .ci/apt-packages). Without them the test is ignored with that reason (build.rs sets `has_samba`);
//! .ci/run installs them, so on CI it always runs.
//! The captured LDIF is committed under tests/fixtures/samba/ (set SYNCSCOPE_UPDATE_FIXTURES=1 to
//! refresh it), and `captured_samba_exports_load_with_the_dcs_guids` checks it everywhere.

use std::collections::BTreeMap;
#[path = "support/samba.rs"]
mod samba;

use samba::{BASE, DOMAINS, PASSWORD, Tools, populate, provision, run, start_server};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use syncscope::import::{ImportOptions, Loaded, load_snapshot};
use syncscope::model::{ObjectKind, SourceAnchorAttribute};

const FILTER: &str =
    "(&(|(objectCategory=person)(objectCategory=group))(!(isCriticalSystemObject=TRUE)))";
const ATTRIBUTES: [&str; 12] = [
    "objectClass",
    "objectGUID",
    "objectSid",
    "sAMAccountName",
    "userPrincipalName",
    "displayName",
    "mail",
    "mailNickname",
    "proxyAddresses",
    "mS-DS-ConsistencyGuid",
    "groupType",
    "distinguishedName",
];
const CONNECT: &str =
    r#"{"sourceAnchor": "mS-DS-ConsistencyGuid", "includedOUs": ["OU=Corp,DC=contoso,DC=com"]}"#;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samba")
}

/// An LDIF as (dn, [(attribute, value as written after the colon, with `::` kept)]), unfolded.
/// Deliberately small and separate from syncscope's reader: it is the test's own view of what
/// the DC printed.
fn entries(ldif: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut lines: Vec<String> = Vec::new();
    for l in ldif.lines() {
        match l.strip_prefix(' ') {
            Some(rest) if !lines.is_empty() => lines.last_mut().unwrap().push_str(rest),
            _ => lines.push(l.to_string()),
        }
    }
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for l in lines {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((name, value)) = l.split_once(':') else {
            continue;
        };
        if name == "dn" {
            let dn = match value.strip_prefix(':') {
                Some(b64) => {
                    use base64::Engine as _;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64.trim())
                        .expect("base64 dn");
                    String::from_utf8(bytes).expect("UTF-8 dn")
                }
                None => value.trim().to_string(),
            };
            out.push((dn, Vec::new()));
        } else if let Some((_, attrs)) = out.last_mut() {
            let (name, value) = match value.strip_prefix(':') {
                Some(v) => (format!("{name}::"), v.trim().to_string()),
                None => (name.to_string(), value.trim().to_string()),
            };
            attrs.push((name, value));
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What the DC reported for each object: objectGUID as text (ldbsearch), the raw objectGUID
/// bytes as base64 (LDAP), and mS-DS-ConsistencyGuid's raw bytes as base64 (LDAP).
#[derive(Debug, Default)]
struct Reported {
    guid_text: String,
    guid_base64: String,
    consistency_base64: Option<String>,
}

fn reported(ldb: &str, ldap: &str) -> BTreeMap<String, Reported> {
    let mut out: BTreeMap<String, Reported> = BTreeMap::new();
    for (dn, attrs) in entries(ldb) {
        if let Some(g) = attr(&attrs, "objectGUID") {
            out.entry(dn.to_lowercase()).or_default().guid_text = g.to_string();
        }
    }
    for (dn, attrs) in entries(ldap) {
        if let Some(g) = attr(&attrs, "objectGUID::") {
            let r = out.entry(dn.to_lowercase()).or_default();
            r.guid_base64 = g.to_string();
            r.consistency_base64 = attr(&attrs, "mS-DS-ConsistencyGuid::").map(str::to_string);
        }
    }
    out
}

/// Loads the two captured exports, each in a folder with a domains.json and connect.json, and
/// checks every object against what the DC reported.
fn check_exports(ldb: &str, ldap: &str) -> (Loaded, Loaded) {
    let dc = reported(ldb, ldap);
    assert!(
        dc.len() >= 9,
        "the DC reported {} objects: {dc:#?}",
        dc.len()
    );
    let mut loaded = Vec::new();
    for (name, text) in [
        ("samba-ldbsearch.ldif", ldb),
        ("samba-ldapsearch.ldif", ldap),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(name), text).expect("write export");
        std::fs::write(dir.path().join("domains.json"), DOMAINS).expect("write domains");
        std::fs::write(dir.path().join("connect.json"), CONNECT).expect("write connect");
        let l = load_snapshot(dir.path(), &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(l.report.skipped.is_empty(), "{name}: {}", l.report);
        assert_eq!(l.bundle.on_premises.len(), dc.len(), "{name}: {}", l.report);
        for o in &l.bundle.on_premises {
            let r = dc
                .get(&o.distinguished_name.as_str().to_lowercase())
                .unwrap_or_else(|| {
                    panic!(
                        "{name}: {} is not what the DC exported",
                        o.distinguished_name
                    )
                });
            let anchor = o.source_anchor(SourceAnchorAttribute::ObjectGuid);
            assert_eq!(
                o.object_guid.to_string(),
                r.guid_text,
                "{name}: {}",
                o.distinguished_name
            );
            assert_eq!(
                anchor.immutable_id(),
                r.guid_base64,
                "{name}: {}",
                o.distinguished_name
            );
            let with_cg = o
                .source_anchor(SourceAnchorAttribute::ConsistencyGuid)
                .immutable_id();
            match (&r.consistency_base64, o.object_class) {
                (Some(cg), ObjectKind::User) => {
                    assert_eq!(&with_cg, cg, "{name}: {}", o.distinguished_name)
                }
                _ => assert_eq!(with_cg, r.guid_base64, "{name}: {}", o.distinguished_name),
            }
        }
        loaded.push(l);
    }
    let ldap_loaded = loaded.pop().expect("two loads");
    let ldb_loaded = loaded.pop().expect("two loads");
    // Both tools' exports give the same directory.
    assert_eq!(
        ldb_loaded.bundle.on_premises,
        ldap_loaded.bundle.on_premises
    );
    (ldb_loaded, ldap_loaded)
}

fn check_directory_content(l: &Loaded) {
    let by_sam = |sam: &str| {
        l.bundle
            .on_premises
            .iter()
            .find(|o| o.sam_account_name.as_deref() == Some(sam))
            .unwrap_or_else(|| panic!("{sam} missing"))
    };
    let jose = by_sam("jalvarez");
    assert_eq!(jose.display_name.as_deref(), Some("José Álvarez"));
    assert_eq!(
        jose.user_principal_name.as_deref(),
        Some("jose.alvarez@contoso.com")
    );
    assert_eq!(
        jose.proxy_addresses,
        ["SMTP:jose.alvarez@contoso.com", "smtp:jalvarez@contoso.com"]
    );
    assert_eq!(
        jose.consistency_guid.map(|a| a.immutable_id()).as_deref(),
        Some("GGhsjYwBEU+buBsE4sqhtg==")
    );
    let taro = by_sam("tyamada");
    assert!(
        taro.distinguished_name.starts_with("CN=太郎 山田,"),
        "{}",
        taro.distinguished_name
    );
    let staff = by_sam("All Staff");
    assert_eq!(staff.object_class, ObjectKind::Group);
    assert!(staff.is_mail_enabled());
    assert!(
        staff
            .object_sid
            .as_deref()
            .is_some_and(|s| s.starts_with("S-1-5-21-"))
    );
    let contacts = l
        .bundle
        .on_premises
        .iter()
        .filter(|o| o.object_class == ObjectKind::Contact)
        .count();
    assert_eq!(contacts, 2);
    assert!(
        !l.bundle
            .connect
            .in_scope(&by_sam("kmills").distinguished_name)
    );
}

#[test]
fn captured_samba_exports_load_with_the_dcs_guids() {
    let ldb = std::fs::read_to_string(fixtures().join("samba-ldbsearch.ldif")).expect("fixture");
    let ldap = std::fs::read_to_string(fixtures().join("samba-ldapsearch.ldif")).expect("fixture");
    let (ldb_loaded, ldap_loaded) = check_exports(&ldb, &ldap);
    check_directory_content(&ldap_loaded);
    assert!(
        ldb_loaded
            .report
            .files
            .iter()
            .any(|(_, f, _)| f == "LDIF (ldbsearch)")
    );
    assert!(
        ldap_loaded
            .report
            .files
            .iter()
            .any(|(_, f, _)| f == "LDIF (ldapsearch)")
    );
}

#[test]
#[cfg_attr(
    not(has_samba),
    ignore = "Samba AD DC or openssl not installed (apt-get install samba samba-ad-provision samba-ad-dc ldb-tools ldap-utils openssl; .ci/run installs them)"
)]
fn samba_dc_exports_give_the_immutable_ids_the_dc_reports() {
    let t = Tools::find();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dc = provision(&t, tmp.path());
    populate(&t, &dc);
    let (target, sam, minute) = (&dc.target, &dc.sam, Duration::from_secs(60));
    let (samba, ldbsearch, ldapsearch) = (&t.samba, &t.ldbsearch, &t.ldapsearch);

    // What the DC reports without a server: ldbsearch reads sam.ldb directly.
    let ldb = run(
        Command::new(ldbsearch)
            .arg("-H")
            .arg(sam)
            .args(["-b", BASE, FILTER])
            .args(ATTRIBUTES),
        "ldbsearch",
        minute,
    );

    // And over LDAPS, as an admin's ldapsearch sees it.
    let server = start_server(
        samba,
        &target.join("etc/smb.conf"),
        &tmp.path().join("samba.log"),
        &[],
    );
    let bind_dn = format!("CN=Administrator,CN=Users,{BASE}");
    let ldap_args = |extra: &[&str]| {
        let mut c = Command::new(ldapsearch);
        c.env("LDAPTLS_REQCERT", "never")
            .args([
                "-x",
                "-o",
                "nettimeout=10",
                "-H",
                "ldaps://127.0.0.1",
                "-D",
                &bind_dn,
                "-w",
                PASSWORD,
                "-b",
                BASE,
            ])
            .args(extra);
        c
    };
    let start = Instant::now();
    loop {
        let ok = ldap_args(&["-s", "base", "dn"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            break;
        }
        if start.elapsed() > 2 * minute {
            let log = std::fs::read_to_string(tmp.path().join("samba.log")).unwrap_or_default();
            panic!("samba did not answer on ldaps://127.0.0.1 within 2 minutes:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut args: Vec<&str> = vec!["-E", "pr=1000/noprompt", FILTER];
    args.extend(ATTRIBUTES);
    let ldap = run(&mut ldap_args(&args), "ldapsearch", minute);
    drop(server);

    let (_, ldap_loaded) = check_exports(&ldb, &ldap);
    check_directory_content(&ldap_loaded);

    if std::env::var_os("SYNCSCOPE_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(fixtures()).expect("fixture dir");
        for (name, text) in [
            ("samba-ldbsearch.ldif", &ldb),
            ("samba-ldapsearch.ldif", &ldap),
        ] {
            let mut f = std::fs::File::create(fixtures().join(name)).expect("fixture file");
            f.write_all(text.as_bytes()).expect("write fixture");
        }
    }
}
