//! A value that may still be in the making: a snapshot read from its cache (`--cache`) is shown
//! before its index and its what-if record are decoded, and whoever needs one of them first (a
//! background job: a re-plan, the readiness check) makes it or waits for the job making it.
//! The UI thread never reads one.

use std::sync::{Arc, LazyLock};

/// How a pending value is made.
pub type Make<T> = Box<dyn FnOnce() -> T + Send>;

/// Shared between the clones of a session; made once.
pub struct Pending<T>(Arc<LazyLock<T, Make<T>>>);

impl<T> Clone for Pending<T> {
    fn clone(&self) -> Self {
        Pending(Arc::clone(&self.0))
    }
}

impl<T: Send + 'static> Pending<T> {
    /// A value already made.
    pub fn ready(value: T) -> Self {
        Self::later(move || value)
    }

    /// A value `make` makes when it is first asked for.
    pub fn later(make: impl FnOnce() -> T + Send + 'static) -> Self {
        Pending(Arc::new(LazyLock::new(Box::new(make))))
    }
}

impl<T> Pending<T> {
    /// The value: made now on this thread, or waited for, the first time.
    pub fn get(&self) -> &T {
        LazyLock::force(&self.0)
    }
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_pending_value_is_made_once_by_its_first_reader() {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let p = Pending::later(|| {
            MADE.fetch_add(1, Ordering::SeqCst);
            42
        });
        let q = p.clone();
        assert_eq!(MADE.load(Ordering::SeqCst), 0, "not before it is asked for");
        let t = std::thread::spawn(move || *q.get());
        assert_eq!(*p.get(), 42);
        assert_eq!(t.join().unwrap(), 42);
        assert_eq!(MADE.load(Ordering::SeqCst), 1);
        assert_eq!(*Pending::ready(7).get(), 7);
    }
}
