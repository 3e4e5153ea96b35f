//! `syncscope report` (interfaces §9): one self-contained HTML file a change board can read —
//! the plan summary per result, charts, the takeovers with their data loss, the conflicts, the
//! readiness findings with their fixes, every object's explanation, the settings it was
//! computed with and the what-if comparison when settings were overridden.
//!
//! Rendered with minijinja from `report.html` (auto-escaping: every value from the snapshot is
//! HTML-escaped; the data the script reads is embedded with `tojson`, which escapes `<`, `>`,
//! `&` and `'`). CSS, script and charts (SVG) are inline; a Content-Security-Policy with the
//! hashes of the one style and the one script forbids everything else, so nothing in the file
//! can load from the network or run.

use crate::check::{CheckReport, CloudRefs, ObjectRef};
use crate::model::Bundle;
use crate::outcome::SyncResult;
use crate::plan::Plan;
use crate::preview::preview;
use crate::report::{detail_text, outcome_json};
use crate::settings::{Setting, SettingScope, Settings};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TEMPLATE: &str = include_str!("report.html");
const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// At most this many rows in the every-object table (the CSV has them all).
pub const MAX_OBJECT_ROWS: usize = 20_000;

/// What the report is computed from besides the plan.
pub struct ReportInput<'a> {
    pub bundle: &'a Bundle,
    /// The plan with the effective settings (`bundle.settings`, `--set` applied).
    pub plan: &'a Plan,
    pub check: &'a CheckReport,
    /// With `--set`: the snapshot's own settings and the plan they give.
    pub baseline: Option<(&'a Settings, &'a Plan)>,
    /// The snapshot as the user named it (shown, never opened).
    pub snapshot: &'a str,
}

/// Writes the report through the one atomic writer ([`crate::atomic`]): a reader never sees
/// half a file, an existing file is replaced only with `--force`, never when it is one of
/// `inputs`, and the file gets the ordinary permissions of a new file. The report is HTML, so it
/// is written as plain UTF-8, not through the PowerShell script writer.
pub fn write_report(
    path: &std::path::Path,
    html: &str,
    replace: crate::atomic::Replace,
    inputs: &[&std::path::Path],
) -> std::io::Result<()> {
    crate::atomic::write_file(path, html.as_bytes(), replace, inputs)
}

/// `'sha256-…'` of a text, for the Content-Security-Policy.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The policy: nothing but the report's own style and script.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(CSS),
        csp_hash(JS)
    )
}

struct Bars {
    title: &'static str,
    bars: Vec<(String, usize, &'static str)>,
}

fn chart(c: Bars) -> Value {
    const LABEL: usize = 210;
    const WIDTH: usize = 560;
    let max = c.bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let bars: Vec<Value> = c
        .bars
        .iter()
        .enumerate()
        .map(|(i, (label, value, class))| {
            json!({
                "label": label, "value": value, "class": class, "y": i * 22 + 2,
                "width": if *value == 0 { 0 } else { (value * (WIDTH - LABEL - 60) / max).max(2) },
            })
        })
        .collect();
    json!({
        "title": c.title, "bars": bars, "label_width": LABEL, "width": WIDTH,
        "height": (c.bars.len() * 22).max(22) + 4,
    })
}

fn result_class(r: SyncResult) -> &'static str {
    match r {
        SyncResult::Error => "error",
        SyncResult::Linked => "linked",
        SyncResult::OutOfScope => "muted",
        r if r.is_takeover() => "warning",
        _ => "",
    }
}

