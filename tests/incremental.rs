//! The incremental what-if re-plan (issue 15, item 3) gives exactly the full plan: on the sample,
//! the hostile fixture, generated tenants and tangled ones (where many objects contend for the
//! same values, so a flip reaches far along Q2's claim order), after every single flip and after
//! chains of flips (each re-planned from the recorded plan, with every flip of the chain so far).

mod util;

use syncscope::index::CloudIndex;
use syncscope::model::{Bundle, ObjectKind};
use syncscope::plan::{
    Plan, Record, plan_recorded, plan_split, plan_what_if, replan, replan_split,
};
use syncscope::settings::{SETTINGS, Settings};

/// Generated tenants with extra contention: every 5th object takes the UPN and addresses of an
/// object a few places earlier, every 7th the primary address of a cloud object elsewhere (often
/// one with roles or a synced twin), so claims, takeovers and quarantines chain along the cycle.
fn tangled(objects: usize, seed: u64) -> Bundle {
    let mut b = syncscope::generate::generate(objects, seed);
    let n = b.on_premises.len();
    for i in (5..n).step_by(5) {
        let from = i - 1 - (i * 7 + seed as usize) % 4;
        let (upn, proxies, mail) = {
            let o = &b.on_premises[from];
            (
                o.user_principal_name.clone(),
                o.proxy_addresses.clone(),
                o.mail.clone(),
            )
        };
        let o = &mut b.on_premises[i];
        o.user_principal_name = upn;
        o.proxy_addresses = proxies;
        o.mail = mail;
    }
    let clouds = b.cloud.len();
    for i in (3..n).step_by(7) {
        let c = &b.cloud[(i * 13 + seed as usize) % clouds];
        let (upn, proxies) = (c.user_principal_name.clone(), c.proxy_addresses.clone());
        let o = &mut b.on_premises[i];
        if upn.is_some() {
            o.user_principal_name = upn;
        }
        o.proxy_addresses = proxies;
    }
    // Pairs of new users around one cloud-only user: the first finds it only by UPN (M5 step 2),
    // the second only by its SMTP address, so whether the second may take it over depends on
    // nothing the second reads but who took the cloud user earlier in the cycle (Q2).
    let cloud_only: Vec<usize> = (0..clouds)
        .filter(|&c| {
            let c = &b.cloud[c];
            c.object_type == ObjectKind::User
                && c.on_premises_immutable_id.is_none()
                && c.user_principal_name.is_some()
                && c.primary_smtp().is_some()
        })
        .collect();
    for (k, i) in (10..n.saturating_sub(3)).step_by(11).enumerate() {
        let Some(&c) = cloud_only.get((k * 17 + seed as usize) % cloud_only.len().max(1)) else {
            break;
        };
        let (upn, proxies) = (
            b.cloud[c].user_principal_name.clone(),
            b.cloud[c].proxy_addresses.clone(),
        );
        for (at, first) in [(i, true), (i + 2, false)] {
            let o = &mut b.on_premises[at];
            if o.object_class != ObjectKind::User {
                continue;
            }
            o.object_guid =
                uuid::Uuid::from_u128((0x7a9e_u128 << 112) | ((seed as u128) << 32) | at as u128);
            o.consistency_guid = None;
            if first {
                o.user_principal_name = upn.clone();
                o.proxy_addresses.clear();
                o.mail = None;
            } else {
                o.user_principal_name =
                    Some(format!("pair{at}@{}", b.tenant.initial_domain).into());
                o.proxy_addresses = proxies.clone();
                o.mail = None;
            }
        }
    }
    b
}

/// A tangled tenant whose later half also contends with its earlier half: every third object of
/// the later half takes the UPN of its twin in the earlier half and the addresses of the object
/// two places before it, so a split re-plan's later objects read both what the earlier half
/// changes and what their neighbours planned ahead wrote.
fn mirrored(objects: usize, seed: u64) -> Bundle {
    let mut b = tangled(objects, seed);
    let half = b.on_premises.len() / 2;
    for i in (half + 2..b.on_premises.len()).step_by(3) {
        let upn = b.on_premises[i - half].user_principal_name.clone();
        let (proxies, mail) = {
            let o = &b.on_premises[i - 2];
            (o.proxy_addresses.clone(), o.mail.clone())
        };
        let o = &mut b.on_premises[i];
        o.user_principal_name = upn;
        o.proxy_addresses = proxies;
        o.mail = mail;
    }
    b
}

