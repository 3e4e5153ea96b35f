//! The keymap: one table that both dispatches keys and writes the help screen and the hint bar,
//! so what the help says is what the keys do.

use super::action::Action;
use super::state::{Filter, Mode};
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
    pub modes: &'static [Mode],
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
    /// Bindings of one group share a line in the help ("0-7  views: …").
    pub group: Option<&'static str>,
    /// Shown in the hint bar of its modes.
    pub hint: Option<&'static str>,
}

const NORMAL: &[Mode] = &[Mode::Normal];
const SEARCH: &[Mode] = &[Mode::Search];
const HELP: &[Mode] = &[Mode::Help];
const ALL: &[Mode] = &[Mode::Normal, Mode::Search, Mode::Help];

pub const KEYMAP: &[Binding] = &[
    Binding {
        modes: ALL,
        keys: &[ctrl('c')],
        action: Action::Quit,
        help: "quit at once",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('q'), code(KeyCode::Esc)],
        action: Action::Back,
        help: "back (close search, filter or details); quit at the top",
        group: None,
        hint: Some("quit"),
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::Up), k('k')],
        action: Action::MoveUp,
        help: "previous object (details: scroll up)",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::Down), k('j')],
        action: Action::MoveDown,
        help: "next object (details: scroll down)",
        group: None,
        hint: Some("move"),
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::PageUp), ctrl('u')],
        action: Action::PageUp,
        help: "page up",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::PageDown), ctrl('d')],
        action: Action::PageDown,
        help: "page down",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::Home), k('g')],
        action: Action::Top,
        help: "first object",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[
            code(KeyCode::End),
            Key(KeyCode::Char('G'), KeyModifiers::SHIFT),
            k('G'),
        ],
        action: Action::Bottom,
        help: "last object",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::Tab)],
        action: Action::NextPane,
        help: "next pane (on-prem → cloud → details)",
        group: None,
        hint: Some("pane"),
    },
    Binding {
        modes: NORMAL,
        keys: &[
            code(KeyCode::BackTab),
            Key(KeyCode::BackTab, KeyModifiers::SHIFT),
        ],
        action: Action::PrevPane,
        help: "previous pane",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[code(KeyCode::Enter)],
        action: Action::ToggleDetail,
        help: "focus the details of the selection (again: back)",
        group: None,
        hint: Some("details"),
    },
    Binding {
        modes: NORMAL,
        keys: &[k('/')],
        action: Action::StartSearch,
        help: "fuzzy search: name, UPN, addresses, DN, ids, anchors",
        group: None,
        hint: Some("search"),
    },
    Binding {
        modes: NORMAL,
        keys: &[k('n')],
        action: Action::NextMatch,
        help: "next search match",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('N'), Key(KeyCode::Char('N'), KeyModifiers::SHIFT)],
        action: Action::PrevMatch,
        help: "previous search match",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('f')],
        action: Action::CycleFilter,
        help: "next quick filter",
        group: None,
        hint: Some("filter"),
    },
    Binding {
        modes: NORMAL,
        keys: &[k('0')],
        action: Action::SetFilter(Filter::All),
        help: "filter: everything",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('1')],
        action: Action::SetFilter(Filter::Attention),
        help: "filter: needs attention (not a plain update)",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('2')],
        action: Action::SetFilter(Filter::Errors),
        help: "filter: errors",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('3')],
        action: Action::SetFilter(Filter::AdminConflicts),
        help: "filter: admin-role conflicts",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('4')],
        action: Action::SetFilter(Filter::Quarantines),
        help: "filter: quarantined values",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('5')],
        action: Action::SetFilter(Filter::Takeovers),
        help: "filter: takeovers (hard/soft match, restore)",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('6')],
        action: Action::SetFilter(Filter::New),
        help: "filter: new objects",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('7')],
        action: Action::SetFilter(Filter::OutOfScope),
        help: "filter: out of scope",
        group: Some("quick filters (views)"),
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('y')],
        action: Action::Copy,
        help: "copy the ImmutableID (on-prem) or object id (cloud) to the clipboard (OSC 52)",
        group: None,
        hint: Some("copy"),
    },
    Binding {
        modes: NORMAL,
        keys: &[k('m')],
        action: Action::ToggleMouse,
        help: "mouse on/off (off: the terminal selects text)",
        group: None,
        hint: None,
    },
    Binding {
        modes: NORMAL,
        keys: &[k('?')],
        action: Action::ToggleHelp,
        help: "this help",
        group: None,
        hint: Some("help"),
    },
    Binding {
        modes: SEARCH,
        keys: &[code(KeyCode::Enter)],
        action: Action::SearchAccept,
        help: "keep the match and leave search (n/N move on)",
        group: None,
        hint: Some("keep"),
    },
    Binding {
        modes: SEARCH,
        keys: &[code(KeyCode::Esc)],
        action: Action::SearchCancel,
        help: "cancel the search",
        group: None,
        hint: Some("cancel"),
    },
    Binding {
        modes: SEARCH,
        keys: &[code(KeyCode::Backspace)],
        action: Action::SearchBackspace,
        help: "delete a character",
        group: None,
        hint: None,
    },
    Binding {
        modes: SEARCH,
        keys: &[code(KeyCode::Down), ctrl('n')],
        action: Action::NextMatch,
        help: "next match",
        group: None,
        hint: Some("next"),
    },
    Binding {
        modes: SEARCH,
        keys: &[code(KeyCode::Up), ctrl('p')],
        action: Action::PrevMatch,
        help: "previous match",
        group: None,
        hint: None,
    },
    Binding {
        modes: HELP,
        keys: &[code(KeyCode::Esc), k('q'), k('?')],
        action: Action::ToggleHelp,
        help: "close the help",
        group: None,
        hint: Some("close"),
    },
    Binding {
        modes: HELP,
        keys: &[code(KeyCode::Down), k('j')],
        action: Action::MoveDown,
        help: "scroll down",
        group: None,
        hint: None,
    },
    Binding {
        modes: HELP,
        keys: &[code(KeyCode::Up), k('k')],
        action: Action::MoveUp,
        help: "scroll up",
        group: None,
        hint: None,
    },
];

