//! The plan: what the next sync cycle does to each on-prem object, in input order (Q2), following
//! the rule book §3–§4. Pure and deterministic: the same bundle always gives the same plan.

use crate::index::{CloudIdx, CloudIndex, Table, fold};
use crate::model::*;
use crate::outcome::*;
use crate::roles::RoleTable;
use crate::settings::{Setting, Settings};
use crate::trace::{Note, Refusal, Step, UniqueAttribute};
use record::{Key, Resolved};
use std::cell::RefCell;
use std::sync::Arc;

mod changes;
mod record;
mod state;
mod text_map;
pub use changes::Changes;
pub use record::Record;
use state::{CycleState, FREE, Layer};

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// One outcome per on-prem object, in `Bundle::on_premises` order. Shared: a what-if
    /// re-plan keeps the outcomes it did not plan again (`replan`) without copying them.
    pub outcomes: Vec<Arc<Outcome>>,
    /// Cloud objects this cycle soft-deletes (linked objects that left the scope, Q6).
    pub deletions: Vec<CloudIdx>,
    /// Q6: more pending deletions than `deletionThreshold`: the export stops, nothing is written.
    pub export_blocked: bool,
}

impl Plan {
    /// Counts per result, in the order of [`SyncResult::ALL`].
    pub fn counts(&self) -> [(SyncResult, usize); 9] {
        let mut n = [0usize; 9];
        for o in &self.outcomes {
            n[o.result as usize] += 1;
        }
        SyncResult::ALL.map(|r| (r, n[r as usize]))
    }

    /// For each cloud object, the outcomes that name it (linked, matched, conflicting,
    /// quarantined against): the reverse of `Outcome::cloud`, built in two passes.
    pub fn cloud_references(&self, cloud_len: usize) -> CloudReferences {
        // Row starts by counting, then the rows filled in outcome order (so each row is sorted):
        // one flat list instead of a vector per cloud object, which at 1M objects took a
        // million allocations on the UI thread after every re-plan.
        let mut starts = vec![0u32; cloud_len + 1];
        for o in &self.outcomes {
            named_clouds(o, cloud_len, |c| starts[c as usize + 1] += 1);
        }
        for c in 0..cloud_len {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut outcomes = vec![0u32; starts[cloud_len] as usize];
        for (i, o) in self.outcomes.iter().enumerate() {
            named_clouds(o, cloud_len, |c| {
                let at = &mut next[c as usize];
                outcomes[*at as usize] = i as u32;
                *at += 1;
            });
        }
        CloudReferences { starts, outcomes }
    }
}

/// Each cloud object an outcome names, once: the one it links or matches, then those its
/// quarantined values conflict with. Indexes outside the snapshot are left out.
fn named_clouds(o: &Outcome, cloud_len: usize, mut f: impl FnMut(CloudIdx)) {
    let fits = |c: CloudIdx| (c as usize) < cloud_len;
    if let Some(c) = o.cloud.filter(|&c| fits(c)) {
        f(c);
    }
    for (k, q) in o.quarantined.iter().enumerate() {
        if let Holder::Cloud(c) = q.conflicts_with
            && fits(c)
            && o.cloud != Some(c)
            && !o.quarantined[..k]
                .iter()
                .any(|p| p.conflicts_with == q.conflicts_with)
        {
            f(c);
        }
    }
}

/// The outcomes that name each cloud object ([`Plan::cloud_references`]), in outcome order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloudReferences {
    /// Cloud object `c`'s outcomes are `outcomes[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    outcomes: Vec<u32>,
}

