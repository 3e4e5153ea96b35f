//! The explorer: state updates, rendering snapshots on ratatui's TestBackend, NO_COLOR,
//! hostile attribute values and wide characters.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use syncscope::bundle::parse_bundle;
use syncscope::model::Bundle;
use syncscope::outcome::SyncResult;
use syncscope::tui::action::Action;
use syncscope::tui::state::{Filter, Mode, Pane, State};
use syncscope::tui::theme::Theme;
use syncscope::tui::update::{osc52, update};
use syncscope::tui::view::draw;

fn sample() -> Bundle {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
}

fn state(b: Bundle, w: u16, h: u16, color: bool) -> State {
    State::new(
        "sample-data/contoso.json".into(),
        b,
        Theme { color },
        Rect::new(0, 0, w, h),
    )
}

fn render(s: &State) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(s.size.width, s.size.height)).unwrap();
    t.draw(|f| draw(f, s)).unwrap();
    t.backend().buffer().clone()
}

/// The screen as text; the cell after a double-width character is its continuation, not a space.
fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            out.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

fn name_of_selected(s: &State) -> String {
    let o = s.selected_outcome().unwrap();
    s.bundle.on_premises[o as usize].name().to_string()
}

fn search(s: &mut State, q: &str) {
    update(s, Action::StartSearch);
    for c in q.chars() {
        update(s, Action::SearchInput(c));
    }
    update(s, Action::SearchAccept);
}

#[test]
fn selecting_an_on_prem_object_selects_its_cloud_counterpart_and_back() {
    let mut s = state(sample(), 120, 40, true);
    search(&mut s, "Hannah Schmidt");
    assert_eq!(name_of_selected(&s), "Hannah Schmidt");
    let out = &s.plan.outcomes[s.selected_outcome().unwrap() as usize];
    assert_eq!(out.result, SyncResult::HardMatch);
    assert_eq!(
        s.selected_cloud(),
        out.cloud,
        "the matched cloud object is selected"
    );

    // From the cloud side: a linked cloud object selects its on-prem source.
    update(&mut s, Action::NextPane);
    assert_eq!(s.focus, Pane::Cloud);
    update(&mut s, Action::MoveDown);
    let c = s.selected_cloud().unwrap();
    let o = s.selected_outcome().unwrap();
    assert!(s.cloud_refs[c as usize].contains(&o) || s.cloud_refs[c as usize].is_empty());
}

#[test]
fn filters_narrow_both_panes_and_back_clears_them() {
    let mut s = state(sample(), 120, 40, true);
    update(&mut s, Action::SetFilter(Filter::Errors));
    assert!(!s.on_prem_rows.is_empty());
    for o in &s.on_prem_rows {
        assert_eq!(s.plan.outcomes[*o as usize].result, SyncResult::Error);
    }
    assert!(s.cloud_rows.len() < s.bundle.cloud.len());
    update(&mut s, Action::SetFilter(Filter::AdminConflicts));
    let names: Vec<String> = s
        .on_prem_rows
        .iter()
        .map(|o| s.bundle.on_premises[*o as usize].name().to_string())
        .collect();
    assert!(names.contains(&"Alice Ng".to_string()), "{names:?}");
    assert!(
        names.contains(&"Oliver Grant".to_string()),
        "hardening role block too: {names:?}"
    );
    update(&mut s, Action::Back);
    assert_eq!(s.filter, Filter::All);
    assert!(!s.quit);
    update(&mut s, Action::Back);
    assert!(s.quit, "Back at the top level quits");
}

