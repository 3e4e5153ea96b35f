//! The explorer's search matcher, measured for precision: fuzzy-matcher (skim) as the explorer
//! used it (one haystack per object), fuzzy-matcher field by field with the compact rule the
//! explorer uses now, and nucleo-matcher field by field (with and without that rule), on the
//! sample tenant plus a generated one. Numbers go to BENCHMARKS.md.
//!
//!   cargo bench --bench matcher [-- OBJECTS]     (default 10000 generated objects per side)
//!
//! Queries, built from the tenant itself (deterministic):
//! - name: a display name with its third character dropped (a typo),
//! - upn: the first 8 characters of a UPN,
//! - address: the local part of the primary SMTP address with its dots removed,
//! - nonsense: 4 letters drawn from q, x, z, j, v, k (a string nobody's name holds).
//!
//! An object is relevant to a query when it is the object the query was built from, or one of
//! its fields (lower-cased, dots and spaces removed) contains the query so normalised, or its
//! name is the target's (namesakes). Precision = relevant results / results; recall = share of
//! queries whose target is among the results; top-1 = share whose best result is relevant.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::time::Instant;

/// The searchable text of one object: name, UPN, mail, sAMAccountName, addresses (the fields
/// the explorer matches fuzzily), plus the identifiers the old haystack also held.
struct Object {
    fields: Vec<String>,
    ids: Vec<String>,
}

fn objects(b: &syncscope::model::Bundle) -> Vec<Object> {
    let mut v = Vec::new();
    for o in &b.on_premises {
        let mut fields = vec![o.name().to_string()];
        fields.extend(
            [&o.user_principal_name, &o.mail, &o.sam_account_name]
                .into_iter()
                .flatten()
                .map(|t| t.to_string()),
        );
        fields.extend(
            o.proxy_addresses
                .iter()
                .map(|p| syncscope::model::strip_smtp_prefix(p).to_string()),
        );
        let ids = vec![o.distinguished_name.to_string(), o.object_guid.to_string()];
        v.push(Object { fields, ids });
    }
    for c in &b.cloud {
        let mut fields = vec![c.name().to_string()];
        fields.extend(
            [&c.user_principal_name, &c.mail]
                .into_iter()
                .flatten()
                .map(|t| t.to_string()),
        );
        fields.extend(
            c.proxy_addresses
                .iter()
                .map(|p| syncscope::model::strip_smtp_prefix(p).to_string()),
        );
        let mut ids = vec![c.id.to_string()];
        ids.extend(c.on_premises_immutable_id.as_deref().map(String::from));
        v.push(Object { fields, ids });
    }
    v
}

fn norm(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| *c != '.' && *c != ' ')
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Upn,
    Address,
    Nonsense,
}

struct Query {
    kind: Kind,
    text: String,
    /// The object it was built from (none for nonsense).
    target: Option<usize>,
}

fn queries(objs: &[Object], per_kind: usize) -> Vec<Query> {
    let mut q = Vec::new();
    let step = (objs.len() / per_kind).max(1);
    for (i, o) in objs.iter().enumerate().step_by(step).take(per_kind) {
        let name: Vec<char> = o.fields[0].chars().collect();
        if name.len() > 5 {
            let typo: String = name
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != 2)
                .map(|(_, c)| *c)
                .collect();
            q.push(Query {
                kind: Kind::Name,
                text: typo.to_lowercase(),
                target: Some(i),
            });
        }
        if let Some(upn) = o.fields.iter().find(|f| f.contains('@')) {
            q.push(Query {
                kind: Kind::Upn,
                text: upn.chars().take(8).collect(),
                target: Some(i),
            });
            let local = upn.split('@').next().unwrap_or_default().replace('.', "");
            if local.len() >= 4 {
                q.push(Query {
                    kind: Kind::Address,
                    text: local,
                    target: Some(i),
                });
            }
        }
    }
    // Nonsense: a small LCG over rare letters.
    let letters = ['q', 'x', 'z', 'j', 'v', 'k'];
    let mut seed: u64 = 12345;
    for _ in 0..per_kind {
        let text: String = (0..4)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                letters[(seed >> 33) as usize % letters.len()]
            })
            .collect();
        q.push(Query {
            kind: Kind::Nonsense,
            text,
            target: None,
        });
    }
    q
}

fn relevant(objs: &[Object], q: &Query, i: usize) -> bool {
    if q.target == Some(i) {
        return true;
    }
    let nq = norm(&q.text);
    if objs[i].fields.iter().any(|f| norm(f).contains(&nq)) {
        return true;
    }
    q.target
        .is_some_and(|t| norm(&objs[t].fields[0]) == norm(&objs[i].fields[0]))
}

/// One way of matching: the score of an object for a query, if it matches.
trait Way {
    fn name(&self) -> &'static str;
    fn score(&mut self, o: &Object, q: &str) -> Option<i64>;
}

fn compact(idx: &[usize], q: &str) -> bool {
    let n = q.chars().filter(|c| !c.is_whitespace()).count().max(1);
    match (idx.first(), idx.last()) {
        (Some(a), Some(z)) => z - a < n + n / 2 + 2,
        _ => false,
    }
}

struct SkimHaystack(SkimMatcherV2, String);
impl Way for SkimHaystack {
    fn name(&self) -> &'static str {
        "fuzzy-matcher, one haystack (before)"
    }
    fn score(&mut self, o: &Object, q: &str) -> Option<i64> {
        self.1.clear();
        for f in o.fields.iter().chain(&o.ids) {
            self.1.push_str(f);
            self.1.push(' ');
        }
        self.0.fuzzy_match(&self.1, q)
    }
}

