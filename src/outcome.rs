//! What the next sync does to one on-prem object: the result, the rule ids that decided it and the
//! trace that explains it (interfaces §3).

use crate::index::CloudIdx;
use crate::model::{PropertyName, Text};
use crate::trace::Step;

/// `result` of interfaces §3.
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord,
)]
pub enum SyncResult {
    Linked,
    HardMatch,
    Restore,
    SoftMatchSmtp,
    SoftMatchUpn,
    Provision,
    Error,
    OutOfScope,
    /// M10 (r2): the cloud twin's source of authority is the cloud; the sync does not write it.
    CloudManaged,
}

impl SyncResult {
    pub const ALL: [SyncResult; 9] = [
        SyncResult::Linked,
        SyncResult::HardMatch,
        SyncResult::Restore,
        SyncResult::SoftMatchSmtp,
        SyncResult::SoftMatchUpn,
        SyncResult::Provision,
        SyncResult::Error,
        SyncResult::OutOfScope,
        SyncResult::CloudManaged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncResult::Linked => "linked",
            SyncResult::HardMatch => "hard-match",
            SyncResult::Restore => "restore",
            SyncResult::SoftMatchSmtp => "soft-match-smtp",
            SyncResult::SoftMatchUpn => "soft-match-upn",
            SyncResult::Provision => "provision",
            SyncResult::Error => "error",
            SyncResult::OutOfScope => "out-of-scope",
            SyncResult::CloudManaged => "cloud-managed",
        }
    }

    /// Whether this result takes over an existing cloud object (M7).
    pub fn is_takeover(self) -> bool {
        matches!(
            self,
            SyncResult::HardMatch
                | SyncResult::Restore
                | SyncResult::SoftMatchSmtp
                | SyncResult::SoftMatchUpn
        )
    }
}

/// `error` codes of interfaces §3.
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord,
)]
pub enum ErrorCode {
    InvalidHardMatch,
    AttributeUpdateNotAllowed,
    InvalidSoftMatch,
    ObjectTypeMismatch,
    AttributeValueMustBeUnique,
    /// A5 (added): a second on-prem object carries a sourceAnchor that an earlier one already joins.
    DuplicateSourceAnchor,
    /// A6 (r2): the sourceAnchor changed after the object was exported.
    SourceAnchorChanged,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidHardMatch => "InvalidHardMatch",
            ErrorCode::AttributeUpdateNotAllowed => "AttributeUpdateNotAllowed",
            ErrorCode::InvalidSoftMatch => "InvalidSoftMatch",
            ErrorCode::ObjectTypeMismatch => "ObjectTypeMismatch",
            ErrorCode::AttributeValueMustBeUnique => "AttributeValueMustBeUnique",
            ErrorCode::DuplicateSourceAnchor => "DuplicateSourceAnchor",
            ErrorCode::SourceAnchorChanged => "SourceAnchorChanged",
        }
    }

    /// What the admin can do about it, per the rule book (shown in the detail pane).
    pub fn fixes(self) -> &'static [&'static str] {
        match self {
            ErrorCode::InvalidHardMatch => &[
                "If the cloud object holds a directory role: remove the role, sync, then re-add it (W1).",
                "If takeover by hard match is blocked on purpose: turn blockCloudObjectTakeoverThroughHardMatchEnabled off for the migration, sync, then turn it on again (M3).",
                "Otherwise clear the cloud object's ImmutableID so that the object is not taken over.",
            ],
            ErrorCode::AttributeUpdateNotAllowed => &[
                "The cloud object is mapped to another on-prem object (onPremisesObjectIdentifier): check the mapping (M3).",
                "If this object is the right source: clear onPremisesObjectIdentifier, or enable allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled, then sync.",
            ],
            ErrorCode::InvalidSoftMatch => &[
                "The cloud object is already synced from another on-prem object: find which one (its ImmutableID) before changing anything (M6).",
                "Change this object's primary SMTP / UPN if the two are different people, or fix the other object's anchor.",
            ],
            ErrorCode::ObjectTypeMismatch => &[
                "The address belongs to a cloud object of another type (M6): change the on-prem object's primary SMTP, or remove the address from the cloud object.",
            ],
            ErrorCode::AttributeValueMustBeUnique => &[
                "If the on-prem object is the same person as the cloud object synced earlier (re-created, moved forests, restored, ConsistencyGuid changed): re-anchor it (W5: set mS-DS-ConsistencyGuid to the cloud object's ImmutableID), then sync (M6).",
                "Another object holds the value: change it on one side (P4).",
                "objectSid and non-SMTP proxies (SIP:, X500: …) are never quarantined: the export fails until one side changes (P4).",
                "If the holder is a soft-deleted synced object: purge it from the recycle bin (Q5).",
                "With duplicate attribute resiliency on, the value would be quarantined instead (Q1).",
            ],
            ErrorCode::DuplicateSourceAnchor => &[
                "Two on-prem objects carry the same sourceAnchor (copied mS-DS-ConsistencyGuid?): clear it on the one that is not the cloud object's source.",
            ],
            ErrorCode::SourceAnchorChanged => &[
                "The object's sourceAnchor changed after it was exported (A6): set mS-DS-ConsistencyGuid back to the cloud object's ImmutableID; Connect stops synchronizing the object until then.",
            ],
        }
    }
}