fn flipped(s: &Settings, k: usize) -> Settings {
    let mut t = *s;
    let setting = SETTINGS[k % SETTINGS.len()].setting;
    t.set(setting, !s.get(setting));
    t
}

/// Re-plans from `(base, record, from)` to `to` and checks it against the full plan; returns how
/// many objects were planned again.
#[track_caller]
fn replan_checked(
    name: &str,
    b: &Bundle,
    ix: &CloudIndex,
    (base, record, from): (&Plan, &Record, &Settings),
    to: &Settings,
) -> usize {
    let full = plan_what_if(b, ix, to, &b.connect);
    let r = replan(b, ix, &b.connect, (base, record, from), to)
        .unwrap_or_else(|| panic!("{name}: no incremental re-plan"));
    if r.plan != full {
        let first = (0..full.outcomes.len())
            .find(|&i| r.plan.outcomes.get(i) != full.outcomes.get(i))
            .unwrap_or(0);
        panic!(
            "{name}: the re-plan differs from the full plan first at object {first}:\n\
             re-plan: {:#?}\nfull: {:#?}",
            r.plan.outcomes.get(first),
            full.outcomes.get(first)
        );
    }
    // On two threads, split anywhere: the same plan.
    let n = b.on_premises.len();
    for split in [0, 1, n / 3, n / 2, n.saturating_sub(1)] {
        let two = replan_split(
            b,
            ix,
            &b.connect,
            (base, record, from),
            to,
            None,
            Some(split),
        )
        .unwrap_or_else(|| panic!("{name}: no incremental re-plan split at {split}"));
        if two.plan != full {
            let first = (0..n)
                .find(|&i| two.plan.outcomes.get(i) != full.outcomes.get(i))
                .unwrap_or(0);
            panic!(
                "{name}: the re-plan split at {split} differs from the full plan first at \
                 object {first}:\nre-plan: {:#?}\nfull: {:#?}",
                two.plan.outcomes.get(first),
                full.outcomes.get(first)
            );
        }
    }
    r.planned_again
}

fn check_bundle(name: &str, b: &Bundle) {
    let ix = CloudIndex::build(b);
    let settings = b.settings;
    let (base, record) = plan_recorded(b, &ix, &settings, &b.connect);
    assert_eq!(
        base,
        plan_what_if(b, &ix, &settings, &b.connect),
        "{name}: recording changes nothing"
    );
    // Every single flip from the snapshot's settings.
    for (k, info) in SETTINGS.iter().enumerate() {
        let to = flipped(&settings, k);
        replan_checked(
            &format!("{name}, flip {}", info.key),
            b,
            &ix,
            (&base, &record, &settings),
            &to,
        );
    }
    // Chains: several settings flipped at once (a what-if session re-plans every flip from the
    // recorded plan, with all the flips made so far), and flipped back.
    for start in 0..3 {
        let mut to = settings;
        for step in 0..6 {
            to = flipped(&to, start * 5 + step * 3 + 1);
            replan_checked(
                &format!("{name}, chain {start} step {step}"),
                b,
                &ix,
                (&base, &record, &settings),
                &to,
            );
        }
    }
}

#[test]
fn the_incremental_replan_is_the_full_plan_on_the_sample_and_the_hostile_fixture() {
    check_bundle("sample", &util::sample());
    check_bundle("hostile", &util::hostile());
}

#[test]
fn the_incremental_replan_is_the_full_plan_on_generated_tenants() {
    for seed in 1..=4 {
        check_bundle(
            &format!("generated 2000 seed {seed}"),
            &syncscope::generate::generate(2000, seed),
        );
    }
}

#[test]
fn the_incremental_replan_is_the_full_plan_on_tangled_tenants() {
    for seed in 1..=4 {
        check_bundle(&format!("tangled 2000 seed {seed}"), &tangled(2000, seed));
        check_bundle(&format!("mirrored 2000 seed {seed}"), &mirrored(2000, seed));
    }
}

