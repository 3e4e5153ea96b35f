//! Where the memory of a loaded snapshot goes: live heap bytes after each stage (read, parse,
//! index, plan) and the share of each part of the model, counted by a global allocator.
//!
//! ```sh
//! syncscope generate 200000 > /tmp/t200k.json
//! nice -n 10 cargo bench --bench memory -- /tmp/t200k.json
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use syncscope::bundle::parse_bundle;
use syncscope::index::CloudIndex;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        CALLS.fetch_add(1, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mib(b: usize) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

/// Live bytes and allocations a closure leaves behind (what it built and kept).
fn kept<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (l0, c0) = (LIVE.load(Relaxed), CALLS.load(Relaxed));
    let v = f();
    (v, LIVE.load(Relaxed) - l0, CALLS.load(Relaxed) - c0)
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench memory -- FILE");
        return;
    };
    let (bytes, text, _) = kept(|| std::fs::read(&path).unwrap());
    let file = bytes.len();
    println!("file {}", mib(file));
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let (bundle, b, calls) = kept(|| parse_bundle(&path, &bytes).unwrap());
    println!(
        "parse: bundle {} ({:.2}x file), {calls} allocations, peak while parsing {} (text {})",
        mib(b),
        b as f64 / file as f64,
        mib(PEAK.load(Relaxed)),
        mib(text)
    );
    drop(bytes);
    let n_on = bundle.on_premises.len();
    let n_cl = bundle.cloud.len();
    println!(
        "struct sizes: OnPremObject {} B, CloudObject {} B, Outcome {} B, Step {} B",
        size_of::<syncscope::model::OnPremObject>(),
        size_of::<syncscope::model::CloudObject>(),
        size_of::<syncscope::outcome::Outcome>(),
        size_of::<syncscope::trace::Step>(),
    );
    println!(
        "  vectors: on-prem {} + cloud {}",
        mib(n_on * size_of::<syncscope::model::OnPremObject>()),
        mib(n_cl * size_of::<syncscope::model::CloudObject>())
    );
    // The parts, each measured by cloning it (same allocation pattern as the parse).
    let (extra_on, e1, _) = kept(|| {
        bundle
            .on_premises
            .iter()
            .map(|o| o.extra.clone())
            .collect::<Vec<_>>()
    });
    let (extra_cl, e2, _) = kept(|| {
        bundle
            .cloud
            .iter()
            .map(|o| o.extra.clone())
            .collect::<Vec<_>>()
    });
    let vec_of = |n: usize| n * size_of::<syncscope::model::Extra>();
    println!(
        "  extra (heap beyond the struct): on-prem {}, cloud {}",
        mib(e1 - vec_of(n_on)),
        mib(e2 - vec_of(n_cl))
    );
    drop((extra_on, extra_cl));
    let (strings, s, scount) = kept(|| {
        let mut v: Vec<syncscope::model::Text> = Vec::new();
        for o in &bundle.on_premises {
            v.push(o.distinguished_name.clone());
            for x in [
                &o.sam_account_name,
                &o.user_principal_name,
                &o.mail,
                &o.display_name,
                &o.object_sid,
                &o.mail_nickname,
            ]
            .into_iter()
            .flatten()
            {
                v.push(x.clone());
            }
            v.extend(o.proxy_addresses.iter().cloned());
        }
        v
    });
    let vs = strings.len() * size_of::<syncscope::model::Text>();
    drop(strings);
    println!(
        "  on-prem strings beyond their slots: {} in {} allocations",
        mib(s - vs),
        scount
    );
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let (index, i, _) = kept(|| CloudIndex::build(&bundle));
    println!("index: {}", mib(i));
    let (plan, p, pcalls) = kept(|| syncscope::plan::plan_with(&bundle, &index, &bundle.settings));
    let steps: usize = plan.outcomes.iter().map(|o| o.steps.len()).sum();
    let cap: usize = plan.outcomes.iter().map(|o| o.steps.capacity()).sum();
    println!(
        "plan: {} in {pcalls} allocations; {} outcomes, {steps} steps (capacity {cap}: {})",
        mib(p),
        plan.outcomes.len(),
        mib(cap * size_of::<syncscope::trace::Step>())
    );
    println!(
        "total live after plan {} ({:.2}x file)",
        mib(LIVE.load(Relaxed)),
        LIVE.load(Relaxed) as f64 / file as f64
    );
}
