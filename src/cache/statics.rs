//! The `&'static str` values a plan holds (rule ids, attribute conflict names, the reasons of
//! Q7's filters and M4), written into the snapshot cache as text and read back as `'static`
//! text. The binary has a few dozen such constants; each distinct text is allocated once for
//! the life of the process (the first cache read that meets it), and past [`MAX_DISTINCT`]
//! distinct texts a cache is refused as damaged rather than allowed to grow memory.

use serde::{Deserialize, Deserializer, Serializer};
use std::collections::HashSet;
use std::sync::Mutex;

/// A constant text of the binary. The alias keeps serde's derive from taking a `&'static str`
/// field as borrowed from the input (which would allow reading only from `'static` bytes).
pub type Constant = &'static str;

/// Far more than the constants the planner has (about 60).
const MAX_DISTINCT: usize = 1024;

static TEXTS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

thread_local! {
    /// The texts this thread has already interned: a cache read decodes millions of rule ids
    /// on two threads, and taking the one lock for each made the threads wait on each other.
    static SEEN: std::cell::RefCell<HashSet<&'static str>> = Default::default();
}

/// The one `'static` copy of `text`; `None` past [`MAX_DISTINCT`] distinct texts.
pub fn intern(text: &str) -> Option<&'static str> {
    if let Some(t) = SEEN.with_borrow(|seen| seen.get(text).copied()) {
        return Some(t);
    }
    let t = intern_shared(text)?;
    SEEN.with_borrow_mut(|seen| seen.insert(t));
    Some(t)
}

/// [`intern`] through the process's one set.
fn intern_shared(text: &str) -> Option<&'static str> {
    let mut guard = TEXTS.lock().unwrap_or_else(|p| p.into_inner());
    let texts = guard.get_or_insert_with(HashSet::new);
    if let Some(t) = texts.get(text) {
        return Some(t);
    }
    if texts.len() >= MAX_DISTINCT {
        return None;
    }
    let t: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(t);
    Some(t)
}

fn known<E: serde::de::Error>(text: &str) -> Result<&'static str, E> {
    intern(text).ok_or_else(|| E::custom("more distinct constant texts than a plan has"))
}

pub fn serialize<S: Serializer>(value: &Constant, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Constant, D::Error> {
    known(&<std::borrow::Cow<'de, str>>::deserialize(d)?)
}

/// The same for an `Option<&'static str>`.
pub mod option {
    use super::Constant;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Constant>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Constant>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::known(&text).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_interned_once() {
        let a = intern("M5").unwrap();
        let b = intern(&String::from("M5")).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "M5");
    }
}
