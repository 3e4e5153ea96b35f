//! The explorer: the whole app loop (`runner::run_app`) on ratatui's TestBackend, driven by
//! scripted keys; snapshots of every view at 80×24 and 120×40; NO_COLOR; hostile values; the
//! regressions of issue 12 (bulk highlight vs detail box, the anchor label after a what-if).

#[path = "support/graph.rs"]
mod graph;
mod util;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use syncscope::model::Bundle;
use syncscope::outcome::SyncResult;
use syncscope::session::Session;
use syncscope::tui::action::Action;
use syncscope::tui::app::App;
use syncscope::tui::jobs::Jobs;
use syncscope::tui::runner::{self, Done, Host};
use syncscope::tui::theme::Theme;
use syncscope::tui::views::View;
use syncscope::tui::views::explorer::{Filter, Pane};
use util::sample;

/// One step of a script.
#[derive(Clone, Copy, Debug)]
enum Step {
    Key(KeyCode, KeyModifiers),
    /// Wait until no background job (nor search) is running.
    Idle,
    Resize(u16, u16),
}

fn key(c: char) -> Step {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Step::Key(KeyCode::Char(c), mods)
}

fn code(c: KeyCode) -> Step {
    Step::Key(c, KeyModifiers::NONE)
}

fn text(t: &str) -> Vec<Step> {
    t.chars().map(key).collect()
}

/// A terminal that replays a script; when it ends (and nothing runs) it presses Ctrl-C.
/// It records what the app put on the clipboard and how long each key waited for the next
/// frame's input poll (the key's latency).
struct Script {
    steps: VecDeque<Step>,
    /// The script ran out and pressed Ctrl-C (the app did not quit by itself).
    ended: bool,
    clipboard: Vec<String>,
    handed: Option<Instant>,
    latencies: Vec<Duration>,
    /// Keys handed out while a background job was running.
    busy_keys: usize,
}

impl Script {
    fn new(steps: Vec<Step>) -> Self {
        Script {
            steps: steps.into(),
            ended: false,
            clipboard: Vec::new(),
            handed: None,
            latencies: Vec::new(),
            busy_keys: 0,
        }
    }
}

impl Host for Script {
    fn next_event(&mut self, timeout: Duration, busy: bool) -> std::io::Result<Option<Event>> {
        // The loop drains queued events without waiting: hand out one key per frame, so each
        // key's latency includes the frame drawn after it.
        if timeout.is_zero() && !busy {
            return Ok(None);
        }
        if let Some(at) = self.handed.take() {
            self.latencies.push(at.elapsed());
        }
        loop {
            match self.steps.front() {
                Some(Step::Idle) if busy => {
                    std::thread::sleep(timeout.max(Duration::from_millis(2)));
                    return Ok(None);
                }
                Some(Step::Idle) => {
                    self.steps.pop_front();
                }
                Some(Step::Key(c, m)) => {
                    let ev = Event::Key(KeyEvent::new(*c, *m));
                    self.steps.pop_front();
                    self.handed = Some(Instant::now());
                    self.busy_keys += usize::from(busy);
                    return Ok(Some(ev));
                }
                Some(Step::Resize(w, h)) => {
                    let ev = Event::Resize(*w, *h);
                    self.steps.pop_front();
                    return Ok(Some(ev));
                }
                None if busy => {
                    std::thread::sleep(timeout.max(Duration::from_millis(2)));
                    return Ok(None);
                }
                None => {
                    self.ended = true;
                    return Ok(Some(Event::Key(KeyEvent::new(
                        KeyCode::Char('c'),
                        KeyModifiers::CONTROL,
                    ))));
                }
            }
        }
    }

    fn clipboard(&mut self, text: &str) -> std::io::Result<()> {
        self.clipboard.push(text.to_string());
        Ok(())
    }

    fn mouse(&mut self, _on: bool) -> std::io::Result<()> {
        Ok(())
    }
}

/// The app under test, its terminal and its job runner.
struct Harness {
    app: App,
    term: Terminal<TestBackend>,
    jobs: Jobs<Done>,
    clipboard: Vec<String>,
}

impl Harness {
    fn new(b: Bundle, w: u16, h: u16, color: bool) -> Self {
        let app = App::new(
            "sample-data/contoso.json".into(),
            Session::open_for_what_if(b, &[]),
            Theme { color },
            Rect::new(0, 0, w, h),
        );
        Harness {
            app,
            term: Terminal::new(TestBackend::new(w, h)).unwrap(),
            jobs: Jobs::new(),
            clipboard: Vec::new(),
        }
    }

    /// The app the runner builds from a loaded snapshot.
    fn from_app(app: App) -> Self {
        let (w, h) = (app.size.width, app.size.height);
        Harness {
            app,
            term: Terminal::new(TestBackend::new(w, h)).unwrap(),
            jobs: Jobs::new(),
            clipboard: Vec::new(),
        }
    }

    /// Runs the real app loop over a script. `app.quit` afterwards says whether the app itself
    /// chose to quit (not the Ctrl-C that ends every script). Returns each key's latency and
    /// how many keys were answered while a background job ran.
    fn drive(&mut self, steps: Vec<Step>) -> (Vec<Duration>, usize) {
        let mut host = Script::new(steps);
        self.app.quit = false;
        runner::run_app(&mut self.app, &mut self.term, &mut host, &mut self.jobs).unwrap();
        if host.ended {
            self.app.quit = false;
        }
        self.clipboard.extend(host.clipboard);
        (host.latencies, host.busy_keys)
    }

    /// Actions straight to the state (no keymap), then the loop until idle.
    fn act(&mut self, actions: &[Action]) {
        for a in actions {
            self.app.handle(*a);
        }
        self.drive(vec![Step::Idle]);
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.term.backend_mut().resize(w, h);
        self.drive(vec![Step::Resize(w, h), Step::Idle]);
    }

    /// The screen as the app draws it now.
    fn screen(&mut self) -> String {
        self.term
            .draw(|f| syncscope::tui::chrome::draw(f, &self.app))
            .unwrap();
        screen_text(self.term.backend().buffer())
    }

    fn buffer(&mut self) -> Buffer {
        self.term
            .draw(|f| syncscope::tui::chrome::draw(f, &self.app))
            .unwrap();
        self.term.backend().buffer().clone()
    }

    fn selected_name(&self) -> String {
        let o = self.app.explorer.selected_outcome().unwrap();
        self.app.session.snapshot.on_premises[o as usize]
            .name()
            .to_string()
    }
}

/// Durations vary from run to run: "0.4 ms" becomes "[t] ms" in snapshots, and the line keeps
/// its width (spaces are added or taken before its closing border or at its end).
fn scrub(t: &str) -> String {
    t.lines()
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            let mut out: Vec<char> = Vec::with_capacity(chars.len());
            let mut i = 0;
            while i < chars.len() {
                if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
                    let mut j = i;
                    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                        j += 1;
                    }
                    if chars[j..].starts_with(&[' ', 'm', 's']) {
                        out.extend("[t]".chars());
                        i = j;
                        continue;
                    }
                }
                out.push(chars[i]);
                i += 1;
            }
            // Back to the original width.
            let border = out.last().is_some_and(|c| "│║█┐┘".contains(*c));
            let at = if border { out.len() - 1 } else { out.len() };
            while out.len() < chars.len() {
                out.insert(at.min(out.len()), ' ');
            }
            while out.len() > chars.len() {
                let end = if border { out.len() - 1 } else { out.len() };
                match out[..end].iter().rposition(|c| *c == ' ') {
                    Some(p) if p + 1 == end || out.get(p + 1) == Some(&' ') => {
                        out.remove(p);
                    }
                    _ => break,
                }
            }
            out.into_iter().collect::<String>()
        })
        .map(|l| l + "\n")
        .collect()
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::assert_snapshot!($name, scrub(&$text))
    };
}

