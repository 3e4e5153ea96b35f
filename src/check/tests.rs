use super::*;
use crate::bundle::parse_bundle;
use serde_json::json;

/// A bundle from JSON parts (interfaces §1), with the given on-prem and cloud objects.
fn bundle(on_prem: Value, cloud: Value, extra: Value) -> Bundle {
    let mut doc = json!({
        "tenant": {
            "initialDomain": "contoso.onmicrosoft.com",
            "domains": [{"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}]
        },
        "connect": {"sourceAnchor": "mS-DS-ConsistencyGuid"},
        "onPremises": on_prem,
        "cloud": cloud,
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    parse_bundle("test.json", doc.to_string().as_bytes()).expect("valid bundle")
}

fn user(n: u32, upn: &str) -> Value {
    json!({
        "objectClass": "user",
        "objectGUID": format!("00000000-0000-0000-0000-{n:012}"),
        "distinguishedName": format!("CN=U{n},OU=Corp,DC=contoso,DC=com"),
        "sAMAccountName": format!("u{n}"),
        "userPrincipalName": upn,
        "displayName": format!("User {n}"),
    })
}

fn run(b: &Bundle) -> CheckReport {
    let ix = CloudIndex::build(b);
    let p = crate::plan::plan_with(b, &ix, &b.settings);
    check(b, &ix, &p, CheckOptions::default())
}

fn rules_of(r: &CheckReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule.id()).collect()
}

// IdFix's test generator (test/Set-IdFixErrors.ps1): mtUserUserPrincipalNameInvalidchars,
// …Rfc2822, …Dup1/Dup2; and the Entra page's trailing space ("cannot contain any spaces").
#[test]
fn idfix_upn_cases_give_their_rules() {
    let b = bundle(
        json!([
            user(1, "mtUserUserPrincipalNameInvalidchars&&&@lab&&&.com"),
            user(2, "mtUserUserPrincipalNameRfc2822@@lab###.local"),
            user(3, "mtUserUserPrincipalNameDup1@contoso.com"),
            user(4, "mtUserUserPrincipalNameDup1@contoso.com"),
            user(5, "trailing@contoso.com "),
        ]),
        json!([]),
        json!({}),
    );
    let r = run(&b);
    let by = |n: u32| -> Vec<&str> {
        r.findings
            .iter()
            .filter(|f| f.object == ObjectRef::OnPrem(n))
            .map(|f| f.rule.id())
            .collect()
    };
    assert!(by(0).contains(&"C1"), "{:?}", by(0));
    let c1 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UpnCharacter)
        .unwrap();
    assert_eq!(
        c1.suggested.as_deref(),
        Some("mtUserUserPrincipalNameInvalidchars@lab.com")
    );
    assert!(
        by(1).contains(&"C3") && by(1).contains(&"C5"),
        "{:?}",
        by(1)
    );
    assert_eq!(
        by(2),
        Vec::<&str>::new(),
        "the first holder keeps the UPN (Q2)"
    );
    assert_eq!(by(3), vec!["D1"]);
    let d1 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UpnDuplicate)
        .unwrap();
    assert_eq!(d1.conflicts_with, Some(ObjectRef::OnPrem(2)));
    assert_eq!(by(4), vec!["C2"]);
    let c2 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UpnWhitespace)
        .unwrap();
    assert_eq!(c2.suggested.as_deref(), Some("trailing@contoso.com"));
    assert!(
        matches!(&c2.commands[..], [Command::SetOnPremUpn { upn, .. }] if upn == "trailing@contoso.com")
    );
}

// IdFix test script: dUserMailnicknameInvalidchars, dUserMailnicknamePeriods,
// mtUserMailnicknameDup1/2, mtUserProxyRfc2822 (SMTP:…@lab.local), mtUserProxyDup1/2.
#[test]
fn idfix_nickname_and_proxy_cases() {
    let mut a = user(1, "a@contoso.com");
    a["mailNickname"] = json!("  dUserMailnicknameInvalidchars###");
    let mut p = user(2, "p@contoso.com");
    p["mailNickname"] = json!(".mtUserMailnicknamePeriods.");
    let mut d1 = user(3, "d1@contoso.com");
    d1["mailNickname"] = json!("mtUserMailnicknameDup1");
    d1["proxyAddresses"] = json!(["SMTP:mtUserProxyDup1@contoso.com"]);
    let mut d2 = user(4, "d2@contoso.com");
    d2["mailNickname"] = json!("mtUserMailnicknameDup1");
    d2["proxyAddresses"] = json!([
        "SMTP:mtUserProxyDup1@contoso.com",
        "SMTP:mtUserProxyRfc2822@lab.local"
    ]);
    let b = bundle(json!([a, p, d1, d2]), json!([]), json!({}));
    let r = run(&b);
    let ids = rules_of(&r);
    for want in ["C30", "C31", "D4", "D2", "C22"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let c31 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::NicknamePeriod)
        .unwrap();
    assert_eq!(c31.suggested.as_deref(), Some("mtUserMailnicknamePeriods"));
}

