//! `plan` for people: the table, or each outcome with its explanation trace (interfaces §3 has
//! the JSON, written by `crate::report::write_plan_json`).

use crate::sanitize::display_safe;
use crate::session::Session;
use std::io::Write;

pub fn table(s: &Session, out: &mut impl Write) -> std::io::Result<()> {
    write!(
        out,
        "{}",
        crate::report::plan_table(&s.snapshot, &s.plan, 0..s.plan.outcomes.len())
    )
}

pub fn explained(s: &Session, out: &mut impl Write) -> std::io::Result<()> {
    let b = &s.snapshot;
    for o in &s.plan.outcomes {
        let obj = &b.on_premises[o.on_prem as usize];
        writeln!(
            out,
            "{} — {}",
            display_safe(&obj.label()),
            o.result.as_str()
        )?;
        for step in &o.steps {
            writeln!(
                out,
                "    {}",
                display_safe(&step.describe(b, &o.source_anchor))
            )?;
        }
    }
    writeln!(out, "\n{}", crate::report::summary_line(&s.plan))
}

/// `plan --json`, with the load report as its `"load"` member when there is one (§7).
pub fn json(
    s: &Session,
    load: Option<&crate::import::LoadReport>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    crate::report::write_plan_json_loaded(&s.snapshot, &s.plan, load, out)
}
