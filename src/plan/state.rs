//! The cycle's state (Q2) as the planner reads it: what earlier objects of the cycle claimed,
//! took and joined. A full plan builds it object by object ([`CycleState`]). An incremental
//! re-plan (issue 15, item 3) does not: it reads the base plan's writes as of the object being
//! planned again ([`WriteLog`]), leaving out the writes of objects it planned again, whose new
//! writes it keeps in a `CycleState` of its own ([`Layer`]). So a flip costs the objects it
//! plans again, not a replay of every object's writes.

use super::record::{Key, Record, Resolved};
use super::text_map::TextMap;
use crate::anchor::Anchor;
use crate::index::CloudIdx;
use crate::model::PropertyName;
use crate::outcome::Holder;
use crate::trace::UniqueAttribute;
use hashbrown::HashTable;

/// `taken` for a cloud object nobody has taken in this cycle.
pub(super) const FREE: u32 = u32::MAX;

type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// The writes of the objects planned so far, each with the object that wrote it.
pub(super) struct CycleState {
    /// Q2: values claimed, one map per namespace, by folded text: the holder and the writer.
    claims: [TextMap<(Holder, u32)>; 2],
    /// P4 (c), (d): objectSids and non-SMTP proxies claimed, by [`UniqueAttribute`].
    unique_claims: [TextMap<(Holder, u32)>; 2],
    /// Per cloud object: the on-prem object that links or takes it over, or FREE.
    taken: Vec<u32>,
    /// Cloud objects taken over (not merely linked).
    taken_over: Vec<bool>,
    /// A5: sourceAnchors joined or provisioned, by whom (the first) and onto what.
    anchors: FastMap<Anchor, (u32, Option<CloudIdx>)>,
    /// Q6: soft deletions, with the object whose leaving the scope causes each.
    deletions: Vec<(u32, CloudIdx)>,
}

impl CycleState {
    pub(super) fn new(clouds: usize) -> Self {
        CycleState {
            claims: Default::default(),
            unique_claims: Default::default(),
            taken: vec![FREE; clouds],
            taken_over: vec![false; clouds],
            anchors: FastMap::default(),
            deletions: Vec::new(),
        }
    }

    /// Object `writer`'s write.
    pub(super) fn apply(&mut self, w: &Resolved<'_>, writer: u32) {
        match *w {
            Resolved::Claim(ns, h, t) => self.claims[ns as usize].insert(t, (h, writer)),
            Resolved::Unique(a, h, t) => self.unique_claims[a as usize].insert(t, (h, writer)),
            Resolved::Taken(c, by) => self.taken[c as usize] = by,
            Resolved::TakenOver(c) => self.taken_over[c as usize] = true,
            Resolved::Anchor(a, by, c) => {
                self.anchors.entry(a).or_insert((by, c));
            }
            Resolved::Deletion(c) => self.deletions.push((writer, c)),
        }
    }

    pub(super) fn claim(&self, ns: PropertyName, key: &str) -> Option<(Holder, u32)> {
        self.claims[ns as usize].get(key)
    }

    pub(super) fn unique(&self, a: UniqueAttribute, key: &str) -> Option<(Holder, u32)> {
        self.unique_claims[a as usize].get(key)
    }

    /// Who took cloud object `c` (last), or FREE. The taker is the writer.
    pub(super) fn taken(&self, c: CloudIdx) -> u32 {
        self.taken[c as usize]
    }

    pub(super) fn taken_over(&self, c: CloudIdx) -> bool {
        self.taken_over[c as usize]
    }

    /// A5: the first object joining `a`, and onto what. The joiner is the writer.
    pub(super) fn anchor(&self, a: &Anchor) -> Option<(u32, Option<CloudIdx>)> {
        self.anchors.get(a).copied()
    }

    pub(super) fn into_deletions(self) -> Vec<(u32, CloudIdx)> {
        self.deletions
    }
}

/// Every write of a recorded plan by state key, in input order: the base plan's state as of
/// any object. Built once per record (`Record::log`), about 30 bytes per write.
pub(super) struct WriteLog {
    /// Per key hash ([`Key::hash`]): its range in `entries`. Different keys with the same
    /// hash share a range; a lookup checks each write's key.
    table: HashTable<(u64, u32, u32)>,
    /// (object, index of the write in the record), grouped by key hash, in input order.
    entries: Vec<(u32, u32)>,
    /// Q6: the deletions, with the object causing each, in input order.
    deletions: Vec<(u32, CloudIdx)>,
}

