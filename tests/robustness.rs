//! Bad input never panics: every key of a small but varied bundle, and of every kind of scenario
//! step, is replaced by values of every JSON type; reading either fails with an error naming the
//! file or succeeds, and whatever is read plans, syncs, resolves and writes back without a panic.

use serde_json::{Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use syncscope::apply::{resolve_quarantines, sync_cycle};
use syncscope::bundle::{bundle_to_json, parse_bundle};
use syncscope::plan::plan;
use syncscope::query::error_rows_after_sync;
use syncscope::report::plan_json;
use syncscope::scenario::{load_scenario, run_scenario, scenario_json};

fn bundle() -> Value {
    json!({
        "capturedDateTime": "2026-11-20T09:00:00Z",
        "tenant": {
            "initialDomain": "contoso.onmicrosoft.com",
            "domains": [{"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}],
            "features": {"blockSoftMatchEnabled": false},
        },
        "connect": {"sourceAnchor": "mS-DS-ConsistencyGuid", "includedOUs": ["OU=Corp,DC=contoso,DC=com"], "deletionThreshold": 500},
        "simulation": {"serviceQuirks": true},
        "onPremises": [
            {"objectClass": "user", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab",
             "distinguishedName": "CN=Alice,OU=Corp,DC=contoso,DC=com", "sAMAccountName": "alice",
             "userPrincipalName": "alice@contoso.com", "mail": "alice@contoso.com",
             "proxyAddresses": ["SMTP:alice@contoso.com", "smtp:a@contoso.com"], "displayName": "Alice",
             "mS-DS-ConsistencyGuid": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6", "mailNickname": "alice"},
            {"objectClass": "group", "objectGUID": "3ab39606-c642-489b-84b6-58c038d3ef39",
             "distinguishedName": "CN=G,OU=Corp,DC=contoso,DC=com", "mail": "g@contoso.com",
             "proxyAddresses": ["SMTP:g@contoso.com"], "groupType": -2147483646, "objectSid": "S-1-5-21-1"},
            {"objectClass": "contact", "objectGUID": "6e7b768e-07e2-4810-8459-485f84f8f204",
             "distinguishedName": "CN=K,OU=Corp,DC=contoso,DC=com", "mail": "k@fabrikam.com"}
        ],
        "cloud": [
            {"id": "11111111-07e2-4810-8459-485f84f8f204", "objectType": "user", "displayName": "Alice",
             "userPrincipalName": "alice@contoso.com", "mail": "alice@contoso.com",
             "proxyAddresses": ["SMTP:alice@contoso.com"], "onPremisesImmutableId": "GGhsjYwBEU+buBsE4sqhtg==",
             "onPremisesSyncEnabled": true, "onPremisesObjectIdentifier": "88666888-0101-1111-bbbb-1234567890ab",
             "assignedLicenses": [{"skuId": "x"}], "directoryRoles": ["Global Administrator"],
             "eligibleDirectoryRoles": [], "deletedDateTime": null,
             "onPremisesProvisioningErrors": [{"category": "PropertyConflict", "propertyCausingError": "ProxyAddresses", "value": "smtp:a@contoso.com", "occurredDateTime": null}]},
            {"id": "22222222-07e2-4810-8459-485f84f8f204", "@odata.type": "#microsoft.graph.group",
             "displayName": "G", "mail": "g@contoso.com", "proxyAddresses": ["SMTP:g@contoso.com"],
             "mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"],
             "onPremisesSecurityIdentifier": "S-1-5-21-1"},
            {"id": "33333333-07e2-4810-8459-485f84f8f204", "objectType": "contact", "mail": "k@fabrikam.com"}
        ]
    })
}

const ODD_VALUES: [&str; 9] = [
    "null",
    "0",
    "-1",
    "4294967296",
    "\"\"",
    "\"x\"",
    "[]",
    "[1, null]",
    "{\"a\": 1}",
];

/// Every (path, replacement) of a JSON tree: each object key and array element, replaced by
/// each odd value.
fn mutations(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    fn walk(root: &Value, path: &mut Vec<PathPart>, here: &Value, out: &mut Vec<Value>) {
        let children: Vec<(PathPart, &Value)> = match here {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (PathPart::Key(k.clone()), v))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (PathPart::Index(i), v))
                .collect(),
            _ => Vec::new(),
        };
        for (part, child) in children {
            path.push(part);
            for odd in ODD_VALUES {
                let mut m = root.clone();
                *at(&mut m, path) = serde_json::from_str(odd).unwrap();
                out.push(m);
            }
            // And the key removed.
            if let Some(PathPart::Key(k)) = path.last() {
                let mut m = root.clone();
                let k = k.clone();
                path.pop();
                at(&mut m, path).as_object_mut().unwrap().remove(&k);
                path.push(PathPart::Key(k));
                out.push(m);
            }
            walk(root, path, child, out);
            path.pop();
        }
    }
    walk(v, &mut Vec::new(), v, &mut out);
    out
}

#[derive(Clone)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathPart]) -> &'a mut Value {
    path.iter().fold(v, |v, p| match p {
        PathPart::Key(k) => &mut v[k.as_str()],
        PathPart::Index(i) => &mut v[*i],
    })
}

