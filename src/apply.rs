//! Actions that change the state (rule book §5): a sync cycle applies the plan to the cloud side;
//! admin actions edit roles, objects and settings. An action the service would refuse (X1, X2) is
//! refused with the reason and changes nothing.

use crate::anchor::Anchor;
use crate::index::{CloudIdx, CloudIndex, fold};
use crate::model::*;
use crate::outcome::{Outcome, SyncResult};
use crate::plan::{Plan, plan};
use crate::settings::Setting;
use uuid::Uuid;

/// An on-prem attribute an admin can edit (§5).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnPremAttribute {
    UserPrincipalName,
    Mail,
    ProxyAddresses,
    ConsistencyGuid,
    DisplayName,
    MailNickname,
}

impl OnPremAttribute {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "userprincipalname" => OnPremAttribute::UserPrincipalName,
            "mail" => OnPremAttribute::Mail,
            "proxyaddresses" => OnPremAttribute::ProxyAddresses,
            "ms-ds-consistencyguid" => OnPremAttribute::ConsistencyGuid,
            "displayname" => OnPremAttribute::DisplayName,
            "mailnickname" => OnPremAttribute::MailNickname,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OnPremAttribute::UserPrincipalName => "userPrincipalName",
            OnPremAttribute::Mail => "mail",
            OnPremAttribute::ProxyAddresses => "proxyAddresses",
            OnPremAttribute::ConsistencyGuid => "mS-DS-ConsistencyGuid",
            OnPremAttribute::DisplayName => "displayName",
            OnPremAttribute::MailNickname => "mailNickname",
        }
    }

    pub const NAMES: &'static str =
        "userPrincipalName, mail, proxyAddresses, mS-DS-ConsistencyGuid, displayName, mailNickname";
}

/// A new value for an on-prem attribute.
#[derive(Clone, PartialEq, Debug)]
pub enum OnPremValue {
    Text(Option<String>),
    List(Vec<String>),
    Anchor(Option<Anchor>),
}

/// One action, with its objects already resolved to ids.
#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    Sync,
    ResolveQuarantines,
    RemoveRole {
        cloud: Uuid,
        role: String,
    },
    AddRole {
        cloud: Uuid,
        role: String,
    },
    /// A PIM eligibility (adminAssign), W1 r2.
    AddEligibleRole {
        cloud: Uuid,
        role: String,
    },
    /// M10: set `onPremisesSyncBehavior.isCloudManaged` (source of authority).
    SetCloudManaged {
        cloud: Uuid,
        value: bool,
    },
    SoftDelete {
        cloud: Uuid,
    },
    Restore {
        cloud: Uuid,
    },
    HardDelete {
        cloud: Uuid,
    },
    SetImmutableId {
        cloud: Uuid,
        value: Anchor,
    },
    ClearImmutableId {
        cloud: Uuid,
    },
    ClearOnPremisesObjectIdentifier {
        cloud: Uuid,
    },
    /// Change a cloud user's UPN (X1: to the initial domain before setting an ImmutableID).
    SetCloudUpn {
        cloud: Uuid,
        upn: String,
    },
    SetOnPrem {
        object_guid: Uuid,
        attribute: OnPremAttribute,
        value: OnPremValue,
    },
    MoveOnPrem {
        object_guid: Uuid,
        dn: String,
    },
    SetFeature {
        setting: Setting,
        value: bool,
    },
}

impl Action {
    /// The scenario file's name for this action (interfaces §5).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Sync => "sync",
            Action::ResolveQuarantines => "resolveQuarantines",
            Action::RemoveRole { .. } => "removeRole",
            Action::AddRole { .. } => "addRole",
            Action::AddEligibleRole { .. } => "addEligibleRole",
            Action::SetCloudManaged { .. } => "setCloudManaged",
            Action::SoftDelete { .. } => "softDelete",
            Action::Restore { .. } => "restore",
            Action::HardDelete { .. } => "hardDelete",
            Action::SetImmutableId { .. } => "setImmutableId",
            Action::ClearImmutableId { .. } => "clearImmutableId",
            Action::ClearOnPremisesObjectIdentifier { .. } => "clearOnPremisesObjectIdentifier",
            Action::SetCloudUpn { .. } => "setUserPrincipalName",
            Action::SetOnPrem { .. } => "setOnPrem",
            Action::MoveOnPrem { .. } => "moveOnPrem",
            Action::SetFeature { .. } => "setFeature",
        }
    }
}

