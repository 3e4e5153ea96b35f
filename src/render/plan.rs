//! `plan` for people (the table, or each outcome with its explanation trace) and for scripts:
//! `plan --json` (interfaces §3), streamed outcome by outcome through one serializer into the
//! caller's writer. No JSON tree of the plan is built (not even one per outcome): the bytes are
//! those [`crate::report::plan_json`] gives through [`SafeJsonFormatter`] — the same keys in the
//! same order, the same escapes (C1, bidi, separators, …) — and `--fields` chooses which of an
//! outcome's fields are written.

use crate::import::LoadReport;
use crate::model::Bundle;
use crate::outcome::{Holder, Outcome};
use crate::plan::Plan;
use crate::report::{preview_json, settings_json};
use crate::sanitize::{SafeJsonFormatter, display_safe};
use crate::session::Session;
use crate::settings::SettingScope;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
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

/// `plan --json`, with the load report as its `"load"` member when there is one (§7), every
/// field of every outcome.
pub fn json(s: &Session, load: Option<&LoadReport>, out: &mut impl Write) -> std::io::Result<()> {
    write_json(&s.snapshot, &s.plan, load, &Field::ALL, out)
}

/// One field of an outcome in `plan --json` (§3), in the document's order. The last five are
/// written only when they apply (a cloud UPN, an on-prem conflict, a unique-value conflict, an
/// error's fixes, a takeover's preview).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    ObjectGuid,
    DistinguishedName,
    ObjectClass,
    DisplayName,
    SourceAnchor,
    Result,
    CloudId,
    Error,
    Flags,
    Quarantined,
    Rules,
    Explanation,
    Why,
    CloudUserPrincipalName,
    ConflictsWithObjectGuid,
    AttributeConflictName,
    Fixes,
    Takeover,
}

impl Field {
    /// Every field, in the order `plan --json` writes them.
    pub const ALL: [Field; 18] = [
        Field::ObjectGuid,
        Field::DistinguishedName,
        Field::ObjectClass,
        Field::DisplayName,
        Field::SourceAnchor,
        Field::Result,
        Field::CloudId,
        Field::Error,
        Field::Flags,
        Field::Quarantined,
        Field::Rules,
        Field::Explanation,
        Field::Why,
        Field::CloudUserPrincipalName,
        Field::ConflictsWithObjectGuid,
        Field::AttributeConflictName,
        Field::Fixes,
        Field::Takeover,
    ];

    /// The field's key in the JSON (and its CSV column).
    pub fn name(self) -> &'static str {
        match self {
            Field::ObjectGuid => "objectGUID",
            Field::DistinguishedName => "distinguishedName",
            Field::ObjectClass => "objectClass",
            Field::DisplayName => "displayName",
            Field::SourceAnchor => "sourceAnchor",
            Field::Result => "result",
            Field::CloudId => "cloudId",
            Field::Error => "error",
            Field::Flags => "flags",
            Field::Quarantined => "quarantined",
            Field::Rules => "rules",
            Field::Explanation => "explanation",
            Field::Why => "why",
            Field::CloudUserPrincipalName => "cloudUserPrincipalName",
            Field::ConflictsWithObjectGuid => "conflictsWithObjectGUID",
            Field::AttributeConflictName => "attributeConflictName",
            Field::Fixes => "fixes",
            Field::Takeover => "takeover",
        }
    }

    /// The field named exactly so (names are case-sensitive, as the JSON keys are).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// `--fields F1,F2,...`: the chosen fields, in the order given (a field named twice is written