/// The screen as text; the cell after a double-width character is its continuation.
fn screen_text(buf: &Buffer) -> String {
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

fn search(h: &mut Harness, q: &str) {
    let mut steps = vec![key('/')];
    steps.extend(text(q));
    steps.push(Step::Idle);
    steps.push(code(KeyCode::Enter));
    h.drive(steps);
}

#[test]
fn selecting_an_object_selects_its_counterpart_in_the_other_pane_and_back() {
    let mut h = Harness::new(sample(), 120, 40, true);
    search(&mut h, "Hannah Schmidt");
    assert_eq!(h.selected_name(), "Hannah Schmidt");
    let o = h.app.explorer.selected_outcome().unwrap();
    let out = &h.app.session.plan.outcomes[o as usize];
    assert_eq!(out.result, SyncResult::HardMatch);
    assert_eq!(h.app.explorer.selected_cloud(), out.cloud);

    // From the cloud side: Diana Chen's linked cloud object selects the on-prem Diana Chen.
    search(&mut h, "dchen@contoso.com");
    h.drive(vec![code(KeyCode::Esc)]);
    let diana = h.app.explorer.selected_outcome().unwrap();
    let cloud = h.app.session.plan.outcomes[diana as usize].cloud.unwrap();
    h.act(&[Action::NextPane]);
    assert_eq!(h.app.explorer.focus, Pane::Cloud);
    h.act(&[Action::Top]);
    // Walk the cloud list to Diana's object: the on-prem selection follows to Diana.
    while h.app.explorer.selected_cloud() != Some(cloud) {
        h.act(&[Action::MoveDown]);
    }
    assert_eq!(h.app.explorer.selected_outcome(), Some(diana));
    assert!(h.app.explorer.cloud_refs.of(cloud).contains(&diana));
}

#[test]
fn esc_closes_one_level_and_never_quits_q_quits_from_the_top() {
    let mut h = Harness::new(sample(), 120, 40, true);
    h.drive(vec![key('2')]);
    assert_eq!(h.app.explorer.filter, Filter::Errors);
    for o in &h.app.explorer.on_prem_rows {
        assert_eq!(
            h.app.session.plan.outcomes[*o as usize].result,
            SyncResult::Error
        );
    }
    assert!(h.app.explorer.cloud_rows.len() < h.app.session.snapshot.cloud.len());
    h.drive(vec![key('e'), code(KeyCode::Esc)]);
    assert_eq!(
        h.app.view,
        View::Explorer,
        "Esc leaves a view for the explorer"
    );
    h.drive(vec![
        code(KeyCode::Esc),
        code(KeyCode::Esc),
        code(KeyCode::Esc),
    ]);
    assert_eq!(h.app.explorer.filter, Filter::All);
    assert!(!h.app.quit, "Esc at the top does nothing");
    // q at the top quits (nothing unsaved): the loop ends before the script does.
    let mut host = Script::new(vec![key('q'), key('j')]);
    runner::run_app(&mut h.app, &mut h.term, &mut host, &mut h.jobs).unwrap();
    assert!(h.app.quit);
    assert_eq!(host.steps.len(), 1, "q ended the loop; j was never read");
}

#[test]
fn leaving_with_unsaved_what_if_work_asks_first() {
    let mut h = Harness::new(sample(), 80, 24, true);
    h.drive(vec![key('w'), key(' '), Step::Idle, key('q')]);
    assert!(!h.app.quit, "asks instead of quitting");
    let t = h.screen();
    assert!(t.contains("Leave syncscope? Not saved: what-if (1"), "{t}");
    snap!("confirm_quit_80x24", t);
    h.drive(vec![key('n')]);
    assert!(!h.app.quit && h.app.confirm.is_none());
    let mut host = Script::new(vec![key('q'), key('y')]);
    runner::run_app(&mut h.app, &mut h.term, &mut host, &mut h.jobs).unwrap();
    assert!(h.app.quit);
}

#[test]
fn search_narrows_both_lists_to_ranked_matches_enter_keeps_esc_clears() {
    let mut h = Harness::new(sample(), 120, 40, true);
    let all = h.app.explorer.on_prem_rows.len();
    h.drive(vec![key('j'), key('j')]);
    let mut steps = vec![key('/')];
    steps.extend(text("taro.yamada"));
    steps.push(Step::Idle);
    h.drive(steps);
    assert_eq!(h.selected_name(), "山田 太郎");
    assert_eq!(h.app.explorer.on_prem_rows.len(), 1, "the list narrows");
    let t = h.screen();
    assert!(
        t.contains("On-premises AD · 1 of 72 · matching \"taro.yamada\""),
        "{t}"
    );
    snap!("search_typing_120x40", t);
    // The matched characters are emphasised in the row.
    let buf = h.buffer();
    let row = (0..buf.area.height)
        .find(|y| {
            screen_text(&buf)
                .lines()
                .nth(*y as usize)
                .unwrap()
                .contains("山田")
        })
        .unwrap();
    let marked = (0..buf.area.width)
        .filter(|x| buf[(*x, row)].modifier.contains(Modifier::UNDERLINED))
        .count();
    assert!(marked >= "taro.yamada".len(), "{marked} cells marked");

    // Enter keeps the filter; Esc clears it and keeps the object selected.
    h.drive(vec![code(KeyCode::Enter)]);
    assert!(!h.app.explorer.search.typing);
    assert_eq!(h.app.explorer.on_prem_rows.len(), 1);
    h.drive(vec![code(KeyCode::Esc)]);
    assert_eq!(h.app.explorer.on_prem_rows.len(), all);
    assert_eq!(h.selected_name(), "山田 太郎");

    // By ImmutableID, as pasted from a portal.
    let alice = h.app.session.plan.outcomes[0].source_anchor.clone();
    search(&mut h, &alice);
    assert_eq!(h.selected_name(), "Alice Ng");
    // Ranked: the best match first; n / N step through the matches.
    search(&mut h, "john smith");
    assert_eq!(h.selected_name(), "John Smith");
    let first = h.app.explorer.selected_outcome();
    let n = h.app.explorer.on_prem_rows.len() + h.app.explorer.cloud_rows.len();
    assert!(n >= 2, "{n}");
    h.drive(vec![key('n')]);
    assert_ne!(
        (h.app.explorer.subject, h.app.explorer.selected_outcome()),
        (Pane::OnPrem, first)
    );
    // Tight matching: a query scattered over long values matches nothing.
    search(&mut h, "zzzz");
    assert_eq!(
        h.app.explorer.on_prem_rows.len() + h.app.explorer.cloud_rows.len(),
        0,
        "zzzz matches nothing of the sample"
    );
    assert!(h.screen().contains("(no match: Esc shows everything)"));
}

#[test]
fn paging_clamps_and_keeps_the_selection_visible() {
    let mut h = Harness::new(sample(), 80, 24, true);
    h.act(&[Action::Bottom]);
    let e = &h.app.explorer;
    assert_eq!(e.on_prem.selected, e.on_prem_rows.len() - 1);
    let page = h.app.explorer_layout().page(Pane::OnPrem);
    assert!(e.on_prem.offset + page > e.on_prem.selected);
    h.act(&[Action::PageDown]);
    assert_eq!(
        h.app.explorer.on_prem.selected,
        h.app.explorer.on_prem_rows.len() - 1
    );
    h.act(&[Action::Top]);
    assert_eq!(
        (
            h.app.explorer.on_prem.selected,
            h.app.explorer.on_prem.offset
        ),
        (0, 0)
    );
    h.act(&[Action::Bottom]);
    h.resize(120, 40);
    h.resize(80, 24);
    let page = h.app.explorer_layout().page(Pane::OnPrem);
    let e = &h.app.explorer;
    assert!((e.on_prem.offset..e.on_prem.offset + page).contains(&e.on_prem.selected));
}

#[test]
fn click_selects_the_row_under_the_mouse_and_copy_puts_the_id_on_the_clipboard() {
    let mut h = Harness::new(sample(), 120, 40, true);
    let l = h.app.explorer_layout();
    // Third visible row of the cloud pane: border + header + 2.
    h.act(&[Action::Click {
        column: l.cloud.x + 5,
        row: l.cloud.y + 4,
    }]);
    assert_eq!(h.app.explorer.focus, Pane::Cloud);
    assert_eq!(h.app.explorer.cloud.selected, 2);
    h.drive(vec![key('y')]);
    let c = h.app.explorer.selected_cloud().unwrap();
    let id = h.app.session.snapshot.cloud[c as usize].id.to_string();
    assert_eq!(h.clipboard, [id]);
    assert_eq!(syncscope::tui::osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
}

#[test]
fn too_small_terminal_gets_a_message_not_a_panic() {
    for (w, h) in [(40, 12), (59, 30), (200, 3), (18, 1), (1, 1)] {
        let mut hs = Harness::new(sample(), w, h, true);
        let t = hs.screen();
        if w >= 18 {
            assert!(t.contains("Terminal too small"), "{w}x{h}:\n{t}");
        } else {
            assert_eq!(t, "T\n", "{w}x{h}: the first letter of the message");
        }
    }
}

#[test]
fn help_is_written_from_the_keymap_and_scrolls_with_its_position_at_80x24() {
    use syncscope::tui::keymap::{Context, help_rows};
    let mut h = Harness::new(sample(), 120, 40, true);
    for (view, contexts) in [
        ('e', [Context::Errors, Context::Prompt]),
        ('w', [Context::WhatIf, Context::Help]),
        ('x', [Context::Explorer, Context::Search]),
    ] {
        h.drive(vec![key(view), key('?')]);
        let t = h.screen();
        for ctx in contexts {
            for (_, help) in help_rows(ctx).iter().take(3) {
                let start: String = help.chars().take(24).collect();
                assert!(t.contains(&start), "{view} help misses {help:?}:\n{t}");
            }
        }
        h.drive(vec![code(KeyCode::Esc)]);
    }
    h.drive(vec![key('?')]);
    snap!("help_120x40", h.screen());
    h.drive(vec![code(KeyCode::Esc)]);
    h.resize(80, 24);
    h.drive(vec![key('?')]);
    let t = h.screen();
    assert!(t.contains("lines 1-"), "the position shows:\n{t}");
    snap!("help_80x24", t);
    h.drive(vec![key('j'), key('j'), key('j')]);
    assert_eq!(h.app.help.scroll, 3);
    assert!(h.screen().contains("lines 4-"));
    h.drive(vec![code(KeyCode::End)]);
    let end = h.app.help.scroll;
    h.drive(vec![key('j')]);
    assert_eq!(h.app.help.scroll, end, "scrolling stops at the end");
}

#[test]
fn every_view_keeps_its_help_hint_at_80_columns() {
    let mut h = Harness::new(sample(), 80, 24, true);
    search(&mut h, "Alice Ng");
    h.drive(vec![key('W'), Step::Idle]);
    for v in ['x', 'e', 'w', 'W'] {
        if v == 'W' {
            h.app.view = View::Walkthrough;
        } else {
            h.drive(vec![key(v), Step::Idle]);
        }
        let t = h.screen();
        let last = t.lines().last().unwrap();
        assert!(last.contains("? help"), "{v}: {last}");
        assert!(last.contains("q quit"), "{v}: {last}");
    }
}

#[test]
fn no_color_keeps_highlight_by_modifiers_only() {
    let mut h = Harness::new(sample(), 120, 40, false);
    let buf = h.buffer();
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            Color::Reset,
            "colour under NO_COLOR at {:?}",
            cell.symbol()
        );
        assert_eq!(cell.bg, Color::Reset);
    }
    let l = h.app.explorer_layout();
    // The selected row (first data row) is reversed.
    let y = l.on_prem.y + 2;
    let reversed = (l.on_prem.x + 1..l.on_prem.x + 20)
        .filter(|x| buf[(*x, y)].modifier.contains(Modifier::REVERSED))
        .count();
    assert!(
        reversed > 10,
        "selected row must stay visible under NO_COLOR"
    );
    snap!("explorer_120x40_no_color", screen_text(&buf));
}

