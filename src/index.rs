//! Hash indexes over the cloud directory: every lookup the planner makes is one hash probe, so
//! planning is O(objects), never a scan per object.
//!
//! Built for a million cloud objects: the keys (folded UPNs, addresses, ImmutableIDs) are copied
//! once into a byte arena per table instead of one allocation each, the tables hold 24-byte
//! entries that point into it, hashing is foldhash (fixed seed) rather than SipHash, and the
//! anchor and address halves are built on two threads. A lookup compares the probed key with the
//! arena bytes, so the index answers exactly what a map of strings would.

use crate::model::{Bundle, CloudObject, PropertyName, Shared};
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

/// The keys of one lookup, with their own arena so that the two halves of the index can be built
/// on two threads.
#[derive(Default)]
struct KeyMap {
    /// Every key's bytes, back to back.
    arena: Vec<u8>,
    table: HashTable<Entry>,
    more: Vec<Vec<CloudIdx>>,
}

impl KeyMap {
    /// Room for `keys` keys of about `key_bytes` bytes each.
    fn with_capacity(keys: usize, key_bytes: usize) -> Self {
        KeyMap {
            arena: Vec::with_capacity(keys * key_bytes),
            table: HashTable::with_capacity(keys),
            more: Vec::new(),
        }
    }

    fn insert(&mut self, key: &[u8], i: CloudIdx) {
        let h = hash(key);
        let arena = &mut self.arena;
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

    /// [`Self::insert`] of the value folded (P3) into `scratch`.
    fn insert_folded(&mut self, value: &str, i: CloudIdx, scratch: &mut String) {
        fold_into(value, scratch);
        self.insert(scratch.as_bytes(), i);
    }

    fn get(&self, key: &str) -> &[CloudIdx] {
        let key = key.as_bytes();
        match self
            .table
            .find(hash(key), |e| key_of(&self.arena, e) == key)
        {
            None => &[],
            Some(e) if e.more == NONE => std::slice::from_ref(&e.first),
            Some(e) => &self.more[e.more as usize],
        }
    }

    fn shrink_to_fit(&mut self) {
        self.arena.shrink_to_fit();
    }
}

fn key_of<'a>(arena: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    &arena[start..start + e.len as usize]
}

/// The lookups by anchor and by UPN: one half of the index, built on its own thread.
#[derive(Default)]
struct AnchorKeys {
    /// ImmutableID text, exact (A3), active and soft-deleted objects (M3).
    by_immutable_id: KeyMap,
    /// onPremisesSecurityIdentifier, folded (M1 for groups).
    by_sid: KeyMap,
    /// onPremisesObjectIdentifier, folded: the on-prem object a cloud object was exported from (A6).
    by_object_identifier: KeyMap,
    /// Active objects only.
    by_upn: KeyMap,
    /// Soft-deleted synced objects, which still hold their UPN (Q5).
    deleted_by_upn: KeyMap,
}

/// The lookups by address: the other half of the index.
#[derive(Default)]
struct AddressKeys {
    /// Active objects only.
    by_primary_smtp: KeyMap,
    by_any_smtp: KeyMap,
    /// Soft-deleted synced objects, which still hold their addresses (Q5).
    deleted_by_smtp: KeyMap,
    /// Active objects' non-SMTP proxies (`SIP:`, `X500:` …), folded with their prefix (P4 d).
    by_other_proxy: KeyMap,
}

/// Q5; Q6 (r2): a soft-deleted object still holds its values when it came from on-premises: it is
/// synced, or sync-deleted (onPremisesSyncEnabled false) and keeps its ImmutableID.
fn deleted_holds_values(c: &CloudObject) -> bool {
    c.is_synced() || c.on_premises_immutable_id.is_some()
}

impl AnchorKeys {
    fn build(cloud: &[Shared<CloudObject>]) -> Self {
        let n = cloud.len();
        let mut keys = AnchorKeys {
            by_immutable_id: KeyMap::with_capacity(n, 24),
            by_object_identifier: KeyMap::with_capacity(n, 36),
            by_upn: KeyMap::with_capacity(n, 32),
            ..AnchorKeys::default()
        };
        let mut scratch = String::new();
        for (i, c) in cloud.iter().enumerate() {
            keys.add(i as CloudIdx, c, &mut scratch);
        }
        keys.maps_mut().for_each(KeyMap::shrink_to_fit);
        keys
    }