impl WriteLog {
    pub(super) fn of(record: &Record) -> WriteLog {
        let mut keyed: Vec<(u64, u32, u32)> = Vec::with_capacity(record.writes_len());
        let mut deletions = Vec::new();
        for i in 0..record.len() {
            for (at, w) in record.indexed_writes(i) {
                match w.key() {
                    Some(k) => keyed.push((k.hash(), i as u32, at)),
                    None => {
                        if let Resolved::Deletion(c) = w {
                            deletions.push((i as u32, c));
                        }
                    }
                }
            }
        }
        // By key, then in write order (which is input order).
        keyed.sort_unstable_by_key(|&(h, _, at)| (h, at));
        let mut table = HashTable::with_capacity(keyed.len() / 2);
        let mut start = 0usize;
        while start < keyed.len() {
            let h = keyed[start].0;
            let end = start + keyed[start..].iter().take_while(|e| e.0 == h).count();
            table.insert_unique(h, (h, start as u32, (end - start) as u32), |e| e.0);
            start = end;
        }
        WriteLog {
            table,
            // Not collected in place: that would keep the keyed list's room, twice the entries'.
            entries: {
                let mut entries = Vec::with_capacity(keyed.len());
                entries.extend(keyed.iter().map(|&(_, i, at)| (i, at)));
                entries
            },
            deletions,
        }
    }

    /// The writes under `key`'s hash: (object, write index), in input order.
    fn under(&self, h: u64) -> &[(u32, u32)] {
        match self.table.find(h, |e| e.0 == h) {
            Some(&(_, start, len)) => &self.entries[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.table.capacity() * 16 + self.entries.capacity() * 8 + self.deletions.capacity() * 8
    }
}

/// The base plan of an incremental re-plan, read as of an object `at` (the one being planned):
/// the writes of the objects before it that were not planned again. With the re-plan's own `CycleState` (the writes of
/// the objects planned again) it gives exactly the state a full plan has at `at`.
pub(super) struct Layer<'a> {
    record: &'a Record,
    log: &'a WriteLog,
    /// One bit per object: planned again in this re-plan (its base writes no longer count).
    again: Vec<u64>,
}

impl<'a> Layer<'a> {
    pub(super) fn new(record: &'a Record) -> Self {
        Layer {
            record,
            log: record.log(),
            again: vec![0; record.len().div_ceil(64)],
        }
    }

    /// Object `i` is planned again: its base writes no longer count.
    pub(super) fn plan_again(&mut self, i: u32) {
        self.again[i as usize / 64] |= 1 << (i % 64);
    }

    fn planned_again(&self, object: u32) -> bool {
        self.again[object as usize / 64] & (1 << (object % 64)) != 0
    }

    /// The base writes under `key` that count when object `at` is planned, in input order,
    /// resolved.
    fn writes<'s>(
        &'s self,
        key: Key<'_>,
        at: u32,
    ) -> impl DoubleEndedIterator<Item = (u32, Resolved<'a>)> + use<'s, 'a> {
        let (log, record) = (self.log, self.record);
        log.under(key.hash())
            .iter()
            .filter(move |(object, _)| *object < at && !self.planned_again(*object))
            .map(move |&(object, at)| (object, record.write_at(at)))
    }

    /// The last counting claim of `key` (the holder and the writer).
    pub(super) fn claim(&self, ns: PropertyName, key: &str, at: u32) -> Option<(Holder, u32)> {
        self.writes(Key::Claim(ns, key), at)
            .rev()
            .find_map(|(by, w)| match w {
                Resolved::Claim(n, h, t) if n == ns && t == key => Some((h, by)),
                _ => None,
            })
    }

    pub(super) fn unique(&self, a: UniqueAttribute, key: &str, at: u32) -> Option<(Holder, u32)> {
        self.writes(Key::Unique(a, key), at)
            .rev()
            .find_map(|(by, w)| match w {
                Resolved::Unique(x, h, t) if x == a && t == key => Some((h, by)),
                _ => None,
            })
    }

    /// Who took `c` last among the counting objects, or FREE.
    pub(super) fn taken(&self, c: CloudIdx, at: u32) -> u32 {
        self.writes(Key::Taken(c), at)
            .rev()
            .find_map(|(_, w)| match w {
                Resolved::Taken(x, by) if x == c => Some(by),
                _ => None,
            })
            .unwrap_or(FREE)
    }

    pub(super) fn taken_over(&self, c: CloudIdx, at: u32) -> bool {
        self.writes(Key::Taken(c), at)
            .any(|(_, w)| matches!(w, Resolved::TakenOver(x) if x == c))
    }

    /// A5: the first counting object joining `a`.
    pub(super) fn anchor(&self, a: &Anchor, at: u32) -> Option<(u32, Option<CloudIdx>)> {
        self.writes(Key::Anchor(a), at).find_map(|(_, w)| match w {
            Resolved::Anchor(x, by, c) if x == *a => Some((by, c)),
            _ => None,
        })
    }

