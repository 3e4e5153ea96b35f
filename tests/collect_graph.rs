//! `syncscope collect --graph` against a local Microsoft Graph (127.0.0.1 only): the server in
//! this test answers with Microsoft's documented response shapes — the sample tenant's
//! hand-exported pages (sample-data/exports/), the token endpoint of the client-credentials
//! flow, `@odata.nextLink` paging, a 429 with Retry-After, 403 `Authorization_RequestDenied` —
//! and the collected folder must plan exactly as the hand-exported one. No secret may appear in
//! any file written, on stdout or on stderr.

#[path = "support/graph.rs"]
mod graph;

use graph::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn syncscope(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syncscope"));
    c.args(args).env_remove("SYNCSCOPE_TEST_SECRET");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run syncscope")
}

/// `plan --json` of a folder, without the load report.
fn plan(folder: &Path) -> Value {
    let out = syncscope(&["plan", "--json", &folder.display().to_string()], &[]);
    assert!(
        out.status.success(),
        "plan {}: {}",
        folder.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

/// Every byte written under `dir`.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("folder") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            let bytes = std::fs::read(&p).expect("file");
            out.push((p, bytes));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn graph_collection_plans_like_the_hand_export_and_keeps_the_secret() {
    let server = start(Behaviour::default());
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(run.status.success(), "collect failed: {stderr}");
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
        assert_eq!(seen.throttled, 1, "the 429 was served");
        assert_eq!(seen.unauthorised, 0);
        assert_eq!(seen.token_requests, 1);
        // Page 2 was asked for twice: once throttled, once after Retry-After.
        let second_pages = seen
            .requests
            .iter()
            .filter(|r| r.starts_with("GET /beta/users?") && r.to_lowercase().contains("skiptoken"))
            .count();
        assert_eq!(second_pages, 2, "{:#?}", seen.requests);
    }
    // Both user pages, saved as Graph returned them.
    for f in [
        "users-1.json",
        "users-2.json",
        "groups-1.json",
        "contacts-1.json",
        "domains-1.json",
        "directoryRoles.json",
        "roleEligibilitySchedules-1.json",
        "onPremisesSynchronization.json",
        "roleDefinitions-1.json",
        "deletedItems-users-1.json",
        "connect.json",
        "collected.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No half-built folder is left next to it.
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings.len(), 1, "{siblings:?}");

    // The collected cloud side plus the hand-exported on-prem side plans as the hand export.
    std::fs::copy(exports().join("contoso-ad.ldf"), out.join("contoso-ad.ldf")).expect("copy");
    let mut collected = plan(&out);
    let mut hand = plan(&exports());
    let (a, b) = (
        collected["outcomes"].as_array().expect("outcomes"),
        hand["outcomes"].as_array().expect("outcomes"),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "{} plans differently", y["distinguishedName"]);
    }
    assert_eq!(collected["summary"], hand["summary"]);
    for v in [&mut collected, &mut hand] {
        // The load report names each folder's own files; the plan around it must be equal.
        let o = v.as_object_mut().unwrap();
        o.remove("outcomes");
        o.remove("load");
    }
    assert_eq!(collected, hand);

    // (c) The secret and the token are in no file, nor on stdout or stderr.
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, SECRET),
            "the secret is in {}",
            path.display()
        );
        assert!(
            !contains(&bytes, TOKEN),
            "the token is in {}",
            path.display()
        );
    }
    for stream in [&run.stdout, &run.stderr] {
        assert!(!contains(stream, SECRET) && !contains(stream, TOKEN));
    }
    let record = std::fs::read_to_string(out.join("collected.json")).unwrap();
    assert!(
        record.contains("SYNCSCOPE_TEST_SECRET"),
        "the variable's name is recorded: {record}"
    );

    // Progress bars are drawn only on a terminal: a pipe gets plain lines.
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );

    // Collected again from the sources in collected.json (the library call behind the TUI's R).
    let before = server.seen.lock().unwrap().requests.len();
    let env = |name: &str| (name == "SYNCSCOPE_TEST_SECRET").then(|| SECRET.to_string());
    let report = syncscope::collect::recollect(&out, &env).expect("re-collect");
    assert!(server.seen.lock().unwrap().requests.len() > before);
    assert!(report.files.iter().any(|f| f.name == "users-2.json"));
    // The AD export added by hand to this Graph-only collection is kept, unchanged, and said so.
    assert_eq!(
        std::fs::read(out.join("contoso-ad.ldf")).expect("kept"),
        std::fs::read(exports().join("contoso-ad.ldf")).expect("original")
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("contoso-ad.ldf") && w.contains("added by hand")),
        "{:?}",
        report.warnings
    );
    let record = syncscope::collect::read_record(&out).expect("record");
    let ous: Vec<String> = read_json("connect.json")["includedOUs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    assert_eq!(record.included_ous, ous);

    // An existing folder is not replaced without --force.
    let again = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn a_missing_permission_or_a_wrong_secret_fails_cleanly_and_names_it() {
    let server = start(Behaviour {
        users_forbidden: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("403"), "{stderr}");
    assert!(stderr.contains("User.Read.All"), "{stderr}");
    assert!(
        !out.exists(),
        "nothing is written when a required collection fails"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temporary folder left"
    );
    assert!(!contains(&run.stderr, SECRET) && !contains(&run.stderr, TOKEN));

    // A wrong secret: the sign-in error, without the secret given.
    let wrong = "Wrong~secret~value-0000";
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", wrong)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(!stderr.contains(wrong), "{stderr}");
    assert!(!out.exists());

    // The variable not set: a usage error naming the variable.
    let run = syncscope(&args, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("SYNCSCOPE_TEST_SECRET"));

    // Plain http to anything but loopback is refused before any request.
    let run = syncscope(
        &[
            "collect",
            "--graph",
            "--graph-url",
            "http://graph.example.com",
            "--out",
            &out_s,
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("loopback"));
}

#[test]
fn device_code_sign_in_shows_the_code_and_asks_for_read_only_scopes() {
    let server = start(Behaviour::default());
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let args = vec![
        "collect",
        "--graph",
        "--tenant",
        TENANT,
        "--device-code",
        "--graph-url",
        &server.base,
        "--login-url",
        &server.base,
        "--out",
        &out_s,
    ];
    let r = syncscope(&args, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(r.status.success(), "{stderr}");
    assert!(
        stderr.contains("https://microsoft.com/devicelogin") && stderr.contains("FK7QW2ZPX"),
        "{stderr}"
    );
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
        assert_eq!(seen.token_requests, 2, "polled until the sign-in was done");
    }
    assert!(out.join("users-2.json").is_file());
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, DEVICE_CODE) && !contains(&bytes, TOKEN),
            "{}",
            path.display()
        );
    }
    assert!(!contains(&r.stderr, DEVICE_CODE) && !contains(&r.stderr, TOKEN));
}