/// once, where it is first named), each one of `valid`. The error text names the unknown field
/// and lists the valid ones (the caller exits 2: bad usage).
pub fn parse_fields(list: &str, valid: &[Field]) -> Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    for name in list.split(',').map(str::trim) {
        match Field::from_name(name).filter(|f| valid.contains(f)) {
            Some(f) if !fields.contains(&f) => fields.push(f),
            Some(_) => {}
            None => {
                let names: Vec<&str> = valid.iter().map(|f| f.name()).collect();
                let shown = if name.is_empty() {
                    "an empty field name".to_string()
                } else {
                    format!("unknown field {:?}", display_safe(name))
                };
                return Err(format!(
                    "--fields: {shown}; the fields are {}",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(fields)
}

/// Writes `plan --json` (§3) with only `fields` in each outcome (in that order), the load report
/// as `"load"` when there is one (§7), and a final newline. Features, switches, the summary and
/// the load report are always written.
pub fn write_json(
    b: &Bundle,
    plan: &Plan,
    load: Option<&LoadReport>,
    fields: &[Field],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeJsonFormatter);
    PlanJson {
        b,
        plan,
        load,
        fields,
    }
    .serialize(&mut ser)
    .map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// One outcome with the chosen fields as a JSON value (what [`crate::report::outcome_json`]
/// gives, restricted to `fields`): for the CSV rows.
pub fn outcome_value(b: &Bundle, o: &Outcome, fields: &[Field]) -> serde_json::Value {
    OutcomeJson { b, o, fields }
        .serialize(serde_json::value::Serializer)
        .expect("an outcome always serializes to a JSON value")
}

/// The whole document, written as it is walked.
struct PlanJson<'a> {
    b: &'a Bundle,
    plan: &'a Plan,
    load: Option<&'a LoadReport>,
    fields: &'a [Field],
}

impl Serialize for PlanJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, plan) = (self.b, self.plan);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "features",
            &settings_json(&b.settings, SettingScope::TenantFeature),
        )?;
        m.serialize_entry(
            "switches",
            &settings_json(&b.settings, SettingScope::RuleBookSwitch),
        )?;
        m.serialize_entry("exportBlocked", &plan.export_blocked)?;
        m.serialize_entry("pendingDeletions", &plan.deletions.len())?;
        m.serialize_entry("summary", &Summary(plan))?;
        if let Some(load) = self.load {
            m.serialize_entry("load", &load.to_json())?;
        }
        m.serialize_entry(
            "outcomes",
            &Outcomes {
                b,
                plan,
                fields: self.fields,
            },
        )?;
        m.end()
    }
}

/// `"summary"`: the count of each result, every result named.
struct Summary<'a>(&'a Plan);

impl Serialize for Summary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let counts = self.0.counts();
        let mut m = s.serialize_map(Some(counts.len()))?;
        for (r, n) in counts {
            m.serialize_entry(r.as_str(), &n)?;
        }
        m.end()
    }
}

struct Outcomes<'a> {
    b: &'a Bundle,
    plan: &'a Plan,
    fields: &'a [Field],
}

impl Serialize for Outcomes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.plan.outcomes.len()))?;
        for o in &self.plan.outcomes {
            seq.serialize_element(&OutcomeJson {
                b: self.b,
                o,
                fields: self.fields,
            })?;
        }
        seq.end()
    }
}

struct OutcomeJson<'a> {
    b: &'a Bundle,
    o: &'a Outcome,
    fields: &'a [Field],
}

/// A GUID as its hyphenated lower-case text (what `Uuid::to_string` gives), without allocating.
struct Guid(uuid::Uuid);

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = uuid::Uuid::encode_buffer();
        s.serialize_str(self.0.hyphenated().encode_lower(&mut buf))
    }
}

fn holder_guid(b: &Bundle, h: Holder) -> Guid {
    match h {
        Holder::Cloud(c) => Guid(b.cloud[c as usize].id),
        Holder::OnPrem(o) => Guid(b.on_premises[o as usize].object_guid),
    }
}

/// A list written from an iterator (cloned, so the serializer can take it by reference).
struct Each<I>(I);

impl<I, T> Serialize for Each<I>
where
    I: Iterator<Item = T> + Clone,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

