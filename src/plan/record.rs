//! What each object's decision read and wrote, kept with a plan so that a what-if flip or a
//! change of a few objects re-plans only the objects it can change (issue 15, item 3).
//!
//! The planner's only mutable state is the Q2 state of the cycle: values claimed by earlier
//! objects, cloud objects taken, anchors joined (A5), pending deletions (Q6). Everything else it
//! reads (the bundle, the index, the role table, the Connect settings) is fixed for a snapshot.
//! So an object's outcome and writes are a function of the settings it reads, the state keys it
//! reads, and what it reads of the snapshot (its own values, the index keys it looks up, the
//! cloud and other on-prem objects it looks at; kept apart, as "looks"). A re-plan walks the
//! objects in input order (Q2's claim order) and plans again only an object that read a
//! flipped setting, a changed part of the snapshot ([`super::Changes`]) or a state key some
//! earlier re-planned object wrote differently; every other object keeps its outcome and its
//! writes, which the re-plan reads from the base plan's [`WriteLog`]. Keys are kept as 64-bit
//! hashes: a collision can only make an object be planned again needlessly, never skipped, so
//! the result is the full plan's, object for object.
//!
//! The same argument makes the full plan parallel ([`super::plan_split`]): the later half of the
//! objects is planned ahead on another thread as if the earlier half wrote nothing, then taken
//! in order with every key the earlier half wrote counted as changed.

use super::state::WriteLog;
use crate::anchor::Anchor;
use crate::index::{CloudIdx, Table};
use crate::model::PropertyName;
use crate::outcome::Holder;
use crate::settings::Setting;
use crate::trace::UniqueAttribute;
use std::hash::{BuildHasher, Hash, Hasher};

/// A state key the planner reads or writes.
#[derive(Clone, Copy)]
pub(super) enum Key<'k> {
    /// Q2: a UPN or SMTP value claimed earlier in the cycle (folded text).
    Claim(PropertyName, &'k str),
    /// P4 (c), (d): an objectSid or non-SMTP proxy claimed earlier (folded text).
    Unique(UniqueAttribute, &'k str),
    /// A5, Q2: who took a cloud object in this cycle (and whether over).
    Taken(CloudIdx),
    /// A5: who joined a sourceAnchor in this cycle.
    Anchor(&'k Anchor),
    /// The snapshot, not the cycle: which cloud objects hold a key of an index table. Read only:
    /// a change of the snapshot's objects (a walkthrough step) changes these keys.
    Probe(Table, &'k str),
    /// The snapshot: a cloud object's values.
    Cloud(CloudIdx),
    /// The snapshot: another on-prem object's values (the object itself is always read).
    OnPrem(u32),
}

impl Key<'_> {
    pub(super) fn hash(self) -> u64 {
        let mut h = foldhash::fast::FixedState::with_seed(0x5eed_5c09e).build_hasher();
        match self {
            Key::Claim(ns, text) => (0u8, ns as u8, text).hash(&mut h),
            Key::Unique(a, text) => (1u8, a as u8, text).hash(&mut h),
            Key::Taken(c) => (2u8, c).hash(&mut h),
            Key::Anchor(a) => (3u8, a).hash(&mut h),
            Key::Probe(t, key) => return probe_hash(t, key.as_bytes()),
            Key::Cloud(c) => (5u8, c).hash(&mut h),
            Key::OnPrem(j) => (6u8, j).hash(&mut h),
        }
        h.finish()
    }
}

/// [`Key::Probe`]'s hash, from the key's bytes (as the index gives them).
pub(super) fn probe_hash(t: Table, key: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5eed_5c09e).hash_one((4u8, t as u8, key))
}

/// One write to the cycle's state, replayable. Texts are ranges of [`Record::text`].
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Write {
    Claim(PropertyName, Holder, u32, u32),
    Unique(UniqueAttribute, Holder, u32, u32),
    /// `taken[c] = by`.
    Taken(CloudIdx, u32),
    /// `taken_over[c] = true`.
    TakenOver(CloudIdx),
    /// A5: the first object of the cycle joining this anchor (kept if one is there already).
    Anchor(Anchor, u32, Option<CloudIdx>),
    /// Q6: a linked object left the scope; its cloud object is soft-deleted.
    Deletion(CloudIdx),
}

/// A write with its text resolved, for replaying and comparing.
#[derive(PartialEq, Eq)]
pub(super) enum Resolved<'t> {
    Claim(PropertyName, Holder, &'t str),
    Unique(UniqueAttribute, Holder, &'t str),
    Taken(CloudIdx, u32),
    TakenOver(CloudIdx),
    Anchor(Anchor, u32, Option<CloudIdx>),
    Deletion(CloudIdx),
}

impl Resolved<'_> {
    /// The key this write changes (a deletion is read by no object, only counted at the end).
    pub(super) fn key(&self) -> Option<Key<'_>> {
        Some(match self {
            Resolved::Claim(ns, _, t) => Key::Claim(*ns, t),
            Resolved::Unique(a, _, t) => Key::Unique(*a, t),
            Resolved::Taken(c, _) | Resolved::TakenOver(c) => Key::Taken(*c),
            Resolved::Anchor(a, _, _) => Key::Anchor(a),
            Resolved::Deletion(_) => return None,
        })
    }
}

