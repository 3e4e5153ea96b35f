//! `cargo bench --bench readiness`: how long `syncscope check` takes next to planning the same
//! tenant (issue 14: checking must take less than planning). The tenant is the file named by
//! `SYNCSCOPE_READINESS_FILE` (e.g. from `syncscope generate --objects 1000000 --out …`), else one
//! generated in memory with `SYNCSCOPE_READINESS_OBJECTS` objects on each side (default 100,000).
//! Each phase is timed on its own (best of `SYNCSCOPE_READINESS_RUNS`, default 3), after the load.

use std::time::{Duration, Instant};
use syncscope::check::{CheckOptions, check, report_json};
use syncscope::index::CloudIndex;
use syncscope::plan::plan_with;

/// Process CPU time (user + system, every thread) from /proc/self/stat, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// The best wall time of `runs` runs, with the CPU time of that run.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> ((Duration, f64), T) {
    let mut best: Option<((Duration, f64), T)> = None;
    for _ in 0..runs {
        let c = cpu_seconds();
        let t = Instant::now();
        let v = f();
        let d = t.elapsed();
        let cpu = cpu_seconds() - c;
        if best.as_ref().is_none_or(|((b, _), _)| d < *b) {
            best = Some(((d, cpu), v));
        }
    }
    best.expect("one run")
}

fn show((wall, cpu): (Duration, f64)) -> String {
    format!("{:.2} s ({cpu:.2} s CPU)", wall.as_secs_f64())
}

fn main() {
    let runs: usize = std::env::var("SYNCSCOPE_READINESS_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let t = Instant::now();
    let (what, b) = match std::env::var("SYNCSCOPE_READINESS_FILE") {
        Ok(path) => match syncscope::bundle::load_bundle(std::path::Path::new(&path)) {
            Ok(b) => (path, b),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        Err(_) => {
            let n = std::env::var("SYNCSCOPE_READINESS_OBJECTS")
                .ok()
                .and_then(|s| s.replace('_', "").parse().ok())
                .unwrap_or(100_000);
            (
                format!("generate({n}, 1)"),
                syncscope::generate::generate(n, 1),
            )
        }
    };
    let load = t.elapsed();
    let (index, ix) = best(runs, || CloudIndex::build(&b));
    let (plan, p) = best(runs, || plan_with(&b, &ix, &b.settings));
    let (checking, r) = best(runs, || check(&b, &ix, &p, CheckOptions::default()));
    let (json, bytes) = best(runs, || report_json(&b, &p, &r).to_string().len());
    println!(
        "| tenant | on-prem + cloud | load | index | plan | check | check --json document | findings |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {what} | {} + {} | {:.2} s | {} | {} | {} | {} ({:.1} MB) | {} |",
        b.on_premises.len(),
        b.cloud.len(),
        load.as_secs_f64(),
        show(index),
        show(plan),
        show(checking),
        show(json),
        bytes as f64 / 1e6,
        r.findings.len()
    );
    let mut by_rule: Vec<(&str, usize)> = Vec::new();
    for f in &r.findings {
        match by_rule.iter_mut().find(|(id, _)| *id == f.rule.id()) {
            Some(e) => e.1 += 1,
            None => by_rule.push((f.rule.id(), 1)),
        }
    }
    println!(
        "\nfindings by rule: {}",
        by_rule
            .iter()
            .map(|(id, n)| format!("{id} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