/// What an applied action did.
#[derive(Clone, Debug)]
pub struct Applied {
    /// One line for people.
    pub summary: String,
    /// For `sync`: the plan that was applied.
    pub plan: Option<Plan>,
}

/// Why the service refuses an action; the state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

/// Applies one action to the state. `now` stamps soft-deletes and new provisioning errors.
pub fn apply(b: &mut Bundle, action: &Action, now: Option<&str>) -> Result<Applied, Refused> {
    let done = |summary: String| {
        Ok(Applied {
            summary,
            plan: None,
        })
    };
    match action {
        Action::Sync => {
            let plan = sync_cycle(b, now);
            let summary = sync_summary(&plan, b.connect.deletion_threshold);
            Ok(Applied {
                summary,
                plan: Some(plan),
            })
        }
        Action::ResolveQuarantines => {
            let n = resolve_quarantines(b);
            done(format!("quarantine resolution: {n} value(s) restored (Q3)"))
        }
        Action::RemoveRole { cloud, role } => {
            let c = cloud_mut(b, *cloud)?;
            let before = c.directory_roles.len() + c.eligible_directory_roles.len();
            c.directory_roles.retain(|r| !r.eq_ignore_ascii_case(role));
            c.eligible_directory_roles
                .retain(|r| !r.eq_ignore_ascii_case(role));
            if before == c.directory_roles.len() + c.eligible_directory_roles.len() {
                return Err(Refused(format!(
                    "{} does not hold the role {role:?}",
                    describe_cloud(c)
                )));
            }
            done(format!("removed {role} from {}", describe_cloud(c)))
        }
        Action::AddRole { cloud, role } => {
            let c = cloud_mut(b, *cloud)?;
            if c.is_deleted() {
                return Err(Refused(format!(
                    "{} is in the recycle bin; restore it first",
                    describe_cloud(c)
                )));
            }
            if c.directory_roles
                .iter()
                .any(|r| r.eq_ignore_ascii_case(role))
            {
                return Err(Refused(format!(
                    "{} already holds the role {role:?}",
                    describe_cloud(c)
                )));
            }
            c.directory_roles.push(Text::from(role.as_str()));
            done(format!("added {role} to {}", describe_cloud(c)))
        }
        Action::AddEligibleRole { cloud, role } => {
            let c = cloud_mut(b, *cloud)?;
            if c.is_deleted() {
                return Err(Refused(format!(
                    "{} is in the recycle bin; restore it first",
                    describe_cloud(c)
                )));
            }
            if c.eligible_directory_roles
                .iter()
                .any(|r| r.eq_ignore_ascii_case(role))
            {
                return Err(Refused(format!(
                    "{} is already eligible for the role {role:?}",
                    describe_cloud(c)
                )));
            }
            c.eligible_directory_roles.push(Text::from(role.as_str()));
            done(format!("made {} eligible for {role}", describe_cloud(c)))
        }
        Action::SetCloudManaged { cloud, value } => {
            let c = cloud_mut(b, *cloud)?;
            if c.object_type == ObjectKind::Contact {
                return Err(Refused(format!(
                    "{}: the source of authority can be switched for users and groups only (M10)",
                    describe_cloud(c)
                )));
            }
            c.set_cloud_managed(*value);
            done(format!(
                "set onPremisesSyncBehavior.isCloudManaged of {} to {value} (M10)",
                describe_cloud(c)
            ))
        }
        Action::SoftDelete { cloud } => {
            let c = cloud_mut(b, *cloud)?;
            if c.is_deleted() {
                return Err(Refused(format!(
                    "{} is already in the recycle bin",
                    describe_cloud(c)
                )));
            }
            c.deleted_date_time = Some(now.unwrap_or("simulated").into());
            done(format!("soft-deleted {}", describe_cloud(c)))
        }
        Action::Restore { cloud } => {
            let c = cloud_mut(b, *cloud)?;
            if !c.is_deleted() {
                return Err(Refused(format!(
                    "{} is not in the recycle bin",
                    describe_cloud(c)
                )));
            }
            c.deleted_date_time = None;
            // Restoring a synced object by hand makes it cloud-only (X2's way out).
            let was_synced = c.is_synced();
            if was_synced {
                c.on_premises_sync_enabled = Some(false);
            }
            let extra = if was_synced {
                "; it is now cloud-only (onPremisesSyncEnabled false), its ImmutableID kept"
            } else {
                ""
            };
            done(format!("restored {}{extra}", describe_cloud(c)))
        }
        Action::HardDelete { cloud } => {
            let i = cloud_index(b, *cloud)?;
            let c = b.cloud.remove(i);
            done(format!(
                "deleted and purged {} from the recycle bin",
                describe_cloud(&c)
            ))
        }
        Action::SetImmutableId { cloud, value } => {
            let initial = b.tenant.initial_domain.clone();
            let federated = {
                let c = cloud_ref(b, *cloud)?;
                c.user_principal_name
                    .as_deref()
                    .and_then(domain_of)
                    .filter(|d| b.tenant.is_federated(d))
                    .map(str::to_string)
            };
            let c = cloud_mut(b, *cloud)?;
            if let Some(domain) = federated {
                // X1
                return Err(Refused(format!(
                    "FederatedDomainChangeError: {} has a UPN in the federated domain {domain}; change its UPN to the initial domain ({initial}) first (X1)",
                    describe_cloud(c)
                )));
            }
            if c.is_synced() {
                return Err(Refused(format!(
                    "{} is synced: its ImmutableID is managed by Entra Connect",
                    describe_cloud(c)
                )));
            }
            c.on_premises_immutable_id = Some(value.immutable_id_text());
            done(format!(
                "set the ImmutableID of {} to {}",
                describe_cloud(c),
                value.immutable_id()
            ))
        }
        Action::ClearImmutableId { cloud } => {
            let c = cloud_mut(b, *cloud)?;
            if c.is_deleted() {
                return Err(Refused(format!(
                    "{} is in the recycle bin: restore it first, then clear its ImmutableID (X2)",
                    describe_cloud(c)
                )));
            }
            if c.is_synced() {
                // X2
                return Err(Refused(format!(
                    "{} is synced: the ImmutableID can be cleared only when the user is not synced (move it out of scope and sync, then restore it, or disable directory sync) (X2)",
                    describe_cloud(c)
                )));
            }
            c.on_premises_immutable_id = None;
            done(format!("cleared the ImmutableID of {}", describe_cloud(c)))
        }
        Action::ClearOnPremisesObjectIdentifier { cloud } => {
            let c = cloud_mut(b, *cloud)?;
            c.on_premises_object_identifier = None;
            done(format!(
                "cleared onPremisesObjectIdentifier of {}",
                describe_cloud(c)
            ))
        }
        Action::SetCloudUpn { cloud, upn } => {
            let taken = b.cloud.iter().any(|c| {
                c.id != *cloud
                    && c.user_principal_name
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(upn))
            });
            let c = cloud_mut(b, *cloud)?;
            if c.is_synced() {
                return Err(Refused(format!(
                    "{} is synced: its UPN comes from on-premises",
                    describe_cloud(c)
                )));
            }
            if taken {
                return Err(Refused(format!(
                    "another object already has the UPN {upn} (P4)"
                )));
            }
            let old = c.user_principal_name.replace(Text::from(upn.as_str()));
            done(format!(
                "changed the UPN of cloud {:?} from {} to {upn}",
                c.name(),
                old.as_deref().unwrap_or("(none)")
            ))
        }
        Action::SetOnPrem {
            object_guid,
            attribute,
            value,
        } => {
            let o = on_prem_mut(b, *object_guid)?;
            match (attribute, value.clone()) {
                (OnPremAttribute::UserPrincipalName, OnPremValue::Text(v)) => {
                    o.user_principal_name = v.map(Text::from)
                }
                (OnPremAttribute::Mail, OnPremValue::Text(v)) => o.mail = v.map(Text::from),
                (OnPremAttribute::DisplayName, OnPremValue::Text(v)) => {
                    o.display_name = v.map(Text::from)
                }
                (OnPremAttribute::MailNickname, OnPremValue::Text(v)) => {
                    o.mail_nickname = v.map(Text::from)
                }
                (OnPremAttribute::ProxyAddresses, OnPremValue::List(v)) => {
                    o.proxy_addresses = v.into_iter().map(Text::from).collect()
                }
                (OnPremAttribute::ConsistencyGuid, OnPremValue::Anchor(v)) => {
                    o.consistency_guid = v
                }
                (a, v) => {
                    return Err(Refused(format!(
                        "{} cannot take the value {v:?}",
                        a.as_str()
                    )));
                }
            }
            done(format!(
                "set {} of on-prem {:?}",
                attribute.as_str(),
                o.name()
            ))
        }
        Action::MoveOnPrem { object_guid, dn } => {
            let o = on_prem_mut(b, *object_guid)?;
            let old = std::mem::replace(&mut o.distinguished_name, Text::from(dn.as_str()));
            done(format!("moved on-prem {:?} from {old} to {dn}", o.name()))
        }
        Action::SetFeature { setting, value } => {
            let was = b.settings.get(*setting);
            b.settings.set(*setting, *value);
            // X3: warn on enabling (one-way in a real tenant) and on turning an enabled one off
            // (only the what-if can do that).
            let warn = match (setting.info().irreversible_once_enabled, *value, was) {
                (true, true, _) => " (X3: irreversible once enabled in a real tenant)",
                (true, false, true) => {
                    " (X3: what-if only: a real tenant cannot turn this off once it is enabled)"
                }
                _ => "",
            };
            done(format!("set {setting} to {value}{warn}"))
        }
    }
}