impl CloudReferences {
    /// The outcomes that name cloud object `c` (none for an index outside the snapshot).
    pub fn of(&self, c: CloudIdx) -> &[u32] {
        match (self.starts.get(c as usize), self.starts.get(c as usize + 1)) {
            (Some(&a), Some(&b)) => &self.outcomes[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Plans the next sync cycle of a bundle with its own settings.
pub fn plan(bundle: &Bundle) -> Plan {
    let index = CloudIndex::build(bundle);
    plan_with(bundle, &index, &bundle.settings)
}

/// Plans with explicit settings (what-if) over a prebuilt index of the same bundle.
pub fn plan_with(bundle: &Bundle, index: &CloudIndex, settings: &Settings) -> Plan {
    plan_what_if(bundle, index, settings, &bundle.connect)
}

/// Plans with explicit settings and Connect settings (source anchor, scope, threshold); the
/// index covers the cloud side only, so it stays valid for any of them.
pub fn plan_what_if(
    bundle: &Bundle,
    index: &CloudIndex,
    settings: &Settings,
    connect: &ConnectSettings,
) -> Plan {
    let split = split_point(bundle.on_premises.len());
    plan_split(bundle, index, settings, connect, split, false).0
}

/// [`plan_what_if`], keeping what each object read and wrote (a [`Record`]) so that a what-if
/// flip can [`replan`] only the objects it can change.
pub fn plan_recorded(
    bundle: &Bundle,
    index: &CloudIndex,
    settings: &Settings,
    connect: &ConnectSettings,
) -> (Plan, Record) {
    let split = split_point(bundle.on_premises.len());
    let (plan, record) = plan_split(bundle, index, settings, connect, split, true);
    let mut record = record.expect("recording");
    record.trim();
    (plan, record)
}

/// Below this many on-prem objects a plan is made on one thread (a thread costs more than it
/// saves).
const PARALLEL_FROM: usize = 20_000;

/// Where a plan of `n` objects is split between two threads, if it is.
fn split_point(n: usize) -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    (n >= PARALLEL_FROM && cores >= 2).then_some(n / 2)
}

/// The plan, made on two threads when `split` is given: this thread plans the objects before
/// `split` in order (Q2); another plans the rest at the same time as if nobody came before them,
/// recording what each read and wrote. Then the later objects are taken in order over the
/// earlier ones' state: one that read a state key the earlier objects wrote (or a key an object
/// planned again wrote differently) is planned again, every other one keeps its outcome and its
/// writes are replayed — the same argument as [`replan`]'s, so the plan (and the record) is the
/// one-thread plan's, object for object. Objects rarely read what objects far before them wrote
/// (only duplicates do), so few are planned twice. Public for the tests, which split anywhere.
#[doc(hidden)]
pub fn plan_split(
    bundle: &Bundle,
    index: &CloudIndex,
    settings: &Settings,
    connect: &ConnectSettings,
    split: Option<usize>,
    keep_record: bool,
) -> (Plan, Option<Record>) {
    let n = bundle.on_premises.len();
    let planner = |objects: usize, record: bool| {
        let record = record.then(|| Record::with_capacity(objects));
        Planner::new(bundle, index, settings, connect, record)
    };
    let Some(split) = split.filter(|s| *s < n) else {
        let mut p = planner(n, keep_record);
        let outcomes: Vec<Arc<Outcome>> = (0..n as u32)
            .map(|i| Arc::new(p.plan_recording(i)))
            .collect();
        return p.finish(outcomes);
    };
    let (mut p, mut outcomes, mut changed, (later, later_record)) = std::thread::scope(|s| {
        let later = s.spawn(|| {
            let mut q = planner(n - split, true);
            let outcomes: Vec<Arc<Outcome>> = (split..n)
                .map(|i| Arc::new(q.plan_recording(i as u32)))
                .collect();
            (outcomes, q.rec.into_inner().expect("recording"))
        });
        // Without `keep_record` this thread's record holds one object at a time: enough to
        // collect the keys it writes and, below, to compare a planned-again object's writes.
        let mut p = planner(if keep_record { n } else { 1 }, true);
        let mut outcomes: Vec<Arc<Outcome>> = Vec::with_capacity(n);
        // Every key the earlier objects wrote: the later ones were planned without it.
        let mut changed = KeySet::default();
        for i in 0..split {
            outcomes.push(Arc::new(p.plan_recording(i as u32)));
            let rec = p.rec.get_mut().as_mut().expect("recording");
            changed.extend(
                rec.writes(rec.len() - 1)
                    .filter_map(|w| w.key().map(Key::hash)),
            );
            if !keep_record {
                rec.clear();
            }
        }
        // A panic on the other thread is a bug in the planner: pass it on as it is.
        let later = later
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (p, outcomes, changed, later)
    });
    for (entry, base) in later.iter().enumerate() {
        let i = split + entry;
        outcomes.push(p.follow(i, base, &later_record, entry, 0, &mut changed).0);
        if !keep_record {
            p.rec.get_mut().as_mut().expect("recording").clear();
        }
    }
    let (plan, record) = p.finish(outcomes);
    (plan, record.filter(|_| keep_record))
}

/// Hashes of state keys ([`Key::hash`]).
pub(crate) type KeySet = std::collections::HashSet<u64, foldhash::fast::FixedState>;

/// A plan made again after a what-if change of settings.
#[derive(Debug)]
pub struct Replanned {
    pub plan: Plan,
    /// How many objects were planned again (the others' outcomes were copied).
    pub planned_again: usize,
}

/// The plan under `to`, made from `base` (the plan under `from`, with its `record`, over the
/// same bundle, index and Connect settings) by planning again only the objects the change can
/// reach (see [`Record`]): object for object the plan [`plan_what_if`] gives. `None` when it
/// cannot be done that way (the record is of another bundle, or the base's export was blocked,
/// Q6): then plan in full.
///
/// An object is planned again when it read a setting that differs between `from` and `to`, or
/// a state key an object planned again before it wrote differently (Q2's claim order). It
/// reads the state of the cycle as the base plan's writes up to it (the record's
/// `WriteLog`) less those of the objects planned again, plus theirs: no object's
/// writes are replayed, so the cost is the objects planned again, whatever the tenant's size.
/// Every re-plan starts from a recorded plan, never from another re-plan: a chain of flips
/// re-plans from the first plan with all the flips at once.
pub fn replan(
    bundle: &Bundle,
    index: &CloudIndex,
    connect: &ConnectSettings,
    (base, record, from): (&Plan, &Record, &Settings),
    to: &Settings,
) -> Option<Replanned> {
    let split = split_point(bundle.on_premises.len());
    replan_split(
        bundle,
        index,
        connect,
        (base, record, from),
        to,
        None,
        split,
    )
}

/// [`replan`] after a change of the snapshot's objects as well: `bundle` and `index` are the
/// state after (with `to` its settings), `base` and `record` the recorded plan of the state
/// before, and `changes` what changed between them ([`Changes::between`]). The changed on-prem
/// objects are planned again, and so is every object that read a changed cloud object,
/// another changed on-prem object or an index key a changed cloud object held or holds now;
/// then the Q2 cascade as for a flip. Object for object the full plan of the state after.
pub fn replan_changed(
    bundle: &Bundle,
    index: &CloudIndex,
    (base, record, from): (&Plan, &Record, &Settings),
    changes: &Changes,
) -> Option<Replanned> {
    let split = split_point(bundle.on_premises.len());
    let to = &bundle.settings;
    let connect = &bundle.connect;
    replan_split(
        bundle,
        index,
        connect,
        (base, record, from),
        to,
        Some(changes),
        split,
    )
}

/// [`replan`], on two threads when `split` is given (as [`plan_split`] does the full plan):
/// this thread re-plans the objects before `split`; another re-plans the later ones at the same
/// time as if no object before `split` changed. Then each later object is taken in order: its
/// outcome from the other thread is kept when it read no state key this thread's objects (or
/// an object planned in this pass) wrote differently from what that thread saw, and it is
/// planned again otherwise. Public for the tests, which split anywhere.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn replan_split(
    bundle: &Bundle,
    index: &CloudIndex,
    connect: &ConnectSettings,
    (base, record, from): (&Plan, &Record, &Settings),
    to: &Settings,
    changes: Option<&Changes>,
    split: Option<usize>,
) -> Option<Replanned> {
    let n = bundle.on_premises.len();
    if base.export_blocked || record.len() != n || base.outcomes.len() != n {
        return None;
    }
    let flipped = record::flipped(from, to);
    // Made before the threads start, so that neither waits for the other to make it.
    record.prepare();
    let replanner = |keep: bool| {
        // Without `keep`, one object's entry at a time: to compare its writes with the base's.
        let rec = Record::with_capacity(if keep { n / 8 } else { 1 });
        let mut p = Planner::new(bundle, index, to, connect, Some(rec));
        p.layer = Some(Layer::new(record));
        Replanner {
            p,
            record,
            flipped,
            changes,
            changed: KeySet::default(),
            planned_again: 0,
            keep,
            entries: Vec::new(),
        }
    };
    let Some(split) = split.filter(|s| *s < n) else {
        let mut r = replanner(false);
        let outcomes: Vec<Arc<Outcome>> = (0..n).map(|i| r.next(i, &base.outcomes[i])).collect();
        let planned_again = r.planned_again;
        let (plan, _) = r.p.finish(outcomes);
        return Some(Replanned {
            plan,
            planned_again,
        });
    };
    let (mut r, mut outcomes, later) = std::thread::scope(|s| {
        let later = s.spawn(|| {
            let mut q = replanner(true);
            let outcomes: Vec<Arc<Outcome>> =
                (split..n).map(|i| q.next(i, &base.outcomes[i])).collect();
            let entries = std::mem::take(&mut q.entries);
            let rec = q.p.rec.into_inner().expect("recording");
            (outcomes, entries, rec)
        });
        let mut r = replanner(false);
        let mut outcomes: Vec<Arc<Outcome>> = Vec::with_capacity(n);
        outcomes.extend((0..split).map(|i| r.next(i, &base.outcomes[i])));
        // A panic on the other thread is a bug in the planner: pass it on as it is.
        let later = later
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (r, outcomes, later)
    });
    let (ahead, entries, ahead_record) = later;
    let mut entries = entries.into_iter().peekable();
    for (k, guess) in ahead.into_iter().enumerate() {
        let i = split + k;
        // The other thread's entry for this object, if it planned it again.
        let entry = entries
            .next_if(|&(object, _)| object == i as u32)
            .map(|(_, e)| e);
        outcomes.push(r.follow_ahead(i, guess, entry.map(|e| (&ahead_record, e as usize))));
    }
    let planned_again = r.planned_again;
    let (plan, _) = r.p.finish(outcomes);
    Some(Replanned {
        plan,
        planned_again,
    })
}

/// An incremental re-plan in progress (see [`replan_split`]).
struct Replanner<'a> {
    p: Planner<'a>,
    /// The recorded plan's record.
    record: &'a Record,
    /// The settings that differ from the recorded plan's, one bit each.
    flipped: u32,
    /// What changed in the snapshot since the recorded plan, if anything.
    changes: Option<&'a Changes>,
    /// Hashes of the state keys objects planned again wrote differently from the base (Q2:
    /// only objects after them can read them).
    changed: KeySet,
    planned_again: usize,
    /// Keep each object planned again's entry in `p.rec` (the thread planning ahead), with
    /// (object, entry) in `entries`.
    keep: bool,
    entries: Vec<(u32, u32)>,
}

impl Replanner<'_> {
    /// Object `i`: planned again when it read a flipped setting or a changed key, else the
    /// base's outcome is kept (its writes count through the layer).
    fn next(&mut self, i: usize, base: &Arc<Outcome>) -> Arc<Outcome> {
        let record = self.record;
        let dirty = record.settings_read(i) & self.flipped != 0
            || (!self.changed.is_empty()
                && record.reads(i).iter().any(|h| self.changed.contains(h)))
            || self.changes.is_some_and(|c| {
                c.on_prem(i) || record.looks(i).iter().any(|h| c.keys.contains(h))
            });
        if !dirty {
            return Arc::clone(base);
        }
        self.planned_again += 1;
        let out = self.plan_again(i);
        self.note_changes(record, i);
        Arc::new(out)
    }

    /// Plans object `i` again over the state as of it (its base writes no longer count).
    fn plan_again(&mut self, i: usize) -> Outcome {
        if let Some(layer) = &mut self.p.layer {
            layer.plan_again(i as u32);
        }
        self.p.plan_recording(i as u32)
    }