/// The reads and writes of every object of one plan, in `Bundle::on_premises` order.
#[derive(serde::Serialize, serde::Deserialize, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Per object: the settings its decision read, one bit per [`Setting`].
    settings_read: Vec<u32>,
    /// Per object: the end of its reads of the cycle's state in `reads` (its start is the
    /// previous end). A settings flip looks only at these.
    read_ends: Vec<u32>,
    reads: Vec<u64>,
    /// The same for its reads of the snapshot (index keys, cloud objects, other on-prem
    /// objects): only a change of objects looks at these.
    look_ends: Vec<u32>,
    looks: Vec<u64>,
    write_ends: Vec<u32>,
    writes: Vec<Write>,
    /// The texts of the claim writes, back to back.
    text: String,
    /// The writes by state key, made when first needed (the first re-plan from this record).
    #[serde(skip)]
    log: Derived<WriteLog>,
}

/// A value made from the rest of its struct: not stored, not compared, not cloned (made again).
struct Derived<T>(std::sync::OnceLock<T>);

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived(std::sync::OnceLock::new())
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived(std::sync::OnceLock::new())
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Derived<T> {}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Record {{ {} objects, {} reads, {} writes, {} bytes of text }}",
            self.settings_read.len(),
            self.reads.len() + self.looks.len(),
            self.writes.len(),
            self.text.len()
        )
    }
}

impl Record {
    pub(super) fn with_capacity(objects: usize) -> Record {
        Record {
            settings_read: Vec::with_capacity(objects),
            read_ends: Vec::with_capacity(objects),
            reads: Vec::with_capacity(objects * 4),
            look_ends: Vec::with_capacity(objects),
            looks: Vec::with_capacity(objects * 4),
            write_ends: Vec::with_capacity(objects),
            writes: Vec::with_capacity(objects * 3),
            text: String::new(),
            log: Derived::default(),
        }
    }

    /// How many objects it covers.
    pub fn len(&self) -> usize {
        self.settings_read.len()
    }

    pub fn is_empty(&self) -> bool {
        self.settings_read.is_empty()
    }

    /// Bytes held (for the benchmark's memory column).
    /// Lets go of the room its lists grew into: the record lives as long as its plan, and the
    /// slack was a third of it (issue 15). One `realloc` per list, not per object.
    pub(super) fn trim(&mut self) {
        self.settings_read.shrink_to_fit();
        self.read_ends.shrink_to_fit();
        self.reads.shrink_to_fit();
        self.look_ends.shrink_to_fit();
        self.looks.shrink_to_fit();
        self.write_ends.shrink_to_fit();
        self.writes.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    pub fn heap_bytes(&self) -> usize {
        self.settings_read.capacity() * 4
            + self.read_ends.capacity() * 4
            + self.reads.capacity() * 8
            + self.look_ends.capacity() * 4
            + self.looks.capacity() * 8
            + self.write_ends.capacity() * 4
            + self.writes.capacity() * std::mem::size_of::<Write>()
            + self.text.capacity()
            + self.log.0.get().map_or(0, WriteLog::heap_bytes)
    }

    pub(super) fn settings_read(&self, i: usize) -> u32 {
        self.settings_read[i]
    }

    /// Object `i`'s reads of the cycle's state (hashes).
    pub(super) fn reads(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.read_ends[i - 1] };
        &self.reads[start as usize..self.read_ends[i] as usize]
    }

