//! The command line and the explorer work through the same `Session`: what `plan --json` and
//! `errors --after-sync --json` print is what the session computes, `--set` included, and a
//! what-if flip in a session gives the plan `--set` gives on the command line.

mod util;

use syncscope::config::Item;
use syncscope::session::Session;
use syncscope::settings::Setting;
use util::{Mini, json_of, sample};

#[test]
fn plan_json_of_the_binary_is_the_sessions_plan() {
    let s = Session::open(sample(), &[(Setting::BlockSoftMatch, true)]);
    let cli = json_of(&[
        "plan",
        util::SAMPLE,
        "--json",
        "--set",
        "blockSoftMatchEnabled=true",
    ]);
    let mine = syncscope::report::plan_json(&s.snapshot, &s.plan);
    // The binary adds how the snapshot loaded (interfaces §7); the plan itself is the same.
    let mut cli = cli;
    let load = cli.as_object_mut().unwrap().remove("load").unwrap();
    assert_eq!(load["partial"], false);
    assert_eq!(cli, mine);
}

#[test]
fn a_what_if_flip_plans_what_set_plans() {
    let mut s = Session::open(sample(), &[]);
    s.flip(Item::Setting(Setting::SoftMatchOnUpn));
    s.replan();
    let set = Session::open(sample(), &[(Setting::SoftMatchOnUpn, false)]);
    let classes = |p: &syncscope::plan::Plan| {
        p.outcomes
            .iter()
            .map(|o| syncscope::diff::outcome_class(o))
            .collect::<Vec<_>>()
    };
    assert_eq!(classes(&s.plan), classes(&set.plan));
    assert_ne!(
        classes(&s.plan),
        classes(&s.baseline),
        "the flip changes outcomes"
    );
    assert_eq!(s.changed_settings(), 1);
}

#[test]
fn errors_after_sync_of_the_binary_are_the_sessions() {
    let s = Session::open(sample(), &[]);
    let cli = json_of(&["errors", util::SAMPLE, "--after-sync", "--all", "--json"]);
    let rows: Vec<serde_json::Value> = s
        .error_rows(true)
        .iter()
        .map(syncscope::query::row_json)
        .collect();
    assert_eq!(cli["errors"].as_array().unwrap(), &rows);
}

#[test]
fn a_mini_bundle_written_to_disk_plans_the_same_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let mini = Mini::new()
        .on_prem("Alice Ng", "alice@contoso.com")
        .cloud("Alice (cloud)", "alice@contoso.com")
        .set(
            "cloud",
            "directoryRoles",
            serde_json::json!(["Global Administrator"]),
        );
    let path = mini.write(dir.path(), "mini.json");
    let mut cli = json_of(&["plan", path.to_str().unwrap(), "--json"]);
    cli.as_object_mut().unwrap().remove("load");
    let s = Session::open(mini.bundle(), &[]);
    assert_eq!(cli["outcomes"][0]["result"], "provision");
    assert_eq!(
        cli["outcomes"][0]["flags"][0], "ExistingAdminRoleConflict",
        "M6: the admin is not soft matched"
    );
    assert_eq!(cli, syncscope::report::plan_json(&s.snapshot, &s.plan));
}

/// The explorer's cloud references (which outcomes name each cloud object: the one linked or
/// matched to it, those whose values conflict with it) are, cloud object by cloud object, what a
/// direct search of every outcome finds, in outcome order and each outcome once; on the sample,
/// the hostile fixture, a generated tenant, and after a what-if flip.
#[test]
fn cloud_references_are_the_outcomes_that_name_each_cloud_object() {
    use syncscope::outcome::Holder;
    let direct = |plan: &syncscope::plan::Plan, c: u32| -> Vec<u32> {
        let names = |o: &syncscope::outcome::Outcome| {
            o.cloud == Some(c)
                || (o.quarantined.iter()).any(|q| q.conflicts_with == Holder::Cloud(c))
        };
        (0..plan.outcomes.len() as u32)
            .filter(|&i| names(&plan.outcomes[i as usize]))
            .collect()
    };
    let mut named_by_two = 0;
    for b in [
        sample(),
        util::hostile(),
        syncscope::generate::generate(600, 5),
    ] {
        let mut s = Session::open_for_what_if(b, &[]);
        for flip in [None, Some(Setting::BlockSoftMatch)] {
            if let Some(f) = flip {
                s.flip(Item::Setting(f));
                s.replan();
            }
            let n = s.snapshot.cloud.len();
            let refs = s.plan.cloud_references(n);
            for c in 0..n as u32 {
                assert_eq!(refs.of(c), direct(&s.plan, c), "cloud object {c}");
                named_by_two += usize::from(refs.of(c).len() > 1);
            }
            assert!(refs.of(n as u32).is_empty() && refs.of(u32::MAX).is_empty());
        }
    }
    assert!(
        named_by_two > 0,
        "some cloud object is named by two outcomes"
    );
}

/// The what-if comparison after a re-plan that shares the outcomes it did not plan again: the
/// same per-object changes and transitions as against a plan made in full.
#[test]
fn a_diff_against_shared_outcomes_is_the_diff_against_a_full_plan() {
    let mut s = Session::open_for_what_if(syncscope::generate::generate(3000, 7), &[]);
    s.flip(Item::Setting(Setting::BlockSoftMatch));
    let config = s.config.clone();
    let incremental = s.plan_for(&config);
    assert!(
        incremental.planned_again.is_some(),
        "re-planned from the record"
    );
    let full = Session::open(s.what_if_bundle(), &[]);
    let shared = syncscope::diff::diff(&s.baseline, &incremental.plan);
    let fresh = syncscope::diff::diff(&s.baseline, &full.plan);
    assert!(shared.count() > 0);
    assert_eq!(shared, fresh);
}
