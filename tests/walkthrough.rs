//! Walkthroughs W1–W4 on the sample tenant: each step's effect, the refusal paths, undo, and
//! the script and scenario they end with.

mod util;

use syncscope::apply::sync_cycle;
use syncscope::model::Bundle;
use syncscope::walkthrough::{Kind, Walkthrough, suggest};
use util::sample;
use uuid::Uuid;

fn on_prem(b: &Bundle, name: &str) -> (usize, Uuid) {
    let i = b.on_premises.iter().position(|o| o.name() == name).unwrap();
    (i, b.on_premises[i].object_guid)
}

fn cloud(b: &Bundle, upn: &str) -> Uuid {
    b.cloud
        .iter()
        .find(|c| c.user_principal_name.as_deref() == Some(upn))
        .unwrap()
        .id
}

#[test]
fn w1_before_any_sync_soft_matches_the_admin_and_gives_the_roles_back() {
    let b = sample();
    let (i, alice) = on_prem(&b, "Alice Ng");
    let admin = cloud(&b, "alice@contoso.com");
    assert_eq!(suggest(&b, i)[0], (Kind::AdminRole, Some(admin)));
    let mut w = Walkthrough::start(Kind::AdminRole, &b, alice, Some(admin)).unwrap();
    assert_eq!(w.steps.len(), 4);
    assert!(w.steps[1].title.contains("No duplicate"));
    while !w.done() {
        w.apply_next();
    }
    let r = &w.results;
    assert!(
        r[0].changes
            .iter()
            .any(|c| c.contains("roles [Global Administrator] → []")),
        "{:?}",
        r[0].changes
    );
    assert!(
        r[2].sync_outcome
            .as_deref()
            .unwrap()
            .starts_with("soft-match-smtp → alice@contoso.com")
    );
    assert!(r[3].next_outcome.starts_with("linked → alice@contoso.com"));
    let end = w.current();
    let c = end.cloud.iter().find(|c| c.id == admin).unwrap();
    assert!(c.is_synced());
    assert_eq!(c.directory_roles, ["Global Administrator"]);
    let anchor = &w.states[0].on_premises[i].object_guid;
    let _ = anchor;
    let carrying = end
        .cloud
        .iter()
        .filter(|x| x.on_premises_immutable_id == c.on_premises_immutable_id)
        .count();
    assert_eq!(carrying, 1, "no duplicate of Alice was created");
    let script = w.script("sample-data/contoso.json");
    for needle in [
        "Remove-MgDirectoryRoleMemberByRef",
        "Start-ADSyncSyncCycle -PolicyType Delta",
        "New-MgDirectoryRoleMemberByRef",
        "Where-Object DisplayName -ceq 'Global Administrator'",
    ] {
        assert!(script.contains(needle), "{needle}\n{script}");
    }
}

#[test]
fn w1_after_a_failed_sync_needs_the_purge_and_skipping_it_stays_linked() {
    let mut b = sample();
    sync_cycle(&mut b, None); // the duplicate alice####@contoso.onmicrosoft.com exists now
    let (_, alice) = on_prem(&b, "Alice Ng");
    let admin = cloud(&b, "alice@contoso.com");
    let mut w = Walkthrough::start(Kind::AdminRole, &b, alice, Some(admin)).unwrap();
    assert!(
        w.steps[1]
            .title
            .starts_with("Delete and purge the duplicate alice"),
        "{}",
        w.steps[1].title
    );

    // Skip the purge: the sync keeps Alice linked to her duplicate (M1).
    w.apply_next();
    w.skip_next();
    w.apply_next();
    let out = w.results[2].sync_outcome.clone().unwrap();
    assert!(
        out.starts_with("linked → alice") && out.contains("onmicrosoft.com") && out.contains("M1"),
        "{out}"
    );
    assert!(
        !w.script("x").contains("Remove-MgDirectoryDeletedItem"),
        "a skipped step is not in the script"
    );

    // Back twice and purge: now the sync soft matches.
    w.back();
    w.back();
    assert_eq!(w.results.len(), 1);
    w.apply_next();
    assert!(
        w.results[1]
            .changes
            .iter()
            .any(|c| c.contains("deleted and purged"))
    );
    w.apply_next();
    let out = w.results[2].sync_outcome.clone().unwrap();
    assert!(
        out.starts_with("soft-match-smtp → alice@contoso.com"),
        "{out}"
    );
    assert!(
        w.script("x")
            .contains("Remove-MgDirectoryDeletedItem -DirectoryObjectId")
    );
}