    /// The object just planned again: when its writes differ from entry `e` of `before` (what
    /// later objects were planned with), their keys change. Then its entry is kept or dropped.
    fn note_changes(&mut self, before: &Record, e: usize) {
        let rec = self.p.rec.get_mut().as_mut().expect("recording");
        let now = rec.len() - 1;
        if !before.writes(e).eq(rec.writes(now)) {
            self.changed.extend(
                before
                    .writes(e)
                    .chain(rec.writes(now))
                    .filter_map(|w| w.key().map(Key::hash)),
            );
        }
        if self.keep {
            self.entries.push((self.p.at, now as u32));
        } else {
            rec.clear();
        }
    }

    /// A later object of a split re-plan, after every earlier one: `guess` is its outcome from
    /// the thread that planned ahead, which planned it again when `ahead` is given (that
    /// thread's record and entry) and kept the base's otherwise. It stands when it read no key
    /// changed here; else the object is planned again, and the keys its writes change from the
    /// guess's are changed for the objects after it.
    fn follow_ahead(
        &mut self,
        i: usize,
        guess: Arc<Outcome>,
        ahead: Option<(&Record, usize)>,
    ) -> Arc<Outcome> {
        let (read_from, e) = ahead.unwrap_or((self.record, i));
        let stands =
            self.changed.is_empty() || !read_from.reads(e).iter().any(|h| self.changed.contains(h));
        // Planned again here or ahead (the other thread's count is not kept).
        self.planned_again += usize::from(ahead.is_some() || !stands);
        if stands {
            if let Some((rec, e)) = ahead {
                // Its writes replace the base's, as planned ahead.
                if let Some(layer) = &mut self.p.layer {
                    layer.plan_again(i as u32);
                }
                self.p.at = i as u32;
                for w in rec.writes(e) {
                    self.p.apply_state(&w);
                }
            }
            return guess;
        }
        let out = self.plan_again(i);
        self.note_changes(read_from, e);
        Arc::new(out)
    }
}

/// How an object's values reach the cloud.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Linked object: only changed values are written (M1).
    Update(CloudIdx),
    /// Matched or restored object taken over (M7).
    Takeover(CloudIdx),
    /// A new object; a refused soft-match candidate changes the error code (M6).
    Provision(Option<(CloudIdx, Refusal)>),
}

impl Mode {
    fn target(self) -> Option<CloudIdx> {
        match self {
            Mode::Update(c) | Mode::Takeover(c) => Some(c),
            Mode::Provision(_) => None,
        }
    }
}

/// A value someone already holds.
enum Conflict {
    Active(Holder),
    /// Q5: a soft-deleted synced object holds it.
    RecycleBin(CloudIdx),
}

struct Planner<'a> {
    b: &'a Bundle,
    connect: &'a ConnectSettings,
    ix: &'a CloudIndex,
    s: &'a Settings,
    /// The cycle's state (Q2): what the objects planned so far claimed, took and joined.
    state: CycleState,
    /// In an incremental re-plan: the base plan's writes, as of the object being planned.
    layer: Option<Layer<'a>>,
    /// The object being planned (the writer of what it writes).
    at: u32,
    /// M3: which roles are privileged.
    roles: RoleTable,
    /// When recording: the settings and state keys each object reads and what it writes.
    rec: RefCell<Option<Record>>,
    /// The trace being written, reused from object to object: each outcome then gets its steps
    /// in one block of their exact length, with no growth and no slack (issue 15: the slack
    /// was a sixth of the steps' memory; trimming it after the fact cost 10% in `realloc`).
    steps: Vec<Step>,
}

impl<'a> Planner<'a> {
    fn new(
        b: &'a Bundle,
        ix: &'a CloudIndex,
        s: &'a Settings,
        connect: &'a ConnectSettings,
        rec: Option<Record>,
    ) -> Self {
        Planner {
            b,
            connect,
            ix,
            s,
            roles: RoleTable::for_bundle(b),
            state: CycleState::new(b.cloud.len()),
            layer: None,
            at: 0,
            rec: RefCell::new(rec),
            steps: Vec::with_capacity(32),
        }
    }

    /// Plans one object, in input order (Q2), and records which anchor it joins (A5).
    fn plan_one(&mut self, i: u32) -> Outcome {
        self.at = i;
        let mut out = self.plan_object(i);
        let mut steps = std::mem::take(&mut out.steps);
        out.steps = Vec::with_capacity(steps.len());
        out.steps.append(&mut steps);
        self.steps = steps;
        // A5: remember which object joins (or creates) the cloud object of this anchor.
        if matches!(out.result, SyncResult::Linked | SyncResult::Provision)
            || out.result.is_takeover()
        {
            let anchor = self.b.on_premises[i as usize].source_anchor(self.connect.source_anchor);
            self.apply(Resolved::Anchor(anchor, i, out.cloud));
        }
        out
    }

    /// [`Self::plan_one`] as one entry of the record.
    fn plan_recording(&mut self, i: u32) -> Outcome {
        if let Some(r) = self.rec.get_mut() {
            r.begin();
        }
        let out = self.plan_one(i);
        if let Some(r) = self.rec.get_mut() {
            r.end();
        }
        out
    }

    /// Q6: more pending deletions than the threshold block the export; the plan and the record.
    fn finish(self, mut outcomes: Vec<Arc<Outcome>>) -> (Plan, Option<Record>) {
        let threshold = self.connect.deletion_threshold;
        let deletions: Vec<CloudIdx> = match &self.layer {
            Some(layer) => layer.deletions(self.state.into_deletions()),
            None => self.state.into_deletions(),
        }
        .into_iter()
        .map(|(_, c)| c)
        .collect();
        let export_blocked = deletions.len() > threshold as usize;
        if export_blocked {
            let pending = deletions.len();
            for o in &mut outcomes {
                let o = Arc::make_mut(o);
                o.flag(Flag::DeletionThresholdExceeded);
                o.steps.push(Step {
                    rule: "Q6",
                    note: Note::DeletionThreshold { pending, threshold },
                });
            }
        }
        let plan = Plan {
            outcomes,
            deletions,
            export_blocked,
        };
        (plan, self.rec.into_inner())
    }

    /// A setting the decision reads (recorded: a flip of it re-plans this object).
    fn setting(&self, s: Setting) -> bool {
        if let Some(r) = self.rec.borrow_mut().as_mut() {
            r.note_setting(s);
        }
        self.s.get(s)
    }

    /// Notes a read of the cycle's state (recorded: a change of it re-plans this object).
    fn read(&self, key: Key<'_>) {
        if let Some(r) = self.rec.borrow_mut().as_mut() {
            r.note_read(key);
        }
    }

    /// Changes the cycle's state (Q2), and records the change.
    fn apply(&mut self, w: Resolved<'_>) {
        self.apply_state(&w);
        if let Some(r) = self.rec.get_mut() {
            r.note_write(w);
        }
    }

    fn apply_state(&mut self, w: &Resolved<'_>) {
        self.state.apply(w, self.at);
    }

    /// Q2: who claimed `key` last in this cycle.
    fn claimed(&self, ns: PropertyName, key: &str) -> Option<Holder> {
        let own = self.state.claim(ns, key);
        match &self.layer {
            None => own,
            Some(l) => state::later(own, l.claim(ns, key, self.at)),
        }
        .map(|(h, _)| h)
    }

    /// P4 (c), (d): who claimed an objectSid or non-SMTP proxy last in this cycle.
    fn unique_claimed(&self, a: UniqueAttribute, key: &str) -> Option<Holder> {
        let own = self.state.unique(a, key);
        match &self.layer {
            None => own,
            Some(l) => state::later(own, l.unique(a, key, self.at)),
        }
        .map(|(h, _)| h)
    }

    /// Who took cloud object `c` last in this cycle, or FREE (the taker is the writer, so
    /// the later is the greater).
    fn taker(&self, c: CloudIdx) -> u32 {
        let own = self.state.taken(c);
        match &self.layer {
            None => own,
            Some(l) => match (own, l.taken(c, self.at)) {
                (FREE, base) => base,
                (own, FREE) => own,
                (own, base) => own.max(base),
            },
        }
    }