    fn add(&mut self, i: CloudIdx, c: &CloudObject, scratch: &mut String) {
        if let Some(id) = &c.on_premises_immutable_id {
            self.by_immutable_id.insert(id.as_bytes(), i);
        }
        if let Some(sid) = &c.on_premises_security_identifier {
            self.by_sid.insert_folded(sid, i, scratch);
        }
        // A6: the object a cloud object was exported from: its onPremisesObjectIdentifier, or
        // (cleared, X4) what the simulated state remembers of the last export.
        if let Some(id) = &c.on_premises_object_identifier {
            self.by_object_identifier
                .insert_folded(id.trim(), i, scratch);
        } else if let Some(guid) = c.last_export().and_then(|e| e.object_guid) {
            self.by_object_identifier
                .insert_folded(guid.trim(), i, scratch);
        }
        if let Some(upn) = &c.user_principal_name {
            if !c.is_deleted() {
                self.by_upn.insert_folded(upn, i, scratch);
            } else if deleted_holds_values(c) {
                self.deleted_by_upn.insert_folded(upn, i, scratch);
            }
        }
    }

    fn maps(&self) -> [&KeyMap; 5] {
        [
            &self.by_immutable_id,
            &self.by_sid,
            &self.by_object_identifier,
            &self.by_upn,
            &self.deleted_by_upn,
        ]
    }

    fn maps_mut(&mut self) -> impl Iterator<Item = &mut KeyMap> {
        [
            &mut self.by_immutable_id,
            &mut self.by_sid,
            &mut self.by_object_identifier,
            &mut self.by_upn,
            &mut self.deleted_by_upn,
        ]
        .into_iter()
    }
}

impl AddressKeys {
    fn build(cloud: &[Shared<CloudObject>]) -> Self {
        let n = cloud.len();
        let mut keys = AddressKeys {
            by_primary_smtp: KeyMap::with_capacity(n, 32),
            by_any_smtp: KeyMap::with_capacity(n * 2, 32),
            ..AddressKeys::default()
        };
        let mut scratch = String::new();
        for (i, c) in cloud.iter().enumerate() {
            keys.add(i as CloudIdx, c, &mut scratch);
        }
        keys.maps_mut().for_each(KeyMap::shrink_to_fit);
        keys
    }

    fn add(&mut self, i: CloudIdx, c: &CloudObject, scratch: &mut String) {
        if c.is_deleted() {
            if deleted_holds_values(c) {
                for a in c.smtp_addresses() {
                    self.deleted_by_smtp.insert_folded(a, i, scratch);
                }
            }
            return;
        }
        if let Some(p) = c.primary_smtp() {
            self.by_primary_smtp.insert_folded(p, i, scratch);
        }
        for a in c.smtp_addresses() {
            self.by_any_smtp.insert_folded(a, i, scratch);
        }
        for p in c.other_proxies() {
            self.by_other_proxy.insert_folded(p, i, scratch);
        }
    }

    fn maps(&self) -> [&KeyMap; 4] {
        [
            &self.by_primary_smtp,
            &self.by_any_smtp,
            &self.deleted_by_smtp,
            &self.by_other_proxy,
        ]
    }

    fn maps_mut(&mut self) -> impl Iterator<Item = &mut KeyMap> {
        [
            &mut self.by_primary_smtp,
            &mut self.by_any_smtp,
            &mut self.deleted_by_smtp,
            &mut self.by_other_proxy,
        ]
        .into_iter()
    }
}

/// Below this many cloud objects the index is built on one thread (a thread costs more than it
/// saves).
const PARALLEL_FROM: usize = 20_000;

#[derive(Default)]
pub struct CloudIndex {
    anchors: AnchorKeys,
    addresses: AddressKeys,
}

impl std::fmt::Debug for CloudIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudIndex")
            .field("keys", &self.keys())
            .field(
                "arena_bytes",
                &self.all_maps().map(|m| m.arena.len()).sum::<usize>(),
            )
            .finish()
    }
}

impl CloudIndex {
    /// The two halves are built side by side on two threads (they read the same objects and
    /// write nothing shared), so the index costs about half its single-thread time.
    pub fn build(bundle: &Bundle) -> Self {
        Self::build_on(&bundle.cloud, bundle.cloud.len() >= PARALLEL_FROM)
    }

    fn build_on(cloud: &[Shared<CloudObject>], two_threads: bool) -> Self {
        if !two_threads {
            return CloudIndex {
                anchors: AnchorKeys::build(cloud),
                addresses: AddressKeys::build(cloud),
            };
        }
        std::thread::scope(|s| {
            let addresses = s.spawn(|| AddressKeys::build(cloud));
            let anchors = AnchorKeys::build(cloud);
            CloudIndex {
                anchors,
                // A panic on the other thread is a bug in this module: pass it on as it is.
                addresses: addresses
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            }
        })
    }