#[test]
fn w2_moves_a_federated_user_first_and_skipping_that_is_refused_by_x1() {
    let b = sample();
    let (_, nils) = on_prem(&b, "Nils Petersen");
    let target = b
        .cloud
        .iter()
        .find(|c| c.name() == "Nils Petersen")
        .unwrap()
        .id;
    let mut w = Walkthrough::start(Kind::HardMatch, &b, nils, Some(target)).unwrap();
    assert!(w.steps[0].explain.contains("X1"), "{}", w.steps[0].title);
    // Skip the UPN move: the service refuses the ImmutableID and nothing changes.
    w.skip_next();
    while w.results.len() < w.steps.len() - 2 {
        w.apply_next();
    }
    let before = w.current().clone();
    w.apply_next();
    let refused = w.results.last().unwrap().refused.clone().unwrap();
    assert!(refused.contains("FederatedDomainChangeError"), "{refused}");
    assert!(w.results.last().unwrap().changes.is_empty());
    assert_eq!(*w.current(), before, "a refused step changes nothing (X1)");
    // Undo and do it properly.
    while !w.results.is_empty() {
        w.back();
    }
    while !w.done() {
        w.apply_next();
    }
    let out = w.results.last().unwrap().sync_outcome.clone().unwrap();
    assert!(
        out.starts_with("hard-match → npetersen@contoso.onmicrosoft.com")
            || out.starts_with("hard-match"),
        "{out}"
    );
    let script = w.script("sample-data/contoso.json");
    assert!(script.contains("Update-MgUser -UserId"), "{script}");
    assert!(script.contains("-OnPremisesImmutableId '"), "{script}");
    // A2 (r2): Connect writes the ConsistencyGuid back itself; the script never asks for it.
    assert!(
        !script.contains("mS-DS-ConsistencyGuid' ="),
        "no ConsistencyGuid stamping: {script}"
    );
    assert!(
        script.contains("while ((Get-ADSyncScheduler).SyncCycleInProgress)"),
        "{script}"
    );

    // Saved as a scenario, it replays to the same end state.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("contoso.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json"),
        &snap,
    )
    .unwrap();
    let scen = dir.path().join("w2.json");
    std::fs::write(
        &scen,
        serde_json::to_string_pretty(&w.scenario("contoso.json")).unwrap(),
    )
    .unwrap();
    let s = syncscope::scenario::load_scenario(&scen).unwrap();
    let (reports, end) = syncscope::scenario::run_scenario(&s).unwrap();
    assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    assert_eq!(&end, w.current());
}

#[test]
fn w4_unlinks_and_leaves_a_cloud_only_account() {
    let b = sample();
    let (i, diana) = on_prem(&b, "Diana Chen");
    let (kind, target) = suggest(&b, i)[0];
    assert_eq!(kind, Kind::Unlink);
    let mut w = Walkthrough::start(kind, &b, diana, target).unwrap();
    // Clearing the ImmutableID first is refused (X2): try it out of order on a copy.
    let mut early = w.clone();
    early.steps.swap(0, 3);
    early.apply_next();
    assert!(early.results[0].refused.as_deref().unwrap().contains("X2"));
    while !w.done() {
        w.apply_next();
    }
    assert!(
        w.results.iter().all(|r| r.refused.is_none()),
        "{:?}",
        w.results
    );
    let c = w
        .current()
        .cloud
        .iter()
        .find(|c| Some(c.id) == target)
        .unwrap();
    assert!(!c.is_synced() && !c.is_deleted());
    assert_eq!(c.on_premises_immutable_id, None);
    assert!(
        w.results
            .last()
            .unwrap()
            .next_outcome
            .starts_with("out-of-scope")
    );
}

