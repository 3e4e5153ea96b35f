//! The plan as JSON (interfaces §3) and as a table for people.

use crate::model::Bundle;
use crate::outcome::{Holder, Outcome, SyncResult};
use crate::plan::Plan;
use crate::preview::{SyncPreview, preview};
use crate::sanitize::display_safe;
use crate::settings::{Setting, SettingScope, Settings};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// Effective settings of one scope as a JSON object.
pub fn settings_json(settings: &Settings, scope: SettingScope) -> Value {
    let mut m = Map::new();
    for s in Setting::ALL.iter().filter(|s| s.info().scope == scope) {
        m.insert(s.key().into(), Value::Bool(settings.get(*s)));
    }
    Value::Object(m)
}

/// `plan --json` (interfaces §3).
pub fn plan_json(b: &Bundle, plan: &Plan) -> Value {
    let mut summary = Map::new();
    for (r, n) in plan.counts() {
        summary.insert(r.as_str().into(), json!(n));
    }
    json!({
        "features": settings_json(&b.settings, SettingScope::TenantFeature),
        "switches": settings_json(&b.settings, SettingScope::RuleBookSwitch),
        "exportBlocked": plan.export_blocked,
        "pendingDeletions": plan.deletions.len(),
        "summary": summary,
        "outcomes": plan.outcomes.iter().map(|o| outcome_json(b, o)).collect::<Vec<_>>(),
    })
}

fn holder_id(b: &Bundle, h: Holder) -> String {
    match h {
        Holder::Cloud(c) => b.cloud[c as usize].id.to_string(),
        Holder::OnPrem(o) => b.on_premises[o as usize].object_guid.to_string(),
    }
}

/// `plan --json` written as it is made, one outcome at a time: the same document as
/// [`plan_json`] without holding every outcome's JSON at once.
pub fn write_plan_json(
    b: &Bundle,
    plan: &Plan,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    write_plan_json_loaded(b, plan, None, out)
}

/// `plan --json` with the load report as its `"load"` member (interfaces §7), streamed by
/// [`crate::render::plan::write_json`] (the same bytes as [`plan_json`] through the safe formatter).
pub fn write_plan_json_loaded(
    b: &Bundle,
    plan: &Plan,
    load: Option<&crate::import::LoadReport>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    crate::render::plan::write_json(b, plan, load, &crate::render::plan::Field::ALL, out)
}

/// One outcome of `plan --json`.
pub fn outcome_json(b: &Bundle, out: &Outcome) -> Value {
    let o = &b.on_premises[out.on_prem as usize];
    let mut v = json!({
        "objectGUID": o.object_guid.to_string(),
        "distinguishedName": o.distinguished_name,
        "objectClass": o.object_class.as_str(),
        "displayName": o.display_name,
        "sourceAnchor": out.source_anchor,
        "result": out.result.as_str(),
        "cloudId": out.cloud.map(|c| b.cloud[c as usize].id.to_string()),
        "error": out.error.map(|e| e.as_str()),
        "flags": out.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "quarantined": out.quarantined.iter().map(|q| json!({
            "propertyName": q.property.as_str(),
            "value": q.value,
            "placeholder": q.placeholder,
            "conflictsWith": holder_id(b, q.conflicts_with),
        })).collect::<Vec<_>>(),
        "rules": out.rules(),
        "explanation": out.steps.iter().map(|s| s.describe(b, &out.source_anchor)).collect::<Vec<_>>(),
        "why": out.key_step().map(|s| s.describe(b, &out.source_anchor)),
    });
    if let Some(upn) = &out.cloud_upn {
        v["cloudUserPrincipalName"] = json!(upn);
    }
    if let Some(j) = out.conflicting_on_prem {
        v["conflictsWithObjectGUID"] = json!(b.on_premises[j as usize].object_guid.to_string());
    }
    if let Some(name) = out.attribute_conflict_name {
        v["attributeConflictName"] = json!(name);
    }
    if let Some(err) = out.error {
        v["fixes"] = json!(err.fixes());
    }
    if out.result.is_takeover()
        && let Some(p) = preview(b, out)
    {
        v["takeover"] = preview_json(&p);
    }
    v
}

pub fn preview_json(p: &SyncPreview) -> Value {
    json!({
        "overwritten": p.overwritten.iter().map(|c| json!({
            "attribute": c.attribute, "cloud": c.cloud, "onPremises": c.on_prem,
        })).collect::<Vec<_>>(),
        "proxyAddressesLost": p.proxies_lost,
        "proxyAddressesAdded": p.proxies_added,
        "passwordReplaced": p.password_replaced,
        "becomesSynced": p.becomes_synced,
    })
}

