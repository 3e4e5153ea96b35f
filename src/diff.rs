//! How two plans of the same snapshot differ, outcome by outcome (the what-if comparison): a
//! short class per outcome ("soft-match-upn", "provision (UPN quarantined)") and the transitions
//! between classes, most frequent first.

use crate::model::PropertyName;
use crate::outcome::{Flag, Outcome};
use crate::plan::Plan;
use std::collections::HashMap;

/// A short class of an outcome for comparing plans: "soft-match-upn",
/// "provision (UPN quarantined)", "error AttributeValueMustBeUnique", …
pub fn outcome_class(o: &Outcome) -> String {
    let mut c = o.result.as_str().to_string();
    if let Some(e) = o.error {
        c.push(' ');
        c.push_str(e.as_str());
    }
    let upn = o
        .quarantined
        .iter()
        .any(|q| q.property == PropertyName::UserPrincipalName);
    let proxy = o
        .quarantined
        .iter()
        .any(|q| q.property == PropertyName::ProxyAddresses);
    let mut notes: Vec<&str> = Vec::new();
    if upn {
        notes.push("UPN quarantined");
    }
    if proxy {
        notes.push("address quarantined");
    }
    if o.has_flag(Flag::ExistingAdminRoleConflict) {
        notes.push("admin-role conflict");
    }
    if o.has_flag(Flag::UpnUpdateBlocked) {
        notes.push("UPN update blocked");
    }
    if o.has_flag(Flag::DeletionThresholdExceeded) {
        notes.push("export stopped");
    }
    if !notes.is_empty() {
        c.push_str(&format!(" ({})", notes.join(", ")));
    }
    c
}

/// How two plans of the same snapshot differ.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Per outcome: whether its class differs.
    pub changed: Vec<bool>,
    /// (from, to, count), most frequent first.
    pub transitions: Vec<(String, String, usize)>,
}

impl Diff {
    pub fn count(&self) -> usize {
        self.changed.iter().filter(|c| **c).count()
    }
}

/// Compares two plans of the same snapshot outcome by outcome (O(objects)).
pub fn diff(from: &Plan, to: &Plan) -> Diff {
    let mut changed = vec![false; to.outcomes.len()];
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for (i, (a, b)) in from.outcomes.iter().zip(&to.outcomes).enumerate() {
        // A re-plan shares the outcomes it did not plan again: the same outcome, nothing to
        // read (at 1M objects, reading both sides of every pair was 130 ms on the UI thread).
        let same = std::sync::Arc::ptr_eq(a, b)
            || a.result == b.result
                && a.error == b.error
                && a.cloud == b.cloud
                && a.flags == b.flags
                && a.quarantined.len() == b.quarantined.len();
        if same {
            continue;
        }
        let (ca, cb) = (outcome_class(a), outcome_class(b));
        changed[i] = true;
        if ca != cb {
            *counts.entry((ca, cb)).or_default() += 1;
        } else {
            *counts
                .entry((ca, format!("{cb}, other object")))
                .or_default() += 1;
        }
    }
    let mut transitions: Vec<(String, String, usize)> =
        counts.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    transitions.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    Diff {
        changed,
        transitions,
    }
}

/// One on-prem object whose next-sync outcome differs between two snapshots (matched by
/// objectGUID): `before` / `after` are outcome classes, `None` where the object is not in that
/// snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedObject {
    pub object_guid: uuid::Uuid,
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The object's index in the newer snapshot (none when it is gone).
    pub on_prem: Option<u32>,
}

/// How the plans of two snapshots of the same directories differ (an earlier and a later
/// collection): counts per result, transitions between outcome classes and the objects that
/// changed, added or went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotDiff {
    pub counts_before: [(crate::outcome::SyncResult, usize); 9],
    pub counts_after: [(crate::outcome::SyncResult, usize); 9],
    /// (from, to, count), most frequent first; "(not in the snapshot)" for an added or gone object.
    pub transitions: Vec<(String, String, usize)>,
    /// In the newer snapshot's order, then the objects that are gone.
    pub changed: Vec<ChangedObject>,
    pub added: usize,
    pub removed: usize,
}

/// The class an absent object has in [`SnapshotDiff::transitions`].
pub const ABSENT: &str = "(not in the snapshot)";

/// Compares the plans of two snapshots object by object, matched by objectGUID (one hash map
/// of the older snapshot: O(objects)). An object differs when its outcome class or the cloud
/// object it lands on (by id) differs.
pub fn diff_snapshots(
    old_b: &crate::model::Bundle,
    old: &Plan,
    new_b: &crate::model::Bundle,
    new: &Plan,
) -> SnapshotDiff {
    let cloud_id = |b: &crate::model::Bundle, o: &Outcome| o.cloud.map(|c| b.cloud[c as usize].id);
    let before: HashMap<uuid::Uuid, usize> = old_b
        .on_premises
        .iter()
        .enumerate()
        .map(|(i, o)| (o.object_guid, i))
        .collect();
    let mut seen = vec![false; old_b.on_premises.len()];
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    let mut changed = Vec::new();
    let (mut added, mut removed) = (0, 0);
    for (i, (o, out)) in new_b.on_premises.iter().zip(&new.outcomes).enumerate() {
        let after = outcome_class(out);
        let was = before.get(&o.object_guid).copied();
        let before_class = was.map(|j| {
            seen[j] = true;
            (
                outcome_class(&old.outcomes[j]),
                cloud_id(old_b, &old.outcomes[j]),
            )
        });
        let differs = match &before_class {
            None => true,
            Some((c, id)) => *c != after || *id != cloud_id(new_b, out),
        };
        if !differs {
            continue;
        }
        added += usize::from(was.is_none());
        let from = before_class.as_ref().map(|(c, _)| c.clone());
        let to = if from.as_deref() == Some(after.as_str()) {
            format!("{after}, other object")
        } else {
            after.clone()
        };
        *counts
            .entry((from.clone().unwrap_or_else(|| ABSENT.into()), to))
            .or_default() += 1;
        changed.push(ChangedObject {
            object_guid: o.object_guid,
            name: o.name().to_string(),
            before: from,
            after: Some(after),
            on_prem: Some(i as u32),
        });
    }
    for (j, o) in old_b.on_premises.iter().enumerate() {
        if seen[j] {
            continue;
        }
        removed += 1;
        let from = outcome_class(&old.outcomes[j]);
        *counts.entry((from.clone(), ABSENT.into())).or_default() += 1;
        changed.push(ChangedObject {
            object_guid: o.object_guid,
            name: o.name().to_string(),
            before: Some(from),
            after: None,
            on_prem: None,
        });
    }
    let mut transitions: Vec<(String, String, usize)> =
        counts.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    transitions.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    SnapshotDiff {
        counts_before: old.counts(),
        counts_after: new.counts(),
        transitions,
        changed,
        added,
        removed,
    }
}