fn hostile_bundle() -> Bundle {
    let text = r#"{
      "tenant": {"initialDomain": "contoso.onmicrosoft.com",
                 "domains": [{"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}]},
      "onPremises": [
        {"objectClass": "user", "objectGUID": "88666888-0101-1111-bbbb-1234567890ab",
         "distinguishedName": "CN=Eve,DC=contoso,DC=com", "userPrincipalName": "eve@contoso.com",
         "sAMAccountName": "eve\u001b[31m",
         "displayName": "Eve\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\r\nPWNED\u009b31m\u202e",
         "proxyAddresses": ["SMTP:eve@contoso.com\u001b[31m"]},
        {"objectClass": "user", "objectGUID": "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
         "distinguishedName": "CN=Yamada,DC=contoso,DC=com", "userPrincipalName": "taro@contoso.com",
         "displayName": "山田 太郎 Ｔａｒｏ e\u0301\u0301"}
      ],
      "cloud": [
        {"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "objectType": "user",
         "displayName": "\u001b]0;owned\u0007Mallory", "userPrincipalName": "eve@contoso.com",
         "directoryRoles": ["Global\u001b[5mAdministrator"]}
      ]}"#;
    syncscope::bundle::parse_bundle("hostile.json", text.as_bytes()).unwrap()
}

/// No cell of the screen holds a raw control character or a bidi override.
#[track_caller]
fn assert_clean(buf: &Buffer, what: &str) {
    for cell in buf.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}'),
            "{what}: raw control character reached the screen: {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn hostile_values_never_reach_the_terminal_raw_in_any_view() {
    let mut h = Harness::new(hostile_bundle(), 120, 40, true);
    let buf = h.buffer();
    assert_clean(&buf, "explorer");
    let t = screen_text(&buf);
    assert!(
        t.contains("Eve\\e[2J\\e]52;c;"),
        "escape shown escaped:\n{t}"
    );
    h.drive(vec![key('j')]);
    let t = h.screen();
    assert!(t.contains("山田 太郎"), "{t}");
    snap!("hostile_and_cjk_120x40", t);
    // The cloud side, every view, the help and the load report.
    let mut steps = vec![key('g'), code(KeyCode::Tab), code(KeyCode::Enter)];
    steps.extend([key('e'), Step::Idle, key('w'), key('x')]);
    h.drive(steps);
    assert_clean(&h.buffer(), "cloud details");
    for v in ['e', 'w', 'x'] {
        h.drive(vec![key(v), Step::Idle]);
        assert_clean(&h.buffer(), &format!("view {v}"));
    }
    h.drive(vec![key('/')]);
    h.drive(text("eve"));
    assert_clean(&h.buffer(), "search");
    h.drive(vec![code(KeyCode::Esc), key('g'), key('W'), Step::Idle]);
    assert_eq!(
        h.app.view,
        View::Walkthrough,
        "W1 fits Eve: {:?}",
        h.app.status
    );
    h.drive(vec![code(KeyCode::Enter), Step::Idle]);
    assert_clean(&h.buffer(), "walkthrough");
    h.drive(vec![key('x'), key('L')]);
    assert_clean(&h.buffer(), "load report");
    // The backend's own output (what a terminal would receive) has no raw ESC from values.
    assert!(!format!("{}", h.term.backend()).contains('\u{1b}'));
}

#[test]
fn errors_view_queries_like_the_cmdlet_and_enter_shows_the_object() {
    let mut h = Harness::new(sample(), 120, 40, true);
    h.drive(vec![key('e'), Step::Idle]);
    assert!(!h.app.errors.building, "the rebuild job has finished");
    assert_eq!(h.app.errors.hits.len(), 10);
    let new = h
        .app
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
    h.drive(vec![key('v')]);
    assert!(h.app.prompt.is_none());
    assert!(h.screen().contains("-PropertyValue needs -PropertyName"));

    let mut steps = vec![key('p'), key('v')];
    steps.extend(text("alice@contoso.com"));
    h.drive(steps);
    assert!(h.app.prompt.is_some());
    snap!("errors_prompt_120x40", h.screen());
    h.drive(vec![code(KeyCode::Enter)]);
    assert_eq!(h.app.errors.hits.len(), 1);
    assert!(
        h.app
            .errors
            .query
            .cmdlet_line()
            .ends_with("-PropertyName UserPrincipalName -PropertyValue 'alice@contoso.com'")
    );
    snap!("errors_view_120x40", h.screen());

    // Case-sensitive, as the cmdlet: ALICE@ finds nothing.
    let mut steps = vec![key('v')];
    steps.extend(vec![code(KeyCode::Backspace); "alice@contoso.com".len()]);
    steps.extend(text("ALICE@contoso.com"));
    steps.push(code(KeyCode::Enter));
    h.drive(steps);
    assert!(h.app.errors.hits.is_empty());
    h.drive(vec![key('p'), key('p')]);
    assert_eq!(
        h.app.errors.query.property_value, None,
        "no PropertyValue without PropertyName"
    );

    // Enter on Alice's new error: the explorer with the on-prem Alice selected.
    let alice = h
        .app
        .errors
        .hits
        .iter()
        .position(|i| h.app.errors.lines[*i as usize].row.display_name == "Alice Ng")
        .unwrap();
    h.app.errors.cursor.selected = alice;
    h.drive(vec![code(KeyCode::Enter)]);
    assert_eq!(h.app.view, View::Explorer);
    assert_eq!(h.selected_name(), "Alice Ng");
}

#[test]
fn what_if_flips_replan_in_the_background_and_reset_returns() {
    use syncscope::config::Item;
    use syncscope::settings::Setting;
    let mut h = Harness::new(sample(), 120, 40, true);
    let snapshot = h.app.session.snapshot.clone();
    let pos = |h: &Harness, item: Item| {
        h.app
            .session
            .items()
            .iter()
            .position(|i| *i == item)
            .unwrap()
    };
    h.drive(vec![key('w')]);
    h.app.whatif.cursor.selected = pos(&h, Item::Setting(Setting::SoftMatchOnUpn));
    h.drive(vec![key(' '), Step::Idle]);
    assert!(!h.app.whatif.replanning);
    assert!(
        h.app.whatif.replan_time.is_some(),
        "re-planned by the job runner"
    );
    assert_eq!(
        *h.app.session.snapshot, *snapshot,
        "a flip never alters the loaded snapshot"
    );
    assert_eq!(h.app.whatif.diff.count(), 3);
    assert_eq!(
        h.app.whatif.diff.transitions,
        vec![(
            "soft-match-upn".to_string(),
            "provision (UPN quarantined)".to_string(),
            3
        )]
    );
    let t = h.screen();
    assert!(
        t.contains("WHAT-IF: 1 setting(s) changed, 3 object(s) differ"),
        "{t}"
    );
    assert!(t.contains("U    0 upn"), "B's counts follow the flip:\n{t}");
    snap!("whatif_120x40", t);

    // Pin A, flip BlockSoftMatch as B: the diff is against A.
    h.drive(vec![key('p')]);
    h.app.whatif.cursor.selected = pos(&h, Item::Setting(Setting::BlockSoftMatch));
    h.drive(vec![key(' '), Step::Idle]);
    assert!(
        h.app
            .whatif
            .diff
            .transitions
            .iter()
            .all(|(from, _, _)| !from.starts_with("soft-match-upn"))
    );
    assert_eq!(
        h.app.whatif.diff.count(),
        11,
        "6 SMTP matches, 2 admin conflicts, 1 type mismatch, 2 M6 anchor conflicts (r2)"
    );

    // The explorer marks and filters what changed, and a changed row says what it was.
    h.drive(vec![key('v')]);
    assert_eq!(h.app.view, View::Explorer);
    assert_eq!(h.app.explorer.on_prem_rows.len(), 11);
    let t = h.screen();
    assert!(t.contains("Δ was  was: "), "{t}");

    h.drive(vec![key('w'), key('r')]);
    assert_eq!(h.app.session.config, h.app.session.snapshot_config());
    assert_eq!(h.app.whatif.diff.count(), 0);
    assert_eq!(h.app.session.plan.counts(), h.app.session.baseline.counts());

    // Scope: dropping the only included OU puts everything out of scope.
    h.app.whatif.cursor.selected = pos(&h, Item::IncludedOu(0));
    h.drive(vec![key(' '), Step::Idle]);
    let out = h
        .app
        .session
        .plan
        .counts()
        .iter()
        .find(|(r, _)| *r == SyncResult::OutOfScope)
        .unwrap()
        .1;
    assert_eq!(out, h.app.session.snapshot.on_premises.len());
}

/// Regression (issue 12): after a what-if flip to objectGUID, the detail pane said the anchor
/// came "from mS-DS-ConsistencyGuid" (it read the snapshot's setting, not the one in force).
#[test]
fn after_a_flip_to_object_guid_the_anchor_is_labelled_from_object_guid() {
    use syncscope::config::Item;
    let mut h = Harness::new(sample(), 120, 40, true);
    // A user whose consistency GUID is set: its anchor comes from it under the snapshot.
    let i = h
        .app
        .session
        .snapshot
        .on_premises
        .iter()
        .position(|o| {
            o.consistency_guid.is_some() && o.object_class == syncscope::model::ObjectKind::User
        })
        .unwrap();
    let name = h.app.session.snapshot.on_premises[i].name().to_string();
    search(&mut h, &name);
    h.drive(vec![code(KeyCode::Enter), code(KeyCode::End)]);
    let from = |t: &str| {
        t.lines()
            .find(|l| l.contains("from "))
            .map(|l| l.to_string())
            .unwrap_or_default()
    };
    let t = h.screen();
    assert!(from(&t).contains("mS-DS-ConsistencyGuid"), "{t}");
    let pos = h
        .app
        .session
        .items()
        .iter()
        .position(|i| *i == Item::SourceAnchor)
        .unwrap();
    h.drive(vec![key('w')]);
    h.app.whatif.cursor.selected = pos;
    h.drive(vec![key(' '), Step::Idle, key('x'), code(KeyCode::End)]);
    assert_eq!(h.app.session.config.source_anchor_name(), "objectGUID");
    let t = h.screen();
    let line = from(&t);
    assert!(
        line.contains("objectGUID") && !line.contains("ConsistencyGuid"),
        "{line}\n{t}"
    );
    // And the ImmutableID shown is the objectGUID's.
    let o = &h.app.session.snapshot.on_premises[i];
    let expected = syncscope::anchor::Anchor::from_guid(o.object_guid).immutable_id();
    assert!(t.contains(&expected), "{expected}\n{t}");
}

#[test]
fn walkthrough_runs_its_steps_in_the_background_and_asks_before_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(sample(), 120, 40, true);
    search(&mut h, "Alice Ng");
    h.drive(vec![key('W'), Step::Idle]);
    assert_eq!(h.app.view, View::Walkthrough);
    let steps = h.app.walk.shown.as_ref().unwrap().steps.len();
    for _ in 0..steps {
        h.drive(vec![code(KeyCode::Enter), Step::Idle]);
    }
    assert!(h.app.walk.shown.as_ref().unwrap().done());
    let t = h.screen();
    assert!(
        t.contains("this sync: "),
        "sync notes in the step list:\n{t}"
    );
    snap!("walkthrough_w1_done_120x40", t);
    h.drive(vec![code(KeyCode::Left)]);
    assert_eq!(h.app.walk.shown.as_ref().unwrap().results.len(), steps - 1);
    h.drive(vec![code(KeyCode::Enter), Step::Idle]);

    // The script goes where the prompt says; writing again asks; n keeps the file.
    let script = dir.path().join("w1.ps1");
    let path = script.display().to_string();
    let mut keys = vec![key('o')];
    keys.extend(vec![code(KeyCode::Backspace); 40]);
    keys.extend(text(&path));
    keys.push(code(KeyCode::Enter));
    h.drive(keys.clone());
    let written = std::fs::read_to_string(&script).unwrap();
    assert!(written.contains("Remove-MgDirectoryRoleMemberByRef"));
    h.drive(keys);
    let t = h.screen();
    assert!(t.contains("w1.ps1 exists. Overwrite it?"), "{t}");
    snap!(
        "confirm_overwrite_120x40",
        t.replace(&dir.path().display().to_string(), "[dir]")
    );
    std::fs::write(&script, "mine").unwrap();
    h.drive(vec![key('n')]);
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        "mine",
        "n keeps the file"
    );
    // The scenario names the snapshot so it replays.
    let scenario = dir.path().join("w1.scenario.json");
    let mut keys = vec![key('S')];
    keys.extend(vec![code(KeyCode::Backspace); 40]);
    keys.extend(text(&scenario.display().to_string()));
    keys.push(code(KeyCode::Enter));
    h.drive(keys);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();
    assert_eq!(v["snapshot"], "sample-data/contoso.json");
    assert_eq!(v["steps"][0]["action"], "removeRole");
    // Saved: q leaves without asking.
    let mut host = Script::new(vec![key('q')]);
    runner::run_app(&mut h.app, &mut h.term, &mut host, &mut h.jobs).unwrap();
    assert!(h.app.quit && h.app.confirm.is_none());
}

