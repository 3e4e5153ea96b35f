//! The what-if panel: every tenant feature, rule-book switch and Connect setting with its meaning
//! and current value; flipping one replans at once and shows what changes against the tenant's
//! real settings (or a pinned comparison). The loaded snapshot is never modified.

use crate::model::{ConnectSettings, PropertyName, SourceAnchorAttribute};
use crate::outcome::{Flag, Outcome};
use crate::plan::Plan;
use crate::settings::{Setting, SettingScope, Settings};
use std::collections::HashMap;

/// One line of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Setting(Setting),
    SourceAnchor,
    /// The whole directory in scope (no included-OU list).
    WholeDirectory,
    /// One of the snapshot's included OUs, by position.
    IncludedOu(usize),
}

/// The items for a snapshot's Connect settings.
pub fn items(baseline: &ConnectSettings) -> Vec<Item> {
    let mut v: Vec<Item> = Setting::ALL.into_iter().map(Item::Setting).collect();
    v.push(Item::SourceAnchor);
    v.push(Item::WholeDirectory);
    if let Some(ous) = &baseline.included_ous {
        v.extend((0..ous.len()).map(Item::IncludedOu));
    }
    v
}

/// The configuration a plan was made with.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub settings: Settings,
    pub connect: ConnectSettings,
}

impl Config {
    /// Flips an item; `baseline` gives the OU list the snapshot had.
    pub fn flip(&mut self, item: Item, baseline: &ConnectSettings) {
        match item {
            Item::Setting(s) => self.settings.set(s, !self.settings.get(s)),
            Item::SourceAnchor => {
                self.connect.source_anchor = match self.connect.source_anchor {
                    SourceAnchorAttribute::ObjectGuid => SourceAnchorAttribute::ConsistencyGuid,
                    SourceAnchorAttribute::ConsistencyGuid => SourceAnchorAttribute::ObjectGuid,
                }
            }
            Item::WholeDirectory => {
                self.connect.included_ous = match self.connect.included_ous {
                    Some(_) => None,
                    None => Some(baseline.included_ous.clone().unwrap_or_default()),
                }
            }
            Item::IncludedOu(i) => {
                let Some(ou) = baseline.included_ous.as_ref().and_then(|o| o.get(i)) else {
                    return;
                };
                let list = self.connect.included_ous.get_or_insert_with(Vec::new);
                match list.iter().position(|o| o == ou) {
                    Some(p) => {
                        list.remove(p);
                    }
                    None => list.push(ou.clone()),
                }
            }
        }
    }

    /// Whether an item is on in this configuration.
    pub fn value(&self, item: Item, baseline: &ConnectSettings) -> bool {
        match item {
            Item::Setting(s) => self.settings.get(s),
            Item::SourceAnchor => {
                self.connect.source_anchor == SourceAnchorAttribute::ConsistencyGuid
            }
            Item::WholeDirectory => self.connect.included_ous.is_none(),
            Item::IncludedOu(i) => {
                let ou = baseline.included_ous.as_ref().and_then(|o| o.get(i));
                match (&self.connect.included_ous, ou) {
                    (Some(list), Some(ou)) => list.contains(ou),
                    _ => false,
                }
            }
        }
    }
}

/// Name, meaning, rule id and X3 note of an item.
pub fn describe(item: Item, baseline: &ConnectSettings) -> (String, String, &'static str, bool) {
    match item {
        Item::Setting(s) => {
            let info = s.info();
            let scope = match info.scope {
                SettingScope::TenantFeature => "",
                SettingScope::RuleBookSwitch => " (rule-book switch)",
            };
            (
                info.key.to_string(),
                format!("{}{scope}", info.meaning),
                info.rule,
                info.irreversible_once_enabled,
            )
        }
        Item::SourceAnchor => (
            "sourceAnchor = mS-DS-ConsistencyGuid".into(),
            "on: users anchor on mS-DS-ConsistencyGuid when set; off: on objectGUID".into(),
            "A2",
            false,
        ),
        Item::WholeDirectory => (
            "whole directory in scope".into(),
            "on: no OU filtering; off: only the included OUs below".into(),
            "Q6",
            false,
        ),
        Item::IncludedOu(i) => (
            format!(
                "include {}",
                baseline
                    .included_ous
                    .as_ref()
                    .and_then(|o| o.get(i))
                    .map_or("?", String::as_str)
            ),
            "an OU of the snapshot's Connect scope".into(),
            "Q6",
            false,
        ),
    }
}

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