/// "62 objects: 26 linked, 1 hard-match, …" (zero counts left out).
pub fn summary_line(plan: &Plan) -> String {
    let parts: Vec<String> = plan
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{n} {}", r.as_str()))
        .collect();
    let mut line = format!("{} objects: {}", plan.outcomes.len(), parts.join(", "));
    if plan.export_blocked {
        let _ = write!(
            line,
            " — EXPORT STOPPED: {} pending deletions exceed the deletion threshold (Q6)",
            plan.deletions.len()
        );
    }
    line
}

/// What the table shows in its last column: the error, flags and quarantines, briefly.
pub fn detail_text(b: &Bundle, out: &Outcome) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(e) = out.error {
        parts.push(e.as_str().to_string());
    }
    parts.extend(out.flags.iter().map(|f| f.as_str().to_string()));
    for q in &out.quarantined {
        match &q.placeholder {
            Some(p) => parts.push(format!("UPN {} quarantined → {p}", q.value)),
            None => parts.push(format!("{} quarantined", q.value)),
        }
    }
    if out.result == SyncResult::Linked
        && parts.is_empty()
        && let Some(p) = preview(b, out)
        && !p.is_empty()
    {
        parts.push(format!(
            "update: {}",
            p.overwritten
                .iter()
                .map(|c| c.attribute)
                .chain((!p.proxies_added.is_empty()).then_some("proxyAddresses"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    parts.join("; ")
}

/// The plan as an aligned text table with a summary line.
pub fn plan_table(b: &Bundle, plan: &Plan, rows: impl Iterator<Item = usize>) -> String {
    let mut lines: Vec<[String; 5]> = vec![[
        "RESULT".into(),
        "ON-PREM OBJECT".into(),
        "UPN / PRIMARY SMTP".into(),
        "CLOUD OBJECT".into(),
        "ERROR / FLAGS / QUARANTINE".into(),
    ]];
    for i in rows {
        let out = &plan.outcomes[i];
        let o = &b.on_premises[out.on_prem as usize];
        let cloud = out
            .cloud
            .map(|c| {
                let c = &b.cloud[c as usize];
                c.principal().unwrap_or(c.name()).to_string()
            })
            .unwrap_or_else(|| "-".into());
        lines.push([
            out.result.as_str().to_string(),
            display_safe(&o.label()).into_owned(),
            display_safe(o.principal().unwrap_or("-")).into_owned(),
            display_safe(&cloud).into_owned(),
            display_safe(&detail_text(b, out)).into_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|col| {
            lines
                .iter()
                .map(|l| unicode_width::UnicodeWidthStr::width(l[col].as_str()).min(40))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for l in &lines {
        for (col, w) in widths.iter().enumerate() {
            let cell = truncate(&l[col], *w);
            let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(cell.as_str()));
            let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
        }
        text.push_str(&l[4]);
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&summary_line(plan));
    text.push('\n');
    text
}

/// Cuts text to a display width, marking the cut with '…'.
pub fn truncate(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// Provisioning errors as a table for people (the `errors` command).
pub fn errors_table(rows: &[&crate::query::ErrorRow], show_new: bool) -> String {
    let mut lines: Vec<Vec<String>> = vec![
        [
            "DISPLAY NAME",
            "TYPE",
            "USER PRINCIPAL NAME",
            "PROPERTY",
            "CONFLICTING VALUE",
            "WHEN",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    ];
    for r in rows {
        let when = match (&r.occurred_date_time, show_new && r.new_in_next_sync) {
            (_, true) => "next sync".to_string(),
            (Some(t), false) => t.clone(),
            (None, false) => "-".to_string(),
        };
        lines.push(vec![
            display_safe(&r.display_name).into_owned(),
            r.object_type.to_string(),
            display_safe(r.user_principal_name.as_deref().unwrap_or("-")).into_owned(),
            r.property_name.clone(),
            display_safe(&r.value).into_owned(),
            when,
        ]);
    }
    let cols = lines[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            lines
                .iter()
                .map(|l| unicode_width::UnicodeWidthStr::width(l[c].as_str()).min(44))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for l in &lines {
        let mut line = String::new();
        for (c, w) in widths.iter().enumerate() {
            let cell = truncate(&l[c], *w);
            let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(cell.as_str()));
            let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_plan_json_is_the_same_document() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
        let b = crate::bundle::parse_bundle(path, &std::fs::read(path).unwrap()).unwrap();
        let p = crate::plan::plan(&b);
        let mut out = Vec::new();
        write_plan_json(&b, &p, &mut out).unwrap();
        let streamed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(streamed, plan_json(&b, &p));
    }
}