/// One line on what a sync cycle did.
pub fn sync_summary(plan: &Plan, deletion_threshold: u32) -> String {
    if plan.export_blocked {
        return format!(
            "sync cycle stopped: {} pending deletions exceed the threshold of {deletion_threshold} (Q6); nothing was written",
            plan.deletions.len()
        );
    }
    let counts: Vec<String> = plan
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{n} {}", r.as_str()))
        .collect();
    format!("sync cycle: {}", counts.join(", "))
}

fn describe_cloud(c: &CloudObject) -> String {
    match c.principal() {
        Some(p) => format!("cloud {} {:?} <{p}>", c.object_type.as_str(), c.name()),
        None => format!("cloud {} {:?}", c.object_type.as_str(), c.name()),
    }
}

fn cloud_index(b: &Bundle, id: Uuid) -> Result<usize, Refused> {
    b.cloud
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| Refused(format!("no cloud object has id {id}")))
}

fn cloud_ref(b: &Bundle, id: Uuid) -> Result<&CloudObject, Refused> {
    cloud_index(b, id).map(|i| &*b.cloud[i])
}

fn cloud_mut(b: &mut Bundle, id: Uuid) -> Result<&mut CloudObject, Refused> {
    cloud_index(b, id).map(|i| &mut *b.cloud[i])
}

