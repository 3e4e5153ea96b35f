//! Hash indexes over the cloud directory: every lookup the planner makes is one hash probe, so
//! planning is O(objects), never a scan per object.
//!
//! Built for a million cloud objects: the keys (folded UPNs, addresses, ImmutableIDs) are copied
//! once into one byte arena instead of one allocation each, the tables hold 24-byte entries that
//! point into it, and hashing is foldhash (fixed seed) rather than SipHash. A lookup compares the
//! probed key with the arena bytes, so the index answers exactly what a map of strings would.

use crate::model::{Bundle, CloudObject, PropertyName};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Index of a cloud object in `Bundle::cloud`.
pub type CloudIdx = u32;

/// P3: UPNs and addresses compare case-insensitively.
pub fn fold(value: &str) -> Box<str> {
    if value.is_ascii() {
        value.to_ascii_lowercase().into_boxed_str()
    } else {
        value.to_lowercase().into_boxed_str()
    }
}

/// [`fold`] into a reused buffer (no allocation for ASCII values).
fn fold_into(value: &str, out: &mut String) {
    out.clear();
    if value.is_ascii() {
        out.push_str(value);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&value.to_lowercase());
    }
}

/// The hash of a key; the seed is fixed so that builds are reproducible.
pub(crate) fn hash(key: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5e7c_5c09).hash_one(key)
}

/// One key of a [`KeyMap`]: where its bytes are in the arena and which objects hold it.
struct Entry {
    start: u64,
    len: u32,
    /// The first holder; almost every key has exactly one.
    first: CloudIdx,
    /// `NONE`, or the position in `KeyMap::more` of all holders (when there are several).
    more: u32,
}

const NONE: u32 = u32::MAX;

#[derive(Default)]
struct KeyMap {
    table: HashTable<Entry>,
    more: Vec<Vec<CloudIdx>>,
}

impl KeyMap {
    fn with_capacity(n: usize) -> Self {
        KeyMap {
            table: HashTable::with_capacity(n),
            more: Vec::new(),
        }
    }

    fn insert(&mut self, arena: &mut Vec<u8>, key: &[u8], i: CloudIdx) {
        let h = hash(key);
        let found = self.table.find_mut(h, |e| key_of(arena, e) == key);
        match found {
            Some(e) if e.more == NONE => {
                e.more = self.more.len() as u32;
                self.more.push(vec![e.first, i]);
            }
            Some(e) => self.more[e.more as usize].push(i),
            None => {
                let entry = Entry {
                    start: arena.len() as u64,
                    len: key.len() as u32,
                    first: i,
                    more: NONE,
                };
                arena.extend_from_slice(key);
                self.table
                    .insert_unique(h, entry, |e| hash(key_of(arena, e)));
            }
        }
    }

    fn get<'a>(&'a self, arena: &[u8], key: &str) -> &'a [CloudIdx] {
        let key = key.as_bytes();
        match self.table.find(hash(key), |e| key_of(arena, e) == key) {
            None => &[],
            Some(e) if e.more == NONE => std::slice::from_ref(&e.first),
            Some(e) => &self.more[e.more as usize],
        }
    }
}

fn key_of<'a>(arena: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    &arena[start..start + e.len as usize]
}

#[derive(Default)]
pub struct CloudIndex {
    /// Every key's bytes, back to back.
    arena: Vec<u8>,
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
    /// Active objects' non-SMTP proxies (`SIP:`, `X500:` …), folded with their prefix (P4 d).
    by_other_proxy: KeyMap,
    /// onPremisesObjectIdentifier, folded: the on-prem object a cloud object was exported from (A6).
    by_object_identifier: KeyMap,
}

impl std::fmt::Debug for CloudIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudIndex")
            .field("keys", &self.keys())
            .field("arena_bytes", &self.arena.len())
            .finish()
    }
}

