//! Cost bounded by the input (issue 11, item 5): an explanation trace does not grow with the
//! number of objects sharing a value, and bulk hard match goes through the indexes.

use compact_str::format_compact;
use std::time::Instant;
use syncscope::bundle::parse_bundle;
use syncscope::hardmatch::{CsvRow, check};
use syncscope::model::{Bundle, ObjectKind};
use syncscope::trace::{MAX_CANDIDATE_STEPS, Note};
use uuid::Uuid;

fn sample() -> Bundle {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
}

/// `n` on-prem users and `n` cloud-only users, all with the same primary SMTP address: the
/// k-th on-prem user passes over the k-1 cloud users taken before it (Q2).
fn sharing_one_address(n: usize) -> Bundle {
    let mut b = sample();
    let o = b
        .on_premises
        .iter()
        .find(|o| o.object_class == ObjectKind::User && o.primary_smtp().is_some())
        .unwrap()
        .clone();
    let c = b
        .cloud
        .iter()
        .find(|c| c.object_type == ObjectKind::User && !c.is_synced() && !c.is_deleted())
        .unwrap()
        .clone();
    let address = "shared@contoso.com";
    let (dn_rest, _) = (
        o.distinguished_name.split_once(',').unwrap().1.to_string(),
        (),
    );
    b.on_premises.clear();
    b.cloud.clear();
    for i in 0..n {
        let mut x = o.clone();
        x.object_guid = Uuid::from_u128(0x1000_0000 + i as u128);
        x.distinguished_name = format_compact!("CN=User {i},{dn_rest}");
        x.sam_account_name = Some(format_compact!("user{i}"));
        x.user_principal_name = Some(format_compact!("user{i}@contoso.com"));
        x.mail = Some(address.into());
        x.proxy_addresses = vec![format_compact!("SMTP:{address}")];
        x.consistency_guid = None;
        x.object_sid = Some(format_compact!("S-1-5-21-1-2-3-{}", 10_000 + i));
        b.on_premises.push(x);
        let mut y = c.clone();
        y.id = Uuid::from_u128(0x2000_0000 + i as u128);
        y.user_principal_name = Some(format_compact!("cloud{i}@contoso.com"));
        y.mail = Some(address.into());
        y.proxy_addresses = vec![format_compact!("SMTP:{address}")];
        y.on_premises_immutable_id = None;
        y.on_premises_security_identifier = None;
        y.on_premises_sync_enabled = None;
        y.directory_roles.clear();
        y.eligible_directory_roles.clear();
        b.cloud.push(y);
    }
    b
}

#[test]
fn explanation_traces_are_capped_per_object_with_a_count_of_the_rest() {
    let n = 3000;
    let b = sharing_one_address(n);
    let p = syncscope::plan::plan(&b);
    let longest = p.outcomes.iter().map(|o| o.steps.len()).max().unwrap();
    assert!(
        longest <= MAX_CANDIDATE_STEPS + 16,
        "the longest trace has {longest} steps"
    );
    let elided: Vec<usize> = p
        .outcomes
        .iter()
        .flat_map(|o| &o.steps)
        .filter_map(|s| match s.note {
            Note::CandidatesElided { count } => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(
        elided.iter().max().copied(),
        Some(n - 1 - MAX_CANDIDATE_STEPS)
    );
    let last = p.outcomes.iter().find(|o| {
        o.steps.iter().any(|s| {
        matches!(s.note, Note::CandidatesElided { count } if count == n - 1 - MAX_CANDIDATE_STEPS)
    })
    });
    let text: Vec<String> = last
        .unwrap()
        .steps
        .iter()
        .map(|s| s.describe(&b, ""))
        .collect();
    assert!(
        text.iter()
            .any(|t| t.contains("more candidates passed over")),
        "{text:#?}"
    );
}

#[test]
fn bulk_hard_match_goes_through_the_indexes() {
    // Rows that all pass: each cloud-only user gets the anchor of its on-prem user.
    let n = 20_000;
    let mut b = sharing_one_address(n);
    for (i, o) in b.on_premises.iter_mut().enumerate() {
        o.mail = Some(format_compact!("user{i}@contoso.com"));
        o.proxy_addresses = vec![format_compact!("SMTP:user{i}@contoso.com")];
    }
    for (i, c) in b.cloud.iter_mut().enumerate() {
        c.mail = Some(format_compact!("cloud{i}@contoso.com"));
        c.proxy_addresses = vec![format_compact!("SMTP:cloud{i}@contoso.com")];
    }
    let rows: Vec<CsvRow> = (0..n)
        .map(|i| CsvRow {
            line: i as u64 + 2,
            sam_account_name: format!("user{i}"),
            cloud_upn: format!("cloud{i}@contoso.com"),
            problems: vec![],
        })
        .collect();
    let t = Instant::now();
    let _ = syncscope::plan::plan(&b);
    let one_plan = t.elapsed();
    let started = Instant::now();
    let reports = check(&b, rows);
    let took = started.elapsed();
    eprintln!("{n} rows: {took:?}; one plan of the tenant: {one_plan:?}");
    let ready = reports.iter().filter(|r| r.ok()).count();
    assert_eq!(ready, n, "{:?}", reports.iter().find(|r| !r.ok()));
    // Two plans, an index and a copy of the tenant: a few plans' time. A scan of the tenant per
    // row (n² = 400 M object visits, three times) takes many times that.
    assert!(
        took < one_plan * 8,
        "{n} rows took {took:?}, one plan {one_plan:?}"
    );
}