/// The report as one HTML document.
pub fn render(input: &ReportInput) -> Result<String, minijinja::Error> {
    let b = input.bundle;
    let plan = input.plan;
    let counts_before = input.baseline.map(|(_, p)| p.counts());
    let counts: Vec<Value> = plan
        .counts()
        .iter()
        .enumerate()
        .filter(|(i, (_, n))| *n > 0 || counts_before.is_some_and(|c| c[*i].1 > 0))
        .map(|(i, (r, n))| {
            json!({"result": r.as_str(), "count": n, "before": counts_before.map(|c| c[i].1)})
        })
        .collect();

    // Takeovers and their data loss (M7).
    let mut takeovers = Vec::new();
    let mut takeover_kinds: Vec<(SyncResult, usize, usize)> = Vec::new();
    for o in plan.outcomes.iter().filter(|o| o.result.is_takeover()) {
        let on = &b.on_premises[o.on_prem as usize];
        let p = preview(b, o).unwrap_or_default();
        let loss = !p.overwritten.is_empty() || !p.proxies_lost.is_empty() || p.password_replaced;
        match takeover_kinds.iter_mut().find(|k| k.0 == o.result) {
            Some(k) => {
                k.1 += 1;
                k.2 += loss as usize;
            }
            None => takeover_kinds.push((o.result, 1, loss as usize)),
        }
        let cloud = o.cloud.map(|c| {
            let c = &b.cloud[c as usize];
            format!("{} ({})", c.principal().unwrap_or(c.name()), c.id)
        });
        takeovers.push(json!({
            "name": on.name(), "principal": on.principal().unwrap_or(""), "result": o.result.as_str(),
            "cloud": cloud,
            "overwritten": p.overwritten.iter().map(|c| json!({
                "attribute": c.attribute, "cloud": c.cloud.as_deref().unwrap_or("(empty)"),
                "on_prem": c.on_prem.as_deref().unwrap_or("(empty)"),
            })).collect::<Vec<_>>(),
            "lost": p.proxies_lost,
            "password": if p.password_replaced { "yes" } else { "no" },
        }));
    }
    takeover_kinds.sort_by_key(|k| k.0);

    // Conflicts: export errors and quarantined values.
    let mut conflicts = Vec::new();
    let mut conflict_kinds: Vec<(String, usize)> = Vec::new();
    let mut count_kind = |k: String| match conflict_kinds.iter_mut().find(|c| c.0 == k) {
        Some(c) => c.1 += 1,
        None => conflict_kinds.push((k, 1)),
    };
    for o in &plan.outcomes {
        let on = &b.on_premises[o.on_prem as usize];
        let j = outcome_json(b, o);
        if let Some(e) = o.error {
            count_kind(e.as_str().to_string());
            let with = match (o.cloud, o.conflicting_on_prem) {
                (Some(c), _) => crate::trace::cloud_ref(b, c),
                (None, Some(p)) => crate::trace::on_prem_ref(b, p),
                _ => String::new(),
            };
            conflicts.push(json!({
                "name": on.name(), "principal": on.principal().unwrap_or(""), "result": o.result.as_str(),
                "kind": e.as_str(), "value": j["why"], "with": with, "fixes": e.fixes(),
            }));
        }
        for q in &o.quarantined {
            let kind = format!("{} quarantined", q.property.as_str());
            count_kind(kind.clone());
            conflicts.push(json!({
                "name": on.name(), "principal": on.principal().unwrap_or(""), "result": o.result.as_str(),
                "kind": kind, "value": q.value, "with": crate::trace::holder_ref(b, q.conflicts_with),
                "fixes": ["Change the value on one side; the hourly resolution restores it once the conflict is gone (Q3)."],
            }));
        }
    }

    let refs = CloudRefs::build(b, plan);
    let findings: Vec<Value> = input
        .check
        .findings
        .iter()
        .map(|f| {
            let outcome = f.outcome(plan, &refs).map(|o| {
                format!(
                    "{}{}",
                    o.result.as_str(),
                    o.error
                        .map(|e| format!(" ({})", e.as_str()))
                        .unwrap_or_default()
                )
            });
            let commands: Vec<String> = f.commands.iter().flat_map(|c| c.lines()).collect();
            json!({
                "rule": f.rule.id(), "severity": f.severity.as_str(),
                "side": if matches!(f.object, ObjectRef::OnPrem(_)) { "AD" } else { "cloud" },
                "name": f.object.name(b), "id": f.object.id(b), "attribute": f.attribute,
                "value": f.value, "title": f.rule.info().title, "detail": f.detail,
                "outcome": outcome.unwrap_or_else(|| "not touched by the sync".into()),
                "fix": f.fix, "commands": commands.join("\n"),
            })
        })
        .collect();
    let mut finding_rules: Vec<&str> = input.check.findings.iter().map(|f| f.rule.id()).collect();
    finding_rules.dedup();

    let object_rows: Vec<Value> = plan
        .outcomes
        .iter()
        .take(MAX_OBJECT_ROWS)
        .map(|o| {
            let on = &b.on_premises[o.on_prem as usize];
            let j = outcome_json(b, o);
            json!({
                "name": on.name(), "principal": on.principal().unwrap_or(""),
                "class": on.object_class.as_str(), "result": o.result.as_str(),
                "cloud": o.cloud.map(|c| crate::trace::cloud_ref(b, c)).unwrap_or_default(),
                "detail": detail_text(b, o), "why": j["why"], "rules": j["rules"],
                "explanation": j["explanation"],
                "fixes": o.error.map(|e| e.fixes()).unwrap_or_default(),
            })
        })
        .collect();

    let settings: Vec<Value> = Setting::ALL
        .iter()
        .map(|s| {
            let info = s.info();
            let snapshot_value = input.baseline.map(|(base, _)| base.get(*s));
            json!({
                "key": info.key,
                "scope": match info.scope { SettingScope::TenantFeature => "tenant feature", SettingScope::RuleBookSwitch => "rule-book switch" },
                "value": b.settings.get(*s).to_string(),
                "overridden": snapshot_value.is_some_and(|v| v != b.settings.get(*s)),
                "snapshot_value": snapshot_value.map(|v| v.to_string()),
                "rule": info.rule, "meaning": info.meaning,
            })
        })
        .collect();

    let what_if = input.baseline.map(|(base, before)| {
        let changes: Vec<String> = base
            .differences(&b.settings)
            .iter()
            .map(|s| format!("{}={}", s.key(), b.settings.get(*s)))
            .collect();
        let changed: Vec<Value> = before
            .outcomes
            .iter()
            .zip(&plan.outcomes)
            .filter(|(x, y)| x.result != y.result || x.error != y.error)
            .map(|(x, y)| {
                let on = &b.on_premises[y.on_prem as usize];
                let show = |o: &crate::outcome::Outcome| {
                    format!(
                        "{}{}",
                        o.result.as_str(),
                        o.error
                            .map(|e| format!(" ({})", e.as_str()))
                            .unwrap_or_default()
                    )
                };
                json!({
                    "name": on.name(), "principal": on.principal().unwrap_or(""),
                    "before": show(x), "after": show(y),
                    "why": outcome_json(b, y)["why"],
                })
            })
            .collect();
        json!({"changes": changes, "changed": changed})
    });

    let tenant = b
        .extra
        .get("tenant")
        .and_then(|t| t.get("displayName"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| b.tenant.initial_domain.clone());

    let charts = vec![
        chart(Bars {
            title: "Outcome of the next sync",
            bars: plan
                .counts()
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(r, n)| (r.as_str().to_string(), *n, result_class(*r)))
                .collect(),
        }),
        chart(Bars {
            title: "Conflicts by kind",
            bars: conflict_kinds
                .iter()
                .map(|(k, n)| {
                    (
                        k.clone(),
                        *n,
                        if k.ends_with("quarantined") {
                            "warning"
                        } else {
                            "error"
                        },
                    )
                })
                .collect(),
        }),
        chart(Bars {
            title: "Takeovers: all / with data loss",
            bars: takeover_kinds
                .iter()
                .flat_map(|(r, all, loss)| {
                    [
                        (format!("{} (all)", r.as_str()), *all, "warning"),
                        (format!("{} (data loss)", r.as_str()), *loss, "loss"),
                    ]
                })
                .collect(),
        }),
        chart(Bars {
            title: "Readiness findings by rule",
            bars: crate::check::Rule::ALL
                .iter()
                .filter_map(|r| {
                    let n = input.check.findings.iter().filter(|f| f.rule == *r).count();
                    (n > 0).then(|| {
                        let class = if r.info().severity == crate::check::Severity::Error {
                            "error"
                        } else {
                            "warning"
                        };
                        (format!("{} {}", r.id(), r.info().class.as_str()), n, class)
                    })
                })
                .collect(),
        }),
    ];

    let ctx = json!({
        "csp": content_security_policy(),
        "css": CSS, "js": JS,
        "tenant": tenant,
        "tenant_domain": b.tenant.initial_domain,
        "snapshot": input.snapshot,
        "captured": b.captured_date_time,
        "version": env!("CARGO_PKG_VERSION"),
        "objects": plan.outcomes.len(),
        "cloud_objects": b.cloud.len(),
        "export_blocked": plan.export_blocked,
        "pending_deletions": plan.deletions.len(),
        "deletion_threshold": b.connect.deletion_threshold,
        "password_sync": b.settings.get(Setting::PasswordSync),
        "counts": counts,
        "charts": charts,
        "settings": settings,
        "source_anchor": b.connect.source_anchor.as_str(),
        "included_ous": b.connect.included_ous,
        "what_if": what_if,
        "takeovers": takeovers,
        "conflicts": conflicts,
        "findings": findings,
        "finding_rules": finding_rules,
        "object_rows": object_rows,
        "objects_truncated": plan.outcomes.len() > MAX_OBJECT_ROWS,
        "data": {
            "tenant": tenant,
            "snapshot": input.snapshot,
            "objects": plan.outcomes.len(),
            "findings": input.check.findings.len(),
        },
    });
    let mut env = minijinja::Environment::new();
    // Auto-escaping follows the template name (.html → HTML escaping of every `{{ }}`).
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?
        .render(minijinja::Value::from_serialize(&ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
        crate::bundle::parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
    }

    fn render_for(b: &Bundle, snapshot: &str) -> String {
        let ix = crate::index::CloudIndex::build(b);
        let p = crate::plan::plan_with(b, &ix, &b.settings);
        let c = crate::check::check(b, &ix, &p, Default::default());
        render(&ReportInput {
            bundle: b,
            plan: &p,
            check: &c,
            baseline: None,
            snapshot,
        })
        .unwrap()
    }

    #[test]
    fn the_policy_hashes_exactly_the_inline_style_and_script() {
        let html = render_for(&sample(), "contoso.json");
        assert!(html.contains(&format!("<style>{CSS}</style>")));
        assert!(html.contains(&format!("<script>{JS}</script>")));
        // The policy is an attribute value: HTML-escaped, the browser reads it unescaped.
        let policy = html
            .split("Content-Security-Policy\" content=\"")
            .nth(1)
            .unwrap();
        let policy = policy
            .split('"')
            .next()
            .unwrap()
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/");
        assert_eq!(policy, content_security_policy());
        assert_eq!(html.matches("<script>").count(), 1, "one executable script");
        assert!(
            !html.contains("http://") || !html.contains("src=\"http"),
            "no remote resource"
        );
    }

    #[test]
    fn hostile_values_are_escaped_in_markup_and_in_the_json_island() {
        let mut b = sample();
        let evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>'\"&";
        b.on_premises[0].display_name = Some(evil.into());
        let html = render_for(&b, evil);
        assert!(!html.contains("<script>alert(1)"), "raw markup leaked");
        assert!(!html.contains("<img src=x"), "raw markup leaked");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
        // In the JSON island `<` is \u003c, so `</script>` cannot close it.
        let island = html
            .split("id=\"report-data\">")
            .nth(1)
            .unwrap()
            .split("</script>")
            .next()
            .unwrap();
        assert!(island.contains("\\u003c/script\\u003e"), "{island}");
        let data: Value = serde_json::from_str(island).unwrap();
        assert_eq!(data["snapshot"], json!(evil));
    }
}