#[test]
fn w3_aligns_the_primary_smtp_and_soft_matches() {
    let b = sample();
    let (_, nils) = on_prem(&b, "Nils Petersen");
    let jordan = b
        .cloud
        .iter()
        .find(|c| c.name() == "Jordan Lee (Contractor)")
        .unwrap();
    let mut w = Walkthrough::start(Kind::SoftMatch, &b, nils, Some(jordan.id)).unwrap();
    while !w.done() {
        w.apply_next();
    }
    let out = w.results.last().unwrap().sync_outcome.clone().unwrap();
    assert!(out.starts_with("soft-match-smtp"), "{out}");
    assert!(w.script("s").contains("Set-ADObject -Identity"));
}

#[test]
fn w5_re_anchor_end_to_end_on_the_sample() {
    let b = sample();
    let (i, samuel) = on_prem(&b, "Samuel Okafor");
    let c = cloud(&b, "sokafor@contoso.com");
    let immutable_id = b
        .cloud
        .iter()
        .find(|x| x.id == c)
        .and_then(|x| x.on_premises_immutable_id.clone())
        .unwrap();
    // M6 r2: AttributeValueMustBeUnique; W5 is offered first.
    assert_eq!(suggest(&b, i)[0], (Kind::ReAnchor, Some(c)));
    let mut w = Walkthrough::start(Kind::ReAnchor, &b, samuel, Some(c)).unwrap();
    let titles: Vec<&str> = w.steps.iter().map(|s| s.title.as_str()).collect();
    // X4 first: the Fabrikam object identifier blocks the hard match.
    assert!(
        titles[0].contains("onPremisesObjectIdentifier"),
        "{titles:?}"
    );
    assert!(titles[1].contains("mS-DS-ConsistencyGuid"), "{titles:?}");
    while !w.done() {
        w.apply_next();
    }
    let out = w.results.last().unwrap().sync_outcome.clone().unwrap();
    // C is still synced (from the Fabrikam forest): with the mapping cleared the object joins it.
    assert!(
        out.starts_with("linked → sokafor@contoso.com")
            || out.starts_with("hard-match → sokafor@contoso.com"),
        "{out}"
    );
    let end = w.current();
    let taken = end.cloud.iter().find(|x| x.id == c).unwrap();
    assert!(taken.is_synced());
    assert_eq!(
        taken.on_premises_immutable_id.as_deref(),
        Some(immutable_id.as_str())
    );
    assert_eq!(
        taken.on_premises_object_identifier.as_deref(),
        Some(samuel.to_string().as_str())
    );
    let own = syncscope::anchor::Anchor::from_guid(samuel).immutable_id();
    assert!(
        end.cloud
            .iter()
            .all(|x| x.on_premises_immutable_id.as_deref() != Some(own.as_str())),
        "no new object for Samuel"
    );
    assert_eq!(
        end.cloud
            .iter()
            .filter(|x| x.on_premises_immutable_id.as_deref() == Some(immutable_id.as_str()))
            .count(),
        1
    );
    // The next cycle is a plain update.
    assert!(w.results.last().unwrap().next_outcome.starts_with("linked"));

    let script = w.script("sample-data/contoso.json");
    let bytes = syncscope::anchor::Anchor::parse_immutable_id(&immutable_id)
        .unwrap()
        .bytes();
    let literal = bytes
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(",");
    let clear = script
        .find("{\"onPremisesObjectIdentifier\": null}")
        .expect("X4 clear");
    let set = script
        .find(&format!(
            "-Replace @{{ 'mS-DS-ConsistencyGuid' = [byte[]]({literal}) }}"
        ))
        .unwrap_or_else(|| panic!("{script}"));
    let sync = script.find("Start-ADSyncSyncCycle").unwrap();
    let check = script.find("OnPremisesImmutableId -cne").unwrap();
    assert!(clear < set && set < sync && sync < check, "{script}");
    assert!(script.contains("Set-ADUser -Identity"), "{script}");
    assert!(script.contains("User-OnPremisesSyncBehavior.ReadWrite.All"));
}

