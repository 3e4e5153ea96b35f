//! One runner for all background work (after gitui's asyncgit `AsyncSingleJob`): each job has a
//! kind and a generation; a newer job of a kind makes the older one stale, and a stale result is
//! dropped when it arrives, so the screen never shows what an earlier request computed. The UI
//! thread only spawns jobs and takes their results; loading, re-plans, walkthrough steps,
//! error rebuilds and bulk checks all run here.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// What a job is for: one job of each kind counts at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    Load,
    Replan,
    Errors,
    Walkthrough,
    Bulk,
    Readiness,
    /// Writing the snapshot cache (`--cache`).
    Cache,
    /// Decoding the index and record a snapshot read from its cache left pending.
    Prefetch,
    /// Freeing a plan no longer shown (a million outcomes take tens of milliseconds to free).
    Discard,
}

pub struct Jobs<R> {
    tx: Sender<(JobKind, u64, R)>,
    rx: Receiver<(JobKind, u64, R)>,
    /// The newest generation asked for, per kind.
    latest: HashMap<JobKind, u64>,
    next: u64,
    pending: usize,
    /// Results dropped because a newer job of their kind was asked for (for tests and timing).
    pub dropped: usize,
}

impl<R: Send + 'static> Default for Jobs<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Send + 'static> Jobs<R> {
    pub fn new() -> Self {
        let (tx, rx) = channel();
        Jobs {
            tx,
            rx,
            latest: HashMap::new(),
            next: 0,
            pending: 0,
            dropped: 0,
        }
    }

    /// Runs `work` on a worker thread; any running job of the same kind becomes stale.
    pub fn spawn(&mut self, kind: JobKind, work: impl FnOnce() -> R + Send + 'static) -> u64 {
        self.next += 1;
        let generation = self.next;
        self.latest.insert(kind, generation);
        self.pending += 1;
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let result = work();
            // The receiver is gone only when the explorer has ended.
            let _ = tx.send((kind, generation, result));
        });
        generation
    }

    /// Jobs started and not yet returned (stale ones included: their threads still run).
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Whether the newest job of a kind is still running.
    pub fn running(&self, kind: JobKind) -> bool {
        self.pending > 0 && self.latest.contains_key(&kind)
    }

    /// The results that have arrived, stale ones dropped.
    pub fn finished(&mut self) -> Vec<R> {
        let mut out = Vec::new();
        while let Ok(msg) = self.rx.try_recv() {
            self.take(msg, &mut out);
        }
        out
    }

    /// Waits up to `timeout` for one result (the loading screen and tests use it).
    pub fn wait(&mut self, timeout: Duration) -> Vec<R> {
        let mut out = Vec::new();
        if let Ok(msg) = self.rx.recv_timeout(timeout) {
            self.take(msg, &mut out);
        }
        out.extend(self.finished());
        out
    }

    fn take(&mut self, (kind, generation, result): (JobKind, u64, R), out: &mut Vec<R>) {
        self.pending -= 1;
        if self.latest.get(&kind) == Some(&generation) {
            self.latest.remove(&kind);
            out.push(result);
        } else {
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_job_of_a_kind_makes_the_older_result_stale() {
        let mut jobs: Jobs<u32> = Jobs::new();
        let (go_tx, go_rx) = channel::<()>();
        jobs.spawn(JobKind::Replan, move || {
            go_rx.recv().unwrap();
            1
        });
        jobs.spawn(JobKind::Replan, || 2);
        jobs.spawn(JobKind::Errors, || 3);
        let mut got = Vec::new();
        while got.len() < 2 {
            got.extend(jobs.wait(Duration::from_secs(5)));
        }
        got.sort();
        assert_eq!(got, [2, 3]);
        assert!(!jobs.running(JobKind::Replan));
        go_tx.send(()).unwrap();
        while jobs.pending() > 0 {
            assert!(
                jobs.wait(Duration::from_secs(5)).is_empty(),
                "stale: dropped"
            );
        }
        assert_eq!(jobs.dropped, 1);
    }
}
