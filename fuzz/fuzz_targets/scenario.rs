//! The scenario reader (interfaces §5) with an inline snapshot, then the scenario run.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = std::path::Path::new("/nonexistent-syncscope-fuzz");
    if let Ok(s) = syncscope::scenario::parse_scenario("fuzz.json", data, base) {
        let _ = syncscope::scenario::run_scenario(&s);
    }
});
