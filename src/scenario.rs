//! Scenario files (interfaces §5): a bundle plus a list of actions, run step by step.
//!
//! Steps are checked for shape when the file is read; the objects they name are resolved when
//! the step runs (a `linkedTo` names whatever the on-prem object is linked to at that moment,
//! such as the duplicate a failed sync created). A step naming a missing object is bad input;
//! a step the service would refuse (X1, X2) is `ok: false` and changes nothing.

use crate::anchor::{Anchor, parse_guid_text};
use crate::apply::{
    Action, OnPremAttribute, OnPremValue, apply, apply_plan, linked_cloud, sync_summary,
};
use crate::bundle::{bundle_to_json, parse_bundle};
use crate::error::InputError;
use crate::model::Bundle;
use crate::plan::{Plan, plan_with};
use crate::report::outcome_json;
use crate::settings::Setting;
use serde_json::{Value, json};
use std::path::Path;
use uuid::Uuid;

/// How a step names its cloud object.
#[derive(Clone, Debug, PartialEq)]
pub enum CloudRef {
    Id(Uuid),
    /// Case-insensitive.
    UserPrincipalName(String),
    /// The cloud object this on-prem object (objectGUID) is linked to.
    LinkedTo(Uuid),
}

/// A step as written in the file, before its objects are resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub action: String,
    /// JSON path of the step, for messages (`steps[3]`).
    pub path: String,
    pub cloud: Option<(CloudRef, &'static str)>,
    pub role: Option<String>,
    pub object_guid: Option<Uuid>,
    pub attribute: Option<OnPremAttribute>,
    pub on_prem_value: Option<OnPremValue>,
    pub anchor: Option<Anchor>,
    pub feature: Option<(Setting, bool)>,
    pub dn: Option<String>,
    /// `setCloudManaged`'s value (M10).
    pub flag: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub file: String,
    pub bundle: Bundle,
    pub steps: Vec<Step>,
}

/// What one step did.
#[derive(Clone, Debug)]
pub struct StepReport {
    pub action: String,
    pub ok: bool,
    pub error: Option<String>,
    pub summary: String,
    /// For sync steps: the plan, rendered against the state before the sync applied it.
    pub outcomes: Option<Vec<Value>>,
    /// The same outcomes, typed, for the text report.
    pub lines: Option<Vec<crate::render::scenario::OutcomeLine>>,
    pub plan: Option<Plan>,
    /// Objects this step named: cloud ids and objectGUIDs (to focus the human report).
    pub named: Vec<Uuid>,
}

const ACTIONS: &str = "sync, resolveQuarantines, removeRole, addRole, addEligibleRole, setCloudManaged, softDelete, restore, hardDelete, setImmutableId, clearImmutableId, clearOnPremisesObjectIdentifier, setUserPrincipalName, setOnPrem, moveOnPrem, setFeature";

/// Reads a scenario file; the snapshot is a path relative to it or an inline bundle.
pub fn load_scenario(path: &Path) -> Result<Scenario, InputError> {
    let file = path.display().to_string();
    let text = crate::import::read_regular_file(path, &file, "the scenario file")?;
    parse_scenario(&file, &text, path.parent().unwrap_or(Path::new(".")))
}

/// Reads a scenario from its bytes; a relative snapshot path is resolved against `base`.
pub fn parse_scenario(file: &str, text: &[u8], base: &Path) -> Result<Scenario, InputError> {
    // Duplicate keys are bad input, as in every other reader (issue 11). A UTF-8 BOM (what
    // Windows PowerShell's Out-File writes) is not part of the document.
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let file = file.to_string();
    let root: Value = {
        let mut de = serde_json::Deserializer::from_slice(text);
        serde_path_to_error::deserialize::<_, crate::import::unique::Unique>(&mut de)
            .map_err(|e| crate::bundle::json_error(&file, e))?
            .0
    };
    let obj = root.as_object().ok_or_else(|| {
        InputError::new(&file, "", "expected a JSON object with snapshot and steps")
    })?;
    let bundle = match obj.get("snapshot") {
        Some(Value::String(rel)) => {
            let p = base.join(rel);
            let shown = p.display().to_string();
            let bytes = std::fs::read(&p).map_err(|e| {
                InputError::new(
                    &file,
                    "snapshot",
                    format!("cannot read the snapshot {shown}: {e}"),
                )
            })?;
            parse_bundle(&shown, &bytes)?
        }
        Some(v @ Value::Object(_)) => {
            let bytes = serde_json::to_vec(v).expect("a Value serializes");
            parse_bundle(&file, &bytes).map_err(in_inline_snapshot)?
        }
        _ => {
            return Err(InputError::new(
                &file,
                "snapshot",
                "expected a path to a bundle (relative to the scenario file) or an inline bundle object",
            ));
        }
    };
    let steps = match obj.get("steps") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| parse_step(&file, i, v))
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(InputError::new(
                &file,
                "steps",
                "expected an array of steps",
            ));
        }
    };
    Ok(Scenario {
        file,
        bundle,
        steps,
    })
}

