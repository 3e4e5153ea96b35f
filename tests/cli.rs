//! Integration tests of the real binary: `plan`, `sync`, `errors`, `scenario` and `immutableid`
//! on the sample tenant and on small bundles written to temporary directories, asserting the JSON
//! contracts of interfaces.md §3–§6, the exit statuses of §2 (0 success, 1 bad input, 2 bad
//! usage) and that bad input gives one clear message naming the file, the JSON path and what was
//! expected, never a panic.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use syncscope::bundle::parse_bundle;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SAMPLE: &str = "sample-data/contoso.json";
const W1: &str = "sample-data/scenarios/admin-role-workaround.json";
const SKIP_PURGE: &str = "sample-data/scenarios/skip-purge.json";
const FEDERATED: &str = "sample-data/scenarios/hard-match-federated.json";
const RE_ANCHOR: &str = "sample-data/scenarios/re-anchor.json";

// Objects of the sample tenant.
const ALICE: &str = "79dc22f4-fe48-4527-8b43-f86392dd86d3";
const ALICE_CLOUD: &str = "3ef0b4dc-8dd9-4fa8-b6aa-e897bc37764f";
const ALICE_ANCHOR: &str = "9CLceUj+J0WLQ/hjkt2G0w==";
const NILS: &str = "b79fb237-8c47-4f00-9858-d73e2f44d1a3";
const NILS_CLOUD: &str = "6ea8e536-e8ca-407e-a9fe-cbcbc51c26fe";
const PHOENIX_CORE: &str = "bce99313-e303-4e8c-abc5-3859ba960d05";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary in the crate root, so relative sample paths work.
fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
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
    assert!(
        !r.stderr.contains("panicked"),
        "{:?} panicked:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        r.stderr
    );
    r
}

/// Runs a command that must succeed and print one JSON document.
#[track_caller]
fn json_of<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Value {
    let r = run(args);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not one JSON document: {e}"))
}

/// Bad input: exit 1, nothing on stdout, one line on stderr naming the file, the JSON path and
/// the expectation.
#[track_caller]
fn bad_input<S: AsRef<std::ffi::OsStr>>(args: &[S], must_contain: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 1, "exit status; stderr: {}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "nothing half-loaded is shown: {}",
        r.stdout
    );
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one message: {}", r.stderr);
    for part in must_contain {
        assert!(r.stderr.contains(part), "{part:?} not in: {}", r.stderr);
    }
    r.stderr
}

/// Bad usage: exit 2.
#[track_caller]
fn bad_usage<S: AsRef<std::ffi::OsStr>>(args: &[S], must_contain: &str) {
    let r = run(args);
    assert_eq!(r.code, 2, "exit status; stderr: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains(must_contain),
        "{must_contain:?} not in: {}",
        r.stderr
    );
}

fn outcome<'a>(plan: &'a Value, guid: &str) -> &'a Value {
    plan["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["objectGUID"] == guid)
        .unwrap_or_else(|| panic!("no outcome for {guid}"))
}

fn by_name<'a>(plan: &'a Value, name: &str) -> &'a Value {
    let hits: Vec<&Value> = plan["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["displayName"] == name)
        .collect();
    assert_eq!(hits.len(), 1, "{name}");
    hits[0]
}

/// `<prefix><4 digits>@contoso.onmicrosoft.com`.
fn is_placeholder(p: &str, prefix: &str) -> bool {
    p.strip_suffix("@contoso.onmicrosoft.com")
        .and_then(|l| l.strip_prefix(prefix))
        .is_some_and(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p
}

fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A small valid bundle.
fn small_bundle() -> Value {
    json!({
        "tenant": {
            "initialDomain": "contoso.onmicrosoft.com",
            "domains": [
                {"id": "contoso.com", "authenticationType": "Managed", "isVerified": true},
                {"id": "fabrikam.com", "authenticationType": "Federated", "isVerified": true}
            ]
        },
        "connect": {"sourceAnchor": "objectGUID", "includedOUs": ["OU=Corp,DC=contoso,DC=com"]},
        "onPremises": [
            {
                "objectClass": "user",
                "objectGUID": "88666888-0101-1111-bbbb-1234567890ab",
                "distinguishedName": "CN=Alice Ng,OU=Staff,OU=Corp,DC=contoso,DC=com",
                "userPrincipalName": "alice@contoso.com",
                "proxyAddresses": ["SMTP:alice@contoso.com"],
                "displayName": "Alice Ng"
            },
            {
                "objectClass": "user",
                "objectGUID": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
                "distinguishedName": "CN=Bob,OU=Staff,OU=Corp,DC=contoso,DC=com",
                "userPrincipalName": "bob@contoso.com",
                "proxyAddresses": ["SMTP:bob@contoso.com"],
                "displayName": "Bob"
            }
        ],
        "cloud": [
            {
                "id": "6e7b768e-07e2-4810-8459-485f84f8f204",
                "objectType": "user",
                "displayName": "Alice Ng",
                "userPrincipalName": "alice@contoso.com",
                "proxyAddresses": ["SMTP:alice@contoso.com"],
                "directoryRoles": ["Global Administrator"]
            },
            {
                "id": "0b0b0b0b-07e2-4810-8459-485f84f8f204",
                "objectType": "user",
                "displayName": "Bob (cloud)",
                "userPrincipalName": "bob.cloud@fabrikam.com",
                "proxyAddresses": ["SMTP:bob@contoso.com"]
            }
        ]
    })
}

// ---- plan --json (interfaces §3) ---------------------------------------------------------------

const RESULTS: [&str; 9] = [
    "linked",
    "hard-match",
    "restore",
    "soft-match-smtp",
    "soft-match-upn",
    "provision",
    "error",
    "out-of-scope",
    "cloud-managed",
];
const ERRORS: [&str; 7] = [
    "InvalidHardMatch",
    "AttributeUpdateNotAllowed",
    "InvalidSoftMatch",
    "ObjectTypeMismatch",
    "AttributeValueMustBeUnique",
    "DuplicateSourceAnchor",
    "SourceAnchorChanged",
];
const FEATURES: [&str; 8] = [
    "blockSoftMatchEnabled",
    "softMatchOnUpnEnabled",
    "blockCloudObjectTakeoverThroughHardMatchEnabled",
    "synchronizeUpnForManagedUsersEnabled",
    "quarantineUponUpnConflictEnabled",
    "quarantineUponProxyAddressesConflictEnabled",
    "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
    "passwordSyncEnabled",
];

fn is_guid(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 36 && uuid::Uuid::parse_str(s).is_ok())
}

fn is_string_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

