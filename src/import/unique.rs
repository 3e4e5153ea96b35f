//! JSON values read with duplicate keys refused. serde_json keeps the last of two equal keys, so
//! a second `onPremises` (or `onPremisesImmutableId`) silently replaces the first; here it is bad
//! input instead. Keys are compared as the importers compare them: ignoring ASCII case
//! (`ObjectGUID` and `objectGUID` are one property to PowerShell and to the record reader).

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// A JSON value in which no object has the same key twice.
pub(crate) struct Unique(pub Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

/// Reads the rest of a map whose keys so far are in `map`, refusing duplicates.
pub(crate) fn visit_unique_map<'de, A: MapAccess<'de>>(mut access: A) -> Result<Value, A::Error> {
    let mut map = Map::new();
    let mut seen: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    while let Some(key) = access.next_key::<String>()? {
        if !seen.insert(key.to_ascii_lowercase()) {
            return Err(de::Error::custom(duplicate_message(&key)));
        }
        let Unique(v) = access.next_value()?;
        map.insert(key, v);
    }
    Ok(Value::Object(map))
}

/// The message for a key given twice in one object.
pub(crate) fn duplicate_message(key: &str) -> String {
    format!(
        "the key {key:?} appears twice in one object (keys are compared ignoring case); \
         a JSON reader would silently keep only one of them, so the file is refused"
    )
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Unique::deserialize(d).map(|u| u.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Value, A::Error> {
        visit_unique_map(access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, String> {
        serde_json::from_str::<Unique>(text)
            .map(|u| u.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_ignoring_case() {
        assert_eq!(
            read(r#"{"a": [1, {"b": 2.5}], "c": null}"#).unwrap(),
            serde_json::json!({"a": [1, {"b": 2.5}], "c": null})
        );
        let e = read(r#"{"value": [{"id": "x", "onPremisesImmutableId": "a", "onPremisesImmutableId": "b"}]}"#)
            .unwrap_err();
        assert!(e.contains("\"onPremisesImmutableId\" appears twice"), "{e}");
        assert!(e.contains("line 1"), "{e}");
        assert!(read(r#"{"ObjectGUID": 1, "objectGUID": 2}"#).is_err());
    }
}
