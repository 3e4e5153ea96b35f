//! The keymap: one table that dispatches keys and writes the help screen and the hint bar, so
//! what the help says is what the keys do. Each binding names the contexts it applies in; its
//! hint (if any) carries an importance, and the hint bar shows the most important first.

use super::action::Action;
use super::views::View;
use super::views::explorer::Filter;
use super::views::prompt::{Purpose, QueryField};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Which keys apply: the view in normal mode, else the mode on top of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Explorer,
    Errors,
    WhatIf,
    Walkthrough,
    Bulk,
    Readiness,
    Changes,
    Search,
    Prompt,
    Confirm,
    Help,
    Report,
}

impl Context {
    pub const ALL: [Context; 12] = [
        Context::Explorer,
        Context::Errors,
        Context::WhatIf,
        Context::Walkthrough,
        Context::Bulk,
        Context::Readiness,
        Context::Changes,
        Context::Search,
        Context::Prompt,
        Context::Confirm,
        Context::Help,
        Context::Report,
    ];

    /// The help's title for the context.
    pub fn title(self) -> &'static str {
        match self {
            Context::Explorer => "Explorer",
            Context::Errors => "Provisioning errors",
            Context::WhatIf => "What-if",
            Context::Walkthrough => "Walkthrough",
            Context::Bulk => "Bulk hard match",
            Context::Readiness => "Readiness",
            Context::Changes => "Changes since the last collection",
            Context::Search => "While searching",
            Context::Prompt => "While typing a value",
            Context::Confirm => "When asked yes or no",
            Context::Help => "In this help",
            Context::Report => "In the load report",
        }
    }
}

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
    /// Bindings of one group share a line in the help ("0-8  quick filters: …").
    pub group: Option<&'static str>,
    /// The hint bar's word and its importance (0 first).
    pub hint: Option<(&'static str, u8)>,
}

use Context::{
    Bulk, Changes, Confirm, Errors, Explorer, Help, Prompt, Readiness, Report, Search, Walkthrough,
    WhatIf,
};
const EXPLORER: &[Context] = &[Explorer];
const ERRORS: &[Context] = &[Errors];
const WHATIF: &[Context] = &[WhatIf];
const WALK: &[Context] = &[Walkthrough];
const CONFIRM: &[Context] = &[Confirm];
const BULK: &[Context] = &[Bulk];
const READINESS: &[Context] = &[Readiness];
const VIEWS: &[Context] = &[
    Explorer,
    Errors,
    WhatIf,
    Walkthrough,
    Bulk,
    Readiness,
    Changes,
];
const LISTS: &[Context] = &[Explorer, Errors, WhatIf, Bulk, Readiness, Changes];
const PAGED: &[Context] = &[
    Explorer, Errors, WhatIf, Bulk, Readiness, Changes, Help, Report,
];
const SCROLLS: &[Context] = &[Help, Report];
const SEARCH: &[Context] = &[Search];
const PROMPT: &[Context] = &[Prompt];
const HELP: &[Context] = &[Help];
const REPORT: &[Context] = &[Report];
const EVERYWHERE: &[Context] = &Context::ALL;