fn on_prem_mut(b: &mut Bundle, guid: Uuid) -> Result<&mut OnPremObject, Refused> {
    b.on_premises
        .iter_mut()
        .find(|o| o.object_guid == guid)
        .map(|o| &mut **o)
        .ok_or_else(|| Refused(format!("no on-prem object has objectGUID {guid}")))
}

/// Namespace for ids of objects a simulated sync creates: derived from the objectGUID so the same
/// scenario always gives the same ids (interfaces §5).
const PROVISION_NAMESPACE: Uuid = Uuid::from_u128(0x5e7c_5c09_e000_4d1b_9a3c_7f1e_2b6d_0c11);

/// Applies one sync cycle's plan to the cloud side and returns that plan.
pub fn sync_cycle(b: &mut Bundle, now: Option<&str>) -> Plan {
    let plan = plan(b);
    apply_plan(b, &plan, now);
    plan
}

/// Runs `cycles` sync cycles on a copy of `b` (the `sync` command): what each cycle did and
/// the state after the last.
pub fn sync_cycles(b: &Bundle, cycles: u32) -> (Vec<String>, Bundle) {
    let mut b = b.clone();
    let now = b.captured_date_time.clone();
    // A cycle after the first changes few objects: the index follows them instead of being
    // built again (the same index, so the same plan as `sync_cycle`'s).
    let mut index = crate::index::TrackedIndex::default();
    let summaries = (0..cycles)
        .map(|_| {
            let p = crate::plan::plan_with(&b, index.of(&b.cloud), &b.settings);
            apply_plan(&mut b, &p, now.as_deref());
            sync_summary(&p, b.connect.deletion_threshold)
        })
        .collect();
    (summaries, b)
}

