//! One or more tests per rule id of the rule book (A1–A5, P1–P4, M1–M9, Q1–Q6, X1–X3), on small
//! bundles built here as JSON and read through the real bundle reader. Each test asserts what a
//! user sees (result, error code, flags, quarantined values, cloud ids, the rule ids of the trace)
//! and, where a feature or switch decides the outcome, that flipping it flips the outcome.

use base64::Engine as _;
use serde_json::{Value, json};
use syncscope::anchor::{Anchor, AnchorForm};
use syncscope::apply::{
    Action, OnPremAttribute, OnPremValue, apply, resolve_quarantines, sync_cycle,
};
use syncscope::bundle::{bundle_to_json, parse_bundle};
use syncscope::model::{Bundle, CloudObject, PropertyName};
use syncscope::outcome::{ErrorCode, Flag, Holder, Outcome, SyncResult};
use syncscope::plan::{Plan, plan};
use syncscope::preview::preview;
use syncscope::settings::{SETTINGS, Setting, SettingScope, Settings};
use uuid::Uuid;

// ---- a small bundle builder ------------------------------------------------------------------

const INITIAL: &str = "contoso.onmicrosoft.com";
const NOW: Option<&str> = Some("2026-11-20T09:00:00Z");
const LICENSE: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";

/// objectGUID of on-prem object `n`.
fn g(n: u32) -> String {
    format!("0000aaaa-0000-4000-8000-{n:012}")
}

/// id of cloud object `n`.
fn cid(n: u32) -> String {
    format!("0000cccc-0000-4000-8000-{n:012}")
}

/// The ImmutableID of on-prem object `n` (objectGUID anchor, A1).
fn anchor(n: u32) -> String {
    Anchor::parse_guid(&g(n)).unwrap().immutable_id()
}

fn user(n: u32, name: &str) -> Value {
    json!({
        "objectClass": "user",
        "objectGUID": g(n),
        "distinguishedName": format!("CN={name},OU=Staff,OU=Corp,DC=contoso,DC=com"),
        "sAMAccountName": name,
        "userPrincipalName": format!("{name}@contoso.com"),
        "mail": format!("{name}@contoso.com"),
        "proxyAddresses": [format!("SMTP:{name}@contoso.com")],
        "displayName": name,
    })
}

fn group(n: u32, name: &str, mail: Option<&str>) -> Value {
    json!({
        "objectClass": "group",
        "objectGUID": g(n),
        "distinguishedName": format!("CN={name},OU=Groups,OU=Corp,DC=contoso,DC=com"),
        "displayName": name,
        "mail": mail,
        "proxyAddresses": mail.map(|m| vec![format!("SMTP:{m}")]).unwrap_or_default(),
        "objectSid": format!("S-1-5-21-1-2-3-{}", 1000 + n),
    })
}

fn contact(n: u32, name: &str, mail: &str) -> Value {
    json!({
        "objectClass": "contact",
        "objectGUID": g(n),
        "distinguishedName": format!("CN={name},OU=Contacts,OU=Corp,DC=contoso,DC=com"),
        "displayName": name,
        "mail": mail,
        "proxyAddresses": [format!("SMTP:{mail}")],
    })
}

fn cloud_user(n: u32, name: &str) -> Value {
    json!({
        "id": cid(n),
        "objectType": "user",
        "displayName": name,
        "userPrincipalName": format!("{name}@contoso.com"),
        "mail": format!("{name}@contoso.com"),
        "proxyAddresses": [format!("SMTP:{name}@contoso.com")],
    })
}

fn cloud_group(n: u32, name: &str, mail: Option<&str>) -> Value {
    json!({
        "id": cid(n),
        "objectType": "group",
        "displayName": name,
        "mail": mail,
        "mailEnabled": mail.is_some(),
        "securityEnabled": mail.is_none(),
        "proxyAddresses": mail.map(|m| vec![format!("SMTP:{m}")]).unwrap_or_default(),
    })
}

fn cloud_contact(n: u32, name: &str, mail: &str) -> Value {
    json!({
        "id": cid(n),
        "objectType": "contact",
        "displayName": name,
        "mail": mail,
        "proxyAddresses": [format!("SMTP:{mail}")],
    })
}

/// Shallow merge: every key of `patch` replaces the key of `v`.
fn with(mut v: Value, patch: Value) -> Value {
    for (k, x) in patch.as_object().expect("patch is an object") {
        v[k] = x.clone();
    }
    v
}

/// A cloud object synced from on-prem object `n` (M1).
fn synced_to(v: Value, n: u32) -> Value {
    with(
        v,
        json!({"onPremisesImmutableId": anchor(n), "onPremisesSyncEnabled": true}),
    )
}

/// A tenant under construction: contoso.com (Managed), fabrikam.com (Federated), litware.com
/// (Managed, not verified); scope OU=Corp; every feature and switch at its default.
#[derive(Clone)]
struct T(Value);

fn tenant() -> T {
    T(json!({
        "tenant": {
            "initialDomain": INITIAL,
            "domains": [
                {"id": "contoso.com", "authenticationType": "Managed", "isVerified": true},
                {"id": "fabrikam.com", "authenticationType": "Federated", "isVerified": true},
                {"id": "litware.com", "authenticationType": "Managed", "isVerified": false},
            ],
            "features": {},
        },
        "connect": {
            "sourceAnchor": "mS-DS-ConsistencyGuid",
            "includedOUs": ["OU=Corp,DC=contoso,DC=com"],
            "deletionThreshold": 500,
        },
        "simulation": {},
        "onPremises": [],
        "cloud": [],
    }))
}

impl T {
    fn on_prem(mut self, o: Value) -> Self {
        self.0["onPremises"].as_array_mut().unwrap().push(o);
        self
    }

    fn cloud(mut self, c: Value) -> Self {
        self.0["cloud"].as_array_mut().unwrap().push(c);
        self
    }

    /// Sets a tenant feature or a rule-book switch, in the section the settings table names.
    fn set(mut self, key: &str, value: bool) -> Self {
        let s = Setting::from_key(key).unwrap_or_else(|| panic!("unknown setting {key}"));
        match s.info().scope {
            SettingScope::TenantFeature => self.0["tenant"]["features"][key] = json!(value),
            SettingScope::RuleBookSwitch => self.0["simulation"][key] = json!(value),
        }
        self
    }

    fn connect(mut self, key: &str, value: Value) -> Self {
        self.0["connect"][key] = value;
        self
    }

    fn bundle(&self) -> Bundle {
        let text = serde_json::to_vec(&self.0).unwrap();
        parse_bundle("test.json", &text).unwrap_or_else(|e| panic!("test bundle: {e}"))
    }

    fn run(&self) -> Run {
        Run::of(self.bundle())
    }
}

struct Run {
    b: Bundle,
    p: Plan,
}

impl Run {
    fn of(b: Bundle) -> Run {
        let p = plan(&b);
        Run { b, p }
    }

    fn out_guid(&self, guid: &str) -> &Outcome {
        self.p
            .outcomes
            .iter()
            .find(|o| {
                self.b.on_premises[o.on_prem as usize]
                    .object_guid
                    .to_string()
                    == guid
            })
            .unwrap_or_else(|| panic!("no outcome for {guid}"))
    }

    /// The outcome of on-prem object `n`.
    fn out(&self, n: u32) -> &Outcome {
        self.out_guid(&g(n))
    }

    fn result(&self, n: u32) -> SyncResult {
        self.out(n).result
    }

    fn error(&self, n: u32) -> Option<ErrorCode> {
        self.out(n).error
    }

    /// The id of the cloud object the outcome names (interfaces §3 `cloudId`).
    fn cloud_id(&self, n: u32) -> Option<String> {
        self.out(n)
            .cloud
            .map(|c| self.b.cloud[c as usize].id.to_string())
    }

    fn rules(&self, n: u32) -> Vec<&'static str> {
        self.out(n).rules()
    }

    fn has_rule(&self, n: u32, rule: &str) -> bool {
        self.rules(n).contains(&rule)
    }

    fn explanation(&self, n: u32) -> String {
        let o = self.out(n);
        o.steps
            .iter()
            .map(|s| s.describe(&self.b, &o.source_anchor))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn holder_id(&self, h: Holder) -> String {
        match h {
            Holder::Cloud(c) => self.b.cloud[c as usize].id.to_string(),
            Holder::OnPrem(o) => self.b.on_premises[o as usize].object_guid.to_string(),
        }
    }

    /// (property, value, conflictsWith) of every quarantined value.
    fn quarantined(&self, n: u32) -> Vec<(PropertyName, String, String)> {
        self.out(n)
            .quarantined
            .iter()
            .map(|q| {
                (
                    q.property,
                    q.value.to_string(),
                    self.holder_id(q.conflicts_with),
                )
            })
            .collect()
    }

    fn placeholder(&self, n: u32) -> Option<String> {
        self.out(n)
            .quarantined
            .iter()
            .find_map(|q| q.placeholder.as_deref().map(String::from))
    }
}

/// Asserts result and error code together, with the trace on failure.
#[track_caller]
fn expect(r: &Run, n: u32, result: SyncResult, error: Option<ErrorCode>) {
    assert_eq!(
        (r.result(n), r.error(n)),
        (result, error),
        "on-prem {n}:\n{}",
        r.explanation(n)
    );
}

#[track_caller]
fn expect_rule(r: &Run, n: u32, rule: &str) {
    assert!(
        r.has_rule(n, rule),
        "on-prem {n}: {rule} not in {:?}\n{}",
        r.rules(n),
        r.explanation(n)
    );
}

/// Q1 placeholder shape: `<prefix><4 digits>@<initial domain>`, no literal '+'.
#[track_caller]
fn assert_placeholder(p: &str, prefix: &str) {
    let local = p
        .strip_suffix(&format!("@{INITIAL}"))
        .unwrap_or_else(|| panic!("{p} is not in the initial domain"));
    let digits = local
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{p} does not start with {prefix}"));
    assert!(
        digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{p}: expected 4 digits after {prefix}"
    );
    assert!(!p.contains('+'), "{p} holds a literal '+'");
}

fn cloud<'a>(b: &'a Bundle, id: &str) -> &'a CloudObject {
    b.cloud
        .iter()
        .find(|c| c.id.to_string() == id)
        .unwrap_or_else(|| panic!("no cloud object {id}"))
}

fn cloud_by_anchor<'a>(b: &'a Bundle, anchor: &str) -> Vec<&'a CloudObject> {
    b.cloud
        .iter()
        .filter(|c| c.on_premises_immutable_id.as_deref() == Some(anchor))
        .map(|c| &**c)
        .collect()
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

// ---- §1 sourceAnchor and ImmutableID -----------------------------------------------------------

const VECTORS: [(&str, &str); 3] = syncscope::anchor::PUBLIC_VECTORS;

#[test]
fn a1_public_vectors_both_ways() {
    for (guid, immutable) in VECTORS {
        assert_eq!(Anchor::parse_guid(guid).unwrap().immutable_id(), immutable);
        assert_eq!(
            Anchor::parse_immutable_id(immutable)
                .unwrap()
                .guid()
                .to_string(),
            guid
        );
    }
}

#[test]
fn a1_plan_uses_little_endian_bytes_and_big_endian_never_matches() {
    let (guid, immutable) = VECTORS[0];
    let big_endian = base64::engine::general_purpose::STANDARD.encode(uuid(guid).as_bytes());
    assert_ne!(big_endian, immutable);
    let alice = with(user(1, "alice"), json!({"objectGUID": guid}));
    // A cloud user carrying the big-endian form is not the same anchor: no hard match.
    let t = tenant().on_prem(alice.clone()).cloud(with(
        cloud_user(1, "alice.cloud"),
        json!({"onPremisesImmutableId": big_endian, "proxyAddresses": [], "mail": null}),
    ));
    let r = t.run();
    assert_eq!(r.out_guid(guid).source_anchor, immutable);
    assert_eq!(r.out_guid(guid).result, SyncResult::Provision);
    // The little-endian form is: hard match.
    let t = tenant().on_prem(alice).cloud(with(
        cloud_user(1, "alice.cloud"),
        json!({"onPremisesImmutableId": immutable, "proxyAddresses": [], "mail": null}),
    ));
    let r = t.run();
    assert_eq!(r.out_guid(guid).result, SyncResult::HardMatch);
}

#[test]
fn a2_consistency_guid_when_present_else_object_guid() {
    let (_, cg_b64) = VECTORS[1];
    let (cg_guid, _) = VECTORS[2];
    let t = tenant()
        // ConsistencyGuid as base64.
        .on_prem(with(
            user(1, "one"),
            json!({"mS-DS-ConsistencyGuid": cg_b64}),
        ))
        // ConsistencyGuid as a GUID string.
        .on_prem(with(
            user(2, "two"),
            json!({"mS-DS-ConsistencyGuid": cg_guid}),
        ))
        // None: objectGUID.
        .on_prem(user(3, "three"))
        // Groups ignore ConsistencyGuid.
        .on_prem(with(
            group(4, "G", None),
            json!({"mS-DS-ConsistencyGuid": "3ab39606-c642-489b-84b6-58c038d3ef39"}),
        ));
    let r = t.run();
    assert_eq!(r.out(1).source_anchor, cg_b64);
    assert_eq!(r.out(2).source_anchor, VECTORS[2].1);
    assert_eq!(r.out(3).source_anchor, anchor(3));
    assert_eq!(r.out(4).source_anchor, anchor(4));
    for n in 1..=4 {
        expect_rule(&r, n, "A2");
    }
    // sourceAnchor objectGUID: the ConsistencyGuid is ignored.
    let r = t.connect("sourceAnchor", json!("objectGUID")).run();
    assert_eq!(r.out(1).source_anchor, anchor(1));
    assert_eq!(r.out(2).source_anchor, anchor(2));
}

