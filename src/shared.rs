//! Copy-on-write objects. A copy of a [`Bundle`](crate::model::Bundle) (the what-if state, each
//! state of a walkthrough) shares every object it does not change with the bundle it was copied
//! from: copying a 1M-object tenant copies 2M pointers, and a step that changes one object keeps
//! one new object. Reading goes through `Deref`; writing (`DerefMut`) copies the object first if
//! another bundle still holds it, so a change never reaches the bundle it was copied from.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Whether `a` and `b` are one object (neither was written since they were copied).
    pub fn same(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The object itself, copied only if another bundle still holds it.
    pub fn into_inner(self) -> T
    where
        T: Clone,
    {
        Arc::unwrap_or_clone(self.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Shared::same(self, other) || *self.0 == *other.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Read as the value itself: a list of objects is read straight into shared objects, with no
/// second copy of the list.
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Shared<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Shared::new)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_copies_a_shared_object_and_leaves_the_other_holder_alone() {
        let a = Shared::new(vec![1, 2]);
        let mut b = a.clone();
        assert!(Shared::same(&a, &b));
        b.push(3);
        assert!(!Shared::same(&a, &b));
        assert_eq!(*a, vec![1, 2]);
        assert_eq!(*b, vec![1, 2, 3]);
        // The only holder writes in place.
        let before: *const Vec<i32> = &*b;
        b.push(4);
        assert_eq!(before, &*b as *const Vec<i32>);
    }

    #[test]
    fn equal_values_are_equal_whether_shared_or_not() {
        assert_eq!(Shared::new("x".to_string()), Shared::new("x".to_string()));
        assert_ne!(Shared::new("x".to_string()), Shared::new("y".to_string()));
    }
}
