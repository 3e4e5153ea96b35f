//! The keymap: one table that both dispatches keys and writes the help screen and the hint bar,
//! so what the help says is what the keys do. Each binding names the contexts it applies in.

use super::action::Action;
use super::errors::Field;
use super::state::{Context, Filter, View};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as bound: a code plus the modifiers that must be held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(pub KeyCode, pub KeyModifiers);

const fn k(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::NONE)
}
const fn code(c: KeyCode) -> Key {
    Key(c, KeyModifiers::NONE)
}
const fn ctrl(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub struct Binding {
    pub contexts: &'static [Context],
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
    /// Bindings of one group share a line in the help ("0-8  views: …").
    pub group: Option<&'static str>,
    /// Shown in the hint bar of its contexts.
    pub hint: Option<&'static str>,
}

use Context::{Bulk, Confirm, Edit, Errors, Explorer, Help, Report, Search, Walkthrough, WhatIf};
const EXPLORER: &[Context] = &[Explorer];
const ERRORS: &[Context] = &[Errors];
const WHATIF: &[Context] = &[WhatIf];
const WALK: &[Context] = &[Walkthrough];
const CONFIRM: &[Context] = &[Confirm];
const BULK: &[Context] = &[Bulk];
const VIEWS: &[Context] = &[Explorer, Errors, WhatIf, Walkthrough, Bulk];
const LISTS: &[Context] = &[Explorer, Errors, WhatIf, Bulk];
const SEARCH: &[Context] = &[Search];
const EDIT: &[Context] = &[Edit];
const HELP: &[Context] = &[Help];
const REPORT: &[Context] = &[Report];
/// Every context: keys that work wherever the admin is (Ctrl-C).
const EVERYWHERE: &[Context] = &Context::ALL;

const fn bind(
    contexts: &'static [Context],
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        contexts,
        keys,
        action,
        help,
        group: None,
        hint,
    }
}

const fn view(keys: &'static [Key], f: Filter, help: &'static str) -> Binding {
    Binding {
        contexts: EXPLORER,
        keys,
        action: Action::SetFilter(f),
        help,
        group: Some("quick filters (views)"),
        hint: None,
    }
}

const SHIFT_G: Key = Key(KeyCode::Char('G'), KeyModifiers::SHIFT);
const SHIFT_N: Key = Key(KeyCode::Char('N'), KeyModifiers::SHIFT);
const SHIFT_Y: Key = Key(KeyCode::Char('Y'), KeyModifiers::SHIFT);