#[test]
fn plan_json_has_every_field_of_interfaces_3() {
    let plan = json_of(&["plan", SAMPLE, "--json"]);
    for key in FEATURES {
        assert!(plan["features"][key].is_boolean(), "features.{key}");
    }
    let outcomes = plan["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 72);
    let mut seen_results = BTreeSet::new();
    for o in outcomes {
        let ctx = o["displayName"].to_string();
        assert!(is_guid(&o["objectGUID"]), "{ctx}");
        assert!(o["distinguishedName"].is_string(), "{ctx}");
        assert!(
            ["user", "group", "contact"].contains(&o["objectClass"].as_str().unwrap()),
            "{ctx}"
        );
        let anchor = o["sourceAnchor"].as_str().unwrap();
        assert!(anchor.len() == 24 && anchor.ends_with("=="), "{ctx}");
        let result = o["result"].as_str().unwrap();
        assert!(RESULTS.contains(&result), "{ctx}: {result}");
        seen_results.insert(result);
        assert!(o["cloudId"].is_null() || is_guid(&o["cloudId"]), "{ctx}");
        if result == "provision" {
            assert!(o["cloudId"].is_null(), "{ctx}: provision has no cloudId");
        }
        if [
            "linked",
            "hard-match",
            "restore",
            "soft-match-smtp",
            "soft-match-upn",
        ]
        .contains(&result)
        {
            assert!(
                is_guid(&o["cloudId"]),
                "{ctx}: a match names its cloud object"
            );
        }
        match &o["error"] {
            Value::Null => assert_ne!(result, "error", "{ctx}"),
            Value::String(e) => {
                assert_eq!(result, "error", "{ctx}");
                assert!(ERRORS.contains(&e.as_str()), "{ctx}: {e}");
            }
            other => panic!("{ctx}: error {other}"),
        }
        // attributeConflictName: only with AttributeValueMustBeUnique, naming the attribute.
        match &o["attributeConflictName"] {
            Value::Null => {}
            Value::String(n) => {
                assert_eq!(o["error"], "AttributeValueMustBeUnique", "{ctx}");
                assert!(
                    [
                        "UserPrincipalName",
                        "ProxyAddresses",
                        "OnPremiseSecurityIdentifier"
                    ]
                    .contains(&n.as_str()),
                    "{ctx}: {n}"
                );
            }
            other => panic!("{ctx}: attributeConflictName {other}"),
        }
        if o["error"] == "AttributeValueMustBeUnique" {
            assert!(o["attributeConflictName"].is_string(), "{ctx}");
        }
        if result == "cloud-managed" {
            assert!(is_guid(&o["cloudId"]), "{ctx}: names its cloud twin");
        }
        assert!(is_string_array(&o["flags"]), "{ctx}");
        for q in o["quarantined"].as_array().unwrap() {
            let prop = q["propertyName"].as_str().unwrap();
            assert!(["UserPrincipalName", "ProxyAddresses"].contains(&prop));
            assert!(q["value"].is_string());
            assert!(q["placeholder"].is_null() || q["placeholder"].is_string());
            assert_eq!(prop == "UserPrincipalName", q["placeholder"].is_string());
            assert!(is_guid(&q["conflictsWith"]), "{ctx}");
        }
        let rules = o["rules"].as_array().unwrap();
        assert!(!rules.is_empty() && is_string_array(&o["rules"]), "{ctx}");
        let explanation = o["explanation"].as_array().unwrap();
        assert!(
            !explanation.is_empty() && is_string_array(&o["explanation"]),
            "{ctx}"
        );
        // Every explanation line cites its rule id, and every rule id has a line.
        for line in explanation {
            let rule = line.as_str().unwrap().split(':').next().unwrap();
            assert!(rules.iter().any(|r| r == rule), "{ctx}: {line}");
        }
    }
    assert_eq!(
        seen_results,
        RESULTS.into_iter().collect(),
        "every result kind appears on the sample"
    );
}

#[test]
fn plan_json_reports_the_sample_story() {
    let plan = json_of(&["plan", SAMPLE, "--json"]);
    let alice = outcome(&plan, ALICE);
    assert_eq!(alice["result"], "provision");
    assert_eq!(alice["sourceAnchor"], ALICE_ANCHOR);
    assert_eq!(alice["flags"], json!(["ExistingAdminRoleConflict"]));
    let q = alice["quarantined"].as_array().unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0]["propertyName"], "UserPrincipalName");
    assert_eq!(q[0]["value"], "alice@contoso.com");
    assert!(is_placeholder(
        q[0]["placeholder"].as_str().unwrap(),
        "alice"
    ));
    assert_eq!(q[0]["conflictsWith"], ALICE_CLOUD);
    assert_eq!(q[1]["value"], "SMTP:alice@contoso.com");
    let rules = alice["rules"].as_array().unwrap();
    for r in ["M2", "M5", "M6", "Q1"] {
        assert!(rules.iter().any(|x| x == r), "{r}");
    }
    // The same input gives the same output, byte for byte.
    assert_eq!(
        run(&["plan", SAMPLE, "--json"]).stdout,
        plan.to_string() + "\n"
    );
}

#[test]
fn plan_set_flips_specific_outcomes() {
    let plan = json_of(&[
        "plan",
        SAMPLE,
        "--json",
        "--set",
        "softMatchOnUpnEnabled=false",
    ]);
    assert_eq!(plan["features"]["softMatchOnUpnEnabled"], false);
    for (name, prefix, holder) in [
        (
            "Liam O'Connor",
            "liam.oconnor",
            "4da5d1e9-f41b-45c9-b70b-675fb77340c6",
        ),
        ("王 芳", "fang.wang", "9fffd71f-0938-443d-95c1-58a639998e49"),
        (
            "Nadia Haddad",
            "nadia.haddad",
            "223dd5d8-c403-4b02-b767-c0892fb4ef88",
        ),
    ] {
        let o = by_name(&plan, name);
        assert_eq!(o["result"], "provision", "{name}");
        assert!(o["cloudId"].is_null());
        let q = o["quarantined"].as_array().unwrap();
        let upn = q
            .iter()
            .find(|q| q["propertyName"] == "UserPrincipalName")
            .unwrap_or_else(|| panic!("{name}: UPN quarantined"));
        assert_eq!(upn["value"], format!("{prefix}@contoso.com"));
        assert!(
            is_placeholder(upn["placeholder"].as_str().unwrap(), prefix),
            "{upn}"
        );
        assert_eq!(upn["conflictsWith"], holder);
    }
    // Without the flip they soft match on UPN.
    let plan = json_of(&["plan", SAMPLE, "--json"]);
    assert_eq!(by_name(&plan, "Liam O'Connor")["result"], "soft-match-upn");

    // Several --set at once, rule-book switches included.
    let plan = json_of(&[
        "plan",
        SAMPLE,
        "--json",
        "--set",
        "hardMatchHardening=false",
        "--set",
        "recycleBinHoldsValues=false",
    ]);
    assert_eq!(by_name(&plan, "Oliver Grant")["result"], "hard-match");
    assert_eq!(by_name(&plan, "Megan Foster")["result"], "provision");
}