impl CloudIndex {
    pub fn build(bundle: &Bundle) -> Self {
        let n = bundle.cloud.len();
        let mut ix = CloudIndex {
            arena: Vec::with_capacity(n * 64),
            by_immutable_id: KeyMap::with_capacity(n),
            by_sid: KeyMap::with_capacity(n),
            by_upn: KeyMap::with_capacity(n),
            by_primary_smtp: KeyMap::with_capacity(n),
            by_any_smtp: KeyMap::with_capacity(n * 2),
            ..CloudIndex::default()
        };
        let mut scratch = String::new();
        for (i, c) in bundle.cloud.iter().enumerate() {
            ix.add(i as CloudIdx, c, &mut scratch);
        }
        ix.arena.shrink_to_fit();
        ix
    }

    /// How many keys the index holds, over all its tables.
    pub fn keys(&self) -> usize {
        [
            &self.by_immutable_id,
            &self.by_sid,
            &self.by_upn,
            &self.by_primary_smtp,
            &self.by_any_smtp,
            &self.deleted_by_upn,
            &self.deleted_by_smtp,
            &self.by_other_proxy,
            &self.by_object_identifier,
        ]
        .iter()
        .map(|m| m.table.len())
        .sum()
    }

    fn add(&mut self, i: CloudIdx, c: &CloudObject, scratch: &mut String) {
        if let Some(id) = &c.on_premises_immutable_id {
            self.by_immutable_id
                .insert(&mut self.arena, id.as_bytes(), i);
        }
        let arena = &mut self.arena;
        let mut folded = |map: &mut KeyMap, value: &str| {
            fold_into(value, scratch);
            map.insert(arena, scratch.as_bytes(), i);
        };
        if let Some(sid) = &c.on_premises_security_identifier {
            folded(&mut self.by_sid, sid);
        }
        // A6: the object a cloud object was exported from: its onPremisesObjectIdentifier, or
        // (cleared, X4) what the simulated state remembers of the last export.
        if let Some(id) = &c.on_premises_object_identifier {
            folded(&mut self.by_object_identifier, id.trim());
        } else if let Some(guid) = c.last_export().and_then(|e| e.object_guid) {
            folded(&mut self.by_object_identifier, guid.trim());
        }
        if c.is_deleted() {
            // Q5; Q6 (r2): a sync-deleted object has onPremisesSyncEnabled false but still came
            // from on-premises (it keeps its ImmutableID).
            if c.is_synced() || c.on_premises_immutable_id.is_some() {
                if let Some(upn) = &c.user_principal_name {
                    folded(&mut self.deleted_by_upn, upn);
                }
                for a in c.smtp_addresses() {
                    folded(&mut self.deleted_by_smtp, a);
                }
            }
            return;
        }
        if let Some(upn) = &c.user_principal_name {
            folded(&mut self.by_upn, upn);
        }
        if let Some(p) = c.primary_smtp() {
            folded(&mut self.by_primary_smtp, p);
        }
        for a in c.smtp_addresses() {
            folded(&mut self.by_any_smtp, a);
        }
        for p in c.other_proxies() {
            folded(&mut self.by_other_proxy, p);
        }
    }

    /// M3: objects (active or soft-deleted) whose ImmutableID is exactly this text.
    pub fn with_immutable_id(&self, immutable_id: &str) -> &[CloudIdx] {
        self.by_immutable_id.get(&self.arena, immutable_id)
    }

    pub fn with_sid(&self, sid: &str) -> &[CloudIdx] {
        self.by_sid.get(&self.arena, &fold(sid))
    }

    /// [`Self::with_sid`] for a key already folded.
    pub fn with_folded_sid(&self, folded: &str) -> &[CloudIdx] {
        self.by_sid.get(&self.arena, folded)
    }

    /// P4 (d): active objects holding a (folded, prefixed) non-SMTP proxy address.
    pub fn other_proxy_holders(&self, folded: &str) -> &[CloudIdx] {
        self.by_other_proxy.get(&self.arena, folded)
    }

    /// A6: objects whose onPremisesObjectIdentifier names this objectGUID.
    pub fn with_object_identifier(&self, object_guid: &str) -> &[CloudIdx] {
        self.by_object_identifier
            .get(&self.arena, &fold(object_guid))
    }

    /// [`Self::with_object_identifier`] by the GUID itself (formatted on the stack).
    pub fn with_object_guid(&self, guid: uuid::Uuid) -> &[CloudIdx] {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let key: &str = guid.hyphenated().encode_lower(&mut buf);
        self.by_object_identifier.get(&self.arena, key)
    }

