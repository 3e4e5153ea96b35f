//! `update(&mut State, Action)`: the only place the explorer's state changes. No I/O: the
//! clipboard request is left in `State::clipboard` for the runner.

use super::action::Action;
use super::detail;
use super::errors::Field;
use super::errors::Target;
use super::state::{Filter, Hit, Mode, Pane, State, View, WriteRequest, list_page};
use super::whatif;
use crate::query::{Limit, SortDirection, SortField};
use base64::Engine as _;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

pub fn update(s: &mut State, action: Action) {
    // A status message lasts until the next action.
    s.status = None;
    match action {
        Action::Quit => s.quit = true,
        Action::Back => back(s),
        Action::MoveUp => move_by(s, -1),
        Action::MoveDown => move_by(s, 1),
        Action::PageUp => move_by(s, -(s.page(s.focus).max(1) as isize)),
        Action::PageDown => move_by(s, s.page(s.focus).max(1) as isize),
        Action::Top => move_by(s, isize::MIN / 2),
        Action::Bottom => move_by(s, isize::MAX / 2),
        Action::NextPane => {
            let next = match s.focus {
                Pane::OnPrem => Pane::Cloud,
                Pane::Cloud => Pane::Detail,
                Pane::Detail => Pane::OnPrem,
            };
            focus(s, next);
        }
        Action::PrevPane => {
            let prev = match s.focus {
                Pane::OnPrem => Pane::Detail,
                Pane::Cloud => Pane::OnPrem,
                Pane::Detail => Pane::Cloud,
            };
            focus(s, prev);
        }
        Action::ToggleDetail => {
            let target = if s.focus == Pane::Detail {
                s.subject
            } else {
                Pane::Detail
            };
            focus(s, target);
        }
        Action::StartSearch => {
            s.mode = Mode::Search;
            let cursor = match s.subject {
                Pane::Cloud => s.cloud.selected,
                _ => s.on_prem.selected,
            };
            s.search.origin = Some((s.subject, cursor, s.filter as usize));
            s.search.query.clear();
            s.search.hits.clear();
            s.search.done_query = None;
            s.search.current = 0;
        }
        Action::SearchInput(c) => {
            s.search.query.push(c);
            run_search(s);
        }
        Action::SearchBackspace => {
            s.search.query.pop();
            run_search(s);
        }
        Action::SearchAccept => {
            s.mode = Mode::Normal;
            s.status = Some(match s.search.hits.len() {
                0 => format!("no match for {:?}", s.search.query),
                n => format!(
                    "{n} matches for {:?}: n / N for the next / previous",
                    s.search.query
                ),
            });
        }
        Action::SearchCancel => {
            s.mode = Mode::Normal;
            if let Some((pane, cursor, filter)) = s.search.origin.take() {
                s.filter = Filter::ALL[filter];
                s.rebuild_rows();
                s.subject = pane;
                s.focus = pane;
                let (len, page) = list_len_page(s, pane);
                match pane {
                    Pane::Cloud => s.cloud.select(cursor, len, page),
                    _ => s.on_prem.select(cursor, len, page),
                }
                s.follow_selection();
            }
            s.search.query.clear();
            s.search.hits.clear();
            s.search.done_query = None;
        }
        Action::SearchTick => search_tick(s),
        Action::NextMatch => step_match(s, 1),
        Action::PrevMatch => step_match(s, -1),
        Action::SetFilter(f) => set_filter(s, f),
        Action::CycleFilter => {
            let i = Filter::ALL.iter().position(|f| *f == s.filter).unwrap_or(0);
            set_filter(s, Filter::ALL[(i + 1) % Filter::ALL.len()]);
        }
        Action::ToggleLoadReport => {
            s.mode = if s.mode == Mode::Report {
                Mode::Normal
            } else {
                Mode::Report
            };
            s.help_scroll = 0;
        }
        Action::ToggleHelp => {
            s.mode = if s.mode == Mode::Help {
                Mode::Normal
            } else {
                Mode::Help
            };
            s.help_scroll = 0;
        }
        Action::Copy => copy(s),
        Action::ToggleMouse => {
            s.mouse = !s.mouse;
            s.status = Some(if s.mouse {
                "mouse on: click selects, the wheel scrolls".into()
            } else {
                "mouse off: the terminal selects text (m turns the mouse back on)".into()
            });
        }
        Action::Resize(w, h) => {
            s.size = ratatui::layout::Rect::new(0, 0, w, h);
            let (pp, cp) = (s.page(Pane::OnPrem), s.page(Pane::Cloud));
            let (on_len, cloud_len) = (s.on_prem_rows.len(), s.cloud_rows.len());
            let (on_sel, cloud_sel) = (s.on_prem.selected, s.cloud.selected);
            s.on_prem.select(on_sel, on_len, pp);
            s.cloud.select(cloud_sel, cloud_len, cp);
        }
        Action::Click { column, row } => click(s, column, row),
        Action::SwitchView(v) => switch_view(s, v),
        Action::NextView => {
            let i = View::ALL.iter().position(|v| *v == s.view).unwrap_or(0);
            switch_view(s, View::ALL[(i + 1) % View::ALL.len()]);
        }
        Action::Activate => activate(s),
        Action::Flip => {
            let items = whatif::items(&s.bundle.connect);
            if let Some(item) = items.get(s.whatif.selected).copied() {
                s.config.flip(item, &s.bundle.connect);
                s.replan();
                let (name, _, _, irreversible) = whatif::describe(item, &s.bundle.connect);
                let on = s.config.value(item, &s.bundle.connect);
                let warn = if irreversible && on {
                    " — X3: irreversible once enabled in a real tenant"
                } else {
                    ""
                };
                let effect = if s.replanning {
                    "re-planning…".to_string()
                } else {
                    format!("{} object(s) change", s.diff.count())
                };
                s.status = Some(format!(
                    "{name} {}: {effect}{warn}",
                    if on { "on" } else { "off" }
                ));
            }
        }
        Action::ResetWhatIf => {
            s.config = whatif::Config {
                settings: s.bundle.settings,
                connect: s.bundle.connect.clone(),
            };
            s.pinned = None;
            s.replan();
            s.status = Some("back to the snapshot's real settings".into());
        }
        Action::TogglePin => {
            if s.pinned.take().is_some() {
                s.status = Some("comparing against the snapshot's real settings again".into());
            } else {
                s.pinned = Some((s.config.clone(), std::sync::Arc::clone(&s.plan)));
                s.status = Some("pinned as A: what you flip next is compared against it".into());
            }
            s.rediff();
        }
        Action::ShowChanged => {
            s.view = View::Explorer;
            set_filter(s, Filter::Changed);
        }
        Action::CyclePropertyName => {
            s.errors.cycle_property_name();
            errors_changed(s);
        }
        Action::EditField(Field::CsvPath) => {
            s.errors.editing = Some((Field::CsvPath, "hardmatch.csv".into()));
            s.mode = Mode::Edit;
        }
        Action::EditField(Field::BulkScriptPath) => {
            if s.bulk.is_some() {
                s.errors.editing = Some((Field::BulkScriptPath, "syncscope-hardmatch.ps1".into()));
                s.mode = Mode::Edit;
            }
        }
        Action::BulkLoaded => {
            if let Some((path, reports)) = &s.bulk {
                let ready = reports.iter().filter(|r| r.ok()).count();
                s.status = Some(format!(
                    "{path}: {ready} row(s) ready, {} need attention",
                    reports.len() - ready
                ));
                s.bulk_cursor = Default::default();
                s.view = View::Bulk;
            }
        }
        Action::EditField(field @ (Field::ScriptPath | Field::ScenarioPath)) => {
            let Some(w) = &s.walk else { return };
            let o = w.states[0]
                .on_premises
                .iter()
                .find(|o| o.object_guid == w.subject);
            let who: String = o
                .and_then(|o| o.sam_account_name.as_deref().or(Some(o.name())))
                .unwrap_or("object")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let ext = if field == Field::ScriptPath {
                "ps1"
            } else {
                "scenario.json"
            };
            s.errors.editing = Some((field, format!("syncscope-{}-{who}.{ext}", w.kind.id())));
            s.mode = Mode::Edit;
        }
        Action::EditField(field) => {
            let current = match field {
                super::errors::Field::PropertyValue => {
                    if s.errors.query.property_name.is_none() {
                        s.status = Some(
                            "-PropertyValue needs -PropertyName first: p chooses UserPrincipalName or ProxyAddresses"
                                .into(),
                        );
                        return;
                    }
                    s.errors.query.property_value.clone().unwrap_or_default()
                }
                super::errors::Field::SearchString => {
                    s.errors.query.search_string.clone().unwrap_or_default()
                }
                super::errors::Field::MaxResults => match s.errors.query.limit {
                    Limit::MaxResults(n) => n.to_string(),
                    _ => String::new(),
                },
                Field::ScriptPath
                | Field::ScenarioPath
                | Field::CsvPath
                | Field::BulkScriptPath => {
                    unreachable!("handled above")
                }
            };
            s.errors.editing = Some((field, current));
            s.mode = Mode::Edit;
        }
        Action::EditInput(c) => {
            if let Some((_, text)) = &mut s.errors.editing {
                text.push(c);
            }
        }
        Action::EditBackspace => {
            if let Some((_, text)) = &mut s.errors.editing {
                text.pop();
            }
        }
        Action::EditAccept => {
            s.mode = Mode::Normal;
            if let Some((field @ (Field::ScriptPath | Field::ScenarioPath), path)) =
                s.errors.editing.clone()
            {
                s.errors.editing = None;
                request_walk_file(s, field, path);
                return;
            }
            if let Some((field @ (Field::CsvPath | Field::BulkScriptPath), path)) =
                s.errors.editing.clone()
            {
                s.errors.editing = None;
                let path = path.trim().to_string();
                if path.is_empty() {
                    s.status = Some("no file name: nothing done".into());
                } else if field == Field::CsvPath {
                    s.read_csv = Some(path);
                } else if let Some((_, reports)) = &s.bulk {
                    s.write = Some(WriteRequest {
                        contents: crate::hardmatch::script(reports, &s.source),
                        path,
                        overwrite: false,
                        what: "bulk hard match script",
                    });
                }
                return;
            }
            if let Some((field, text)) = s.errors.editing.take() {
                if let Err(why) = s.errors.commit_edit(field, text) {
                    s.status = Some(why);
                }
                errors_changed(s);
            }
        }
        Action::EditCancel => {
            s.mode = Mode::Normal;
            s.errors.editing = None;
        }
        Action::CycleSortField => {
            let i = SortField::ALL
                .iter()
                .position(|f| *f == s.errors.query.sort_field)
                .unwrap_or(0);
            s.errors.query.sort_field = SortField::ALL[(i + 1) % SortField::ALL.len()];
            s.errors.run_query();
            errors_changed(s);
        }
        Action::ToggleSortDirection => {
            s.errors.query.sort_direction = match s.errors.query.sort_direction {
                SortDirection::Ascending => SortDirection::Descending,
                SortDirection::Descending => SortDirection::Ascending,
            };
            s.errors.run_query();
            errors_changed(s);
        }
        Action::ToggleAll => {
            s.errors.query.limit = match s.errors.query.limit {
                Limit::All => Limit::Default,
                _ => Limit::All,
            };
            s.errors.run_query();
            errors_changed(s);
        }
        Action::CopyCmdlet => copy_text(s, "the cmdlet line", s.errors.query.cmdlet_line()),
        Action::CopyGraph => copy_text(s, "the Graph line", s.errors.query.graph_powershell()),
        Action::CopyCommand => {
            let cmd = s.errors.query.syncscope_command(&s.source, true);
            copy_text(s, "the syncscope command", cmd)
        }
        Action::StartWalkthrough => start_walkthrough(s, 0),
        Action::NextWalkthroughKind => {
            let Some(w) = &s.walk else { return };
            let (kind, subject) = (w.kind, w.subject);
            let b = what_if_bundle(s);
            let Some(i) = b.on_premises.iter().position(|o| o.object_guid == subject) else {
                return;
            };
            let fits = crate::walkthrough::suggest(&b, i);
            let at = fits
                .iter()
                .position(|(k, _)| *k == kind)
                .map_or(0, |p| p + 1);
            if fits.len() < 2 {
                s.status = Some("no other walkthrough fits this object".into());
                return;
            }
            start_walkthrough(s, at % fits.len());
        }
        Action::WalkApply => walk_step(s, |w| w.apply_next()),
        Action::WalkSkip => walk_step(s, |w| w.skip_next()),
        Action::WalkBack => {
            if let Some(w) = &mut s.walk {
                if w.results.is_empty() {
                    s.status = Some("at the start: nothing to undo".into());
                } else {
                    w.back();
                    s.status = Some("undid the last step".into());
                }
            }
        }
        Action::ConfirmYes => {
            s.mode = Mode::Normal;
            if let Some(mut req) = s.confirm.take() {
                req.overwrite = true;
                s.write = Some(req);
            }
        }
        Action::ConfirmNo => {
            s.mode = Mode::Normal;
            if let Some(req) = s.confirm.take() {
                s.status = Some(format!("kept the existing {}; nothing written", req.path));
            }
        }
        Action::Scroll { column, row, down } => {
            let a = s.areas();
            let at = ratatui::layout::Position::new(column, row);
            let pane = if a.on_prem.contains(at) {
                Pane::OnPrem
            } else if a.cloud.contains(at) {
                Pane::Cloud
            } else if a.detail.contains(at) {
                Pane::Detail
            } else {
                return;
            };
            if s.mode == Mode::Help {
                scroll_help(s, if down { 3 } else { -3 });
                return;
            }
            focus(s, pane);
            move_by(s, if down { 3 } else { -3 });
        }
    }
}