    fn taken_over(&self, c: CloudIdx) -> bool {
        self.state.taken_over(c)
            || self
                .layer
                .as_ref()
                .is_some_and(|l| l.taken_over(c, self.at))
    }

    /// A5: the first object of this cycle joining anchor `a` (the joiner is the writer, so
    /// the first is the smaller).
    fn joined(&self, a: &crate::anchor::Anchor) -> Option<(u32, Option<CloudIdx>)> {
        let own = self.state.anchor(a);
        match &self.layer {
            None => own,
            Some(l) => match (own, l.anchor(a, self.at)) {
                (Some(x), Some(y)) => Some(if x.0 < y.0 { x } else { y }),
                (x, y) => x.or(y),
            },
        }
    }

    /// Object `i` of `record` reads nothing that changed: its writes happen again as recorded.
    fn replay(&mut self, record: &Record, i: usize) {
        for w in record.writes(i) {
            self.apply_state(&w);
        }
        if let Some(r) = self.rec.get_mut() {
            r.copy_from(record, i);
        }
    }

    /// Object `i` in a plan made from another (`base`, its outcome there, and entry `entry` of
    /// that plan's `record`): planned again when it read a setting of `flipped` or a state key
    /// in `changed`, else `base` is kept and its writes replayed. The keys it now writes
    /// differently join `changed`. Also says whether it was planned again.
    fn follow(
        &mut self,
        i: usize,
        base: &Arc<Outcome>,
        record: &Record,
        entry: usize,
        flipped: u32,
        changed: &mut KeySet,
    ) -> (Arc<Outcome>, bool) {
        let dirty = record.settings_read(entry) & flipped != 0
            || (!changed.is_empty() && record.reads(entry).iter().any(|h| changed.contains(h)));
        if !dirty {
            self.at = i as u32;
            self.replay(record, entry);
            return (Arc::clone(base), false);
        }
        let out = self.plan_recording(i as u32);
        let rec = self.rec.get_mut().as_ref().expect("recording");
        let now = rec.len() - 1;
        if !record.writes(entry).eq(rec.writes(now)) {
            changed.extend(
                record
                    .writes(entry)
                    .chain(rec.writes(now))
                    .filter_map(|w| w.key().map(Key::hash)),
            );
        }
        (Arc::new(out), true)
    }