/// The line number in the bulk table's highlighted row, and the one the detail box names.
fn bulk_lines(t: &str) -> (String, String) {
    let table = t
        .lines()
        .find_map(|l| {
            let at = l.find("▶ ")?;
            let rest = &l[at + "▶ ".len()..];
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            (!n.is_empty()).then_some(n)
        })
        .unwrap_or_default();
    let detail = t
        .lines()
        .find_map(|l| {
            let at = l.find("line ")?;
            let n: String = l[at + 5..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            (!n.is_empty() && l[at + 5 + n.len()..].starts_with(':')).then_some(n)
        })
        .unwrap_or_default();
    (table, detail)
}

/// Regression (issue 12): paging through a long CSV, the table highlighted line 19 while the
/// detail box showed line 22 (update and draw computed the page differently).
#[test]
fn bulk_hard_match_highlight_and_detail_box_name_the_same_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hardmatch.csv");
    let mut text_csv = String::from("SamAccountName,CloudUPN\n");
    text_csv.push_str("ijohansson,jordan.lee@contoso.com\nnpetersen,nils.petersen@fabrikam.com\n");
    for i in 0..40 {
        text_csv.push_str(&format!("nobody{i},x{i}@contoso.com\n"));
    }
    std::fs::write(&csv, text_csv).unwrap();
    for (w, ht) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(sample(), w, ht, true);
        let mut keys = vec![key('H')];
        keys.extend(vec![code(KeyCode::Backspace); 20]);
        keys.extend(text(&csv.display().to_string()));
        keys.extend([code(KeyCode::Enter), Step::Idle]);
        h.drive(keys);
        assert_eq!(h.app.view, View::Bulk);
        assert!(h.screen().contains("1 ready"), "{}", h.screen());
        for presses in [1, 5, 17, 20, 3] {
            h.drive(vec![key('j'); presses]);
            let t = h.screen();
            let (table, detail) = bulk_lines(&t);
            assert!(!table.is_empty(), "{t}");
            assert_eq!(
                table, detail,
                "{w}x{ht}: the highlight and the box differ:\n{t}"
            );
        }
        h.drive(vec![
            code(KeyCode::PageUp),
            code(KeyCode::PageDown),
            code(KeyCode::PageDown),
        ]);
        let t = h.screen();
        let (table, detail) = bulk_lines(&t);
        assert_eq!(table, detail, "{t}");
        snap!(
            format!("bulk_hardmatch_{w}x{ht}"),
            t.replace(&dir.path().display().to_string(), "[dir]")
        );
        // The script holds the one ready row only.
        let out = dir.path().join(format!("bulk-{w}.ps1"));
        let mut keys = vec![key('o')];
        keys.extend(vec![code(KeyCode::Backspace); 30]);
        keys.extend(text(&out.display().to_string()));
        keys.push(code(KeyCode::Enter));
        h.drive(keys);
        let script = std::fs::read_to_string(&out).unwrap();
        assert_eq!(script.matches("Update-MgUser").count(), 1);
    }
}

