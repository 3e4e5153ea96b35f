//! `scenario` (interfaces §5): per step what it did; for sync steps the outcomes of the objects
//! the scenario is about.

use crate::model::Bundle;
use crate::outcome::{Holder, Outcome, SyncResult};
use crate::sanitize::display_safe;
use crate::scenario::StepReport;
use serde_json::Value;
use std::io::Write;
use uuid::Uuid;

/// What the text report says about one outcome of a sync step (typed; the JSON document has
/// the full `plan --json` outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeLine {
    pub object_guid: Uuid,
    pub display_name: Option<String>,
    pub result: SyncResult,
    pub cloud_id: Option<Uuid>,
    pub cloud_upn: Option<String>,
    pub error: Option<&'static str>,
    pub flags: Vec<&'static str>,
    /// (value, UPN placeholder, the object it conflicts with).
    pub quarantined: Vec<(String, Option<String>, Uuid)>,
    pub why: Option<String>,
}

impl OutcomeLine {
    pub fn of(b: &Bundle, out: &Outcome) -> Self {
        let o = &b.on_premises[out.on_prem as usize];
        let holder = |h: Holder| match h {
            Holder::Cloud(c) => b.cloud[c as usize].id,
            Holder::OnPrem(i) => b.on_premises[i as usize].object_guid,
        };
        OutcomeLine {
            object_guid: o.object_guid,
            display_name: o.display_name.as_deref().map(String::from),
            result: out.result,
            cloud_id: out.cloud.map(|c| b.cloud[c as usize].id),
            cloud_upn: out.cloud_upn.as_deref().map(String::from),
            error: out.error.map(|e| e.as_str()),
            flags: out.flags.iter().map(|f| f.as_str()).collect(),
            quarantined: out
                .quarantined
                .iter()
                .map(|q| {
                    (
                        q.value.to_string(),
                        q.placeholder.as_deref().map(String::from),
                        holder(q.conflicts_with),
                    )
                })
                .collect(),
            why: out.key_step().map(|s| s.describe(b, &out.source_anchor)),
        }
    }
}

pub fn json(reports: &[StepReport], final_state: &Bundle) -> Value {
    crate::scenario::scenario_json(reports, final_state)
}

pub fn text(reports: &[StepReport], out: &mut impl Write) -> std::io::Result<()> {
    // Focus on the objects the steps name, the on-prem objects whose outcome touches them, and
    // (once shown) those same objects in every later step.
    let mut focus: Vec<Uuid> = reports
        .iter()
        .flat_map(|r| r.named.iter().copied())
        .collect();
    for (i, r) in reports.iter().enumerate() {
        let status = if r.ok { "ok" } else { "REFUSED" };
        writeln!(
            out,
            "step {}  {:<18} {status:<8} {}",
            i + 1,
            r.action,
            display_safe(&r.summary)
        )?;
        let Some(lines) = &r.lines else {
            continue;
        };
        let mut shown = 0;
        for o in lines {
            let in_focus = |id: &Uuid| focus.contains(id);
            let quarantined_against = o.quarantined.iter().any(|(_, _, h)| in_focus(h));
            if !(in_focus(&o.object_guid)
                || o.cloud_id.as_ref().is_some_and(in_focus)
                || quarantined_against)
            {
                continue;
            }
            if !focus.contains(&o.object_guid) {
                focus.push(o.object_guid);
            }
            shown += 1;
            let mut detail: Vec<String> = Vec::new();
            if let Some(e) = o.error {
                detail.push(e.to_string());
            }
            detail.extend(o.flags.iter().map(|f| f.to_string()));
            for (v, placeholder, _) in &o.quarantined {
                match placeholder {
                    Some(p) => detail.push(format!("UPN {v} quarantined → {p}")),
                    None => detail.push(format!("{v} quarantined")),
                }
            }
            let cloud = match (o.cloud_id, &o.cloud_upn) {
                (Some(id), Some(upn)) if o.result != SyncResult::Error => {
                    format!(" → {upn} ({id})")
                }
                (Some(id), _) => format!(" → cloud {id}"),
                (None, Some(upn)) => format!(" → new object {upn}"),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "        {}: {}{}{}",
                display_safe(o.display_name.as_deref().unwrap_or("?")),
                o.result.as_str(),
                display_safe(&cloud),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", display_safe(&detail.join("; ")))
                }
            )?;
            if let Some(why) = &o.why {
                writeln!(out, "          why: {}", display_safe(why))?;
            }
        }
        let changed = lines
            .iter()
            .filter(|o| o.result != SyncResult::Linked)
            .count();
        if shown == 0 || changed > shown {
            writeln!(
                out,
                "        ({changed} object(s) not plainly linked in this cycle; --json shows every outcome)"
            )?;
        }
    }
    Ok(())
}
