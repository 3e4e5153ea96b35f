//! The snapshot cache's section decoders (`--cache`), past the hashes that guard them in a file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    syncscope::cache::decode_any(data);
});