    /// The plan's deletions in input order: the base's of the objects not planned again, and
    /// `own` (those of the objects planned again).
    pub(super) fn deletions(&self, own: Vec<(u32, CloudIdx)>) -> Vec<(u32, CloudIdx)> {
        let all = self.record.len() as u32;
        let mut merged: Vec<(u32, CloudIdx)> = (self.log.deletions.iter())
            .filter(|(object, _)| !self.planned_again(*object))
            .copied()
            .chain(own)
            .collect();
        debug_assert!(merged.iter().all(|(o, _)| *o < all));
        // Stable: one object's deletions keep their order.
        merged.sort_by_key(|(object, _)| *object);
        merged
    }
}

/// The later of two last-wins values (by writer).
pub(super) fn later<T>(a: Option<(T, u32)>, b: Option<(T, u32)>) -> Option<(T, u32)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.1 > b.1 { a } else { b }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPN: PropertyName = PropertyName::UserPrincipalName;

    /// A record of five objects: 0, 1 and 3 claim "v" (each as itself), 1 and 3 take cloud
    /// object 7 (3 over), 0 and 2 join anchor A, 4 deletes cloud object 9.
    fn record() -> Record {
        let a = Anchor::from_bytes([1; 16]);
        let mut r = Record::with_capacity(5);
        for i in 0..5u32 {
            r.begin();
            match i {
                0 => {
                    r.note_write(Resolved::Claim(UPN, Holder::OnPrem(0), "v"));
                    r.note_write(Resolved::Anchor(a, 0, None));
                }
                1 => {
                    r.note_write(Resolved::Claim(UPN, Holder::OnPrem(1), "v"));
                    r.note_write(Resolved::Taken(7, 1));
                }
                2 => r.note_write(Resolved::Anchor(a, 2, Some(5))),
                3 => {
                    r.note_write(Resolved::Claim(UPN, Holder::OnPrem(3), "v"));
                    r.note_write(Resolved::Taken(7, 3));
                    r.note_write(Resolved::TakenOver(7));
                }
                _ => r.note_write(Resolved::Deletion(9)),
            }
            r.end();
        }
        r
    }

    #[test]
    fn the_base_reads_as_of_the_object_being_planned_without_the_objects_planned_again() {
        let r = record();
        let a = Anchor::from_bytes([1; 16]);
        let mut layer = Layer::new(&r);
        // Before 3: the last claim is 1's, the taker 1, not taken over; the first joiner 0.
        assert_eq!(layer.claim(UPN, "v", 3), Some((Holder::OnPrem(1), 1)));
        assert_eq!(layer.claim(UPN, "w", 3), None);
        assert_eq!(layer.taken(7, 3), 1);
        assert!(!layer.taken_over(7, 3));
        assert_eq!(layer.anchor(&a, 3), Some((0, None)));
        // 1 and 0 planned again: their writes no longer count.
        layer.plan_again(0);
        layer.plan_again(1);
        assert_eq!(layer.claim(UPN, "v", 3), None);
        assert_eq!(layer.taken(7, 3), FREE);
        assert_eq!(layer.anchor(&a, 3), Some((2, Some(5))));
        assert_eq!(layer.claim(UPN, "v", 5), Some((Holder::OnPrem(3), 3)));
        assert_eq!(layer.taken(7, 5), 3);
        assert!(layer.taken_over(7, 5));
        // Deletions: the base's of the objects kept, with the new ones, in input order.
        assert_eq!(layer.deletions(vec![(1, 8)]), vec![(1, 8), (4, 9)]);
        layer.plan_again(4);
        assert_eq!(layer.deletions(vec![]), vec![]);
    }

    #[test]
    fn the_later_claim_and_the_first_joiner_win_across_the_two() {
        assert_eq!(later(Some(('a', 2)), Some(('b', 5))), Some(('b', 5)));
        assert_eq!(later(Some(('a', 6)), Some(('b', 5))), Some(('a', 6)));
        assert_eq!(later(None, Some(('b', 5))), Some(('b', 5)));
        assert_eq!(later::<char>(None, None), None);
        let mut own = CycleState::new(10);
        let a = Anchor::from_bytes([1; 16]);
        own.apply(&Resolved::Anchor(a, 4, None), 4);
        own.apply(&Resolved::Anchor(a, 6, Some(1)), 6);
        own.apply(&Resolved::Claim(UPN, Holder::Cloud(2), "v"), 4);
        own.apply(&Resolved::Claim(UPN, Holder::OnPrem(6), "v"), 6);
        assert_eq!(own.anchor(&a), Some((4, None)), "A5: the first joiner");
        assert_eq!(
            own.claim(UPN, "v"),
            Some((Holder::OnPrem(6), 6)),
            "Q2: the last claim"
        );
    }
}
