//! The explanation trace: each step the planner takes, with the rule id that made it. Steps are
//! small values; the sentences are rendered only when someone reads them (the JSON output, the
//! detail pane), so planning 400,000 objects formats no text.

use crate::index::CloudIdx;
use crate::model::{Bundle, Discard, PropertyName, SourceAnchorAttribute, Text};
use crate::outcome::Holder;

/// Steps about passed-over candidates kept per object and lookup; the rest are counted in one
/// [`Note::CandidatesElided`].
pub const MAX_CANDIDATE_STEPS: usize = 8;

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Step {
    #[serde(with = "crate::cache::statics")]
    pub rule: crate::cache::statics::Constant,
    pub note: Note,
}

/// The uniqueness namespaces that are never quarantined (P4 c, d), by the name the service
/// reports as `AttributeConflictName`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum UniqueAttribute {
    OnPremiseSecurityIdentifier,
    ProxyAddresses,
}

impl UniqueAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            UniqueAttribute::OnPremiseSecurityIdentifier => "OnPremiseSecurityIdentifier",
            UniqueAttribute::ProxyAddresses => "ProxyAddresses",
        }
    }
}

/// Why a soft-match candidate was not taken over (M6).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    SyncedFromOther,
    AdminRole,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum Note {
    Anchor {
        attribute: SourceAnchorAttribute,
        consistency_guid_used: bool,
    },
    InScope,
    OutOfScope,
    OutOfScopeLinked(CloudIdx),
    DeletionThreshold {
        pending: usize,
        threshold: u32,
    },
    Linked(CloudIdx),
    DuplicateAnchor {
        first: u32,
        /// The cloud object the first one joins; `None` when the first one is new in this cycle.
        cloud: Option<CloudIdx>,
    },
    HardMatchNone,
    HardMatchFound(CloudIdx),
    HardMatchKindOff(CloudIdx),
    HardMatchTypeMismatch(CloudIdx),
    TakeoverBlocked(CloudIdx),
    HardeningRole(CloudIdx),
    HardeningObjectIdentifier(CloudIdx),
    Restore(CloudIdx),
    SoftMatchBlocked,
    SoftMatchNotEligible(#[serde(with = "crate::cache::statics")] crate::cache::statics::Constant),
    NoPrimarySmtp,
    SmtpNone(Text),
    SmtpCandidate {
        cloud: CloudIdx,
        any_proxy: bool,
        others: usize,
    },
    UnifiedGroupSkipped(CloudIdx),
    TargetTaken {
        cloud: CloudIdx,
        by: u32,
    },
    /// More candidates passed over for the reasons above than the trace keeps (issue 11:
    /// thousands of objects sharing a value must not make the explanation quadratic).
    CandidatesElided {
        count: usize,
    },
    UpnFeatureOff,
    UpnNone(Text),
    UpnCandidate(CloudIdx),
    TypeMismatch(CloudIdx),
    Refused(CloudIdx, Refusal),
    Takeover(CloudIdx),
    ProvisionNew,
    Discarded {
        value: Text,
        reason: Discard,
    },
    Quarantined {
        property: PropertyName,
        value: Text,
        holder: Holder,
        placeholder: Option<Text>,
    },
    ConflictError {
        property: PropertyName,
        value: Text,
        holder: Holder,
    },
    QuirkSecondarySmtp {
        value: Text,
        holder: Holder,
    },
    QuirkNewGroups {
        value: Text,
        holder: Holder,
    },
    RecycleBin {
        property: PropertyName,
        value: Text,
        cloud: CloudIdx,
    },
    AlreadyQuarantined {
        property: PropertyName,
        value: Text,
    },
    UpnBlocked {
        kept: Text,
        wanted: Text,
    },
    UpnChange {
        from: Text,
        to: Text,
    },
    UnverifiedSuffix {
        suffix: Text,
        upn: Text,
    },
    /// Q7: filtered by Connect's out-of-box rules.
    OutOfBoxFilter(#[serde(with = "crate::cache::statics")] crate::cache::statics::Constant),
    /// M10: the twin is cloud-managed; leaving the scope does not soft-delete it.
    CloudManagedNoDelete(CloudIdx),
    /// M10: the twin is cloud-managed; nothing is exported.
    CloudManaged(CloudIdx),
    CloudManagedUnsupported {
        federated: bool,
        password: bool,
    },
    /// A6: the cloud object this object was exported to carries another ImmutableID.
    SourceAnchorChanged(CloudIdx),
    /// M6 (r2): the SMTP candidate carries another ImmutableID: AttributeValueMustBeUnique.
    SoftMatchAnchorConflict {
        cloud: CloudIdx,
        attribute: UniqueAttribute,
    },
    /// M6: the candidate's roles are only eligible and eligibleRolesBlockSoftMatch is off.
    EligibleRolesIgnored(CloudIdx),
    /// M3 (r2): the target's roles are not privileged: the hardening does not block.
    HardeningRolesNotPrivileged(CloudIdx),
    /// P4 (c), (d): an objectSid or a non-SMTP proxy someone else holds.
    UniqueConflict {
        attribute: UniqueAttribute,
        value: Text,
        holder: Holder,
    },
    /// M8, M9 (r2): the cloud UPN stays.
    UpnKept {
        kept: Text,
        wanted: Text,
        why: crate::plan::UpnKept,
    },
}

/// "Alice Ng" <alice@contoso.com> style reference to a cloud object.
pub fn cloud_ref(b: &Bundle, i: CloudIdx) -> String {
    let c = &b.cloud[i as usize];
    match c.principal() {
        Some(p) if p != c.name() => {
            format!("cloud {} \"{}\" <{}>", c.object_type.as_str(), c.name(), p)
        }
        _ => format!(
            "cloud {} \"{}\" ({})",
            c.object_type.as_str(),
            c.name(),
            c.id
        ),
    }
}

pub fn on_prem_ref(b: &Bundle, i: u32) -> String {
    let o = &b.on_premises[i as usize];
    match o.principal() {
        Some(p) => format!(
            "on-prem {} \"{}\" <{}>",
            o.object_class.as_str(),
            o.label(),
            p
        ),
        None => format!("on-prem {} \"{}\"", o.object_class.as_str(), o.label()),
    }
}

pub fn holder_ref(b: &Bundle, h: Holder) -> String {
    match h {
        Holder::Cloud(c) => cloud_ref(b, c),
        Holder::OnPrem(o) => format!("{} (earlier in this sync cycle)", on_prem_ref(b, o)),
    }
}

fn roles(b: &Bundle, i: CloudIdx) -> String {
    let c = &b.cloud[i as usize];
    let mut out: Vec<String> = c.directory_roles.iter().map(|r| r.to_string()).collect();
    out.extend(
        c.eligible_directory_roles
            .iter()
            .map(|r| format!("{r} (eligible)")),
    );
    out.join(", ")
}

impl Step {
    /// The step as a sentence, prefixed with its rule id.
    pub fn describe(&self, b: &Bundle, source_anchor: &str) -> String {
        format!("{}: {}", self.rule, self.note.describe(b, source_anchor))
    }
}

impl Note {
    pub fn describe(&self, b: &Bundle, anchor: &str) -> String {
        let c = |i: &CloudIdx| cloud_ref(b, *i);
        match self {
            Note::Anchor {
                attribute,
                consistency_guid_used,
            } => match (attribute, consistency_guid_used) {
                (SourceAnchorAttribute::ConsistencyGuid, true) => {
                    format!(
                        "sourceAnchor is mS-DS-ConsistencyGuid, which is set: ImmutableID {anchor}"
                    )
                }
                (SourceAnchorAttribute::ConsistencyGuid, false) => format!(
                    "sourceAnchor is mS-DS-ConsistencyGuid; not set (or not a user), so objectGUID is used: ImmutableID {anchor}"
                ),
                (SourceAnchorAttribute::ObjectGuid, _) => {
                    format!("sourceAnchor is objectGUID: ImmutableID {anchor}")
                }
            },
            Note::InScope => "in an included OU: in sync scope".into(),
            Note::OutOfScope => {
                "not under any included OU: out of sync scope, nothing is exported".into()
            }
            Note::OutOfScopeLinked(i) => format!(
                "out of sync scope but linked to {}: the sync soft-deletes that cloud object",
                c(i)
            ),
            Note::DeletionThreshold { pending, threshold } => format!(
                "{pending} pending deletions exceed the deletion threshold of {threshold}: the whole export stops and nothing is written"
            ),
            Note::Linked(i) => format!(
                "already linked: {} is synced and carries ImmutableID {anchor}; this is an update, never a new match",
                c(i)
            ),
            Note::DuplicateAnchor { first, cloud } => match cloud {
                Some(cloud) => format!(
                    "{} already joins {} with the same sourceAnchor {anchor} in this cycle: DuplicateSourceAnchor",
                    on_prem_ref(b, *first),
                    c(cloud)
                ),
                None => format!(
                    "{} already carries the same sourceAnchor {anchor} and is provisioned with it in this cycle: DuplicateSourceAnchor",
                    on_prem_ref(b, *first)
                ),
            },
            Note::HardMatchNone => format!("hard match: no cloud object has ImmutableID {anchor}"),
            Note::HardMatchFound(i) => format!("hard match: {} has ImmutableID {anchor}", c(i)),
            Note::HardMatchKindOff(i) => format!(
                "hard match: {} has this ImmutableID, but only users hard match (groupHardMatch is off)",
                c(i)
            ),
            Note::HardMatchTypeMismatch(i) => {
                format!(
                    "hard match: {} carries this ImmutableID but is another object type",
                    c(i)
                )
            }
            Note::TakeoverBlocked(i) => format!(
                "{} is not synced (a cloud-only object) and blockCloudObjectTakeoverThroughHardMatchEnabled is on: \"Another cloud created object with the same source anchor already exists in Azure Active Directory\"",
                c(i)
            ),
            Note::HardeningRole(i) => {
                let table = crate::roles::RoleTable::for_bundle(b);
                let cloud = &b.cloud[*i as usize];
                let privileged = table.blocking_roles(cloud, false);
                let list = if privileged.is_empty() {
                    format!("{}; hardeningAllRoles is on", roles(b, *i))
                } else {
                    privileged
                        .iter()
                        .map(|r| {
                            let eligible = !cloud.directory_roles.iter().any(|d| d == r);
                            let unknown = table.privilege(r).1 == crate::roles::RoleSource::Unknown;
                            format!(
                                "{r}{}{}",
                                if eligible { " (eligible)" } else { "" },
                                if unknown {
                                    " (not in the role table: treated as privileged)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let deleted = if cloud.is_deleted() {
                    "; it is in the recycle bin and is not restored"
                } else {
                    ""
                };
                format!(
                    "InvalidHardMatch: hard match hardening (since 2026-07-01): {} is assigned or eligible for a privileged role ({list}), so it cannot be taken over{deleted}",
                    c(i)
                )
            }
            Note::HardeningObjectIdentifier(i) => format!(
                "\"Hard match operation blocked due to security hardening. Review OnPremisesObjectIdentifier mapping.\": {} is mapped to on-prem object {}",
                c(i),
                b.cloud[*i as usize]
                    .on_premises_object_identifier
                    .as_deref()
                    .unwrap_or("?")
            ),
            Note::Restore(i) => {
                format!("{} is in the recycle bin: the hard match restores it", c(i))
            }
            Note::SoftMatchBlocked => "soft match is skipped: blockSoftMatchEnabled is on".into(),
            Note::SoftMatchNotEligible(why) => format!("soft match does not apply: {why}"),
            Note::NoPrimarySmtp => {
                "SMTP soft match: the object has no usable primary SMTP address".into()
            }
            Note::SmtpNone(a) => {
                format!("SMTP soft match: no active cloud object has primary SMTP {a}")
            }
            Note::SmtpCandidate {
                cloud,
                any_proxy,
                others,
            } => {
                let how = if *any_proxy {
                    "an SMTP proxy"
                } else {
                    "the primary SMTP"
                };
                let more = if *others > 0 {
                    format!(" ({others} more candidates; the first in tenant order is used)")
                } else {
                    String::new()
                };
                format!(
                    "SMTP soft match candidate: {} has {how} address{more}",
                    c(cloud)
                )
            }
            Note::UnifiedGroupSkipped(i) => format!(
                "{} is a Microsoft 365 group, never a soft match target",
                c(i)
            ),
            Note::TargetTaken { cloud, by } => format!(
                "{} is already taken over by {} in this cycle",
                c(cloud),
                on_prem_ref(b, *by)
            ),
            Note::CandidatesElided { count } => format!(
                "… and {count} more candidate{} passed over for the same reasons (the trace keeps {} per object)",
                if *count == 1 { "" } else { "s" },
                MAX_CANDIDATE_STEPS
            ),
            Note::UpnFeatureOff => "UPN soft match is off (softMatchOnUpnEnabled is false)".into(),
            Note::UpnNone(u) => format!("UPN soft match: no active cloud user has UPN {u}"),
            Note::UpnCandidate(i) => format!("UPN soft match candidate: {} has the same UPN", c(i)),
            Note::TypeMismatch(i) => format!(
                "the candidate {} is of another object type: ObjectTypeMismatch, retried every cycle",
                c(i)
            ),
            Note::Refused(i, Refusal::SyncedFromOther) => format!(
                "the candidate {} already carries ImmutableID {}, not this object's anchor {anchor} (older reading, softMatchConflictQuarantines or a UPN candidate): no match, a new object is provisioned",
                c(i),
                b.cloud[*i as usize]
                    .on_premises_immutable_id
                    .as_deref()
                    .unwrap_or("?")
            ),
            Note::Refused(i, Refusal::AdminRole) => {
                let cloud = &b.cloud[*i as usize];
                let how = if cloud.directory_roles.is_empty() {
                    "is eligible (PIM) for a directory role, which blocks like an assigned one (eligibleRolesBlockSoftMatch)"
                } else {
                    "is assigned a directory role"
                };
                format!(
                    "the candidate {} {how} ({}): soft match is refused, a new object is created and its values are quarantined (ExistingAdminRoleConflict; fix with W1)",
                    c(i),
                    roles(b, *i)
                )
            }
            Note::Takeover(i) => format!(
                "{} is taken over: it becomes synced with ImmutableID {anchor} and on-prem values overwrite cloud values",
                c(i)
            ),
            Note::ProvisionNew => "no match: a new cloud object is created".into(),
            Note::Discarded { value, reason } => {
                format!(
                    "{value:?} is discarded by the service ({}) and takes no part in matching",
                    reason.describe()
                )
            }
            Note::Quarantined {
                property,
                value,
                holder,
                placeholder,
            } => {
                let instead = placeholder
                    .as_ref()
                    .map(|p| format!("; the object gets the placeholder UPN {p}"))
                    .unwrap_or_default();
                format!(
                    "{} {value} is already held by {}: quarantined{instead}",
                    property.as_str(),
                    holder_ref(b, *holder)
                )
            }
            Note::ConflictError {
                property,
                value,
                holder,
            } => format!(
                "{} {value} is already held by {} and quarantine is off: AttributeValueMustBeUnique, the object is not created and is retried every cycle",
                property.as_str(),
                holder_ref(b, *holder)
            ),
            Note::QuirkSecondarySmtp { value, holder } => format!(
                "documented quirk: the secondary address smtp:{value} equals the primary SMTP of {}: export error instead of quarantine, retried every cycle",
                holder_ref(b, *holder)
            ),
            Note::QuirkNewGroups { value, holder } => format!(
                "documented quirk: {} with the same SMTP {value} is also new in this cycle: this group fails now and is quarantined in the next cycle",
                holder_ref(b, *holder)
            ),
            Note::RecycleBin {
                property,
                value,
                cloud,
            } => format!(
                "{} {value} is held by the soft-deleted synced {}: \"A synchronized object with the same proxy address already exists in your Microsoft Entra ID directory\"; purge it from the recycle bin",
                property.as_str(),
                c(cloud)
            ),
            Note::AlreadyQuarantined { property, value } => format!(
                "{} {value} is already quarantined on the cloud object; the resolution timer restores it once the conflict is gone (Q3)",
                property.as_str()
            ),
            Note::UpnBlocked { kept, wanted } => format!(
                "UPN change to {wanted} is blocked: Managed domain, licensed user, synchronizeUpnForManagedUsersEnabled off; the cloud keeps {kept}"
            ),
            Note::UpnChange { from, to } => format!("the cloud UPN changes from {from} to {to}"),
            Note::UnverifiedSuffix { suffix, upn } => format!(
                "UPN suffix {suffix} is not a verified domain of the tenant: the cloud UPN computed from it is {upn}"
            ),
            Note::OutOfBoxFilter(why) => format!(
                "Connect's out-of-box sync rules never export this object: {why}; out of scope"
            ),
            Note::CloudManagedNoDelete(i) => format!(
                "{} is cloud-managed (onPremisesSyncBehavior.isCloudManaged): leaving the sync scope does not soft-delete it",
                c(i)
            ),
            Note::CloudManaged(i) => format!(
                "{} carries this anchor and its source of authority is the cloud (onPremisesSyncBehavior.isCloudManaged; Connect blocks the connector object, event 6956): on-prem changes are not exported",
                c(i)
            ),
            Note::CloudManagedUnsupported {
                federated,
                password,
            } => {
                let mut why = Vec::new();
                if *federated {
                    why.push("its UPN is in a federated (AD FS) domain");
                }
                if *password {
                    why.push("password hash sync is on, so its password depends on on-premises");
                }
                format!(
                    "warning: switching the source of authority is not supported for this user: {}",
                    why.join("; ")
                )
            }
            Note::SourceAnchorChanged(i) => format!(
                "SourceAnchorChanged: this object was exported to {} (its onPremisesObjectIdentifier names this objectGUID), which carries ImmutableID {}; the sourceAnchor cannot change after export, so Connect stops synchronizing the object until the anchor ({anchor}) is changed back; nothing is created",
                c(i),
                b.cloud[*i as usize]
                    .on_premises_immutable_id
                    .as_deref()
                    .unwrap_or("?")
            ),
            Note::SoftMatchAnchorConflict { cloud, attribute } => format!(
                "the SMTP candidate {} already carries ImmutableID {}, not this object's anchor {anchor}: the service tries to provision a new object and that fails with AttributeValueMustBeUnique (AttributeConflictName {}); nothing is created or quarantined, retried every cycle; if it is the same person, re-anchor (W5)",
                c(cloud),
                b.cloud[*cloud as usize]
                    .on_premises_immutable_id
                    .as_deref()
                    .unwrap_or("?"),
                attribute.as_str()
            ),
            Note::EligibleRolesIgnored(i) => format!(
                "the candidate {} is only eligible for roles ({}) and eligibleRolesBlockSoftMatch is off: they do not block",
                c(i),
                roles(b, *i)
            ),
            Note::HardeningRolesNotPrivileged(i) => format!(
                "{} holds only roles that are not privileged ({}): the hardening does not block",
                c(i),
                roles(b, *i)
            ),
            Note::UniqueConflict {
                attribute,
                value,
                holder,
            } => {
                let what = match attribute {
                    UniqueAttribute::OnPremiseSecurityIdentifier => {
                        "objectSid (onPremisesSecurityIdentifier)"
                    }
                    UniqueAttribute::ProxyAddresses => "proxy address",
                };
                format!(
                    "{what} {value} is already held by {}: AttributeValueMustBeUnique (AttributeConflictName {}), never quarantined; nothing is created or changed, retried every cycle",
                    holder_ref(b, *holder),
                    attribute.as_str()
                )
            }
            Note::UpnKept { kept, wanted, why } => match why {
                crate::plan::UpnKept::NotRecalculated => format!(
                    "the on-prem UPN has not changed since the last export: the cloud UPN is not recalculated (a change of mail, primary SMTP or mailNickname alone does not change it) and stays {kept} (not {wanted})"
                ),
                crate::plan::UpnKept::NotRecalculatedNoHistory => format!(
                    "the cloud UPN {kept} was computed when the object was provisioned; it is recalculated only when the on-prem UPN changes or its suffix becomes verified, so it stays (not {wanted})"
                ),
                crate::plan::UpnKept::PredatesFeature => format!(
                    "the difference predates synchronizeUpnForManagedUsersEnabled (existing userPrincipalName values remain as-is): the cloud keeps {kept}; the next change of the on-prem UPN flows"
                ),
                crate::plan::UpnKept::NoHistory => format!(
                    "the cloud keeps {kept} (not {wanted}): existing userPrincipalName values remain as-is; flows on the next change of the on-prem UPN"
                ),
            },
        }
    }
}
