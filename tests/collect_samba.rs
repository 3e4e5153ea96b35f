//! `syncscope collect --ldap` against a real directory: a Samba AD domain controller (the one
//! tests/samba_dc.rs provisions, with a CA-signed certificate for 127.0.0.1) read over LDAPS and
//! over StartTLS, paged with a page size smaller than the object count; the collected folder
//! must plan exactly as the ldbsearch export of the same DC. Plain binds are refused, wrong
//! passwords named as such, and the password appears in no file, stdout or stderr.
//!
//! `collect_benchmark_from_samba` (ignored; run it by name) bulk-loads
//! SYNCSCOPE_BENCH_OBJECTS objects (default 100,000) with ldbadd and times their collection
//! (BENCHMARKS.md).

#[path = "support/samba.rs"]
mod samba;

use samba::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use syncscope::import::{ImportOptions, load_snapshot};

const CONNECT: &str =
    r#"{"sourceAnchor": "mS-DS-ConsistencyGuid", "includedOUs": ["OU=Corp,DC=contoso,DC=com"]}"#;
const PASSWORD_ENV: &str = "SYNCSCOPE_DC_PASSWORD";

/// The syncscope binary, with no password in its environment.
fn command() -> Command {
    // The benchmark can time a release build: SYNCSCOPE_BENCH_BIN=target/release/syncscope.
    let bin = std::env::var_os("SYNCSCOPE_BENCH_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_syncscope").into());
    let mut c = Command::new(bin);
    c.env_remove(PASSWORD_ENV);
    c
}

fn syncscope(args: &[&str], password: Option<&str>) -> Output {
    let mut c = command();
    c.args(args);
    syncscope_run(c, password)
}

fn syncscope_run(mut c: Command, password: Option<&str>) -> Output {
    if let Some(p) = password {
        c.env(PASSWORD_ENV, p);
    }
    c.output().expect("run syncscope")
}

fn collect_ldap(
    url: &str,
    ca: &Path,
    out: &Path,
    page: &str,
    extra: &[&str],
    pw: Option<&str>,
) -> Output {
    collect_ldap_timed(url, ca, out, page, extra, pw, None)
}

/// `collect_ldap`, run under GNU time writing to `rusage` when given.
fn collect_ldap_timed(
    url: &str,
    ca: &Path,
    out: &Path,
    page: &str,
    extra: &[&str],
    pw: Option<&str>,
    rusage: Option<&Path>,
) -> Output {
    let bind = format!("CN=Administrator,CN=Users,{BASE}");
    let ca = ca.display().to_string();
    let out = out.display().to_string();
    let mut args = vec![
        "collect",
        "--ldap",
        url,
        "--base",
        BASE,
        "--bind-dn",
        &bind,
        "--password-env",
        PASSWORD_ENV,
        "--ca-file",
        &ca,
        "--page-size",
        page,
        "--source-anchor",
        "mS-DS-ConsistencyGuid",
        "--included-ou",
        "OU=Corp,DC=contoso,DC=com",
        "--out",
        &out,
    ];
    args.extend(extra);
    match rusage {
        // The benchmark's CPU time and peak memory of the collect process alone: GNU time writes
        // "wall user system maxrss-KiB" to that file.
        Some(file) => {
            let bin = command().get_program().to_owned();
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%e %U %S %M", "-o"])
                .arg(file)
                .arg(bin)
                .args(&args);
            c.env_remove(PASSWORD_ENV);
            syncscope_run(c, pw)
        }
        None => syncscope(&args, pw),
    }
}