/// `flags` of interfaces §3.
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord,
)]
pub enum Flag {
    ExistingAdminRoleConflict,
    UpnUpdateBlocked,
    UnverifiedUpnSuffix,
    /// The object left the sync scope: its linked cloud object is soft-deleted (Q6).
    SoftDeleteOnSync,
    /// More pending deletions than the threshold: the whole export stops (Q6).
    DeletionThresholdExceeded,
    /// A value the service discards (P2).
    DiscardedValue,
    /// M10: cloud-managed, but the user depends on on-prem passwords or AD FS (not supported).
    CloudManagedUnsupported,
    /// M8 (r2): a UPN difference that predates the feature stays until the on-prem UPN changes.
    UpnKeptUntilChange,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::ExistingAdminRoleConflict => "ExistingAdminRoleConflict",
            Flag::UpnUpdateBlocked => "UpnUpdateBlocked",
            Flag::UnverifiedUpnSuffix => "UnverifiedUpnSuffix",
            Flag::SoftDeleteOnSync => "SoftDeleteOnSync",
            Flag::DeletionThresholdExceeded => "DeletionThresholdExceeded",
            Flag::DiscardedValue => "DiscardedValue",
            Flag::CloudManagedUnsupported => "CloudManagedUnsupported",
            Flag::UpnKeptUntilChange => "UpnKeptUntilChange",
        }
    }
}

/// Who holds a value: an existing cloud object, or an on-prem object earlier in this cycle (Q2).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Holder {
    Cloud(CloudIdx),
    OnPrem(u32),
}

/// A value the sync quarantines (Q1).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Quarantine {
    pub property: PropertyName,
    pub value: Text,
    /// The placeholder UPN the object gets instead (UPN conflicts only).
    pub placeholder: Option<Text>,
    pub conflicts_with: Holder,
}

/// The plan for one on-prem object.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Index in `Bundle::on_premises`.
    pub on_prem: u32,
    /// The sourceAnchor as ImmutableID text (A1, A2).
    pub source_anchor: Text,
    pub result: SyncResult,
    /// Matched, linked or restored object; for `error`, the conflicting object.
    pub cloud: Option<CloudIdx>,
    /// For errors caused by an on-prem object earlier in the cycle (Q2, Q4).
    pub conflicting_on_prem: Option<u32>,
    pub error: Option<ErrorCode>,
    /// With `AttributeValueMustBeUnique`: the attribute (`UserPrincipalName`, `ProxyAddresses`,
    /// `OnPremiseSecurityIdentifier`), interfaces §3.
    #[serde(with = "crate::cache::statics::option")]
    pub attribute_conflict_name: Option<crate::cache::statics::Constant>,
    pub flags: Vec<Flag>,
    pub quarantined: Vec<Quarantine>,
    /// The UPN the cloud object has after the sync (users only).
    pub cloud_upn: Option<Text>,
    pub steps: Vec<Step>,
}

impl Outcome {
    pub fn new(on_prem: u32, source_anchor: Text) -> Self {
        Outcome {
            on_prem,
            source_anchor,
            result: SyncResult::Provision,
            cloud: None,
            conflicting_on_prem: None,
            error: None,
            attribute_conflict_name: None,
            flags: Vec::new(),
            quarantined: Vec::new(),
            cloud_upn: None,
            steps: Vec::new(),
        }
    }

    /// The rule ids that decided this outcome, in the order they were applied, each once.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::with_capacity(self.steps.len());
        for s in &self.steps {
            if !out.contains(&s.rule) {
                out.push(s.rule);
            }
        }
        out
    }

    /// The step that decided the result, for one-line explanations: the link (M1), the refused
    /// candidate (M6), or the last step taken.
    pub fn key_step(&self) -> Option<&Step> {
        let by_rule = |rule: &str| self.steps.iter().find(|s| s.rule == rule);
        match self.result {
            SyncResult::Linked => by_rule("M1"),
            SyncResult::Provision if self.has_flag(Flag::ExistingAdminRoleConflict) => {
                by_rule("M6")
            }
            r if r.is_takeover() => by_rule("M7"),
            _ => None,
        }
        .or(self.steps.last())
    }

    pub fn has_flag(&self, f: Flag) -> bool {
        self.flags.contains(&f)
    }

    pub(crate) fn flag(&mut self, f: Flag) {
        if !self.flags.contains(&f) {
            self.flags.push(f);
        }
    }

    /// Whether the value was quarantined by this sync.
    pub fn quarantines(&self, property: PropertyName, value: &str) -> bool {
        self.quarantined.iter().any(|q| {
            q.property == property
                && crate::model::strip_smtp_prefix(&q.value).eq_ignore_ascii_case(value)
        })
    }
}