const fn bind(
    contexts: &'static [Context],
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hint: Option<(&'static str, u8)>,
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

const fn filter(keys: &'static [Key], f: Filter, help: &'static str) -> Binding {
    Binding {
        contexts: EXPLORER,
        keys,
        action: Action::FilterSet(f),
        help,
        group: Some("quick filters"),
        hint: None,
    }
}

const fn shift(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::SHIFT)
}

pub const KEYMAP: &[Binding] = &[
    bind(
        EVERYWHERE,
        &[ctrl('c')],
        Action::QuitNow,
        "quit at once",
        None,
    ),
    bind(
        VIEWS,
        &[k('?')],
        Action::HelpToggle,
        "this help",
        Some(("help", 0)),
    ),
    bind(
        VIEWS,
        &[k('q')],
        Action::Quit,
        "quit (asks first if walkthrough or what-if work is unsaved)",
        Some(("quit", 1)),
    ),
    bind(
        VIEWS,
        &[code(KeyCode::Esc)],
        Action::Close,
        "back: clear the search, leave the details, clear the filter, then back to the explorer (never quits)",
        None,
    ),
    bind(
        VIEWS,
        &[k('x')],
        Action::ShowView(View::Explorer),
        "the explorer: both directories side by side",
        Some(("explorer", 8)),
    ),
    bind(
        VIEWS,
        &[k('e')],
        Action::ShowView(View::Errors),
        "provisioning errors (Get-MsolDirSyncProvisioningError)",
        Some(("errors", 7)),
    ),
    bind(
        VIEWS,
        &[k('w')],
        Action::ShowView(View::WhatIf),
        "what-if: flip features and settings",
        Some(("what-if", 7)),
    ),
    bind(
        VIEWS,
        &[k('c')],
        Action::ShowView(View::Readiness),
        "readiness: the pre-sync checks (IdFix classes, cross-directory duplicates, hardening), each with its fix",
        Some(("readiness", 7)),
    ),
    bind(
        VIEWS,
        &[k('R'), shift('R')],
        Action::Recollect,
        "collect the folder again from its sources (collected.json), then show what changed",
        None,
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
        None,
    ),
    bind(
        PAGED,
        &[code(KeyCode::PageUp), ctrl('u')],
        Action::PageUp,
        "page up",
        None,
    ),
    bind(
        PAGED,
        &[code(KeyCode::PageDown), ctrl('d')],
        Action::PageDown,
        "page down",
        None,
    ),
    bind(
        PAGED,
        &[code(KeyCode::Home), k('g')],
        Action::Top,
        "first row",
        None,
    ),
    bind(
        PAGED,
        &[code(KeyCode::End), shift('G'), k('G')],
        Action::Bottom,
        "last row",
        None,
    ),
    bind(
        EXPLORER,
        &[code(KeyCode::Tab)],
        Action::NextPane,
        "next pane (on-prem → cloud → details)",
        Some(("pane", 4)),
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
        Action::FocusDetail,
        "focus the details of the selection (again: back)",
        Some(("details", 5)),
    ),
    bind(
        EXPLORER,
        &[k('/')],
        Action::SearchStart,
        "search: narrow both lists to the objects whose name, UPN, addresses, DN, id or ImmutableID match",
        Some(("search", 2)),
    ),
    bind(
        EXPLORER,
        &[k('n')],
        Action::MatchNext,
        "next search match",
        None,
    ),
    bind(
        EXPLORER,
        &[k('N'), shift('N')],
        Action::MatchPrev,
        "previous search match",
        None,
    ),
    bind(
        EXPLORER,
        &[k('f')],
        Action::FilterNext,
        "next quick filter",
        Some(("quick filter", 6)),
    ),
    filter(&[k('0')], Filter::All, "filter: everything"),
    filter(&[k('1')], Filter::Attention, "filter: needs attention"),
    filter(&[k('2')], Filter::Errors, "filter: errors"),
    filter(
        &[k('3')],
        Filter::AdminConflicts,
        "filter: admin-role conflicts",
    ),
    filter(&[k('4')], Filter::Quarantines, "filter: quarantines"),
    filter(&[k('5')], Filter::Takeovers, "filter: takeovers"),
    filter(&[k('6')], Filter::New, "filter: new objects"),
    filter(&[k('7')], Filter::OutOfScope, "filter: out of scope"),
    filter(&[k('8')], Filter::Changed, "filter: changed by what-if"),
    bind(
        EXPLORER,
        &[k('y')],
        Action::CopyId,
        "copy the ImmutableID (on-prem) or object id (cloud) to the clipboard (OSC 52)",
        Some(("copy", 9)),
    ),
    bind(
        EXPLORER,
        &[k('m')],
        Action::MouseToggle,
        "mouse on/off (off: the terminal selects text)",
        None,
    ),
    bind(
        EXPLORER,
        &[k('W'), shift('W')],
        Action::WalkStart,
        "start the guided fix that fits the selection (W1–W4)",
        Some(("fix it", 3)),
    ),
    bind(
        &[Explorer, Bulk],
        &[k('H'), shift('H')],
        Action::Ask(Purpose::BulkCsv),
        "bulk hard match: check a SamAccountName,CloudUPN CSV",
        None,
    ),
    bind(
        BULK,
        &[k('o')],
        Action::Ask(Purpose::BulkScript),
        "write the script for the rows that pass (never overwrites without asking)",
        Some(("script", 2)),
    ),
    bind(
        VIEWS,
        &[k('L'), shift('L')],
        Action::LoadReportToggle,
        "the load report: files read, formats, warnings, skipped objects",
        None,
    ),
    bind(
        REPORT,
        &[code(KeyCode::Esc), k('q'), k('L'), shift('L')],
        Action::LoadReportToggle,
        "close the load report",
        Some(("close", 0)),
    ),
    bind(
        SCROLLS,
        &[code(KeyCode::Down), k('j')],
        Action::MoveDown,
        "scroll down",
        Some(("scroll", 1)),
    ),
    bind(
        SCROLLS,
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
        Some(("apply step", 2)),
    ),
    bind(
        WALK,
        &[k('s')],
        Action::WalkSkip,
        "skip the next step (it is left out of the script)",
        Some(("skip", 4)),
    ),
    bind(
        WALK,
        &[code(KeyCode::Left), k('h'), code(KeyCode::Backspace)],
        Action::WalkUndo,
        "undo the last step",
        Some(("undo", 5)),
    ),
    bind(
        WALK,
        &[k('t')],
        Action::WalkOther,
        "another walkthrough that fits this object",
        None,
    ),
    bind(
        WALK,
        &[k('o')],
        Action::Ask(Purpose::WalkScript),
        "write the remediation script (never overwrites without asking)",
        Some(("script", 3)),
    ),
    bind(
        WALK,
        &[k('S'), shift('S')],
        Action::Ask(Purpose::WalkScenario),
        "save the steps taken as a scenario file",
        Some(("save scenario", 6)),
    ),
    bind(CONFIRM, &[k('y')], Action::Yes, "yes", Some(("yes", 0))),
    bind(
        CONFIRM,
        &[k('n'), code(KeyCode::Esc)],
        Action::No,
        "no",
        Some(("no", 1)),
    ),
    bind(
        ERRORS,
        &[code(KeyCode::Enter)],
        Action::ErrorShowObject,
        "show the object in the explorer, conflict explained",
        Some(("show", 2)),
    ),
    bind(
        ERRORS,
        &[k('p')],
        Action::ErrorPropertyName,
        "-PropertyName: any → UserPrincipalName → ProxyAddresses",
        Some(("property", 3)),
    ),
    bind(
        ERRORS,
        &[k('v')],
        Action::Ask(Purpose::Query(QueryField::PropertyValue)),
        "-PropertyValue (needs -PropertyName; case-sensitive)",
        None,
    ),
    bind(
        ERRORS,
        &[k('s')],
        Action::Ask(Purpose::Query(QueryField::SearchString)),
        "-SearchString: prefix of name, UPN or value (case-sensitive)",
        Some(("search", 4)),
    ),
    bind(
        ERRORS,
        &[k('o')],
        Action::ErrorSortField,
        "-SortField: None → DisplayName → UserPrincipalName",
        Some(("sort", 5)),
    ),
    bind(
        ERRORS,
        &[k('d')],
        Action::ErrorSortDirection,
        "-SortDirection: Ascending ↔ Descending",
        None,
    ),
    bind(
        ERRORS,
        &[k('l')],
        Action::Ask(Purpose::Query(QueryField::MaxResults)),
        "-MaxResults N (empty: the default 500)",
        None,
    ),
    bind(
        ERRORS,
        &[k('a')],
        Action::ErrorAllToggle,
        "-All ↔ -MaxResults",
        None,
    ),
    bind(
        ERRORS,
        &[k('y')],
        Action::CopyCmdlet,
        "copy the Get-MsolDirSyncProvisioningError line",
        Some(("copy", 6)),
    ),
    bind(
        ERRORS,
        &[k('Y'), shift('Y')],
        Action::CopyGraph,
        "copy the Microsoft Graph PowerShell line",
        None,
    ),
    bind(
        ERRORS,
        &[k('C'), shift('C')],
        Action::CopyCommand,
        "copy the syncscope errors command",
        None,
    ),
    bind(
        WHATIF,
        &[code(KeyCode::Enter), k(' ')],
        Action::WhatIfFlip,
        "flip the setting: the plan is made again in the background",
        Some(("flip", 2)),
    ),
    bind(
        WHATIF,
        &[k('r')],
        Action::WhatIfReset,
        "reset to the snapshot's own settings",
        Some(("reset", 3)),
    ),
    bind(
        WHATIF,
        &[k('p')],
        Action::WhatIfPin,
        "pin these settings as A and compare what you flip next (B) against them",
        Some(("pin A", 5)),
    ),
    bind(
        WHATIF,
        &[k('v')],
        Action::WhatIfShowChanged,
        "show the changed objects in the explorer",
        Some(("show changed", 4)),
    ),
    bind(
        READINESS,
        &[code(KeyCode::Enter)],
        Action::ReadinessShowObject,
        "show the finding's object in the explorer",
        Some(("show", 2)),
    ),
    bind(
        READINESS,
        &[k('v')],
        Action::ReadinessSeverity,
        "severity: all → errors → warnings",
        Some(("severity", 4)),
    ),
    bind(
        READINESS,
        &[k('f')],
        Action::ReadinessClass,
        "class: all → each class with findings (character, format, duplicate, hardening, …)",
        Some(("class", 5)),
    ),
    bind(
        READINESS,
        &[k('r')],
        Action::ReadinessRule,
        "rule: all → each rule with findings (C1, C2, …)",
        None,
    ),
    bind(
        READINESS,
        &[k('s')],
        Action::ReadinessSort,
        "sort: rule → severity → object → attribute",
        Some(("sort", 6)),
    ),
    bind(
        READINESS,
        &[k('o')],
        Action::Ask(Purpose::FixScript),
        "write the fix script for the selected finding (never overwrites without asking)",
        Some(("fix script", 3)),
    ),
    bind(
        READINESS,
        &[k('O'), shift('O')],
        Action::Ask(Purpose::BulkFixScript),
        "write one fix script for every finding of the selected finding's rule (never overwrites without asking)",
        None,
    ),
    bind(
        &[Changes],
        &[code(KeyCode::Enter)],
        Action::ReadinessShowObject,
        "show the changed object in the explorer",
        Some(("show", 2)),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Enter)],
        Action::SearchKeep,
        "keep the lists narrowed to the matches and stop typing (n/N jump)",
        Some(("keep", 0)),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Esc)],
        Action::SearchClear,
        "clear the search: both lists show everything again",
        Some(("clear", 1)),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Backspace)],
        Action::SearchErase,
        "delete a character",
        None,
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Down), ctrl('n')],
        Action::MatchNext,
        "next match",
        Some(("next", 2)),
    ),
    bind(
        SEARCH,
        &[code(KeyCode::Up), ctrl('p')],
        Action::MatchPrev,
        "previous match",
        None,
    ),
    bind(
        PROMPT,
        &[code(KeyCode::Enter)],
        Action::PromptAccept,
        "apply the value",
        Some(("apply", 0)),
    ),
    bind(
        PROMPT,
        &[code(KeyCode::Esc)],
        Action::PromptCancel,
        "leave the value as it was",
        Some(("cancel", 1)),
    ),
    bind(
        PROMPT,
        &[code(KeyCode::Backspace)],
        Action::PromptErase,
        "delete a character",
        None,
    ),
    bind(
        HELP,
        &[code(KeyCode::Esc), k('q'), k('?')],
        Action::HelpToggle,
        "close the help",
        Some(("close", 0)),
    ),
];