pub const KEYMAP: &[Binding] = &[
    bind(EVERYWHERE, &[ctrl('c')], Action::Quit, "quit at once", None),
    bind(
        VIEWS,
        &[k('q'), code(KeyCode::Esc)],
        Action::Back,
        "back (close search, filter or details; then the explorer); quit at the top",
        Some("quit"),
    ),
    bind(
        VIEWS,
        &[k('x')],
        Action::SwitchView(View::Explorer),
        "the explorer: both directories side by side",
        None,
    ),
    bind(
        VIEWS,
        &[k('e')],
        Action::SwitchView(View::Errors),
        "provisioning errors (Get-MsolDirSyncProvisioningError)",
        Some("errors"),
    ),
    bind(
        VIEWS,
        &[k('w')],
        Action::SwitchView(View::WhatIf),
        "what-if: flip features and settings",
        Some("what-if"),
    ),
    bind(VIEWS, &[k(']')], Action::NextView, "next view", None),
    bind(
        LISTS,
        &[code(KeyCode::Up), k('k')],
        Action::MoveUp,
        "previous row (details: scroll up)",
        None,
    ),
    bind(
        LISTS,
        &[code(KeyCode::Down), k('j')],
        Action::MoveDown,
        "next row (details: scroll down)",
        Some("move"),
    ),
    bind(
        LISTS,
        &[code(KeyCode::PageUp), ctrl('u')],
        Action::PageUp,
        "page up",
        None,
    ),
    bind(
        LISTS,
        &[code(KeyCode::PageDown), ctrl('d')],
        Action::PageDown,
        "page down",
        None,
    ),
    bind(
        LISTS,
        &[code(KeyCode::Home), k('g')],
        Action::Top,
        "first row",
        None,
    ),
    bind(
        LISTS,
        &[code(KeyCode::End), SHIFT_G, k('G')],
        Action::Bottom,
        "last row",
        None,
    ),
    bind(
        EXPLORER,
        &[code(KeyCode::Tab)],
        Action::NextPane,
        "next pane (on-prem → cloud → details)",
        Some("pane"),
    ),
    bind(
        EXPLORER,
        &[
            code(KeyCode::BackTab),
            Key(KeyCode::BackTab, KeyModifiers::SHIFT),
        ],
        Action::PrevPane,
        "previous pane",
        None,
    ),
    bind(
        EXPLORER,
        &[code(KeyCode::Enter)],
        Action::ToggleDetail,
        "focus the details of the selection (again: back)",
        Some("details"),
    ),
    bind(
        EXPLORER,
        &[k('/')],
        Action::StartSearch,
        "fuzzy search: name, UPN, addresses, DN, ids, anchors",
        Some("search"),
    ),
    bind(
        EXPLORER,
        &[k('n')],
        Action::NextMatch,
        "next search match",
        None,
    ),
    bind(
        EXPLORER,
        &[k('N'), SHIFT_N],
        Action::PrevMatch,
        "previous search match",
        None,
    ),
    bind(
        EXPLORER,
        &[k('f')],
        Action::CycleFilter,
        "next quick filter",
        Some("filter"),
    ),
    view(&[k('0')], Filter::All, "filter: everything"),
    view(&[k('1')], Filter::Attention, "filter: needs attention"),
    view(&[k('2')], Filter::Errors, "filter: errors"),
    view(
        &[k('3')],
        Filter::AdminConflicts,
        "filter: admin-role conflicts",
    ),
    view(&[k('4')], Filter::Quarantines, "filter: quarantines"),
    view(&[k('5')], Filter::Takeovers, "filter: takeovers"),
    view(&[k('6')], Filter::New, "filter: new objects"),
    view(&[k('7')], Filter::OutOfScope, "filter: out of scope"),
    view(&[k('8')], Filter::Changed, "filter: changed by what-if"),
    bind(
        EXPLORER,
        &[k('y')],
        Action::Copy,
        "copy the ImmutableID (on-prem) or object id (cloud) to the clipboard (OSC 52)",
        Some("copy"),
    ),
    bind(
        EXPLORER,
        &[k('m')],
        Action::ToggleMouse,
        "mouse on/off (off: the terminal selects text)",
        None,
    ),
    bind(
        EXPLORER,
        &[k('W'), Key(KeyCode::Char('W'), KeyModifiers::SHIFT)],
        Action::StartWalkthrough,
        "start the guided fix that fits the selection (W1–W4)",
        Some("fix it"),
    ),
    bind(
        EXPLORER,
        &[k('H'), Key(KeyCode::Char('H'), KeyModifiers::SHIFT)],
        Action::EditField(Field::CsvPath),
        "bulk hard match: check a SamAccountName,CloudUPN CSV",
        None,
    ),
    bind(
        BULK,
        &[k('o')],
        Action::EditField(Field::BulkScriptPath),
        "write the script for the rows that pass (never overwrites without asking)",
        Some("script"),
    ),
    bind(
        BULK,
        &[k('H'), Key(KeyCode::Char('H'), KeyModifiers::SHIFT)],
        Action::EditField(Field::CsvPath),
        "check another CSV",
        None,
    ),
    bind(
        VIEWS,
        &[k('L'), Key(KeyCode::Char('L'), KeyModifiers::SHIFT)],
        Action::ToggleLoadReport,
        "the load report: files read, formats, warnings, skipped objects",
        None,
    ),
    bind(
        REPORT,
        &[
            code(KeyCode::Esc),
            k('q'),
            k('L'),
            Key(KeyCode::Char('L'), KeyModifiers::SHIFT),
        ],
        Action::ToggleLoadReport,
        "close the load report",
        Some("close"),
    ),
    bind(
        REPORT,
        &[code(KeyCode::Down), k('j')],
        Action::MoveDown,
        "scroll down",
        None,
    ),
    bind(
        REPORT,
        &[code(KeyCode::Up), k('k')],
        Action::MoveUp,
        "scroll up",
        None,
    ),
    bind(
        WALK,
        &[code(KeyCode::Enter), code(KeyCode::Right), k('l')],
        Action::WalkApply,
        "apply the next step to the what-if copy",
        Some("apply step"),
    ),
    bind(
        WALK,
        &[k('s')],
        Action::WalkSkip,
        "skip the next step (it is left out of the script)",
        Some("skip"),
    ),
    bind(
        WALK,
        &[code(KeyCode::Left), k('h'), code(KeyCode::Backspace)],
        Action::WalkBack,
        "undo the last step",
        Some("undo"),
    ),
    bind(
        WALK,
        &[k('t')],
        Action::NextWalkthroughKind,
        "another walkthrough that fits this object",
        None,
    ),
    bind(
        WALK,
        &[k('o')],
        Action::EditField(Field::ScriptPath),
        "write the remediation script (never overwrites without asking)",
        Some("script"),
    ),
    bind(
        WALK,
        &[k('S'), Key(KeyCode::Char('S'), KeyModifiers::SHIFT)],
        Action::EditField(Field::ScenarioPath),
        "save the steps taken as a scenario file",
        Some("save scenario"),
    ),
    bind(
        CONFIRM,
        &[k('y')],
        Action::ConfirmYes,
        "overwrite the file",
        Some("overwrite"),
    ),
    bind(
        CONFIRM,
        &[k('n'), code(KeyCode::Esc)],
        Action::ConfirmNo,
        "keep the existing file",
        Some("keep it"),
    ),
    bind(
        ERRORS,
        &[code(KeyCode::Enter)],
        Action::Activate,
        "show the object in the explorer, conflict explained",
        Some("show"),
    ),
    bind(
        ERRORS,
        &[k('p')],
        Action::CyclePropertyName,
        "-PropertyName: any → UserPrincipalName → ProxyAddresses",
        Some("property"),
    ),
    bind(
        ERRORS,
        &[k('v')],
        Action::EditField(Field::PropertyValue),
        "-PropertyValue (needs -PropertyName; case-sensitive)",
        None,
    ),
    bind(
        ERRORS,
        &[k('s')],
        Action::EditField(Field::SearchString),
        "-SearchString: prefix of name, UPN or value (case-sensitive)",
        Some("search"),
    ),
    bind(
        ERRORS,
        &[k('o')],
        Action::CycleSortField,
        "-SortField: None → DisplayName → UserPrincipalName",
        Some("sort"),
    ),
    bind(
        ERRORS,
        &[k('d')],
        Action::ToggleSortDirection,
        "-SortDirection: Ascending ↔ Descending",
        None,
    ),
    bind(
        ERRORS,
        &[k('l')],
        Action::EditField(Field::MaxResults),
        "-MaxResults N (empty: the default 500)",
        None,
    ),
    bind(
        ERRORS,
        &[k('a')],
        Action::ToggleAll,
        "-All ↔ -MaxResults",
        None,
    ),
    bind(
        ERRORS,
        &[k('y')],
        Action::CopyCmdlet,
        "copy the Get-MsolDirSyncProvisioningError line",
        Some("copy"),
    ),
    bind(
        ERRORS,
        &[k('Y'), SHIFT_Y],
        Action::CopyGraph,
        "copy the Microsoft Graph PowerShell line",
        None,
    ),
    bind(
        ERRORS,
        &[k('c')],
        Action::CopyCommand,
        "copy the syncscope errors command",
        None,
    ),
    bind(
        WHATIF,
        &[code(KeyCode::Enter), k(' ')],
        Action::Flip,
        "flip the setting: the plan is recomputed at once",
        Some("flip"),
    ),
    bind(
        WHATIF,
        &[k('r')],
        Action::ResetWhatIf,
        "reset to the snapshot's real settings",
        Some("reset"),
    ),
    bind(
        WHATIF,
        &[k('c')],
        Action::TogglePin,
        "pin these settings as A and compare what you flip next (B) against them",
        Some("pin A"),
    ),
    bind(
        WHATIF,
        &[k('v')],
        Action::ShowChanged,
        "show the changed objects in the explorer",
        Some("show changed"),
    ),
    bind(
        VIEWS,
        &[k('?')],
        Action::ToggleHelp,
        "this help",
        Some("help"),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Enter)],
        Action::SearchAccept,
        "keep the match and leave search (n/N move on)",
        Some("keep"),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Esc)],
        Action::SearchCancel,
        "cancel the search",
        Some("cancel"),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Backspace)],
        Action::SearchBackspace,
        "delete a character",
        None,
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Down), ctrl('n')],
        Action::NextMatch,
        "next match",
        Some("next"),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Up), ctrl('p')],
        Action::PrevMatch,
        "previous match",
        None,
    ),
    bind(
        EDIT,
        &[code(KeyCode::Enter)],
        Action::EditAccept,
        "apply the value",
        Some("apply"),
    ),
    bind(
        EDIT,
        &[code(KeyCode::Esc)],
        Action::EditCancel,
        "leave the value as it was",
        Some("cancel"),
    ),
    bind(
        EDIT,
        &[code(KeyCode::Backspace)],
        Action::EditBackspace,
        "delete a character",
        None,
    ),
    bind(
        HELP,
        &[code(KeyCode::Esc), k('q'), k('?')],
        Action::ToggleHelp,
        "close the help",
        Some("close"),
    ),
    bind(
        HELP,
        &[code(KeyCode::Down), k('j')],
        Action::MoveDown,
        "scroll down",
        None,
    ),
    bind(
        HELP,
        &[code(KeyCode::Up), k('k')],
        Action::MoveUp,
        "scroll up",
        None,
    ),
];