#[test]
fn a_next_link_to_another_host_is_not_followed_with_the_token() {
    let server = start(Behaviour {
        foreign_next_link: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let r = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("https://graph.example.net") && stderr.contains("not followed"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn an_expired_token_is_renewed_with_client_credentials() {
    let server = start(Behaviour {
        expire_after: Some(3),
        definitions_forbidden: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let r = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(r.status.success(), "{stderr}");
    assert!(stderr.contains("signed in again"), "{stderr}");
    // A 403 on an optional collection is a warning naming the permission; the rest is read.
    assert!(stderr.contains("roleDefinitions not read"), "{stderr}");
    assert!(
        stderr.contains("403 Authorization_RequestDenied"),
        "{stderr}"
    );
    assert!(stderr.contains("RoleManagement.Read.Directory"), "{stderr}");
    assert!(out.join("users-2.json").is_file() && !out.join("roleDefinitions-1.json").exists());
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.token_requests, 2);
    assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
    assert!(!contains(&r.stderr, TOKEN2) && !contains(&r.stderr, SECRET));
}

#[test]
fn sigterm_during_collection_leaves_no_folder() {
    let server = start(Behaviour {
        slow: Some(Duration::from_millis(300)),
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let child = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(&args)
        .env("SYNCSCOPE_TEST_SECRET", SECRET)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start collect");
    let start = Instant::now();
    while server.seen.lock().unwrap().requests.len() < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the collection did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Mid-collection: some pages are written in the temporary folder by now.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("collect ends");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
#[cfg_attr(
    not(has_openssl),
    ignore = "openssl not installed (apt-get install openssl; .ci/run installs it): it makes the test certificate"
)]
fn certificate_credentials_sign_a_client_assertion() {
    let Some(openssl) = ["/usr/bin/openssl", "/bin/openssl"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        panic!(
            "openssl is needed to make a test certificate (apt-get install openssl; see .ci/apt-packages)"
        );
    };
    let tmp = tempfile::tempdir().expect("temp");
    let key = tmp.path().join("key.pem");
    let cert = tmp.path().join("cert.pem");
    let run = |args: &[&str]| {
        let o = Command::new(&openssl).args(args).output().expect("openssl");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=syncscope-test",
        "-days",
        "2",
        "-keyout",
        &key.display().to_string(),
        "-out",
        &cert.display().to_string(),
    ]);
    let public = run(&[
        "rsa",
        "-in",
        &key.display().to_string(),
        "-RSAPublicKey_out",
        "-outform",
        "DER",
    ]);
    let der = run(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-outform",
        "DER",
    ]);
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
        .as_ref()
        .to_vec();
    // One PEM file with the certificate and its key, as Entra app certificates are kept.
    let both = tmp.path().join("app.pem");
    let mut pem = std::fs::read(&cert).unwrap();
    pem.extend(std::fs::read(&key).unwrap());
    std::fs::write(&both, &pem).unwrap();

    let server = start(Behaviour {
        certificate: Some((public, thumb)),
        ..Default::default()
    });
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let both_s = both.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--certificate", &both_s]);
    let r = syncscope(&args, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
    }
    assert!(r.status.success(), "{stderr}");
    assert!(out.join("users-2.json").is_file());
    // The private key is in no file written and in no message.
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).expect("a key line");
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, key_line),
            "key material in {}",
            path.display()
        );
        assert!(
            !contains(&bytes, TOKEN),
            "the token is in {}",
            path.display()
        );
    }
    assert!(!contains(&r.stderr, key_line) && !contains(&r.stdout, key_line));
}

#[test]
fn ldap_usage_and_unreachable_servers_are_told_apart() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    // Nothing listens on port 1: exit 1, naming the server.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--bind-dn",
            "CN=reader",
            "--password-env",
            "SYNCSCOPE_TEST_SECRET",
            "--out",
            &out_s,
        ],
        &[("SYNCSCOPE_TEST_SECRET", SECRET)],
    );
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ldaps://127.0.0.1:1") && stderr.contains("cannot connect"),
        "{stderr}"
    );
    assert!(!contains(&r.stderr, SECRET));
    assert!(!out.exists());
    // Without the kerberos feature, --kerberos is refused as usage, saying why; with it, an
    // unreachable server is bad input (1), never a usage error.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--kerberos",
            "--out",
            &out_s,
        ],
        &[],
    );
    if cfg!(feature = "kerberos") {
        assert_eq!(
            r.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
    } else {
        assert_eq!(r.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&r.stderr).contains("GSSAPI"));
    }
    // A password is never an argument: --bind-dn needs --password-env.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--bind-dn",
            "CN=reader",
            "--out",
            &out_s,
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2));
    // Nothing to collect.
    let r = syncscope(&["collect", "--out", &out_s], &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("nothing to collect"));
    assert!(!out.exists());
}
