//! `cargo bench --bench json_parsers`: the bundle reader driven by three JSON parsers on the same
//! text (issue 15: "a faster JSON parser where it measurably wins"). The reader's visitors are
//! serde-generic, so serde_json (what syncscope uses), sonic-rs and simd-json (both SIMD
//! parsers with a serde `Deserializer`) build the very same `Bundle`; the run checks that they do.
//! Each is also timed skipping the document (`IgnoredAny`: the parser alone, nothing built).
//! One thread each; best of `SYNCSCOPE_JSON_RUNS` (default 3). The text is the file named by
//! `SYNCSCOPE_JSON_FILE`, else a generated tenant of `SYNCSCOPE_JSON_OBJECTS` (default 200,000)
//! objects on each side.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::time::{Duration, Instant};
use syncscope::bundle::read_with;
use syncscope::model::Bundle;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("one run"))
}

fn main() {
    let runs: usize = std::env::var("SYNCSCOPE_JSON_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (what, text) = match std::env::var("SYNCSCOPE_JSON_FILE") {
        Ok(path) => {
            let text = std::fs::read_to_string(&path).expect("a UTF-8 file");
            (path, text)
        }
        Err(_) => {
            let n: usize = std::env::var("SYNCSCOPE_JSON_OBJECTS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(200_000);
            let mut out = Vec::new();
            syncscope::generate::write_generated(n, 1, &mut out).expect("generated");
            (
                format!("generated {n} + {n}"),
                String::from_utf8(out).expect("UTF-8"),
            )
        }
    };
    let mib = text.len() as f64 / (1 << 20) as f64;
    let rate = |d: Duration| {
        format!(
            "{:.2} s ({:.0} MiB/s)",
            d.as_secs_f64(),
            mib / d.as_secs_f64()
        )
    };

    let (serde_json_skip, _) = best(runs, || {
        IgnoredAny::deserialize(&mut serde_json::Deserializer::from_str(&text)).expect("JSON")
    });
    let (serde_json_read, reference) = best(runs, || -> Bundle {
        read_with(&mut serde_json::Deserializer::from_str(&text)).expect("a bundle")
    });
    let (sonic_skip, _) = best(runs, || {
        IgnoredAny::deserialize(&mut sonic_rs::Deserializer::from_str(&text)).expect("JSON")
    });
    let (sonic_read, sonic) = best(runs, || -> Bundle {
        read_with(&mut sonic_rs::Deserializer::from_str(&text)).expect("a bundle")
    });
    // simd-json parses in place: each run gets its own copy (the copy is not timed).
    let mut simd_times = (Duration::MAX, Duration::MAX);
    let mut simd = None;
    for _ in 0..runs {
        let mut bytes = text.clone().into_bytes();
        let t = Instant::now();
        let mut de = simd_json::Deserializer::from_slice(&mut bytes).expect("JSON");
        IgnoredAny::deserialize(&mut de).expect("JSON");
        simd_times.0 = simd_times.0.min(t.elapsed());
        drop(de);
        let mut bytes = text.clone().into_bytes();
        let t = Instant::now();
        let mut de = simd_json::Deserializer::from_slice(&mut bytes).expect("JSON");
        let b: Bundle = read_with(&mut de).expect("a bundle");
        simd_times.1 = simd_times.1.min(t.elapsed());
        simd = Some(b);
    }
    let simd = simd.expect("one run");
    let same = |b: &Bundle| if *b == reference { "yes" } else { "**no**" };

    println!("{what}: {mib:.0} MiB, best of {runs}, one thread\n");
    println!(
        "| parser | skip the document (`IgnoredAny`) | build the bundle (`bundle::read_with`) | same bundle as serde_json |"
    );
    println!("|---|---|---|---|");
    println!(
        "| serde_json 1 (syncscope's) | {} | {} | — |",
        rate(serde_json_skip),
        rate(serde_json_read)
    );
    println!(
        "| sonic-rs 0.5 | {} | {} | {} |",
        rate(sonic_skip),
        rate(sonic_read),
        same(&sonic)
    );
    println!(
        "| simd-json 0.19 (parse in place, tape first) | {} | {} | {} |",
        rate(simd_times.0),
        rate(simd_times.1),
        same(&simd)
    );
}