/// The action a key stands for in a context. While searching or editing, any other printable
/// character is typed.
pub fn dispatch(ctx: Context, ev: KeyEvent) -> Option<Action> {
    // Shift is implied by upper-case characters; compare without it for them.
    let mods = match ev.code {
        KeyCode::Char(c) if !c.is_ascii_lowercase() => ev.modifiers - KeyModifiers::SHIFT,
        _ => ev.modifiers,
    };
    let pressed = Key(ev.code, mods);
    let found = KEYMAP
        .iter()
        .filter(|b| b.contexts.contains(&ctx))
        .find(|b| {
            b.keys
                .iter()
                .any(|key| *key == pressed || *key == Key(ev.code, ev.modifiers))
        })
        .map(|b| b.action);
    if found.is_some() {
        return found;
    }
    let typed = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match (ctx, ev.code) {
        (Context::Search, KeyCode::Char(c)) if typed => Some(Action::SearchInput(c)),
        (Context::Edit, KeyCode::Char(c)) if typed => Some(Action::EditInput(c)),
        _ => None,
    }
}

/// A key as people write it.
pub fn key_name(key: &Key) -> String {
    let base = match key.0 {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        other => format!("{other:?}"),
    };
    if key.1.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

/// The keys of a binding as people write them, without duplicates ("↓/j").
pub fn keys_label(b: &Binding) -> String {
    let mut names: Vec<String> = Vec::new();
    for key in b.keys {
        let n = key_name(key);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.join("/")
}

/// The help's sections, in order, with their titles.
pub const SECTIONS: [(Context, &str); 10] = [
    (Context::Explorer, "Explorer"),
    (Context::Errors, "Provisioning errors"),
    (Context::WhatIf, "What-if"),
    (Context::Walkthrough, "Walkthrough"),
    (Context::Bulk, "Bulk hard match"),
    (Context::Search, "While searching"),
    (Context::Edit, "While typing a value"),
    (Context::Confirm, "When asked to overwrite"),
    (Context::Help, "In this help"),
    (Context::Report, "In the load report"),
];

/// Help rows of a context: (keys, description), straight from the table. Bindings of a group
/// become one line: their keys joined, their descriptions listed.
pub fn help_rows(ctx: Context) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for b in KEYMAP.iter().filter(|b| b.contexts.contains(&ctx)) {
        match b.group {
            None => rows.push((keys_label(b), b.help.to_string())),
            Some(g) if groups.contains(&g) => {}
            Some(g) => {
                groups.push(g);
                let members: Vec<&Binding> = KEYMAP
                    .iter()
                    .filter(|m| m.group == Some(g) && m.contexts.contains(&ctx))
                    .collect();
                let keys: Vec<String> = members.iter().map(|m| keys_label(m)).collect();
                let items: Vec<String> = members
                    .iter()
                    .zip(&keys)
                    .map(|(m, k)| {
                        let what = m.help.split_once(": ").map_or(m.help, |(_, w)| w);
                        format!("{k} {what}")
                    })
                    .collect();
                let label = match (keys.first(), keys.last()) {
                    (Some(a), Some(z)) if keys.len() > 2 => format!("{a}-{z}"),
                    _ => keys.join("/"),
                };
                rows.push((label, format!("{g}: {}", items.join(", "))));
            }
        }
    }
    rows
}

/// Hint-bar entries of a context: (first key, word).
pub fn hints(ctx: Context) -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .filter(|b| b.contexts.contains(&ctx))
        .filter_map(|b| b.hint.map(|h| (key_name(&b.keys[0]), h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_dispatch_per_context() {
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::Explorer, j), Some(Action::MoveDown));
        assert_eq!(dispatch(Context::Search, j), Some(Action::SearchInput('j')));
        assert_eq!(dispatch(Context::Edit, j), Some(Action::EditInput('j')));
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(dispatch(Context::Explorer, big_g), Some(Action::Bottom));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in Context::ALL {
            assert_eq!(dispatch(ctx, ctrl_c), Some(Action::Quit), "{ctx:?}");
        }
        assert_eq!(
            SECTIONS.len(),
            Context::ALL.len(),
            "every context has a help section"
        );
        let p = press(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(
            dispatch(Context::Errors, p),
            Some(Action::CyclePropertyName)
        );
        assert_eq!(dispatch(Context::Explorer, p), None);
        let space = press(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::WhatIf, space), Some(Action::Flip));
    }

    #[test]
    fn every_binding_is_in_the_help_and_no_key_is_bound_twice_in_a_context() {
        for (ctx, _) in SECTIONS {
            let help: String = help_rows(ctx)
                .iter()
                .map(|(k, h)| format!("{k} {h}\n"))
                .collect();
            let mut seen = Vec::new();
            for b in KEYMAP.iter().filter(|b| b.contexts.contains(&ctx)) {
                let what = b.help.split_once(": ").map_or(b.help, |(_, w)| w);
                assert!(help.contains(what), "help lacks {:?}", b.help);
                assert!(
                    help.contains(&keys_label(b)) || b.group.is_some(),
                    "help lacks the keys of {:?}",
                    b.help
                );
                for key in b.keys {
                    assert!(!seen.contains(key), "{key:?} bound twice in {ctx:?}");
                    seen.push(*key);
                }
            }
        }
    }
}