/// The action a key stands for in a mode. In search mode any other printable character is
/// typed into the query.
pub fn dispatch(mode: Mode, ev: KeyEvent) -> Option<Action> {
    // Shift is implied by upper-case characters; compare without it for them.
    let mods = match ev.code {
        KeyCode::Char(c) if !c.is_ascii_lowercase() => ev.modifiers - KeyModifiers::SHIFT,
        _ => ev.modifiers,
    };
    let pressed = Key(ev.code, mods);
    let found = KEYMAP
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .find(|b| {
            b.keys
                .iter()
                .any(|key| *key == pressed || *key == Key(ev.code, ev.modifiers))
        })
        .map(|b| b.action);
    if found.is_some() {
        return found;
    }
    match (mode, ev.code) {
        (Mode::Search, KeyCode::Char(c))
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::SearchInput(c))
        }
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

/// Help sections: (title, [(keys, description)]), straight from the table. Bindings of a
/// group become one line: their keys joined, their descriptions listed.
pub fn help_sections() -> Vec<(&'static str, Vec<(String, String)>)> {
    [
        (Mode::Normal, "Explorer"),
        (Mode::Search, "While searching"),
        (Mode::Help, "In this help"),
    ]
    .into_iter()
    .map(|(mode, title)| {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut groups: Vec<&str> = Vec::new();
        for b in KEYMAP.iter().filter(|b| b.modes.contains(&mode)) {
            match b.group {
                None => rows.push((keys_label(b), b.help.to_string())),
                Some(g) if groups.contains(&g) => {}
                Some(g) => {
                    groups.push(g);
                    let members: Vec<&Binding> = KEYMAP
                        .iter()
                        .filter(|m| m.group == Some(g) && m.modes.contains(&mode))
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
        (title, rows)
    })
    .collect()
}

/// Hint-bar entries of a mode: (first key, word).
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .filter(|b| b.modes.contains(&mode))
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
    fn keys_dispatch_per_mode() {
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(dispatch(Mode::Normal, j), Some(Action::MoveDown));
        assert_eq!(dispatch(Mode::Search, j), Some(Action::SearchInput('j')));
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(dispatch(Mode::Normal, big_g), Some(Action::Bottom));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Mode::Normal, Mode::Search, Mode::Help] {
            assert_eq!(dispatch(mode, ctrl_c), Some(Action::Quit));
        }
        assert_eq!(
            dispatch(Mode::Search, press(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::SearchInput('?'))
        );
    }

    #[test]
    fn every_binding_is_in_the_help_and_no_key_is_bound_twice_in_a_mode() {
        let help: String = help_sections()
            .iter()
            .flat_map(|(_, rows)| rows.iter().map(|(k, h)| format!("{k} {h}\n")))
            .collect();
        for b in KEYMAP {
            let what = b.help.split_once(": ").map_or(b.help, |(_, w)| w);
            assert!(help.contains(what), "help lacks {:?}", b.help);
            let keys = keys_label(b);
            assert!(
                help.contains(&keys) || b.group.is_some(),
                "help lacks the keys of {:?}",
                b.help
            );
        }
        for mode in [Mode::Normal, Mode::Search, Mode::Help] {
            let mut seen = Vec::new();
            for b in KEYMAP.iter().filter(|b| b.modes.contains(&mode)) {
                for key in b.keys {
                    assert!(!seen.contains(key), "{key:?} bound twice in {mode:?}");
                    seen.push(*key);
                }
            }
        }
    }
}
