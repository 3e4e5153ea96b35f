//! A map from text to a small value whose keys live back to back in one arena: inserting a new
//! key copies its bytes once, with no allocation per key, and dropping the map frees two blocks.
//! The cycle's Q2 claims are such maps; an incremental re-plan replays every clean object's
//! claims into fresh ones (`Planner::replay`), so a `Box<str>` per key was one allocation (and
//! one free) per claimed value of the whole tenant.

use hashbrown::HashTable;

pub(super) struct TextMap<V> {
    text: String,
    table: HashTable<Entry<V>>,
}

struct Entry<V> {
    start: usize,
    len: u32,
    value: V,
}

impl<V> Default for TextMap<V> {
    fn default() -> Self {
        TextMap {
            text: String::new(),
            table: HashTable::new(),
        }
    }
}

/// The index's hash of a key (the same fixed seed).
fn hash(key: &str) -> u64 {
    crate::index::hash(key.as_bytes())
}

impl<V: Copy> TextMap<V> {
    fn key<'a>(text: &'a str, e: &Entry<V>) -> &'a str {
        &text[e.start..e.start + e.len as usize]
    }

    pub(super) fn get(&self, key: &str) -> Option<V> {
        self.table
            .find(hash(key), |e| Self::key(&self.text, e) == key)
            .map(|e| e.value)
    }

    #[cfg(test)]
    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets the value of `key`, as `HashMap::insert` does (a later claim replaces an earlier one).
    pub(super) fn insert(&mut self, key: &str, value: V) {
        let h = hash(key);
        let text = &self.text;
        if let Some(e) = self.table.find_mut(h, |e| Self::key(text, e) == key) {
            e.value = value;
            return;
        }
        let entry = Entry {
            start: self.text.len(),
            len: u32::try_from(key.len()).expect("a claimed value is far below 4 GiB"),
            value,
        };
        self.text.push_str(key);
        let text = &self.text;
        self.table
            .insert_unique(h, entry, |e| hash(Self::key(text, e)));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_like_a_hash_map_of_strings() {
        let mut m = TextMap::default();
        let mut reference = std::collections::HashMap::new();
        // Enough keys to make the table grow several times (rehashing reads keys from the arena).
        for i in 0..5000u32 {
            let key = format!("user{}@contoso.com", i % 1700);
            m.insert(&key, i);
            reference.insert(key, i);
        }
        m.insert("", 7);
        reference.insert(String::new(), 7);
        assert_eq!(m.len(), reference.len());
        for (k, v) in &reference {
            assert_eq!(m.get(k), Some(*v), "{k}");
        }
        assert_eq!(m.get("user1700@contoso.com"), None);
        assert!(!m.contains_key("user1@contoso.co"));
        assert!(m.contains_key("user1@contoso.com"));
    }
}
