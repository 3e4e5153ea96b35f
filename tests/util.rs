//! What the integration tests share (after ripgrep's tests/util.rs): one loader of the sample
//! tenant, one way to run the binary, one builder of small bundles. Each test file that uses it
//! says `mod util;`.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use syncscope::model::Bundle;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
pub const SAMPLE: &str = "sample-data/contoso.json";

/// The bundled sample tenant.
pub fn sample() -> Bundle {
    let path = format!("{ROOT}/{SAMPLE}");
    syncscope::bundle::parse_bundle(&path, &std::fs::read(&path).unwrap()).unwrap()
}

/// The hostile fixture: control characters, bidi overrides and script syntax in every field.
pub fn hostile() -> Bundle {
    let path = format!("{ROOT}/tests/fixtures/hostile/bundle.json");
    syncscope::bundle::parse_bundle(&path, &std::fs::read(&path).unwrap()).unwrap()
}

/// What a run of the binary left.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary in the crate root (so relative sample paths work); a panic fails the test.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("the binary runs");
    let r = Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    };
    assert!(!r.stderr.contains("panicked"), "panicked:\n{}", r.stderr);
    r
}

/// Runs a command that must succeed and print one JSON document.
#[track_caller]
pub fn json_of<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Value {
    let r = run(args);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not one JSON document: {e}"))
}

/// A small bundle, built object by object: ids are derived from the names, so a test can say
/// `Mini::guid("Alice")` to find an object again.
#[derive(Clone, Debug)]
pub struct Mini {
    v: Value,
}

impl Default for Mini {
    fn default() -> Self {
        Self::new()
    }
}

impl Mini {
    /// An empty tenant (contoso.com managed, fabrikam.com federated), objectGUID anchors.
    pub fn new() -> Mini {
        Mini {
            v: json!({
                "tenant": {
                    "initialDomain": "contoso.onmicrosoft.com",
                    "domains": [
                        {"id": "contoso.com", "authenticationType": "Managed", "isVerified": true},
                        {"id": "fabrikam.com", "authenticationType": "Federated", "isVerified": true}
                    ]
                },
                "connect": {"sourceAnchor": "objectGUID"},
                "onPremises": [],
                "cloud": []
            }),
        }
    }

    /// The id an object of this name gets (on-prem objectGUID or cloud id).
    pub fn guid(name: &str) -> uuid::Uuid {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes())
    }

    /// An on-prem user `name` with this UPN and primary SMTP.
    pub fn on_prem(mut self, name: &str, upn: &str) -> Mini {
        self.v["onPremises"].as_array_mut().unwrap().push(json!({
            "objectClass": "user",
            "objectGUID": Mini::guid(name).to_string(),
            "distinguishedName": format!("CN={name},OU=Staff,DC=contoso,DC=com"),
            "userPrincipalName": upn,
            "proxyAddresses": [format!("SMTP:{upn}")],
            "displayName": name,
        }));
        self
    }

    /// A cloud user `name` with this UPN and primary SMTP.
    pub fn cloud(mut self, name: &str, upn: &str) -> Mini {
        self.v["cloud"].as_array_mut().unwrap().push(json!({
            "id": Mini::guid(name).to_string(),
            "objectType": "user",
            "displayName": name,
            "userPrincipalName": upn,
            "proxyAddresses": [format!("SMTP:{upn}")],
        }));
        self
    }

    /// Sets a field of the last on-prem (`side = "onPremises"`) or cloud object.
    pub fn set(mut self, side: &str, key: &str, value: Value) -> Mini {
        let last = self.v[side].as_array_mut().unwrap().last_mut().unwrap();
        last[key] = value;
        self
    }

    pub fn json(&self) -> &Value {
        &self.v
    }

    pub fn bundle(&self) -> Bundle {
        let text = serde_json::to_vec(&self.v).unwrap();
        syncscope::bundle::parse_bundle("mini.json", &text).unwrap()
    }

    /// Writes the bundle into `dir` and returns its path.
    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(&self.v).unwrap()).unwrap();
        p
    }
}