    /// Cloud object `i` of the snapshot (recorded: a change of it re-plans this object).
    fn cloud(&self, i: CloudIdx) -> &'a CloudObject {
        self.read(Key::Cloud(i));
        &self.b.cloud[i as usize]
    }

    /// Another on-prem object than the one being planned (recorded as [`Self::cloud`]).
    fn on_prem(&self, j: u32) -> &'a OnPremObject {
        self.read(Key::OnPrem(j));
        &self.b.on_premises[j as usize]
    }

    /// The holders of a key in a table of the index (recorded: a change of the objects holding
    /// it re-plans this object).
    fn probe(&self, t: Table, key: &str) -> &'a [CloudIdx] {
        self.read(Key::Probe(t, key));
        self.ix.get(t, key)
    }

    /// The object links to or takes over `mode`'s cloud object: the result, the step that says
    /// so, and the values it writes.
    fn settle(
        &mut self,
        out: &mut Outcome,
        o: &OnPremObject,
        result: SyncResult,
        step: Step,
        mode: Mode,
    ) {
        out.result = result;
        out.cloud = mode.target();
        out.steps.push(step);
        self.write_values(out, o, mode);
    }

    fn taken_by(&self, c: CloudIdx) -> Option<u32> {
        self.read(Key::Taken(c));
        Some(self.taker(c)).filter(|by| *by != FREE)
    }

    fn plan_object(&mut self, i: u32) -> Outcome {
        let o = &self.b.on_premises[i as usize];
        let attribute = self.connect.source_anchor;
        let anchor = o.source_anchor(attribute).immutable_id_text();
        let mut out = Outcome::new(i, anchor);
        out.steps = std::mem::take(&mut self.steps);
        out.steps.push(Step {
            rule: "A2",
            note: Note::Anchor {
                attribute,
                consistency_guid_used: attribute == SourceAnchorAttribute::ConsistencyGuid
                    && o.object_class == ObjectKind::User
                    && o.consistency_guid.is_some(),
            },
        });
        let linked = self.find_linked(o, &out.source_anchor);
        // M10: a cloud twin whose source of authority is the cloud is not written by the sync.
        let cloud_managed = self.cloud_managed_twin(o, &out.source_anchor);

        // Q6, Q7: sync scope and the out-of-box filters first; a linked object leaving the
        // scope is soft-deleted in the cloud, unless its twin is cloud-managed (M10).
        let in_scope = self.connect.in_scope(&o.distinguished_name);
        let filtered = if in_scope {
            crate::filters::out_of_box_filter(o)
        } else {
            None
        };
        if !in_scope || filtered.is_some() {
            out.result = SyncResult::OutOfScope;
            let rule = if in_scope { "Q7" } else { "Q6" };
            let note = match (linked, cloud_managed, filtered) {
                (_, Some(c), _) => {
                    out.cloud = Some(c);
                    out.steps.push(Step {
                        rule,
                        note: filtered.map_or(Note::OutOfScope, Note::OutOfBoxFilter),
                    });
                    out.steps.push(Step {
                        rule: "M10",
                        note: Note::CloudManagedNoDelete(c),
                    });
                    return out;
                }
                (Some(c), None, _) => {
                    out.cloud = Some(c);
                    out.flag(Flag::SoftDeleteOnSync);
                    self.apply(Resolved::Deletion(c));
                    if let Some(why) = filtered {
                        out.steps.push(Step {
                            rule,
                            note: Note::OutOfBoxFilter(why),
                        });
                    }
                    Note::OutOfScopeLinked(c)
                }
                (None, None, Some(why)) => Note::OutOfBoxFilter(why),
                (None, None, None) => Note::OutOfScope,
            };
            out.steps.push(Step { rule, note });
            return out;
        }
        if let Some(c) = cloud_managed {
            out.result = SyncResult::CloudManaged;
            out.cloud = Some(c);
            out.steps.push(Step {
                rule: "M10",
                note: Note::CloudManaged(c),
            });
            let cand = self.cloud(c);
            let federated = cand
                .user_principal_name
                .as_deref()
                .and_then(domain_of)
                .is_some_and(|d| self.b.tenant.is_federated(d));
            let password = self.setting(Setting::PasswordSync);
            if cand.object_type == ObjectKind::User && (federated || password) {
                out.flag(Flag::CloudManagedUnsupported);
                out.steps.push(Step {
                    rule: "M10",
                    note: Note::CloudManagedUnsupported {
                        federated,
                        password,
                    },
                });
            }
            return out;
        }
        if self.connect.included_ous.is_some() {
            out.steps.push(Step {
                rule: "Q6",
                note: Note::InScope,
            });
        }

        // A5: an earlier object of this cycle already joins this anchor.
        let own_anchor = o.source_anchor(attribute);
        self.read(Key::Anchor(&own_anchor));
        if let Some((first, cloud)) = self.joined(&own_anchor) {
            out.result = SyncResult::Error;
            out.error = Some(ErrorCode::DuplicateSourceAnchor);
            out.cloud = cloud;
            out.conflicting_on_prem = Some(first);
            out.steps.push(Step {
                rule: "A5",
                note: Note::DuplicateAnchor { first, cloud },
            });
            return out;
        }

        // M1: linked objects are updates, never matched again.
        if let Some(c) = linked {
            if self.claim_target(&mut out, c) {
                let step = Step {
                    rule: "M1",
                    note: Note::Linked(c),
                };
                self.settle(&mut out, o, SyncResult::Linked, step, Mode::Update(c));
            }
            return out;
        }

        // A6: the cloud object this object was exported to carries another ImmutableID.
        if let Some(c) = self.exported_to_with_other_anchor(o, &out.source_anchor) {
            out.result = SyncResult::Error;
            out.error = Some(ErrorCode::SourceAnchorChanged);
            out.cloud = Some(c);
            out.steps.push(Step {
                rule: "A6",
                note: Note::SourceAnchorChanged(c),
            });
            return out;
        }

        // M2: hard match, then soft match on SMTP, then on UPN, then provision.
        match self.hard_match(&mut out, o) {
            HardMatch::Decided => return out,
            HardMatch::Take(c, restore) => {
                let result = if restore {
                    SyncResult::Restore
                } else {
                    SyncResult::HardMatch
                };
                let step = Step {
                    rule: "M7",
                    note: Note::Takeover(c),
                };
                self.settle(&mut out, o, result, step, Mode::Takeover(c));
                return out;
            }
            HardMatch::None => {}
        }

        let mut refused = None;
        if let Some((c, via)) = self.soft_match_candidate(&mut out, o) {
            let cand = self.cloud(c);
            if cand.object_type != o.object_class {
                out.result = SyncResult::Error;
                out.error = Some(ErrorCode::ObjectTypeMismatch);
                out.cloud = Some(c);
                out.steps.push(Step {
                    rule: "M6",
                    note: Note::TypeMismatch(c),
                });
                return out;
            }
            let eligible_block = self.setting(Setting::EligibleRolesBlockSoftMatch);
            let role_blocks = !cand.directory_roles.is_empty()
                || (eligible_block && !cand.eligible_directory_roles.is_empty());
            if cand
                .on_premises_immutable_id
                .as_deref()
                .is_some_and(|id| id != out.source_anchor)
            {
                // M6 (r2): 2026 policy for an SMTP candidate: the provisioning attempt fails,
                // nothing is created; the older reading (switch, and UPN candidates) quarantines.
                // The 2026 page speaks of users; groups keep the documented Q4 sequence.
                let older = self.setting(Setting::SoftMatchConflictQuarantines)
                    || via == SyncResult::SoftMatchUpn
                    || o.object_class != ObjectKind::User;
                if !older {
                    let sid = o.object_sid.as_deref().is_some_and(|s| {
                        cand.on_premises_security_identifier
                            .as_deref()
                            .is_some_and(|cs| cs.trim().eq_ignore_ascii_case(s.trim()))
                    });
                    let attribute = if sid {
                        UniqueAttribute::OnPremiseSecurityIdentifier
                    } else {
                        UniqueAttribute::ProxyAddresses
                    };
                    out.result = SyncResult::Error;
                    out.error = Some(ErrorCode::AttributeValueMustBeUnique);
                    out.attribute_conflict_name = Some(attribute.as_str());
                    out.cloud = Some(c);
                    out.steps.push(Step {
                        rule: "M6",
                        note: Note::SoftMatchAnchorConflict {
                            cloud: c,
                            attribute,
                        },
                    });
                    return out;
                }
                refused = Some((c, Refusal::SyncedFromOther));
            } else if cand.object_type == ObjectKind::User && role_blocks {
                out.flag(Flag::ExistingAdminRoleConflict);
                refused = Some((c, Refusal::AdminRole));
            } else if cand.object_type == ObjectKind::User && cand.has_directory_role() {
                out.steps.push(Step {
                    rule: "M6",
                    note: Note::EligibleRolesIgnored(c),
                });
            }
            match refused {
                Some((c, why)) => out.steps.push(Step {
                    rule: "M6",
                    note: Note::Refused(c, why),
                }),
                None => {
                    self.apply(Resolved::Taken(c, i));
                    self.apply(Resolved::TakenOver(c));
                    let step = Step {
                        rule: "M7",
                        note: Note::Takeover(c),
                    };
                    self.settle(&mut out, o, via, step, Mode::Takeover(c));
                    return out;
                }
            }
        }

        out.result = SyncResult::Provision;
        out.steps.push(Step {
            rule: "M2",
            note: Note::ProvisionNew,
        });
        self.write_values(&mut out, o, Mode::Provision(refused));
        out
    }

    /// A5: a cloud object is joined by one on-prem object per cycle; a second one is an error.
    fn claim_target(&mut self, out: &mut Outcome, c: CloudIdx) -> bool {
        if let Some(first) = self.taken_by(c) {
            out.result = SyncResult::Error;
            out.error = Some(ErrorCode::DuplicateSourceAnchor);
            out.cloud = Some(c);
            out.conflicting_on_prem = Some(first);
            out.steps.push(Step {
                rule: "A5",
                note: Note::DuplicateAnchor {
                    first,
                    cloud: Some(c),
                },
            });
            return false;
        }
        self.apply(Resolved::Taken(c, out.on_prem));
        true
    }

    /// M1: an active synced cloud object carrying the anchor (groups: or the objectSid). A
    /// cloud object whose onPremisesObjectIdentifier names another on-prem object was exported
    /// from that one: to Connect this object is new, and the service hard matches it (M3, W5).
    fn find_linked(&self, o: &OnPremObject, anchor: &str) -> Option<CloudIdx> {
        let active_synced = |c: &&CloudIdx| {
            let c = self.cloud(**c);
            c.is_synced()
                && !c.is_deleted()
                && c.on_premises_object_identifier
                    .as_deref()
                    .is_none_or(|id| names_object(id, o))
        };
        if let Some(&c) = self
            .probe(Table::ImmutableId, anchor)
            .iter()
            .find(active_synced)
        {
            return Some(c);
        }
        if o.object_class == ObjectKind::Group
            && let Some(sid) = &o.object_sid
        {
            return self
                .probe(Table::Sid, &fold(sid))
                .iter()
                .filter(|c| self.cloud(**c).object_type == ObjectKind::Group)
                .find(active_synced)
                .copied();
        }
        None
    }

    /// M10: an active cloud user or group carrying this anchor whose source of authority was
    /// switched to the cloud (`onPremisesSyncBehavior.isCloudManaged`).
    fn cloud_managed_twin(&self, o: &OnPremObject, anchor: &str) -> Option<CloudIdx> {
        if o.object_class == ObjectKind::Contact {
            return None;
        }
        self.probe(Table::ImmutableId, anchor)
            .iter()
            .copied()
            .find(|&c| {
                let c = self.cloud(c);
                !c.is_deleted() && c.object_type == o.object_class && c.is_cloud_managed()
            })
    }

    /// A6: the active synced cloud object this object was exported to (its
    /// onPremisesObjectIdentifier names this objectGUID) when it carries another ImmutableID.
    fn exported_to_with_other_anchor(&self, o: &OnPremObject, anchor: &str) -> Option<CloudIdx> {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        self.probe(
            Table::ObjectIdentifier,
            o.object_guid.hyphenated().encode_lower(&mut buf),
        )
        .iter()
        .copied()
        .find(|&c| {
            let c = self.cloud(c);
            c.is_synced()
                && !c.is_deleted()
                && c.object_type == o.object_class
                && c.on_premises_immutable_id
                    .as_deref()
                    .is_some_and(|id| id != anchor)
        })
    }

    /// P4 (c), (d): who else holds an objectSid or a non-SMTP proxy (never quarantined).
    fn unique_conflict(
        &self,
        attribute: UniqueAttribute,
        key: &str,
        me: Holder,
        mode: Mode,
    ) -> Option<Holder> {
        self.read(Key::Unique(attribute, key));
        if let Some(h) = self.unique_claimed(attribute, key) {
            return (h != me).then_some(h);
        }
        let target = mode.target();
        let holders = match attribute {
            UniqueAttribute::OnPremiseSecurityIdentifier => self.probe(Table::Sid, key),
            UniqueAttribute::ProxyAddresses => self.probe(Table::OtherProxy, key),
        };
        holders
            .iter()
            .copied()
            .find(|&c| {
                let h = self.cloud(c);
                Some(c) != target
                    && !h.is_deleted()
                    && (attribute != UniqueAttribute::OnPremiseSecurityIdentifier
                        || h.object_type != ObjectKind::Contact)
            })
            .map(Holder::Cloud)
    }

    /// M8, M9 (r2): whether a linked user's cloud UPN stays although it differs from the UPN
    /// the rules compute: the UPN is recalculated only when the on-prem UPN changes or its suffix
    /// becomes verified; a difference that predates synchronizeUpnForManagedUsers stays.
    fn upn_kept(&self, o: &OnPremObject, c: &CloudObject, cur: &str) -> Option<UpnKept> {
        let upn = o.user_principal_name.as_deref().unwrap_or("");
        let verified = domain_of(upn).is_some_and(|d| self.b.tenant.is_verified_suffix(d));
        let last = c.last_export();
        let unchanged = |l: &LastExport| {
            l.user_principal_name
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(upn))
                && l.upn_suffix_verified == verified
        };
        let on_initial =
            domain_of(cur).is_some_and(|d| d.eq_ignore_ascii_case(&self.b.tenant.initial_domain));
        if !verified {
            return match &last {
                Some(l) if unchanged(l) => Some(UpnKept::NotRecalculated),
                Some(_) => None,
                None if on_initial => Some(UpnKept::NotRecalculatedNoHistory),
                None => None,
            };
        }
        // Verified suffix: only a difference the M8 block could have caused is kept.
        let could_block =
            !self.b.tenant.is_federated(domain_of(cur).unwrap_or("")) && c.is_licensed();
        if !could_block {
            return None;
        }
        match &last {
            Some(l) if unchanged(l) => Some(UpnKept::PredatesFeature),
            Some(_) => None,
            None if on_initial => None,
            None => Some(UpnKept::NoHistory),
        }
    }

    /// M3: hard match on the ImmutableID, with the takeover block and the 2026 hardening.
    fn hard_match(&mut self, out: &mut Outcome, o: &OnPremObject) -> HardMatch {
        let candidates = self.probe(Table::ImmutableId, &out.source_anchor);
        // Prefer an active object over one in the recycle bin.
        let Some(&c) = candidates
            .iter()
            .find(|c| !self.cloud(**c).is_deleted())
            .or_else(|| candidates.first())
        else {
            out.steps.push(Step {
                rule: "M3",
                note: Note::HardMatchNone,
            });
            return HardMatch::None;
        };
        let kind_matches = match o.object_class {
            ObjectKind::User => true,
            ObjectKind::Group => self.setting(Setting::GroupHardMatch),
            ObjectKind::Contact => false,
        };
        if !kind_matches {
            out.steps.push(Step {
                rule: "M3",
                note: Note::HardMatchKindOff(c),
            });
            return HardMatch::None;
        }
        let cand = self.cloud(c);
        let error = |out: &mut Outcome, code, note| {
            out.result = SyncResult::Error;
            out.error = Some(code);
            out.cloud = Some(c);
            out.steps.push(Step { rule: "M3", note });
            HardMatch::Decided
        };
        if cand.object_type != o.object_class {
            return error(
                out,
                ErrorCode::ObjectTypeMismatch,
                Note::HardMatchTypeMismatch(c),
            );
        }
        out.steps.push(Step {
            rule: "M3",
            note: Note::HardMatchFound(c),
        });
        if !cand.is_synced() && self.setting(Setting::BlockCloudObjectTakeoverThroughHardMatch) {
            return error(out, ErrorCode::InvalidHardMatch, Note::TakeoverBlocked(c));
        }
        if self.setting(Setting::HardMatchHardening) {
            // M3 (r2): only privileged roles (assigned or eligible) block; `hardeningAllRoles`
            // treats every role as privileged. Applies to soft-deleted targets too.
            let all = self.setting(Setting::HardeningAllRoles);
            if !self.roles.blocking_roles(cand, all).is_empty() {
                return error(out, ErrorCode::InvalidHardMatch, Note::HardeningRole(c));
            }
            if cand.has_directory_role() {
                out.steps.push(Step {
                    rule: "M3",
                    note: Note::HardeningRolesNotPrivileged(c),
                });
            }
            let remapped = cand
                .on_premises_object_identifier
                .as_deref()
                .is_some_and(|id| !id.trim().eq_ignore_ascii_case(&o.object_guid.to_string()));
            if remapped && !self.setting(Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier) {
                return error(
                    out,
                    ErrorCode::AttributeUpdateNotAllowed,
                    Note::HardeningObjectIdentifier(c),
                );
            }
        }
        if !self.claim_target(out, c) {
            return HardMatch::Decided;
        }
        self.apply(Resolved::TakenOver(c));
        if cand.is_deleted() {
            out.steps.push(Step {
                rule: "M3",
                note: Note::Restore(c),
            });
            return HardMatch::Take(c, true);
        }
        HardMatch::Take(c, false)
    }

    /// M4, M5: the soft-match candidate and how it was found, or `None` with the reason traced.
    fn soft_match_candidate(
        &self,
        out: &mut Outcome,
        o: &OnPremObject,
    ) -> Option<(CloudIdx, SyncResult)> {
        if self.setting(Setting::BlockSoftMatch) {
            out.steps.push(Step {
                rule: "M4",
                note: Note::SoftMatchBlocked,
            });
            return None;
        }
        if o.object_class != ObjectKind::User && !o.is_mail_enabled() {
            out.steps.push(Step {
                rule: "M4",
                note: Note::SoftMatchNotEligible(
                    "groups and contacts soft match only when mail-enabled",
                ),
            });
            return None;
        }
        // M5 step 1: primary SMTP (P2-discarded addresses take no part).
        let primary = o.primary_smtp().filter(|a| discarded_address(a).is_none());
        match primary {
            None => out.steps.push(Step {
                rule: "M5",
                note: Note::NoPrimarySmtp,
            }),
            Some(addr) => {
                let key = fold(addr);
                let any_proxy = self.setting(Setting::SmtpMatchAnyProxy);
                let found = if any_proxy {
                    self.probe(Table::AnySmtp, &key)
                } else {
                    self.probe(Table::PrimarySmtp, &key)
                };
                if let Some(c) = self.first_eligible(out, found) {
                    out.steps.push(Step {
                        rule: "M5",
                        note: Note::SmtpCandidate {
                            cloud: c,
                            any_proxy,
                            others: found.len().saturating_sub(1),
                        },
                    });
                    return Some((c, SyncResult::SoftMatchSmtp));
                }
                out.steps.push(Step {
                    rule: "M5",
                    note: Note::SmtpNone(addr.into()),
                });
            }
        }
        // M5 step 2: UPN, users only, only when enabled and SMTP found nobody.
        if o.object_class != ObjectKind::User {
            return None;
        }
        if !self.setting(Setting::SoftMatchOnUpn) {
            out.steps.push(Step {
                rule: "M5",
                note: Note::UpnFeatureOff,
            });
            return None;
        }
        let upn = o.user_principal_name.as_deref()?;
        let found = self.probe(Table::Upn, &fold(upn));
        if let Some(c) = self.first_eligible(out, found) {
            out.steps.push(Step {
                rule: "M5",
                note: Note::UpnCandidate(c),
            });
            return Some((c, SyncResult::SoftMatchUpn));
        }
        out.steps.push(Step {
            rule: "M5",
            note: Note::UpnNone(upn.into()),
        });
        None
    }

    /// The first candidate that may be a soft-match target: not a Microsoft 365 group (M4) and
    /// not already taken over in this cycle (Q2).
    fn first_eligible(&self, out: &mut Outcome, found: &[CloudIdx]) -> Option<CloudIdx> {
        // The trace keeps MAX_CANDIDATE_STEPS passed-over candidates and counts the rest.
        let mut passed = 0usize;
        let mut elide = |out: &mut Outcome, step: Step| {
            passed += 1;
            if passed <= crate::trace::MAX_CANDIDATE_STEPS {
                out.steps.push(step);
            }
        };
        let mut found_one = None;
        for &c in found {
            if self.cloud(c).is_unified_group() {
                elide(
                    out,
                    Step {
                        rule: "M4",
                        note: Note::UnifiedGroupSkipped(c),
                    },
                );
            } else if let Some(by) = self.taken_by(c).filter(|_| self.taken_over(c)) {
                // Q2: taken over earlier in this cycle. (A candidate merely linked to its own
                // twin stays a candidate: M6 decides on its ImmutableID, twin or not.)
                elide(
                    out,
                    Step {
                        rule: "Q2",
                        note: Note::TargetTaken { cloud: c, by },
                    },
                );
            } else {
                found_one = Some(c);
                break;
            }
        }
        if passed > crate::trace::MAX_CANDIDATE_STEPS {
            out.steps.push(Step {
                rule: "Q2",
                note: Note::CandidatesElided {
                    count: passed - crate::trace::MAX_CANDIDATE_STEPS,
                },
            });
        }
        found_one
    }

    /// Who else holds a value (P4), looking at this cycle's claims first (Q2).
    fn conflict(&self, ns: PropertyName, key: &str, me: Holder, mode: Mode) -> Option<Conflict> {
        self.read(Key::Claim(ns, key));
        if let Some(h) = self.claimed(ns, key) {
            return (h != me).then_some(Conflict::Active(h));
        }
        let target = mode.target();
        if let Some(&c) = self
            .probe(Table::holders(ns), key)
            .iter()
            .find(|c| Some(**c) != target)
        {
            return Some(Conflict::Active(Holder::Cloud(c)));
        }
        // Q5 applies to new objects.
        if matches!(mode, Mode::Provision(_))
            && self.setting(Setting::RecycleBinHoldsValues)
            && let Some(&c) = self.probe(Table::deleted_holders(ns), key).first()
        {
            return Some(Conflict::RecycleBin(c));
        }
        None
    }

    fn upn_taken(&self, upn: &str) -> bool {
        let key = fold(upn);
        self.read(Key::Claim(PropertyName::UserPrincipalName, &key));
        self.claimed(PropertyName::UserPrincipalName, &key)
            .is_some()
            || !self.probe(Table::Upn, &key).is_empty()
    }

    /// Q1: `<prefix><4 digits>@<initial domain>`, digits deterministic per object and unique.
    fn placeholder_upn(&self, o: &OnPremObject, upn: &str) -> String {
        let prefix: String = local_part(upn).chars().filter(|c| *c != '+').collect();
        let mut n = fnv1a(o.object_guid.as_bytes()) % 10_000;
        for _ in 0..10_000 {
            let candidate = format!("{prefix}{n:04}@{}", self.b.tenant.initial_domain);
            if !self.upn_taken(&candidate) {
                return candidate;
            }
            n = (n + 1) % 10_000;
        }
        format!(
            "{prefix}{}@{}",
            o.object_guid.simple(),
            self.b.tenant.initial_domain
        )
    }

    /// M9: the UPN the cloud object should have.
    fn wanted_upn(&self, out: &mut Outcome, o: &OnPremObject) -> Option<String> {
        let upn = o.user_principal_name.as_deref().filter(|u| !u.is_empty());
        let suffix = upn.and_then(domain_of);
        if let (Some(upn), Some(suffix)) = (upn, suffix)
            && self.b.tenant.is_verified_suffix(suffix)
        {
            return Some(upn.to_string());
        }
        let nickname = o.mail_nickname_for_cloud()?;
        let cloud_upn = format!("{nickname}@{}", self.b.tenant.initial_domain);
        out.flag(Flag::UnverifiedUpnSuffix);
        out.steps.push(Step {
            rule: "M9",
            note: Note::UnverifiedSuffix {
                suffix: suffix.unwrap_or("(none)").into(),
                upn: Text::from(cloud_upn.as_str()),
            },
        });
        Some(cloud_upn)
    }

    /// M8: whether a UPN change on an existing cloud user is blocked.
    fn upn_change_blocked(&self, c: &CloudObject) -> bool {
        let Some(domain) = c.user_principal_name.as_deref().and_then(domain_of) else {
            return false;
        };
        !self.b.tenant.is_federated(domain)
            && c.is_licensed()
            && !self.setting(Setting::SynchronizeUpnForManagedUsers)
    }

    /// Decides which UPN and SMTP values reach the cloud, quarantining or failing on conflicts
    /// (P2, P4, Q1, Q2, Q4, Q5, M8, M9); claims the values written for later objects (Q2).
    fn write_values(&mut self, out: &mut Outcome, o: &OnPremObject, mode: Mode) {
        let me = match mode.target() {
            Some(c) => Holder::Cloud(c),
            None => Holder::OnPrem(out.on_prem),
        };
        let target = mode.target().map(|c| self.cloud(c));
        let already_quarantined = |ns: PropertyName, v: &str| {
            target.is_some_and(|t| {
                t.on_premises_provisioning_errors.iter().any(|e| {
                    e.property_causing_error == ns.as_str()
                        && strip_smtp_prefix(&e.value).eq_ignore_ascii_case(v)
                })
            })
        };
        // Values to check: (namespace, value compared, value as recorded, is_primary).
        let mut values: Vec<(PropertyName, String, String, bool)> = Vec::new();

        if o.object_class == ObjectKind::User
            && let Some(wanted) = self.wanted_upn(out, o)
        {
            let current = target.and_then(|t| t.user_principal_name.as_deref());
            let kept = match (mode, current) {
                (Mode::Update(_), Some(cur)) if !cur.eq_ignore_ascii_case(&wanted) => self
                    .upn_kept(o, target.expect("update has a target"), cur)
                    .filter(|_| !self.upn_change_blocked(target.expect("update has a target"))),
                _ => None,
            };
            match current {
                Some(cur) if cur.eq_ignore_ascii_case(&wanted) => out.cloud_upn = Some(cur.into()),
                Some(cur) if kept.is_some() => {
                    let why = kept.expect("guarded");
                    out.cloud_upn = Some(cur.into());
                    if matches!(why, UpnKept::PredatesFeature | UpnKept::NoHistory) {
                        out.flag(Flag::UpnKeptUntilChange);
                    }
                    out.steps.push(Step {
                        rule: why.rule(),
                        note: Note::UpnKept {
                            kept: cur.into(),
                            wanted: wanted.into(),
                            why,
                        },
                    });
                }
                Some(cur) if already_quarantined(PropertyName::UserPrincipalName, &wanted) => {
                    out.cloud_upn = Some(cur.into());
                    out.steps.push(Step {
                        rule: "Q3",
                        note: Note::AlreadyQuarantined {
                            property: PropertyName::UserPrincipalName,
                            value: wanted.into(),
                        },
                    });
                }
                Some(cur) if self.upn_change_blocked(target.expect("current implies target")) => {
                    out.cloud_upn = Some(cur.into());
                    out.flag(Flag::UpnUpdateBlocked);
                    out.steps.push(Step {
                        rule: "M8",
                        note: Note::UpnBlocked {
                            kept: cur.into(),
                            wanted: wanted.into(),
                        },
                    });
                }
                cur => {
                    if let Some(cur) = cur {
                        out.steps.push(Step {
                            rule: "M8",
                            note: Note::UpnChange {
                                from: cur.into(),
                                to: Text::from(wanted.as_str()),
                            },
                        });
                    }
                    out.cloud_upn = Some(Text::from(wanted.as_str()));
                    values.push((
                        PropertyName::UserPrincipalName,
                        wanted.clone(),
                        wanted,
                        true,
                    ));
                }
            }
        }

        let target_smtp: Vec<Box<str>> = target
            .map(|t| t.smtp_addresses().into_iter().map(fold).collect())
            .unwrap_or_default();
        for p in o.smtp_addresses() {
            if let Some(reason) = discarded_address(p.address) {
                out.flag(Flag::DiscardedValue);
                out.steps.push(Step {
                    rule: "P2",
                    note: Note::Discarded {
                        value: p.raw.into(),
                        reason,
                    },
                });
                continue;
            }
            let unchanged = matches!(mode, Mode::Update(_)) && {
                let folded = fold(p.address);
                target_smtp.contains(&folded)
            };
            if unchanged {
                continue;
            }
            if already_quarantined(PropertyName::ProxyAddresses, p.address) {
                out.steps.push(Step {
                    rule: "Q3",
                    note: Note::AlreadyQuarantined {
                        property: PropertyName::ProxyAddresses,
                        value: p.address.into(),
                    },
                });
                continue;
            }
            // Quarantined proxies are recorded with their prefix, as the service shows them.
            let recorded = if p.raw == p.address {
                format!("SMTP:{}", p.address)
            } else {
                p.raw.to_string()
            };
            values.push((
                PropertyName::ProxyAddresses,
                p.address.to_string(),
                recorded,
                p.primary,
            ));
        }

        // P4 (c), (d): objectSid and non-SMTP proxies are unique and never quarantined.
        let mut unique: Vec<(UniqueAttribute, String)> = Vec::new();
        if o.object_class != ObjectKind::Contact
            && let Some(sid) = o
                .object_sid
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            let same = target.is_some_and(|t| {
                t.on_premises_security_identifier
                    .as_deref()
                    .is_some_and(|ts| ts.trim().eq_ignore_ascii_case(sid))
            });
            if !same || !matches!(mode, Mode::Update(_)) {
                unique.push((
                    UniqueAttribute::OnPremiseSecurityIdentifier,
                    sid.to_string(),
                ));
            }
        }
        for p in other_proxies(&o.proxy_addresses) {
            let held = matches!(mode, Mode::Update(_))
                && target.is_some_and(|t| t.other_proxies().any(|q| q.eq_ignore_ascii_case(p)));
            if !held {
                unique.push((UniqueAttribute::ProxyAddresses, p.to_string()));
            }
        }
        let mut unique_claims: Vec<(UniqueAttribute, Box<str>)> = Vec::with_capacity(unique.len());
        for (attribute, value) in unique {
            let key = fold(&value);
            if let Some(holder) = self.unique_conflict(attribute, &key, me, mode) {
                self.fail(out, ErrorCode::AttributeValueMustBeUnique, holder);
                out.attribute_conflict_name = Some(attribute.as_str());
                out.steps.push(Step {
                    rule: "P4",
                    note: Note::UniqueConflict {
                        attribute,
                        value: value.into(),
                        holder,
                    },
                });
                return;
            }
            unique_claims.push((attribute, key));
        }

        // Decide every value before claiming any: an error means nothing is written.
        let mut claims: Vec<(PropertyName, Box<str>)> = Vec::with_capacity(values.len());
        for (ns, value, recorded, primary) in values {
            let key = fold(&value);
            let conflict = self.conflict(ns, &key, me, mode);
            let holder = match conflict {
                None => {
                    claims.push((ns, key));
                    continue;
                }
                Some(Conflict::RecycleBin(c)) => {
                    self.fail(out, ErrorCode::AttributeValueMustBeUnique, Holder::Cloud(c));
                    out.attribute_conflict_name = Some(ns.as_str());
                    out.steps.push(Step {
                        rule: "Q5",
                        note: Note::RecycleBin {
                            property: ns,
                            value: value.into(),
                            cloud: c,
                        },
                    });
                    return;
                }
                Some(Conflict::Active(h)) => h,
            };
            if let Some(note) = self.quirk(o, ns, &value, primary, holder, mode) {
                self.fail(out, ErrorCode::AttributeValueMustBeUnique, holder);
                out.attribute_conflict_name = Some(ns.as_str());
                out.steps.push(Step { rule: "Q4", note });
                return;
            }
            let resilient = match ns {
                PropertyName::UserPrincipalName => Setting::QuarantineUponUpnConflict,
                PropertyName::ProxyAddresses => Setting::QuarantineUponProxyAddressesConflict,
            };
            if !self.setting(resilient) {
                // M6: a refused candidate synced from another object is InvalidSoftMatch.
                let code = match mode {
                    Mode::Provision(Some((c, Refusal::SyncedFromOther)))
                        if holder == Holder::Cloud(c) =>
                    {
                        ErrorCode::InvalidSoftMatch
                    }
                    _ => ErrorCode::AttributeValueMustBeUnique,
                };
                self.fail(out, code, holder);
                if code == ErrorCode::AttributeValueMustBeUnique {
                    out.attribute_conflict_name = Some(ns.as_str());
                }
                out.steps.push(Step {
                    rule: "Q1",
                    note: Note::ConflictError {
                        property: ns,
                        value: value.into(),
                        holder,
                    },
                });
                return;
            }
            let placeholder: Option<Text> = (ns == PropertyName::UserPrincipalName).then(|| {
                let p = self.placeholder_upn(o, &value);
                claims.push((ns, fold(&p)));
                p.into()
            });
            if placeholder.is_some() {
                out.cloud_upn = placeholder.clone();
            }
            out.steps.push(Step {
                rule: if matches!(holder, Holder::OnPrem(_)) {
                    "Q2"
                } else {
                    "Q1"
                },
                note: Note::Quarantined {
                    property: ns,
                    value: Text::from(recorded.as_str()),
                    holder,
                    placeholder: placeholder.clone(),
                },
            });
            out.quarantined.push(Quarantine {
                property: ns,
                value: recorded.into(),
                placeholder,
                conflicts_with: holder,
            });
        }
        for (ns, key) in claims {
            self.apply(Resolved::Claim(ns, me, &key));
        }
        for (attribute, key) in unique_claims {
            self.apply(Resolved::Unique(attribute, me, &key));
        }
    }

    /// Q4: the documented quirks that give an export error instead of a quarantine.
    fn quirk(
        &self,
        o: &OnPremObject,
        ns: PropertyName,
        value: &str,
        primary: bool,
        holder: Holder,
        mode: Mode,
    ) -> Option<Note> {
        if !self.setting(Setting::ServiceQuirks)
            || ns != PropertyName::ProxyAddresses
            || !matches!(mode, Mode::Provision(_))
        {
            return None;
        }
        let folded = fold(value);
        match (o.object_class, holder) {
            (ObjectKind::User, Holder::Cloud(c)) if !primary => {
                let h = self.cloud(c);
                let group_primary = h.object_type == ObjectKind::Group
                    && h.primary_smtp().is_some_and(|p| *fold(p) == *folded);
                group_primary.then(|| Note::QuirkSecondarySmtp {
                    value: value.into(),
                    holder,
                })
            }
            (ObjectKind::User, Holder::OnPrem(j)) if !primary => {
                let h = self.on_prem(j);
                let group_primary = h.object_class == ObjectKind::Group
                    && h.primary_smtp().is_some_and(|p| *fold(p) == *folded);
                group_primary.then(|| Note::QuirkSecondarySmtp {
                    value: value.into(),
                    holder,
                })
            }
            (ObjectKind::Group, Holder::OnPrem(j))
                if self.on_prem(j).object_class == ObjectKind::Group =>
            {
                Some(Note::QuirkNewGroups {
                    value: value.into(),
                    holder,
                })
            }
            _ => None,
        }
    }

    fn fail(&self, out: &mut Outcome, code: ErrorCode, holder: Holder) {
        out.result = SyncResult::Error;
        out.error = Some(code);
        out.quarantined.clear();
        match holder {
            Holder::Cloud(c) => out.cloud = Some(c),
            Holder::OnPrem(j) => {
                out.cloud = None;
                out.conflicting_on_prem = Some(j);
            }
        }
    }
}

