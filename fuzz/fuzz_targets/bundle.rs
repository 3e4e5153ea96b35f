//! The snapshot bundle reader (interfaces §1), then the planner on whatever it accepts. The
//! block reader, cutting the same text into small blocks, must give the same bundle or the same
//! error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = syncscope::bundle::parse_bundle("fuzz.json", data);
    // A block size taken from the text, so that cuts fall everywhere.
    let block = 1 + data.first().map_or(0, |&b| b as usize) % 64;
    let blocks = syncscope::bundle::read_bundle_in(
        "fuzz.json",
        &mut &data[..],
        || Ok(data.to_vec()),
        block,
    );
    assert_eq!(whole, blocks, "blocks of {block}");
    if let Ok(b) = whole {
        let _ = syncscope::plan::plan(&b);
    }
});