/// The action a key stands for in a context. While searching or typing a value, any other
/// printable character is typed.
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
        (Context::Search, KeyCode::Char(c)) if typed => Some(Action::SearchType(c)),
        (Context::Prompt, KeyCode::Char(c)) if typed => Some(Action::PromptType(c)),
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

/// Hint-bar entries of a context, the most important first: (first key, word).
pub fn hints(ctx: Context) -> Vec<(String, &'static str)> {
    let mut v: Vec<(u8, usize, String, &'static str)> = KEYMAP
        .iter()
        .enumerate()
        .filter(|(_, b)| b.contexts.contains(&ctx))
        .filter_map(|(i, b)| {
            b.hint
                .map(|(word, rank)| (rank, i, key_name(&b.keys[0]), word))
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, _, k, w)| (k, w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_dispatch_per_context_and_esc_never_quits() {
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::Explorer, j), Some(Action::MoveDown));
        assert_eq!(dispatch(Context::Search, j), Some(Action::SearchType('j')));
        assert_eq!(dispatch(Context::Prompt, j), Some(Action::PromptType('j')));
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(dispatch(Context::Explorer, big_g), Some(Action::Bottom));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in Context::ALL {
            assert_eq!(dispatch(ctx, ctrl_c), Some(Action::QuitNow), "{ctx:?}");
            let esc = dispatch(ctx, press(KeyCode::Esc, KeyModifiers::NONE));
            assert!(
                !matches!(esc, Some(Action::Quit | Action::QuitNow)),
                "Esc quits in {ctx:?}"
            );
        }
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::Explorer, q), Some(Action::Quit));
        assert_eq!(dispatch(Context::Search, q), Some(Action::SearchType('q')));
        let p = press(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(
            dispatch(Context::Errors, p),
            Some(Action::ErrorPropertyName)
        );
        assert_eq!(dispatch(Context::Explorer, p), None);
        let space = press(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::WhatIf, space), Some(Action::WhatIfFlip));
    }

    #[test]
    fn every_binding_is_in_the_help_and_no_key_is_bound_twice_in_a_context() {
        for ctx in Context::ALL {
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

    #[test]
    fn help_is_the_first_hint_of_every_view() {
        for ctx in [
            Context::Explorer,
            Context::Errors,
            Context::WhatIf,
            Context::Walkthrough,
            Context::Bulk,
            Context::Readiness,
            Context::Changes,
        ] {
            let h = hints(ctx);
            assert_eq!(h[0], ("?".to_string(), "help"), "{ctx:?}");
            assert_eq!(h[1], ("q".to_string(), "quit"), "{ctx:?}");
        }
    }
}
