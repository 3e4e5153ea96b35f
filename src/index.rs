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
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Entry {
    start: u64,
    len: u32,
    /// The first holder; almost every key has exactly one.
    first: CloudIdx,
    /// `NONE`, or the position in `KeyMap::more` of all holders (when there are several).
    more: u32,
}

const NONE: u32 = u32::MAX;

/// Whether an object's keys are being added to the index or taken out of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Insert,
    Remove,
}

/// The keys of one lookup, with their own arena so that the two halves of the index can be built
/// on two threads.
#[derive(Default, Clone)]
pub struct KeyMap {
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

    /// Adds holder `i` of `key`. Holders stay in input order (Q2 claims and the
    /// "every holder in input order" lookups depend on it), also when an update adds an object
    /// that is not the last.
    fn insert(&mut self, key: &[u8], i: CloudIdx) {
        let h = hash(key);
        let arena = &mut self.arena;
        let found = self.table.find_mut(h, |e| key_of(arena, e) == key);
        match found {
            Some(e) if e.more == NONE => {
                e.more = self.more.len() as u32;
                self.more.push(if e.first <= i {
                    vec![e.first, i]
                } else {
                    vec![i, e.first]
                });
            }
            Some(e) => {
                let holders = &mut self.more[e.more as usize];
                let at = holders.partition_point(|&h| h <= i);
                holders.insert(at, i);
            }
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

    /// Takes one holding of `key` by `i` out; false when the index holds no such holding (it
    /// was not the index of the objects it was said to be: the caller builds it again).
    fn remove(&mut self, key: &[u8], i: CloudIdx) -> bool {
        let arena = &self.arena;
        let Ok(entry) = self
            .table
            .find_entry(hash(key), |e| key_of(arena, e) == key)
        else {
            return false;
        };
        let e = entry.get();
        if e.more == NONE {
            if e.first != i {
                return false;
            }
            // The key's bytes stay in the arena, unused, until the index is built again.
            entry.remove();
            return true;
        }
        let holders = &mut self.more[e.more as usize];
        let Some(at) = holders.iter().position(|&h| h == i) else {
            return false;
        };
        holders.remove(at);
        if let [only] = holders[..] {
            holders.clear();
            let e = entry.into_mut();
            e.first = only;
            e.more = NONE;
        }
        true
    }

    fn put(&mut self, op: Op, key: &[u8], i: CloudIdx) -> bool {
        match op {
            Op::Insert => {
                self.insert(key, i);
                true
            }
            Op::Remove => self.remove(key, i),
        }
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

/// A key map in the snapshot cache (`crate::cache`): the arena and the entries; the hash table
/// is filled again on reading (one insert per key, the key hashed from the arena).
#[derive(serde::Serialize)]
struct KeyMapOut<'a> {
    #[serde(with = "serde_bytes")]
    arena: &'a [u8],
    entries: Vec<&'a Entry>,
    more: &'a [Vec<CloudIdx>],
}

#[derive(serde::Deserialize)]
struct KeyMapIn {
    #[serde(with = "serde_bytes")]
    arena: Vec<u8>,
    entries: Vec<Entry>,
    more: Vec<Vec<CloudIdx>>,
}

impl serde::Serialize for KeyMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        KeyMapOut {
            arena: &self.arena,
            entries: self.table.iter().collect(),
            more: &self.more,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for KeyMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let KeyMapIn {
            arena,
            entries,
            more,
        } = KeyMapIn::deserialize(d)?;
        let mut table = HashTable::with_capacity(entries.len());
        for e in entries {
            // A cache is checked whole before it is read; still, an entry outside the arena or
            // its holder lists is refused rather than left to panic on a later lookup.
            let end = e.start.checked_add(u64::from(e.len));
            if end.is_none_or(|end| end > arena.len() as u64)
                || (e.more != NONE && e.more as usize >= more.len())
            {
                return Err(D::Error::custom("an index entry outside its arena"));
            }
            let h = hash(key_of(&arena, &e));
            table.insert_unique(h, e, |e| hash(key_of(&arena, e)));
        }
        Ok(KeyMap { arena, table, more })
    }
}

fn key_of<'a>(arena: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    &arena[start..start + e.len as usize]
}

/// The lookups by anchor and by UPN: one half of the index, built on its own thread.
#[derive(Default, Clone)]
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
#[derive(Default, Clone)]
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
            keys.put(Op::Insert, i as CloudIdx, c, &mut scratch);
        }
        keys.maps_mut().for_each(KeyMap::shrink_to_fit);
        keys
    }

    /// Adds (or removes) the keys of object `i`; one function for both, so an update takes out
    /// exactly what the build put in. False when a key to remove was not there.
    fn put(&mut self, op: Op, i: CloudIdx, c: &CloudObject, scratch: &mut String) -> bool {
        Self::keys(c, scratch, &mut |t, key| self.map_mut(t).put(op, key, i))
    }

    /// Each key of `c` in this half's tables, as [`Self::put`] puts it; `f` says whether it
    /// went well, and so does the result (all of them).
    fn keys(
        c: &CloudObject,
        scratch: &mut String,
        f: &mut impl FnMut(Table, &[u8]) -> bool,
    ) -> bool {
        let mut ok = true;
        // A3: ImmutableIDs are exact, not folded.
        if let Some(id) = &c.on_premises_immutable_id {
            ok &= f(Table::ImmutableId, id.as_bytes());
        }
        let mut folded = |t: Table, value: &str, scratch: &mut String| {
            fold_into(value, scratch);
            f(t, scratch.as_bytes())
        };
        if let Some(sid) = &c.on_premises_security_identifier {
            ok &= folded(Table::Sid, sid, scratch);
        }
        // A6: the object a cloud object was exported from: its onPremisesObjectIdentifier, or
        // (cleared, X4) what the simulated state remembers of the last export.
        if let Some(id) = &c.on_premises_object_identifier {
            ok &= folded(Table::ObjectIdentifier, id.trim(), scratch);
        } else if let Some(guid) = c.last_export().and_then(|e| e.object_guid) {
            ok &= folded(Table::ObjectIdentifier, guid.trim(), scratch);
        }
        if let Some(upn) = &c.user_principal_name {
            if !c.is_deleted() {
                ok &= folded(Table::Upn, upn, scratch);
            } else if deleted_holds_values(c) {
                ok &= folded(Table::DeletedUpn, upn, scratch);
            }
        }
        ok
    }

    fn map_mut(&mut self, t: Table) -> &mut KeyMap {
        match t {
            Table::ImmutableId => &mut self.by_immutable_id,
            Table::Sid => &mut self.by_sid,
            Table::ObjectIdentifier => &mut self.by_object_identifier,
            Table::Upn => &mut self.by_upn,
            Table::DeletedUpn => &mut self.deleted_by_upn,
            _ => unreachable!("{t:?} is in the address half"),
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
            keys.put(Op::Insert, i as CloudIdx, c, &mut scratch);
        }
        keys.maps_mut().for_each(KeyMap::shrink_to_fit);
        keys
    }

    /// As [`AnchorKeys::put`].
    fn put(&mut self, op: Op, i: CloudIdx, c: &CloudObject, scratch: &mut String) -> bool {
        Self::keys(c, scratch, &mut |t, key| self.map_mut(t).put(op, key, i))
    }

    /// As [`AnchorKeys::keys`].
    fn keys(
        c: &CloudObject,
        scratch: &mut String,
        f: &mut impl FnMut(Table, &[u8]) -> bool,
    ) -> bool {
        let mut ok = true;
        let mut folded = |t: Table, value: &str, scratch: &mut String| {
            fold_into(value, scratch);
            f(t, scratch.as_bytes())
        };
        if c.is_deleted() {
            if deleted_holds_values(c) {
                for a in c.smtp_addresses() {
                    ok &= folded(Table::DeletedSmtp, a, scratch);
                }
            }
            return ok;
        }
        if let Some(p) = c.primary_smtp() {
            ok &= folded(Table::PrimarySmtp, p, scratch);
        }
        for a in c.smtp_addresses() {
            ok &= folded(Table::AnySmtp, a, scratch);
        }
        for p in c.other_proxies() {
            ok &= folded(Table::OtherProxy, p, scratch);
        }
        ok
    }

    fn map_mut(&mut self, t: Table) -> &mut KeyMap {
        match t {
            Table::PrimarySmtp => &mut self.by_primary_smtp,
            Table::AnySmtp => &mut self.by_any_smtp,
            Table::DeletedSmtp => &mut self.deleted_by_smtp,
            Table::OtherProxy => &mut self.by_other_proxy,
            _ => unreachable!("{t:?} is in the anchor half"),
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

/// How many tables the index has.
pub const TABLES: usize = 9;

/// The index's tables, in the order of [`CloudIndex::tables`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Table {
    /// ImmutableID text, exact (A3), active and soft-deleted objects (M3).
    ImmutableId,
    /// onPremisesSecurityIdentifier, folded (M1 for groups).
    Sid,
    /// onPremisesObjectIdentifier, folded (A6).
    ObjectIdentifier,
    /// UPN of active objects, folded.
    Upn,
    /// UPN of soft-deleted objects that still hold it (Q5).
    DeletedUpn,
    /// Primary SMTP address of active objects (M5).
    PrimarySmtp,
    /// Any SMTP address of active objects (P4).
    AnySmtp,
    /// SMTP addresses of soft-deleted objects that still hold them (Q5).
    DeletedSmtp,
    /// Non-SMTP proxies of active objects, with their prefix (P4 d).
    OtherProxy,
}

impl Table {
    /// Q5: the table of soft-deleted holders of a uniqueness namespace.
    pub fn deleted_holders(ns: PropertyName) -> Table {
        match ns {
            PropertyName::UserPrincipalName => Table::DeletedUpn,
            PropertyName::ProxyAddresses => Table::DeletedSmtp,
        }
    }

    /// The table of active holders of a uniqueness namespace (P4).
    pub fn holders(ns: PropertyName) -> Table {
        match ns {
            PropertyName::UserPrincipalName => Table::Upn,
            PropertyName::ProxyAddresses => Table::AnySmtp,
        }
    }
}

/// Below this many cloud objects the index is built on one thread (a thread costs more than it
/// saves).
const PARALLEL_FROM: usize = 20_000;

#[derive(Default, Clone)]
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

    /// Brings the index of `before` up to date for `after`, a later state of the same objects
    /// (the same objects at the same positions, written in place, and objects appended: what a
    /// walkthrough step or a sync does to a copy). The objects `after` shares with `before`
    /// ([`Shared::same`]) keep their keys; the others' keys are taken out and put in again.
    /// False, with the index left unusable, when `after` is not such a state or so many
    /// objects changed that building the index again is cheaper: the caller builds it.
    pub fn update(
        &mut self,
        before: &[Shared<CloudObject>],
        after: &[Shared<CloudObject>],
    ) -> bool {
        if after.len() < before.len() || after.len() > CloudIdx::MAX as usize {
            return false;
        }
        let changed: Vec<usize> = (before.iter().zip(after))
            .enumerate()
            .filter(|(_, (b, a))| !Shared::same(b, a))
            .map(|(i, _)| i)
            .collect();
        // Past an eighth of the objects, the build (on two threads) is the faster way.
        if (changed.len() + after.len() - before.len()) * 8 > after.len().max(64) {
            return false;
        }
        if changed.iter().any(|&i| before[i].id != after[i].id) {
            return false;
        }
        let mut scratch = String::new();
        let mut ok = true;
        for &i in &changed {
            let i32 = i as CloudIdx;
            ok &= self.anchors.put(Op::Remove, i32, &before[i], &mut scratch);
            ok &= self
                .addresses
                .put(Op::Remove, i32, &before[i], &mut scratch);
            self.anchors.put(Op::Insert, i32, &after[i], &mut scratch);
            self.addresses.put(Op::Insert, i32, &after[i], &mut scratch);
        }
        for (i, c) in after.iter().enumerate().skip(before.len()) {
            self.anchors.put(Op::Insert, i as CloudIdx, c, &mut scratch);
            self.addresses
                .put(Op::Insert, i as CloudIdx, c, &mut scratch);
        }
        ok
    }

    /// Every key of every table with its holders, sorted by table and key: everything a lookup
    /// can answer, to compare an updated index with a built one.
    #[cfg(test)]
    pub(crate) fn contents(&self) -> Vec<(usize, Vec<u8>, Vec<CloudIdx>)> {
        let mut out = Vec::new();
        for (t, m) in self.all_maps().enumerate() {
            for e in m.table.iter() {
                let holders = match e.more {
                    NONE => vec![e.first],
                    more => m.more[more as usize].clone(),
                };
                out.push((t, key_of(&m.arena, e).to_vec(), holders));
            }
        }
        out.sort();
        out
    }

    fn all_maps(&self) -> impl Iterator<Item = &KeyMap> {
        self.anchors.maps().into_iter().chain(self.addresses.maps())
    }

    /// Its tables, for the snapshot cache (`crate::cache`), which writes each on its own so that
    /// reading decodes them on both cores.
    pub fn tables(&self) -> [&KeyMap; TABLES] {
        let [a, b, c, d, e] = self.anchors.maps();
        let [f, g, h, i] = self.addresses.maps();
        [a, b, c, d, e, f, g, h, i]
    }

    /// The index of these tables, in the order of [`Self::tables`].
    pub fn from_tables(tables: [KeyMap; TABLES]) -> Self {
        let [a, b, c, d, e, f, g, h, i] = tables;
        CloudIndex {
            anchors: AnchorKeys {
                by_immutable_id: a,
                by_sid: b,
                by_object_identifier: c,
                by_upn: d,
                deleted_by_upn: e,
            },
            addresses: AddressKeys {
                by_primary_smtp: f,
                by_any_smtp: g,
                deleted_by_smtp: h,
                by_other_proxy: i,
            },
        }
    }

    /// The holders of a key of table `t` (folded as the table keeps it, see [`Table`]).
    pub fn get(&self, t: Table, key: &str) -> &[CloudIdx] {
        let map = match t {
            Table::ImmutableId => &self.anchors.by_immutable_id,
            Table::Sid => &self.anchors.by_sid,
            Table::ObjectIdentifier => &self.anchors.by_object_identifier,
            Table::Upn => &self.anchors.by_upn,
            Table::DeletedUpn => &self.anchors.deleted_by_upn,
            Table::PrimarySmtp => &self.addresses.by_primary_smtp,
            Table::AnySmtp => &self.addresses.by_any_smtp,
            Table::DeletedSmtp => &self.addresses.deleted_by_smtp,
            Table::OtherProxy => &self.addresses.by_other_proxy,
        };
        map.get(key)
    }

    /// Every key the index holds for cloud object `c`, by table: what a change of `c` changes
    /// in the index (the same enumeration the build and [`Self::update`] use).
    pub fn keys_of(c: &CloudObject, mut f: impl FnMut(Table, &[u8])) {
        let mut scratch = String::new();
        let mut each = |t: Table, key: &[u8]| {
            f(t, key);
            true
        };
        AnchorKeys::keys(c, &mut scratch, &mut each);
        AddressKeys::keys(c, &mut scratch, &mut each);
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

/// An index that follows a bundle changed a few objects at a time (the states of a walkthrough):
/// asked for the index of the cloud objects now, it updates the index of the ones it saw last
/// ([`CloudIndex::update`]) or, where that does not apply, builds it.
#[derive(Clone, Default)]
pub struct TrackedIndex {
    /// The objects `index` is the index of (copies of the pointers, sharing the objects).
    cloud: Vec<Shared<CloudObject>>,
    index: Option<CloudIndex>,
}

impl std::fmt::Debug for TrackedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedIndex")
            .field("objects", &self.cloud.len())
            .field("built", &self.index.is_some())
            .finish()
    }
}

