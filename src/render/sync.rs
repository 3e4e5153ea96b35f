//! `sync`: one line per cycle and where the resulting bundle went.

use std::io::Write;

#[derive(Clone, Debug)]
pub struct SyncReport {
    /// Per cycle: what it did (`apply::sync_summary`).
    pub cycles: Vec<String>,
    /// Where the resulting bundle was written.
    pub out: String,
}

pub fn text(r: &SyncReport, out: &mut impl Write) -> std::io::Result<()> {
    for (i, c) in r.cycles.iter().enumerate() {
        writeln!(out, "cycle {}: {c}", i + 1)?;
    }
    writeln!(out, "wrote {}", crate::sanitize::display_safe(&r.out))
}
