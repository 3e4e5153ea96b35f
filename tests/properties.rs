//! Properties of a sync over the sample tenant and generated tenants (rule book P4, M1, Q6):
//! after any sync no two active objects share a UPN, an SMTP proxy, a non-SMTP proxy, an
//! objectSid or an ImmutableID that the sync wrote; no object is lost; and two more cycles after
//! two cycles change nothing.

use std::collections::HashMap;
use syncscope::apply::sync_cycle;
use syncscope::bundle::load_bundle;
use syncscope::generate::generate;
use syncscope::model::{Bundle, CloudObject, other_proxies};
use syncscope::outcome::SyncResult;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
const NOW: Option<&str> = Some("2026-11-20T09:00:00Z");

/// (value, ids of the active objects holding it).
type Shared = Vec<(String, Vec<String>)>;

/// Every value of one namespace held by more than one active object.
fn shared(b: &Bundle, values: impl Fn(&CloudObject) -> Vec<String>) -> Shared {
    let mut by: HashMap<String, Vec<String>> = HashMap::new();
    for c in b.cloud.iter().filter(|c| !c.is_deleted()) {
        let mut mine = values(c);
        mine.sort();
        mine.dedup();
        for v in mine {
            by.entry(v).or_default().push(c.id.to_string());
        }
    }
    let mut out: Vec<_> = by.into_iter().filter(|(_, h)| h.len() > 1).collect();
    out.sort();
    out
}

fn namespaces(b: &Bundle) -> Vec<(&'static str, Shared)> {
    vec![
        (
            "UPN",
            shared(b, |c| {
                c.user_principal_name
                    .iter()
                    .map(|u| u.as_str().to_lowercase())
                    .collect()
            }),
        ),
        (
            "SMTP proxy",
            shared(b, |c| {
                c.smtp_addresses()
                    .iter()
                    .map(|a| a.to_lowercase())
                    .collect()
            }),
        ),
        (
            "non-SMTP proxy",
            shared(b, |c| {
                other_proxies(&c.proxy_addresses)
                    .map(str::to_lowercase)
                    .collect()
            }),
        ),
        (
            "objectSid",
            shared(b, |c| {
                c.on_premises_security_identifier
                    .iter()
                    .map(|s| s.as_str().to_lowercase())
                    .collect()
            }),
        ),
        (
            "ImmutableID",
            shared(b, |c| {
                c.on_premises_immutable_id
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
        ),
    ]
}

/// Checks the properties for one tenant; returns what was measured for the message.
fn check(name: &str, mut b: Bundle) {
    let before = namespaces(&b);
    let input_ids: Vec<_> = b.cloud.iter().map(|c| c.id).collect();
    let on_prem = b.on_premises.len();
    let mut plans = Vec::new();
    for _ in 0..2 {
        plans.push(sync_cycle(&mut b, NOW));
    }
    // P4: a sync never makes a value shared that was not shared in the input.
    for ((ns, was), (_, now)) in before.iter().zip(namespaces(&b)) {
        let new: Vec<_> = now.iter().filter(|v| !was.contains(v)).collect();
        assert!(
            new.is_empty(),
            "{name}: the sync made {ns} values shared: {new:?}"
        );
    }
    // No object is lost: every input cloud object is still there, every on-prem object has an
    // outcome, and every exported one is linked to exactly one active cloud object.
    for id in &input_ids {
        assert!(
            b.cloud.iter().any(|c| c.id == *id),
            "{name}: cloud object {id} lost"
        );
    }
    assert_eq!(b.on_premises.len(), on_prem);
    let last = plans.last().unwrap();
    assert_eq!(last.outcomes.len(), on_prem);
    for o in &last.outcomes {
        if matches!(o.result, SyncResult::Linked | SyncResult::Provision) || o.result.is_takeover()
        {
            let holders = b
                .cloud
                .iter()
                .filter(|c| {
                    !c.is_deleted()
                        && c.on_premises_immutable_id.as_deref() == Some(&o.source_anchor)
                })
                .count();
            assert_eq!(
                holders, 1,
                "{name}: {} is linked to {holders} objects",
                o.source_anchor
            );
        }
    }
    // Idempotence: two more cycles change nothing.
    let settled = b.clone();
    for _ in 0..2 {
        sync_cycle(&mut b, NOW);
    }
    assert_eq!(
        b.cloud, settled.cloud,
        "{name}: the cloud side changed again"
    );
    assert_eq!(
        b.on_premises, settled.on_premises,
        "{name}: the on-prem side changed again"
    );
    // And a cycle that changes nothing copies nothing: every object is still the one the
    // settled copy holds (copy-on-write), so a what-if or walkthrough state costs no memory
    // for the objects a sync only rewrites with their own values.
    use syncscope::shared::Shared as Cow;
    let copied_cloud = (b.cloud.iter().zip(&settled.cloud))
        .filter(|(a, s)| !Cow::same(a, s))
        .count();
    let copied_on_prem = (b.on_premises.iter().zip(&settled.on_premises))
        .filter(|(a, s)| !Cow::same(a, s))
        .count();
    assert_eq!(
        (copied_cloud, copied_on_prem),
        (0, 0),
        "{name}: a cycle that changes nothing copied (cloud, on-prem) objects"
    );
}

#[test]
fn p4_m1_properties_hold_over_the_sample() {
    check("sample", load_bundle(SAMPLE.as_ref()).unwrap());
}

#[test]
fn p4_m1_properties_hold_over_generated_tenants() {
    for seed in 1..=4 {
        let b = generate(3_000, seed);
        // The generated tenant exercises the r2 namespaces and filters the properties are about.
        let p = syncscope::plan::plan(&b);
        assert!(
            p.outcomes.iter().any(|o| o.rules().contains(&"P4")
                && o.attribute_conflict_name == Some("ProxyAddresses")),
            "seed {seed}: a SIP collision (P4 d)"
        );
        assert!(
            p.outcomes.iter().any(|o| o.rules().contains(&"Q7")),
            "seed {seed}: a built-in account (Q7)"
        );
        assert!(
            p.outcomes
                .iter()
                .any(|o| o.result == SyncResult::CloudManaged),
            "seed {seed}: a cloud-managed user (M10)"
        );
        check(&format!("generated seed {seed}"), b);
    }
}