fn list_len_page(s: &State, pane: Pane) -> (usize, usize) {
    match pane {
        Pane::Cloud => (s.cloud_rows.len(), s.page(Pane::Cloud)),
        _ => (s.on_prem_rows.len(), s.page(Pane::OnPrem)),
    }
}

fn focus(s: &mut State, pane: Pane) {
    s.focus = pane;
    if pane != Pane::Detail && s.subject != pane {
        s.subject = pane;
        s.detail_scroll = 0;
    }
}

fn back(s: &mut State) {
    if s.view != View::Explorer {
        s.view = View::Explorer;
    } else if !s.search.hits.is_empty() || !s.search.query.is_empty() {
        s.search.query.clear();
        s.search.hits.clear();
        s.search.done_query = None;
        s.status = Some("search cleared".into());
    } else if s.focus == Pane::Detail {
        s.focus = s.subject;
    } else if s.filter != Filter::All {
        set_filter(s, Filter::All);
    } else {
        s.quit = true;
    }
}

fn move_by(s: &mut State, delta: isize) {
    if matches!(s.mode, Mode::Help | Mode::Report) {
        scroll_help(s, delta);
        return;
    }
    match s.view {
        View::Errors => {
            let (len, page) = (s.errors.hits.len(), errors_page(s));
            s.errors.cursor.move_by(delta, len, page);
            return;
        }
        View::WhatIf => {
            let len = whatif::items(&s.bundle.connect).len();
            let page = whatif_page(s);
            s.whatif.move_by(delta, len, page);
            return;
        }
        View::Walkthrough => return,
        View::Bulk => {
            let len = s.bulk.as_ref().map_or(0, |(_, r)| r.len());
            let page = errors_page(s);
            s.bulk_cursor.move_by(delta, len, page);
            return;
        }
        View::Explorer => {}
    }
    match s.focus {
        Pane::OnPrem => {
            let (len, page) = list_len_page(s, Pane::OnPrem);
            s.on_prem.move_by(delta, len, page);
            s.follow_selection();
        }
        Pane::Cloud => {
            let (len, page) = list_len_page(s, Pane::Cloud);
            s.cloud.move_by(delta, len, page);
            s.follow_selection();
        }
        Pane::Detail => {
            let width = s.areas().detail.width.saturating_sub(2);
            let lines = detail::wrapped_height(&detail::lines(s), width);
            let max = lines.saturating_sub(s.page(Pane::Detail)) as isize;
            s.detail_scroll = (s.detail_scroll as isize + delta).clamp(0, max.max(0)) as u16;
        }
    }
}