#[test]
fn w5_with_object_guid_as_source_anchor_explains_and_names_w4_w2() {
    let mut b = sample();
    b.connect.source_anchor = syncscope::model::SourceAnchorAttribute::ObjectGuid;
    let (_, samuel) = on_prem(&b, "Samuel Okafor");
    let c = cloud(&b, "sokafor@contoso.com");
    let why = Walkthrough::start(Kind::ReAnchor, &b, samuel, Some(c)).unwrap_err();
    assert!(
        why.contains("objectGUID") && why.contains("W4") && why.contains("W2"),
        "{why}"
    );
}

#[test]
fn w1_r2_under_the_hardening_removes_privileged_roles_and_waits_before_re_adding() {
    let b = sample();
    let (i, oliver) = on_prem(&b, "Oliver Grant");
    let c = cloud(&b, "oliver.grant@contoso.com");
    assert_eq!(suggest(&b, i)[0], (Kind::AdminRole, Some(c)));
    let mut w = Walkthrough::start(Kind::AdminRole, &b, oliver, Some(c)).unwrap();
    while !w.done() {
        w.apply_next();
    }
    let sync = w
        .results
        .iter()
        .find_map(|r| r.sync_outcome.clone())
        .unwrap();
    assert!(sync.starts_with("hard-match"), "{sync}");
    let end = w.current();
    let back = end.cloud.iter().find(|x| x.id == c).unwrap();
    assert!(back.is_synced());
    assert_eq!(
        back.directory_roles,
        ["User Administrator"],
        "roles restored"
    );
    let script = w.script("sample-data/contoso.json");
    let wait = script.find("SyncCycleInProgress").unwrap();
    let check = script.find("OnPremisesImmutableId -cne").unwrap();
    let re_add = script.find("New-MgDirectoryRoleMemberByRef").unwrap();
    assert!(wait < check && check < re_add, "{script}");
}

#[test]
fn w1_r2_eligibilities_go_through_pim_schedule_requests() {
    let b = sample();
    let (_, marcus) = on_prem(&b, "Marcus Webb");
    let c = cloud(&b, "marcus.webb@contoso.com");
    let mut w = Walkthrough::start(Kind::AdminRole, &b, marcus, Some(c)).unwrap();
    while !w.done() {
        w.apply_next();
    }
    let end = w.current();
    let back = end.cloud.iter().find(|x| x.id == c).unwrap();
    assert!(back.is_synced());
    assert_eq!(
        back.eligible_directory_roles,
        ["Exchange Administrator"],
        "the eligibility is restored as an eligibility"
    );
    assert!(back.directory_roles.is_empty());
    let script = w.script("sample-data/contoso.json");
    let remove = script.find("Action = 'adminRemove'").expect("PIM remove");
    let check = script.find("OnPremisesImmutableId -cne").unwrap();
    let assign = script.find("Action = 'adminAssign'").expect("PIM assign");
    assert!(remove < check && check < assign, "{script}");
    assert!(script.contains("New-MgRoleManagementDirectoryRoleEligibilityScheduleRequest"));
}

#[test]
fn w5_also_changes_a_changed_anchor_back_a6() {
    let mut b = sample();
    let (i, diana) = on_prem(&b, "Diana Chen");
    let c = cloud(&b, "dchen@contoso.com");
    // Someone stamped another ConsistencyGuid after the export: SourceAnchorChanged (A6).
    b.on_premises[i].consistency_guid =
        Some(syncscope::anchor::Anchor::from_guid(Uuid::from_u128(7)));
    assert_eq!(suggest(&b, i)[0], (Kind::ReAnchor, Some(c)));
    let mut w = Walkthrough::start(Kind::ReAnchor, &b, diana, Some(c)).unwrap();
    assert_eq!(
        w.steps.len(),
        2,
        "no X4 step: the identifier names Diana herself"
    );
    while !w.done() {
        w.apply_next();
    }
    let out = w.results.last().unwrap().sync_outcome.clone().unwrap();
    assert!(out.starts_with("linked → dchen@contoso.com"), "{out}");
}