struct SkimFields(SkimMatcherV2, bool);
impl Way for SkimFields {
    fn name(&self) -> &'static str {
        if self.1 {
            "fuzzy-matcher, per field, compact (now)"
        } else {
            "fuzzy-matcher, per field"
        }
    }
    fn score(&mut self, o: &Object, q: &str) -> Option<i64> {
        let mut best = None;
        for f in &o.fields {
            if let Some((s, idx)) = self.0.fuzzy_indices(f, q)
                && (!self.1 || compact(&idx, q))
            {
                best = Some(best.map_or(s, |b: i64| b.max(s)));
            }
        }
        let ql = q.to_lowercase();
        if o.ids.iter().any(|i| i.to_lowercase().contains(&ql)) {
            best = Some(1_000_000 + best.unwrap_or(0));
        }
        best
    }
}

struct Nucleo {
    m: Matcher,
    compact: bool,
    buf: Vec<char>,
    idx: Vec<u32>,
    pattern: Option<(String, Pattern)>,
}
impl Way for Nucleo {
    fn name(&self) -> &'static str {
        if self.compact {
            "nucleo-matcher, per field, compact"
        } else {
            "nucleo-matcher, per field"
        }
    }
    fn score(&mut self, o: &Object, q: &str) -> Option<i64> {
        if self.pattern.as_ref().is_none_or(|(t, _)| t != q) {
            self.pattern = Some((
                q.to_string(),
                Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart),
            ));
        }
        let p = &self.pattern.as_ref().unwrap().1;
        let mut best = None;
        for f in &o.fields {
            self.idx.clear();
            let hay = Utf32Str::new(f, &mut self.buf);
            if let Some(s) = p.indices(hay, &mut self.m, &mut self.idx) {
                self.idx.sort_unstable();
                self.idx.dedup();
                let idx: Vec<usize> = self.idx.iter().map(|i| *i as usize).collect();
                if !self.compact || compact(&idx, q) {
                    best = Some(best.map_or(s as i64, |b: i64| b.max(s as i64)));
                }
            }
        }
        let ql = q.to_lowercase();
        if o.ids.iter().any(|i| i.to_lowercase().contains(&ql)) {
            best = Some(1_000_000 + best.unwrap_or(0));
        }
        best
    }
}

#[derive(Default)]
struct Tally {
    queries: usize,
    with_results: usize,
    precision: f64,
    found: usize,
    top1: usize,
    results: usize,
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    let sample = syncscope::bundle::parse_bundle(sample, &std::fs::read(sample).unwrap()).unwrap();
    let mut text = Vec::new();
    syncscope::generate::write_generated(n, 7, &mut text).unwrap();
    let generated = syncscope::bundle::parse_bundle("generated.json", &text).unwrap();
    let mut objs = objects(&sample);
    objs.extend(objects(&generated));
    let qs = queries(&objs, 100);
    println!(
        "{} objects (sample + {n} generated per side), {} queries",
        objs.len(),
        qs.len()
    );
    let mut ways: Vec<Box<dyn Way>> = vec![
        Box::new(SkimHaystack(SkimMatcherV2::default(), String::new())),
        Box::new(SkimFields(SkimMatcherV2::default(), false)),
        Box::new(SkimFields(SkimMatcherV2::default(), true)),
        Box::new(Nucleo {
            m: Matcher::new(Config::DEFAULT),
            compact: false,
            buf: Vec::new(),
            idx: Vec::new(),
            pattern: None,
        }),
        Box::new(Nucleo {
            m: Matcher::new(Config::DEFAULT),
            compact: true,
            buf: Vec::new(),
            idx: Vec::new(),
            pattern: None,
        }),
    ];
    println!(
        "\n| matcher | queries | precision | target found | best is relevant | results per query | nonsense results | ms per query |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for way in ways.iter_mut() {
        for kind in [Kind::Name, Kind::Upn, Kind::Address, Kind::Nonsense] {
            let mut t = Tally::default();
            let started = Instant::now();
            for q in qs.iter().filter(|q| q.kind == kind) {
                let mut hits: Vec<(i64, usize)> = objs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, o)| way.score(o, &q.text).map(|s| (s, i)))
                    .collect();
                hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                t.queries += 1;
                t.results += hits.len();
                if !hits.is_empty() {
                    t.with_results += 1;
                    let good = hits.iter().filter(|(_, i)| relevant(&objs, q, *i)).count();
                    t.precision += good as f64 / hits.len() as f64;
                    if relevant(&objs, q, hits[0].1) {
                        t.top1 += 1;
                    }
                }
                if q.target
                    .is_some_and(|target| hits.iter().any(|(_, i)| *i == target))
                {
                    t.found += 1;
                }
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / t.queries.max(1) as f64;
            let label = match kind {
                Kind::Name => "name typo",
                Kind::Upn => "UPN prefix",
                Kind::Address => "address, dots dropped",
                Kind::Nonsense => "nonsense",
            };
            let pct = |a: usize| format!("{:.0}%", 100.0 * a as f64 / t.queries.max(1) as f64);
            println!(
                "| {} — {label} | {} | {} | {} | {} | {:.1} | {} | {ms:.1} |",
                way.name(),
                t.queries,
                if t.with_results == 0 {
                    "—".to_string()
                } else {
                    format!("{:.2}", t.precision / t.with_results as f64)
                },
                if kind == Kind::Nonsense {
                    "—".into()
                } else {
                    pct(t.found)
                },
                if kind == Kind::Nonsense {
                    "—".into()
                } else {
                    pct(t.top1)
                },
                t.results as f64 / t.queries.max(1) as f64,
                if kind == Kind::Nonsense {
                    t.results.to_string()
                } else {
                    "—".into()
                },
            );
        }
    }
}