fn scroll_help(s: &mut State, delta: isize) {
    s.help_scroll = (s.help_scroll as isize + delta).clamp(0, 200) as u16;
}

fn set_filter(s: &mut State, f: Filter) {
    s.filter = f;
    s.rebuild_rows();
    s.follow_selection();
    s.status = Some(format!(
        "filter: {} ({} on-prem, {} cloud objects)",
        f.label(),
        s.on_prem_rows.len(),
        s.cloud_rows.len()
    ));
}

/// Objects matched per `SearchTick`: small enough that a keystroke is never kept waiting long
/// (about 10 ms of matching), large enough that a small tenant completes in one.
pub const SEARCH_CHUNK: usize = 20_000;

/// What a search looks through for one object: names, UPNs, addresses, DN, ids and anchors.
fn haystack(s: &State, i: usize, out: &mut String) {
    out.clear();
    let n = s.plan.outcomes.len();
    let mut push = |part: &str| {
        out.push_str(part);
        out.push(' ');
    };
    if i < n {
        let out_ = &s.plan.outcomes[i];
        let o = &s.bundle.on_premises[out_.on_prem as usize];
        push(o.name());
        for part in [
            o.user_principal_name.as_deref(),
            o.mail.as_deref(),
            o.sam_account_name.as_deref(),
            Some(o.distinguished_name.as_str()),
        ]
        .into_iter()
        .flatten()
        {
            push(part);
        }
        for p in &o.proxy_addresses {
            push(p);
        }
        push(&o.object_guid.to_string());
        push(&out_.source_anchor);
    } else {
        let c = &s.bundle.cloud[i - n];
        push(c.name());
        for part in [
            c.user_principal_name.as_deref(),
            c.mail.as_deref(),
            c.on_premises_immutable_id.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            push(part);
        }
        for p in &c.proxy_addresses {
            push(p);
        }
        push(&c.id.to_string());
    }
}