#[test]
fn search_finds_by_name_upn_address_and_anchor_and_esc_restores() {
    let mut s = state(sample(), 120, 40, true);
    update(&mut s, Action::MoveDown);
    update(&mut s, Action::MoveDown);
    let before = name_of_selected(&s);
    update(&mut s, Action::StartSearch);
    for c in "taro.yamada".chars() {
        update(&mut s, Action::SearchInput(c));
    }
    assert_eq!(name_of_selected(&s), "山田 太郎");
    update(&mut s, Action::SearchCancel);
    assert_eq!(name_of_selected(&s), before);
    assert_eq!(s.mode, Mode::Normal);

    // By ImmutableID text, which people paste from portals.
    let alice = s.plan.outcomes[0].source_anchor.clone();
    search(&mut s, &alice);
    assert_eq!(name_of_selected(&s), "Alice Ng");
    // n / N cycle through the matches.
    search(&mut s, "john smith");
    let first = s.selected_outcome();
    update(&mut s, Action::NextMatch);
    assert_ne!(s.selected_outcome(), first);
}

#[test]
fn paging_clamps_and_keeps_the_selection_visible() {
    let mut s = state(sample(), 80, 24, true);
    update(&mut s, Action::Bottom);
    assert_eq!(s.on_prem.selected, s.on_prem_rows.len() - 1);
    let page = s.page(Pane::OnPrem);
    assert!(s.on_prem.offset + page > s.on_prem.selected);
    update(&mut s, Action::PageDown);
    assert_eq!(s.on_prem.selected, s.on_prem_rows.len() - 1);
    update(&mut s, Action::Top);
    assert_eq!((s.on_prem.selected, s.on_prem.offset), (0, 0));
    // Resizing smaller keeps the selection on screen.
    update(&mut s, Action::Bottom);
    update(&mut s, Action::Resize(120, 40));
    update(&mut s, Action::Resize(80, 24));
    let page = s.page(Pane::OnPrem);
    assert!((s.on_prem.offset..s.on_prem.offset + page).contains(&s.on_prem.selected));
}

#[test]
fn click_selects_the_row_under_the_mouse_and_copy_requests_osc52() {
    let mut s = state(sample(), 120, 40, true);
    let a = s.areas();
    // Third visible row of the cloud pane: border + header + 2.
    update(
        &mut s,
        Action::Click {
            column: a.cloud.x + 5,
            row: a.cloud.y + 4,
        },
    );
    assert_eq!(s.focus, Pane::Cloud);
    assert_eq!(s.cloud.selected, 2);
    update(&mut s, Action::Copy);
    let id = s.bundle.cloud[s.selected_cloud().unwrap() as usize]
        .id
        .to_string();
    assert_eq!(s.clipboard.as_deref(), Some(id.as_str()));
    assert_eq!(osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
}

#[test]
fn renders_at_80x24_and_120x40() {
    let mut s = state(sample(), 80, 24, true);
    insta::assert_snapshot!("explorer_80x24", text(&render(&s)));
    update(&mut s, Action::Resize(120, 40));
    search(&mut s, "Alice Ng");
    update(&mut s, Action::ToggleDetail);
    insta::assert_snapshot!("explorer_120x40_admin_conflict", text(&render(&s)));
}

#[test]
fn too_small_terminal_gets_a_message_not_a_panic() {
    for (w, h) in [(40, 12), (1, 1), (59, 30), (200, 3)] {
        let s = state(sample(), w, h, true);
        let t = text(&render(&s));
        assert!(t.contains("too small") || h < 2, "{w}x{h}:\n{t}");
    }
}

#[test]
fn help_is_generated_from_the_keymap() {
    use syncscope::tui::keymap::help_rows;
    use syncscope::tui::state::{Context, View};
    let mut s = state(sample(), 120, 40, true);
    for (view, contexts) in [
        (View::Errors, [Context::Errors, Context::Edit]),
        (View::WhatIf, [Context::WhatIf, Context::Help]),
        (View::Explorer, [Context::Explorer, Context::Search]),
    ] {
        update(&mut s, Action::SwitchView(view));
        update(&mut s, Action::ToggleHelp);
        let t = text(&render(&s));
        for ctx in contexts {
            for (_, help) in help_rows(ctx).iter().take(3) {
                let start: String = help.chars().take(24).collect();
                assert!(t.contains(&start), "{view:?} help misses {help:?}:\n{t}");
            }
        }
        update(&mut s, Action::ToggleHelp);
    }
    update(&mut s, Action::ToggleHelp);
    let t = text(&render(&s));
    insta::assert_snapshot!("help_120x40", t);
}

#[test]
fn no_color_keeps_highlight_by_modifiers_only() {
    let s = state(sample(), 120, 40, false);
    let buf = render(&s);
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            Color::Reset,
            "colour under NO_COLOR at {:?}",
            cell.symbol()
        );
        assert_eq!(cell.bg, Color::Reset);
    }
    let a = s.areas();
    // The selected row (first data row) is reversed.
    let y = a.on_prem.y + 2;
    let reversed = (a.on_prem.x + 1..a.on_prem.x + 20)
        .filter(|x| buf[(*x, y)].modifier.contains(Modifier::REVERSED))
        .count();
    assert!(
        reversed > 10,
        "selected row must stay visible under NO_COLOR"
    );
    insta::assert_snapshot!("explorer_120x40_no_color", text(&buf));
}