/// Why a linked user's cloud UPN stays although the rules compute another (M8, M9 r2).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum UpnKept {
    /// M9: the on-prem UPN has not changed since the last export: no recalculation.
    NotRecalculated,
    /// M9, single plan from exports: the cloud UPN on the initial domain was computed earlier.
    NotRecalculatedNoHistory,
    /// M8: the difference predates synchronizeUpnForManagedUsers: it stays until the next change.
    PredatesFeature,
    /// M8, single plan from exports: history unknown; flows on the next change of the on-prem UPN.
    NoHistory,
}

impl UpnKept {
    pub fn rule(self) -> &'static str {
        match self {
            UpnKept::NotRecalculated | UpnKept::NotRecalculatedNoHistory => "M9",
            UpnKept::PredatesFeature | UpnKept::NoHistory => "M8",
        }
    }
}

enum HardMatch {
    /// No hard match; go on with soft match.
    None,
    /// The outcome is decided (an error).
    Decided,
    /// Take over this object (`true`: restore it from the recycle bin).
    Take(CloudIdx, bool),
}

/// Whether an onPremisesObjectIdentifier names this on-prem object (a GUID, any case; parsed,
/// not formatted, so the hot path allocates nothing).
fn names_object(id: &str, o: &OnPremObject) -> bool {
    uuid::Uuid::parse_str(id.trim()).is_ok_and(|g| g == o.object_guid)
}

/// FNV-1a: a small, stable hash for deterministic placeholder digits.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}