#[test]
fn every_view_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    for (w, ht) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(sample(), w, ht, true);
        snap!(format!("view_explorer_{w}x{ht}"), h.screen());
        search(&mut h, "Alice Ng");
        h.drive(vec![code(KeyCode::Esc), code(KeyCode::Enter)]);
        snap!(
            format!("view_explorer_detail_admin_conflict_{w}x{ht}"),
            h.screen()
        );
        // The cloud side's detail pane.
        h.drive(vec![
            code(KeyCode::Tab),
            code(KeyCode::Tab),
            code(KeyCode::Tab),
        ]);
        assert_eq!(h.app.explorer.subject, Pane::Cloud);
        snap!(format!("view_explorer_cloud_detail_{w}x{ht}"), h.screen());
        h.drive(vec![key('e'), Step::Idle]);
        let t = h.screen();
        if w == 80 {
            assert!(
                t.contains("…"),
                "long cells end in an ellipsis at {w}:\n{t}"
            );
        }
        snap!(format!("view_errors_{w}x{ht}"), t);
        h.drive(vec![key('w')]);
        let t = h.screen();
        assert!(
            t.contains("blockCloudObjectTakeoverThroughHardMatchEnabled "),
            "setting names are whole:\n{t}"
        );
        snap!(format!("view_whatif_{w}x{ht}"), t);
        h.drive(vec![
            key('x'),
            key('W'),
            Step::Idle,
            code(KeyCode::Enter),
            Step::Idle,
        ]);
        snap!(format!("view_walkthrough_{w}x{ht}"), h.screen());
        h.drive(vec![key('x'), key('L')]);
        snap!(format!("view_load_report_{w}x{ht}"), h.screen());
        h.drive(vec![code(KeyCode::Esc), key('H')]);
        snap!(format!("view_prompt_csv_{w}x{ht}"), h.screen());
        h.drive(vec![code(KeyCode::Esc)]);
        let _ = &dir;
    }
}

#[test]
fn loading_screen_stays_live_and_q_leaves() {
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut jobs: Jobs<Done> = Jobs::new();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let loader = move |_: &std::sync::atomic::AtomicU8| {
        let _ = rx.recv_timeout(Duration::from_secs(10));
        Err(syncscope::error::InputError::new("x", "", "stopped"))
    };
    // The loading screen is drawn, then q leaves before the load ends.
    let mut host = Script::new(vec![key('q')]);
    let r = runner::load(
        &mut term,
        &mut host,
        &mut jobs,
        "big.json",
        Theme { color: true },
        loader,
    )
    .unwrap();
    assert!(r.is_none(), "q left the loading screen");
    drop(tx);
    // The elapsed time and the spinner's frame vary from run to run.
    let t: String = screen_text(term.backend().buffer())
        .chars()
        .map(|c| match c {
            '0'..='9' => '9',
            '⠋' | '⠙' | '⠹' | '⠸' | '⠼' | '⠴' | '⠦' | '⠧' | '⠇' | '⠏' => '⠿',
            c => c,
        })
        .collect();
    assert!(t.contains("reading the snapshot"), "{t}");
    snap!("loading_80x24", t);
}

#[test]
fn search_on_a_large_tenant_streams_ranked_matches_between_keystrokes() {
    use syncscope::tui::views::explorer::search::SEARCH_CHUNK;
    // 30,000 extra on-prem users: more than one chunk.
    let mut b = sample();
    let template = b.on_premises[1].clone();
    for i in 0..30_000u128 {
        let mut o = template.clone();
        o.object_guid = uuid::Uuid::from_u128(0x1000_0000 + i);
        o.display_name = Some(format!("Synthetic User {i}").into());
        o.user_principal_name = Some(format!("synthetic{i}@contoso.com").into());
        o.proxy_addresses = vec![format!("SMTP:synthetic{i}@contoso.com").into()];
        o.consistency_guid = None;
        o.distinguished_name =
            format!("CN=Synthetic User {i},OU=Staff,OU=Corp,DC=contoso,DC=com").into();
        b.on_premises.push(o);
    }
    let mut h = Harness::new(b, 120, 40, true);
    let app = &mut h.app;
    app.handle(Action::SearchStart);
    for c in "Synthetic".chars() {
        app.handle(Action::SearchType(c));
    }
    // One chunk matched: its matches are listed while the rest streams in.
    assert!(app.explorer.search.in_progress());
    let partial = app.explorer.on_prem_rows.len();
    assert!(
        partial > 0 && partial < 30_000,
        "{partial} rows after one chunk"
    );
    for c in " User 29999".chars() {
        app.handle(Action::SearchType(c));
        assert!(
            app.explorer.search.in_progress(),
            "one keystroke matches one chunk, then yields"
        );
    }
    let mut ticks = 0;
    while app.explorer.search.in_progress() {
        app.handle(Action::SearchTick);
        ticks += 1;
    }
    assert!(ticks >= 1);
    assert_eq!(
        h.selected_name(),
        "Synthetic User 29999",
        "the best match first"
    );
    // A longer query rescans only the previous matches, with the same result as a full scan.
    let app = &mut h.app;
    app.handle(Action::SearchClear);
    app.handle(Action::SearchStart);
    for c in "Synthetic User 2999".chars() {
        app.handle(Action::SearchType(c));
    }
    while app.explorer.search.in_progress() {
        app.handle(Action::SearchTick);
    }
    let wide = app.explorer.on_prem_rows.len();
    app.handle(Action::SearchType('8'));
    while app.explorer.search.in_progress() {
        app.handle(Action::SearchTick);
    }
    let narrowed = app.explorer.on_prem_rows.clone();
    assert!(narrowed.len() <= wide);
    assert_eq!(h.selected_name(), "Synthetic User 29998");
    let app = &mut h.app;
    app.handle(Action::SearchClear);
    app.handle(Action::SearchStart);
    for c in "Synthetic User 29998".chars() {
        app.handle(Action::SearchType(c));
    }
    while app.explorer.search.in_progress() {
        app.handle(Action::SearchTick);
    }
    assert_eq!(
        narrowed, app.explorer.on_prem_rows,
        "narrowing finds exactly what a full scan finds"
    );
    // A keystroke mid-search restarts it for the new query.
    app.handle(Action::SearchErase);
    assert_eq!(
        app.explorer.search.scanned,
        Some(SEARCH_CHUNK),
        "a shorter query scans everything again"
    );
}