fn hostile_bundle() -> Bundle {
    let text = r#"{
      "tenant": {"initialDomain": "contoso.onmicrosoft.com",
                 "domains": [{"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}]},
      "onPremises": [
        {"objectClass": "user", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab",
         "distinguishedName": "CN=Eve,DC=contoso,DC=com", "userPrincipalName": "eve@contoso.com",
         "displayName": "Eve\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\r\nPWNED\u009b31m\u202e",
         "proxyAddresses": ["SMTP:eve@contoso.com\u001b[31m"]},
        {"objectClass": "user", "objectGUID": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
         "distinguishedName": "CN=Yamada,DC=contoso,DC=com", "userPrincipalName": "taro@contoso.com",
         "displayName": "山田 太郎 Ｔａｒｏ e\u0301\u0301"}
      ],
      "cloud": [
        {"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "objectType": "user",
         "displayName": "\u001b]0;owned\u0007Mallory", "userPrincipalName": "eve@contoso.com"}
      ]}"#;
    parse_bundle("hostile.json", text.as_bytes()).unwrap()
}

#[test]
fn hostile_values_never_reach_the_terminal_raw_and_wide_text_lays_out() {
    let mut s = state(hostile_bundle(), 120, 40, true);
    for _ in 0..2 {
        let buf = render(&s);
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "raw control character reached the screen: {:?}",
                cell.symbol()
            );
        }
        let t = text(&buf);
        assert!(
            t.contains("Eve\\e[2J\\e]52;c;"),
            "escape shown escaped:\n{t}"
        );
        update(&mut s, Action::MoveDown);
    }
    let t = text(&render(&s));
    assert!(t.contains("山田 太郎"), "{t}");
    insta::assert_snapshot!("hostile_and_cjk_120x40", t);
    // The backend's own output (what a terminal would receive) has no raw ESC from values.
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| draw(f, &s)).unwrap();
    assert!(!format!("{}", term.backend()).contains('\u{1b}'));
}