/// What makes it worth having: a soft-match flip on a generated tenant plans again only the
/// objects that read the flag (and those their changes reach), not the whole tenant.
#[test]
fn a_soft_match_flip_plans_again_only_the_objects_it_can_change() {
    let b = syncscope::generate::generate(20_000, 7);
    let ix = CloudIndex::build(&b);
    let (base, record) = plan_recorded(&b, &ix, &b.settings, &b.connect);
    for setting in [
        syncscope::settings::Setting::BlockSoftMatch,
        syncscope::settings::Setting::SoftMatchOnUpn,
        syncscope::settings::Setting::BlockCloudObjectTakeoverThroughHardMatch,
    ] {
        let mut to = b.settings;
        to.set(setting, !to.get(setting));
        let again = replan_checked(
            &format!("{setting:?}"),
            &b,
            &ix,
            (&base, &record, &b.settings),
            &to,
        );
        assert!(
            again * 4 < b.on_premises.len(),
            "{setting:?}: {again} of {} planned again",
            b.on_premises.len()
        );
    }
}

/// The plan made on two threads (the later objects planned ahead as if nobody came before them,
/// then taken in order over the earlier ones' state) is the one-thread plan, record and all,
/// wherever the tenant is split: at the ends, near them, and in the middle of contended runs.
fn check_split(name: &str, b: &Bundle) {
    let ix = CloudIndex::build(b);
    let (s, c) = (&b.settings, &b.connect);
    let (one, one_record) = plan_split(b, &ix, s, c, None, true);
    let n = b.on_premises.len();
    for split in [0, 1, 2, n / 3, n / 2, n / 2 + 1, n.saturating_sub(1), n] {
        let (two, record) = plan_split(b, &ix, s, c, Some(split), true);
        if two != one {
            let first = (0..n)
                .find(|&i| two.outcomes.get(i) != one.outcomes.get(i))
                .unwrap_or(0);
            panic!(
                "{name}, split at {split}: differs first at object {first}:\n\
                 two threads: {:#?}\none: {:#?}",
                two.outcomes.get(first),
                one.outcomes.get(first)
            );
        }
        assert!(
            record.as_ref() == one_record.as_ref(),
            "{name}, split at {split}: the record differs"
        );
        let (plain, none) = plan_split(b, &ix, s, c, Some(split), false);
        assert!(none.is_none(), "{name}: a record nobody asked for");
        assert!(plain == one, "{name}, split at {split}, without a record");
    }
}

#[test]
fn the_plan_on_two_threads_is_the_one_thread_plan_wherever_it_is_split() {
    check_split("sample", &util::sample());
    check_split("hostile", &util::hostile());
    for seed in 1..=4 {
        check_split(
            &format!("generated 2000 seed {seed}"),
            &syncscope::generate::generate(2000, seed),
        );
        check_split(&format!("tangled 2000 seed {seed}"), &tangled(2000, seed));
    }
    // And under other settings, where other objects contend (every single flip).
    let b = tangled(1000, 9);
    for (k, setting) in SETTINGS.iter().enumerate() {
        let mut t = b.clone();
        t.settings = flipped(&b.settings, k);
        check_split(&format!("tangled 1000, flip {}", setting.key), &t);
    }
}

/// Large enough that a split re-plan's later half keeps outcomes planned ahead whose writes
/// objects planned again after it read (the 2,000-object tenants never reach that path).
#[test]
fn the_incremental_replan_is_the_full_plan_on_a_large_mirrored_tenant() {
    check_bundle("mirrored 20000 seed 1", &mirrored(20000, 1));
}

