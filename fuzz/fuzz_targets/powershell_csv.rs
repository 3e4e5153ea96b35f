//! One export file read as the folder loader reads `users.csv` (format detection, then the reader,
//! then the folder assembly); seed the corpus with the powershell_csv samples of sample-data/.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = syncscope::import::read_export_bytes("users.csv", data);
});
