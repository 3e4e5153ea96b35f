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
        let same = a.result == b.result
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
