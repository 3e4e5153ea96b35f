//! `/`: narrows both lists to the objects that match, best first, live as the admin types.
//! Matching runs in chunks between keystrokes, so a large tenant streams its matches in and no
//! key ever waits for a whole scan. A longer query rescans only the previous matches.
//!
//! What matches: names, UPNs, mail, sAMAccountName and addresses fuzzily, but only when the
//! matched characters lie close together (a query scattered over a long value is noise: "zzzz"
//! matches nothing of the sample); DNs, object ids and ImmutableIDs as plain case-insensitive
//! substrings, as people paste them.

use super::Pane;
use crate::tui::app::App;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Objects matched per tick: about 10 ms of matching, so typing stays immediate; a small tenant
/// completes in one.
pub const SEARCH_CHUNK: usize = 20_000;

#[derive(Clone, Debug, Default)]
pub struct Search {
    pub query: String,
    /// Typing the query (Enter keeps the filter and stops typing).
    pub typing: bool,
    /// Ranked matches so far: (score, index), best first, per pane.
    on_prem: Vec<(i64, u32)>,
    cloud: Vec<(i64, u32)>,
    /// The same, as rows for the lists.
    on_prem_rows: Vec<u32>,
    cloud_rows: Vec<u32>,
    /// How far the matching has got (objects scanned: on-prem first, then cloud); `None` when
    /// complete.
    pub scanned: Option<usize>,
    /// When the query only grew: the previous query's matches, the only objects the longer one
    /// can match.
    narrowing: Option<Vec<(Pane, u32)>>,
    done_query: Option<String>,
    /// The match n / N last went to, in on-prem-then-cloud order.
    current: usize,
}

impl Search {
    /// Whether the lists are narrowed to matches.
    pub fn active(&self) -> bool {
        !self.query.trim().is_empty()
    }

    /// The matching rows of each pane, best first (while active).
    pub fn matches(&self) -> Option<(&[u32], &[u32])> {
        self.active()
            .then_some((self.on_prem_rows.as_slice(), self.cloud_rows.as_slice()))
    }

    pub fn count(&self) -> usize {
        self.on_prem.len() + self.cloud.len()
    }

    pub fn in_progress(&self) -> bool {
        self.scanned.is_some()
    }

    pub fn clear(&mut self) {
        *self = Search::default();
    }
}

/// A compact fuzzy match of `query` in `text`: its score and the matched character positions.
/// The matched characters must lie within a window a little longer than the query.
pub fn fuzzy(m: &SkimMatcherV2, text: &str, query: &str) -> Option<(i64, Vec<usize>)> {
    let (score, idx) = m.fuzzy_indices(text, query)?;
    let n = query.chars().filter(|c| !c.is_whitespace()).count().max(1);
    let span = idx.last()? - idx.first()? + 1;
    (span <= n + n / 2 + 2).then_some((score, idx))
}

/// Case-insensitive substring match for identifiers.
fn contains(text: &str, query_lower: &str) -> bool {
    text.to_lowercase().contains(query_lower)
}

/// Exact identifier matches rank above any fuzzy one.
const EXACT: i64 = 1_000_000;

/// The score of object `i` (on-prem outcomes first, then cloud objects) for a query.
fn score(
    app: &App,
    m: &SkimMatcherV2,
    pane: Pane,
    index: u32,
    q: &str,
    q_lower: &str,
) -> Option<i64> {
    let b = &app.session.snapshot;
    let mut best: Option<i64> = None;
    let mut fuzzy_in = |text: &str| {
        if let Some((s, _)) = fuzzy(m, text, q) {
            best = Some(best.map_or(s, |b| b.max(s)));
        }
    };
    let exact = match pane {
        Pane::Cloud => {
            let c = &b.cloud[index as usize];
            fuzzy_in(c.name());
            for t in [c.user_principal_name.as_deref(), c.mail.as_deref()]
                .into_iter()
                .flatten()
            {
                fuzzy_in(t);
            }
            for p in &c.proxy_addresses {
                fuzzy_in(crate::model::strip_smtp_prefix(p));
            }
            contains(&c.id.to_string(), q_lower)
                || c.on_premises_immutable_id
                    .as_deref()
                    .is_some_and(|a| a.contains(q))
        }
        _ => {
            let out = &app.session.plan.outcomes[index as usize];
            let o = &b.on_premises[out.on_prem as usize];
            fuzzy_in(o.name());
            for t in [
                o.user_principal_name.as_deref(),
                o.mail.as_deref(),
                o.sam_account_name.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                fuzzy_in(t);
            }
            for p in &o.proxy_addresses {
                fuzzy_in(crate::model::strip_smtp_prefix(p));
            }
            contains(&o.distinguished_name, q_lower)
                || contains(&o.object_guid.to_string(), q_lower)
                || out.source_anchor.contains(q)
        }
    };
    if exact {
        Some(EXACT + best.unwrap_or(0))
    } else {
        best
    }
}

