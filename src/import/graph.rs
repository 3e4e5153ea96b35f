//! Microsoft Graph objects: users, groups, orgContacts (active and deleted), directory roles
//! with their members, PIM role schedules, domains and `/directory/onPremisesSynchronization`.
//!
//! Cloud objects go through the bundle's own reader ([`CloudObject`]'s `Deserialize`), so a
//! Graph user and a bundle's cloud user are read by the same code and checked the same way
//! (A4: an ImmutableID that is not base64 of 16 bytes is refused).

use super::{FileCtx, Harvest, RoleGrant, SyncExport};
use crate::anchor::parse_guid_text;
use crate::model::*;
use crate::settings::{Setting, SettingScope};
use serde_json::{Map, Value};
use std::collections::HashMap;

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// A name for messages: displayName, else id.
fn name_of(map: &Map<String, Value>) -> String {
    text(map, "displayName")
        .or_else(|| text(map, "userPrincipalName"))
        .or_else(|| text(map, "id"))
        .unwrap_or("(no displayName)")
        .to_string()
}

/// A Graph user, group or orgContact as a cloud object; `None` (listed as skipped) when a
/// property has the wrong type or an ImmutableID is not 16 bytes.
pub(crate) fn cloud_object(
    mut map: Map<String, Value>,
    kind: ObjectKind,
    ctx: &mut FileCtx,
    path: &str,
) -> Option<CloudObject> {
    let name = name_of(&map);
    map.retain(|k, _| !k.starts_with("@odata."));
    map.insert("objectType".into(), Value::String(kind.as_str().into()));
    restore_deleted_upn(&mut map);
    match serde_path_to_error::deserialize::<_, CloudObject>(Value::Object(map)) {
        Ok(c) => Some(c),
        Err(e) => {
            let at = e.path().to_string();
            let position = if at == "." || at.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{at}")
            };
            ctx.skip(
                position,
                format!("{name} ({}): {}; object skipped", kind.as_str(), e.inner()),
            );
            None
        }
    }
}

/// Entra ID renames a soft-deleted user's UPN to `<object id without dashes><UPN>` so the name
/// can be reused; the recycle-bin rules (Q5) need the name it had.
fn restore_deleted_upn(map: &mut Map<String, Value>) {
    if map.get("deletedDateTime").is_none_or(Value::is_null) {
        return;
    }
    let Some(id) = text(map, "id").and_then(|i| parse_guid_text(i).ok()) else {
        return;
    };
    let prefix = id.simple().to_string();
    let restored = text(map, "userPrincipalName").and_then(|upn| {
        let lower = upn.to_ascii_lowercase();
        lower
            .starts_with(&prefix)
            .then(|| upn.get(prefix.len()..).map(str::to_string))
            .flatten()
            .filter(|rest| rest.contains('@'))
    });
    if let Some(upn) = restored {
        map.insert("userPrincipalName".into(), Value::String(upn));
    }
}

/// A directory role with its members (`GET /directoryRoles?$expand=members`).
pub(crate) fn directory_role(
    map: Map<String, Value>,
    ctx: &mut FileCtx,
    path: &str,
    h: &mut Harvest,
) {
    let Some(role) = text(&map, "displayName").map(str::to_string) else {
        ctx.skip(path, "a directory role without displayName; skipped");
        return;
    };
    let Some(members) = map.get("members") else {
        ctx.warn(
            path,
            format!(
                "directory role {role} was exported without its members: use GET /directoryRoles?$expand=members"
            ),
        );
        return;
    };
    let Some(members) = members.as_array() else {
        ctx.warn(format!("{path}.members"), "expected an array of members");
        return;
    };
    for (i, m) in members.iter().enumerate() {
        let at = format!("{path}.members[{i}]");
        let Some(id) = m.get("id").and_then(Value::as_str) else {
            ctx.warn(at, format!("a member of {role} without an id; ignored"));
            continue;
        };
        let Ok(principal) = parse_guid_text(id) else {
            ctx.warn(
                at,
                format!("member id {id:?} of {role} is not a GUID; ignored"),
            );
            continue;
        };
        h.roles.push(RoleGrant {
            principal,
            principal_type: m
                .get("@odata.type")
                .and_then(Value::as_str)
                .map(str::to_string),
            role: role.clone(),
            eligible: false,
            origin: ctx.origin(at),
        });
    }
}