struct QuarantineJson<'a> {
    b: &'a Bundle,
    q: &'a crate::outcome::Quarantine,
}

impl Serialize for QuarantineJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let q = self.q;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("propertyName", q.property.as_str())?;
        m.serialize_entry("value", &*q.value)?;
        m.serialize_entry("placeholder", &q.placeholder.as_deref())?;
        m.serialize_entry("conflictsWith", &holder_guid(self.b, q.conflicts_with))?;
        m.end()
    }
}

impl Serialize for OutcomeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, out) = (self.b, self.o);
        let o = &b.on_premises[out.on_prem as usize];
        // The explanation is described once when both it and `why` (one of its steps) are asked.
        let described: Option<Vec<String>> = (self.fields.contains(&Field::Explanation)
            && self.fields.contains(&Field::Why))
        .then(|| {
            out.steps
                .iter()
                .map(|s| s.describe(b, &out.source_anchor))
                .collect()
        });
        let mut m = s.serialize_map(None)?;
        for &f in self.fields {
            let key = f.name();
            match f {
                Field::ObjectGuid => m.serialize_entry(key, &Guid(o.object_guid))?,
                Field::DistinguishedName => m.serialize_entry(key, &*o.distinguished_name)?,
                Field::ObjectClass => m.serialize_entry(key, o.object_class.as_str())?,
                Field::DisplayName => m.serialize_entry(key, &o.display_name.as_deref())?,
                Field::SourceAnchor => m.serialize_entry(key, &*out.source_anchor)?,
                Field::Result => m.serialize_entry(key, out.result.as_str())?,
                Field::CloudId => {
                    m.serialize_entry(key, &out.cloud.map(|c| Guid(b.cloud[c as usize].id)))?
                }
                Field::Error => m.serialize_entry(key, &out.error.map(|e| e.as_str()))?,
                Field::Flags => {
                    m.serialize_entry(key, &Each(out.flags.iter().map(|f| f.as_str())))?
                }
                Field::Quarantined => m.serialize_entry(
                    key,
                    &Each(out.quarantined.iter().map(|q| QuarantineJson { b, q })),
                )?,
                Field::Rules => m.serialize_entry(key, &out.rules())?,
                Field::Explanation => match &described {
                    Some(texts) => m.serialize_entry(key, texts)?,
                    None => m.serialize_entry(
                        key,
                        &Each(out.steps.iter().map(|s| s.describe(b, &out.source_anchor))),
                    )?,
                },
                Field::Why => {
                    let key_step = out.key_step();
                    let text = match (key_step, &described) {
                        (Some(k), Some(texts)) => out
                            .steps
                            .iter()
                            .position(|s| std::ptr::eq(s, k))
                            .map(|i| texts[i].as_str()),
                        _ => None,
                    };
                    match (text, key_step) {
                        (Some(t), _) => m.serialize_entry(key, t)?,
                        (None, k) => {
                            m.serialize_entry(key, &k.map(|k| k.describe(b, &out.source_anchor)))?
                        }
                    }
                }
                Field::CloudUserPrincipalName => {
                    if let Some(upn) = &out.cloud_upn {
                        m.serialize_entry(key, &**upn)?
                    }
                }
                Field::ConflictsWithObjectGuid => {
                    if let Some(j) = out.conflicting_on_prem {
                        m.serialize_entry(key, &Guid(b.on_premises[j as usize].object_guid))?
                    }
                }
                Field::AttributeConflictName => {
                    if let Some(name) = out.attribute_conflict_name {
                        m.serialize_entry(key, name)?
                    }
                }
                Field::Fixes => {
                    if let Some(err) = out.error {
                        m.serialize_entry(key, err.fixes())?
                    }
                }
                Field::Takeover => {
                    if out.result.is_takeover()
                        && let Some(p) = crate::preview::preview(b, out)
                    {
                        m.serialize_entry(key, &preview_json(&p))?
                    }
                }
            }
        }
        m.end()
    }
}