/// A walkthrough step on a 1,000,000-object tenant (two plans and copies of the state, seconds)
/// runs as a job: keys pressed meanwhile are answered at once. Run with
/// `cargo test --release --test tui -- --ignored million` (it generates the tenant in memory).
#[test]
#[ignore = "1M objects: minutes in a debug build; run in release"]
fn million_objects_walkthrough_step_does_not_block_input() {
    let mut text = Vec::new();
    syncscope::generate::write_generated(1_000_000, 1, &mut text).unwrap();
    let b = syncscope::bundle::parse_bundle("generated.json", &text).unwrap();
    drop(text);
    let mut h = Harness::new(b, 120, 40, true);
    // An object a walkthrough fits: an error or a provision.
    h.drive(vec![key('2')]);
    h.drive(vec![key('W'), Step::Idle]);
    assert_eq!(h.app.view, View::Walkthrough, "{:?}", h.app.status);
    let started = Instant::now();
    // Enter starts the step; then 40 keys while it runs (the script waits for the job to end
    // only after the last key).
    let mut keys = vec![code(KeyCode::Enter)];
    keys.extend([key('?'), code(KeyCode::Esc)].repeat(20));
    keys.push(Step::Idle);
    let (latencies, busy_keys) = h.drive(keys);
    let took = started.elapsed();
    assert!(
        busy_keys >= 40,
        "only {busy_keys} keys were answered while the step ran"
    );
    let worst = latencies.iter().max().unwrap();
    eprintln!(
        "step took {took:?}; 40 keys during it: worst latency {worst:?}, mean {:?}",
        latencies.iter().sum::<Duration>() / latencies.len() as u32,
    );
    assert!(
        *worst < Duration::from_millis(100),
        "a key waited {worst:?}"
    );
    assert!(!h.app.walk.shown.as_ref().unwrap().results.is_empty());
}

#[test]
fn a_click_selects_the_row_of_the_errors_and_what_if_tables() {
    let mut h = Harness::new(sample(), 120, 40, true);
    h.drive(vec![key('e'), Step::Idle]);
    let table = h.app.errors_layout().table;
    // Border + header + the third row.
    h.act(&[Action::Click {
        column: table.x + 4,
        row: table.y + 4,
    }]);
    assert_eq!(h.app.errors.cursor.selected, 2);
    // The highlighted row is the selected error (names may be cut: compare their start).
    let name: String = h
        .app
        .errors
        .selected()
        .unwrap()
        .row
        .display_name
        .chars()
        .take(5)
        .collect();
    let t = h.screen();
    assert!(
        t.lines().any(|l| l.contains(&format!("▶ {name}"))),
        "{name}:\n{t}"
    );
    // A click on the header or below the rows selects nothing new.
    h.act(&[Action::Click {
        column: table.x + 4,
        row: table.y + 1,
    }]);
    assert_eq!(h.app.errors.cursor.selected, 2);
    h.drive(vec![key('w')]);
    let list = h.app.whatif_layout().list;
    h.act(&[Action::Click {
        column: list.x + 4,
        row: list.y + 3,
    }]);
    assert_eq!(h.app.whatif.cursor.selected, 1);
}

/// W5 (r2): the re-anchor is offered from the detail pane of an AttributeValueMustBeUnique
/// soft-match conflict, and W starts it.
#[test]
fn w5_re_anchor_is_offered_from_the_detail_pane_of_a_soft_match_conflict() {
    use syncscope::walkthrough::Kind;
    let mut h = Harness::new(sample(), 120, 40, true);
    let s = &h.app.session;
    let i = (0..s.plan.outcomes.len())
        .find(|i| {
            s.plan.outcomes[*i].error
                == Some(syncscope::outcome::ErrorCode::AttributeValueMustBeUnique)
                && s.suggest(*i).first().map(|(k, _)| *k) == Some(Kind::ReAnchor)
        })
        .expect("the r2 sample has a soft-match anchor conflict");
    let name = s.snapshot.on_premises[i].name().to_string();
    search(&mut h, &name);
    h.drive(vec![code(KeyCode::Esc)]);
    let o = h.app.explorer.selected_outcome().unwrap() as usize;
    assert_eq!(h.app.session.plan.outcomes[o].on_prem as usize, i, "{name}");
    let t = h.screen();
    assert!(t.contains("walk through W5 re-anchor"), "{t}");
    h.drive(vec![key('W'), Step::Idle]);
    assert_eq!(h.app.view, View::Walkthrough, "{:?}", h.app.status);
    assert!(h.screen().contains("W5 re-anchor"));
}

/// The error list follows the plan: after a what-if flip it is rebuilt (in the background) for
/// the new plan, never left showing the old one.
#[test]
fn the_errors_view_is_rebuilt_for_the_plan_a_flip_makes() {
    use syncscope::config::Item;
    use syncscope::settings::Setting;
    let mut h = Harness::new(sample(), 120, 40, true);
    h.drive(vec![key('e'), Step::Idle]);
    let before = h.app.errors.lines.len();
    let pos = h
        .app
        .session
        .items()
        .iter()
        .position(|i| *i == Item::Setting(Setting::QuarantineUponUpnConflict))
        .unwrap();
    h.drive(vec![key('w')]);
    h.app.whatif.cursor.selected = pos;
    // Flip, and go straight to the errors while the re-plan may still run.
    h.drive(vec![key(' '), key('e'), Step::Idle]);
    assert!(!h.app.errors.building && !h.app.errors.stale);
    let expected = h.app.session.error_lines().len();
    assert_eq!(
        h.app.errors.lines.len(),
        expected,
        "lines of the plan shown"
    );
    assert_ne!(
        expected, before,
        "quarantining UPNs or not changes the errors"
    );
}

/// `--cache` (issue 15): the first open loads, shows the explorer and then writes the cache in
/// the background (the hint bar says so); the next open reads it, with the same plan.
#[test]
fn with_cache_the_explorer_writes_it_after_the_first_frame_and_opens_from_it_next_time() {
    // A path relative to the crate root (the tests' working folder), so that the load report's
    // snapshots name the same file wherever the repository is.
    let dir = std::path::Path::new("target/tui-cache-test");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("contoso.json");
    std::fs::copy(format!("{}/{}", util::ROOT, util::SAMPLE), &path).unwrap();
    let path = path.to_str().unwrap();
    let mut first = Harness::from_app(load_snapshot(path, false, true, 120, 40).unwrap());
    // The sample's load report has a warning (A4): the hint bar keeps saying so.
    let status = first.app.status.clone().unwrap_or_default();
    assert!(
        status.starts_with("load report: 1 file read; 1 warning"),
        "{status}"
    );
    assert!(
        !dir.join("contoso.json.syncscope-cache").exists(),
        "not before the first frame"
    );
    first.drive(vec![Step::Idle]);
    assert!(dir.join("contoso.json.syncscope-cache").is_file());
    let t = first.screen();
    let last = t.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("load report: 1 file read; 1 warning")
            && last.contains("(L shows it); cache written (0 MiB)"),
        "{last}"
    );
    let note = first.app.cache_note.clone().unwrap_or_default();
    assert_eq!(
        note,
        "no cache yet: loaded from the files; written to contoso.json.syncscope-cache (0 MiB): \
         the next --cache opens from it"
    );
    let mut second = Harness::from_app(load_snapshot(path, false, true, 120, 40).unwrap());
    let status = second.app.status.clone().unwrap_or_default();
    assert!(
        status.contains("(L shows it); read from the cache in"),
        "{status}"
    );
    // The load report says where the snapshot came from.
    second.drive(vec![key('L'), Step::Idle]);
    let t = second.screen();
    assert!(
        t.contains("cache  read from contoso.json.syncscope-cache (the files below are unchanged"),
        "{t}"
    );
    snap!("view_load_report_from_cache_120x40", t);
    let mut small = Harness::from_app(load_snapshot(path, false, true, 80, 24).unwrap());
    use syncscope::tui::app::Effect;
    let effects = &small.app.effects;
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::WriteCache(_))),
        "nothing to write again"
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Prefetch)),
        "the index and record are decoded after the first frame"
    );
    small.drive(vec![key('L'), Step::Idle]);
    snap!("view_load_report_from_cache_80x24", small.screen());
    assert_eq!(second.app.load_report, first.app.load_report);
    assert_eq!(*second.app.session.plan, *first.app.session.plan);
    assert_eq!(*second.app.session.snapshot, *first.app.session.snapshot);
}

#[test]
fn snapshot_scrubbing_keeps_line_widths_whatever_the_duration() {
    assert_eq!(scrub("│in 10.2 ms   │\n"), "│in [t] ms    │\n");
    assert_eq!(scrub("│in 1 ms      │\n"), "│in [t] ms    │\n");
    assert_eq!(scrub("took 0.4 ms: 3  \n"), "took [t] ms: 3  \n");
}