#[test]
fn a_step_shares_every_object_it_does_not_change_and_back_restores_the_state_before() {
    let b = sample();
    let (_, alice) = on_prem(&b, "Alice Ng");
    let admin = cloud(&b, "alice@contoso.com");
    let mut w = Walkthrough::start(Kind::AdminRole, &b, alice, Some(admin)).unwrap();
    w.apply_next(); // Removes the admin's role: one cloud object changes.
    let (before, after) = (&w.states[0], &w.states[1]);
    use syncscope::shared::Shared;
    let copied: Vec<_> = (before.cloud.iter().zip(&after.cloud))
        .filter(|(x, y)| !Shared::same(x, y))
        .map(|(_, y)| y.id)
        .collect();
    assert_eq!(copied, [admin], "only the admin was copied");
    assert!(
        (before.on_premises.iter().zip(&after.on_premises)).all(|(x, y)| Shared::same(x, y)),
        "no on-prem object was copied"
    );
    assert_eq!(
        before
            .cloud
            .iter()
            .find(|c| c.id == admin)
            .unwrap()
            .directory_roles,
        ["Global Administrator"],
        "the write did not reach the state before"
    );
    w.apply_next();
    w.back();
    w.back();
    assert_eq!(w.states.len(), 1);
    assert_eq!(*w.current(), b, "back to the starting state");
}

/// A step's plans are re-planned from a recorded plan (the explorer's, or the walkthrough's
/// own after a sync) rather than made in full: the outcome each step reports is the full plan's
/// of its state, for every walkthrough that fits, steps taken or skipped.
#[test]
fn each_step_reports_the_full_plans_outcome_of_its_state() {
    use syncscope::config::Item;
    use syncscope::plan::plan;
    use syncscope::session::Session;
    use syncscope::settings::Setting;
    use syncscope::walkthrough::describe_outcome;
    let tenants = [
        ("sample", sample()),
        ("hostile", util::hostile()),
        ("generated", syncscope::generate::generate(600, 3)),
    ];
    let mut steps = 0;
    for ((name, b), flip) in tenants
        .into_iter()
        .flat_map(|t| [(t.clone(), false), (t, true)])
    {
        let mut session = Session::open_for_what_if(b.clone(), &[]);
        if flip {
            // A what-if flip first: the walkthrough starts from the re-planned what-if plan's
            // recorded base, under other settings than its own.
            session.flip(Item::Setting(Setting::SoftMatchOnUpn));
            session.replan();
        }
        for (i, o) in b.on_premises.iter().enumerate().take(80) {
            for (k, (kind, target)) in suggest(&b, i).into_iter().enumerate() {
                let Ok(mut w) = session.start_walkthrough(kind, i, target, None) else {
                    continue;
                };
                let mut taken = 0;
                while !w.done() {
                    if (taken + k + i) % 5 == 4 {
                        w.skip_next();
                    } else {
                        w.apply_next();
                    }
                    let state = w.current();
                    let at = (state.on_premises.iter())
                        .position(|x| x.object_guid == o.object_guid)
                        .expect("the subject stays");
                    let full = plan(state);
                    let r = w.results.last().expect("a step");
                    assert_eq!(
                        r.next_outcome,
                        describe_outcome(state, &full.outcomes[at]),
                        "{name} (flipped: {flip}): {} for {}, step {taken}",
                        kind.id(),
                        o.label()
                    );
                    taken += 1;
                    steps += 1;
                }
            }
        }
    }
    assert!(steps > 50, "only {steps} steps taken");
}
