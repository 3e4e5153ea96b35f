//! The bulk hard-match CSV reader (SamAccountName,CloudUPN), then the checks on the sample.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SAMPLE: OnceLock<syncscope::model::Bundle> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let b = SAMPLE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-data/contoso.json");
        syncscope::bundle::parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
    });
    if let Ok(rows) = syncscope::hardmatch::read_csv("fuzz.csv", data) {
        let _ = syncscope::hardmatch::check(b, rows);
    }
});