impl TrackedIndex {
    /// Starts from `index`, the index of `cloud` (made elsewhere: the explorer's).
    pub fn seeded(cloud: &[Shared<CloudObject>], index: CloudIndex) -> Self {
        TrackedIndex {
            cloud: cloud.to_vec(),
            index: Some(index),
        }
    }

    /// The index of `cloud`, exactly what [`CloudIndex::build`] gives.
    pub fn of(&mut self, cloud: &[Shared<CloudObject>]) -> &CloudIndex {
        let updated = self
            .index
            .take()
            .and_then(|mut ix| ix.update(&self.cloud, cloud).then_some(ix));
        let index =
            updated.unwrap_or_else(|| CloudIndex::build_on(cloud, cloud.len() >= PARALLEL_FROM));
        let unchanged = self.cloud.len() == cloud.len()
            && (self.cloud.iter().zip(cloud)).all(|(a, b)| Shared::same(a, b));
        if !unchanged {
            self.cloud = cloud.to_vec();
        }
        self.index.insert(index)
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
        c.proxy_addresses = proxies
            .iter()
            .map(|p| crate::model::Text::from(*p))
            .collect();
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

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Changes a few cloud objects the way walkthrough steps and syncs do (and worse: values
    /// taken from other objects, so keys gain and lose holders), and appends copies.
    fn mutate(b: &mut Bundle, rng: &mut Rng, changes: usize) {
        let n = b.cloud.len();
        for _ in 0..changes {
            let (i, j) = (rng.below(n), rng.below(n));
            let other = b.cloud[j].clone();
            let c = &mut b.cloud[i];
            match rng.below(10) {
                0 => c.user_principal_name = other.user_principal_name.clone(),
                1 => c.deleted_date_time = Some("2026-12-01T00:00:00Z".into()),
                2 => c.deleted_date_time = None,
                3 => c.proxy_addresses = other.proxy_addresses.clone(),
                4 => c
                    .proxy_addresses
                    .push(compact_str::format_compact!("smtp:extra{j}@contoso.com")),
                5 => c.on_premises_immutable_id = other.on_premises_immutable_id.clone(),
                6 => c.on_premises_object_identifier = None,
                7 => {
                    c.on_premises_security_identifier =
                        other.on_premises_security_identifier.clone()
                }
                8 => c.on_premises_sync_enabled = Some(!c.is_synced()),
                _ => c.mail = other.mail.clone(),
            }
        }
        if rng.below(2) == 0 {
            let mut copy = (*b.cloud[rng.below(n)]).clone();
            copy.id = Uuid::from_u128(0xc0de_0000 + b.cloud.len() as u128);
            b.cloud.push(Shared::new(copy));
        }
    }

    #[test]
    fn an_updated_index_answers_exactly_what_a_built_one_does() {
        for seed in 1..=3 {
            let mut b = crate::generate::generate(2_000, seed);
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
            let mut ix = CloudIndex::build(&b);
            let mut updates = 0;
            for round in 0..40 {
                let mut next = b.clone();
                let changes = 1 + rng.below(40);
                mutate(&mut next, &mut rng, changes);
                if ix.update(&b.cloud, &next.cloud) {
                    updates += 1;
                } else {
                    ix = CloudIndex::build(&next);
                }
                assert!(
                    ix.contents() == CloudIndex::build(&next).contents(),
                    "seed {seed}, round {round}: the updated index differs from the built one"
                );
                b = next;
            }
            assert!(
                updates >= 30,
                "seed {seed}: only {updates} of 40 rounds updated"
            );
        }
    }

    #[test]
    fn a_tracked_index_follows_sync_cycles_and_undo() {
        let mut b = crate::generate::generate(3_000, 7);
        let start = b.clone();
        let mut tracked = TrackedIndex::default();
        for _ in 0..3 {
            let p = crate::plan::plan_with(&b, tracked.of(&b.cloud), &b.settings);
            crate::apply::apply_plan(&mut b, &p, Some("2026-12-01T00:00:00Z"));
            assert!(tracked.of(&b.cloud).contents() == CloudIndex::build(&b).contents());
        }
        // Back to a state with fewer objects (a walkthrough's back): built again, still exact.
        assert!(
            b.cloud.len() > start.cloud.len(),
            "the syncs created objects"
        );
        assert!(tracked.of(&start.cloud).contents() == CloudIndex::build(&start).contents());
    }

    #[test]
    fn an_update_refuses_what_is_not_a_later_state_of_the_same_objects() {
        let b = crate::generate::generate(500, 3);
        let mut ix = CloudIndex::build(&b);
        let mut shorter = b.clone();
        shorter.cloud.pop();
        assert!(!ix.update(&b.cloud, &shorter.cloud), "an object was purged");
        let mut ix = CloudIndex::build(&b);
        let mut swapped = b.clone();
        swapped.cloud.swap(0, 1);
        assert!(!ix.update(&b.cloud, &swapped.cloud), "objects moved");
        // An index that is not the one of `before`: a key to take out is missing.
        let mut ix = CloudIndex::build(&b);
        let mut changed = b.clone();
        changed.cloud[0].user_principal_name = Some("someone-else@contoso.com".into());
        let mut other = b.clone();
        other.cloud[0].user_principal_name = Some("a-third@contoso.com".into());
        assert!(!ix.update(&other.cloud, &changed.cloud));
    }
}