/// Applies a plan made from this very state (a plan of another state is meaningless here).
pub fn apply_plan(b: &mut Bundle, plan: &Plan, now: Option<&str>) {
    if plan.export_blocked {
        return;
    }
    // Ids in use, so a new object's derived id never collides (one set, not a scan per object).
    let mut ids: hashbrown::HashSet<Uuid, foldhash::fast::FixedState> =
        hashbrown::HashSet::with_capacity_and_hasher(b.cloud.len(), Default::default());
    ids.extend(b.cloud.iter().map(|c| c.id));
    let consistency_guid = b.connect.source_anchor == SourceAnchorAttribute::ConsistencyGuid;
    for out in &plan.outcomes {
        let o = &b.on_premises[out.on_prem as usize];
        let exported = matches!(out.result, SyncResult::Linked | SyncResult::Provision)
            || out.result.is_takeover();
        match out.result {
            SyncResult::Linked => {
                let c = &mut b.cloud[out.cloud.expect("linked has a cloud object") as usize];
                if c.on_premises_object_identifier.is_none() {
                    // X4: the next successful sync stamps a fresh value.
                    c.on_premises_object_identifier = Some(
                        compact_str::ToCompactString::to_compact_string(&o.object_guid),
                    );
                }
                write_attributes(c, o, out, now, &b.tenant);
            }
            r if r.is_takeover() => {
                let c = &mut b.cloud[out.cloud.expect("a match has a cloud object") as usize];
                c.deleted_date_time = None;
                c.on_premises_sync_enabled = Some(true);
                c.on_premises_immutable_id = Some(Text::from(out.source_anchor.as_str()));
                c.on_premises_object_identifier = Some(
                    compact_str::ToCompactString::to_compact_string(&o.object_guid),
                );
                write_attributes(c, o, out, now, &b.tenant);
            }
            SyncResult::Provision => {
                let mut id = Uuid::new_v5(&PROVISION_NAMESPACE, o.object_guid.as_bytes());
                while !ids.insert(id) {
                    id = Uuid::new_v5(&PROVISION_NAMESPACE, id.as_bytes());
                }
                let mut c = Shared::new(CloudObject::new(id, o.object_class));
                c.on_premises_sync_enabled = Some(true);
                c.on_premises_immutable_id = Some(Text::from(out.source_anchor.as_str()));
                c.on_premises_object_identifier = Some(
                    compact_str::ToCompactString::to_compact_string(&o.object_guid),
                );
                if o.object_class == ObjectKind::Group {
                    c.mail_enabled = Some(o.is_mail_enabled());
                    // groupType bit 0x80000000 marks a security group.
                    c.security_enabled = Some(o.group_type.is_some_and(|t| t & 0x8000_0000 != 0));
                }
                write_attributes(&mut c, o, out, now, &b.tenant);
                b.cloud.push(c);
            }
            SyncResult::OutOfScope => {
                if let Some(ci) = out.cloud
                    && out.has_flag(crate::outcome::Flag::SoftDeleteOnSync)
                {
                    let c = &mut b.cloud[ci as usize];
                    c.deleted_date_time = Some(now.unwrap_or("simulated").into());
                    // Q6 (r2): a sync-deleted object is no longer synced (DirSyncEnabled false).
                    c.on_premises_sync_enabled = Some(false);
                }
            }
            _ => {}
        }
        // A2 (r2): Connect writes the objectGUID back into an empty mS-DS-ConsistencyGuid at the
        // object's first export (users; the anchor itself does not change).
        if exported && consistency_guid {
            let o = &mut b.on_premises[out.on_prem as usize];
            if o.object_class == ObjectKind::User && o.consistency_guid.is_none() {
                o.consistency_guid = Some(Anchor::from_guid(o.object_guid));
            }
        }
    }
}