#[test]
fn plan_text_and_explain_outputs() {
    let r = run(&["plan", SAMPLE]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("72 objects: 26 linked, 2 hard-match, 1 restore")
    );
    let r = run(&["plan", SAMPLE, "--explain"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("M6: the candidate cloud user \"Alice Ng\"")
    );
}

// ---- sync --------------------------------------------------------------------------------------

#[test]
fn sync_writes_a_bundle_whose_next_plan_shows_the_objects_linked() {
    let dir = tempfile::tempdir().unwrap();
    let before = json_of(&["plan", SAMPLE, "--json"]);
    let out = dir.path().join("after.json");
    let r = run(&[
        "sync".as_ref(),
        SAMPLE.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("cycle 1: sync cycle:"), "{}", r.stdout);
    let text = std::fs::read(&out).unwrap();
    parse_bundle("after.json", &text).expect("the written bundle parses");
    let after = json_of(&["plan".as_ref(), out.as_os_str(), "--json".as_ref()]);
    for (o, a) in before["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["outcomes"].as_array().unwrap())
    {
        assert_eq!(o["objectGUID"], a["objectGUID"]);
        let name = &o["displayName"];
        match o["result"].as_str().unwrap() {
            "linked" | "hard-match" | "restore" | "soft-match-smtp" | "soft-match-upn" => {
                assert_eq!(a["result"], "linked", "{name}");
                assert_eq!(a["cloudId"], o["cloudId"], "{name}");
            }
            "provision" => {
                assert_eq!(a["result"], "linked", "{name}");
                assert!(is_guid(&a["cloudId"]), "{name}");
            }
            "out-of-scope" => assert_eq!(a["result"], "out-of-scope", "{name}"),
            "cloud-managed" => assert_eq!(a["result"], "cloud-managed", "{name}"),
            "error" => assert_ne!(a["result"], "linked", "{name}: errors create nothing"),
            other => panic!("{other}"),
        }
    }
    // Q4: the second new group failed in the first cycle, is quarantined in the next.
    let core = outcome(&after, PHOENIX_CORE);
    assert_eq!(core["result"], "provision");
    assert_eq!(core["quarantined"][0]["value"], "SMTP:phoenix@contoso.com");
    // The duplicate created for Alice is linked now (M1), with her quarantined values kept.
    let alice = outcome(&after, ALICE);
    assert_eq!(alice["result"], "linked");
    assert_ne!(alice["cloudId"], ALICE_CLOUD);
    // The written bundle records the quarantines and the soft delete.
    let bundle: Value = serde_json::from_slice(&text).unwrap();
    let cloud = bundle["cloud"].as_array().unwrap();
    let dup = cloud.iter().find(|c| c["id"] == alice["cloudId"]).unwrap();
    assert_eq!(dup["onPremisesImmutableId"], ALICE_ANCHOR);
    assert_eq!(dup["onPremisesSyncEnabled"], true);
    let errors = dup["onPremisesProvisioningErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["category"], "PropertyConflict");
    let paul = cloud
        .iter()
        .find(|c| c["id"] == "6bf46727-9897-4371-8c24-b5a2a7c6d003")
        .unwrap();
    assert!(paul["deletedDateTime"].is_string());

    // Deterministic: the same run writes the same file.
    let again = dir.path().join("again.json");
    assert_eq!(
        run(&[
            "sync".as_ref(),
            SAMPLE.as_ref(),
            "--out".as_ref(),
            again.as_os_str()
        ])
        .code,
        0
    );
    assert_eq!(std::fs::read(&again).unwrap(), text);

    // Two cycles: the second group is created too.
    let two = dir.path().join("two.json");
    let r = run(&[
        "sync".as_ref(),
        SAMPLE.as_ref(),
        "--cycles".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        two.as_os_str(),
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("cycle 2:"));
    let plan = json_of(&["plan".as_ref(), two.as_os_str(), "--json".as_ref()]);
    assert_eq!(outcome(&plan, PHOENIX_CORE)["result"], "linked");
}

#[test]
fn sync_set_applies_the_flip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let r = run(&[
        "sync".as_ref(),
        SAMPLE.as_ref(),
        "--set".as_ref(),
        "blockSoftMatchEnabled=true".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(bundle["tenant"]["features"]["blockSoftMatchEnabled"], true);
    // Sofia Rossi was provisioned instead of soft matched: her cloud-only twin is untouched.
    let sofia = bundle["cloud"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "5b34485c-892a-4bc0-84d7-a5e8c837afda")
        .unwrap();
    assert!(sofia["onPremisesImmutableId"].is_null());
}

// ---- errors (interfaces §4, rule book §7) ------------------------------------------------------

fn errors_json(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["errors", SAMPLE, "--json"];
    args.extend_from_slice(extra);
    json_of(&args)["errors"].as_array().unwrap().clone()
}

fn names(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["displayName"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn errors_json_shape_and_existing_errors() {
    let rows = errors_json(&[]);
    assert_eq!(names(&rows), ["David Chen", "María González"]);
    for r in &rows {
        for key in [
            "objectId",
            "displayName",
            "objectType",
            "userPrincipalName",
            "category",
            "propertyName",
            "value",
            "occurredDateTime",
        ] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
        assert!(is_guid(&r["objectId"]));
        assert_eq!(r["category"], "PropertyConflict");
        assert_eq!(r["objectType"], "user");
    }
    assert_eq!(rows[0]["propertyName"], "UserPrincipalName");
    assert_eq!(rows[0]["value"], "dchen@contoso.com");
    assert_eq!(rows[0]["occurredDateTime"], "2026-11-12T08:15:42Z");
    assert_eq!(rows[1]["propertyName"], "ProxyAddresses");
    assert_eq!(rows[1]["value"], "smtp:mgonzalez@contoso.com");
}

#[test]
fn errors_after_sync_marks_the_new_ones() {
    let rows = errors_json(&["--after-sync"]);
    assert_eq!(rows.len(), 10);
    let new: Vec<&Value> = rows.iter().filter(|r| r["newInNextSync"] == true).collect();
    assert_eq!(new.len(), 8);
    for r in &rows {
        let old = ["David Chen", "María González"].contains(&r["displayName"].as_str().unwrap());
        assert_eq!(r["newInNextSync"] == false, old, "{r}");
    }
    let alice: Vec<&Value> = rows
        .iter()
        .filter(|r| r["displayName"] == "Alice Ng")
        .collect();
    assert_eq!(alice.len(), 2);
    assert!(is_placeholder(
        alice[0]["userPrincipalName"].as_str().unwrap(),
        "alice"
    ));
    assert_eq!(alice[0]["occurredDateTime"], "2026-11-20T09:00:00Z");
    // The text view marks them too and shows the equivalent commands.
    let r = run(&["errors", SAMPLE, "--after-sync"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("next sync"));
    assert!(r.stdout.contains("(8 added by the next sync)"));
    assert!(
        r.stdout
            .contains("Get-MsolDirSyncProvisioningError -ErrorCategory PropertyConflict")
    );
    assert!(r.stdout.contains("Get-MgUser"));
}

#[test]
fn errors_every_section_7_parameter() {
    // -PropertyName
    let upn = errors_json(&["--after-sync", "--property-name", "UserPrincipalName"]);
    assert_eq!(upn.len(), 4);
    assert!(upn.iter().all(|r| r["propertyName"] == "UserPrincipalName"));
    let proxies = errors_json(&["--after-sync", "--property-name", "ProxyAddresses"]);
    assert_eq!(proxies.len(), 6);
    // -PropertyValue (with the prefix, without it; case-sensitive)
    for value in ["smtp:mgonzalez@contoso.com", "mgonzalez@contoso.com"] {
        let rows = errors_json(&[
            "--property-name",
            "ProxyAddresses",
            "--property-value",
            value,
        ]);
        assert_eq!(names(&rows), ["María González"], "{value}");
    }
    let rows = errors_json(&[
        "--property-name",
        "ProxyAddresses",
        "--property-value",
        "MGONZALEZ@contoso.com",
    ]);
    assert!(rows.is_empty());
    // -SearchString: a prefix of the display name, UPN or value; case-sensitive.
    assert_eq!(
        names(&errors_json(&["--search-string", "Dav"])),
        ["David Chen"]
    );
    assert!(errors_json(&["--search-string", "dav"]).is_empty());
    assert_eq!(
        names(&errors_json(&["--search-string", "dchen@"])),
        ["David Chen"],
        "matches the value"
    );
    // -SortField / -SortDirection
    let sorted = |field: &str, direction: &str| {
        names(&errors_json(&[
            "--after-sync",
            "--sort-field",
            field,
            "--sort-direction",
            direction,
        ]))
    };
    let asc = sorted("DisplayName", "Ascending");
    let mut expected = asc.clone();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(asc, expected);
    let desc = sorted("DisplayName", "Descending");
    expected.reverse();
    assert_eq!(desc, expected);
    let by_upn = errors_json(&["--after-sync", "--sort-field", "UserPrincipalName"]);
    let upns: Vec<String> = by_upn
        .iter()
        .map(|r| r["userPrincipalName"].as_str().unwrap_or("").to_lowercase())
        .collect();
    let mut sorted_upns = upns.clone();
    sorted_upns.sort();
    assert_eq!(upns, sorted_upns);
    // None keeps the input order.
    assert_eq!(
        names(&errors_json(&["--after-sync", "--sort-field", "None"])),
        names(&errors_json(&["--after-sync"]))
    );
    // -MaxResults / -All
    assert_eq!(
        errors_json(&["--after-sync", "--max-results", "3"]).len(),
        3
    );
    assert_eq!(
        names(&errors_json(&["--after-sync", "--max-results", "3"])),
        names(&errors_json(&["--after-sync"]))[..3]
    );
    assert_eq!(errors_json(&["--after-sync", "--all"]).len(), 10);
    // The cmdlet line mirrors the filter.
    let r = run(&[
        "errors",
        SAMPLE,
        "--property-name",
        "UserPrincipalName",
        "--property-value",
        "dchen@contoso.com",
        "--sort-field",
        "DisplayName",
        "--max-results",
        "5",
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(
        "Get-MsolDirSyncProvisioningError -ErrorCategory PropertyConflict -PropertyName UserPrincipalName -PropertyValue 'dchen@contoso.com' -SortField DisplayName -MaxResults 5"
    ), "{}", r.stdout);
}

// ---- scenario (interfaces §5) ------------------------------------------------------------------

fn step_outcome<'a>(step: &'a Value, guid: &str) -> &'a Value {
    step["outcomes"]
        .as_array()
        .unwrap_or_else(|| panic!("a sync step has outcomes: {step}"))
        .iter()
        .find(|o| o["objectGUID"] == guid)
        .unwrap()
}

fn cloud_of<'a>(bundle: &'a Value, id: &str) -> Option<&'a Value> {
    bundle["cloud"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

#[test]
fn scenario_w1_admin_role_workaround() {
    let s = json_of(&["scenario", W1, "--json"]);
    let steps = s["steps"].as_array().unwrap();
    let actions: Vec<&str> = steps
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "sync",
            "removeRole",
            "sync",
            "hardDelete",
            "sync",
            "addRole"
        ]
    );
    for st in steps {
        assert_eq!(st["ok"], true, "{st}");
        assert!(st["error"].is_null());
        assert_eq!(st.get("outcomes").is_some(), st["action"] == "sync");
    }
    // 1: a quarantined duplicate.
    let a = step_outcome(&steps[0], ALICE);
    assert_eq!(a["result"], "provision");
    assert_eq!(a["flags"], json!(["ExistingAdminRoleConflict"]));
    assert_eq!(a["quarantined"].as_array().unwrap().len(), 2);
    // 3: linked to the duplicate, not a soft match (M1).
    let a = step_outcome(&steps[2], ALICE);
    assert_eq!(a["result"], "linked");
    let duplicate = a["cloudId"].as_str().unwrap().to_string();
    assert_ne!(duplicate, ALICE_CLOUD);
    assert!(a["rules"].as_array().unwrap().iter().any(|r| r == "M1"));
    // 5: after the purge, soft match on SMTP to the original.
    let a = step_outcome(&steps[4], ALICE);
    assert_eq!(a["result"], "soft-match-smtp");
    assert_eq!(a["cloudId"], ALICE_CLOUD);
    assert!(a["quarantined"].as_array().unwrap().is_empty());
    assert!(a["flags"].as_array().unwrap().is_empty());
    let added = a["takeover"]["proxyAddressesAdded"].as_array().unwrap();
    assert!(added.iter().any(|p| p == "smtp:a.ng@contoso.com"), "{a}");
    assert_eq!(a["takeover"]["passwordReplaced"], true);
    // Final: the original is synced with Alice's anchor and holds its role again; the
    // duplicate is gone.
    let fin = &s["final"];
    parse_bundle("final", &serde_json::to_vec(fin).unwrap()).expect("final is a bundle");
    let original = cloud_of(fin, ALICE_CLOUD).unwrap();
    assert_eq!(original["onPremisesSyncEnabled"], true);
    assert_eq!(original["onPremisesImmutableId"], ALICE_ANCHOR);
    assert_eq!(original["directoryRoles"], json!(["Global Administrator"]));
    assert!(cloud_of(fin, &duplicate).is_none());
    // The same scenario always gives the same result.
    assert_eq!(
        run(&["scenario", W1, "--json"]).stdout,
        s.to_string() + "\n"
    );
}

#[test]
fn scenario_w5_re_anchor_joins_the_earlier_cloud_object() {
    const SAMUEL: &str = "aa6c2458-de06-4811-a11b-b21cbec6a4b2";
    const SAMUEL_CLOUD: &str = "b4e128f6-f680-4ff9-b15a-f6490fbbb169";
    let s = json_of(&["scenario", RE_ANCHOR, "--json"]);
    let steps = s["steps"].as_array().unwrap();
    for st in steps {
        assert_eq!(st["ok"], true, "{st}");
    }
    // M6 r2: nothing created, the conflict attribute named.
    let first = step_outcome(&steps[0], SAMUEL);
    assert_eq!(first["result"], "error");
    assert_eq!(first["error"], "AttributeValueMustBeUnique");
    assert_eq!(first["attributeConflictName"], "ProxyAddresses");
    assert_eq!(first["cloudId"], SAMUEL_CLOUD);
    // After X4 and the ConsistencyGuid: joined to the earlier cloud object, then plain updates.
    let joined = step_outcome(&steps[3], SAMUEL);
    assert_eq!(joined["cloudId"], SAMUEL_CLOUD, "{joined}");
    assert!(joined["error"].is_null(), "{joined}");
    assert_eq!(step_outcome(&steps[4], SAMUEL)["result"], "linked");
    let c = cloud_of(&s["final"], SAMUEL_CLOUD).unwrap();
    assert_eq!(c["onPremisesImmutableId"], "hE9VzFiFzEq/jycPuMaiVw==");
    assert_eq!(c["onPremisesObjectIdentifier"], SAMUEL);
    let fin = s["final"]["cloud"].as_array().unwrap();
    assert!(
        fin.iter()
            .all(|c| c["displayName"] != "Samuel Okafor" || c["id"] == SAMUEL_CLOUD),
        "no second Samuel Okafor"
    );
}

#[test]
fn scenario_skip_purge_stays_linked_to_the_duplicate() {
    let s = json_of(&["scenario", SKIP_PURGE, "--json"]);
    let steps = s["steps"].as_array().unwrap();
    assert_eq!(step_outcome(&steps[0], ALICE)["result"], "provision");
    let second = step_outcome(&steps[2], ALICE);
    let third = step_outcome(&steps[3], ALICE);
    assert_eq!(second["result"], "linked");
    assert_eq!(third["result"], "linked");
    assert_eq!(second["cloudId"], third["cloudId"]);
    assert_ne!(third["cloudId"], ALICE_CLOUD);
    // The duplicate's id is derived from the objectGUID: the same as in the W1 run.
    let w1 = json_of(&["scenario", W1, "--json"]);
    assert_eq!(
        step_outcome(&w1["steps"][2], ALICE)["cloudId"],
        third["cloudId"]
    );
    let original = cloud_of(&s["final"], ALICE_CLOUD).unwrap();
    assert!(original["onPremisesImmutableId"].is_null());
}

#[test]
fn scenario_federated_refusal_changes_nothing() {
    let s = json_of(&["scenario", FEDERATED, "--json"]);
    let steps = s["steps"].as_array().unwrap();
    assert_eq!(steps[0]["action"], "setImmutableId");
    assert_eq!(steps[0]["ok"], false);
    let why = steps[0]["error"].as_str().unwrap();
    assert!(why.contains("FederatedDomainChangeError"), "{why}");
    assert!(why.contains("contoso.onmicrosoft.com"), "{why}");
    assert_eq!(steps[1]["ok"], true);
    let nils = step_outcome(&steps[1], NILS);
    assert_eq!(nils["result"], "provision");
    assert!(nils["quarantined"].as_array().unwrap().is_empty());
    let cloud = cloud_of(&s["final"], NILS_CLOUD).unwrap();
    assert!(cloud["onPremisesImmutableId"].is_null());
    // The text view says REFUSED.
    let r = run(&["scenario", FEDERATED]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("REFUSED"), "{}", r.stdout);
}

#[test]
fn scenario_inline_snapshot_refusals_and_references() {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = small_bundle();
    // Bob is already synced: X2 refuses clearing his ImmutableID.
    bundle["cloud"][1]["onPremisesImmutableId"] = json!("GGhsjYwBEU+buBsE4sqhtg==");
    bundle["cloud"][1]["onPremisesSyncEnabled"] = json!(true);
    let scenario = json!({
        "snapshot": bundle,
        "steps": [
            {"action": "clearImmutableId", "linkedTo": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6"},
            {"action": "removeRole", "userPrincipalName": "ALICE@contoso.com", "role": "Global Administrator"},
            {"action": "setFeature", "feature": "softMatchOnUpnEnabled", "value": false},
            {"action": "sync"},
            {"action": "setOnPrem", "objectGUID": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
             "attribute": "proxyAddresses", "value": ["SMTP:bob@contoso.com", "smtp:robert@contoso.com"]},
            {"action": "moveOnPrem", "objectGUID": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
             "dn": "CN=Bob,OU=Gone,DC=contoso,DC=com"},
            {"action": "sync"}
        ]
    });
    let path = write(dir.path(), "s.json", &scenario);
    let s = json_of(&["scenario".as_ref(), path.as_os_str(), "--json".as_ref()]);
    let steps = s["steps"].as_array().unwrap();
    assert_eq!(steps[0]["ok"], false);
    assert!(steps[0]["error"].as_str().unwrap().contains("X2"));
    assert_eq!(steps[1]["ok"], true, "{}", steps[1]);
    assert_eq!(steps[2]["ok"], true);
    assert!(steps[2]["summary"].as_str().unwrap().contains("X3"));
    let alice = step_outcome(&steps[3], "88666888-0101-1111-bbbb-1234567890ab");
    assert_eq!(alice["result"], "soft-match-smtp");
    let bob = step_outcome(&steps[3], "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6");
    assert_eq!(bob["result"], "linked");
    let bob = step_outcome(&steps[6], "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6");
    assert_eq!(bob["result"], "out-of-scope");
    assert!(
        bob["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "SoftDeleteOnSync")
    );
    let bob_cloud = cloud_of(&s["final"], "0b0b0b0b-07e2-4810-8459-485f84f8f204").unwrap();
    assert!(bob_cloud["deletedDateTime"].is_string());
    assert_eq!(
        bob_cloud["onPremisesImmutableId"],
        "GGhsjYwBEU+buBsE4sqhtg=="
    );
}

// ---- immutableid (interfaces §6) ---------------------------------------------------------------

const VECTORS: [(&str, &str); 3] = syncscope::anchor::PUBLIC_VECTORS;

#[test]
fn immutableid_public_vectors_from_every_form() {
    for (guid, immutable) in VECTORS {
        let v = json_of(&["immutableid", guid, "--json"]);
        assert_eq!(v["guid"], guid);
        assert_eq!(v["immutableId"], immutable);
        for key in ["hex", "ldapFilter", "connectorSpaceDn"] {
            assert!(v[key].is_string(), "{key}");
        }
        // Every output form converts back to the same anchor.
        for form in ["immutableId", "hex", "ldapFilter", "connectorSpaceDn"] {
            let input = v[form].as_str().unwrap();
            let back = json_of(&["immutableid", input, "--json"]);
            assert_eq!(back["guid"], guid, "{form} {input}");
            assert_eq!(back["immutableId"], immutable, "{form} {input}");
        }
    }
    let v = json_of(&["immutableid", VECTORS[0].0, "--json"]);
    assert_eq!(v["hex"], "8868668801011111bbbb1234567890ab");
    assert_eq!(
        v["ldapFilter"],
        "\\88\\68\\66\\88\\01\\01\\11\\11\\bb\\bb\\12\\34\\56\\78\\90\\ab"
    );
    let r = run(&["immutableid", VECTORS[0].1]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(VECTORS[0].0));
}

#[test]
fn immutableid_connector_space_dn_vector() {
    let dn = "CN={514635484D4B376E38307176645973555049486139513D3D}";
    let v = json_of(&["immutableid", "QF5HMK7n80qvdYsUPIHa9Q==", "--json"]);
    assert_eq!(v["connectorSpaceDn"], dn);
    let v = json_of(&["immutableid", dn, "--json"]);
    assert_eq!(v["immutableId"], "QF5HMK7n80qvdYsUPIHa9Q==");
}

#[test]
fn immutableid_rejects_the_23_character_example_and_other_non_anchors() {
    bad_input(
        &["immutableid", "xMf1FXx9RIcbcAbDlqeOA==", "--json"],
        &["xMf1FXx9RIcbcAbDlqeOA==", "16 bytes"],
    );
    for bad in [
        "AAAA",
        "not-a-guid",
        "88666888-0101-1111-bbbb-1234567890",
        "CN={51}",
        "\\88\\68",
    ] {
        bad_input(&["immutableid", bad], &["expected"]);
    }
}

// ---- bad input: exit 1, one message naming file, JSON path and expectation --------------------

/// Writes `v` as a bundle and runs `plan --json` on it, expecting bad input.
fn bad_bundle(v: &Value, path: &str, expectation: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bundle.json", v);
    let shown = file.display().to_string();
    bad_input(
        &["plan".as_ref(), file.as_os_str(), "--json".as_ref()],
        &[&shown, path, expectation],
    );
    // Every command that reads a bundle says the same.
    let out = dir.path().join("out.json");
    bad_input(
        &[
            "sync".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        &[&shown, path],
    );
    assert!(!out.exists(), "nothing is written from bad input");
    bad_input(&["errors".as_ref(), file.as_os_str()], &[&shown, path]);
}

#[test]
fn malformed_json_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, position) in [
        (
            "truncated.json",
            "{\"tenant\": {\"initialDomain\": \"c.onmicrosoft.com\"}, \"onPremises\": [ {",
            "line",
        ),
        ("empty.json", "", "line"),
        (
            "trailing.json",
            "{\"tenant\": {\"initialDomain\": \"c.onmicrosoft.com\"}} x",
            "line 1",
        ),
        ("not-json.json", "tenant: contoso", "line 1"),
        (
            "comma.json",
            "{\"tenant\": {\"initialDomain\": \"c.onmicrosoft.com\",}}",
            "line 1",
        ),
    ] {
        let file = write_text(dir.path(), name, text);
        bad_input(
            &["plan".as_ref(), file.as_os_str()],
            &[&file.display().to_string(), position],
        );
    }
    bad_input(
        &["plan", "sample-data/does-not-exist.json"],
        &["sample-data/does-not-exist.json", "cannot read"],
    );
}

#[test]
fn wrong_types_are_bad_input() {
    let mut v = small_bundle();
    v["onPremises"] = json!(5);
    bad_bundle(&v, "onPremises", "expected a sequence");
    let mut v = small_bundle();
    v["onPremises"][1]["proxyAddresses"] = json!("SMTP:bob@contoso.com");
    bad_bundle(&v, "onPremises[1].proxyAddresses", "expected a sequence");
    let mut v = small_bundle();
    v["tenant"]["features"] = json!({"blockSoftMatchEnabled": "yes"});
    bad_bundle(
        &v,
        "tenant.features.blockSoftMatchEnabled",
        "expected a boolean",
    );
    let mut v = small_bundle();
    v["cloud"][0]["objectType"] = json!("printer");
    bad_bundle(
        &v,
        "cloud[0].objectType",
        "expected \"user\", \"group\" or \"contact\"",
    );
    let mut v = small_bundle();
    v["connect"]["deletionThreshold"] = json!(-1);
    bad_bundle(&v, "connect.deletionThreshold", "u32");
    let mut v = small_bundle();
    v["onPremises"][0]
        .as_object_mut()
        .unwrap()
        .remove("distinguishedName");
    bad_bundle(&v, "onPremises[0]", "missing distinguishedName");
    bad_bundle(&json!([1, 2]), "line", "expected a bundle object");
}

#[test]
fn invalid_guids_are_bad_input() {
    let mut v = small_bundle();
    v["onPremises"][1]["objectGUID"] = json!("88666888-0101-1111-bbbb-1234567890");
    bad_bundle(&v, "onPremises[1].objectGUID", "expected a GUID");
    let mut v = small_bundle();
    v["cloud"][1]["id"] = json!("not-a-guid");
    bad_bundle(&v, "cloud[1].id", "expected a GUID");
}

#[test]
fn invalid_immutable_ids_are_bad_input() {
    // A4 (r2): a cloud ImmutableID is an opaque string: the seed article's 23-character example
    // loads (exit 0) and the load report names it as not derived from a GUID.
    let dir = tempfile::tempdir().unwrap();
    for opaque in ["xMf1FXx9RIcbcAbDlqeOA==", "AAAA", "jsmith@contoso.com"] {
        let mut v = small_bundle();
        v["cloud"][0]["onPremisesImmutableId"] = json!(opaque);
        let file = write(dir.path(), "bundle.json", &v);
        let r = run(&["plan".as_ref(), file.as_os_str(), "--json".as_ref()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.contains("cloud[0].onPremisesImmutableId"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("not derived from a GUID"), "{}", r.stderr);
        let plan: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            plan["outcomes"].as_array().unwrap().len(),
            2,
            "nothing dropped"
        );
    }
    // The on-prem side stays strict.
    let mut v = small_bundle();
    v["onPremises"][0]["mS-DS-ConsistencyGuid"] = json!("xMf1FXx9RIcbcAbDlqeOA==");
    bad_bundle(&v, "onPremises[0].mS-DS-ConsistencyGuid", "16 bytes");
}

#[test]
fn duplicate_object_guids_are_bad_input() {
    let mut v = small_bundle();
    v["onPremises"][1]["objectGUID"] = v["onPremises"][0]["objectGUID"].clone();
    bad_bundle(&v, "onPremises[1].objectGUID", "onPremises[0]");
    let mut v = small_bundle();
    v["cloud"][1]["id"] = v["cloud"][0]["id"].clone();
    bad_bundle(&v, "cloud[1].id", "duplicate cloud id");
}

#[test]
fn unknown_feature_names_are_bad_input() {
    let mut v = small_bundle();
    v["tenant"]["features"] = json!({"blockSoftMatch": true});
    bad_bundle(
        &v,
        "tenant.features.blockSoftMatch",
        "unknown feature \"blockSoftMatch\"",
    );
    let mut v = small_bundle();
    v["simulation"] = json!({"serviceQuirk": false});
    bad_bundle(&v, "simulation.serviceQuirk", "serviceQuirks");
    // A rule-book switch is not a tenant feature.
    let mut v = small_bundle();
    v["tenant"]["features"] = json!({"groupHardMatch": true});
    bad_bundle(
        &v,
        "tenant.features.groupHardMatch",
        "unknown feature \"groupHardMatch\"",
    );
}

fn bad_scenario(steps: Value, path: &str, expectation: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "scenario.json",
        &json!({"snapshot": small_bundle(), "steps": steps}),
    );
    bad_input(
        &["scenario".as_ref(), file.as_os_str(), "--json".as_ref()],
        &[&file.display().to_string(), path, expectation],
    );
}

#[test]
fn scenario_steps_naming_missing_objects_are_bad_input() {
    bad_scenario(
        json!([{"action": "sync"}, {"action": "removeRole", "cloudId": "11111111-2222-4333-8444-555555555555", "role": "Global Administrator"}]),
        "steps[1].cloudId",
        "no cloud object has id 11111111-2222-4333-8444-555555555555",
    );
    bad_scenario(
        json!([{"action": "softDelete", "userPrincipalName": "nobody@contoso.com"}]),
        "steps[0].userPrincipalName",
        "nobody@contoso.com",
    );
    bad_scenario(
        json!([{"action": "hardDelete", "linkedTo": "3ab39606-c642-489b-84b6-58c038d3ef39"}]),
        "steps[0].linkedTo",
        "no on-prem object has objectGUID 3ab39606-c642-489b-84b6-58c038d3ef39",
    );
    // An existing on-prem object that is not linked (yet).
    bad_scenario(
        json!([{"action": "hardDelete", "linkedTo": "88666888-0101-1111-bbbb-1234567890ab"}]),
        "steps[0].linkedTo",
        "not linked",
    );
    bad_scenario(
        json!([{"action": "setOnPrem", "objectGUID": "3ab39606-c642-489b-84b6-58c038d3ef39", "attribute": "mail", "value": "x@contoso.com"}]),
        "steps[0].objectGUID",
        "no on-prem object",
    );
    bad_scenario(
        json!([{"action": "moveOnPrem", "objectGUID": "3ab39606-c642-489b-84b6-58c038d3ef39", "dn": "CN=x,DC=contoso,DC=com"}]),
        "steps[0].objectGUID",
        "no on-prem object",
    );
}

#[test]
fn malformed_scenario_steps_are_bad_input() {
    bad_scenario(
        json!([{"action": "setFeature", "feature": "blockSoftMatch", "value": true}]),
        "steps[0].feature",
        "unknown feature \"blockSoftMatch\"",
    );
    bad_scenario(
        json!([{"action": "setFeature", "feature": "blockSoftMatchEnabled", "value": "yes"}]),
        "steps[0].value",
        "expected true or false",
    );
    bad_scenario(
        json!([{"action": "setImmutableId", "cloudId": "6e7b768e-07e2-4810-8459-485f84f8f204", "value": "xMf1FXx9RIcbcAbDlqeOA=="}]),
        "steps[0].value",
        "16 bytes",
    );
    bad_scenario(
        json!([{"action": "fly"}]),
        "steps[0].action",
        "unknown action \"fly\"",
    );
    bad_scenario(json!([{}]), "steps[0].action", "expected one of");
    bad_scenario(
        json!([{"action": "removeRole", "cloudId": "6e7b768e-07e2-4810-8459-485f84f8f204"}]),
        "steps[0].role",
        "needs role",
    );
    bad_scenario(
        json!([{"action": "softDelete", "cloudId": "nope"}]),
        "steps[0].cloudId",
        "expected a GUID",
    );
    bad_scenario(
        json!([{"action": "setOnPrem", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab", "attribute": "proxyAddresses", "value": "SMTP:x@contoso.com"}]),
        "steps[0].value",
        "expected an array of strings",
    );
    bad_scenario(json!({"action": "sync"}), "steps", "expected an array");
}

#[test]
fn bad_scenario_snapshots_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    // Inline: the path starts at the scenario file's root.
    let mut bundle = small_bundle();
    bundle["onPremises"][1]["objectGUID"] = json!("bad");
    let file = write(
        dir.path(),
        "inline.json",
        &json!({"snapshot": bundle, "steps": []}),
    );
    bad_input(
        &["scenario".as_ref(), file.as_os_str()],
        &[
            &file.display().to_string(),
            "snapshot.onPremises[1].objectGUID",
            "expected a GUID",
        ],
    );
    // By path: the snapshot file is named.
    let mut bundle = small_bundle();
    bundle["tenant"]["features"] = json!({"nope": true});
    write(dir.path(), "tenant.json", &bundle);
    let file = write(
        dir.path(),
        "by-path.json",
        &json!({"snapshot": "tenant.json", "steps": []}),
    );
    bad_input(
        &["scenario".as_ref(), file.as_os_str()],
        &[
            "tenant.json",
            "tenant.features.nope",
            "unknown feature \"nope\"",
        ],
    );
    let file = write(
        dir.path(),
        "missing.json",
        &json!({"snapshot": "nowhere.json", "steps": []}),
    );
    bad_input(
        &["scenario".as_ref(), file.as_os_str()],
        &[&file.display().to_string(), "snapshot", "nowhere.json"],
    );
    let file = write(dir.path(), "no-snapshot.json", &json!({"steps": []}));
    bad_input(
        &["scenario".as_ref(), file.as_os_str()],
        &["snapshot", "expected a path to a bundle"],
    );
    let file = write_text(dir.path(), "broken.json", "{\"snapshot\": ");
    bad_input(
        &["scenario".as_ref(), file.as_os_str()],
        &[&file.display().to_string(), "line 1"],
    );
}

#[test]
fn unwritable_out_file_is_named() {
    let r = run(&["sync", SAMPLE, "--out", "/nonexistent-dir/out.json"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/nonexistent-dir/out.json"),
        "{}",
        r.stderr
    );
}

// ---- bad usage: exit 2 -------------------------------------------------------------------------

#[test]
fn bad_usage_exits_2() {
    bad_usage(
        &["errors", SAMPLE, "--property-value", "x"],
        "--property-name",
    );
    bad_usage(
        &["errors", SAMPLE, "--max-results", "3", "--all"],
        "cannot be used with",
    );
    bad_usage(
        &["errors", SAMPLE, "--max-results", "many"],
        "--max-results",
    );
    bad_usage(
        &["errors", SAMPLE, "--sort-field", "displayname"],
        "DisplayName",
    );
    bad_usage(
        &["errors", SAMPLE, "--sort-field", "DISPLAYNAME"],
        "DisplayName",
    );
    bad_usage(
        &["errors", SAMPLE, "--sort-direction", "ascending"],
        "Ascending",
    );
    bad_usage(
        &["errors", SAMPLE, "--property-name", "userprincipalname"],
        "UserPrincipalName",
    );
    bad_usage(
        &["plan", SAMPLE, "--set", "blockSoftMatch=true"],
        "unknown feature \"blockSoftMatch\"",
    );
    bad_usage(
        &["plan", SAMPLE, "--set", "blockSoftMatchEnabled=yes"],
        "expected true or false",
    );
    bad_usage(
        &["plan", SAMPLE, "--set", "blockSoftMatchEnabled"],
        "FEATURE=true|false",
    );
    bad_usage(
        &[
            "sync",
            SAMPLE,
            "--set",
            "nope=true",
            "--out",
            "/tmp/never-written.json",
        ],
        "unknown feature",
    );
    bad_usage(&["sync", SAMPLE], "--out");
    bad_usage(
        &["sync", SAMPLE, "--cycles", "x", "--out", "/tmp/x.json"],
        "--cycles",
    );
    bad_usage(&["plan"], "SNAPSHOT");
    bad_usage(&["plan", SAMPLE, "--frobnicate"], "--frobnicate");
    bad_usage(&["immutableid"], "VALUE");
    bad_usage(&["scenario"], "FILE");
}

#[test]
fn explorer_on_a_bad_snapshot_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_text(dir.path(), "bad.json", "{\"tenant\": 5}");
    bad_input(
        &[file.as_os_str()],
        &[&file.display().to_string(), "tenant", "expected"],
    );
}

#[test]
fn sync_two_cycles_then_two_more_changes_nothing() {
    // Properties (rule book P4, M1, Q6): a settled tenant stays settled.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    for (from, to) in [
        (Path::new(SAMPLE).to_path_buf(), &first),
        (first.clone(), &second),
    ] {
        let r = run(&[
            "sync".as_ref(),
            from.as_os_str(),
            "--cycles".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            to.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let a: Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    let b: Value = serde_json::from_slice(&std::fs::read(&second).unwrap()).unwrap();
    assert_eq!(a["cloud"], b["cloud"], "the cloud side changed again");
    assert_eq!(
        a["onPremises"], b["onPremises"],
        "the on-prem side changed again"
    );
    // A2 (r2): Connect wrote the objectGUID back into empty ConsistencyGuids of exported users.
    let samuel = a["onPremises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["displayName"] == "Ivan Petrov")
        .unwrap();
    assert!(samuel["mS-DS-ConsistencyGuid"].is_string(), "{samuel}");
}

#[test]
fn plan_set_takes_the_r2_switches() {
    // M6: the older reading provisions Samuel with his primary SMTP quarantined against the
    // candidate; the default fails the attempt.
    let plan = json_of(&[
        "plan",
        SAMPLE,
        "--json",
        "--set",
        "softMatchConflictQuarantines=true",
        "--set",
        "eligibleRolesBlockSoftMatch=false",
        "--set",
        "hardeningAllRoles=true",
    ]);
    assert_eq!(plan["switches"]["softMatchConflictQuarantines"], true);
    assert_eq!(plan["switches"]["eligibleRolesBlockSoftMatch"], false);
    assert_eq!(plan["switches"]["hardeningAllRoles"], true);
    let samuel = by_name(&plan, "Samuel Okafor");
    assert_eq!(samuel["result"], "provision");
    assert_eq!(
        samuel["quarantined"][0]["conflictsWith"],
        "b4e128f6-f680-4ff9-b15a-f6490fbbb169"
    );
    // M6: Marcus Webb's candidate is only eligible (Exchange Administrator).
    assert_eq!(by_name(&plan, "Marcus Webb")["result"], "soft-match-smtp");
    // M3: with every role privileged, Ivan Petrov's Directory Readers blocks.
    assert_eq!(by_name(&plan, "Ivan Petrov")["error"], "InvalidHardMatch");
    let defaults = json_of(&["plan", SAMPLE, "--json"]);
    assert_eq!(
        by_name(&defaults, "Samuel Okafor")["error"],
        "AttributeValueMustBeUnique"
    );
    assert_eq!(by_name(&defaults, "Ivan Petrov")["result"], "hard-match");
    // A misspelt switch is bad usage naming the known ones.
    let r = run(&["plan", SAMPLE, "--set", "hardeningAllRole=true"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("hardeningAllRoles"), "{}", r.stderr);
}

#[test]
fn scenario_q6_scope_exit_and_return_with_the_takeover_block() {
    const PAUL: &str = "c122b287-1dd7-4598-be2c-f85c544f3c26";
    const PAUL_CLOUD: &str = "6bf46727-9897-4371-8c24-b5a2a7c6d003";
    let s = json_of(&[
        "scenario",
        "sample-data/scenarios/scope-exit-and-return.json",
        "--json",
    ]);
    let steps = s["steps"].as_array().unwrap();
    for st in steps {
        assert_eq!(st["ok"], true, "{st}");
    }
    assert_eq!(step_outcome(&steps[0], PAUL)["result"], "out-of-scope");
    let back = step_outcome(&steps[3], PAUL);
    assert_eq!(back["error"], "InvalidHardMatch", "{back}");
    assert_eq!(back["cloudId"], PAUL_CLOUD);
    let restored = step_outcome(&steps[5], PAUL);
    assert_eq!(restored["result"], "restore", "{restored}");
    let c = cloud_of(&s["final"], PAUL_CLOUD).unwrap();
    assert!(c["deletedDateTime"].is_null());
    assert_eq!(c["onPremisesSyncEnabled"], true);
}

#[test]
fn scenario_m8_feature_enabled_later_keeps_the_old_upn_until_the_next_change() {
    const PRIYA: &str = "0d93814a-e42c-4158-9dfe-1002f3007a0d";
    const PRIYA_CLOUD: &str = "56ece5ca-df2f-4031-ba2b-005298b453f8";
    let s = json_of(&[
        "scenario",
        "sample-data/scenarios/upn-feature-enabled-later.json",
        "--json",
    ]);
    let steps = s["steps"].as_array().unwrap();
    let blocked = step_outcome(&steps[1], PRIYA);
    assert_eq!(blocked["flags"], json!(["UpnUpdateBlocked"]));
    let kept = step_outcome(&steps[3], PRIYA);
    assert_eq!(kept["flags"], json!(["UpnKeptUntilChange"]), "{kept}");
    assert_eq!(kept["cloudUserPrincipalName"], "praman@contoso.com");
    let flows = step_outcome(&steps[5], PRIYA);
    assert!(flows["flags"].as_array().unwrap().is_empty(), "{flows}");
    assert_eq!(flows["cloudUserPrincipalName"], "p.raman@contoso.com");
    let c = cloud_of(&s["final"], PRIYA_CLOUD).unwrap();
    assert_eq!(c["userPrincipalName"], "p.raman@contoso.com");
}
