//! `cargo bench --bench scale`: the scale benchmark of issue 7 (`syncscope::bench`), reported as
//! Markdown on stdout. Sizes (objects on each side) from `SYNCSCOPE_BENCH_SIZES`, comma-separated;
//! by default 10,000, 100,000, 200,000 and 1,000,000.

use std::io::Write;

fn main() {
    syncscope::bench::child_if_requested(Some(syncscope::tui::frame_times));
    let sizes: Vec<usize> = match std::env::var("SYNCSCOPE_BENCH_SIZES") {
        Ok(text) => match text
            .split(',')
            .map(|s| s.trim().replace('_', "").parse())
            .collect()
        {
            Ok(sizes) => sizes,
            Err(e) => {
                eprintln!(
                    "SYNCSCOPE_BENCH_SIZES={text:?}: expected numbers separated by commas ({e})"
                );
                std::process::exit(2);
            }
        },
        Err(_) => vec![10_000, 100_000, 200_000, 1_000_000],
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = syncscope::bench::run(&sizes, &mut out) {
        let _ = out.flush();
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}
