//! The compact model plans, writes and re-reads a generated tenant exactly as the model before it
//! did (issue 15). Two steps, each checked against the binary built before it:
//! - extra attributes kept as JSON text, not `serde_json::Value` maps: the hashes of the first
//!   test were taken with the binary of commit 1f2e4a7;
//! - directory values, anchors and trace values as compact text (inline up to 24 bytes) instead
//!   of `String`: every output of the second test was compared byte for byte with the binary of
//!   commit 80c19f9, the model before it, on the same generated tenants.

mod util;

use sha2::{Digest, Sha256};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `plan --json` without its load report (which names the file, here in a temporary folder).
fn plan_hash(file: &std::path::Path) -> String {
    let mut plan = util::json_of(&["plan".as_ref(), file.as_os_str(), "--json".as_ref()]);
    let load = plan
        .as_object_mut()
        .and_then(|o| o.shift_remove("load"))
        .expect("a load member");
    assert_eq!(load["partial"], false, "{load}");
    sha256(serde_json::to_string(&plan).unwrap().as_bytes())
}

#[test]
fn a_generated_tenant_plans_writes_and_syncs_as_with_the_old_model() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = dir.path().join("t.json");
    let synced = dir.path().join("s.json");
    let run = util::run(&[
        "generate".as_ref(),
        "--objects".as_ref(),
        "3000".as_ref(),
        "--seed".as_ref(),
        "7".as_ref(),
        "--out".as_ref(),
        tenant.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The generator writes its extra attributes through the compact model.
    assert_eq!(
        sha256(&std::fs::read(&tenant).unwrap()),
        "fc454a3e9406c4e05b492acc0f6fdda0f6d0597f21604b241979976698e2915b"
    );
    assert_eq!(plan_hash(&tenant), PLAN);
    // Two simulated cycles write the bundle back: extra attributes unchanged, the simulator's
    // own (onPremisesSyncBehavior, syncscopeLastExport) set in them.
    let run = util::run(&[
        "sync".as_ref(),
        tenant.as_os_str(),
        "--cycles".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        synced.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        sha256(&std::fs::read(&synced).unwrap()),
        "2ce766e721ad8504d4a73ff9c7c30142cd9b467b0bb16e9501cf7564afe3da61"
    );
    assert_eq!(plan_hash(&synced), PLAN_AFTER_SYNC);
}

/// `plan --json` of the generated tenant and of the tenant after two cycles, old model.
const PLAN: &str = "965950e0b735076c1762f14ad6da093c9dbd4e8bc27df3d6a6040fec8f095b0a";
const PLAN_AFTER_SYNC: &str = "d5c5dd0ed5885bae0dd1f11ec6e835c83ab66a6042721ba66d23105d355282cd";

/// The JSON a command prints, without its load report (which names the file, here in a
/// temporary folder), hashed.
fn json_hash(args: &[&std::ffi::OsStr], dir: &std::path::Path) -> String {
    let mut out = util::json_of(args);
    if let Some(load) = out.as_object_mut().and_then(|o| o.shift_remove("load")) {
        assert_eq!(load["partial"], false, "{load}");
    }
    let text = serde_json::to_string(&out).unwrap();
    assert!(
        !text.contains(dir.to_str().unwrap()),
        "the output names the temporary folder outside its load report"
    );
    sha256(text.as_bytes())
}

#[test]
fn what_if_settings_anchors_errors_and_checks_come_out_as_with_the_string_model() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |objects: &str, seed: &str, name: &str| {
        let file = dir.path().join(name);
        let run = util::run(&[
            "generate".as_ref(),
            "--objects".as_ref(),
            objects.as_ref(),
            "--seed".as_ref(),
            seed.as_ref(),
            "--out".as_ref(),
            file.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        file
    };
    let seven = generate("3000", "7", "seven.json");
    let other = generate("2500", "23", "other.json");
    // The generator builds its objects through the model, so the file itself is compared too.
    assert_eq!(
        sha256(&std::fs::read(&other).unwrap()),
        "e3b7cd40777507fe149bdb3a809c08b76f6ba70270af406f77545a500a381524"
    );
    let cases: [(&[&str], &std::path::Path, &str); 5] = [
        (
            &["plan", "--json", "--set", "blockSoftMatchEnabled=true"],
            &seven,
            "8221236cd4620d9fff04756c74a2e9c69c85a2ce4fc2d9194c19460e7a7c01d1",
        ),
        (
            &["plan", "--json", "--source-anchor", "objectGUID"],
            &other,
            "8dc8adbb74d3631c4b11b91586a7867b9afd5ed16a5c4b6120ae53d159e2da7e",
        ),
        (
            &[
                "plan",
                "--json",
                "--set",
                "softMatchOnUpnEnabled=false",
                "--set",
                "hardMatchHardening=false",
            ],
            &other,
            "c3782fca6e956dac7a26bddaa81e3c866cf1ee86605b1612dc24e6f1393d50d8",
        ),
        (
            &["errors", "--json"],
            &seven,
            "1d1b1d76e9be3aca33b8e8fd564387f9183d30f129e51722de6aebc02e8d6e23",
        ),
        (
            &["check", "--json"],
            &seven,
            "6f7930535d20ff373d2d0a2212488ce9c69396bc0a85409aa1391446b06b5f72",
        ),
    ];
    let mut got = Vec::new();
    for (args, file, _) in &cases {
        let mut full: Vec<&std::ffi::OsStr> = vec![args[0].as_ref(), file.as_os_str()];
        full.extend(args[1..].iter().map(|a| std::ffi::OsStr::new(*a)));
        got.push(json_hash(&full, dir.path()));
    }
    let wanted: Vec<&str> = cases.iter().map(|c| c.2).collect();
    assert_eq!(
        got,
        wanted,
        "{:#?}",
        cases.iter().map(|c| c.0).collect::<Vec<_>>()
    );
}