    /// M5: active objects whose primary SMTP is this (folded) address.
    pub fn with_primary_smtp(&self, folded: &str) -> &[CloudIdx] {
        self.by_primary_smtp.get(&self.arena, folded)
    }

    /// Active objects holding a (folded) value in a uniqueness namespace (P4).
    pub fn holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.by_upn,
            PropertyName::ProxyAddresses => &self.by_any_smtp,
        };
        map.get(&self.arena, folded)
    }

    /// Q5: soft-deleted synced objects holding a (folded) value.
    pub fn deleted_holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.deleted_by_upn,
            PropertyName::ProxyAddresses => &self.deleted_by_smtp,
        };
        map.get(&self.arena, folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjectKind;
    use uuid::Uuid;

    fn user(n: u128, upn: &str, proxies: &[&str]) -> CloudObject {
        let mut c = CloudObject::new(Uuid::from_u128(n), ObjectKind::User);
        c.user_principal_name = Some(upn.into());
        c.proxy_addresses = proxies.iter().map(|p| p.to_string()).collect();
        c
    }

    #[test]
    fn lookups_fold_case_and_list_every_holder_in_input_order() {
        let mut b = crate::generate::generate(0, 0);
        b.cloud = vec![
            user(1, "Alice@Contoso.com", &["SMTP:Alice@Contoso.com"]),
            user(
                2,
                "bob@contoso.com",
                &["SMTP:bob@contoso.com", "smtp:ALICE@contoso.com"],
            ),
            user(3, "Ærøskøbing@contoso.com", &[]),
        ];
        b.cloud[0].on_premises_immutable_id = Some("iGhmiAEBERG7uxI0VniQqw==".into());
        b.cloud[2].deleted_date_time = Some("2026-01-01T00:00:00Z".into());
        b.cloud[2].on_premises_sync_enabled = Some(true);
        let ix = CloudIndex::build(&b);
        let any = PropertyName::ProxyAddresses;
        let upn = PropertyName::UserPrincipalName;
        assert_eq!(ix.holders(upn, "alice@contoso.com"), &[0]);
        assert_eq!(ix.holders(any, "alice@contoso.com"), &[0, 1]);
        assert_eq!(ix.with_primary_smtp("alice@contoso.com"), &[0]);
        assert!(
            ix.holders(upn, "Alice@Contoso.com").is_empty(),
            "keys are folded"
        );
        // A3: ImmutableIDs are exact.
        assert_eq!(ix.with_immutable_id("iGhmiAEBERG7uxI0VniQqw=="), &[0]);
        assert!(ix.with_immutable_id("IGHMIAEBERG7UXI0VNIQQW==").is_empty());
        // Q5: the soft-deleted synced user holds its UPN (non-ASCII folds too), actively nobody.
        assert_eq!(
            ix.deleted_holders(upn, &fold("ÆRØSKØBING@contoso.com")),
            &[2]
        );
        assert!(ix.holders(upn, "ærøskøbing@contoso.com").is_empty());
        assert!(ix.holders(any, "nobody@contoso.com").is_empty());
    }

    #[test]
    fn the_index_of_a_generated_tenant_answers_like_a_scan() {
        let b = crate::generate::generate(3_000, 4);
        let ix = CloudIndex::build(&b);
        for (i, c) in b.cloud.iter().enumerate() {
            if let Some(id) = &c.on_premises_immutable_id {
                assert!(ix.with_immutable_id(id).contains(&(i as CloudIdx)));
            }
            if let (false, Some(upn)) = (c.is_deleted(), &c.user_principal_name) {
                let holders = ix.holders(PropertyName::UserPrincipalName, &fold(upn));
                let scan: Vec<CloudIdx> = (0..b.cloud.len() as CloudIdx)
                    .filter(|&j| {
                        let d = &b.cloud[j as usize];
                        !d.is_deleted()
                            && d.user_principal_name.as_deref().map(fold) == Some(fold(upn))
                    })
                    .collect();
                assert_eq!(holders, scan.as_slice(), "{upn}");
            }
        }
    }
}