/// Loads a folder of exports the way the explorer does (the runner's loading job).
fn load_folder(path: &str, allow_partial: bool, w: u16, h: u16) -> Result<App, String> {
    load_snapshot(path, allow_partial, false, w, h)
}

/// Loads a snapshot the way the explorer does, with `--cache` or without.
fn load_snapshot(
    path: &str,
    allow_partial: bool,
    cache: bool,
    w: u16,
    h: u16,
) -> Result<App, String> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut jobs: Jobs<Done> = Jobs::new();
    let mut host = Script::new(Vec::new());
    let loader = runner::snapshot_loader(path.into(), Default::default(), allow_partial, cache);
    let theme = Theme { color: true };
    match runner::load(&mut term, &mut host, &mut jobs, path, theme, loader).unwrap() {
        // Shown as the user would have typed it from the crate root (snapshots stay the same
        // wherever the repository is).
        Some(Ok(loaded)) => Ok(runner::app_for(
            path.strip_prefix(&format!("{}/", util::ROOT))
                .unwrap_or(path)
                .into(),
            loaded,
            theme,
            Rect::new(0, 0, w, h),
            Duration::ZERO,
        )),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("left".into()),
    }
}

/// Interfaces §7: a partial load opens only with --allow-partial, and then every screen says
/// so; the hostile exports (control characters in names, keys and values) stay escaped in
/// every view.
#[test]
fn partial_load_keeps_its_banner_on_every_view_and_hostile_exports_stay_escaped() {
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile/exports"
    );
    let refused = load_folder(folder, false, 80, 24).err().unwrap();
    assert!(refused.contains("--allow-partial"), "{refused}");
    for (w, ht) in [(80, 24), (120, 40)] {
        let app = load_folder(folder, true, w, ht).unwrap();
        assert!(app.partial);
        let mut h = Harness::from_app(app);
        for keys in [
            vec![],
            vec![code(KeyCode::Tab), code(KeyCode::Enter)],
            vec![key('e'), Step::Idle],
            vec![key('w')],
            vec![key('x'), key('?')],
            vec![code(KeyCode::Esc), key('L')],
            vec![code(KeyCode::Esc), key('/')],
        ] {
            h.drive(keys.clone());
            let buf = h.buffer();
            assert_clean(&buf, &format!("{keys:?}"));
            let t = screen_text(&buf);
            assert!(t.contains("PARTIAL LOAD"), "{w}x{ht} {keys:?}:\n{t}");
        }
        h.drive(vec![code(KeyCode::Esc), key('x')]);
        snap!(format!("partial_hostile_{w}x{ht}"), h.screen());
    }
}

/// The hostile bundle of tests/fixtures through every view and the walkthrough.
#[test]
fn hostile_fixture_bundle_never_reaches_the_terminal_raw() {
    let b = util::hostile();
    let mut h = Harness::new(b, 120, 40, true);
    let n = h.app.explorer.on_prem_rows.len();
    for i in 0..n {
        let mut keys = vec![key('x'), key('g')];
        keys.extend(vec![key('j'); i]);
        keys.extend([code(KeyCode::Enter), code(KeyCode::End)]);
        h.drive(keys);
        assert_clean(&h.buffer(), &format!("on-prem row {i}"));
        h.drive(vec![code(KeyCode::Esc), key('W'), Step::Idle]);
        if h.app.view == View::Walkthrough {
            h.drive(vec![code(KeyCode::Enter), Step::Idle]);
            assert_clean(&h.buffer(), &format!("walkthrough of row {i}"));
        }
    }
    for v in ['e', 'w'] {
        h.drive(vec![key(v), Step::Idle]);
        assert_clean(&h.buffer(), &format!("view {v}"));
    }
    assert!(!format!("{}", h.term.backend()).contains('\u{1b}'));
}

/// Issue 14: the readiness view (`c`) checks in the background, filters and sorts, links each
/// finding to its object and writes its fix script; after a what-if flip the outcomes shown are
/// those of the settings in force.
#[test]
fn readiness_view_checks_filters_links_and_follows_the_what_if() {
    use syncscope::check::{ObjectRef, Severity};
    let mut h = Harness::new(sample(), 120, 40, true);
    h.app.handle(Action::ShowView(View::Readiness));
    assert_eq!(h.app.view, View::Readiness);
    // The check is a job: the first frame says so, the findings follow.
    assert!(h.screen().contains("checking the snapshot…"));
    h.drive(vec![Step::Idle]);
    let t = h.screen();
    assert!(
        t.contains("24 finding(s): 15 error(s), 9 warning(s)"),
        "{t}"
    );
    snap!("readiness_120x40", t);
    h.resize(80, 24);
    snap!("readiness_80x24", h.screen());
    h.resize(120, 40);

    // Severity filter, then class, then rule; the sort by object.
    h.drive(vec![key('v')]);
    let c = h.app.readiness.checked.clone().unwrap();
    let f = &c.report.findings;
    assert_eq!(h.app.readiness.rows.len(), 15);
    assert!(
        h.app
            .readiness
            .rows
            .iter()
            .all(|i| f[*i as usize].severity == Severity::Error)
    );
    h.drive(vec![key('v'), key('v'), key('r')]);
    let first_rule = f[0].rule;
    assert_eq!(h.app.readiness.rule, Some(first_rule));
    assert!(
        h.app
            .readiness
            .rows
            .iter()
            .all(|i| f[*i as usize].rule == first_rule)
    );
    let rules: std::collections::BTreeSet<_> = f.iter().map(|x| x.rule).collect();
    let mut seen = 1;
    while h.app.readiness.rule.is_some() {
        h.drive(vec![key('r')]);
        seen += 1;
        assert!(
            seen <= rules.len() + 1,
            "the rule filter cycles back to all"
        );
    }
    assert_eq!(
        seen,
        rules.len() + 1,
        "each rule with findings once, then all"
    );
    h.drive(vec![key('f')]);
    let class = h.app.readiness.class.unwrap();
    assert!(
        h.app
            .readiness
            .rows
            .iter()
            .all(|i| f[*i as usize].rule.info().class == class)
    );
    for _ in 0..20 {
        if h.app.readiness.class.is_none() {
            break;
        }
        h.drive(vec![key('f')]);
    }
    assert_eq!(
        h.app.readiness.class, None,
        "the class filter cycles back to all"
    );
    h.drive(vec![key('s'), key('s')]);
    let names: Vec<String> = h
        .app
        .readiness
        .rows
        .iter()
        .map(|i| {
            f[*i as usize]
                .object
                .name(&h.app.session.snapshot)
                .to_lowercase()
        })
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    h.drive(vec![key('s'), key('s')]);

    // Enter: the finding's object, selected in the explorer.
    h.drive(vec![key('j'), key('j')]);
    let (finding, _) = h.app.readiness.selected().unwrap();
    let (object, rule) = (finding.object, finding.rule);
    h.drive(vec![code(KeyCode::Enter)]);
    assert_eq!(h.app.view, View::Explorer);
    match object {
        ObjectRef::OnPrem(i) => assert_eq!(h.app.explorer.selected_outcome(), Some(i)),
        ObjectRef::Cloud(c) => assert_eq!(h.app.explorer.selected_cloud(), Some(c)),
    }

    // o: the fix script of the finding; again: asked before it is replaced.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fix.ps1").display().to_string();
    h.drive(vec![key('c'), key('o')]);
    let prompt = h.app.prompt.clone().expect("a prompt");
    assert!(
        prompt
            .text
            .starts_with(&format!("syncscope-fix-{}-", rule.id())),
        "{prompt:?}"
    );
    h.app.prompt.as_mut().unwrap().text = path.clone();
    h.drive(vec![code(KeyCode::Enter)]);
    let script = std::fs::read_to_string(&path).unwrap();
    assert!(script.contains(rule.id()), "{script}");
    h.drive(vec![key('o')]);
    h.app.prompt.as_mut().unwrap().text = path.clone();
    h.drive(vec![code(KeyCode::Enter)]);
    assert!(h.screen().contains("exists. Overwrite it?"));
    h.drive(vec![key('n')]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), script);
    // O: every finding of the rule in one script.
    let bulk = dir.path().join("bulk.ps1").display().to_string();
    h.drive(vec![key('O')]);
    assert_eq!(
        h.app.prompt.as_ref().unwrap().text,
        format!("syncscope-fix-{}.ps1", rule.id())
    );
    h.app.prompt.as_mut().unwrap().text = bulk.clone();
    h.drive(vec![code(KeyCode::Enter)]);
    let all = std::fs::read_to_string(&bulk).unwrap();
    let same: Vec<_> = f.iter().filter(|x| x.rule == rule).collect();
    for x in &same {
        assert!(
            all.contains(x.object.name(&h.app.session.snapshot)),
            "{all}"
        );
    }

    // A what-if flip: the findings are checked again, their outcomes those of the new plan.
    let before: Vec<Option<String>> = c.outcomes.iter().map(|o| o.clone().map(|x| x.1)).collect();
    h.drive(vec![key('w')]);
    let item = h
        .app
        .session
        .items()
        .iter()
        .position(|i| *i == block_soft_match())
        .unwrap();
    h.app.whatif.cursor.selected = item;
    h.drive(vec![key(' '), Step::Idle]);
    h.app.handle(Action::ShowView(View::Readiness));
    assert!(h.screen().contains("under the what-if settings in force"));
    h.drive(vec![Step::Idle]);
    let now = h.app.readiness.checked.clone().unwrap();
    assert!(std::sync::Arc::ptr_eq(&now.plan, &h.app.session.plan));
    let expected = syncscope::tui::views::readiness::Checked::run(&h.app.session);
    assert_eq!(now.outcomes, expected.outcomes);
    let after: Vec<Option<String>> = now
        .outcomes
        .iter()
        .map(|o| o.clone().map(|x| x.1))
        .collect();
    assert_ne!(
        before, after,
        "blockSoftMatch changes some finding's outcome"
    );
    // Back to the snapshot's settings: the first outcomes again.
    h.drive(vec![key('w'), key('r'), key('c'), Step::Idle]);
    let back = h.app.readiness.checked.clone().unwrap();
    let back: Vec<Option<String>> = back
        .outcomes
        .iter()
        .map(|o| o.clone().map(|x| x.1))
        .collect();
    assert_eq!(back, before);
}

