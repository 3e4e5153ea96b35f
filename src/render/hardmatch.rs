//! `hardmatch` (interfaces §8): the verdict per CSV row and where the script went.

use crate::hardmatch::RowReport;
use crate::sanitize::display_safe;
use serde_json::{Value, json};
use std::io::Write;

/// A bulk hard match: each row's verdict and the script written for the ready ones, if any.
#[derive(Clone, Debug)]
pub struct HardmatchReport {
    pub rows: Vec<RowReport>,
    pub script: Option<String>,
    /// How the snapshot loaded (the `"load"` member, interfaces §7).
    pub load: Option<crate::import::LoadReport>,
}

impl HardmatchReport {
    pub fn ready(&self) -> usize {
        self.rows.iter().filter(|r| r.ok()).count()
    }

    pub fn with_problems(&self) -> usize {
        self.rows.len() - self.ready()
    }
}

pub fn json(r: &HardmatchReport) -> Value {
    let mut v = crate::hardmatch::report_json(&r.rows);
    if let Value::Object(m) = &mut v {
        m.insert("script".into(), json!(r.script));
        m.insert(
            "load".into(),
            r.load.as_ref().map_or(Value::Null, |l| l.to_json()),
        );
    }
    v
}

pub fn text(r: &HardmatchReport, out: &mut impl Write) -> std::io::Result<()> {
    for row in &r.rows {
        let status = if row.ok() { "ready" } else { "PROBLEM" };
        writeln!(
            out,
            "line {:<4} {status:<8} {} → {}  {}",
            row.row.line,
            display_safe(&row.row.sam_account_name),
            display_safe(&row.row.cloud_upn),
            row.immutable_id.as_deref().unwrap_or("")
        )?;
        for p in &row.problems {
            writeln!(out, "           - {}", display_safe(p))?;
        }
        if let (true, Some(p)) = (row.ok(), &row.predicted) {
            writeln!(out, "           next sync: {}", display_safe(p))?;
        }
    }
    writeln!(
        out,
        "\n{} row(s) ready, {} with problems",
        r.ready(),
        r.with_problems()
    )?;
    match &r.script {
        Some(p) => writeln!(out, "script for the ready rows: {}", display_safe(p)),
        None => writeln!(
            out,
            "(--out SCRIPT writes the PowerShell for the ready rows)"
        ),
    }
}