impl App {
    /// `/`: a new search (as in less, vim and lazygit); the list shows everything until the
    /// first character.
    pub(crate) fn search_start(&mut self) {
        let was = self.explorer.search.active();
        self.explorer.search.clear();
        self.explorer.search.typing = true;
        if was {
            self.rebuild_rows();
            self.follow_selection();
        }
    }

    /// Types a character (or erases one with `None`) and restarts the matching.
    pub(crate) fn search_type(&mut self, c: Option<char>) {
        let s = &mut self.explorer.search;
        match c {
            Some(c) => s.query.push(c),
            None => {
                s.query.pop();
            }
        }
        let q = s.query.trim().to_string();
        let narrows = s
            .done_query
            .as_deref()
            .is_some_and(|done| !done.is_empty() && q.starts_with(done) && q.len() > done.len());
        s.narrowing = narrows.then(|| {
            s.on_prem
                .iter()
                .map(|(_, i)| (Pane::OnPrem, *i))
                .chain(s.cloud.iter().map(|(_, i)| (Pane::Cloud, *i)))
                .collect()
        });
        s.on_prem.clear();
        s.cloud.clear();
        s.on_prem_rows.clear();
        s.cloud_rows.clear();
        s.done_query = None;
        s.current = 0;
        s.scanned = (!q.is_empty()).then_some(0);
        self.search_tick();
        if q.is_empty() {
            self.rebuild_rows();
            self.follow_selection();
        }
    }

    /// Enter: keep the lists narrowed, stop typing.
    pub(crate) fn search_keep(&mut self) {
        let s = &mut self.explorer.search;
        s.typing = false;
        if !s.active() {
            s.clear();
        }
        let (n, q) = (s.count(), s.query.clone());
        self.status = Some(match (n, s.in_progress()) {
            (_, _) if q.trim().is_empty() => "search cleared".into(),
            (_, true) => format!("still matching {q:?}… Esc clears the filter"),
            (0, false) => format!("no match for {q:?}; Esc clears the filter"),
            (n, false) => format!("{n} matches for {q:?}: n / N jump, Esc shows everything again"),
        });
    }

    /// Esc: drop the search filter; the selected object stays selected.
    pub(crate) fn search_clear(&mut self) {
        let was = self.explorer.search.active();
        self.explorer.search.clear();
        if was {
            self.rebuild_rows();
            self.follow_selection();
            self.status = Some("search cleared".into());
        }
    }

    /// Matches the next chunk and shows the ranked matches so far, the best selected.
    pub(crate) fn search_tick(&mut self) {
        let Some(from) = self.explorer.search.scanned else {
            return;
        };
        let n = self.session.plan.outcomes.len();
        let total = match &self.explorer.search.narrowing {
            Some(prev) => prev.len(),
            None => n + self.session.snapshot.cloud.len(),
        };
        let to = (from + SEARCH_CHUNK).min(total);
        let m = SkimMatcherV2::default();
        let q = self.explorer.search.query.trim().to_string();
        let q_lower = q.to_lowercase();
        let mut on_prem = Vec::new();
        let mut cloud = Vec::new();
        for i in from..to {
            let (pane, index) = match &self.explorer.search.narrowing {
                Some(prev) => prev[i],
                None if i < n => (Pane::OnPrem, i as u32),
                None => (Pane::Cloud, (i - n) as u32),
            };
            if let Some(s) = score(self, &m, pane, index, &q, &q_lower) {
                match pane {
                    Pane::Cloud => cloud.push((s, index)),
                    _ => on_prem.push((s, index)),
                }
            }
        }
        let s = &mut self.explorer.search;
        merge(&mut s.on_prem, on_prem);
        merge(&mut s.cloud, cloud);
        s.on_prem_rows = s.on_prem.iter().map(|(_, i)| *i).collect();
        s.cloud_rows = s.cloud.iter().map(|(_, i)| *i).collect();
        if to < total {
            s.scanned = Some(to);
        } else {
            s.scanned = None;
            s.narrowing = None;
            s.done_query = Some(q);
        }
        // While typing, the best match is selected (the pane that has it).
        let best = match (s.on_prem.first(), s.cloud.first()) {
            (Some(a), Some(c)) if c.0 > a.0 => Some(Pane::Cloud),
            (Some(_), _) => Some(Pane::OnPrem),
            (None, Some(_)) => Some(Pane::Cloud),
            (None, None) => None,
        };
        let typing = s.typing;
        self.rebuild_rows();
        if typing && let Some(pane) = best {
            let e = &mut self.explorer;
            e.on_prem.offset = 0;
            e.cloud.offset = 0;
            e.on_prem.selected = 0;
            e.cloud.selected = 0;
            e.subject = pane;
            e.focus = pane;
        }
        self.follow_selection();
    }