fn block_soft_match() -> syncscope::config::Item {
    syncscope::config::Item::Setting(syncscope::settings::Setting::BlockSoftMatch)
}

/// The readiness view over the hostile fixture: every value through the sanitizer.
#[test]
fn readiness_view_of_the_hostile_fixture_stays_escaped() {
    let b = util::hostile();
    let mut h = Harness::new(b, 120, 40, true);
    h.drive(vec![key('c'), Step::Idle]);
    let n = h.app.readiness.rows.len();
    assert!(n > 0, "the hostile fixture has findings");
    for i in 0..n {
        h.drive(vec![key('g')]);
        h.drive(vec![key('j'); i]);
        assert_clean(&h.buffer(), &format!("finding {i}"));
    }
    h.drive(vec![key('g')]);
    snap!("readiness_hostile_120x40", h.screen());
    h.resize(80, 24);
    assert_clean(&h.buffer(), "80x24");
    snap!("readiness_hostile_80x24", h.screen());
    assert!(!format!("{}", h.term.backend()).contains('\u{1b}'));
}

/// `R` on a snapshot that was not collected says why and what to run instead.
#[test]
fn recollect_explains_itself_on_a_snapshot_that_was_not_collected() {
    let mut h = Harness::new(sample(), 80, 24, true);
    h.drive(vec![key('R')]);
    let status = h.app.status.clone().unwrap();
    assert!(status.contains("is not one"), "{status}");
    assert!(status.contains("syncscope collect --ldap"), "{status}");
    assert!(h.app.effects.is_empty());
    assert_eq!(h.app.view, View::Explorer);
}

/// Issue 13: `R` on a collected folder collects it again from the Graph replay server (the
/// terminal handed over through `Host::suspend`/`resume`), loads it and shows what changed.
#[test]
fn recollect_shows_what_changed() {
    const SECRET_ENV: &str = "SYNCSCOPE_TUI_RECOLLECT_SECRET";
    // SAFETY: this binary reads the environment only through std (which locks it); no C code
    // reads it concurrently.
    unsafe { std::env::set_var(SECRET_ENV, graph::SECRET) };
    let tmp = tempfile::tempdir().unwrap();
    let tenant = graph::exports_copy(tmp.path());
    let server = graph::start(graph::Behaviour {
        exports: Some(tenant.clone()),
        ..Default::default()
    });
    let folder = tmp.path().join("snap");
    graph::collect_folder(&server, &folder, SECRET_ENV);
    let mut app = load_folder(folder.to_str().unwrap(), false, 120, 40).unwrap();
    app.source = "snap/".into();
    let mut h = Harness::from_app(app);
    assert_eq!(
        h.app.source_path,
        folder.canonicalize().unwrap().display().to_string()
    );
    let before = h.app.session.plan.counts();

    // The tenant changes: a soft-matched user is deleted from it.
    graph::remove_cloud_user(&tenant, "nadia.haddad@contoso.com");
    h.drive(vec![key('R'), Step::Idle]);
    assert_eq!(h.app.view, View::Changes, "{:?}", h.app.status);
    let c = h.app.changes.changes.clone().unwrap();
    assert_eq!(c.diff.counts_before, before);
    assert_eq!(c.diff.counts_after, h.app.session.plan.counts());
    assert_eq!(c.diff.changed.len(), 1, "{:?}", c.diff.changed);
    let o = &c.diff.changed[0];
    assert_eq!(o.name, "Nadia Haddad");
    assert_eq!(o.before.as_deref(), Some("soft-match-upn"));
    assert_eq!(
        c.diff.transitions,
        vec![("soft-match-upn".into(), o.after.clone().unwrap(), 1)]
    );
    assert!(
        c.warnings.iter().any(|w| w.contains("kept contoso-ad.ldf")),
        "the AD side added by hand survives: {:?}",
        c.warnings
    );
    assert!(folder.join("contoso-ad.ldf").is_file());
    // The times and the temporary folder vary from run to run.
    let stable = |h: &mut Harness| {
        let c = h.app.changes.changes.as_mut().unwrap();
        c.before = "2026-12-01T09:00:00Z".into();
        c.after = "2026-12-02T09:00:00Z".into();
        c.summary = c.summary.replace(&folder.display().to_string(), "snap");
        c.warnings.clear();
    };
    stable(&mut h);
    let t = h.screen();
    assert!(t.contains("What changed since the last collection"), "{t}");
    assert!(
        line_has(&t, &["Δ", "Nadia Haddad", "soft-match-upn"]),
        "{t}"
    );
    snap!("changes_120x40", t);
    h.resize(80, 24);
    snap!("changes_80x24", h.screen());
    // Enter: the changed object in the explorer of the new snapshot.
    h.drive(vec![code(KeyCode::Enter)]);
    assert_eq!(h.app.view, View::Explorer);
    assert_eq!(h.selected_name(), "Nadia Haddad");

    // Ctrl-C during a collection is tested on the real binary in tests/e2e_tmux.rs: a SIGINT
    // raised inside this test process would reach every handler the other tests installed.
}

fn line_has(screen: &str, parts: &[&str]) -> bool {
    screen.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

/// A re-plan's result comes with its comparison against A, made by the job. If A changed
/// while the job ran (a pin), that comparison is not installed: the view compares with A as it
/// is now. Here the job's comparison is against another plan than A (the new plan itself, so
/// it finds no change); the view still shows the changes against the baseline.
#[test]
fn a_comparison_made_against_another_a_is_made_again() {
    use std::sync::Arc;
    use syncscope::config::Item;
    use syncscope::settings::Setting;
    use syncscope::tui::views::whatif::Comparison;
    let mut h = Harness::new(sample(), 120, 40, true);
    let n = h.app.session.snapshot.cloud.len();
    h.app.session.flip(Item::Setting(Setting::BlockSoftMatch));
    let config = h.app.session.config.clone();
    let replan = h.app.session.plan_for(&config);
    let refs = replan.plan.cloud_references(n);
    let stale = Comparison::of(Arc::clone(&replan.plan), &replan.plan);
    assert_eq!(stale.diff.count(), 0);
    h.app
        .replanned(&config, replan, refs, stale, Duration::ZERO);
    let now = syncscope::diff::diff(&h.app.session.baseline, &h.app.session.plan);
    assert!(now.count() > 0, "blockSoftMatch changes the sample's plan");
    assert_eq!(h.app.whatif.diff, now);
    assert_eq!(h.app.whatif.changed, now.count());
    assert_eq!(
        h.app.whatif.counts_a,
        h.app.session.baseline.counts().to_vec()
    );
}
