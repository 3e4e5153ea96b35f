//! The compact model (issue 15: extra attributes kept as JSON text, not `serde_json::Value`
//! maps) plans, writes and re-reads a generated tenant exactly as the model before it did: the
//! hashes below were taken with the binary built before the change (commit 1f2e4a7) on the same
//! generated tenant.

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