/// A PIM schedule or role assignment: `principalId` holds `roleDefinition` (eligible or active).
pub(crate) fn role_schedule(
    map: Map<String, Value>,
    eligible: bool,
    ctx: &mut FileCtx,
    path: &str,
    h: &mut Harvest,
) {
    if let Some(status) = text(&map, "status")
        && !status.eq_ignore_ascii_case("Provisioned")
        && !status.eq_ignore_ascii_case("Granted")
    {
        return; // Revoked, canceled or pending schedules give no role.
    }
    let Some(principal) = text(&map, "principalId").and_then(|p| parse_guid_text(p).ok()) else {
        ctx.warn(path, "a role schedule without a principalId GUID; ignored");
        return;
    };
    let role = match map
        .get("roleDefinition")
        .and_then(|d| d.get("displayName"))
        .and_then(Value::as_str)
    {
        Some(r) => r.to_string(),
        None => {
            let id = text(&map, "roleDefinitionId").unwrap_or("?").to_string();
            ctx.warn(
                path,
                format!(
                    "role definition {id} has no name in the export (add $expand=roleDefinition); it still counts as a role"
                ),
            );
            id
        }
    };
    h.roles.push(RoleGrant {
        principal,
        principal_type: map
            .get("principal")
            .and_then(|p| p.get("@odata.type"))
            .and_then(Value::as_str)
            .map(str::to_string),
        role,
        eligible,
        origin: ctx.origin(path),
    });
}

/// A domain (`GET /domains`).
pub(crate) fn domain(map: Map<String, Value>, ctx: &mut FileCtx, path: &str, h: &mut Harvest) {
    let initial = map
        .get("isInitial")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match serde_path_to_error::deserialize::<_, Domain>(Value::Object(map)) {
        Ok(d) => {
            let origin = ctx.origin(path);
            h.domains.push((d, initial, origin));
        }
        Err(e) => ctx.skip(
            format!("{path}.{}", e.path()),
            format!("domain: {}; skipped", e.inner()),
        ),
    }
}