fn plan(folder: &Path) -> Value {
    let out = syncscope(&["plan", "--json", &folder.display().to_string()], None);
    assert!(
        out.status.success(),
        "plan {}: {}",
        folder.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The number N in "… in N LDAP pages" of the summary line.
fn pages(stderr: &str) -> usize {
    let i = stderr
        .find(" LDAP pages")
        .expect("the summary names the pages");
    stderr[..i]
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number of pages")
}

#[test]
#[cfg_attr(
    not(has_samba),
    ignore = "Samba AD DC or openssl not installed (apt-get install samba samba-ad-provision samba-ad-dc ldb-tools ldap-utils openssl krb5-user; .ci/run installs them)"
)]
fn ldap_collection_from_samba_plans_like_its_ldbsearch_export() {
    let t = Tools::find();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dc = provision(&t, tmp.path());
    populate(&t, &dc);
    // A deleted user: a tombstone in CN=Deleted Objects, read with the show-deleted control.
    run(
        Command::new(&t.samba_tool)
            .args(["user", "delete", "kmills", "-H"])
            .arg(&dc.sam),
        "samba-tool user delete",
        Duration::from_secs(60),
    );
    // What the DC holds, read without a server, with collect's own filter and attributes.
    let ldb = run(
        Command::new(&t.ldbsearch)
            .arg("-H")
            .arg(&dc.sam)
            .args(["-b", BASE, syncscope::collect::ldap::FILTER])
            .args(syncscope::collect::ldap::ATTRIBUTES),
        "ldbsearch",
        Duration::from_secs(60),
    );
    let ldb_dir = tmp.path().join("ldbsearch");
    std::fs::create_dir(&ldb_dir).unwrap();
    std::fs::write(ldb_dir.join("samba-ldbsearch.ldif"), &ldb).unwrap();
    std::fs::write(ldb_dir.join("domains.json"), DOMAINS).unwrap();
    std::fs::write(ldb_dir.join("connect.json"), CONNECT).unwrap();
    let ldb_loaded =
        load_snapshot(&ldb_dir, &ImportOptions::default()).expect("ldbsearch export loads");
    let objects = ldb_loaded.bundle.on_premises.len();
    assert!(objects > 20, "{objects} objects");

    let tls = tmp.path().join("tls");
    std::fs::create_dir(&tls).unwrap();
    let mut options = tls_files(&t, &tls);
    // As a Windows DC: a Kerberos (SASL) bind inside TLS needs no extra signing or sealing
    // (Samba's default "yes" wants them; simple binds still need TLS either way).
    options.push("--option=ldap server require strong auth=allow_sasl_over_tls".into());
    let ca = tls.join("ca.pem");
    let log = tmp.path().join("samba.log");
    let _server = start_server(&t.samba, &dc.target.join("etc/smb.conf"), &log, &options);
    wait_for_ldaps(&t, &ca, &log);

    // LDAPS, three objects a page.
    let snap = tmp.path().join("snap");
    let r = collect_ldap("ldaps://127.0.0.1", &ca, &snap, "3", &[], Some(PASSWORD));
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(r.status.success(), "collect: {stderr}");
    assert!(pages(&stderr) >= objects / 3, "{stderr}");
    let collected = std::fs::read_to_string(snap.join("ad-contoso.com.ldif")).expect("the LDIF");
    assert!(collected.contains("objectGUID:: "), "GUIDs as base64 bytes");
    let deleted =
        std::fs::read_to_string(snap.join("ad-contoso.com-deleted.ldif")).expect("deleted objects");
    assert!(
        deleted.contains("isDeleted: TRUE") && deleted.contains("kmills"),
        "{deleted}"
    );

    // The collected folder gives the same directory and the same plan as ldbsearch's.
    std::fs::write(snap.join("domains.json"), DOMAINS).unwrap();
    let loaded =
        load_snapshot(&snap, &ImportOptions::default()).expect("the collected folder loads");
    assert_eq!(
        loaded.bundle.on_premises.len(),
        objects,
        "{}",
        loaded.report
    );
    // Interfaces §7: a tombstone is of a kind syncscope does not plan: counted as ignored, and
    // the load stays whole.
    assert!(loaded.report.skipped.is_empty(), "{}", loaded.report);
    assert_eq!(
        loaded
            .report
            .ignored
            .iter()
            .filter(|s| s.message.contains("a deleted object"))
            .count(),
        1,
        "the tombstone is listed, not loaded: {}",
        loaded.report
    );
    let by_guid = |l: &syncscope::import::Loaded| {
        let mut v = l.bundle.on_premises.clone();
        v.sort_by_key(|o| o.object_guid);
        v
    };
    let (a, b) = (by_guid(&loaded), by_guid(&ldb_loaded));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (
                x.object_guid,
                &x.distinguished_name,
                &x.consistency_guid,
                &x.object_sid,
                &x.proxy_addresses,
                &x.user_principal_name,
                &x.mail,
                &x.display_name,
                x.object_class,
                x.group_type
            ),
            (
                y.object_guid,
                &y.distinguished_name,
                &y.consistency_guid,
                &y.object_sid,
                &y.proxy_addresses,
                &y.user_principal_name,
                &y.mail,
                &y.display_name,
                y.object_class,
                y.group_type
            )
        );
    }
    let (p, q) = (plan(&snap), plan(&ldb_dir));
    assert_eq!(p["outcomes"], q["outcomes"]);
    assert_eq!(p["summary"], q["summary"]);

    // StartTLS on ldap:// reads the same entries.
    let snap2 = tmp.path().join("snap-starttls");
    let r2 = collect_ldap("ldap://127.0.0.1", &ca, &snap2, "1000", &[], Some(PASSWORD));
    assert!(
        r2.status.success(),
        "StartTLS: {}",
        String::from_utf8_lossy(&r2.stderr)
    );
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let again = std::fs::read_to_string(snap2.join("ad-contoso.com.ldif")).unwrap();
    assert_eq!(body(&again), body(&collected));

    // Kerberos: a ticket from Samba's KDC, then the same entries over a SASL GSSAPI bind.
    kerberos(&tmp.path().join("krb"), &ca, &collected, &p);

    // Without TLS the DC refuses the simple bind; the message says why.
    let snap3 = tmp.path().join("snap-plain");
    let r3 = collect_ldap(
        "ldap://127.0.0.1",
        &ca,
        &snap3,
        "1000",
        &["--insecure"],
        Some(PASSWORD),
    );
    let e3 = String::from_utf8_lossy(&r3.stderr).to_string();
    assert_eq!(r3.status.code(), Some(1), "{e3}");
    assert!(
        e3.contains("strongerAuthRequired") || e3.contains("confidentialityRequired"),
        "{e3}"
    );
    assert!(!snap3.exists());
    // A wrong password: invalidCredentials, and the password is not repeated.
    let wrong = "Not-The-Pa55word!";
    let r4 = collect_ldap("ldaps://127.0.0.1", &ca, &snap3, "1000", &[], Some(wrong));
    let e4 = String::from_utf8_lossy(&r4.stderr).to_string();
    assert_eq!(r4.status.code(), Some(1), "{e4}");
    assert!(e4.contains("invalidCredentials"), "{e4}");
    assert!(!e4.contains(wrong));
    // A certificate the CA file does not vouch for is refused.
    let other_ca = tmp.path().join("other-ca.pem");
    std::fs::copy(exports_ca_decoy(&t, tmp.path()), &other_ca).unwrap();
    let r5 = collect_ldap(
        "ldaps://127.0.0.1",
        &other_ca,
        &snap3,
        "1000",
        &[],
        Some(PASSWORD),
    );
    assert_eq!(r5.status.code(), Some(1));
    assert!(!snap3.exists());

    // (c) The password is in no file written, nor on stdout or stderr.
    for dir in [&snap, &snap2] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            assert!(
                !contains(&std::fs::read(&p).unwrap(), PASSWORD),
                "password in {}",
                p.display()
            );
        }
    }
    for o in [&r, &r2, &r3, &r4, &r5] {
        assert!(!contains(&o.stdout, PASSWORD) && !contains(&o.stderr, PASSWORD));
    }
}