    fn all_maps(&self) -> impl Iterator<Item = &KeyMap> {
        self.anchors.maps().into_iter().chain(self.addresses.maps())
    }

    /// How many keys the index holds, over all its tables.
    pub fn keys(&self) -> usize {
        self.all_maps().map(|m| m.table.len()).sum()
    }

    /// M3: objects (active or soft-deleted) whose ImmutableID is exactly this text.
    pub fn with_immutable_id(&self, immutable_id: &str) -> &[CloudIdx] {
        self.anchors.by_immutable_id.get(immutable_id)
    }

    pub fn with_sid(&self, sid: &str) -> &[CloudIdx] {
        self.anchors.by_sid.get(&fold(sid))
    }

    /// [`Self::with_sid`] for a key already folded.
    pub fn with_folded_sid(&self, folded: &str) -> &[CloudIdx] {
        self.anchors.by_sid.get(folded)
    }

    /// P4 (d): active objects holding a (folded, prefixed) non-SMTP proxy address.
    pub fn other_proxy_holders(&self, folded: &str) -> &[CloudIdx] {
        self.addresses.by_other_proxy.get(folded)
    }

    /// A6: objects whose onPremisesObjectIdentifier names this objectGUID.
    pub fn with_object_identifier(&self, object_guid: &str) -> &[CloudIdx] {
        self.anchors.by_object_identifier.get(&fold(object_guid))
    }

    /// [`Self::with_object_identifier`] by the GUID itself (formatted on the stack).
    pub fn with_object_guid(&self, guid: uuid::Uuid) -> &[CloudIdx] {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let key: &str = guid.hyphenated().encode_lower(&mut buf);
        self.anchors.by_object_identifier.get(key)
    }

    /// M5: active objects whose primary SMTP is this (folded) address.
    pub fn with_primary_smtp(&self, folded: &str) -> &[CloudIdx] {
        self.addresses.by_primary_smtp.get(folded)
    }

    /// Active objects holding a (folded) value in a uniqueness namespace (P4).
    pub fn holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.anchors.by_upn,
            PropertyName::ProxyAddresses => &self.addresses.by_any_smtp,
        };
        map.get(folded)
    }

    /// Q5: soft-deleted synced objects holding a (folded) value.
    pub fn deleted_holders(&self, ns: PropertyName, folded: &str) -> &[CloudIdx] {
        let map = match ns {
            PropertyName::UserPrincipalName => &self.anchors.deleted_by_upn,
            PropertyName::ProxyAddresses => &self.addresses.deleted_by_smtp,
        };
        map.get(folded)
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
        ]
        .into_iter()
        .map(Shared::new)
        .collect();
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
    fn the_index_built_on_two_threads_answers_like_the_one_built_on_one() {
        let b = crate::generate::generate(4_000, 7);
        let one = CloudIndex::build_on(&b.cloud, false);
        let two = CloudIndex::build_on(&b.cloud, true);
        assert_eq!(one.keys(), two.keys());
        let (upn, any) = (
            PropertyName::UserPrincipalName,
            PropertyName::ProxyAddresses,
        );
        let mut probes = 0;
        for c in &b.cloud {
            if let Some(id) = &c.on_premises_immutable_id {
                assert_eq!(one.with_immutable_id(id), two.with_immutable_id(id));
                probes += 1;
            }
            if let Some(u) = &c.user_principal_name {
                let f = fold(u);
                assert_eq!(one.holders(upn, &f), two.holders(upn, &f), "{u}");
                assert_eq!(one.deleted_holders(upn, &f), two.deleted_holders(upn, &f));
                probes += 1;
            }
            for a in c.smtp_addresses() {
                let f = fold(a);
                assert_eq!(one.holders(any, &f), two.holders(any, &f), "{a}");
                assert_eq!(one.with_primary_smtp(&f), two.with_primary_smtp(&f));
                assert_eq!(one.deleted_holders(any, &f), two.deleted_holders(any, &f));
                probes += 1;
            }
            if let Some(id) = &c.on_premises_object_identifier {
                assert_eq!(
                    one.with_object_identifier(id),
                    two.with_object_identifier(id)
                );
            }
        }
        assert!(
            probes > 8_000,
            "the tenant exercises the lookups ({probes} probes)"
        );
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