// P4 / Q5 / P4 r2: what only both directories together show.
#[test]
fn cross_directory_and_recycle_bin_duplicates() {
    let mut a = user(1, "taken@contoso.com");
    a["objectSid"] = json!("S-1-5-21-1-2-3-1001");
    a["proxyAddresses"] = json!([
        "SMTP:a1@contoso.com",
        "SIP:a1@contoso.com",
        "smtp:binned@contoso.com"
    ]);
    let cloud = json!([
        {"id": "10000000-0000-0000-0000-000000000001", "objectType": "user", "displayName": "Other",
         "userPrincipalName": "taken@contoso.com", "proxyAddresses": ["SMTP:other@contoso.com"],
         "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-1001",
         "onPremisesSyncEnabled": true, "onPremisesImmutableId": "BpazOkLGm0iEtljAONPvOQ=="},
        {"id": "10000000-0000-0000-0000-000000000002", "objectType": "user", "displayName": "Sip",
         "userPrincipalName": "sip@contoso.com", "proxyAddresses": ["sip:A1@contoso.com"]},
        {"id": "10000000-0000-0000-0000-000000000003", "objectType": "user", "displayName": "Gone",
         "userPrincipalName": "gone@contoso.com", "proxyAddresses": ["SMTP:binned@contoso.com"],
         "onPremisesSyncEnabled": true, "onPremisesImmutableId": "AAAAAAAAAAAAAAAAAAAAAA==",
         "deletedDateTime": "2026-11-01T00:00:00Z"}
    ]);
    let b = bundle(json!([a]), cloud, json!({}));
    let r = run(&b);
    let ids = rules_of(&r);
    for want in ["X1", "X3", "X4", "X5"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let x5 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::InRecycleBin)
        .unwrap();
    assert_eq!(x5.conflicts_with, Some(ObjectRef::Cloud(2)));
    assert!(matches!(x5.commands[..], [Command::PurgeDeleted { .. }]));
    // Values of the object's own match are not conflicts: alice soft-matches her cloud twin.
    let b = bundle(
        json!([{"objectClass": "user", "objectGUID": "00000000-0000-0000-0000-000000000009",
                "distinguishedName": "CN=A,OU=Corp,DC=contoso,DC=com", "sAMAccountName": "a",
                "userPrincipalName": "a@contoso.com", "proxyAddresses": ["SMTP:a@contoso.com"]}]),
        json!([{"id": "10000000-0000-0000-0000-000000000009", "objectType": "user",
                "userPrincipalName": "a@contoso.com", "proxyAddresses": ["SMTP:a@contoso.com"]}]),
        json!({}),
    );
    assert_eq!(rules_of(&run(&b)), Vec::<&str>::new());
}

// M3 r2: privileged role (assigned or eligible) on the hard-match target; a non-privileged role
// does not block; a foreign onPremisesObjectIdentifier; a soft-deleted privileged target.
#[test]
fn hardening_blockers_with_recovery_steps() {
    let guid = "88666888-0101-1111-bbbb-1234567890ab";
    let anchor = "iGhmiAEBERG7uxI0VniQqw==";
    let on_prem = |n: u32, g: &str| {
        json!({"objectClass": "user", "objectGUID": g,
               "distinguishedName": format!("CN=H{n},OU=Corp,DC=contoso,DC=com"), "sAMAccountName": format!("h{n}"),
               "userPrincipalName": format!("h{n}@contoso.com")})
    };
    let cloud = |roles: Value, eligible: Value, extra: Value| {
        let mut c = json!({"id": "20000000-0000-0000-0000-000000000001", "objectType": "user",
            "displayName": "Cloud Admin", "userPrincipalName": "cloudadmin@contoso.com",
            "onPremisesImmutableId": anchor, "directoryRoles": roles, "eligibleDirectoryRoles": eligible});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let b = bundle(
        json!([on_prem(1, guid)]),
        json!([cloud(
            json!([]),
            json!(["Privileged Role Administrator"]),
            json!({})
        )]),
        json!({}),
    );
    let r = run(&b);
    let h1 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::PrivilegedRole)
        .expect("H1 for an eligible role");
    assert_eq!(h1.object, ObjectRef::Cloud(0));
    assert!(h1.value.contains("(eligible)"));
    assert!(matches!(
        &h1.commands[..],
        [
            Command::RemoveRole { eligible: true, .. },
            Command::DeltaSync,
            Command::WaitForSyncCycle,
            Command::CheckMatch { .. },
            Command::AddRole { eligible: true, .. }
        ]
    ));
    // Directory Readers is not privileged (M3 r2): no H1.
    let b = bundle(
        json!([on_prem(1, guid)]),
        json!([cloud(json!(["Directory Readers"]), json!([]), json!({}))]),
        json!({}),
    );
    assert!(!rules_of(&run(&b)).contains(&"H1"));
    // roleDefinitions in the snapshot decide over the built-in table.
    let b = bundle(
        json!([on_prem(1, guid)]),
        json!([cloud(json!(["Contoso Tier0"]), json!([]), json!({}))]),
        json!({"roleDefinitions": [{"displayName": "Contoso Tier0", "templateId": "x", "isPrivileged": true}]}),
    );
    assert!(rules_of(&run(&b)).contains(&"H1"));
    // A foreign onPremisesObjectIdentifier.
    let b = bundle(
        json!([on_prem(1, guid)]),
        json!([cloud(
            json!([]),
            json!([]),
            json!({"onPremisesObjectIdentifier": "99999999-0000-0000-0000-000000000000"})
        )]),
        json!({}),
    );
    let r = run(&b);
    let h2 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::ForeignObjectIdentifier)
        .expect("H2");
    assert!(matches!(
        h2.commands[0],
        Command::ClearOnPremisesObjectIdentifier { .. }
    ));
    // Soft-deleted privileged user: restore first (W1 r2).
    let b = bundle(
        json!([on_prem(1, guid)]),
        json!([cloud(
            json!(["Global Administrator"]),
            json!([]),
            json!({"deletedDateTime": "2026-11-01T00:00:00Z"})
        )]),
        json!({}),
    );
    let r = run(&b);
    let h3 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::DeletedPrivileged)
        .expect("H3");
    assert!(matches!(h3.commands[0], Command::Restore { .. }));
}

