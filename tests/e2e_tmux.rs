//! End to end: the real binary in a real pseudo-terminal (tmux): start, see both panes, search,
//! open the help, resize to 40x12 and back, quit with status 0.

#[path = "support/graph.rs"]
mod graph;
#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;
use std::time::Duration;
use tmux::{Tmux, line_with};

#[test]
#[cfg_attr(
    not(has_tmux),
    ignore = "tmux not installed (apt-get install tmux; .ci/run installs it)"
)]
fn explorer_in_a_real_terminal() {
    assert!(
        Command::new("tmux").arg("-V").output().is_ok(),
        "tmux was found when the tests were built but cannot be started now"
    );
    let bin = env!("CARGO_BIN_EXE_syncscope");
    let t = Tmux::new("e2e");
    let cmd = format!("{bin}; echo EXIT=$?; sleep 60");
    // Files the explorer writes (the W1 script) land in a temporary working directory.
    let workdir = tempfile::tempdir().unwrap();
    t.start(Some(workdir.path()), &[], &cmd);

    // Start: header, both panes, details.
    let screen = t.wait_for("Entra ID · 65 of 65");
    assert!(screen.contains("On-premises AD · 72 of 72"), "{screen}");
    assert!(screen.contains("26 linked"), "{screen}");
    assert!(screen.contains("ExistingAdminRoleConflict"), "{screen}");

    // Navigate, then search by a typo'd name: the lists narrow to the matches, the best one
    // and its counterpart selected.
    t.keys(&["j", "j", "Tab", "Tab", "Tab"]);
    t.keys(&["/"]);
    t.type_text("hanah schmid");
    let screen = t.wait_for("matching \"hanah schmid\"");
    assert!(
        line_with(
            &screen,
            &[
                "▶ H hard",
                "Hannah Schmidt",
                "◆ » takeover",
                "Hannah Schmidt ("
            ]
        ),
        "{screen}"
    );
    t.keys(&["Enter"]);
    t.wait_for("n / N jump");
    // Esc clears the search filter: everything again, Hannah still selected.
    t.keys(&["Escape"]);
    let screen = t.wait_for("On-premises AD · 72 of 72");
    assert!(
        line_with(&screen, &["▶ H hard", "Hannah Schmidt"]),
        "{screen}"
    );

    // Quick filter: errors only.
    t.keys(&["2"]);
    let screen = t.wait_for("filter: errors");
    assert!(screen.contains("On-premises AD · 10 of 72"), "{screen}");
    t.keys(&["0"]);
    t.wait_for("On-premises AD · 72 of 72");

    // Provisioning errors, filtered by -PropertyName as the cmdlet would.
    t.keys(&["e"]);
    let screen = t.wait_for("10 of 10 errors");
    assert!(
        line_with(
            &screen,
            &[
                "Alice Ng",
                "UserPrincipalName",
                "alice@contoso.com",
                "next sync"
            ]
        ),
        "{screen}"
    );
    t.keys(&["p"]);
    let screen = t.wait_for("4 of 4 errors");
    assert!(screen.contains("Get-MsolDirSyncProvisioningError -ErrorCategory PropertyConflict -PropertyName UserPrincipalName"), "{screen}");
    assert!(
        !line_with(&screen, &["ProxyAddresses", "next sync"]),
        "{screen}"
    );

    // What-if: flip BlockSoftMatch; the soft matches become new objects.
    t.keys(&["w"]);
    t.wait_for("blockSoftMatchEnabled");
    t.keys(&["Space"]);
    let screen = t.wait_for("14 object(s) change");
    assert!(
        screen.contains("soft-match-upn  →  provision (UPN quarantined)"),
        "{screen}"
    );
    t.keys(&["x"]);
    let screen = t.wait_for("WHAT-IF: 1 setting(s) changed");
    assert!(screen.contains("S 0 smtp  U 0 upn  + 27 new"), "{screen}");
    t.keys(&["w", "r", "x"]);
    t.wait_for("S 6 smtp  U 3 upn  + 15 new");

    // W1 on the admin conflict, to the end, and the script for the real tenant.
    t.keys(&["3"]);
    t.wait_for("filter: admin-role conflicts");
    t.keys(&["g", "W"]);
    t.wait_for("W1 admin-role workaround  Alice Ng");
    for step in 1..=4 {
        t.keys(&["Enter"]);
        t.wait_for(&format!("✓ done    {step}."));
    }
    let screen = t.wait_for("next sync: linked → alice@contoso.com");
    assert!(screen.contains("All steps taken"), "{screen}");
    t.keys(&["o"]);
    t.wait_for("write the script to syncscope-W1-alice.ps1");
    t.keys(&["Enter"]);
    t.wait_for("wrote the remediation script to syncscope-W1-alice.ps1");
    let script = std::fs::read_to_string(workdir.path().join("syncscope-W1-alice.ps1")).unwrap();
    assert!(
        script.contains("Remove-MgDirectoryRoleMemberByRef"),
        "{script}"
    );
    assert!(
        script.contains("New-MgDirectoryRoleMemberByRef"),
        "{script}"
    );
    // Writing again asks before overwriting; n keeps the file.
    t.keys(&["o", "Enter"]);
    t.wait_for("exists. Overwrite it?");
    t.keys(&["n"]);
    t.wait_for("kept the existing syncscope-W1-alice.ps1");
    t.keys(&["x", "0"]);
    t.wait_for("On-premises AD · 72 of 72");

    // Readiness (c): the check runs in the background, the findings with their outcomes.
    t.keys(&["c"]);
    let screen = t.wait_for("24 finding(s): 15 error(s), 9 warning(s)");
    assert!(
        line_with(&screen, &["C8", "warning", "Ravi Patel", "provision"]),
        "{screen}"
    );
    assert!(screen.contains("sync will provision"), "{screen}");
    // Errors only, by rule: the first is C20 (an invalid proxyAddresses prefix).
    t.keys(&["v"]);
    let screen = t.wait_for("15 finding(s) shown · severity error");
    assert!(line_with(&screen, &["▶ C20", "Bob Martin"]), "{screen}");
    // The bulk script for every finding of the rule; then Enter shows the object.
    t.keys(&["O"]);
    t.wait_for("write the fix script for the whole rule to syncscope-fix-C20.ps1");
    t.keys(&["Enter"]);
    t.wait_for("wrote the bulk fix script to syncscope-fix-C20.ps1");
    let script = std::fs::read_to_string(workdir.path().join("syncscope-fix-C20.ps1")).unwrap();
    assert!(script.contains("Bob Martin"), "{script}");
    t.keys(&["Enter"]);
    let screen = t.wait_for("On-premises AD · 72 of 72");
    assert!(line_with(&screen, &["▶", "Bob Martin"]), "{screen}");

    // Help, generated from the keymap.
    t.keys(&["?"]);
    let screen = t.wait_for("Keys · ? or Esc closes");
    assert!(screen.contains("narrow both lists"), "{screen}");
    t.keys(&["Escape"]);

    // Resize below the minimum and back.
    t.run(&["resize-window", "-t", "e2e", "-x", "40", "-y", "12"]);
    t.wait_for("Terminal too small");
    t.run(&["resize-window", "-t", "e2e", "-x", "100", "-y", "30"]);
    t.wait_for("On-premises AD · 72 of 72");

    // Esc never quits; q quits at once (the script is written, the what-if reset).
    t.keys(&["Escape", "Escape"]);
    t.wait_for("On-premises AD · 72 of 72");
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
}