/// Starts (or restarts, after a keystroke) the search for the current query.
fn run_search(s: &mut State) {
    let q = s.search.query.trim().to_string();
    // A query that extends the last completed one can only match what that one matched.
    let narrows = s
        .search
        .done_query
        .as_deref()
        .is_some_and(|done| !done.is_empty() && q.starts_with(done) && q.len() > done.len());
    s.search.narrowing = narrows.then(|| std::mem::take(&mut s.search.hits));
    s.search.hits.clear();
    s.search.done_query = None;
    s.search.current = 0;
    s.search.done_query = None;
    s.search.scanned = (!q.is_empty()).then_some(0);
    search_tick(s);
}

/// The object a search position stands for: (pane, index).
fn search_object(s: &State, i: usize) -> (Pane, u32) {
    if let Some(prev) = &s.search.narrowing {
        return (prev[i].pane, prev[i].index);
    }
    let n = s.plan.outcomes.len();
    if i < n {
        (Pane::OnPrem, i as u32)
    } else {
        (Pane::Cloud, (i - n) as u32)
    }
}

/// Matches the next chunk. The best match so far is selected as results stream in; when the
/// search completes, the matches are ranked.
fn search_tick(s: &mut State) {
    let Some(from) = s.search.scanned else { return };
    let n = s.plan.outcomes.len();
    let total = match &s.search.narrowing {
        Some(prev) => prev.len(),
        None => n + s.bundle.cloud.len(),
    };
    let to = (from + SEARCH_CHUNK).min(total);
    let matcher = SkimMatcherV2::default();
    let q = s.search.query.trim().to_string();
    let mut text = String::with_capacity(256);
    let mut found = Vec::new();
    for i in from..to {
        let (pane, index) = search_object(s, i);
        let flat = match pane {
            Pane::Cloud => n + index as usize,
            _ => index as usize,
        };
        haystack(s, flat, &mut text);
        if let Some(score) = matcher.fuzzy_match(&text, &q) {
            found.push(Hit { pane, index, score });
        }
    }
    let best_before = s.search.hits.first().map(|h| h.score);
    // Keep the best so far first, so it can be shown while the rest is matched.
    for h in found {
        if s.search.hits.first().is_none_or(|b| h.score > b.score) {
            s.search.hits.insert(0, h);
        } else {
            s.search.hits.push(h);
        }
    }
    if to < total {
        s.search.scanned = Some(to);
        if s.search.hits.first().map(|h| h.score) != best_before {
            jump_to_hit(s);
        }
        return;
    }
    s.search.scanned = None;
    s.search.narrowing = None;
    s.search.done_query = Some(q);
    // Best first; ties in pane and input order, so the result is stable.
    s.search.hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then((a.pane as u8).cmp(&(b.pane as u8)))
            .then(a.index.cmp(&b.index))
    });
    if !s.search.hits.is_empty() {
        jump_to_hit(s);
    }
}