/// `/directory/onPremisesSynchronization`: tenant features and the accidental-deletion threshold.
pub(crate) fn sync(map: Map<String, Value>, ctx: &mut FileCtx, path: &str, h: &mut Harvest) {
    let mut out = SyncExport::default();
    match map.get("features") {
        Some(Value::Object(features)) => {
            for (key, v) in features {
                // Graph has more features than syncscope simulates; those are not needed.
                let Some(s) = Setting::from_key(key)
                    .filter(|s| s.info().scope == SettingScope::TenantFeature)
                else {
                    continue;
                };
                match v {
                    Value::Bool(b) => out.features.push((s, *b)),
                    Value::Null => {}
                    other => ctx.warn(
                        format!("{path}.features.{key}"),
                        format!("expected true or false, found {other}; the default is used"),
                    ),
                }
            }
        }
        _ => ctx.warn(
            path,
            "onPremisesSynchronization without features: the tenant features take their defaults",
        ),
    }
    let prevention = map
        .get("configuration")
        .and_then(|c| c.get("accidentalDeletionPrevention"));
    if let Some(p) = prevention {
        let kind = p
            .get("synchronizationPreventionType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let threshold = p
            .get("alertThreshold")
            .and_then(Value::as_u64)
            .and_then(|t| u32::try_from(t).ok());
        match (kind, threshold) {
            ("enabledForCount", Some(t)) => out.deletion_threshold = Some(t),
            ("disabled", _) => out.deletion_threshold = Some(u32::MAX),
            ("enabledForPercentage", _) => ctx.warn(
                format!("{path}.configuration.accidentalDeletionPrevention"),
                "the deletion threshold is a percentage, which syncscope does not simulate; the count from connect.json (or 500) is used",
            ),
            _ => {}
        }
    }
    let origin = ctx.origin(path);
    h.sync.push((out, origin));
}

/// M1 for groups and contacts: Graph does not export `onPremisesImmutableId` for them. A synced
/// group is linked to the on-prem group whose objectSid is its onPremisesSecurityIdentifier; a
/// synced contact to the on-prem contact with its primary SMTP address (unique by P4). Their
/// anchor is the on-prem object's (A2: objectGUID for both).
pub(crate) fn infer_group_and_contact_anchors(
    on_prem: &[Shared<OnPremObject>],
    cloud: &mut [Shared<CloudObject>],
    connect: &ConnectSettings,
    folder: &str,
    report: &mut super::LoadReport,
) {
    let mut by_sid: HashMap<String, &OnPremObject> = HashMap::new();
    let mut by_smtp: HashMap<String, Vec<&OnPremObject>> = HashMap::new();
    for o in on_prem {
        match o.object_class {
            ObjectKind::Group => {
                if let Some(sid) = &o.object_sid {
                    by_sid.insert(sid.as_str().to_ascii_uppercase(), o);
                }
            }
            ObjectKind::Contact => {
                if let Some(smtp) = o.primary_smtp() {
                    by_smtp.entry(smtp.to_lowercase()).or_default().push(o);
                }
            }
            ObjectKind::User => {}
        }
    }
    let (mut groups, mut contacts) = (0, 0);
    let mut unmatched: Vec<String> = Vec::new();
    for c in cloud.iter_mut() {
        if c.on_premises_immutable_id.is_some() || !c.is_synced() {
            continue;
        }
        let source = match c.object_type {
            ObjectKind::Group => c
                .on_premises_security_identifier
                .as_ref()
                .and_then(|sid| by_sid.get(&sid.as_str().to_ascii_uppercase()).copied()),
            ObjectKind::Contact => c
                .primary_smtp()
                .and_then(|smtp| by_smtp.get(&smtp.to_lowercase()))
                .filter(|v| v.len() == 1)
                .map(|v| v[0]),
            ObjectKind::User => continue,
        };
        match source {
            Some(o) => {
                c.on_premises_immutable_id = Some(Text::from(
                    o.source_anchor(connect.source_anchor).immutable_id(),
                ));
                if c.object_type == ObjectKind::Group {
                    groups += 1;
                } else {
                    contacts += 1;
                }
            }
            None => unmatched.push(format!("{} ({})", c.name(), c.object_type.as_str())),
        }
    }
    if groups + contacts > 0 {
        report.warn(
            folder,
            "",
            format!(
                "Graph does not export onPremisesImmutableId for groups and contacts: the ImmutableID of {groups} synced group(s) \
                 was taken from the on-prem group with the same objectSid, and of {contacts} synced contact(s) from the on-prem \
                 contact with the same primary SMTP address (M1)"
            ),
        );
    }
    if !unmatched.is_empty() {
        report.warn(
            folder,
            "",
            format!(
                "{} synced group(s)/contact(s) have no on-prem counterpart in this export, so their ImmutableID is unknown and \
                 they are treated as synced from elsewhere: {}",
                unmatched.len(),
                unmatched.join(", ")
            ),
        );
    }
}

/// The `*.onmicrosoft.com` domain most cloud objects' UPNs and addresses use.
pub(crate) fn initial_domain_from_objects(cloud: &[Shared<CloudObject>]) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in cloud {
        let values = c
            .user_principal_name
            .iter()
            .map(Text::as_str)
            .chain(c.proxy_addresses.iter().map(|p| strip_smtp_prefix(p)));
        for v in values {
            if let Some(d) = domain_of(v) {
                let d = d.to_ascii_lowercase();
                if d.ends_with(".onmicrosoft.com") && d.matches('.').count() == 2 {
                    *counts.entry(d).or_default() += 1;
                }
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(d, _)| d)
}

/// A role definition (`GET /beta/roleManagement/directory/roleDefinitions`): its display name,
/// template id and isPrivileged, for the privileged-role check of the hardening (M3 r2).
pub(crate) fn role_definition(
    map: Map<String, Value>,
    ctx: &mut FileCtx,
    path: &str,
    h: &mut Harvest,
) {
    let Some(name) = text(&map, "displayName") else {
        ctx.skip(path, "a role definition without displayName; skipped");
        return;
    };
    let Some(privileged) = map.get("isPrivileged").and_then(Value::as_bool) else {
        ctx.warn(
            path,
            format!(
                "role definition {name} has no isPrivileged (a v1.0 export): the built-in table decides; export from /beta/roleManagement/directory/roleDefinitions?$select=displayName,templateId,isPrivileged"
            ),
        );
        return;
    };
    let template = text(&map, "templateId").or_else(|| text(&map, "id"));
    h.role_definitions.push(serde_json::json!({
        "displayName": name,
        "templateId": template,
        "isPrivileged": privileged,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_users_get_their_upn_back() {
        let mut m: Map<String, Value> = serde_json::from_str(
            r#"{"id":"feeec2e3-c3b2-485b-b59d-43c4ba7ee5d2","deletedDateTime":"2026-11-06T16:40:12Z",
                "userPrincipalName":"feeec2e3c3b2485bb59d43c4ba7ee5d2ethan.brooks@contoso.com"}"#,
        )
        .unwrap();
        restore_deleted_upn(&mut m);
        assert_eq!(m["userPrincipalName"], "ethan.brooks@contoso.com");
        // An active user keeps whatever it has.
        let mut m: Map<String, Value> = serde_json::from_str(
            r#"{"id":"feeec2e3-c3b2-485b-b59d-43c4ba7ee5d2","deletedDateTime":null,
                "userPrincipalName":"feeec2e3c3b2485bb59d43c4ba7ee5d2ethan.brooks@contoso.com"}"#,
        )
        .unwrap();
        restore_deleted_upn(&mut m);
        assert_eq!(
            m["userPrincipalName"],
            "feeec2e3c3b2485bb59d43c4ba7ee5d2ethan.brooks@contoso.com"
        );
    }

    #[test]
    fn the_initial_domain_can_be_read_off_the_objects() {
        let mut a = CloudObject::new(uuid::Uuid::nil(), ObjectKind::User);
        a.user_principal_name = Some("admin@Contoso.onmicrosoft.com".into());
        a.proxy_addresses = vec!["smtp:x@contoso.mail.onmicrosoft.com".into()];
        assert_eq!(
            initial_domain_from_objects(&[a.into()]),
            Some("contoso.onmicrosoft.com".into())
        );
    }
}