#[test]
fn errors_view_queries_like_the_cmdlet_and_enter_shows_the_object() {
    use syncscope::tui::errors::Field;
    use syncscope::tui::state::View;
    let mut s = state(sample(), 120, 40, true);
    update(&mut s, Action::SwitchView(View::Errors));
    assert_eq!(s.errors.hits.len(), 10);
    let new = s
        .errors
        .lines
        .iter()
        .filter(|l| l.row.new_in_next_sync)
        .count();
    assert_eq!(
        new, 8,
        "two errors are in the snapshot, eight come with the next sync"
    );

    // -PropertyValue is refused without -PropertyName, with the reason.
    update(&mut s, Action::EditField(Field::PropertyValue));
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.status.as_deref().unwrap().contains("needs -PropertyName"));

    update(&mut s, Action::CyclePropertyName);
    update(&mut s, Action::EditField(Field::PropertyValue));
    assert_eq!(s.mode, Mode::Edit);
    for c in "alice@contoso.com".chars() {
        update(&mut s, Action::EditInput(c));
    }
    update(&mut s, Action::EditAccept);
    assert_eq!(s.errors.hits.len(), 1);
    assert!(
        s.errors
            .query
            .cmdlet_line()
            .ends_with("-PropertyName UserPrincipalName -PropertyValue 'alice@contoso.com'")
    );
    insta::assert_snapshot!("errors_view_120x40", text(&render(&s)));

    // Case-sensitive, as the cmdlet: ALICE@ finds nothing.
    update(&mut s, Action::EditField(Field::PropertyValue));
    for _ in 0.."alice@contoso.com".len() {
        update(&mut s, Action::EditBackspace);
    }
    for c in "ALICE@contoso.com".chars() {
        update(&mut s, Action::EditInput(c));
    }
    update(&mut s, Action::EditAccept);
    assert!(s.errors.hits.is_empty());
    update(&mut s, Action::CyclePropertyName);
    update(&mut s, Action::CyclePropertyName);
    assert_eq!(
        s.errors.query.property_value, None,
        "no PropertyValue without PropertyName"
    );

    // Enter on Alice's new error: the explorer with the on-prem Alice selected.
    let alice = s
        .errors
        .hits
        .iter()
        .position(|i| s.errors.lines[*i as usize].row.display_name == "Alice Ng")
        .unwrap();
    s.errors.cursor.selected = alice;
    update(&mut s, Action::Activate);
    assert_eq!(s.view, View::Explorer);
    assert_eq!(name_of_selected(&s), "Alice Ng");
}

#[test]
fn what_if_flips_replan_without_touching_the_snapshot_and_reset_returns() {
    use syncscope::settings::Setting;
    use syncscope::tui::state::View;
    use syncscope::tui::whatif::{Item, items};
    let mut s = state(sample(), 120, 40, true);
    let snapshot = s.bundle.clone();
    update(&mut s, Action::SwitchView(View::WhatIf));
    let pos = |s: &State, item: Item| {
        items(&s.bundle.connect)
            .iter()
            .position(|i| *i == item)
            .unwrap()
    };
    s.whatif.selected = pos(&s, Item::Setting(Setting::SoftMatchOnUpn));
    update(&mut s, Action::Flip);
    assert_eq!(
        s.bundle, snapshot,
        "a flip never alters the loaded snapshot"
    );
    assert_eq!(s.diff.count(), 3);
    assert_eq!(
        s.diff.transitions,
        vec![(
            "soft-match-upn".to_string(),
            "provision (UPN quarantined)".to_string(),
            3
        )]
    );
    assert!(
        !s.status.as_deref().unwrap().contains("X3"),
        "turning it off needs no X3 warning"
    );
    insta::assert_snapshot!("whatif_120x40", text(&render(&s)));

    // Pin A, flip BlockSoftMatch as B: the diff is against A.
    update(&mut s, Action::TogglePin);
    s.whatif.selected = pos(&s, Item::Setting(Setting::BlockSoftMatch));
    update(&mut s, Action::Flip);
    assert!(
        s.diff
            .transitions
            .iter()
            .all(|(from, _, _)| !from.starts_with("soft-match-upn"))
    );
    assert_eq!(
        s.diff.count(),
        11,
        "6 SMTP matches, 2 admin conflicts, 1 type mismatch, 2 M6 anchor conflicts (r2)"
    );

    // The explorer marks and filters what changed.
    update(&mut s, Action::ShowChanged);
    assert_eq!(s.view, View::Explorer);
    assert_eq!(s.on_prem_rows.len(), 11);

    update(&mut s, Action::SwitchView(View::WhatIf));
    update(&mut s, Action::ResetWhatIf);
    assert_eq!(s.config.settings, snapshot.settings);
    assert_eq!(s.diff.count(), 0);
    assert_eq!(s.plan.counts(), s.baseline.counts());

    // Scope: dropping the only included OU puts everything out of scope, and the deletions
    // of linked objects exceed nothing here (threshold 500) but are counted.
    s.whatif.selected = pos(&s, Item::IncludedOu(0));
    update(&mut s, Action::Flip);
    let out = s
        .plan
        .counts()
        .iter()
        .find(|(r, _)| *r == SyncResult::OutOfScope)
        .unwrap()
        .1;
    assert_eq!(out, s.bundle.on_premises.len());
}

