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