/// Sets a field of a copy-on-write cloud object only when the value differs, so a sync that
/// rewrites the values an object already holds does not copy it away from the state it shares
/// it with (a walkthrough step, the what-if copy).
macro_rules! set_if_changed {
    ($c:expr, $field:ident, $value:expr) => {{
        let value = $value;
        if $c.$field != value {
            $c.$field = value;
        }
    }};
}

/// M7: every on-prem value overwrites the cloud value; quarantined values are kept out and
/// recorded as provisioning errors (Q1).
fn write_attributes(
    c: &mut Shared<CloudObject>,
    o: &OnPremObject,
    out: &Outcome,
    now: Option<&str>,
    tenant: &Tenant,
) {
    if o.display_name.is_some() {
        set_if_changed!(c, display_name, o.display_name.clone());
    }
    // A quarantined address is held back from `mail` too: the cloud object must not hold the
    // value it was quarantined for (Q1, P4).
    let mail_held_back = o.mail.as_deref().is_some_and(|m| {
        out.quarantines(PropertyName::ProxyAddresses, m)
            || c.on_premises_provisioning_errors.iter().any(|e| {
                e.property_causing_error == PropertyName::ProxyAddresses.as_str()
                    && strip_smtp_prefix(&e.value).eq_ignore_ascii_case(m)
            })
    });
    if o.mail.is_some() && !mail_held_back {
        set_if_changed!(c, mail, o.mail.clone());
    }
    if o.object_class != ObjectKind::User || o.mail_nickname.is_some() {
        set_if_changed!(
            c,
            mail_nickname,
            o.mail_nickname_for_cloud().map(Text::from)
        );
    }
    if let Some(upn) = &out.cloud_upn {
        set_if_changed!(c, user_principal_name, Some(Text::from(upn.as_str())));
    }
    // P4 (r2): the sync stamps onPremisesSecurityIdentifier on the users and groups it writes.
    if let Some(sid) = &o.object_sid
        && o.object_class != ObjectKind::Contact
    {
        set_if_changed!(c, on_premises_security_identifier, Some(sid.clone()));
    }
    // M8, M9 (r2): remember what was exported, to know later whether the on-prem UPN changed.
    if o.object_class == ObjectKind::User {
        let upn = o.user_principal_name.clone();
        let verified = upn
            .as_deref()
            .and_then(domain_of)
            .is_some_and(|d| tenant.is_verified_suffix(d));
        let export = LastExport {
            object_guid: Some(o.object_guid.to_string()),
            user_principal_name: upn.map(String::from),
            mail_nickname: o.mail_nickname.as_deref().map(String::from),
            upn_suffix_verified: verified,
        };
        if !c.has_last_export(&export) {
            c.set_last_export(&export);
        }
    }
    let proxies = written_proxies(o, out, c);
    set_if_changed!(c, proxy_addresses, proxies);
    for q in &out.quarantined {
        c.on_premises_provisioning_errors.push(ProvisioningError {
            category: "PropertyConflict".into(),
            property_causing_error: q.property.as_str().into(),
            value: Text::from(q.value.as_str()),
            occurred_date_time: now.map(Text::from),
        });
    }
}

/// The proxyAddresses a sync writes to `c` for `o` (M7): the on-prem proxies (or `SMTP:mail`
/// without proxies), less values the service discards (P2) and values quarantined now or
/// before (Q1).
pub fn written_proxies(o: &OnPremObject, out: &Outcome, c: &CloudObject) -> Vec<Text> {
    let held_back = |value: &str| {
        out.quarantines(PropertyName::ProxyAddresses, value)
            || c.on_premises_provisioning_errors.iter().any(|e| {
                e.property_causing_error == PropertyName::ProxyAddresses.as_str()
                    && strip_smtp_prefix(&e.value).eq_ignore_ascii_case(value)
            })
    };
    if o.proxy_addresses.is_empty() {
        return o
            .mail
            .iter()
            .filter(|m| !m.is_empty() && discarded_address(m).is_none() && !held_back(m))
            .map(|m| compact_str::format_compact!("SMTP:{m}"))
            .collect();
    }
    o.proxy_addresses
        .iter()
        .filter(
            |raw| match smtp_proxies(std::slice::from_ref(*raw)).next() {
                Some(p) => discarded_address(p.address).is_none() && !held_back(p.address),
                None => true,
            },
        )
        .cloned()
        .collect()
}