/// An error in an inline snapshot, with its JSON path from the scenario file's root
/// (`snapshot.onPremises[3].objectGUID`). Line and column would count in the re-serialised
/// snapshot, not in the file, so they are left out.
fn in_inline_snapshot(mut e: InputError) -> InputError {
    let path = e.position.split(" (line ").next().unwrap_or_default();
    e.position = if path.is_empty() || path.starts_with("line ") {
        "snapshot".into()
    } else {
        format!("snapshot.{path}")
    };
    e
}

fn parse_step(file: &str, i: usize, v: &Value) -> Result<Step, InputError> {
    let path = format!("steps[{i}]");
    let err = |key: &str, msg: String| InputError::new(file, format!("{path}.{key}"), msg);
    let obj = v
        .as_object()
        .ok_or_else(|| InputError::new(file, &path, "expected a step object with \"action\""))?;
    let text = |key: &str| -> Result<Option<String>, InputError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(err(key, "expected a string".into())),
        }
    };
    let guid = |key: &str| -> Result<Option<Uuid>, InputError> {
        text(key)?
            .map(|s| parse_guid_text(&s).map_err(|e| err(key, e.0)))
            .transpose()
    };
    let action = text("action")?.ok_or_else(|| {
        err(
            "action",
            format!("missing action; expected one of: {ACTIONS}"),
        )
    })?;
    let mut step = Step {
        action: action.clone(),
        path: path.clone(),
        cloud: None,
        role: text("role")?,
        object_guid: guid("objectGUID")?,
        attribute: None,
        on_prem_value: None,
        flag: None,
        anchor: None,
        feature: None,
        dn: text("dn")?.or(text("distinguishedName")?),
    };
    step.cloud = if let Some(id) = guid("cloudId")? {
        Some((CloudRef::Id(id), "cloudId"))
    } else if let Some(upn) = text("userPrincipalName")? {
        Some((CloudRef::UserPrincipalName(upn), "userPrincipalName"))
    } else {
        guid("linkedTo")?.map(|g| (CloudRef::LinkedTo(g), "linkedTo"))
    };
    let need_cloud = || {
        err(
            "cloudId",
            format!("{action} names its cloud object by cloudId, userPrincipalName or linkedTo"),
        )
    };
    let need = |key: &str, what: &str| err(key, format!("{action} needs {key}: {what}"));
    match action.as_str() {
        "sync" | "resolveQuarantines" => {}
        "removeRole" | "addRole" | "addEligibleRole" => {
            step.cloud.as_ref().ok_or_else(need_cloud)?;
            step.role.as_ref().ok_or_else(|| {
                need(
                    "role",
                    "a directory role name, e.g. \"Global Administrator\"",
                )
            })?;
        }
        "setUserPrincipalName" => {
            step.cloud.as_ref().ok_or_else(need_cloud)?;
            let v = text("value")?.ok_or_else(|| need("value", "the new UPN"))?;
            step.dn = Some(v);
        }
        "softDelete"
        | "restore"
        | "hardDelete"
        | "clearImmutableId"
        | "clearOnPremisesObjectIdentifier" => {
            step.cloud.as_ref().ok_or_else(need_cloud)?;
        }
        "setImmutableId" => {
            step.cloud.as_ref().ok_or_else(need_cloud)?;
            let v = text("value")?
                .ok_or_else(|| need("value", "an ImmutableID (base64 of 16 bytes) or a GUID"))?;
            let (a, _) = Anchor::parse_any(&v).map_err(|e| err("value", e.0))?;
            step.anchor = Some(a);
        }
        "setOnPrem" => {
            step.object_guid
                .ok_or_else(|| need("objectGUID", "the on-prem object's objectGUID"))?;
            let name =
                text("attribute")?.ok_or_else(|| need("attribute", OnPremAttribute::NAMES))?;
            let attribute = OnPremAttribute::parse(&name).ok_or_else(|| {
                err(
                    "attribute",
                    format!(
                        "unknown attribute {name:?}; expected one of: {}",
                        OnPremAttribute::NAMES
                    ),
                )
            })?;
            let value = obj.get("value").unwrap_or(&Value::Null);
            step.on_prem_value = Some(match (attribute, value) {
                (OnPremAttribute::ProxyAddresses, Value::Array(items)) => OnPremValue::List(
                    items
                        .iter()
                        .map(|x| x.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| err("value", "expected an array of strings".into()))?,
                ),
                (OnPremAttribute::ProxyAddresses, Value::Null) => OnPremValue::List(Vec::new()),
                (OnPremAttribute::ProxyAddresses, _) => {
                    return Err(err("value", "expected an array of strings".into()));
                }
                (OnPremAttribute::ConsistencyGuid, Value::Null) => OnPremValue::Anchor(None),
                (OnPremAttribute::ConsistencyGuid, Value::String(s)) => OnPremValue::Anchor(Some(
                    Anchor::parse_any(s).map_err(|e| err("value", e.0))?.0,
                )),
                (_, Value::Null) => OnPremValue::Text(None),
                (_, Value::String(s)) => OnPremValue::Text(Some(s.clone())),
                _ => return Err(err("value", "expected a string or null".into())),
            });
            step.attribute = Some(attribute);
        }
        "moveOnPrem" => {
            step.object_guid
                .ok_or_else(|| need("objectGUID", "the on-prem object's objectGUID"))?;
            step.dn
                .as_ref()
                .ok_or_else(|| need("dn", "the new distinguished name"))?;
        }
        "setFeature" => {
            let key = text("feature")?.ok_or_else(|| need("feature", "a feature name"))?;
            let setting = Setting::from_key(&key).ok_or_else(|| {
                err(
                    "feature",
                    format!(
                        "unknown feature {key:?}; expected one of: {}",
                        Setting::ALL.map(|s| s.key()).join(", ")
                    ),
                )
            })?;
            let value = obj
                .get("value")
                .and_then(Value::as_bool)
                .ok_or_else(|| err("value", "expected true or false".into()))?;
            step.feature = Some((setting, value));
        }
        "setCloudManaged" => {
            step.cloud.as_ref().ok_or_else(need_cloud)?;
            let value = obj
                .get("value")
                .and_then(Value::as_bool)
                .ok_or_else(|| err("value", "expected true or false".into()))?;
            step.flag = Some(value);
        }
        other => {
            return Err(err(
                "action",
                format!("unknown action {other:?}; expected one of: {ACTIONS}"),
            ));
        }
    }
    Ok(step)
}

