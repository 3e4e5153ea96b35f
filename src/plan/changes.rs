//! What a change of the snapshot's objects (a walkthrough step) can change in a plan: the
//! objects changed, the cloud objects changed and the index keys they held or hold now. A
//! re-plan from a recorded plan of the state before ([`super::replan_changed`]) plans again
//! the changed on-prem objects and every object that read one of these keys (the record keeps
//! them: [`super::record::Key::Probe`], `Cloud`, `OnPrem`), then those the Q2 cascade reaches.

use super::KeySet;
use super::record::{Key, probe_hash};
use crate::index::CloudIndex;
use crate::model::Bundle;
use crate::shared::Shared;

/// The changes between two states of a snapshot.
pub struct Changes {
    /// One bit per on-prem object whose values changed.
    on_prem: Vec<u64>,
    /// Hashes of the snapshot keys the change touches.
    pub(super) keys: KeySet,
    /// How many objects changed (on-prem and cloud).
    pub objects: usize,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Changes {{ {} objects, {} keys }}",
            self.objects,
            self.keys.len()
        )
    }
}

impl Changes {
    /// The changes from `before` to `after`, two states of one snapshot whose objects are
    /// shared where unchanged ([`Shared`]: a walkthrough's states). `None` when a re-plan from
    /// a plan of `before` cannot follow them and the plan must be made in full: objects added,
    /// removed or moved, the tenant, the Connect settings, the role definitions or the capture
    /// time changed, or more than an eighth of the objects changed. The settings may differ
    /// (they are compared by the re-plan).
    pub fn between(before: &Bundle, after: &Bundle) -> Option<Changes> {
        let (n, m) = (after.on_premises.len(), after.cloud.len());
        if before.on_premises.len() != n
            || before.cloud.len() != m
            || before.tenant != after.tenant
            || before.connect != after.connect
            || before.captured_date_time != after.captured_date_time
            || before.extra != after.extra
        {
            return None;
        }
        // Which objects changed first (pointer comparisons), so that a state where many did
        // (a sync) is refused before any of their keys is made.
        let on_prem = changed(&before.on_premises, &after.on_premises);
        let cloud = changed(&before.cloud, &after.cloud);
        let objects = on_prem.len() + cloud.len();
        if objects > ((n + m) / 8).max(64) {
            return None;
        }
        let mut changes = Changes {
            on_prem: vec![0; n.div_ceil(64)],
            keys: KeySet::default(),
            objects,
        };
        for j in on_prem {
            if before.on_premises[j].object_guid != after.on_premises[j].object_guid {
                return None;
            }
            changes.on_prem[j / 64] |= 1 << (j % 64);
            changes.keys.insert(Key::OnPrem(j as u32).hash());
        }
        for c in cloud {
            let (b, a) = (&before.cloud[c], &after.cloud[c]);
            if b.id != a.id {
                return None;
            }
            changes.keys.insert(Key::Cloud(c as u32).hash());
            for o in [b, a] {
                CloudIndex::keys_of(o, |t, key| {
                    changes.keys.insert(probe_hash(t, key));
                });
            }
        }
        Some(changes)
    }

    /// No object changed.
    pub fn is_empty(&self) -> bool {
        self.objects == 0
    }

    /// Whether on-prem object `i` changed.
    pub(super) fn on_prem(&self, i: usize) -> bool {
        self.on_prem[i / 64] & (1 << (i % 64)) != 0
    }
}

/// The positions where two lists of shared objects hold different objects.
fn changed<T>(before: &[Shared<T>], after: &[Shared<T>]) -> Vec<usize> {
    (before.iter().zip(after).enumerate())
        .filter(|(_, (b, a))| !Shared::same(b, a))
        .map(|(i, _)| i)
        .collect()
}