/// Changes a walkthrough step (or an admin) makes to a few objects, chosen from `k`: cloud
/// users lose or gain roles, UPNs, addresses, ImmutableIDs, are soft-deleted or restored;
/// on-prem objects take other values, leave the scope, change their anchor.
fn change_objects(b: &mut Bundle, k: usize) {
    let (n, m) = (b.on_premises.len(), b.cloud.len());
    for step in 0..1 + k % 4 {
        let pick = (k * 7919 + step * 104_729) % 12;
        let c = (k * 31 + step * 17) % m;
        let j = (k * 37 + step * 13) % n;
        let other = (c + m / 2 + step) % m;
        let (other_upn, other_proxies) = (
            b.cloud[other].user_principal_name.clone(),
            b.cloud[other].proxy_addresses.clone(),
        );
        let anchor_of_j = b.on_premises[j]
            .source_anchor(b.connect.source_anchor)
            .immutable_id();
        match pick {
            0 => b.cloud[c].directory_roles.clear(),
            1 => b.cloud[c]
                .directory_roles
                .push("Global Administrator".into()),
            2 => b.cloud[c].user_principal_name = other_upn,
            3 => b.cloud[c].proxy_addresses = other_proxies,
            4 => b.cloud[c].on_premises_immutable_id = None,
            5 => b.cloud[c].on_premises_immutable_id = Some(anchor_of_j.into()),
            6 => b.cloud[c].deleted_date_time = Some("2026-12-01T00:00:00Z".into()),
            7 => b.cloud[c].deleted_date_time = None,
            8 => {
                let upn = b.on_premises[(j + n / 2) % n].user_principal_name.clone();
                b.on_premises[j].user_principal_name = upn;
            }
            9 => b.on_premises[j].proxy_addresses = other_proxies,
            10 => {
                b.on_premises[j].distinguished_name =
                    "CN=moved,OU=Elsewhere,DC=contoso,DC=com".into()
            }
            _ => b.on_premises[j].consistency_guid = None,
        }
    }
}

/// A re-plan after object changes (and a settings flip with them) is the full plan of the
/// state after, on one thread and split anywhere.
fn check_changes(name: &str, b: &Bundle, rounds: usize) {
    use syncscope::plan::{Changes, replan_changed};
    let ix = CloudIndex::build(b);
    let (base, record) = plan_recorded(b, &ix, &b.settings, &b.connect);
    let mut planned_again = 0;
    for k in 0..rounds {
        let mut after = b.clone();
        change_objects(&mut after, k);
        if k % 3 == 0 {
            after.settings = flipped(&after.settings, k);
        }
        let changes = Changes::between(b, &after).expect("a few objects changed");
        let ix_after = CloudIndex::build(&after);
        let full = plan_what_if(&after, &ix_after, &after.settings, &after.connect);
        let r = replan_changed(&after, &ix_after, (&base, &record, &b.settings), &changes)
            .unwrap_or_else(|| panic!("{name}: no re-plan of round {k}"));
        let n = after.on_premises.len();
        let splits = [
            None,
            Some(0),
            Some(1),
            Some(n / 3),
            Some(n / 2),
            Some(n - 1),
        ];
        for (split, plan) in std::iter::once((None, r.plan)).chain(splits.into_iter().map(|s| {
            let two = syncscope::plan::replan_split(
                &after,
                &ix_after,
                &after.connect,
                (&base, &record, &b.settings),
                &after.settings,
                Some(&changes),
                s,
            )
            .expect("a re-plan");
            (s, two.plan)
        })) {
            if plan != full {
                let first = (0..n)
                    .find(|&i| plan.outcomes.get(i) != full.outcomes.get(i))
                    .unwrap_or(0);
                panic!(
                    "{name}, round {k} ({changes:?}), split {split:?}: differs from the full plan first \
                     at object {first}:\nre-plan: {:#?}\nfull: {:#?}",
                    plan.outcomes.get(first),
                    full.outcomes.get(first)
                );
            }
        }
        planned_again += r.planned_again;
    }
    // What makes it worth having: a few objects changed, a few planned again.
    assert!(
        planned_again < rounds * b.on_premises.len() / 4,
        "{name}: {planned_again} planned again over {rounds} rounds"
    );
}

#[test]
fn a_replan_after_object_changes_is_the_full_plan_of_the_state_after() {
    check_changes("sample", &util::sample(), 40);
    check_changes("hostile", &util::hostile(), 40);
    for seed in 1..=3 {
        check_changes(
            &format!("generated 2000 seed {seed}"),
            &syncscope::generate::generate(2000, seed),
            40,
        );
        check_changes(
            &format!("tangled 2000 seed {seed}"),
            &tangled(2000, seed),
            40,
        );
        check_changes(
            &format!("mirrored 2000 seed {seed}"),
            &mirrored(2000, seed),
            40,
        );
    }
}