/// `--kerberos` against the running DC: without a ticket the message names kinit; with one (a
/// private krb5.conf and ticket cache, the password fed to kinit on stdin) LDAPS, StartTLS and
/// plain LDAP with Kerberos encryption read the entries `simple` (the simple-bind LDIF) holds,
/// and the folder plans as `simple_plan`. The URL names the DC by address, so the SPN's host is
/// the DC's own dnsHostName (no DNS or /etc/hosts entry needed).
#[cfg(feature = "kerberos")]
fn kerberos(dir: &Path, ca: &Path, simple: &str, simple_plan: &Value) {
    use std::io::Write as _;
    use std::process::Stdio;
    std::fs::create_dir_all(dir).unwrap();
    let conf = dir.join("krb5.conf");
    std::fs::write(
        &conf,
        "[libdefaults]\n default_realm = CONTOSO.COM\n dns_lookup_kdc = false\n dns_lookup_realm = false\n \
         rdns = false\n dns_canonicalize_hostname = false\n\n[realms]\n CONTOSO.COM = {\n  kdc = 127.0.0.1\n }\n\n\
         [domain_realm]\n .contoso.com = CONTOSO.COM\n contoso.com = CONTOSO.COM\n",
    )
    .unwrap();
    let cache = dir.join("ccache");
    let ccname = format!("FILE:{}", cache.display());
    let collect = |url: &str, out: &Path, extra: &[&str]| {
        let mut c = command();
        c.env("KRB5_CONFIG", &conf)
            .env("KRB5CCNAME", &ccname)
            .args([
                "collect",
                "--ldap",
                url,
                "--kerberos",
                "--base",
                BASE,
                "--ca-file",
                &ca.display().to_string(),
                "--page-size",
                "7",
                "--source-anchor",
                "mS-DS-ConsistencyGuid",
                "--included-ou",
                "OU=Corp,DC=contoso,DC=com",
                "--out",
                &out.display().to_string(),
            ]);
        c.args(extra);
        c.output().expect("run syncscope")
    };
    // No ticket yet: a clear message naming kinit, and no folder.
    let none = dir.join("snap-no-ticket");
    let r = collect("ldaps://127.0.0.1", &none, &[]);
    let e = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(1), "{e}");
    assert!(
        e.contains("kinit") && e.contains("ldap/syncscopedc.contoso.com"),
        "{e}"
    );
    assert!(!none.exists());

    let kinit = find_program("kinit").expect("kinit (apt-get install krb5-user)");
    let mut child = Command::new(kinit)
        .env("KRB5_CONFIG", &conf)
        .env("KRB5CCNAME", &ccname)
        .arg("Administrator@CONTOSO.COM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kinit");
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let k = child.wait_with_output().unwrap();
    assert!(
        k.status.success(),
        "kinit: {}",
        String::from_utf8_lossy(&k.stderr)
    );
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (url, extra, name) in [
        ("ldaps://127.0.0.1", &[][..], "snap-kerberos"),
        ("ldap://127.0.0.1", &[][..], "snap-kerberos-starttls"),
        (
            "ldap://127.0.0.1",
            &["--insecure"][..],
            "snap-kerberos-sealed",
        ),
    ] {
        let out = dir.join(name);
        let r = collect(url, &out, extra);
        let e = String::from_utf8_lossy(&r.stderr).to_string();
        assert!(r.status.success(), "{url} {extra:?}: {e}");
        assert!(!contains(&r.stderr, PASSWORD) && !contains(&r.stdout, PASSWORD));
        let got = std::fs::read_to_string(out.join("ad-contoso.com.ldif")).unwrap();
        assert_eq!(body(&got), body(simple), "{url} {extra:?}");
        if name == "snap-kerberos" {
            std::fs::write(out.join("domains.json"), DOMAINS).unwrap();
            let q = plan(&out);
            assert_eq!(q["outcomes"], simple_plan["outcomes"]);
            assert_eq!(q["summary"], simple_plan["summary"]);
            for f in std::fs::read_dir(&out).unwrap() {
                let f = f.unwrap().path();
                assert!(
                    !contains(&std::fs::read(&f).unwrap(), PASSWORD),
                    "{}",
                    f.display()
                );
            }
        }
    }
}