#[test]
fn a2_consistency_guid_anchor_hard_matches() {
    // A user migrated from another forest: its ConsistencyGuid is the old objectGUID.
    let (old_guid, old_anchor) = VECTORS[0];
    let t = tenant()
        .on_prem(with(
            user(1, "migrated"),
            json!({"mS-DS-ConsistencyGuid": old_guid, "proxyAddresses": ["SMTP:new@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "old"),
            json!({"onPremisesImmutableId": old_anchor}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::HardMatch, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    let r = t.connect("sourceAnchor", json!("objectGUID")).run();
    assert_ne!(r.result(1), SyncResult::HardMatch);
}

#[test]
fn a3_anchor_comparison_is_case_sensitive() {
    let exact = anchor(1);
    // Flip the case of one letter: still 16 bytes of base64, but another anchor.
    let pos = exact.find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let mut other: Vec<char> = exact.chars().collect();
    other[pos] = if other[pos].is_ascii_lowercase() {
        other[pos].to_ascii_uppercase()
    } else {
        other[pos].to_ascii_lowercase()
    };
    let other: String = other.into_iter().collect();
    assert!(exact.eq_ignore_ascii_case(&other) && exact != other);
    assert!(Anchor::parse_immutable_id(&other).is_ok());
    let base = |id: &str| {
        tenant()
            .on_prem(with(
                user(1, "u"),
                json!({"proxyAddresses": ["SMTP:u1@contoso.com"]}),
            ))
            .cloud(with(
                cloud_user(1, "c"),
                json!({"onPremisesImmutableId": id, "onPremisesSyncEnabled": true}),
            ))
            .run()
    };
    expect(&base(&exact), 1, SyncResult::Linked, None);
    let r = base(&other);
    assert_eq!(r.result(1), SyncResult::Provision, "{}", r.explanation(1));
    // Case matters, surrounding whitespace (which the reader accepts) does not.
    expect(&base(&format!(" {exact}\n")), 1, SyncResult::Linked, None);
}

#[test]
fn a4_every_form_converts_to_every_other() {
    for (guid, immutable) in VECTORS {
        let a = Anchor::parse_guid(guid).unwrap();
        for (text, form) in [
            (guid.to_string(), AnchorForm::Guid),
            (guid.to_uppercase(), AnchorForm::Guid),
            (immutable.to_string(), AnchorForm::ImmutableId),
            (a.hex(), AnchorForm::Hex),
            (a.ldap_filter(), AnchorForm::LdapFilter),
            (a.connector_space_dn(), AnchorForm::ConnectorSpaceDn),
        ] {
            assert_eq!(Anchor::parse_any(&text), Ok((a, form)), "{text}");
        }
        assert_eq!(a.guid().to_string(), guid);
        assert_eq!(a.immutable_id(), immutable);
    }
    let a = Anchor::parse_guid(VECTORS[0].0).unwrap();
    assert_eq!(a.hex(), "8868668801011111bbbb1234567890ab");
    assert_eq!(
        a.ldap_filter(),
        "\\88\\68\\66\\88\\01\\01\\11\\11\\bb\\bb\\12\\34\\56\\78\\90\\ab"
    );
}

#[test]
fn a4_connector_space_dn_vector() {
    let dn = "CN={514635484D4B376E38307176645973555049486139513D3D}";
    let a = Anchor::parse_immutable_id("QF5HMK7n80qvdYsUPIHa9Q==").unwrap();
    assert_eq!(a.connector_space_dn(), dn);
    assert_eq!(Anchor::parse_any(dn), Ok((a, AnchorForm::ConnectorSpaceDn)));
}

#[test]
fn a4_rejects_anything_that_is_not_16_bytes() {
    // The seed article's example: 23 characters; rejected, not repaired.
    let e = Anchor::parse_any("xMf1FXx9RIcbcAbDlqeOA==").unwrap_err();
    assert!(e.0.contains("16 bytes"), "{e}");
    // Valid base64 of the wrong length.
    let e = Anchor::parse_immutable_id("AAAA").unwrap_err();
    assert!(e.0.contains("3 bytes"), "{e}");
    let e = Anchor::parse_immutable_id("AAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap_err();
    assert!(e.0.contains("20 bytes"), "{e}");
    for bad in [
        "",
        "   ",
        "88666888-0101-1111-bbbb-1234567890",
        "88666888-0101-1111-bbbb-1234567890abcd",
        "8868668801011111bbbb1234567890",
        "\\88\\68\\66",
        "CN={514635}",
        "CN={ZZ}",
        "not an anchor",
    ] {
        assert!(Anchor::parse_any(bad).is_err(), "{bad:?} must be rejected");
    }
}

#[test]
fn a4_bundle_reader_rejects_bad_anchors_naming_the_path() {
    // A4 (r2): the strictness is the on-prem side's: a cloud ImmutableID of 23 characters loads.
    let t = tenant().cloud(with(
        cloud_user(1, "c"),
        json!({"onPremisesImmutableId": "xMf1FXx9RIcbcAbDlqeOA=="}),
    ));
    let b = parse_bundle("t.json", &serde_json::to_vec(&t.0).unwrap()).unwrap();
    assert_eq!(
        b.cloud[0].on_premises_immutable_id.as_deref(),
        Some("xMf1FXx9RIcbcAbDlqeOA==")
    );
    let t = tenant().on_prem(with(user(1, "u"), json!({"mS-DS-ConsistencyGuid": "AAAA"})));
    let e = parse_bundle("t.json", &serde_json::to_vec(&t.0).unwrap()).unwrap_err();
    assert!(
        e.position
            .starts_with("onPremises[0].mS-DS-ConsistencyGuid"),
        "{e}"
    );
    assert!(e.message.contains("16 bytes"), "{e}");
}

#[test]
fn a5_duplicate_source_anchor_on_a_linked_object() {
    // Two on-prem users carry the same ConsistencyGuid (copied): the first is linked, the second
    // is an error naming the cloud object and the first on-prem object.
    let cg = VECTORS[0].0;
    let t = tenant()
        .on_prem(with(user(1, "first"), json!({"mS-DS-ConsistencyGuid": cg})))
        .on_prem(with(
            user(2, "second"),
            json!({"mS-DS-ConsistencyGuid": cg}),
        ))
        .cloud(with(
            cloud_user(1, "first"),
            json!({"onPremisesImmutableId": VECTORS[0].1, "onPremisesSyncEnabled": true}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Linked, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::DuplicateSourceAnchor),
    );
    assert_eq!(r.cloud_id(2), Some(cid(1)));
    assert_eq!(r.out(2).conflicting_on_prem, Some(0));
    expect_rule(&r, 2, "A5");
}

#[test]
fn a5_duplicate_source_anchor_on_a_hard_match() {
    let cg = VECTORS[0].0;
    let t = tenant()
        .on_prem(with(user(1, "first"), json!({"mS-DS-ConsistencyGuid": cg})))
        .on_prem(with(
            user(2, "second"),
            json!({"mS-DS-ConsistencyGuid": cg}),
        ))
        .cloud(with(
            cloud_user(1, "cloudonly"),
            json!({"onPremisesImmutableId": VECTORS[0].1}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::HardMatch, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::DuplicateSourceAnchor),
    );
    assert_eq!(r.cloud_id(2), Some(cid(1)));
    expect_rule(&r, 2, "A5");
}

#[test]
fn a5_duplicate_source_anchor_on_two_new_objects_provisions_one() {
    // Neither has a cloud object yet: the first is provisioned; the second carries an anchor the
    // first already joins in this cycle, so it must not become a second cloud object with the
    // same ImmutableID.
    let cg = VECTORS[0].0;
    let t = tenant()
        .on_prem(with(user(1, "first"), json!({"mS-DS-ConsistencyGuid": cg})))
        .on_prem(with(
            user(2, "second"),
            json!({"mS-DS-ConsistencyGuid": cg}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::DuplicateSourceAnchor),
    );
    assert_eq!(r.out(2).conflicting_on_prem, Some(0));
    expect_rule(&r, 2, "A5");
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    assert_eq!(cloud_by_anchor(&b, VECTORS[0].1).len(), 1);
}

// ---- §2 primary SMTP and uniqueness namespaces -------------------------------------------------

#[test]
fn p1_primary_is_the_upper_case_smtp_prefix() {
    // On-prem primary y@, secondary x@. Cloud 1 has primary x@, cloud 2 primary y@.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["smtp:x@contoso.com", "SMTP:y@contoso.com"], "mail": null}),
        ))
        .cloud(with(
            cloud_user(1, "cx"),
            json!({"proxyAddresses": ["SMTP:x@contoso.com"], "mail": "x@contoso.com"}),
        ))
        .cloud(with(
            cloud_user(2, "cy"),
            json!({"proxyAddresses": ["SMTP:y@contoso.com"], "mail": "y@contoso.com"}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(2)));
    expect_rule(&r, 1, "M5");
}

#[test]
fn p1_mail_stands_in_when_there_are_no_proxy_addresses() {
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": [], "mail": "taro@contoso.com"}),
        ))
        .cloud(with(
            cloud_user(1, "taro"),
            json!({"userPrincipalName": "someone.else@contoso.com"}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    // Only secondaries: no primary, and mail does not stand in once proxies exist.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["smtp:other@contoso.com"], "mail": "taro@contoso.com"}),
        ))
        .cloud(with(
            cloud_user(1, "taro"),
            json!({"userPrincipalName": "someone.else@contoso.com"}),
        ));
    assert_ne!(t.run().result(1), SyncResult::SoftMatchSmtp);
}

#[test]
fn p2_discarded_values_take_no_part_in_matching_and_warn() {
    // A space after the colon: the primary is discarded, so no SMTP soft match with bob@.
    let t = tenant()
        .on_prem(with(
            user(1, "robert"),
            json!({"proxyAddresses": ["SMTP: bob@contoso.com"], "mail": null}),
        ))
        .cloud(cloud_user(1, "bob"));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).quarantined.is_empty());
    assert!(r.out(1).flags.contains(&Flag::DiscardedValue));
    expect_rule(&r, 1, "P2");

    // An @*.onmicrosoft.com secondary and one with a space inside collide with nobody, even
    // though a cloud user holds the same onmicrosoft address.
    let t = tenant()
        .on_prem(with(
            user(1, "bob.martin"),
            json!({"proxyAddresses": [
                "SMTP:bob.martin@contoso.com",
                "smtp:bob.martin@contoso.onmicrosoft.com",
                "smtp:bob martin@contoso.com",
            ]}),
        ))
        .cloud(with(
            cloud_user(1, "other"),
            json!({"proxyAddresses": ["SMTP:other@contoso.com", "smtp:bob.martin@contoso.onmicrosoft.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(
        r.out(1).quarantined.is_empty(),
        "{:?}",
        r.out(1).quarantined
    );
    expect_rule(&r, 1, "P2");
    // And the new cloud object does not get them.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    let created = cloud_by_anchor(&b, &anchor(1));
    assert_eq!(created[0].proxy_addresses, ["SMTP:bob.martin@contoso.com"]);
}

#[test]
fn p3_addresses_and_upns_compare_case_insensitively() {
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["SMTP:Sofia.Rossi@Contoso.com"], "userPrincipalName": "x1@contoso.com"}),
        ))
        .cloud(with(
            cloud_user(1, "c"),
            json!({"proxyAddresses": ["SMTP:sofia.rossi@contoso.com"]}),
        ))
        .on_prem(with(
            user(2, "v"),
            json!({"proxyAddresses": ["SMTP:v2@contoso.com"], "userPrincipalName": "LIAM@CONTOSO.COM"}),
        ))
        .cloud(with(
            cloud_user(2, "liam"),
            json!({"proxyAddresses": [], "mail": null}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect(&r, 2, SyncResult::SoftMatchUpn, None);
    assert_eq!(r.cloud_id(2), Some(cid(2)));
}

#[test]
fn p3_the_smtp_prefix_is_semantic() {
    // The cloud object holds the address only as a secondary (lower-case prefix): it is not a
    // primary-SMTP candidate (M5 default), but it does hold the value (P4), so it is quarantined.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["SMTP:shared@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "c"),
            json!({"proxyAddresses": ["SMTP:c@contoso.com", "smtp:shared@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:shared@contoso.com".to_string(),
            cid(1)
        )]
    );
}

#[test]
fn p4_upn_and_smtp_are_separate_namespaces() {
    // The new user's UPN equals a cloud user's SMTP address (not its UPN): no conflict.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"userPrincipalName": "x@contoso.com", "proxyAddresses": ["SMTP:u@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "c"),
            json!({"proxyAddresses": ["SMTP:c@contoso.com", "smtp:x@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).quarantined.is_empty(), "{:?}", r.quarantined(1));
}

#[test]
fn p4_smtp_uniqueness_spans_users_groups_and_contacts() {
    // A new group's SMTP collides with a cloud contact's; a new contact's with a cloud user's
    // secondary; a new user's secondary with a cloud contact's. Soft-deleted cloud-only objects
    // hold nothing.
    let t = tenant()
        .on_prem(group(1, "G", Some("shared1@contoso.com")))
        .cloud(cloud_contact(1, "C1", "shared1@contoso.com"))
        .on_prem(contact(2, "K", "shared2@fabrikam.com"))
        .cloud(with(
            cloud_user(2, "c2"),
            json!({"proxyAddresses": ["SMTP:c2@contoso.com", "smtp:shared2@fabrikam.com"]}),
        ))
        .on_prem(with(
            user(3, "u3"),
            json!({"proxyAddresses": ["SMTP:u3@contoso.com", "smtp:shared3@contoso.com"]}),
        ))
        .cloud(cloud_contact(3, "C3", "shared3@contoso.com"))
        .on_prem(user(4, "u4"))
        .cloud(with(
            cloud_user(4, "x4"),
            json!({"proxyAddresses": ["SMTP:x4@contoso.com", "smtp:u4@contoso.com"],
                   "deletedDateTime": "2026-11-01T00:00:00Z"}),
        ))
        .set("smtpMatchAnyProxy", false);
    let r = t.run();
    // The group: its primary SMTP is the contact's primary: M6 type mismatch, not a quarantine.
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::ObjectTypeMismatch),
    );
    expect(&r, 2, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(2),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:shared2@fabrikam.com".into(),
            cid(2)
        )]
    );
    expect(&r, 3, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(3),
        [(
            PropertyName::ProxyAddresses,
            "smtp:shared3@contoso.com".into(),
            cid(3)
        )]
    );
    expect(&r, 4, SyncResult::Provision, None);
    assert!(r.out(4).quarantined.is_empty());
}

// ---- §3 matching -------------------------------------------------------------------------------

#[test]
fn m1_linked_objects_are_updates_never_matched_again() {
    // The linked user's primary SMTP also names another cloud user: still linked (M1).
    let t = tenant()
        .on_prem(user(1, "alice"))
        .cloud(synced_to(
            with(cloud_user(1, "alice"), json!({"proxyAddresses": ["SMTP:alice.old@contoso.com"]})),
            1,
        ))
        .cloud(with(
            cloud_user(2, "other"),
            json!({"proxyAddresses": ["SMTP:alice@contoso.com"], "userPrincipalName": "other@contoso.com"}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Linked, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M1");
    assert!(!r.has_rule(1, "M3") && !r.has_rule(1, "M5"));
    // M1 collision: the change collides with cloud 2's address → quarantine, not a match.
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:alice@contoso.com".into(),
            cid(2)
        )]
    );
    // With proxy resiliency off: a uniqueness error.
    let r = t
        .set("quarantineUponProxyAddressesConflictEnabled", false)
        .run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(1), Some(cid(2)));
}

#[test]
fn m1_needs_sync_enabled_and_groups_link_by_sid() {
    // ImmutableID present but onPremisesSyncEnabled not true: not linked (hard match instead).
    let t = tenant().on_prem(user(1, "u")).cloud(with(
        cloud_user(1, "u"),
        json!({"onPremisesImmutableId": anchor(1)}),
    ));
    expect(&t.run(), 1, SyncResult::HardMatch, None);
    // A group links by its anchor, and (M1 "groups: also") by onPremisesSecurityIdentifier.
    let t = tenant()
        .on_prem(group(1, "G1", None))
        .cloud(synced_to(cloud_group(1, "G1", None), 1))
        .on_prem(group(2, "G2", None))
        .cloud(with(
            cloud_group(2, "G2", None),
            json!({"onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-1002",
                   "onPremisesSyncEnabled": true,
                   "onPremisesImmutableId": anchor(99)}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Linked, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect(&r, 2, SyncResult::Linked, None);
    assert_eq!(r.cloud_id(2), Some(cid(2)));
}

#[test]
fn m2_order_hard_then_smtp_then_upn_then_provision() {
    // Hard match beats SMTP soft match.
    let t = tenant()
        .on_prem(user(1, "u"))
        .cloud(with(
            cloud_user(1, "hard"),
            json!({"onPremisesImmutableId": anchor(1)}),
        ))
        .cloud(with(
            cloud_user(2, "smtp"),
            json!({"proxyAddresses": ["SMTP:u@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::HardMatch, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M3");
    // SMTP beats UPN.
    let t = tenant()
        .on_prem(user(1, "u"))
        .cloud(with(
            cloud_user(1, "upn"),
            json!({"userPrincipalName": "u@contoso.com", "proxyAddresses": ["SMTP:x@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(2, "smtp"),
            json!({"proxyAddresses": ["SMTP:u@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(2)));
    // Nothing: provision, traced as M2.
    let r = tenant().on_prem(user(1, "u")).run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(r.cloud_id(1), None);
    expect_rule(&r, 1, "M2");
    // The trace follows the order.
    let t = tenant().on_prem(user(1, "u")).cloud(with(
        cloud_user(1, "upn"),
        json!({"userPrincipalName": "u@contoso.com", "proxyAddresses": ["SMTP:x@contoso.com"]}),
    ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchUpn, None);
    let rules = r.rules(1);
    let pos = |id| rules.iter().position(|r| *r == id).unwrap();
    assert!(pos("M3") < pos("M5") && pos("M5") < pos("M7"), "{rules:?}");
}

fn hard_match_target(patch: Value) -> T {
    tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["SMTP:u.new@contoso.com"]}),
        ))
        .cloud(with(
            with(
                cloud_user(1, "u"),
                json!({"onPremisesImmutableId": anchor(1)}),
            ),
            patch,
        ))
}

#[test]
fn m3_hard_match_takes_over_and_the_block_flag_refuses() {
    let t = hard_match_target(json!({}));
    let r = t.run();
    expect(&r, 1, SyncResult::HardMatch, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M3");
    expect_rule(&r, 1, "M7");
    let r = t
        .clone()
        .set("blockCloudObjectTakeoverThroughHardMatchEnabled", true)
        .run();
    expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidHardMatch));
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M3");
    assert!(
        r.explanation(1).contains(
            "Another cloud created object with the same source anchor already exists in Azure Active Directory"
        ),
        "{}",
        r.explanation(1)
    );
    let r = t
        .set("blockCloudObjectTakeoverThroughHardMatchEnabled", false)
        .run();
    expect(&r, 1, SyncResult::HardMatch, None);
}

#[test]
fn m3_hardening_refuses_role_holders_assigned_or_eligible() {
    for roles in [
        json!({"directoryRoles": ["User Administrator"]}),
        json!({"eligibleDirectoryRoles": ["Privileged Role Administrator"]}),
    ] {
        let t = hard_match_target(roles);
        let r = t.run();
        expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidHardMatch));
        assert_eq!(r.cloud_id(1), Some(cid(1)));
        expect_rule(&r, 1, "M3");
        let r = t.set("hardMatchHardening", false).run();
        expect(&r, 1, SyncResult::HardMatch, None);
    }
}

#[test]
fn m3_hardening_checks_on_premises_object_identifier() {
    let t = hard_match_target(json!({"onPremisesObjectIdentifier": g(77)}));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeUpdateNotAllowed),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.explanation(1).contains(
        "Hard match operation blocked due to security hardening. Review OnPremisesObjectIdentifier mapping."
    ));
    let r = t
        .clone()
        .set("allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled", true)
        .run();
    expect(&r, 1, SyncResult::HardMatch, None);
    let r = t.set("hardMatchHardening", false).run();
    expect(&r, 1, SyncResult::HardMatch, None);
    // The identifier naming this very object is no obstacle (case-insensitive GUID text).
    let t = hard_match_target(json!({"onPremisesObjectIdentifier": g(1).to_uppercase()}));
    expect(&t.run(), 1, SyncResult::HardMatch, None);
}

#[test]
fn m3_soft_deleted_target_is_restored() {
    let t = hard_match_target(json!({
        "onPremisesSyncEnabled": true,
        "deletedDateTime": "2026-11-06T16:40:12Z",
    }));
    let r = t.run();
    expect(&r, 1, SyncResult::Restore, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M3");
    // A synced target is not "cloud created": the block flag does not stop the restore.
    let r = t
        .set("blockCloudObjectTakeoverThroughHardMatchEnabled", true)
        .run();
    expect(&r, 1, SyncResult::Restore, None);
    // Applied: the object comes back from the recycle bin.
    let mut b = hard_match_target(json!({
        "onPremisesSyncEnabled": true,
        "deletedDateTime": "2026-11-06T16:40:12Z",
    }))
    .bundle();
    sync_cycle(&mut b, NOW);
    let c = cloud(&b, &cid(1));
    assert_eq!(c.deleted_date_time, None);
    assert_eq!(c.on_premises_sync_enabled, Some(true));
}

#[test]
fn m3_groups_hard_match_only_with_the_switch_contacts_never() {
    let t = tenant()
        .on_prem(group(1, "G", None))
        .cloud(with(
            cloud_group(1, "G", None),
            json!({"onPremisesImmutableId": anchor(1)}),
        ))
        .on_prem(contact(2, "K", "k@fabrikam.com"))
        .cloud(with(
            cloud_contact(2, "K", "other@fabrikam.com"),
            json!({"onPremisesImmutableId": anchor(2)}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect_rule(&r, 1, "M3");
    expect(&r, 2, SyncResult::Provision, None);
    let r = t.set("groupHardMatch", true).run();
    expect(&r, 1, SyncResult::HardMatch, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect(&r, 2, SyncResult::Provision, None);
}

#[test]
fn m3_anchor_on_another_object_type_is_a_type_mismatch() {
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["SMTP:u@contoso.com"]}),
        ))
        .cloud(with(
            cloud_group(1, "G", None),
            json!({"onPremisesImmutableId": anchor(1)}),
        ));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::ObjectTypeMismatch),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M3");
}

#[test]
fn m4_block_soft_match_skips_both_soft_match_steps() {
    let t = tenant()
        .on_prem(user(1, "sofia"))
        .cloud(cloud_user(1, "sofia"))
        .on_prem(with(
            user(2, "liam"),
            json!({"proxyAddresses": ["SMTP:liam.o@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(2, "liam"),
            json!({"proxyAddresses": [], "mail": null}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    expect(&r, 2, SyncResult::SoftMatchUpn, None);
    let r = t.clone().set("blockSoftMatchEnabled", true).run();
    for n in [1, 2] {
        expect(&r, n, SyncResult::Provision, None);
        expect_rule(&r, n, "M4");
        assert!(!r.has_rule(n, "M5"));
    }
    // The colliding values are quarantined against the would-be candidates.
    let q: Vec<_> = r
        .quarantined(1)
        .into_iter()
        .map(|(p, _, h)| (p, h))
        .collect();
    assert_eq!(
        q,
        [
            (PropertyName::UserPrincipalName, cid(1)),
            (PropertyName::ProxyAddresses, cid(1))
        ]
    );
    assert_eq!(
        r.quarantined(2),
        [(
            PropertyName::UserPrincipalName,
            "liam@contoso.com".into(),
            cid(2)
        )]
    );
    let r = t.set("blockSoftMatchEnabled", false).run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
}

#[test]
fn m4_eligible_types_and_microsoft_365_groups() {
    let t = tenant()
        // Mail-enabled group → cloud distribution group.
        .on_prem(group(1, "Marketing", Some("marketing@contoso.com")))
        .cloud(cloud_group(1, "Marketing", Some("marketing@contoso.com")))
        // Mail-enabled contact → cloud contact.
        .on_prem(contact(2, "Orders", "orders@northwind.com"))
        .cloud(cloud_contact(2, "Orders", "orders@northwind.com"))
        // Non-mail-enabled group: never soft matches.
        .on_prem(group(3, "SG-VPN", None))
        // Microsoft 365 group: never a target; its SMTP is quarantined instead.
        .on_prem(group(4, "Design", Some("design@contoso.com")))
        .cloud(with(
            cloud_group(4, "Design Studio", Some("design@contoso.com")),
            json!({"groupTypes": ["Unified"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect(&r, 2, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(2), Some(cid(2)));
    expect(&r, 3, SyncResult::Provision, None);
    expect_rule(&r, 3, "M4");
    expect(&r, 4, SyncResult::Provision, None);
    expect_rule(&r, 4, "M4");
    assert_eq!(
        r.quarantined(4),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:design@contoso.com".into(),
            cid(4)
        )]
    );
}

#[test]
fn m5_smtp_candidates_are_active_objects_by_primary_smtp() {
    // A soft-deleted cloud-only user with the address is not a candidate.
    let t = tenant().on_prem(user(1, "u")).cloud(with(
        cloud_user(1, "u"),
        json!({"userPrincipalName": "other@contoso.com", "deletedDateTime": "2026-11-01T00:00:00Z"}),
    ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect_rule(&r, 1, "M5");
    // The address is only a secondary of the cloud user: no candidate by default; with
    // smtpMatchAnyProxy it is one.
    let t = tenant().on_prem(user(1, "u")).cloud(with(
        cloud_user(1, "c"),
        json!({"proxyAddresses": ["SMTP:c@contoso.com", "smtp:u@contoso.com"]}),
    ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    let r = t.set("smtpMatchAnyProxy", true).run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
}

#[test]
fn m5_upn_soft_match_needs_the_feature_users_and_no_smtp_candidate() {
    let t = tenant()
        .on_prem(with(
            user(1, "liam"),
            json!({"proxyAddresses": ["SMTP:liam.oconnor@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "liam"),
            json!({"proxyAddresses": [], "mail": null}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchUpn, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M5");
    // Feature off: provision, UPN quarantined against the cloud user with a placeholder.
    let r = t.clone().set("softMatchOnUpnEnabled", false).run();
    expect(&r, 1, SyncResult::Provision, None);
    expect_rule(&r, 1, "M5");
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::UserPrincipalName,
            "liam@contoso.com".into(),
            cid(1)
        )]
    );
    assert_placeholder(&r.placeholder(1).unwrap(), "liam");

    // An SMTP candidate found (even a refused one) means no UPN step.
    let t = tenant()
        .on_prem(user(1, "alice"))
        .cloud(with(
            cloud_user(1, "alice.admin"),
            json!({"proxyAddresses": ["SMTP:alice@contoso.com"], "directoryRoles": ["Global Administrator"]}),
        ))
        .cloud(with(
            cloud_user(2, "alice"),
            json!({"proxyAddresses": ["SMTP:other@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).flags.contains(&Flag::ExistingAdminRoleConflict));
    assert!(!r.explanation(1).contains("UPN soft match candidate"));
}

#[test]
fn m6_candidate_of_another_type_is_object_type_mismatch() {
    let t = tenant()
        .on_prem(with(
            user(1, "reception.desk"),
            json!({"proxyAddresses": ["SMTP:reception@contoso.com"]}),
        ))
        .cloud(cloud_group(1, "Reception", Some("reception@contoso.com")));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::ObjectTypeMismatch),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.out(1).quarantined.is_empty());
    expect_rule(&r, 1, "M6");
    // Not quarantined, so retried every cycle: still an error after a sync.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    assert!(cloud_by_anchor(&b, &anchor(1)).is_empty());
    expect(
        &Run::of(b),
        1,
        SyncResult::Error,
        Some(ErrorCode::ObjectTypeMismatch),
    );
}

#[test]
fn m6_candidate_synced_from_another_object() {
    let t = tenant().on_prem(user(1, "samuel")).cloud(synced_to(
        with(
            cloud_user(1, "sokafor"),
            json!({"proxyAddresses": ["SMTP:samuel@contoso.com"]}),
        ),
        99,
    ));
    // M6 (r2), 2026 policy: AttributeValueMustBeUnique against the candidate, nothing created.
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.out(1).attribute_conflict_name, Some("ProxyAddresses"));
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.out(1).quarantined.is_empty());
    assert!(
        r.explanation(1).contains(&anchor(99)),
        "{}",
        r.explanation(1)
    );
    // The older reading (softMatchConflictQuarantines): provision + quarantine.
    let t = t.set("softMatchConflictQuarantines", true);
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect_rule(&r, 1, "M6");
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:samuel@contoso.com".into(),
            cid(1)
        )]
    );
    let r = t
        .set("quarantineUponProxyAddressesConflictEnabled", false)
        .run();
    expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidSoftMatch));
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.out(1).quarantined.is_empty());
}

#[test]
fn m6_upn_candidate_synced_from_another_object() {
    let t = tenant()
        .on_prem(with(
            user(1, "david"),
            json!({"proxyAddresses": ["SMTP:david.new@contoso.com"]}),
        ))
        .cloud(synced_to(
            with(
                cloud_user(1, "david"),
                json!({"proxyAddresses": ["SMTP:dchen@fabrikam.com"]}),
            ),
            99,
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(r.quarantined(1)[0].0, PropertyName::UserPrincipalName);
    let r = t.set("quarantineUponUpnConflictEnabled", false).run();
    expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidSoftMatch));
    assert_eq!(r.cloud_id(1), Some(cid(1)));
}

#[test]
fn m6_admin_candidate_provisions_a_quarantined_duplicate() {
    for roles in [
        json!({"directoryRoles": ["Global Administrator"]}),
        json!({"eligibleDirectoryRoles": ["Exchange Administrator"]}),
    ] {
        let t = tenant()
            .on_prem(user(1, "alice"))
            .cloud(with(cloud_user(1, "alice"), roles));
        let r = t.run();
        expect(&r, 1, SyncResult::Provision, None);
        assert_eq!(r.cloud_id(1), None);
        assert_eq!(r.out(1).flags, [Flag::ExistingAdminRoleConflict]);
        expect_rule(&r, 1, "M6");
        expect_rule(&r, 1, "Q1");
        let q = r.quarantined(1);
        assert_eq!(
            q,
            [
                (
                    PropertyName::UserPrincipalName,
                    "alice@contoso.com".into(),
                    cid(1)
                ),
                (
                    PropertyName::ProxyAddresses,
                    "SMTP:alice@contoso.com".into(),
                    cid(1)
                ),
            ]
        );
        let p = r.placeholder(1).unwrap();
        assert_placeholder(&p, "alice");
        assert_eq!(r.out(1).cloud_upn.as_deref(), Some(p.as_str()));
        // Resiliency off: the flag stays, the value fails.
        let r = t
            .set("quarantineUponProxyAddressesConflictEnabled", false)
            .run();
        expect(
            &r,
            1,
            SyncResult::Error,
            Some(ErrorCode::AttributeValueMustBeUnique),
        );
        assert!(r.out(1).flags.contains(&Flag::ExistingAdminRoleConflict));
    }
}

#[test]
fn m7_takeover_overwrites_the_cloud_object() {
    let t = tenant()
        .on_prem(with(
            user(1, "hannah"),
            json!({"displayName": "Hannah Schmidt",
                   "proxyAddresses": ["SMTP:hannah@contoso.com", "smtp:h.schmidt@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "hannah"),
            json!({"displayName": "Hannah Schmidt (Events)",
                   "proxyAddresses": ["SMTP:hannah@contoso.com", "smtp:events@contoso.com"],
                   "assignedLicenses": [{"skuId": LICENSE}]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    expect_rule(&r, 1, "M7");
    let p = preview(&r.b, r.out(1)).unwrap();
    assert_eq!(p.proxies_lost, ["smtp:events@contoso.com"]);
    assert_eq!(p.proxies_added, ["smtp:h.schmidt@contoso.com"]);
    assert!(p.password_replaced && p.becomes_synced);
    assert!(
        p.overwritten
            .iter()
            .any(|c| c.attribute == "displayName"
                && c.on_prem.as_deref() == Some("Hannah Schmidt"))
    );
    let r2 = t.clone().set("passwordSyncEnabled", false).run();
    assert!(!preview(&r2.b, r2.out(1)).unwrap().password_replaced);

    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    let c = cloud(&b, &cid(1));
    assert_eq!(c.on_premises_sync_enabled, Some(true));
    assert_eq!(
        c.on_premises_immutable_id.as_deref(),
        Some(anchor(1).as_str())
    );
    assert_eq!(c.display_name.as_deref(), Some("Hannah Schmidt"));
    assert_eq!(
        c.proxy_addresses,
        ["SMTP:hannah@contoso.com", "smtp:h.schmidt@contoso.com"]
    );
    // The next cycle sees it linked.
    expect(&Run::of(b), 1, SyncResult::Linked, None);
}

fn upn_change(cloud_upn: &str, on_prem_upn: &str, licensed: bool, sync_upn: bool) -> Run {
    let licenses = if licensed {
        json!([{"skuId": LICENSE}])
    } else {
        json!([])
    };
    // M8 (r2): the simulated state remembers the cloud UPN as the last exported on-prem UPN, so
    // the on-prem UPN is a new change.
    let last = json!({"userPrincipalName": cloud_upn, "upnSuffixVerified": true});
    tenant()
        .on_prem(with(
            user(1, "priya"),
            json!({"userPrincipalName": on_prem_upn}),
        ))
        .cloud(synced_to(
            with(
                cloud_user(1, "priya"),
                json!({"userPrincipalName": cloud_upn, "assignedLicenses": licenses, "syncscopeLastExport": last}),
            ),
            1,
        ))
        .set("synchronizeUpnForManagedUsersEnabled", sync_upn)
        .run()
}

#[test]
fn m8_upn_change_blocked_only_for_licensed_managed_users_with_the_feature_off() {
    let blocked = upn_change("praman@contoso.com", "priya.raman@contoso.com", true, false);
    expect(&blocked, 1, SyncResult::Linked, None);
    assert_eq!(blocked.out(1).flags, [Flag::UpnUpdateBlocked]);
    assert_eq!(
        blocked.out(1).cloud_upn.as_deref(),
        Some("praman@contoso.com")
    );
    expect_rule(&blocked, 1, "M8");
    // Each condition lifted: the change flows.
    for r in [
        upn_change("praman@contoso.com", "priya.raman@contoso.com", true, true),
        upn_change(
            "praman@contoso.com",
            "priya.raman@contoso.com",
            false,
            false,
        ),
        upn_change(
            "lars@fabrikam.com",
            "lars.eriksson@fabrikam.com",
            true,
            false,
        ),
    ] {
        expect(&r, 1, SyncResult::Linked, None);
        assert!(r.out(1).flags.is_empty(), "{:?}", r.out(1).flags);
        let wanted = r.b.on_premises[0].user_principal_name.clone();
        assert_eq!(r.out(1).cloud_upn.as_deref(), wanted.as_deref());
        expect_rule(&r, 1, "M8");
    }
    // Applied: the blocked UPN stays in the cloud.
    let mut b = blocked.b.clone();
    sync_cycle(&mut b, NOW);
    assert_eq!(
        cloud(&b, &cid(1)).user_principal_name.as_deref(),
        Some("praman@contoso.com")
    );
}

#[test]
fn m8_applies_after_a_soft_match_too() {
    let t = tenant()
        .on_prem(with(
            user(1, "jose.alvarez"),
            json!({"proxyAddresses": ["SMTP:jose@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "jalvarez"),
            json!({"proxyAddresses": ["SMTP:jose@contoso.com"], "assignedLicenses": [{"skuId": LICENSE}]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(
        r.out(1).cloud_upn.as_deref(),
        Some("jose.alvarez@contoso.com")
    );
    let r = t.set("synchronizeUpnForManagedUsersEnabled", false).run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert_eq!(r.out(1).flags, [Flag::UpnUpdateBlocked]);
    assert_eq!(r.out(1).cloud_upn.as_deref(), Some("jalvarez@contoso.com"));
}

#[test]
fn m9_unverified_suffix_gets_mail_nickname_at_initial_domain() {
    let base = |patch: Value| {
        tenant()
            .on_prem(with(
                user(1, "ravi"),
                with(
                    json!({"userPrincipalName": "ravi.patel@litware.com",
                           "proxyAddresses": ["SMTP:ravi.p@contoso.com"],
                           "mail": "ravi.mail@contoso.com",
                           "mailNickname": "rpatel"}),
                    patch,
                ),
            ))
            .run()
    };
    let cases = [
        (json!({}), "rpatel"),
        (json!({"mailNickname": null}), "ravi.p"),
        (
            json!({"mailNickname": null, "proxyAddresses": []}),
            "ravi.mail",
        ),
        (
            json!({"mailNickname": null, "proxyAddresses": [], "mail": null}),
            "ravi.patel",
        ),
    ];
    for (patch, nickname) in cases {
        let r = base(patch);
        expect(&r, 1, SyncResult::Provision, None);
        assert_eq!(r.out(1).flags, [Flag::UnverifiedUpnSuffix]);
        assert_eq!(
            r.out(1).cloud_upn.as_deref(),
            Some(format!("{nickname}@{INITIAL}").as_str())
        );
        expect_rule(&r, 1, "M9");
    }
    // A suffix the tenant does not know at all is not verified either.
    let r = base(json!({"userPrincipalName": "ravi@unknown.example"}));
    assert_eq!(
        r.out(1).cloud_upn.as_deref(),
        Some(format!("rpatel@{INITIAL}").as_str())
    );
    // A verified suffix is kept.
    let r = base(json!({"userPrincipalName": "ravi@contoso.com"}));
    assert!(r.out(1).flags.is_empty());
    assert_eq!(r.out(1).cloud_upn.as_deref(), Some("ravi@contoso.com"));
}

// ---- §4 provisioning and duplicate attribute resiliency ---------------------------------------

fn upn_collision() -> T {
    // The new user's UPN is held by a cloud user that is not a candidate (UPN soft match off).
    tenant()
        .on_prem(with(
            user(1, "alex+test"),
            json!({"proxyAddresses": ["SMTP:alex.new@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "alex+test"),
            json!({"proxyAddresses": ["SMTP:alex.cloud@contoso.com"]}),
        ))
        .set("softMatchOnUpnEnabled", false)
}

#[test]
fn q1_colliding_upn_is_quarantined_with_a_placeholder() {
    let r = upn_collision().run();
    expect(&r, 1, SyncResult::Provision, None);
    expect_rule(&r, 1, "Q1");
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::UserPrincipalName,
            "alex+test@contoso.com".into(),
            cid(1)
        )]
    );
    let p = r.placeholder(1).unwrap();
    assert_placeholder(&p, "alextest");
    // Deterministic: the same bundle gives the same placeholder, and so does the same object
    // among others (the digits belong to the object, not to its position).
    assert_eq!(upn_collision().run().placeholder(1), Some(p.clone()));
    let mut v = upn_collision().0;
    v["onPremises"]
        .as_array_mut()
        .unwrap()
        .insert(0, user(7, "first"));
    assert_eq!(T(v).run().placeholder(1), Some(p.clone()));
    // Resiliency off: AttributeValueMustBeUnique naming the holder, nothing quarantined.
    let r = upn_collision()
        .set("quarantineUponUpnConflictEnabled", false)
        .run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.out(1).quarantined.is_empty());
    // The other flag does not matter for a UPN.
    let r = upn_collision()
        .set("quarantineUponProxyAddressesConflictEnabled", false)
        .run();
    expect(&r, 1, SyncResult::Provision, None);
}

#[test]
fn q1_placeholders_are_unique_and_avoid_taken_upns() {
    // Three new users with the same UPN prefix all collide with cloud holders.
    let mut t = tenant().set("softMatchOnUpnEnabled", false);
    for n in 1..=3 {
        t = t
            .on_prem(with(
                user(n, "sam"),
                json!({"proxyAddresses": [format!("SMTP:sam{n}@contoso.com")],
                       "userPrincipalName": format!("sam@{}", ["contoso.com", "fabrikam.com", "contoso.com"][n as usize - 1])}),
            ));
    }
    t = t
        .cloud(with(
            cloud_user(1, "sam"),
            json!({"proxyAddresses": ["SMTP:samc@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(2, "sam.f"),
            json!({"userPrincipalName": "sam@fabrikam.com", "proxyAddresses": []}),
        ));
    let r = t.run();
    let ps: Vec<String> = (1..=3).map(|n| r.placeholder(n).unwrap()).collect();
    for p in &ps {
        assert_placeholder(p, "sam");
    }
    assert!(ps[0] != ps[1] && ps[1] != ps[2] && ps[0] != ps[2], "{ps:?}");
    // A cloud user already holding the placeholder user 1 would get: another one is chosen.
    let taken = ps[0].clone();
    let r = t
        .cloud(with(
            cloud_user(3, "taken"),
            json!({"userPrincipalName": taken, "proxyAddresses": []}),
        ))
        .run();
    let p = r.placeholder(1).unwrap();
    assert_placeholder(&p, "sam");
    assert_ne!(p, taken);
}

#[test]
fn q1_colliding_proxy_is_quarantined_or_fails_with_resiliency_off() {
    let t = tenant()
        .on_prem(with(
            user(1, "emma"),
            json!({"proxyAddresses": ["SMTP:emma@contoso.com", "smtp:ewilson@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "edward"),
            json!({"proxyAddresses": ["SMTP:edward@contoso.com", "smtp:ewilson@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::ProxyAddresses,
            "smtp:ewilson@contoso.com".into(),
            cid(1)
        )]
    );
    assert_eq!(r.placeholder(1), None);
    expect_rule(&r, 1, "Q1");
    let r = t
        .clone()
        .set("quarantineUponProxyAddressesConflictEnabled", false)
        .run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));

    // Applied: the object is created without the value; the value is a provisioning error.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    let created = cloud_by_anchor(&b, &anchor(1));
    assert_eq!(created.len(), 1);
    let c = created[0];
    assert_eq!(c.proxy_addresses, ["SMTP:emma@contoso.com"]);
    assert_eq!(c.on_premises_provisioning_errors.len(), 1);
    let e = &c.on_premises_provisioning_errors[0];
    assert_eq!(e.category, "PropertyConflict");
    assert_eq!(e.property_causing_error, "ProxyAddresses");
    assert_eq!(e.value, "smtp:ewilson@contoso.com");
    assert_eq!(e.occurred_date_time.as_deref(), NOW);
    // Resiliency off: nothing is created, and the error repeats next cycle.
    let mut b = t
        .set("quarantineUponProxyAddressesConflictEnabled", false)
        .bundle();
    sync_cycle(&mut b, NOW);
    assert!(cloud_by_anchor(&b, &anchor(1)).is_empty());
    expect(
        &Run::of(b),
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
}

#[test]
fn q1_quarantined_upn_is_applied_with_its_placeholder() {
    let mut b = upn_collision().bundle();
    let before = Run::of(b.clone());
    let placeholder = before.placeholder(1).unwrap();
    sync_cycle(&mut b, NOW);
    let created = cloud_by_anchor(&b, &anchor(1));
    assert_eq!(created.len(), 1);
    let c = created[0];
    assert_eq!(c.user_principal_name.as_deref(), Some(placeholder.as_str()));
    assert_eq!(c.on_premises_sync_enabled, Some(true));
    assert_eq!(
        c.on_premises_provisioning_errors
            .iter()
            .map(|e| (e.property_causing_error.as_str(), e.value.as_str()))
            .collect::<Vec<_>>(),
        [("UserPrincipalName", "alex+test@contoso.com")]
    );
    // A second cycle: linked, the value stays quarantined (Q3 note), no duplicate error.
    let r = Run::of(b.clone());
    expect(&r, 1, SyncResult::Linked, None);
    expect_rule(&r, 1, "Q3");
    assert!(r.out(1).quarantined.is_empty());
    sync_cycle(&mut b, NOW);
    assert_eq!(
        cloud_by_anchor(&b, &anchor(1))[0]
            .on_premises_provisioning_errors
            .len(),
        1
    );
}

#[test]
fn q2_first_in_input_order_keeps_the_value() {
    let a = with(
        user(1, "john.a"),
        json!({"userPrincipalName": "j.smith@contoso.com", "proxyAddresses": ["SMTP:john.a@contoso.com"]}),
    );
    let b = with(
        user(2, "john.b"),
        json!({"userPrincipalName": "j.smith@contoso.com", "proxyAddresses": ["SMTP:john.b@contoso.com"]}),
    );
    let r = tenant().on_prem(a.clone()).on_prem(b.clone()).run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).quarantined.is_empty());
    expect(&r, 2, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(2),
        [(
            PropertyName::UserPrincipalName,
            "j.smith@contoso.com".into(),
            g(1)
        )]
    );
    assert_eq!(r.out(2).quarantined[0].conflicts_with, Holder::OnPrem(0));
    expect_rule(&r, 2, "Q2");
    // Reversed input order: reversed outcome.
    let r = tenant().on_prem(b.clone()).on_prem(a.clone()).run();
    assert!(r.out(2).quarantined.is_empty());
    assert_eq!(r.quarantined(1)[0].2, g(2));

    // Applied: the first gets the UPN, the second its placeholder.
    let mut bundle = tenant().on_prem(a).on_prem(b).bundle();
    sync_cycle(&mut bundle, NOW);
    assert_eq!(
        cloud_by_anchor(&bundle, &anchor(1))[0]
            .user_principal_name
            .as_deref(),
        Some("j.smith@contoso.com")
    );
    let second = cloud_by_anchor(&bundle, &anchor(2))[0];
    assert_placeholder(second.user_principal_name.as_deref().unwrap(), "j.smith");
}

#[test]
fn q2_a_cloud_object_is_taken_over_once_per_cycle() {
    // Two new users find the same cloud user by SMTP: the first takes it over; the second
    // collides with the first's claim.
    let t = tenant()
        .on_prem(with(
            user(1, "a"),
            json!({"proxyAddresses": ["SMTP:shared@contoso.com"]}),
        ))
        .on_prem(with(
            user(2, "b"),
            json!({"proxyAddresses": ["SMTP:shared@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "c"),
            json!({"proxyAddresses": ["SMTP:shared@contoso.com"]}),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    expect(&r, 2, SyncResult::Provision, None);
    expect_rule(&r, 2, "Q2");
    assert_eq!(
        r.quarantined(2),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:shared@contoso.com".into(),
            cid(1)
        )]
    );
}

fn quarantined_upn_state() -> Bundle {
    // New user 1's UPN is held by cloud user 1, synced from another forest (M6 refused):
    // provisioned with a placeholder; cloud user 2 holds user 1's alias as well.
    let t = tenant()
        .on_prem(with(
            user(1, "shared"),
            json!({"proxyAddresses": ["SMTP:u1@contoso.com", "smtp:alias@contoso.com"]}),
        ))
        .cloud(synced_to(
            with(
                cloud_user(1, "shared"),
                json!({"proxyAddresses": ["SMTP:other@fabrikam.com"]}),
            ),
            99,
        ))
        .cloud(with(
            cloud_user(2, "c2"),
            json!({"proxyAddresses": ["SMTP:c2@contoso.com", "smtp:alias@contoso.com"]}),
        ));
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    b
}

#[test]
fn q3_timer_restores_values_once_the_holder_is_gone() {
    let mut b = quarantined_upn_state();
    let mine = cloud_by_anchor(&b, &anchor(1))[0].id;
    let c = cloud(&b, &mine.to_string());
    assert_eq!(c.on_premises_provisioning_errors.len(), 2);
    assert_placeholder(c.user_principal_name.as_deref().unwrap(), "shared");
    // Both holders still there: nothing restored.
    let before = b.clone();
    assert_eq!(resolve_quarantines(&mut b), 0);
    assert_eq!(b, before);
    // The UPN holder is purged: the UPN comes back, the alias stays quarantined.
    apply(
        &mut b,
        &Action::HardDelete {
            cloud: uuid(&cid(1)),
        },
        NOW,
    )
    .unwrap();
    assert_eq!(resolve_quarantines(&mut b), 1);
    let c = cloud(&b, &mine.to_string());
    assert_eq!(c.user_principal_name.as_deref(), Some("shared@contoso.com"));
    assert_eq!(
        c.on_premises_provisioning_errors
            .iter()
            .map(|e| e.value.as_str())
            .collect::<Vec<_>>(),
        ["smtp:alias@contoso.com"]
    );
    // The alias holder goes too: the alias is restored as a secondary.
    apply(
        &mut b,
        &Action::HardDelete {
            cloud: uuid(&cid(2)),
        },
        NOW,
    )
    .unwrap();
    assert_eq!(resolve_quarantines(&mut b), 1);
    let c = cloud(&b, &mine.to_string());
    assert!(c.on_premises_provisioning_errors.is_empty());
    assert!(
        c.proxy_addresses
            .iter()
            .any(|p| p == "smtp:alias@contoso.com"),
        "{:?}",
        c.proxy_addresses
    );
    assert_eq!(c.proxy_addresses[0], "SMTP:u1@contoso.com");
    // Through the Action too; nothing left to restore.
    let a = apply(&mut b, &Action::ResolveQuarantines, NOW).unwrap();
    assert!(a.summary.contains("Q3"));
    // Next plan: linked, nothing quarantined.
    let r = Run::of(b);
    expect(&r, 1, SyncResult::Linked, None);
    assert!(r.out(1).quarantined.is_empty());
}

#[test]
fn q3_placeholder_upn_stays_while_the_suffix_is_unverified() {
    let t = tenant().cloud(with(
        cloud_user(1, "x"),
        json!({
            "userPrincipalName": "x1234@contoso.onmicrosoft.com",
            "onPremisesImmutableId": anchor(1),
            "onPremisesSyncEnabled": true,
            "onPremisesProvisioningErrors": [{
                "category": "PropertyConflict",
                "propertyCausingError": "UserPrincipalName",
                "value": "x@litware.com",
                "occurredDateTime": "2026-11-12T08:15:42Z",
            }],
        }),
    ));
    let mut b = t.bundle();
    let before = b.clone();
    assert_eq!(resolve_quarantines(&mut b), 0);
    assert_eq!(b, before);
    // Once litware.com is verified, the UPN is restored.
    b.tenant
        .domains
        .iter_mut()
        .find(|d| d.id == "litware.com")
        .unwrap()
        .is_verified = true;
    assert_eq!(resolve_quarantines(&mut b), 1);
    let c = cloud(&b, &cid(1));
    assert_eq!(c.user_principal_name.as_deref(), Some("x@litware.com"));
    assert!(c.on_premises_provisioning_errors.is_empty());
}

#[test]
fn q4_secondary_smtp_equal_to_a_groups_primary_is_an_export_error() {
    let t = tenant()
        .on_prem(with(
            user(1, "noah"),
            json!({"proxyAddresses": ["SMTP:noah@contoso.com", "smtp:it-support@contoso.com"]}),
        ))
        .cloud(cloud_group(1, "IT Support", Some("it-support@contoso.com")));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "Q4");
    // Retried every cycle: nothing created.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    assert!(cloud_by_anchor(&b, &anchor(1)).is_empty());
    expect(
        &Run::of(b),
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    // Quirks off: an ordinary quarantine.
    let r = t.set("serviceQuirks", false).run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(1),
        [(
            PropertyName::ProxyAddresses,
            "smtp:it-support@contoso.com".into(),
            cid(1)
        )]
    );
}

#[test]
fn q4_two_new_groups_with_one_smtp_fail_then_quarantine() {
    let t = tenant()
        .on_prem(group(1, "Project Phoenix", Some("phoenix@contoso.com")))
        .on_prem(group(
            2,
            "Project Phoenix Core",
            Some("phoenix@contoso.com"),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(2), None);
    assert_eq!(r.out(2).conflicting_on_prem, Some(0));
    expect_rule(&r, 2, "Q4");
    // Next cycle: the second is quarantined against the group the first cycle created.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    let first_id = cloud_by_anchor(&b, &anchor(1))[0].id.to_string();
    assert!(cloud_by_anchor(&b, &anchor(2)).is_empty());
    let r = Run::of(b);
    expect(&r, 2, SyncResult::Provision, None);
    assert_eq!(
        r.quarantined(2),
        [(
            PropertyName::ProxyAddresses,
            "SMTP:phoenix@contoso.com".into(),
            first_id
        )]
    );
    // Quirks off: quarantined in the first cycle already.
    let r = t.set("serviceQuirks", false).run();
    expect(&r, 2, SyncResult::Provision, None);
    assert_eq!(r.quarantined(2)[0].2, g(1));
}

#[test]
fn q5_recycle_bin_holds_values_against_new_objects() {
    let deleted = synced_to(
        with(
            cloud_user(1, "megan"),
            json!({"proxyAddresses": ["SMTP:megan.f@fabrikam.com"],
                   "deletedDateTime": "2026-10-29T10:00:00Z"}),
        ),
        99,
    );
    let t = tenant()
        .on_prem(with(
            user(1, "megan"),
            json!({"proxyAddresses": ["SMTP:megan@contoso.com"]}),
        ))
        .cloud(deleted.clone());
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "Q5");
    assert!(r.explanation(1).contains(
        "A synchronized object with the same proxy address already exists in your Microsoft Entra ID directory"
    ));
    // Even with resiliency on, and every cycle: not quarantined.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    expect(
        &Run::of(b.clone()),
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    // Purging the soft-deleted object fixes it.
    apply(
        &mut b,
        &Action::HardDelete {
            cloud: uuid(&cid(1)),
        },
        NOW,
    )
    .unwrap();
    expect(&Run::of(b), 1, SyncResult::Provision, None);
    // The other reading of the sources.
    let r = t.set("recycleBinHoldsValues", false).run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).quarantined.is_empty());
    // Proxy addresses too.
    let t = tenant()
        .on_prem(with(
            user(1, "m2"),
            json!({"proxyAddresses": ["SMTP:m2@contoso.com", "smtp:megan.f@fabrikam.com"]}),
        ))
        .cloud(deleted);
    expect(
        &t.run(),
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    // A soft-deleted cloud-only object holds nothing.
    let t = tenant().on_prem(user(1, "megan")).cloud(with(
        cloud_user(1, "megan"),
        json!({"userPrincipalName": "megan@contoso.com", "proxyAddresses": ["SMTP:x@contoso.com"],
               "deletedDateTime": "2026-10-29T10:00:00Z"}),
    ));
    expect(&t.run(), 1, SyncResult::Provision, None);
}

#[test]
fn q6_scope_and_soft_delete_of_linked_objects_leaving_it() {
    let t = tenant()
        .on_prem(with(
            user(1, "paul"),
            json!({"distinguishedName": "CN=paul,OU=Disabled,DC=contoso,DC=com"}),
        ))
        .cloud(synced_to(cloud_user(1, "paul"), 1))
        .on_prem(with(
            user(2, "karen"),
            json!({"distinguishedName": "CN=karen,OU=Disabled,DC=contoso,DC=com"}),
        ))
        .on_prem(user(3, "in"));
    let r = t.run();
    expect(&r, 1, SyncResult::OutOfScope, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert_eq!(r.out(1).flags, [Flag::SoftDeleteOnSync]);
    expect_rule(&r, 1, "Q6");
    expect(&r, 2, SyncResult::OutOfScope, None);
    assert_eq!(r.cloud_id(2), None);
    assert!(r.out(2).flags.is_empty());
    expect(&r, 3, SyncResult::Provision, None);
    assert_eq!(r.p.deletions.len(), 1);
    assert!(!r.p.export_blocked);
    // Applied: soft-deleted (stamped), not purged; the out-of-scope new object is not created.
    let mut b = t.bundle();
    sync_cycle(&mut b, NOW);
    assert_eq!(cloud(&b, &cid(1)).deleted_date_time.as_deref(), NOW);
    assert!(cloud_by_anchor(&b, &anchor(2)).is_empty());
    assert_eq!(cloud_by_anchor(&b, &anchor(3)).len(), 1);
    // No includedOUs: the whole directory is in scope.
    let mut v = t.0.clone();
    v["connect"].as_object_mut().unwrap().remove("includedOUs");
    let r = T(v).run();
    expect(&r, 1, SyncResult::Linked, None);
    expect(&r, 2, SyncResult::Provision, None);
}

#[test]
fn q6_deletion_threshold_stops_the_whole_export() {
    let mut t = tenant().on_prem(user(9, "new"));
    for n in 1..=3 {
        t = t
            .on_prem(with(
                user(n, &format!("gone{n}")),
                json!({"distinguishedName": format!("CN=gone{n},OU=Disabled,DC=contoso,DC=com")}),
            ))
            .cloud(synced_to(cloud_user(n, &format!("gone{n}")), n));
    }
    // Exactly at the threshold: the export runs.
    let r = t.clone().connect("deletionThreshold", json!(3)).run();
    assert!(!r.p.export_blocked);
    // Above it: blocked, every outcome says so, nothing is written.
    let t = t.connect("deletionThreshold", json!(2));
    let r = t.run();
    assert!(r.p.export_blocked);
    assert_eq!(r.p.deletions.len(), 3);
    for o in &r.p.outcomes {
        assert!(o.flags.contains(&Flag::DeletionThresholdExceeded));
        assert!(o.rules().contains(&"Q6"));
    }
    let mut b = t.bundle();
    let before = b.clone();
    let p = sync_cycle(&mut b, NOW);
    assert!(p.export_blocked);
    assert_eq!(b, before, "a stopped export writes nothing");
}

// ---- apply: sync cycles ------------------------------------------------------------------------

#[test]
fn sync_cycle_gives_new_objects_deterministic_ids() {
    let t = tenant()
        .on_prem(user(1, "a"))
        .on_prem(group(2, "G", Some("g@contoso.com")))
        .on_prem(contact(3, "K", "k@fabrikam.com"));
    let ids = |t: &T| {
        let mut b = t.bundle();
        sync_cycle(&mut b, NOW);
        (1..=3)
            .map(|n| cloud_by_anchor(&b, &anchor(n))[0].id)
            .collect::<Vec<_>>()
    };
    let first = ids(&t);
    assert_eq!(first, ids(&t));
    assert!(first[0] != first[1] && first[1] != first[2]);
    // Derived from the objectGUID: the same object in another bundle gets the same id.
    let other = tenant()
        .on_prem(user(5, "someone"))
        .on_prem(user(1, "a"))
        .cloud(cloud_user(7, "x"));
    let mut b = other.bundle();
    sync_cycle(&mut b, NOW);
    assert_eq!(cloud_by_anchor(&b, &anchor(1))[0].id, first[0]);
    // A created object carries the link.
    let c = cloud_by_anchor(&b, &anchor(1))[0];
    assert_eq!(c.on_premises_sync_enabled, Some(true));
    assert_eq!(c.object_type.as_str(), "user");
    assert_eq!(c.user_principal_name.as_deref(), Some("a@contoso.com"));
    // And the whole bundle still round-trips through the writer and the reader.
    let text = serde_json::to_vec(&bundle_to_json(&b)).unwrap();
    assert_eq!(parse_bundle("again.json", &text).unwrap(), b);
}

#[test]
fn sync_cycle_stamps_takeover_and_links_everything_it_touched() {
    let t = tenant()
        .on_prem(user(1, "hard"))
        .cloud(with(
            cloud_user(1, "hard"),
            json!({"onPremisesImmutableId": anchor(1)}),
        ))
        .on_prem(user(2, "soft"))
        .cloud(cloud_user(2, "soft"))
        .on_prem(user(3, "new"));
    let mut b = t.bundle();
    let a = apply(&mut b, &Action::Sync, NOW).unwrap();
    assert!(a.plan.is_some());
    assert!(a.summary.contains("1 hard-match"), "{}", a.summary);
    for n in [1, 2] {
        let c = cloud(&b, &cid(n));
        assert_eq!(c.on_premises_sync_enabled, Some(true));
        assert_eq!(
            c.on_premises_immutable_id.as_deref(),
            Some(anchor(n).as_str())
        );
        assert_eq!(
            c.on_premises_object_identifier.as_deref(),
            Some(g(n).as_str())
        );
    }
    let r = Run::of(b);
    for n in 1..=3 {
        expect(&r, n, SyncResult::Linked, None);
    }
}

// ---- §5 admin actions --------------------------------------------------------------------------

#[test]
fn x1_set_immutable_id_on_a_federated_user_is_refused_and_changes_nothing() {
    let t = tenant()
        .on_prem(with(
            user(1, "npetersen"),
            json!({"userPrincipalName": "npetersen@fabrikam.com", "proxyAddresses": ["SMTP:npetersen@fabrikam.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "nils"),
            json!({"userPrincipalName": "nils.petersen@fabrikam.com", "proxyAddresses": ["SMTP:nils.petersen@fabrikam.com"]}),
        ))
        .cloud(cloud_user(2, "managed"));
    let mut b = t.bundle();
    let before = b.clone();
    let a = Anchor::parse_guid(&g(1)).unwrap();
    let e = apply(
        &mut b,
        &Action::SetImmutableId {
            cloud: uuid(&cid(1)),
            value: a,
        },
        NOW,
    )
    .unwrap_err();
    assert!(e.0.contains("FederatedDomainChangeError"), "{}", e.0);
    assert!(e.0.contains(INITIAL), "says what to do: {}", e.0);
    assert_eq!(b, before);
    // A Managed user accepts it (W2), and the next sync hard matches.
    apply(
        &mut b,
        &Action::SetImmutableId {
            cloud: uuid(&cid(2)),
            value: a,
        },
        NOW,
    )
    .unwrap();
    assert_eq!(
        cloud(&b, &cid(2)).on_premises_immutable_id.as_deref(),
        Some(anchor(1).as_str())
    );
    let r = Run::of(b);
    expect(&r, 1, SyncResult::HardMatch, None);
    assert_eq!(r.cloud_id(1), Some(cid(2)));
}

#[test]
fn x2_clear_immutable_id_only_when_not_synced() {
    let t = tenant()
        .on_prem(user(1, "u"))
        .cloud(synced_to(cloud_user(1, "u"), 1));
    let mut b = t.bundle();
    let clear = Action::ClearImmutableId {
        cloud: uuid(&cid(1)),
    };
    let before = b.clone();
    let e = apply(&mut b, &clear, NOW).unwrap_err();
    assert!(e.0.contains("X2"), "{}", e.0);
    assert_eq!(b, before);
    // W4: out of scope, sync (soft-deleted, no longer synced (Q6 r2), but in the recycle bin:
    // still refused), restore, clear.
    apply(
        &mut b,
        &Action::MoveOnPrem {
            object_guid: uuid(&g(1)),
            dn: "CN=u,OU=Disabled,DC=contoso,DC=com".into(),
        },
        NOW,
    )
    .unwrap();
    apply(&mut b, &Action::Sync, NOW).unwrap();
    assert!(cloud(&b, &cid(1)).is_deleted());
    let before = b.clone();
    assert!(apply(&mut b, &clear, NOW).is_err());
    assert_eq!(b, before);
    apply(
        &mut b,
        &Action::Restore {
            cloud: uuid(&cid(1)),
        },
        NOW,
    )
    .unwrap();
    apply(&mut b, &clear, NOW).unwrap();
    let c = cloud(&b, &cid(1));
    assert_eq!(c.on_premises_immutable_id, None);
    assert!(!c.is_deleted() && !c.is_synced());
}

#[test]
fn x1_x2_other_refusals_leave_the_state_unchanged() {
    let t = tenant()
        .on_prem(user(1, "u"))
        .cloud(synced_to(cloud_user(1, "u"), 1))
        .cloud(with(
            cloud_user(2, "admin"),
            json!({"directoryRoles": ["Global Administrator"]}),
        ));
    let b0 = t.bundle();
    let a = Anchor::parse_guid(&g(5)).unwrap();
    for action in [
        // A synced user's ImmutableID is Connect's.
        Action::SetImmutableId {
            cloud: uuid(&cid(1)),
            value: a,
        },
        Action::RemoveRole {
            cloud: uuid(&cid(2)),
            role: "Exchange Administrator".into(),
        },
        Action::AddRole {
            cloud: uuid(&cid(2)),
            role: "Global Administrator".into(),
        },
        Action::Restore {
            cloud: uuid(&cid(2)),
        },
        Action::HardDelete {
            cloud: uuid(&cid(9)),
        },
        Action::SetOnPrem {
            object_guid: uuid(&g(9)),
            attribute: OnPremAttribute::Mail,
            value: OnPremValue::Text(None),
        },
    ] {
        let mut b = b0.clone();
        assert!(apply(&mut b, &action, NOW).is_err(), "{action:?}");
        assert_eq!(b, b0, "{action:?} changed the state");
    }
}

#[test]
fn x3_irreversible_features_warn_but_flip_both_ways() {
    let irreversible: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.irreversible_once_enabled)
        .map(|s| s.key)
        .collect();
    assert_eq!(
        irreversible,
        [
            "softMatchOnUpnEnabled",
            "synchronizeUpnForManagedUsersEnabled",
            "quarantineUponUpnConflictEnabled",
            "quarantineUponProxyAddressesConflictEnabled",
        ]
    );
    for key in [
        "blockSoftMatchEnabled",
        "blockCloudObjectTakeoverThroughHardMatchEnabled",
        "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
        "passwordSyncEnabled",
    ] {
        assert!(
            !Setting::from_key(key)
                .unwrap()
                .info()
                .irreversible_once_enabled
        );
    }
    let mut b = tenant().bundle();
    for setting in Setting::ALL {
        for value in [true, false] {
            let a = apply(&mut b, &Action::SetFeature { setting, value }, NOW).unwrap();
            assert_eq!(b.settings.get(setting), value);
            let warned = a.summary.contains("X3");
            assert_eq!(
                warned,
                setting.info().irreversible_once_enabled,
                "{setting}={value}: {}",
                a.summary
            );
        }
    }
    // The what-if flip changes the plan (M5 off: a UPN soft match becomes a provision).
    let t = tenant()
        .on_prem(with(
            user(1, "liam"),
            json!({"proxyAddresses": ["SMTP:lo@contoso.com"]}),
        ))
        .cloud(with(cloud_user(1, "liam"), json!({"proxyAddresses": []})));
    let mut b = t.bundle();
    expect(&Run::of(b.clone()), 1, SyncResult::SoftMatchUpn, None);
    apply(
        &mut b,
        &Action::SetFeature {
            setting: Setting::SoftMatchOnUpn,
            value: false,
        },
        NOW,
    )
    .unwrap();
    expect(&Run::of(b), 1, SyncResult::Provision, None);
}

#[test]
fn settings_defaults_are_a_new_tenants() {
    let b = tenant().bundle();
    assert_eq!(b.settings, Settings::default());
    for (key, value) in [
        ("blockSoftMatchEnabled", false),
        ("softMatchOnUpnEnabled", true),
        ("blockCloudObjectTakeoverThroughHardMatchEnabled", false),
        ("synchronizeUpnForManagedUsersEnabled", true),
        ("quarantineUponUpnConflictEnabled", true),
        ("quarantineUponProxyAddressesConflictEnabled", true),
        (
            "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
            false,
        ),
        ("passwordSyncEnabled", true),
        ("groupHardMatch", false),
        ("hardMatchHardening", true),
        ("smtpMatchAnyProxy", false),
        ("serviceQuirks", true),
        ("recycleBinHoldsValues", true),
    ] {
        assert_eq!(
            b.settings.get(Setting::from_key(key).unwrap()),
            value,
            "{key}"
        );
    }
}

// ---- revision 2 -------------------------------------------------------------------------------

fn set_on_prem(b: &mut Bundle, n: u32, attribute: &str, value: OnPremValue) {
    let attribute = OnPremAttribute::parse(attribute).expect("attribute");
    apply(
        b,
        &Action::SetOnPrem {
            object_guid: uuid(&g(n)),
            attribute,
            value,
        },
        NOW,
    )
    .unwrap();
}

fn text(v: &str) -> OnPremValue {
    OnPremValue::Text(Some(v.into()))
}

fn sync(b: &mut Bundle) -> Plan {
    apply(b, &Action::Sync, NOW)
        .unwrap()
        .plan
        .expect("sync plans")
}

fn outcome_of(p: &Plan, b: &Bundle, n: u32) -> Outcome {
    p.outcomes
        .iter()
        .find(|o| b.on_premises[o.on_prem as usize].object_guid.to_string() == g(n))
        .map(|o| Outcome::clone(o))
        .expect("outcome")
}

#[test]
fn a2_r2_connect_writes_the_object_guid_back_at_first_export() {
    let mut b = tenant().on_prem(user(1, "new")).bundle();
    assert!(b.on_premises[0].consistency_guid.is_none());
    sync(&mut b);
    let cg = b.on_premises[0].consistency_guid.expect("written back");
    assert_eq!(cg.immutable_id(), anchor(1), "the objectGUID's bytes (A1)");
    // The anchor did not change: the next cycle is a plain update of the same object.
    let p = plan(&b);
    assert_eq!(p.outcomes[0].result, SyncResult::Linked);
    assert_eq!(cloud_by_anchor(&b, &anchor(1)).len(), 1);
    // With objectGUID as sourceAnchor nothing is written back.
    let mut b = tenant()
        .connect("sourceAnchor", json!("objectGUID"))
        .on_prem(user(1, "new"))
        .bundle();
    sync(&mut b);
    assert!(b.on_premises[0].consistency_guid.is_none());
}

#[test]
fn a4_r2_opaque_cloud_immutable_ids_load_and_compare_exactly() {
    // Third-party federation set the ImmutableID to the UPN; an employee-id anchor elsewhere.
    let t = tenant()
        .on_prem(user(1, "jsmith"))
        .cloud(with(
            cloud_user(1, "jsmith"),
            json!({"onPremisesImmutableId": "jsmith@contoso.com"}),
        ))
        .cloud(with(
            cloud_user(2, "other"),
            json!({"onPremisesImmutableId": "EMP004711"}),
        ));
    let r = t.run();
    assert_eq!(r.b.cloud.len(), 2, "no cloud object disappears");
    // Not a hard match (exact text, A3); the SMTP candidate carries another ImmutableID (M6).
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert!(r.explanation(1).contains("jsmith@contoso.com"));
    let opaque = syncscope::bundle::opaque_immutable_ids(&r.b);
    assert_eq!(opaque.len(), 2);
    // Exact string equality: an on-prem anchor equal to the text would hard match; a case
    // variant does not.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"proxyAddresses": ["SMTP:u.new@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "u"),
            json!({"onPremisesImmutableId": anchor(1).to_lowercase()}),
        ));
    expect(&t.run(), 1, SyncResult::Provision, None);
}

#[test]
fn a5_r2_first_in_input_order_wins() {
    let cg = VECTORS[1].0;
    let r = tenant()
        .on_prem(with(user(1, "a"), json!({"mS-DS-ConsistencyGuid": cg})))
        .on_prem(with(user(2, "b"), json!({"mS-DS-ConsistencyGuid": cg})))
        .run();
    expect(&r, 1, SyncResult::Provision, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::DuplicateSourceAnchor),
    );
    expect_rule(&r, 2, "A5");
}

#[test]
fn a6_r2_changed_anchor_after_export_stops_the_object() {
    // Exported with its objectGUID anchor; then someone stamped another ConsistencyGuid.
    let t = tenant()
        .on_prem(with(
            user(1, "u"),
            json!({"mS-DS-ConsistencyGuid": VECTORS[0].0}),
        ))
        .cloud(with(
            synced_to(cloud_user(1, "u"), 1),
            json!({"onPremisesObjectIdentifier": g(1)}),
        ));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::SourceAnchorChanged),
    );
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "A6");
    assert!(r.out(1).quarantined.is_empty());
    // Applied: nothing created, retried until the anchor is changed back.
    let mut b = r.b.clone();
    sync(&mut b);
    assert_eq!(b.cloud.len(), 1);
    set_on_prem(
        &mut b,
        1,
        "mS-DS-ConsistencyGuid",
        OnPremValue::Anchor(Some(Anchor::parse_guid(&g(1)).unwrap())),
    );
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].result, SyncResult::Linked);
}

#[test]
fn p4_r2_object_sid_collision_is_never_quarantined() {
    let sid = "S-1-5-21-1-2-3-5001";
    let t = tenant()
        .on_prem(with(user(1, "first"), json!({"objectSid": sid})))
        .on_prem(with(user(2, "second"), json!({"objectSid": sid})));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    expect(
        &r,
        2,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(
        r.out(2).attribute_conflict_name,
        Some("OnPremiseSecurityIdentifier")
    );
    assert!(
        r.out(2).quarantined.is_empty(),
        "resiliency is on, still no quarantine"
    );
    expect_rule(&r, 2, "P4");
    // Against a cloud holder; and a sync stamps the SID on the users it creates.
    let mut b = tenant()
        .on_prem(with(user(1, "first"), json!({"objectSid": sid})))
        .bundle();
    sync(&mut b);
    assert_eq!(
        b.cloud[0].on_premises_security_identifier.as_deref(),
        Some(sid)
    );
    b.on_premises
        .push(parse_user_with_sid(2, "second", sid).into());
    let p = sync(&mut b);
    let o = outcome_of(&p, &b, 2);
    assert_eq!(o.error, Some(ErrorCode::AttributeValueMustBeUnique));
    assert_eq!(b.cloud.len(), 1, "nothing created");
    // Retried every cycle: the same again.
    let p = sync(&mut b);
    assert_eq!(
        outcome_of(&p, &b, 2).error,
        Some(ErrorCode::AttributeValueMustBeUnique)
    );
}

fn parse_user_with_sid(n: u32, name: &str, sid: &str) -> syncscope::model::OnPremObject {
    tenant()
        .on_prem(with(user(n, name), json!({"objectSid": sid})))
        .bundle()
        .on_premises
        .remove(0)
        .into_inner()
}

#[test]
fn p4_r2_sip_collision_is_never_quarantined() {
    let t = tenant()
        .on_prem(with(
            user(1, "ann"),
            json!({"proxyAddresses": ["SMTP:ann@contoso.com", "SIP:shared@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "bo"),
            json!({"proxyAddresses": ["SMTP:bo@contoso.com", "sip:Shared@contoso.com"]}),
        ));
    let r = t.run();
    expect(
        &r,
        1,
        SyncResult::Error,
        Some(ErrorCode::AttributeValueMustBeUnique),
    );
    assert_eq!(r.out(1).attribute_conflict_name, Some("ProxyAddresses"));
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    assert!(r.explanation(1).contains("SIP:shared@contoso.com"));
    // X500 compares with its prefix: an X500 value equal to the SIP text does not collide.
    let r = tenant()
        .on_prem(with(
            user(1, "ann"),
            json!({"proxyAddresses": ["SMTP:ann@contoso.com", "X500:shared@contoso.com"]}),
        ))
        .cloud(with(
            cloud_user(1, "bo"),
            json!({"proxyAddresses": ["SMTP:bo@contoso.com", "SIP:shared@contoso.com"]}),
        ))
        .run();
    expect(&r, 1, SyncResult::Provision, None);
}

fn privileged_target(patch: Value) -> T {
    hard_match_target(patch)
}

#[test]
fn m3_r2_only_privileged_roles_block_the_hard_match() {
    // Directory Readers and Message Center Reader are not privileged (permissions reference).
    for roles in [
        json!({"directoryRoles": ["Directory Readers"]}),
        json!({"eligibleDirectoryRoles": ["Message Center Reader"]}),
        json!({"directoryRoles": ["88d8e3e3-8f55-4a1e-953a-9b9898b8876b"]}),
    ] {
        let t = privileged_target(roles);
        let r = t.run();
        expect(&r, 1, SyncResult::HardMatch, None);
        assert!(
            r.explanation(1).contains("not privileged"),
            "{}",
            r.explanation(1)
        );
        // hardeningAllRoles: every role blocks.
        let r = t.set("hardeningAllRoles", true).run();
        expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidHardMatch));
    }
    for roles in [
        json!({"directoryRoles": ["Global Administrator"]}),
        json!({"eligibleDirectoryRoles": ["Hybrid Identity Administrator"]}),
        json!({"directoryRoles": ["Contoso Custom Admin"]}),
    ] {
        let r = privileged_target(roles).run();
        expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidHardMatch));
        assert!(
            r.explanation(1).contains("privileged role"),
            "{}",
            r.explanation(1)
        );
    }
}

#[test]
fn m3_r2_snapshot_role_definitions_override_the_table() {
    let mut t = privileged_target(json!({"directoryRoles": ["Directory Readers"]}));
    t.0["roleDefinitions"] = json!([
        {"displayName": "Directory Readers", "templateId": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "isPrivileged": true},
        {"displayName": "Contoso Custom Admin", "isPrivileged": false},
    ]);
    expect(
        &t.run(),
        1,
        SyncResult::Error,
        Some(ErrorCode::InvalidHardMatch),
    );
    let mut t2 = privileged_target(json!({"directoryRoles": ["Contoso Custom Admin"]}));
    t2.0["roleDefinitions"] = t.0["roleDefinitions"].clone();
    expect(&t2.run(), 1, SyncResult::HardMatch, None);
    // A malformed definition is bad input naming its path.
    let mut bad = t.clone();
    bad.0["roleDefinitions"] = json!([{"displayName": "X", "isPrivileged": "yes"}]);
    let e = parse_bundle("t.json", &serde_json::to_vec(&bad.0).unwrap()).unwrap_err();
    assert_eq!(e.position, "roleDefinitions[0].isPrivileged", "{e}");
}

#[test]
fn m3_r2_soft_deleted_privileged_target_is_not_restored() {
    let t = privileged_target(json!({
        "eligibleDirectoryRoles": ["Global Administrator"],
        "deletedDateTime": "2026-11-01T00:00:00Z",
        "onPremisesSyncEnabled": true,
    }));
    let r = t.run();
    expect(&r, 1, SyncResult::Error, Some(ErrorCode::InvalidHardMatch));
    assert!(
        r.explanation(1).contains("not restored"),
        "{}",
        r.explanation(1)
    );
    let r = t.set("hardMatchHardening", false).run();
    expect(&r, 1, SyncResult::Restore, None);
}

fn anchor_conflict(sid_on_cloud: bool, twin_present: bool) -> T {
    let sid = "S-1-5-21-9-9-9-1107";
    let mut t = tenant();
    if twin_present {
        // C's own on-prem twin (the old account) is still in the snapshot and linked.
        t = t.on_prem(with(
            user(99, "samuel.old"),
            json!({"proxyAddresses": ["SMTP:samuel@contoso.com"], "userPrincipalName": "sokafor@contoso.com"}),
        ));
    }
    t.on_prem(with(user(1, "samuel"), json!({"objectSid": sid})))
        .cloud(synced_to(
            with(
                cloud_user(1, "sokafor"),
                json!({
                    "proxyAddresses": ["SMTP:samuel@contoso.com"],
                    "onPremisesSecurityIdentifier": if sid_on_cloud { json!(sid) } else { Value::Null },
                }),
            ),
            99,
        ))
}

#[test]
fn m6_r2_re_created_user_is_attribute_value_must_be_unique_twin_or_not() {
    for twin in [false, true] {
        let r = anchor_conflict(true, twin).run();
        expect(
            &r,
            1,
            SyncResult::Error,
            Some(ErrorCode::AttributeValueMustBeUnique),
        );
        assert_eq!(
            r.out(1).attribute_conflict_name,
            Some("OnPremiseSecurityIdentifier"),
            "twin present: {twin}"
        );
        assert_eq!(r.cloud_id(1), Some(cid(1)));
        let trace = r.explanation(1);
        assert!(
            trace.contains(&anchor(99)) && trace.contains("sokafor"),
            "{trace}"
        );
        let r = anchor_conflict(false, twin).run();
        assert_eq!(r.out(1).attribute_conflict_name, Some("ProxyAddresses"));
        // The fix is offered: W5.
        assert!(
            r.out(1)
                .error
                .unwrap()
                .fixes()
                .iter()
                .any(|f| f.contains("W5"))
        );
    }
    // The older reading.
    let r = anchor_conflict(false, false)
        .set("softMatchConflictQuarantines", true)
        .run();
    expect(&r, 1, SyncResult::Provision, None);
    assert_eq!(r.quarantined(1)[0].2, cid(1));
}

#[test]
fn m6_r2_eligible_roles_block_by_default_and_the_trace_says_so() {
    let t = tenant().on_prem(user(1, "dana")).cloud(with(
        cloud_user(1, "dana"),
        json!({"eligibleDirectoryRoles": ["Directory Readers"]}),
    ));
    let r = t.run();
    expect(&r, 1, SyncResult::Provision, None);
    assert!(r.out(1).has_flag(Flag::ExistingAdminRoleConflict));
    assert!(
        r.explanation(1).contains("eligible"),
        "{}",
        r.explanation(1)
    );
    let r = t.set("eligibleRolesBlockSoftMatch", false).run();
    expect(&r, 1, SyncResult::SoftMatchSmtp, None);
    assert!(r.explanation(1).contains("only eligible"));
}

#[test]
fn m8_r2_enabling_the_feature_later_keeps_the_blocked_upn_until_the_next_change() {
    let t = tenant()
        .on_prem(user(1, "priya"))
        .cloud(with(
            cloud_user(1, "priya"),
            json!({"assignedLicenses": [{"skuId": LICENSE}]}),
        ))
        .set("synchronizeUpnForManagedUsersEnabled", false);
    let mut b = t.bundle();
    sync(&mut b); // soft match
    set_on_prem(
        &mut b,
        1,
        "userPrincipalName",
        text("priya.raman@contoso.com"),
    );
    let p = sync(&mut b);
    assert!(p.outcomes[0].has_flag(Flag::UpnUpdateBlocked));
    assert_eq!(
        b.cloud[0].user_principal_name.as_deref(),
        Some("priya@contoso.com")
    );
    // Feature enabled later: "existing userPrincipalName values will remain as-is".
    apply(
        &mut b,
        &Action::SetFeature {
            setting: Setting::SynchronizeUpnForManagedUsers,
            value: true,
        },
        NOW,
    )
    .unwrap();
    let p = sync(&mut b);
    assert!(
        p.outcomes[0].has_flag(Flag::UpnKeptUntilChange),
        "{:?}",
        p.outcomes[0].flags
    );
    assert!(p.outcomes[0].rules().contains(&"M8"));
    assert_eq!(
        b.cloud[0].user_principal_name.as_deref(),
        Some("priya@contoso.com")
    );
    // The next change of the on-prem UPN flows.
    set_on_prem(&mut b, 1, "userPrincipalName", text("p.raman@contoso.com"));
    sync(&mut b);
    assert_eq!(
        b.cloud[0].user_principal_name.as_deref(),
        Some("p.raman@contoso.com")
    );
}

#[test]
fn m8_r2_single_plan_without_history_says_it_flows_on_the_next_change() {
    let r = tenant()
        .on_prem(with(
            user(1, "priya"),
            json!({"userPrincipalName": "priya.raman@contoso.com"}),
        ))
        .cloud(synced_to(
            with(
                cloud_user(1, "priya"),
                json!({"assignedLicenses": [{"skuId": LICENSE}]}),
            ),
            1,
        ))
        .run();
    expect(&r, 1, SyncResult::Linked, None);
    assert_eq!(r.out(1).cloud_upn.as_deref(), Some("priya@contoso.com"));
    assert!(
        r.explanation(1)
            .contains("flows on the next change of the on-prem UPN")
    );
}

#[test]
fn m9_r2_unverified_suffix_recalculated_only_on_upn_change() {
    let mut b = tenant()
        .on_prem(with(
            user(1, "kim"),
            json!({"userPrincipalName": "kim@litware.com", "mailNickname": "kim.l"}),
        ))
        .bundle();
    sync(&mut b);
    let upn = |b: &Bundle| b.cloud[0].user_principal_name.clone().unwrap();
    assert_eq!(upn(&b), format!("kim.l@{INITIAL}"));
    // mail, primary SMTP and mailNickname changes leave the cloud UPN as it is (scenarios 2, 4).
    set_on_prem(&mut b, 1, "mail", text("kim.new@contoso.com"));
    let p = sync(&mut b);
    assert!(p.outcomes[0].rules().contains(&"M9"));
    assert_eq!(upn(&b), format!("kim.l@{INITIAL}"));
    set_on_prem(
        &mut b,
        1,
        "proxyAddresses",
        OnPremValue::List(vec!["SMTP:kim.new@contoso.com".into()]),
    );
    sync(&mut b);
    assert_eq!(upn(&b), format!("kim.l@{INITIAL}"));
    set_on_prem(&mut b, 1, "mailNickname", text("kimberly"));
    sync(&mut b);
    assert_eq!(upn(&b), format!("kim.l@{INITIAL}"));
    // A UPN change recalculates it (still unverified: from the current MailNickName).
    set_on_prem(&mut b, 1, "userPrincipalName", text("kimberly@litware.com"));
    sync(&mut b);
    assert_eq!(upn(&b), format!("kimberly@{INITIAL}"));
    // Two cycles in a row change nothing more.
    let before = b.clone();
    sync(&mut b);
    assert_eq!(b.cloud, before.cloud);
}

#[test]
fn m10_r2_cloud_managed_twin_is_not_written() {
    let cm =
        json!({"onPremisesSyncBehavior": {"isCloudManaged": true}, "onPremisesSyncEnabled": false});
    let t = tenant()
        .on_prem(with(
            user(1, "cm"),
            json!({"displayName": "changed on-prem"}),
        ))
        .cloud(with(
            with(
                cloud_user(1, "cm"),
                json!({"onPremisesImmutableId": anchor(1)}),
            ),
            cm.clone(),
        ));
    let r = t.run();
    expect(&r, 1, SyncResult::CloudManaged, None);
    assert_eq!(r.cloud_id(1), Some(cid(1)));
    expect_rule(&r, 1, "M10");
    // Password hash sync is on by default: the unsupported-user warning.
    assert!(r.out(1).has_flag(Flag::CloudManagedUnsupported));
    let r = t.clone().set("passwordSyncEnabled", false).run();
    assert!(!r.out(1).has_flag(Flag::CloudManagedUnsupported));
    let mut b = t.bundle();
    sync(&mut b);
    assert_eq!(
        b.cloud[0].display_name.as_deref(),
        Some("cm"),
        "not exported"
    );
    // Leaving the scope does not soft-delete it.
    apply(
        &mut b,
        &Action::MoveOnPrem {
            object_guid: uuid(&g(1)),
            dn: "CN=cm,OU=Disabled,DC=contoso,DC=com".into(),
        },
        NOW,
    )
    .unwrap();
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].result, SyncResult::OutOfScope);
    assert!(p.deletions.is_empty());
    assert!(!b.cloud[0].is_deleted());
    // Back in scope and isCloudManaged set back to false: the next sync takes it over (M7).
    apply(
        &mut b,
        &Action::MoveOnPrem {
            object_guid: uuid(&g(1)),
            dn: "CN=cm,OU=Staff,OU=Corp,DC=contoso,DC=com".into(),
        },
        NOW,
    )
    .unwrap();
    b.cloud[0].set_cloud_managed(false);
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].result, SyncResult::HardMatch);
    assert_eq!(b.cloud[0].display_name.as_deref(), Some("changed on-prem"));
}

#[test]
fn q6_r2_scope_exit_then_return_is_invalid_hard_match_with_the_block_on() {
    let t = tenant()
        .on_prem(user(1, "paul"))
        .cloud(synced_to(cloud_user(1, "paul"), 1));
    let out_of_scope = |b: &mut Bundle, dn: &str| {
        apply(
            b,
            &Action::MoveOnPrem {
                object_guid: uuid(&g(1)),
                dn: dn.into(),
            },
            NOW,
        )
        .unwrap();
    };
    for block in [true, false] {
        let mut b = t
            .clone()
            .set("blockCloudObjectTakeoverThroughHardMatchEnabled", block)
            .bundle();
        out_of_scope(&mut b, "CN=paul,OU=Disabled,DC=contoso,DC=com");
        sync(&mut b);
        assert!(b.cloud[0].is_deleted());
        assert_eq!(b.cloud[0].on_premises_sync_enabled, Some(false), "Q6 r2");
        out_of_scope(&mut b, "CN=paul,OU=Staff,OU=Corp,DC=contoso,DC=com");
        let p = sync(&mut b);
        if block {
            assert_eq!(p.outcomes[0].error, Some(ErrorCode::InvalidHardMatch));
            assert!(b.cloud[0].is_deleted(), "not restored");
        } else {
            assert_eq!(p.outcomes[0].result, SyncResult::Restore);
            assert!(!b.cloud[0].is_deleted() && b.cloud[0].is_synced());
        }
    }
}

#[test]
fn q7_r2_out_of_box_filters_are_out_of_scope_with_the_rule() {
    let cases = [
        with(user(1, "guest"), json!({"isCriticalSystemObject": true})),
        with(user(2, "krbtgt"), json!({"isCriticalSystemObject": "TRUE"})),
        with(user(3, "MSOL_0123abcd"), json!({})),
        with(user(4, "AAD_5678"), json!({})),
        with(user(5, "SUPPORT_388945a0"), json!({})),
        with(
            user(6, "sm"),
            json!({"mailNickname": "SystemMailbox{1f05a927-0000}"}),
        ),
        with(user(7, "cas"), json!({"mailNickname": "CAS_{abc}"})),
        with(
            user(8, "disc"),
            json!({"msExchRecipientTypeDetails": 536870912}),
        ),
        with(user(9, "nosam"), json!({"sAMAccountName": ""})),
        with(
            user(10, "conflict"),
            json!({"distinguishedName": "CN=conflict\\0ACNF:0000aaaa-0000-4000-8000-000000000010,OU=Staff,OU=Corp,DC=contoso,DC=com"}),
        ),
        with(
            group(11, "Domain Users", None),
            json!({"isCriticalSystemObject": true}),
        ),
        with(
            group(12, "Org Management", Some("orgmgmt@contoso.com")),
            json!({"msExchRecipientTypeDetails": "1073741824"}),
        ),
        with(group(13, "Empty DL", None), json!({"groupType": 2})),
        json!({
            "objectClass": "contact", "objectGUID": g(14), "displayName": "no mail",
            "distinguishedName": "CN=no mail,OU=Contacts,OU=Corp,DC=contoso,DC=com",
        }),
    ];
    let mut t = tenant();
    for c in cases {
        t = t.on_prem(c);
    }
    let t = t.on_prem(user(20, "regular"));
    let r = t.run();
    for n in 1..=14 {
        expect(&r, n, SyncResult::OutOfScope, None);
        expect_rule(&r, n, "Q7");
    }
    expect(&r, 20, SyncResult::Provision, None);
    let mut b = t.bundle();
    sync(&mut b);
    assert_eq!(b.cloud.len(), 1, "only the regular user is exported");
}

#[test]
fn x4_r2_cleared_object_identifier_is_stamped_fresh_by_the_next_sync() {
    let t = hard_match_target(json!({"onPremisesObjectIdentifier": g(77)}));
    let mut b = t.bundle();
    let p = sync(&mut b);
    assert_eq!(
        p.outcomes[0].error,
        Some(ErrorCode::AttributeUpdateNotAllowed)
    );
    apply(
        &mut b,
        &Action::ClearOnPremisesObjectIdentifier {
            cloud: uuid(&cid(1)),
        },
        NOW,
    )
    .unwrap();
    assert_eq!(b.cloud[0].on_premises_object_identifier, None);
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].result, SyncResult::HardMatch);
    assert_eq!(
        b.cloud[0].on_premises_object_identifier.as_deref(),
        Some(g(1).as_str())
    );
}

#[test]
fn m9_r2_suffix_verified_later_applies_the_real_upn() {
    let mut b = tenant()
        .on_prem(with(
            user(1, "kim"),
            json!({"userPrincipalName": "kim@litware.com", "mailNickname": "kim.l"}),
        ))
        .bundle();
    sync(&mut b);
    assert_eq!(
        b.cloud[0].user_principal_name.as_deref(),
        Some(format!("kim.l@{INITIAL}").as_str())
    );
    // litware.com is verified: the cloud UPN is recalculated (unlicensed: M8 does not block).
    b.tenant
        .domains
        .iter_mut()
        .find(|d| d.id == "litware.com")
        .unwrap()
        .is_verified = true;
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].result, SyncResult::Linked);
    assert_eq!(
        b.cloud[0].user_principal_name.as_deref(),
        Some("kim@litware.com")
    );
}

#[test]
fn a6_r2_the_previous_state_links_them_when_the_identifier_was_cleared() {
    // Exported by a simulated sync (which remembers the objectGUID), identifier cleared (X4),
    // then the ConsistencyGuid changed: still SourceAnchorChanged.
    let mut b = tenant().on_prem(user(1, "u")).bundle();
    sync(&mut b);
    let id = b.cloud[0].id;
    apply(
        &mut b,
        &Action::ClearOnPremisesObjectIdentifier { cloud: id },
        NOW,
    )
    .unwrap();
    set_on_prem(
        &mut b,
        1,
        "mS-DS-ConsistencyGuid",
        OnPremValue::Anchor(Some(Anchor::parse_guid(VECTORS[2].0).unwrap())),
    );
    let p = sync(&mut b);
    assert_eq!(p.outcomes[0].error, Some(ErrorCode::SourceAnchorChanged));
    assert_eq!(b.cloud.len(), 1, "no duplicate");
}