fn step_match(s: &mut State, delta: isize) {
    let n = s.search.hits.len();
    if n == 0 {
        s.status = Some(if s.search.query.is_empty() {
            "no search: / starts one".into()
        } else {
            format!("no match for {:?}", s.search.query)
        });
        return;
    }
    s.search.current = (s.search.current as isize + delta).rem_euclid(n as isize) as usize;
    jump_to_hit(s);
    if s.mode == Mode::Normal {
        s.status = Some(format!(
            "match {} of {n} for {:?}",
            s.search.current + 1,
            s.search.query
        ));
    }
}

fn jump_to_hit(s: &mut State) {
    let hit = s.search.hits[s.search.current];
    match hit.pane {
        Pane::Cloud => {
            let pos = s.reveal_cloud(hit.index);
            let page = s.page(Pane::Cloud);
            s.cloud.center_on(pos, s.cloud_rows.len(), page);
            s.subject = Pane::Cloud;
            s.focus = Pane::Cloud;
        }
        _ => {
            let pos = s.reveal_outcome(hit.index);
            let page = s.page(Pane::OnPrem);
            s.on_prem.center_on(pos, s.on_prem_rows.len(), page);
            s.subject = Pane::OnPrem;
            s.focus = Pane::OnPrem;
        }
    }
    s.follow_selection();
}