/// A build without the `kerberos` feature says so for --kerberos, as a usage error.
#[cfg(not(feature = "kerberos"))]
fn kerberos(dir: &Path, ca: &Path, _: &str, _: &Value) {
    let out = dir.join("snap");
    let r = command()
        .args([
            "collect",
            "--ldap",
            "ldaps://127.0.0.1",
            "--kerberos",
            "--ca-file",
        ])
        .arg(ca)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run syncscope");
    let e = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("kerberos` feature"), "{e}");
    assert!(!out.exists());
}

/// A CA certificate that did not sign the DC's certificate.
fn exports_ca_decoy(t: &Tools, dir: &Path) -> std::path::PathBuf {
    let d = dir.join("decoy");
    std::fs::create_dir_all(&d).unwrap();
    let _ = tls_files(t, &d);
    d.join("ca.pem")
}

/// Users, groups and contacts for the benchmark, as ldbadd LDIF (no passwords: ldbadd writes
/// straight into sam.ldb while samba is stopped).
fn bulk_ldif(n: usize, start: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(n * 420);
    for i in start..start + n {
        match i % 10 {
            0 => {
                let _ = write!(
                    s,
                    "dn: CN=Bench Group {i},OU=Groups,OU=Corp,{BASE}\nobjectClass: group\nsAMAccountName: bgroup{i}\n\
                     groupType: -2147483646\nmail: bgroup{i}@contoso.com\nproxyAddresses: SMTP:bgroup{i}@contoso.com\n\n"
                );
            }
            1..=3 => {
                let _ = write!(
                    s,
                    "dn: CN=Bench Contact {i},OU=Contacts,OU=Corp,{BASE}\nobjectClass: contact\ndisplayName: Bench Contact {i}\n\
                     mail: contact{i}@fabrikam.com\nproxyAddresses: SMTP:contact{i}@fabrikam.com\n\n"
                );
            }
            _ => {
                let _ = write!(
                    s,
                    "dn: CN=Bench User {i},OU=Staff,OU=Corp,{BASE}\nobjectClass: user\nsAMAccountName: buser{i}\n\
                     userPrincipalName: buser{i}@contoso.com\ndisplayName: Bench User {i}\ngivenName: Bench\nsn: User {i}\n\
                     mail: buser{i}@contoso.com\nproxyAddresses: SMTP:buser{i}@contoso.com\nproxyAddresses: smtp:b{i}@contoso.com\n\
                     userAccountControl: 514\n\n"
                );
            }
        }
    }
    s
}