#[test]
fn walkthrough_view_applies_undoes_and_asks_before_overwriting() {
    use syncscope::tui::errors::Field;
    use syncscope::tui::state::View;
    let mut s = state(sample(), 120, 40, true);
    search(&mut s, "Alice Ng");
    update(&mut s, Action::StartWalkthrough);
    assert_eq!(s.view, View::Walkthrough);
    let steps = s.walk.as_ref().unwrap().steps.len();
    for _ in 0..steps {
        update(&mut s, Action::WalkApply);
    }
    assert!(s.walk.as_ref().unwrap().done());
    insta::assert_snapshot!("walkthrough_w1_done_120x40", text(&render(&s)));
    update(&mut s, Action::WalkBack);
    assert_eq!(s.walk.as_ref().unwrap().results.len(), steps - 1);
    update(&mut s, Action::WalkApply);

    // The script request carries the script; the runner writes it.
    update(&mut s, Action::EditField(Field::ScriptPath));
    assert_eq!(s.mode, Mode::Edit);
    update(&mut s, Action::EditAccept);
    let req = s.write.take().unwrap();
    assert_eq!(req.path, "syncscope-W1-alice.ps1");
    assert!(!req.overwrite);
    assert!(req.contents.contains("Remove-MgDirectoryRoleMemberByRef"));
    // Told the file exists, the state asks; yes re-requests with overwrite, no drops it.
    s.confirm = Some(req.clone());
    s.mode = Mode::Confirm;
    assert!(text(&render(&s)).contains("syncscope-W1-alice.ps1 exists. Overwrite it?"));
    update(&mut s, Action::ConfirmYes);
    assert!(s.write.as_ref().unwrap().overwrite);
    s.write = None;
    s.confirm = Some(req);
    s.mode = Mode::Confirm;
    update(&mut s, Action::ConfirmNo);
    assert!(s.write.is_none() && s.confirm.is_none());

    // The scenario names the snapshot so it replays.
    update(&mut s, Action::EditField(Field::ScenarioPath));
    update(&mut s, Action::EditAccept);
    let req = s.write.take().unwrap();
    let v: serde_json::Value = serde_json::from_str(&req.contents).unwrap();
    assert_eq!(v["snapshot"], "sample-data/contoso.json");
    assert_eq!(v["steps"][0]["action"], "removeRole");
}

#[test]
fn bulk_hard_match_view_lists_every_row_and_scripts_the_ready_ones() {
    use syncscope::tui::errors::Field;
    use syncscope::tui::state::View;
    let mut s = state(sample(), 120, 40, true);
    update(&mut s, Action::EditField(Field::CsvPath));
    assert_eq!(s.mode, Mode::Edit);
    update(&mut s, Action::EditAccept);
    assert_eq!(
        s.read_csv.take().as_deref(),
        Some("hardmatch.csv"),
        "the runner reads the file"
    );
    // What the runner does with the file it read:
    let csv = "SamAccountName,CloudUPN\r\nijohansson,jordan.lee@contoso.com\r\nnpetersen,nils.petersen@fabrikam.com\r\nnobody,x@contoso.com\r\n";
    let rows = syncscope::hardmatch::read_csv("hardmatch.csv", csv.as_bytes()).unwrap();
    s.bulk = Some((
        "hardmatch.csv".into(),
        syncscope::hardmatch::check(&s.bundle, rows),
    ));
    update(&mut s, Action::BulkLoaded);
    assert_eq!(s.view, View::Bulk);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("1 row(s) ready, 2 need attention")
    );
    update(&mut s, Action::MoveDown);
    let t = text(&render(&s));
    assert!(
        t.contains("line 3: npetersen → nils.petersen@fabrikam.com"),
        "{t}"
    );
    assert!(t.contains("setting an ImmutableID fails (X1)"), "{t}");
    insta::assert_snapshot!("bulk_hardmatch_120x40", t);
    update(&mut s, Action::EditField(Field::BulkScriptPath));
    update(&mut s, Action::EditAccept);
    let req = s.write.take().unwrap();
    assert_eq!(req.contents.matches("Update-MgUser").count(), 1);
}