    /// n / N: the next or previous match (on-prem matches, then cloud matches).
    pub(crate) fn step_match(&mut self, delta: isize) {
        let e = &self.explorer;
        let (a, c) = (e.on_prem_rows.len(), e.cloud_rows.len());
        let n = a + c;
        if !e.search.active() {
            self.status = Some("no search: / starts one".into());
            return;
        }
        if n == 0 {
            self.status = Some(format!("no match for {:?}", e.search.query));
            return;
        }
        let current = (e.search.current as isize + delta).rem_euclid(n as isize) as usize;
        self.explorer.search.current = current;
        if current < a {
            let o = self.explorer.on_prem_rows[current];
            self.reveal(Pane::OnPrem, o);
        } else {
            let cl = self.explorer.cloud_rows[current - a];
            self.reveal(Pane::Cloud, cl);
        }
        if !self.explorer.search.typing {
            self.status = Some(format!(
                "match {} of {n} for {:?}",
                current + 1,
                self.explorer.search.query
            ));
        }
    }
}

/// Merges a chunk's matches into the ranked list: best score first, ties in input order.
fn merge(ranked: &mut Vec<(i64, u32)>, mut chunk: Vec<(i64, u32)>) {
    if chunk.is_empty() {
        return;
    }
    let order = |a: &(i64, u32), b: &(i64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    chunk.sort_by(order);
    let old = std::mem::take(ranked);
    ranked.reserve(old.len() + chunk.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < chunk.len() {
        if order(&old[i], &chunk[j]).is_le() {
            ranked.push(old[i]);
            i += 1;
        } else {
            ranked.push(chunk[j]);
            j += 1;
        }
    }
    ranked.extend_from_slice(&old[i..]);
    ranked.extend_from_slice(&chunk[j..]);
}

/// The character positions of `text` to highlight for `query` (empty when it does not match
/// compactly there).
pub fn highlights(text: &str, query: &str) -> Vec<usize> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let m = SkimMatcherV2::default();
    if let Some((_, idx)) = fuzzy(&m, text, q) {
        return idx;
    }
    // An identifier matched as a substring.
    let lower = text.to_lowercase();
    match lower.find(&q.to_lowercase()) {
        Some(at) if lower.len() == text.len() => {
            let start = text[..at].chars().count();
            (start..start + q.chars().count()).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_compact_and_merged_best_first() {
        let m = SkimMatcherV2::default();
        assert!(fuzzy(&m, "Alice Ng", "alice").is_some());
        assert!(fuzzy(&m, "alice@contoso.com", "acm").is_none(), "scattered");
        assert!(fuzzy(&m, "john.smith@contoso.com", "jsmith").is_some());
        let mut ranked = vec![(10, 1), (5, 3)];
        merge(&mut ranked, vec![(7, 2), (10, 0), (1, 9)]);
        assert_eq!(ranked, [(10, 0), (10, 1), (7, 2), (5, 3), (1, 9)]);
        assert_eq!(highlights("Alice Ng", "ang"), Vec::<usize>::new());
        assert_eq!(highlights("Alice Ng", "ali"), [0, 1, 2]);
    }
}
