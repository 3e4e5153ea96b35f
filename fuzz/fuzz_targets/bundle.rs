//! The snapshot bundle reader (interfaces §1), then the planner on whatever it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = syncscope::bundle::parse_bundle("fuzz.json", data) {
        let _ = syncscope::plan::plan(&b);
    }
});