#[test]
fn search_on_a_large_tenant_runs_in_chunks_between_keystrokes() {
    // 30,000 extra on-prem users: more than one chunk.
    let mut b = sample();
    let template = b.on_premises[1].clone();
    for i in 0..30_000u128 {
        let mut o = template.clone();
        o.object_guid = uuid::Uuid::from_u128(0x1000_0000 + i);
        o.display_name = Some(format!("Synthetic User {i}"));
        o.user_principal_name = Some(format!("synthetic{i}@contoso.com"));
        o.proxy_addresses = vec![format!("SMTP:synthetic{i}@contoso.com")];
        o.consistency_guid = None;
        o.distinguished_name = format!("CN=Synthetic User {i},OU=Staff,OU=Corp,DC=contoso,DC=com");
        b.on_premises.push(o);
    }
    let mut s = state(b, 120, 40, true);
    update(&mut s, Action::StartSearch);
    for c in "Synthetic User 29999".chars() {
        update(&mut s, Action::SearchInput(c));
        assert!(
            s.search.scanned.is_some(),
            "one keystroke matches one chunk, then yields"
        );
    }
    let mut ticks = 0;
    while s.search.scanned.is_some() {
        update(&mut s, Action::SearchTick);
        ticks += 1;
    }
    assert!(ticks >= 1);
    assert_eq!(name_of_selected(&s), "Synthetic User 29999");
    // Once a search completed, a longer query rescans only its matches — with the same result
    // as scanning everything.
    update(&mut s, Action::SearchCancel);
    update(&mut s, Action::StartSearch);
    for c in "Synthetic User 2999".chars() {
        update(&mut s, Action::SearchInput(c));
    }
    while s.search.scanned.is_some() {
        update(&mut s, Action::SearchTick);
    }
    let wide = s.search.hits.len();
    update(&mut s, Action::SearchInput('8'));
    assert!(s.search.narrowing.is_some() || s.search.scanned.is_none());
    while s.search.scanned.is_some() {
        update(&mut s, Action::SearchTick);
    }
    let narrowed: Vec<_> = s.search.hits.iter().map(|h| (h.pane, h.index)).collect();
    assert!(narrowed.len() <= wide);
    assert_eq!(name_of_selected(&s), "Synthetic User 29998");
    update(&mut s, Action::SearchCancel);
    update(&mut s, Action::StartSearch);
    for c in "Synthetic User 29998".chars() {
        update(&mut s, Action::SearchInput(c));
    }
    while s.search.scanned.is_some() {
        update(&mut s, Action::SearchTick);
    }
    let full: Vec<_> = s.search.hits.iter().map(|h| (h.pane, h.index)).collect();
    assert_eq!(
        narrowed, full,
        "narrowing finds exactly what a full scan finds"
    );
    // A keystroke mid-search restarts it for the new query.
    update(&mut s, Action::SearchBackspace);
    assert_eq!(
        s.search.scanned,
        Some(syncscope::tui::update::SEARCH_CHUNK),
        "a shorter query scans everything again"
    );
}