    /// Object `i`'s reads of the snapshot (hashes).
    pub(super) fn looks(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.look_ends[i - 1] };
        &self.looks[start as usize..self.look_ends[i] as usize]
    }

    pub(super) fn writes(&self, i: usize) -> impl Iterator<Item = Resolved<'_>> + '_ {
        let start = if i == 0 { 0 } else { self.write_ends[i - 1] };
        self.writes[start as usize..self.write_ends[i] as usize]
            .iter()
            .map(|w| self.resolve(w))
    }

    /// How many writes it holds.
    pub(super) fn writes_len(&self) -> usize {
        self.writes.len()
    }

    /// Object `i`'s writes with their index in the record.
    pub(super) fn indexed_writes(
        &self,
        i: usize,
    ) -> impl Iterator<Item = (u32, Resolved<'_>)> + '_ {
        let start = if i == 0 { 0 } else { self.write_ends[i - 1] };
        (start..self.write_ends[i]).map(|at| (at, self.write_at(at)))
    }

    /// The write at index `at` of the record.
    pub(super) fn write_at(&self, at: u32) -> Resolved<'_> {
        self.resolve(&self.writes[at as usize])
    }

    /// Its writes by state key, for re-planning from it ([`super::replan`]); made on the first
    /// call (about a second at 1M objects), which [`Record::prepare`] can make ahead.
    pub(super) fn log(&self) -> &WriteLog {
        self.log.0.get_or_init(|| WriteLog::of(self))
    }

    /// Makes what a re-plan from this record needs, so that the first what-if flip does not
    /// wait for it (the explorer does this in the background after its first frame).
    pub fn prepare(&self) {
        self.log();
    }

    fn resolve(&self, w: &Write) -> Resolved<'_> {
        let text = |a: u32, b: u32| &self.text[a as usize..b as usize];
        match *w {
            Write::Claim(ns, h, a, b) => Resolved::Claim(ns, h, text(a, b)),
            Write::Unique(at, h, a, b) => Resolved::Unique(at, h, text(a, b)),
            Write::Taken(c, by) => Resolved::Taken(c, by),
            Write::TakenOver(c) => Resolved::TakenOver(c),
            Write::Anchor(a, by, c) => Resolved::Anchor(a, by, c),
            Write::Deletion(c) => Resolved::Deletion(c),
        }
    }

    /// Records a setting read by the object being planned.
    pub(super) fn note_setting(&mut self, s: Setting) {
        if let Some(m) = self.settings_read.last_mut() {
            *m |= 1 << s as u32;
        }
    }

    pub(super) fn note_read(&mut self, key: Key<'_>) {
        let h = key.hash();
        let (ends, list) = match key {
            Key::Probe(..) | Key::Cloud(_) | Key::OnPrem(_) => (&self.look_ends, &mut self.looks),
            _ => (&self.read_ends, &mut self.reads),
        };
        // The same object read twice in a row (a candidate's fields one by one) is one read.
        let start = ends.last().copied().unwrap_or(0) as usize;
        if list.len() > start && list.last() == Some(&h) {
            return;
        }
        list.push(h);
    }

    pub(super) fn note_write(&mut self, w: Resolved<'_>) {
        let mut text = |t: &str| {
            let a = self.text.len() as u32;
            self.text.push_str(t);
            (a, self.text.len() as u32)
        };
        let w = match w {
            Resolved::Claim(ns, h, t) => {
                let (a, b) = text(t);
                Write::Claim(ns, h, a, b)
            }
            Resolved::Unique(at, h, t) => {
                let (a, b) = text(t);
                Write::Unique(at, h, a, b)
            }
            Resolved::Taken(c, by) => Write::Taken(c, by),
            Resolved::TakenOver(c) => Write::TakenOver(c),
            Resolved::Anchor(a, by, c) => Write::Anchor(a, by, c),
            Resolved::Deletion(c) => Write::Deletion(c),
        };
        self.writes.push(w);
    }

    /// Starts the entry of the next object.
    pub(super) fn begin(&mut self) {
        self.settings_read.push(0);
    }

    /// Ends the entry of the object begun last.
    pub(super) fn end(&mut self) {
        self.read_ends.push(self.reads.len() as u32);
        self.look_ends.push(self.looks.len() as u32);
        self.write_ends.push(self.writes.len() as u32);
    }

    /// Forgets every entry, keeping the space (a plan that records only to compare each
    /// object's writes as it goes, and keeps no record).
    pub(super) fn clear(&mut self) {
        self.settings_read.clear();
        self.read_ends.clear();
        self.reads.clear();
        self.look_ends.clear();
        self.looks.clear();
        self.write_ends.clear();
        self.writes.clear();
        self.text.clear();
    }

    /// Copies object `i`'s entry of `other` as the next entry of this record.
    pub(super) fn copy_from(&mut self, other: &Record, i: usize) {
        self.begin();
        *self.settings_read.last_mut().expect("begun") = other.settings_read(i);
        self.reads.extend_from_slice(other.reads(i));
        self.looks.extend_from_slice(other.looks(i));
        for w in other.writes(i) {
            self.note_write(w);
        }
        self.end();
    }
}

/// The bits of the settings that differ between two setting sets.
pub(super) fn flipped(a: &crate::settings::Settings, b: &crate::settings::Settings) -> u32 {
    a.differences(b)
        .into_iter()
        .fold(0, |m, s| m | 1 << s as u32)
}