/// Resolves a cloud reference against the current state.
pub fn resolve_cloud(b: &Bundle, r: &CloudRef) -> Option<Uuid> {
    match r {
        CloudRef::Id(id) => b.cloud.iter().any(|c| c.id == *id).then_some(*id),
        CloudRef::UserPrincipalName(upn) => {
            let matches = |c: &&crate::shared::Shared<crate::model::CloudObject>| {
                c.user_principal_name
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(upn))
            };
            // Prefer an active object over one in the recycle bin.
            b.cloud
                .iter()
                .filter(matches)
                .min_by_key(|c| c.is_deleted())
                .map(|c| c.id)
        }
        CloudRef::LinkedTo(guid) => linked_cloud(b, *guid).map(|i| b.cloud[i as usize].id),
    }
}

fn to_action(s: &Scenario, b: &Bundle, step: &Step) -> Result<Action, InputError> {
    let cloud = || -> Result<Uuid, InputError> {
        let (r, key) = step.cloud.as_ref().expect("checked when the file was read");
        resolve_cloud(b, r).ok_or_else(|| {
            let what = match r {
                CloudRef::Id(id) => format!("no cloud object has id {id}"),
                CloudRef::UserPrincipalName(u) => format!("no cloud object has UPN {u:?}"),
                CloudRef::LinkedTo(g) if !b.on_premises.iter().any(|o| o.object_guid == *g) => {
                    format!("no on-prem object has objectGUID {g}")
                }
                CloudRef::LinkedTo(g) => {
                    format!("on-prem object {g} is not linked to any cloud object at this step")
                }
            };
            InputError::new(
                &s.file,
                format!("{}.{key}", step.path),
                format!("{what}; expected an existing object"),
            )
        })
    };
    let on_prem = || -> Result<Uuid, InputError> {
        let g = step.object_guid.expect("checked when the file was read");
        if b.on_premises.iter().any(|o| o.object_guid == g) {
            Ok(g)
        } else {
            Err(InputError::new(
                &s.file,
                format!("{}.objectGUID", step.path),
                format!("no on-prem object has objectGUID {g}; expected an existing object"),
            ))
        }
    };
    let role = || step.role.clone().expect("checked when the file was read");
    Ok(match step.action.as_str() {
        "sync" => Action::Sync,
        "resolveQuarantines" => Action::ResolveQuarantines,
        "removeRole" => Action::RemoveRole {
            cloud: cloud()?,
            role: role(),
        },
        "addRole" => Action::AddRole {
            cloud: cloud()?,
            role: role(),
        },
        "addEligibleRole" => Action::AddEligibleRole {
            cloud: cloud()?,
            role: role(),
        },
        "setCloudManaged" => Action::SetCloudManaged {
            cloud: cloud()?,
            value: step.flag.expect("checked when the file was read"),
        },
        "softDelete" => Action::SoftDelete { cloud: cloud()? },
        "restore" => Action::Restore { cloud: cloud()? },
        "hardDelete" => Action::HardDelete { cloud: cloud()? },
        "setUserPrincipalName" => Action::SetCloudUpn {
            cloud: cloud()?,
            upn: step.dn.clone().expect("checked when the file was read"),
        },
        "clearImmutableId" => Action::ClearImmutableId { cloud: cloud()? },
        "clearOnPremisesObjectIdentifier" => {
            Action::ClearOnPremisesObjectIdentifier { cloud: cloud()? }
        }
        "setImmutableId" => Action::SetImmutableId {
            cloud: cloud()?,
            value: step.anchor.expect("checked when the file was read"),
        },
        "setOnPrem" => Action::SetOnPrem {
            object_guid: on_prem()?,
            attribute: step.attribute.expect("checked"),
            value: step.on_prem_value.clone().expect("checked"),
        },
        "moveOnPrem" => Action::MoveOnPrem {
            object_guid: on_prem()?,
            dn: step.dn.clone().expect("checked"),
        },
        "setFeature" => {
            let (setting, value) = step.feature.expect("checked");
            Action::SetFeature { setting, value }
        }
        other => unreachable!("action {other} was checked when the file was read"),
    })
}