/// Q3: the resolution timer. A quarantined value whose conflict is gone is restored to its
/// object and the error removed; a placeholder UPN stays while the real suffix is unverified.
/// Returns how many values were restored.
pub fn resolve_quarantines(b: &mut Bundle) -> usize {
    let index = CloudIndex::build(b);
    let mut restored = 0;
    // Values restored in this run, so two objects do not both get the same value back.
    let mut given: std::collections::HashSet<(PropertyName, Box<str>)> = Default::default();
    let anchors: std::collections::HashMap<String, usize> = b
        .on_premises
        .iter()
        .enumerate()
        .map(|(i, o)| (o.source_anchor(b.connect.source_anchor).immutable_id(), i))
        .collect();
    for ci in 0..b.cloud.len() {
        if b.cloud[ci].is_deleted() || b.cloud[ci].on_premises_provisioning_errors.is_empty() {
            continue;
        }
        let errors = std::mem::take(&mut b.cloud[ci].on_premises_provisioning_errors);
        let mut kept = Vec::new();
        for e in errors {
            let Some(ns) = PropertyName::parse(&e.property_causing_error) else {
                kept.push(e);
                continue;
            };
            let bare = strip_smtp_prefix(&e.value).to_string();
            let key = fold(&bare);
            let held_elsewhere = index.holders(ns, &key).iter().any(|h| *h as usize != ci)
                || given.contains(&(ns, key.clone()));
            let unverified = ns == PropertyName::UserPrincipalName
                && domain_of(&bare).is_some_and(|d| !b.tenant.is_verified_suffix(d));
            if held_elsewhere || unverified {
                kept.push(e);
                continue;
            }
            let c = &mut b.cloud[ci];
            match ns {
                PropertyName::UserPrincipalName => c.user_principal_name = Some(e.value.clone()),
                PropertyName::ProxyAddresses => {
                    // Restore with the prefix the on-prem source has, else as a secondary.
                    let source = c
                        .on_premises_immutable_id
                        .as_ref()
                        .and_then(|a| anchors.get(a.as_str()))
                        .map(|&i| &b.on_premises[i]);
                    let raw = source
                        .and_then(|o| {
                            smtp_proxies(&o.proxy_addresses)
                                .find(|p| p.address.eq_ignore_ascii_case(&bare))
                                .map(|p| p.raw.to_string())
                        })
                        .unwrap_or_else(|| {
                            if bare == e.value {
                                format!("smtp:{bare}")
                            } else {
                                e.value.to_string()
                            }
                        });
                    if raw.starts_with("SMTP:") {
                        // A restored primary demotes the current one.
                        for p in &mut c.proxy_addresses {
                            if p.starts_with("SMTP:") {
                                p.replace_range(..5, "smtp:");
                            }
                        }
                        c.proxy_addresses.insert(0, raw.into());
                    } else {
                        c.proxy_addresses.push(raw.into());
                    }
                }
            }
            given.insert((ns, key));
            restored += 1;
        }
        b.cloud[ci].on_premises_provisioning_errors = kept;
    }
    restored
}

/// The cloud object an on-prem object is linked to now (M1), for `linkedTo` references.
pub fn linked_cloud(b: &Bundle, object_guid: Uuid) -> Option<CloudIdx> {
    let o = b
        .on_premises
        .iter()
        .find(|o| o.object_guid == object_guid)?;
    let anchor = o.source_anchor(b.connect.source_anchor).immutable_id();
    b.cloud
        .iter()
        .position(|c| {
            c.is_synced()
                && !c.is_deleted()
                && c.on_premises_immutable_id.as_deref() == Some(&anchor)
        })
        .map(|i| i as CloudIdx)
}