#[test]
fn bulk_script_for_one_rule_quotes_every_value() {
    let b = bundle(
        json!([
            user(1, "o'brien@contoso.com "),
            user(2, "$(Stop-Computer)@contoso.com "),
            user(3, "fine@contoso.com")
        ]),
        json!([]),
        json!({}),
    );
    let r = run(&b);
    let c2: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::UpnWhitespace)
        .collect();
    assert_eq!(c2.len(), 2);
    let text = fix_script(&b, &c2, "C2: trailing whitespace in UPNs", "test.json");
    assert!(
        text.contains("-UserPrincipalName 'o''brien@contoso.com'"),
        "{text}"
    );
    assert!(
        text.contains("-UserPrincipalName '$(Stop-Computer)@contoso.com'"),
        "{text}"
    );
    assert_eq!(text.matches("Set-ADUser").count(), 2);
}

#[test]
fn sample_tenant_findings_are_stable_and_json_has_the_contract_fields() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    let b = parse_bundle(path, &std::fs::read(path).unwrap()).unwrap();
    let ix = CloudIndex::build(&b);
    let p = crate::plan::plan(&b);
    let r = check(&b, &ix, &p, CheckOptions::default());
    let v = report_json(&b, &p, &r);
    for f in v["findings"].as_array().unwrap() {
        for k in [
            "objectId",
            "side",
            "attribute",
            "value",
            "rule",
            "severity",
            "fix",
        ] {
            assert!(f.get(k).is_some(), "{k} missing in {f}");
        }
    }
    assert_eq!(v["summary"]["findings"], json!(r.findings.len()));
}

/// A UPN or SMTP address that only the object's own counterpart holds stays out of the
/// first-holder table; a duplicate still names the first holder, wherever the linked object is.
#[test]
fn duplicates_of_a_linked_objects_own_values_name_the_first_holder() {
    let linked = |n: u32| {
        let mut u = user(n, "a@contoso.com");
        u["proxyAddresses"] = json!(["SMTP:a@contoso.com"]);
        u
    };
    let new = |n: u32| {
        let mut u = user(n, "a@contoso.com");
        u["proxyAddresses"] = json!(["SMTP:a@contoso.com"]);
        u
    };
    let twin = |n: u32| {
        let guid = uuid::Uuid::parse_str(&format!("00000000-0000-0000-0000-{n:012}")).unwrap();
        json!({"id": "11111111-0000-0000-0000-000000000001", "objectType": "user",
               "userPrincipalName": "a@contoso.com", "proxyAddresses": ["SMTP:a@contoso.com"],
               "onPremisesSyncEnabled": true,
               "onPremisesImmutableId": crate::anchor::Anchor::from_guid(guid).immutable_id()})
    };
    // (on-prem objects, the linked one's number) → each duplicate: (rule, object, first holder).
    type Case = (Vec<Value>, u32, Vec<(&'static str, u32, u32)>);
    let cases: [Case; 3] = [
        (vec![linked(1), new(2)], 1, vec![("D1", 1, 0), ("D2", 1, 0)]),
        (vec![new(2), linked(1)], 1, vec![("D1", 1, 0), ("D2", 1, 0)]),
        (
            vec![new(2), linked(1), new(3)],
            1,
            vec![("D1", 1, 0), ("D1", 2, 0), ("D2", 1, 0), ("D2", 2, 0)],
        ),
    ];
    for (on_prem, n, expected) in cases {
        let b = bundle(Value::Array(on_prem), json!([twin(n)]), json!({}));
        let r = run(&b);
        let got: Vec<(&str, u32, u32)> = r
            .findings
            .iter()
            .filter(|f| matches!(f.rule.id(), "D1" | "D2"))
            .map(|f| {
                let ObjectRef::OnPrem(i) = f.object else {
                    panic!("{f:?}")
                };
                let Some(ObjectRef::OnPrem(first)) = f.conflicts_with else {
                    panic!("{f:?}")
                };
                (f.rule.id(), i, first)
            })
            .collect();
        assert_eq!(got, expected, "{:?}", rules_of(&r));
    }
}