/// Reads a mutated bundle and, if it reads, runs every engine entry point on it.
fn exercise(text: &[u8]) {
    match parse_bundle("m.json", text) {
        Err(e) => {
            assert_eq!(e.file, "m.json");
            assert!(!e.message.is_empty());
        }
        Ok(b) => {
            let p = plan(&b);
            let _ = plan_json(&b, &p);
            let _ = error_rows_after_sync(&b);
            let mut b2 = b.clone();
            sync_cycle(&mut b2, None);
            resolve_quarantines(&mut b2);
            sync_cycle(&mut b2, None);
            let again = serde_json::to_vec(&bundle_to_json(&b2)).unwrap();
            parse_bundle("again.json", &again).expect("what the engine writes reads back");
        }
    }
}

#[test]
fn no_mutation_of_a_bundle_panics() {
    let base = bundle();
    exercise(&serde_json::to_vec(&base).unwrap());
    let all = mutations(&base);
    assert!(all.len() > 800, "{}", all.len());
    let mut rejected = 0;
    for m in &all {
        let text = serde_json::to_vec(m).unwrap();
        if parse_bundle("m.json", &text).is_err() {
            rejected += 1;
        }
        if catch_unwind(AssertUnwindSafe(|| exercise(&text))).is_err() {
            panic!("panicked on:\n{}", serde_json::to_string_pretty(m).unwrap());
        }
    }
    assert!(rejected > 0 && rejected < all.len());
}

#[test]
fn truncations_of_a_bundle_never_panic() {
    let text = serde_json::to_vec_pretty(&bundle()).unwrap();
    for n in (0..text.len()).step_by(7) {
        let e = parse_bundle("t.json", &text[..n]).expect_err("a truncated bundle is refused");
        assert!(!e.position.is_empty() || e.message.contains("EOF"), "{e}");
    }
}

#[test]
fn no_mutation_of_a_scenario_panics() {
    let steps = json!([
        {"action": "sync"},
        {"action": "removeRole", "cloudId": "11111111-07e2-4810-8459-485f84f8f204", "role": "Global Administrator"},
        {"action": "addRole", "userPrincipalName": "alice@contoso.com", "role": "Global Administrator"},
        {"action": "softDelete", "linkedTo": "88666888-0101-1111-bbbb-1234567890ab"},
        {"action": "restore", "cloudId": "11111111-07e2-4810-8459-485f84f8f204"},
        {"action": "setImmutableId", "cloudId": "33333333-07e2-4810-8459-485f84f8f204", "value": "iGhmiAEBERG7uxI0VniQqw=="},
        {"action": "clearImmutableId", "cloudId": "33333333-07e2-4810-8459-485f84f8f204"},
        {"action": "clearOnPremisesObjectIdentifier", "cloudId": "11111111-07e2-4810-8459-485f84f8f204"},
        {"action": "setOnPrem", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab", "attribute": "proxyAddresses", "value": ["SMTP:x@contoso.com"]},
        {"action": "setOnPrem", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab", "attribute": "mS-DS-ConsistencyGuid", "value": null},
        {"action": "moveOnPrem", "objectGUID": "3ab39606-c642-489b-84b6-58c038d3ef39", "dn": "CN=G,OU=Gone,DC=contoso,DC=com"},
        {"action": "setFeature", "feature": "groupHardMatch", "value": true},
        {"action": "resolveQuarantines"},
        {"action": "hardDelete", "cloudId": "22222222-07e2-4810-8459-485f84f8f204"},
        {"action": "sync"}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let run = |scenario: &Value| {
        std::fs::write(&path, serde_json::to_vec(scenario).unwrap()).unwrap();
        match load_scenario(&path) {
            Err(e) => assert!(e.file.ends_with("s.json"), "{e}"),
            Ok(s) => match run_scenario(&s) {
                Err(e) => assert!(e.position.starts_with("steps["), "{e}"),
                Ok((reports, b)) => {
                    let _ = scenario_json(&reports, &b);
                }
            },
        }
    };
    let base = json!({"snapshot": bundle(), "steps": steps});
    run(&base);
    // Mutate the steps only (the snapshot is covered above).
    for m in mutations(&steps) {
        let scenario = json!({"snapshot": bundle(), "steps": m});
        if catch_unwind(AssertUnwindSafe(|| run(&scenario))).is_err() {
            panic!(
                "panicked on steps:\n{}",
                serde_json::to_string_pretty(&m).unwrap()
            );
        }
    }
}