/// Issue 13 end to end: a folder collected from the local Graph replay server, opened in the
/// real binary; the tenant changes, `R` hands the terminal to the collection (its line shows on
/// the main screen), the explorer comes back with what changed. Then a collection stopped with
/// Ctrl-C: the message, the folder as it was, the explorer still on the old snapshot.
#[test]
#[cfg_attr(
    not(has_tmux),
    ignore = "tmux not installed (apt-get install tmux; .ci/run installs it)"
)]
fn recollect_in_a_real_terminal() {
    const SECRET_ENV: &str = "SYNCSCOPE_E2E_RECOLLECT_SECRET";
    let tmp = tempfile::tempdir().unwrap();
    let tenant = graph::exports_copy(tmp.path());
    let server = graph::start(graph::Behaviour {
        exports: Some(tenant.clone()),
        ..Default::default()
    });
    let folder = tmp.path().join("snap");
    graph::collect_folder(&server, &folder, SECRET_ENV);

    let bin = env!("CARGO_BIN_EXE_syncscope");
    let t = Tmux::new("recollect");
    // The shell survives the Ctrl-C meant for the collection (its own trap), so EXIT shows.
    let cmd = format!(
        "trap : INT; {bin} {}; echo EXIT=$?; sleep 60",
        folder.display()
    );
    t.start(None, &[format!("{SECRET_ENV}={}", graph::SECRET)], &cmd);
    t.wait_for("On-premises AD · 72 of 72");
    let first = t.wait_for("U 3 upn");
    assert!(first.contains("+ 15 new"), "{first}");

    // The tenant loses a soft-matched user; R collects again and shows the change.
    graph::remove_cloud_user(&tenant, "nadia.haddad@contoso.com");
    t.keys(&["R"]);
    let screen = t.wait_for("What changed since the last collection");
    assert!(
        line_with(
            &screen,
            &["Δ", "Nadia Haddad", "soft-match-upn", "provision"]
        ),
        "{screen}"
    );
    assert!(screen.contains("U 2 upn Δ-1"), "{screen}");
    assert!(
        screen.contains("1  soft-match-upn  →  provision"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_for("On-premises AD · 72 of 72");
    assert!(line_with(&screen, &["▶", "Nadia Haddad"]), "{screen}");

    // A slow tenant and Ctrl-C while it is read: the folder and the snapshot stay.
    let slow = graph::start(graph::Behaviour {
        exports: Some(tenant.clone()),
        slow: Some(Duration::from_millis(300)),
        ..Default::default()
    });
    let record = folder.join("collected.json");
    let text = std::fs::read_to_string(&record)
        .unwrap()
        .replace(&server.base, &slow.base);
    std::fs::write(&record, &text).unwrap();
    graph::remove_cloud_user(&tenant, "fang.wang@contoso.com");
    t.keys(&["R"]);
    // The collection has the terminal: its line on the main screen, not the explorer.
    let screen = t.wait_for("again from the sources in its collected.json");
    assert!(!screen.contains("On-premises AD ·"), "{screen}");
    t.keys(&["C-c"]);
    let screen = t.wait_for("collection stopped");
    assert!(screen.contains("interrupted"), "{screen}");
    assert!(
        screen.contains("U 2 upn"),
        "still the snapshot it had:\n{screen}"
    );
    assert_eq!(std::fs::read_to_string(&record).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "no temporary folder left (tenant/ and snap/ only)"
    );
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
}

/// `--cache` in a real terminal: the first run loads the sample and writes its cache after the
/// first frame (the hint bar says so); the second run opens from it and quits with status 0.
#[test]
#[cfg_attr(
    not(has_tmux),
    ignore = "tmux not installed (apt-get install tmux; .ci/run installs it)"
)]
fn the_cache_in_a_real_terminal() {
    let bin = env!("CARGO_BIN_EXE_syncscope");
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("contoso.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json"),
        &snapshot,
    )
    .unwrap();
    for (run, expect) in [
        ("first", "cache written (0 MiB)"),
        ("second", "read from the cache in"),
    ] {
        let t = Tmux::new(&format!("cache-{run}"));
        let cmd = format!("{bin} contoso.json --cache; echo EXIT=$?; sleep 60");
        t.start(Some(dir.path()), &[], &cmd);
        let screen = t.wait_for(expect);
        assert!(screen.contains("Entra ID · 65 of 65"), "{run}: {screen}");
        t.keys(&["q"]);
        t.wait_for("EXIT=0");
    }
    assert!(dir.path().join("contoso.json.syncscope-cache").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("syncscope-partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