/// Runs every step; returns the reports and the final state.
pub fn run_scenario(s: &Scenario) -> Result<(Vec<StepReport>, Bundle), InputError> {
    let mut b = s.bundle.clone();
    let now = b.captured_date_time.clone();
    let mut reports = Vec::with_capacity(s.steps.len());
    // The index follows the objects each step changes (see `TrackedIndex`).
    let mut index = crate::index::TrackedIndex::default();
    for step in &s.steps {
        let action = to_action(s, &b, step)?;
        let named = action_objects(&action);
        let report = if action == Action::Sync {
            let p = plan_with(&b, index.of(&b.cloud), &b.settings);
            let outcomes = p.outcomes.iter().map(|o| outcome_json(&b, o)).collect();
            let lines = p
                .outcomes
                .iter()
                .map(|o| crate::render::scenario::OutcomeLine::of(&b, o))
                .collect();
            let summary = sync_summary(&p, b.connect.deletion_threshold);
            apply_plan(&mut b, &p, now.as_deref());
            StepReport {
                action: step.action.clone(),
                ok: true,
                error: None,
                summary,
                outcomes: Some(outcomes),
                lines: Some(lines),
                plan: Some(p),
                named,
            }
        } else {
            match apply(&mut b, &action, now.as_deref()) {
                Ok(a) => StepReport {
                    action: step.action.clone(),
                    ok: true,
                    error: None,
                    summary: a.summary,
                    outcomes: None,
                    lines: None,
                    plan: None,
                    named,
                },
                Err(refused) => StepReport {
                    action: step.action.clone(),
                    ok: false,
                    error: Some(refused.0.clone()),
                    summary: format!("refused: {}", refused.0),
                    outcomes: None,
                    lines: None,
                    plan: None,
                    named,
                },
            }
        };
        reports.push(report);
    }
    Ok((reports, b))
}

fn action_objects(a: &Action) -> Vec<Uuid> {
    match a {
        Action::RemoveRole { cloud, .. }
        | Action::AddRole { cloud, .. }
        | Action::AddEligibleRole { cloud, .. }
        | Action::SetCloudManaged { cloud, .. }
        | Action::SoftDelete { cloud }
        | Action::Restore { cloud }
        | Action::HardDelete { cloud }
        | Action::SetImmutableId { cloud, .. }
        | Action::ClearImmutableId { cloud }
        | Action::ClearOnPremisesObjectIdentifier { cloud }
        | Action::SetCloudUpn { cloud, .. } => vec![*cloud],
        Action::SetOnPrem { object_guid, .. } | Action::MoveOnPrem { object_guid, .. } => {
            vec![*object_guid]
        }
        _ => Vec::new(),
    }
}

/// `scenario --json` (interfaces §5).
pub fn scenario_json(reports: &[StepReport], final_state: &Bundle) -> Value {
    json!({
        "steps": reports.iter().map(|r| {
            let mut v = json!({"action": r.action, "ok": r.ok, "error": r.error, "summary": r.summary});
            if let Some(o) = &r.outcomes {
                v["outcomes"] = Value::Array(o.clone());
            }
            v
        }).collect::<Vec<_>>(),
        "final": bundle_to_json(final_state),
    })
}