#[test]
#[ignore = "benchmark: bulk-loads SYNCSCOPE_BENCH_OBJECTS (a series, default 5000,20000) objects into a Samba DC; run by name"]
fn collect_benchmark_from_samba() {
    // ldbadd in ldb's batch mode (no per-entry sub-transaction: without it each add copies every
    // index list it touches, O(objects) per add; BENCHMARKS.md), unsynced, 10,000 entries a
    // transaction.
    let sizes: Vec<usize> = std::env::var("SYNCSCOPE_BENCH_OBJECTS")
        .unwrap_or_else(|_| "5000,20000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let pages: Vec<String> = std::env::var("SYNCSCOPE_BENCH_PAGES")
        .unwrap_or_else(|_| "1000".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let t = Tools::find();
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let dc = provision(&t, root);
    populate(&t, &dc);
    let tls = root.join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let options = tls_files(&t, &tls);
    let ca = tls.join("ca.pem");
    let mut loaded_n = 0;
    let mut load_time = Duration::ZERO;
    for &n in &sizes {
        let start = Instant::now();
        while loaded_n < n {
            let k = 10_000.min(n - loaded_n);
            let file = root.join("bulk.ldif");
            std::fs::write(&file, bulk_ldif(k, loaded_n)).unwrap();
            run(
                Command::new(&t.ldbadd)
                    .args(["--nosync", "-o", "batch_mode:1", "-o"])
                    .arg("transaction_index_cache_size:200000")
                    .arg("-H")
                    .arg(&dc.sam)
                    .arg(&file),
                "ldbadd",
                Duration::from_secs(3600),
            );
            loaded_n += k;
        }
        load_time += start.elapsed();
        eprintln!("bench: {loaded_n} bulk objects loaded (ldbadd, cumulative {load_time:.0?})");
        let log = root.join("samba.log");
        let server = start_server(&t.samba, &dc.target.join("etc/smb.conf"), &log, &options);
        wait_for_ldaps(&t, &ca, &log);
        for page in &pages {
            let snap = root.join(format!("snap-{n}-{page}"));
            let rusage = root.join("collect.rusage");
            let timed = Path::new("/usr/bin/time").exists();
            let begin = Instant::now();
            let r = collect_ldap_timed(
                "ldaps://127.0.0.1",
                &ca,
                &snap,
                page,
                &[],
                Some(PASSWORD),
                timed.then_some(rusage.as_path()),
            );
            let took = begin.elapsed();
            let cost = if timed {
                let t = std::fs::read_to_string(&rusage).unwrap_or_default();
                let f: Vec<f64> = t
                    .split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect();
                match f.as_slice() {
                    [_, user, sys, kib] => format!(
                        "CPU {:.2} s (user {user:.2} + system {sys:.2}), peak {:.0} MiB",
                        user + sys,
                        kib / 1024.0
                    ),
                    _ => format!("no rusage ({})", t.trim()),
                }
            } else {
                "CPU and peak not measured (/usr/bin/time missing)".into()
            };
            let stderr = String::from_utf8_lossy(&r.stderr).to_string();
            assert!(r.status.success(), "{stderr}");
            let size = std::fs::metadata(snap.join("ad-contoso.com.ldif"))
                .map(|m| m.len())
                .unwrap_or(0);
            std::fs::write(snap.join("domains.json"), DOMAINS).unwrap();
            let begin_load = Instant::now();
            let loaded = load_snapshot(&snap, &ImportOptions::default()).expect("loads");
            let load = begin_load.elapsed();
            let objects = loaded.bundle.on_premises.len();
            assert!(objects >= n);
            eprintln!(
                "bench: {objects} objects, page size {page}: collect over LDAPS {took:.2?} ({:.0} objects/s), {cost}, LDIF {:.1} MiB, \
                 loading the folder {load:.2?}; {}",
                objects as f64 / took.as_secs_f64(),
                size as f64 / (1 << 20) as f64,
                stderr.trim()
            );
            std::fs::remove_dir_all(&snap).unwrap();
        }
        drop(server);
    }
}
