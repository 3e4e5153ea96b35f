//! Hash indexes over the cloud directory: every lookup the planner makes is one hash probe, so
//! planning is O(objects), never a scan per object.

use crate::model::{Bundle, CloudObject, PropertyName};
use std::collections::HashMap;

/// Index of a cloud object in `Bundle::cloud`.
pub type CloudIdx = u32;

/// The cloud objects holding one key: almost always one, so no allocation for that case.
#[derive(Clone, Debug)]
pub enum Postings {
    One(CloudIdx),
    Many(Vec<CloudIdx>),
}

impl Postings {
    fn push(&mut self, i: CloudIdx) {
        match self {
            Postings::One(first) => *self = Postings::Many(vec![*first, i]),
            Postings::Many(v) => v.push(i),
        }
    }

    pub fn as_slice(&self) -> &[CloudIdx] {
        match self {
            Postings::One(i) => std::slice::from_ref(i),
            Postings::Many(v) => v,
        }
    }
}

type KeyMap = HashMap<Box<str>, Postings>;

fn insert(map: &mut KeyMap, key: Box<str>, i: CloudIdx) {
    match map.get_mut(&key) {
        Some(p) => p.push(i),
        None => {
            map.insert(key, Postings::One(i));
        }
    }
}

/// P3: UPNs and addresses compare case-insensitively.
pub fn fold(value: &str) -> Box<str> {
    if value.is_ascii() {
        value.to_ascii_lowercase().into_boxed_str()
    } else {
        value.to_lowercase().into_boxed_str()
    }
}

#[derive(Debug, Default)]
pub struct CloudIndex {
    /// ImmutableID text, exact (A3), active and soft-deleted objects (M3).
    by_immutable_id: KeyMap,
    /// onPremisesSecurityIdentifier, folded (M1 for groups).
    by_sid: KeyMap,
    /// Active objects only.
    by_upn: KeyMap,
    by_primary_smtp: KeyMap,
    by_any_smtp: KeyMap,
    /// Soft-deleted synced objects, which still hold their values (Q5).
    deleted_by_upn: KeyMap,
    deleted_by_smtp: KeyMap,
}

impl CloudIndex {
    pub fn build(bundle: &Bundle) -> Self {
        let n = bundle.cloud.len();
        let mut ix = CloudIndex {
            by_immutable_id: HashMap::with_capacity(n),
            by_upn: HashMap::with_capacity(n),
            by_primary_smtp: HashMap::with_capacity(n),
            by_any_smtp: HashMap::with_capacity(n * 2),
            ..CloudIndex::default()
        };
        for (i, c) in bundle.cloud.iter().enumerate() {
            ix.add(i as CloudIdx, c);
        }
        ix
    }

    fn add(&mut self, i: CloudIdx, c: &CloudObject) {
        if let Some(id) = &c.on_premises_immutable_id {
            insert(&mut self.by_immutable_id, id.as_str().into(), i);
        }
        if let Some(sid) = &c.on_premises_security_identifier {
            insert(&mut self.by_sid, fold(sid), i);
        }
        if c.is_deleted() {
            if c.is_synced() {
                if let Some(upn) = &c.user_principal_name {
                    insert(&mut self.deleted_by_upn, fold(upn), i);
                }
                for a in c.smtp_addresses() {
                    insert(&mut self.deleted_by_smtp, fold(a), i);
                }
            }
            return;
        }
        if let Some(upn) = &c.user_principal_name {
            insert(&mut self.by_upn, fold(upn), i);
        }
        if let Some(p) = c.primary_smtp() {
            insert(&mut self.by_primary_smtp, fold(p), i);
        }
        for a in c.smtp_addresses() {
            insert(&mut self.by_any_smtp, fold(a), i);
        }
    }

    /// M3: objects (active or soft-deleted) whose ImmutableID is exactly this text.
    pub fn with_immutable_id(&self, immutable_id: &str) -> &[CloudIdx] {
        self.by_immutable_id
            .get(immutable_id)
            .map_or(&[], Postings::as_slice)
    }

    pub fn with_sid(&self, sid: &str) -> &[CloudIdx] {
        self.by_sid.get(&fold(sid)).map_or(&[], Postings::as_slice)
    }

    /// M5: active objects whose primary SMTP is this (folded) address.
    pub fn with_primary_smtp(&self, folded: &str) -> &[CloudIdx] {
        self.by_primary_smtp
            .get(folded)
            .map_or(&[], Postings::as_slice)
    }

    /// Active objects holding a (folded) value in a uniqueness namespace (P4).
    pub fn holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.by_upn,
            PropertyName::ProxyAddresses => &self.by_any_smtp,
        };
        map.get(folded).map_or(&[], Postings::as_slice)
    }

    /// Q5: soft-deleted synced objects holding a (folded) value.
    pub fn deleted_holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.deleted_by_upn,
            PropertyName::ProxyAddresses => &self.deleted_by_smtp,
        };
        map.get(folded).map_or(&[], Postings::as_slice)
    }
}