fn copy(s: &mut State) {
    let text = match s.subject {
        Pane::Cloud => s
            .selected_cloud()
            .map(|c| ("object id", s.bundle.cloud[c as usize].id.to_string())),
        _ => s.selected_outcome().map(|o| {
            (
                "ImmutableID",
                s.plan.outcomes[o as usize].source_anchor.clone(),
            )
        }),
    };
    match text {
        Some((what, value)) => {
            s.status = Some(format!("copied {what} {value} to the clipboard (OSC 52)"));
            s.clipboard = Some(value);
        }
        None => s.status = Some("nothing selected to copy".into()),
    }
}

/// The escape sequence that asks the terminal to put text on the clipboard (OSC 52). The text
/// is base64, so nothing in it can act as a control sequence.
pub fn osc52(text: &str) -> String {
    format!(
        "\u{1b}]52;c;{}\u{7}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

fn click(s: &mut State, column: u16, row: u16) {
    if s.mode == Mode::Help {
        s.mode = Mode::Normal;
        return;
    }
    let a = s.areas();
    let at = ratatui::layout::Position::new(column, row);
    // Rows start below the border and the column header.
    let list_row = |r: ratatui::layout::Rect| row.checked_sub(r.y + 2).map(usize::from);
    if a.on_prem.contains(at) {
        focus(s, Pane::OnPrem);
        if let Some(i) = list_row(a.on_prem).filter(|i| *i < list_page(a.on_prem)) {
            let (len, page) = list_len_page(s, Pane::OnPrem);
            let target = s.on_prem.offset + i;
            if target < len {
                s.on_prem.select(target, len, page);
                s.follow_selection();
            }
        }
    } else if a.cloud.contains(at) {
        focus(s, Pane::Cloud);
        if let Some(i) = list_row(a.cloud).filter(|i| *i < list_page(a.cloud)) {
            let (len, page) = list_len_page(s, Pane::Cloud);
            let target = s.cloud.offset + i;
            if target < len {
                s.cloud.select(target, len, page);
                s.follow_selection();
            }
        }
    } else if a.detail.contains(at) {
        focus(s, Pane::Detail);
    }
}

/// Rows of the errors table (below the query bar and the command lines).
pub fn errors_page(s: &State) -> usize {
    let body = s.areas().body_height();
    body.saturating_sub(super::errors::HEADER_ROWS + 3) as usize
}

/// Rows of the what-if list.
pub fn whatif_page(s: &State) -> usize {
    (s.areas().body_height() / 2).saturating_sub(3) as usize
}

fn switch_view(s: &mut State, v: View) {
    s.view = v;
    if v == View::Errors {
        s.refresh_errors();
    }
}

fn errors_changed(s: &mut State) {
    let (len, page, sel) = (
        s.errors.hits.len(),
        errors_page(s),
        s.errors.cursor.selected,
    );
    s.errors.cursor.select(sel, len, page);
    if s.status.is_none() {
        s.status = Some(format!(
            "{} of {} errors · {}",
            s.errors.hits.len(),
            s.errors.total,
            s.errors.query.cmdlet_line()
        ));
    }
}

fn copy_text(s: &mut State, what: &str, text: String) {
    s.status = Some(format!("copied {what} to the clipboard (OSC 52)"));
    s.clipboard = Some(text);
}

/// Enter on an error: the explorer, with the object that carries it selected.
fn activate(s: &mut State) {
    if s.view != View::Errors {
        return;
    }
    let Some(target) = s.errors.selected().and_then(|l| l.target) else {
        s.status = Some("this error's object is not in the snapshot".into());
        return;
    };
    s.view = View::Explorer;
    match target {
        Target::Cloud(c) => {
            let pos = s.reveal_cloud(c);
            let page = s.page(Pane::Cloud);
            s.cloud.center_on(pos, s.cloud_rows.len(), page);
            s.subject = Pane::Cloud;
            s.focus = Pane::Cloud;
        }
        Target::OnPrem(o) => {
            let pos = s.reveal_outcome(o);
            let page = s.page(Pane::OnPrem);
            s.on_prem.center_on(pos, s.on_prem_rows.len(), page);
            s.subject = Pane::OnPrem;
            s.focus = Pane::OnPrem;
        }
    }
    s.follow_selection();
}

/// The snapshot with the what-if settings: walkthroughs work on a copy of it.
pub fn what_if_bundle(s: &State) -> crate::model::Bundle {
    let mut b = (*s.bundle).clone();
    b.settings = s.config.settings;
    b.connect = s.config.connect.clone();
    b
}

/// Starts the `choice`-th walkthrough that fits the selected object.
fn start_walkthrough(s: &mut State, choice: usize) {
    use crate::walkthrough::{Walkthrough, suggest};
    let subject = match (s.view, &s.walk) {
        (View::Walkthrough, Some(w)) => s
            .bundle
            .on_premises
            .iter()
            .position(|o| o.object_guid == w.subject),
        _ => s
            .selected_outcome()
            .map(|o| s.plan.outcomes[o as usize].on_prem as usize),
    };
    let Some(i) = subject else {
        s.status = Some("select an on-prem object first".into());
        return;
    };
    let b = what_if_bundle(s);
    let fits = suggest(&b, i);
    let Some(&(kind, target)) = fits.get(choice) else {
        s.status = Some(format!(
            "no walkthrough fits {}: it is {}",
            b.on_premises[i].name(),
            s.plan.outcomes[i].result.as_str()
        ));
        return;
    };
    // Without a candidate of its own, the cloud pane's selection is the target.
    let target = target.or_else(|| {
        s.selected_cloud()
            .map(|c| &s.bundle.cloud[c as usize])
            .filter(|c| c.object_type == crate::model::ObjectKind::User)
            .map(|c| c.id)
    });
    match Walkthrough::start(kind, &b, b.on_premises[i].object_guid, target) {
        Ok(w) => {
            s.status = Some(format!(
                "{} {}: Enter applies each step to a what-if copy; nothing touches your tenant",
                kind.id(),
                kind.title()
            ));
            s.walk = Some(w);
            s.view = View::Walkthrough;
        }
        Err(why) => s.status = Some(why),
    }
}

fn walk_step(s: &mut State, step: impl FnOnce(&mut crate::walkthrough::Walkthrough)) {
    let Some(w) = &mut s.walk else { return };
    if w.done() {
        s.status = Some("all steps taken: o writes the script, S saves the scenario".into());
        return;
    }
    step(w);
    let r = w.results.last().expect("a step was taken");
    s.status = Some(match (&r.refused, r.skipped) {
        (Some(why), _) => format!("refused by the service: {why}"),
        (None, true) => "skipped".into(),
        (None, false) => format!("now: {}", r.next_outcome),
    });
}

/// Asks the runner to write the walkthrough's script or scenario.
fn request_walk_file(s: &mut State, field: Field, path: String) {
    let Some(w) = &s.walk else { return };
    if path.trim().is_empty() {
        s.status = Some("no file name: nothing written".into());
        return;
    }
    let (contents, what) = if field == Field::ScriptPath {
        (w.script(&s.source), "remediation script")
    } else {
        let v = w.scenario(&s.source_path);
        (
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
            "scenario",
        )
    };
    s.write = Some(WriteRequest {
        path: path.trim().to_string(),
        contents,
        overwrite: false,
        what,
    });
}
