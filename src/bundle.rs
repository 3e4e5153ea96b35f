//! Reads and writes the snapshot bundle (interfaces §1).
//!
//! Reading is strict: a wrong type, an invalid GUID or ImmutableID, an unknown feature or a
//! duplicate objectGUID is an [`InputError`] naming the file, the JSON path and the expectation,
//! and nothing half-loaded is returned. Keys this version does not know are kept and written back.

use crate::anchor::{Anchor, parse_guid_text};
use crate::error::InputError;
use crate::model::*;
use crate::settings::{Setting, SettingScope, Settings};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use uuid::Uuid;

mod blocks;

/// Parses a bundle from JSON text. `file` is only used in error messages.
pub fn parse_bundle(file: &str, text: &[u8]) -> Result<Bundle, InputError> {
    // The fast reader keeps no JSON path; bad input is read again with one to say where.
    let raw = read_raw(text).map_err(|_| located_error(file, text))?;
    let bundle = raw.into_bundle();
    validate(file, &bundle)?;
    Ok(bundle)
}

/// Reads a bundle from a stream of UTF-8 text a block at a time, never holding the whole
/// text: the peak is the bundle plus a few blocks rather than the bundle plus the file (see
/// `blocks`). When the block reader cannot take the text for certain (bad input among others),
/// `again` gives the whole text and [`parse_bundle`] reads it: its bundle, or its error with the
/// JSON path, is the answer. `file` is only used in error messages.
pub fn read_bundle(
    file: &str,
    reader: &mut dyn io::Read,
    again: impl FnOnce() -> Result<Vec<u8>, InputError>,
) -> Result<Bundle, InputError> {
    read_bundle_in(file, reader, again, blocks::BLOCK)
}

/// [`read_bundle`] with blocks of `block` bytes: the tests cut small documents everywhere.
#[doc(hidden)]
pub fn read_bundle_in(
    file: &str,
    reader: &mut dyn io::Read,
    again: impl FnOnce() -> Result<Vec<u8>, InputError>,
    block: usize,
) -> Result<Bundle, InputError> {
    match blocks::read(reader, block) {
        blocks::Blocks::Read(raw) => {
            let bundle = raw.into_bundle();
            validate(file, &bundle)?;
            Ok(bundle)
        }
        blocks::Blocks::Whole(text) => parse_bundle(file, &text),
        blocks::Blocks::GaveUp => parse_bundle(file, &again()?),
    }
}

/// Reads a bundle file (UTF-8, no byte-order mark) with [`read_bundle`].
pub fn load_bundle(path: &std::path::Path) -> Result<Bundle, InputError> {
    let file = path.display().to_string();
    let cannot = |e: io::Error| InputError::new(&file, "", format!("cannot read the file: {e}"));
    let mut reader = std::fs::File::open(path).map_err(cannot)?;
    read_bundle(&file, &mut reader, || std::fs::read(path).map_err(cannot))
}

fn read_raw(text: &[u8]) -> Result<RawBundle, serde_json::Error> {
    // Checking the UTF-8 of the whole text at once is faster than string by string; text that is
    // not UTF-8 goes the slow way, whose error then says where.
    let Ok(text) = std::str::from_utf8(text) else {
        let mut de = serde_json::Deserializer::from_slice(text);
        let raw = RawBundle::deserialize(&mut de)?;
        return de.end().map(|()| raw);
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if text.len() < PARALLEL_FROM || cores < 2 {
        return read_str(text, Lists::Both);
    }
    // Two readers of the same text: one builds the on-prem objects, the other everything else
    // (each skips the list the other builds, which costs a scan, not a build).
    let (on_premises, rest) = std::thread::scope(|s| {
        let on_premises = s.spawn(|| read_str(text, Lists::OnPremises));
        let rest = read_str(text, Lists::Cloud);
        (on_premises.join(), rest)
    });
    let on_premises = on_premises.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let mut raw = rest?;
    raw.on_premises = on_premises?.on_premises;
    Ok(raw)
}

/// The bundle reader over any serde deserializer, on one thread and without the checks of
/// [`parse_bundle`]: for `benches/json_parsers.rs`, which drives it with other JSON parsers
/// (issue 15: a faster parser only where it measurably wins).
#[doc(hidden)]
pub fn read_with<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Bundle, D::Error> {
    RawBundleSeed(Lists::Both)
        .deserialize(de)
        .map(RawBundle::into_bundle)
}

/// Documents smaller than this are read on one thread.
const PARALLEL_FROM: usize = 4 << 20;

fn read_str(text: &str, lists: Lists) -> Result<RawBundle, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = RawBundleSeed(lists).deserialize(&mut de)?;
    de.end().map(|()| raw)
}

/// The error of a document the fast reader refused, with its JSON path.
fn located_error(file: &str, text: &[u8]) -> InputError {
    let mut de = serde_json::Deserializer::from_slice(text);
    let read: Result<RawBundle, _> = serde_path_to_error::deserialize(&mut de);
    match read {
        Err(e) => json_error(file, e),
        Ok(_) => match de.end() {
            Err(e) => end_error(file, e),
            // Both readers run the same code; this is not reached.
            Ok(()) => InputError::new(file, "", "the bundle could not be read"),
        },
    }
}

fn end_error(file: &str, e: serde_json::Error) -> InputError {
    InputError::new(
        file,
        format!("line {} column {}", e.line(), e.column()),
        "expected the end of the document after the bundle object",
    )
}

/// Turns a serde error with its path into an [`InputError`].
pub fn json_error(file: &str, e: serde_path_to_error::Error<serde_json::Error>) -> InputError {
    let path = e.path().to_string();
    let inner = e.inner();
    let text = inner.to_string();
    // serde_json appends " at line L column C"; keep the message and say the position once.
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m)
        .to_string();
    let position = match (path.as_str(), inner.line()) {
        (".", 0) | ("", 0) => String::new(),
        (".", l) | ("", l) => format!("line {l} column {}", inner.column()),
        (p, 0) => p.to_string(),
        (p, l) => format!("{p} (line {l} column {})", inner.column()),
    };
    let message = if inner.is_eof() {
        format!("{message}: the file ends early (truncated?)")
    } else {
        message
    };
    InputError::new(file, position, message)
}

fn validate(file: &str, b: &Bundle) -> Result<(), InputError> {
    let mut seen: HashMap<Uuid, usize> = HashMap::with_capacity(b.on_premises.len());
    for (i, o) in b.on_premises.iter().enumerate() {
        if let Some(first) = seen.insert(o.object_guid, i) {
            return Err(InputError::new(
                file,
                format!("onPremises[{i}].objectGUID"),
                format!(
                    "duplicate objectGUID {} (also at onPremises[{first}]); expected every on-prem object to have its own",
                    o.object_guid
                ),
            ));
        }
    }
    let mut seen: HashMap<Uuid, usize> = HashMap::with_capacity(b.cloud.len());
    for (i, c) in b.cloud.iter().enumerate() {
        if let Some(first) = seen.insert(c.id, i) {
            return Err(InputError::new(
                file,
                format!("cloud[{i}].id"),
                format!(
                    "duplicate cloud id {} (also at cloud[{first}]); expected unique ids",
                    c.id
                ),
            ));
        }
    }
    if let Err((position, message)) = crate::roles::role_definitions(b) {
        return Err(InputError::new(file, position, message));
    }
    if b.tenant.initial_domain.is_empty() {
        return Err(InputError::new(
            file,
            "tenant.initialDomain",
            "expected the tenant's initial domain, e.g. \"contoso.onmicrosoft.com\"",
        ));
    }
    Ok(())
}

// ---- reading -------------------------------------------------------------------------------

struct RawBundle {
    tenant: Option<RawTenant>,
    connect: Option<ConnectSettings>,
    simulation: Option<Vec<(Setting, bool)>>,
    on_premises: Vec<Shared<OnPremObject>>,
    cloud: Vec<Shared<CloudObject>>,
    captured_date_time: Option<String>,
    extra: Map<String, Value>,
}

struct RawTenant {
    initial_domain: String,
    domains: Vec<Domain>,
    features: Vec<(Setting, bool)>,
}

impl RawBundle {
    fn into_bundle(self) -> Bundle {
        let mut settings = Settings::default();
        let (tenant, features) = match self.tenant {
            Some(t) => (
                Tenant {
                    initial_domain: t.initial_domain,
                    domains: t.domains,
                },
                t.features,
            ),
            None => (
                Tenant {
                    initial_domain: String::new(),
                    domains: Vec::new(),
                },
                Vec::new(),
            ),
        };
        for (s, v) in features
            .into_iter()
            .chain(self.simulation.unwrap_or_default())
        {
            settings.set(s, v);
        }
        Bundle {
            tenant,
            settings,
            connect: self.connect.unwrap_or_default(),
            on_premises: self.on_premises,
            cloud: self.cloud,
            captured_date_time: self.captured_date_time,
            extra: self.extra,
        }
    }
}

/// The keys of one JSON object seen so far, compared ignoring ASCII case (as AD attribute
/// names are read): a key given twice is bad input, never "the last one wins". Kept as hashes in
/// a small inline array, so checking an object of a few dozen keys allocates nothing.
#[derive(Default)]
struct KeySet {
    inline: [u64; 24],
    len: usize,
    more: Vec<u64>,
}

impl KeySet {
    /// Adds a key; `false` when it was there already.
    fn insert(&mut self, key: &str) -> bool {
        use std::hash::{BuildHasher, Hasher};
        let mut h = foldhash::fast::FixedState::with_seed(0x5ca1ab1e).build_hasher();
        for b in key.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        let h = h.finish();
        if self.inline[..self.len].contains(&h) || self.more.contains(&h) {
            return false;
        }
        if self.len < self.inline.len() {
            self.inline[self.len] = h;
            self.len += 1;
        } else {
            self.more.push(h);
        }
        true
    }
}

/// Deserializes a map with one closure per key; the closure returns `false` for keys it does
/// not know (they are kept as extra attributes).
macro_rules! object_visitor {
    ($name:ident, $target:ty, $expecting:literal, |$map:ident, $key:ident, $acc:ident| $body:block, $init:expr, $finish:expr) => {
        impl<'de> Deserialize<'de> for $target {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct $name;
                impl<'de> Visitor<'de> for $name {
                    type Value = $target;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<$target, A::Error> {
                        let mut $acc = $init;
                        let mut seen = KeySet::default();
                        while let Some($key) = $map.next_key::<KeyText>()? {
                            if !seen.insert($key.as_str()) {
                                return Err(de::Error::custom(
                                    crate::import::unique::duplicate_message($key.as_str()),
                                ));
                            }
                            $body
                        }
                        $finish($acc)
                    }
                }
                d.deserialize_map($name)
            }
        }
    };
}

/// Which object lists a reading of the document builds; the other is skipped (scanned, not built).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lists {
    Both,
    OnPremises,
    Cloud,
}

impl<'de> Deserialize<'de> for RawBundle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawBundleSeed(Lists::Both).deserialize(d)
    }
}

struct RawBundleSeed(Lists);

impl<'de> DeserializeSeed<'de> for RawBundleSeed {
    type Value = RawBundle;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawBundle, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawBundleSeed {
    type Value = RawBundle;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a bundle object with tenant, connect, onPremises and cloud")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawBundle, A::Error> {
        let mut b = RawBundle {
            tenant: None,
            connect: None,
            simulation: None,
            on_premises: Vec::new(),
            cloud: Vec::new(),
            captured_date_time: None,
            extra: Map::new(),
        };
        let (on_premises, cloud) = (self.0 != Lists::Cloud, self.0 != Lists::OnPremises);
        let mut seen = KeySet::default();
        while let Some(key) = map.next_key::<KeyText>()? {
            if !seen.insert(key.as_str()) {
                return Err(de::Error::custom(crate::import::unique::duplicate_message(
                    key.as_str(),
                )));
            }
            match key.as_str() {
                "tenant" => b.tenant = Some(map.next_value()?),
                "connect" => b.connect = Some(map.next_value()?),
                "simulation" => {
                    b.simulation =
                        Some(map.next_value_seed(SettingsSeed(SettingScope::RuleBookSwitch))?)
                }
                "onPremises" if on_premises => {
                    b.on_premises = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default()
                }
                "cloud" if cloud => {
                    b.cloud = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default()
                }
                "onPremises" | "cloud" => {
                    map.next_value::<de::IgnoredAny>()?;
                }
                "capturedDateTime" => b.captured_date_time = map.next_value()?,
                _ => {
                    let crate::import::unique::Unique(v) = map.next_value()?;
                    b.extra.insert(key.into_string(), v);
                }
            }
        }
        Ok(b)
    }
}

object_visitor!(
    TenantVisitor,
    RawTenant,
    "a tenant object with initialDomain, domains and features",
    |map, key, t| {
        match key.as_str() {
            "initialDomain" => t.initial_domain = map.next_value()?,
            "domains" => t.domains = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default(),
            "features" => {
                t.features = map.next_value_seed(SettingsSeed(SettingScope::TenantFeature))?
            }
            _ => {
                let _: de::IgnoredAny = map.next_value()?;
            }
        }
    },
    RawTenant {
        initial_domain: String::new(),
        domains: Vec::new(),
        features: Vec::new(),
    },
    Ok::<RawTenant, _>
);

/// A `features` or `simulation` object: every key must name a setting of that scope.
struct SettingsSeed(SettingScope);

impl<'de> DeserializeSeed<'de> for SettingsSeed {
    type Value = Vec<(Setting, bool)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V(SettingScope);
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(Setting, bool)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of feature names to true or false")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<KeyText>()? {
                    let key = key.as_str();
                    let Some(setting) = Setting::from_key(key).filter(|s| s.info().scope == self.0)
                    else {
                        // Fails inside the value, so the JSON path names the key.
                        let message = format!(
                            "unknown feature {key:?}; expected one of: {}",
                            Setting::keys(self.0).join(", ")
                        );
                        return map.next_value_seed(Refuse(message)).map(|()| Vec::new());
                    };
                    let value: Option<bool> = map.next_value()?;
                    if let Some(v) = value {
                        out.push((setting, v));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V(self.0))
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            id: String,
            #[serde(default)]
            authentication_type: Option<AuthenticationTypeText>,
            #[serde(default)]
            is_verified: Option<bool>,
        }
        let r = Raw::deserialize(d)?;
        let authentication_type = r
            .authentication_type
            .map_or(AuthenticationType::Managed, |t| t.0);
        Ok(Domain {
            id: r.id,
            authentication_type,
            is_verified: r.is_verified.unwrap_or(false),
        })
    }
}

object_visitor!(
    ConnectVisitor,
    ConnectSettings,
    "a connect object with sourceAnchor, includedOUs and deletionThreshold",
    |map, key, c| {
        match key.as_str() {
            "sourceAnchor" => c.source_anchor = map.next_value::<SourceAnchorText>()?.0,
            "includedOUs" => c.included_ous = map.next_value()?,
            "deletionThreshold" => {
                c.deletion_threshold = map.next_value::<Option<u32>>()?.unwrap_or(500)
            }
            _ => {
                let _: de::IgnoredAny = map.next_value()?;
            }
        }
    },
    ConnectSettings::default(),
    Ok::<ConnectSettings, _>
);

/// A string that is looked at rather than kept — map keys, GUIDs, object types — read without an
/// allocation: borrowed from the input when it has no escapes, else copied to the stack when short
/// (a million objects make tens of millions of these).
enum KeyText<'de> {
    Borrowed(&'de str),
    Inline { len: u8, bytes: [u8; INLINE] },
    Owned(String),
}

/// Longer than any key the readers know and than a GUID in braces.
const INLINE: usize = 56;

impl KeyText<'_> {
    fn as_str(&self) -> &str {
        match self {
            KeyText::Borrowed(s) => s,
            // Copied from a `&str` whole, so always valid UTF-8.
            KeyText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or("")
            }
            KeyText::Owned(s) => s,
        }
    }

    fn into_string(self) -> String {
        match self {
            KeyText::Owned(s) => s,
            other => other.as_str().to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyText::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.len() > INLINE {
                    return Ok(KeyText::Owned(v.to_string()));
                }
                let mut bytes = [0u8; INLINE];
                bytes[..v.len()].copy_from_slice(v.as_bytes());
                Ok(KeyText::Inline {
                    len: v.len() as u8,
                    bytes,
                })
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyText::Owned(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// AD attribute names match case-insensitively (interfaces §1): the key in lower case, in a
/// buffer on the stack; keys longer than any known attribute come back empty (kept as extra).
fn lower_key<'b>(key: &str, buf: &'b mut [u8; 32]) -> &'b str {
    let Some(out) = buf.get_mut(..key.len()) else {
        return "";
    };
    out.copy_from_slice(key.as_bytes());
    out.make_ascii_lowercase();
    // Lower-casing ASCII letters keeps the bytes valid UTF-8.
    std::str::from_utf8(out).unwrap_or("")
}

/// `objectClass`: the single class, or AD's whole class chain (the most specific class is last).
struct ClassText(ObjectKind);

impl<'de> Deserialize<'de> for ClassText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn kind<E: de::Error>(class: &str) -> Result<ClassText, E> {
                kind_from(class, "objectClass").map(ClassText)
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = ClassText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"user\", \"group\" or \"contact\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                V::kind(v)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut found = None;
                while let Some(item) = seq.next_element::<Value>()? {
                    if let Some(kind) = item.as_str().and_then(ObjectKind::parse) {
                        found = Some(kind);
                    }
                }
                found.map(ClassText).map_or_else(|| V::kind(""), Ok)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                V::kind("")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                V::kind("")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                V::kind("")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                V::kind("")
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                V::kind("")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                V::kind("")
            }
        }
        d.deserialize_any(V)
    }
}

/// A GUID string field.
struct GuidText(Uuid);

impl<'de> Deserialize<'de> for GuidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = KeyText::deserialize(d)?;
        parse_guid_text(s.as_str())
            .map(GuidText)
            .map_err(|e| de::Error::custom(e.0))
    }
}

/// `mS-DS-ConsistencyGuid`: a GUID string or base64 of 16 bytes (interfaces §1).
struct ConsistencyGuidText(Option<Anchor>);

impl<'de> Deserialize<'de> for ConsistencyGuidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<KeyText> = Option::deserialize(d)?;
        match s.as_ref().map(|t| t.as_str().trim()) {
            None | Some("") => Ok(ConsistencyGuidText(None)),
            Some(t) if t.contains('-') => Anchor::parse_guid(t)
                .map(|a| ConsistencyGuidText(Some(a)))
                .map_err(|e| de::Error::custom(e.0)),
            Some(t) => Anchor::parse_immutable_id(t)
                .map(|a| ConsistencyGuidText(Some(a)))
                .map_err(|_| {
                    de::Error::custom(format!(
                        "expected a GUID string or base64 of 16 bytes, got {t:?}"
                    ))
                }),
        }
    }
}

/// A cloud ImmutableID field: any string (A4 r2: third-party federation and custom anchors set
/// values such as `jsmith@contoso.com`); the text is kept as written and compared exactly (A3).
/// Values that are not base64 of 16 bytes are named in the load report, never refused.
struct ImmutableIdText(Option<Text>);

impl<'de> Deserialize<'de> for ImmutableIdText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        // Whitespace around the value is accepted and dropped: kept, it would make an anchor
        // that equals no other (A3 compares the text exactly).
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(ImmutableIdText(None)),
            Some(t) => Ok(ImmutableIdText(Some(t.into()))),
        }
    }
}

/// A string list that may be null or absent.
fn string_list<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<Text>, A::Error> {
    Ok(map.next_value::<Option<Vec<Text>>>()?.unwrap_or_default())
}

// Values checked while they are read, so that an error's JSON path names the key itself
// (`cloud[0].objectType`, `connect.sourceAnchor`, `tenant.features.blockSoftMatch`).

/// A `user` / `group` / `contact` field (cloud `objectType`, `@odata.type`).
struct KindText(ObjectKind);

impl<'de> Deserialize<'de> for KindText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = KeyText::deserialize(d)?;
        kind_from(s.as_str(), "object type").map(KindText)
    }
}

/// Connect's `sourceAnchor` setting.
struct SourceAnchorText(SourceAnchorAttribute);

impl<'de> Deserialize<'de> for SourceAnchorText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s.as_deref() {
            None => Ok(SourceAnchorText(SourceAnchorAttribute::ConsistencyGuid)),
            Some(a) if a.eq_ignore_ascii_case("objectGUID") => {
                Ok(SourceAnchorText(SourceAnchorAttribute::ObjectGuid))
            }
            Some(a) if a.eq_ignore_ascii_case("mS-DS-ConsistencyGuid") => {
                Ok(SourceAnchorText(SourceAnchorAttribute::ConsistencyGuid))
            }
            Some(a) => Err(de::Error::custom(format!(
                "{a:?}: expected \"objectGUID\" or \"mS-DS-ConsistencyGuid\""
            ))),
        }
    }
}

/// A domain's `authenticationType`.
struct AuthenticationTypeText(AuthenticationType);

impl<'de> Deserialize<'de> for AuthenticationTypeText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = String::deserialize(d)?;
        if t.eq_ignore_ascii_case("managed") {
            Ok(AuthenticationTypeText(AuthenticationType::Managed))
        } else if t.eq_ignore_ascii_case("federated") {
            Ok(AuthenticationTypeText(AuthenticationType::Federated))
        } else {
            Err(de::Error::custom(format!(
                "{t:?}: expected \"Managed\" or \"Federated\""
            )))
        }
    }
}

/// Refuses a value with a message: an error raised while reading a key's value carries the
/// key in its JSON path.
struct Refuse(String);

impl<'de> DeserializeSeed<'de> for Refuse {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(self.0))
    }
}

fn kind_from<E: de::Error>(text: &str, what: &str) -> Result<ObjectKind, E> {
    ObjectKind::parse(text).ok_or_else(|| {
        E::custom(format!(
            "{what} {text:?}: expected \"user\", \"group\" or \"contact\""
        ))
    })
}

struct OnPremAcc {
    class: Option<ObjectKind>,
    guid: Option<Uuid>,
    extra: ExtraBuilder,
    o: OnPremObject,
}

object_visitor!(
    OnPremVisitor,
    OnPremObject,
    "an on-prem object (objectClass, objectGUID, distinguishedName, …)",
    |map, key, a| {
        let mut buf = [0u8; 32];
        match lower_key(key.as_str(), &mut buf) {
            "objectclass" => a.class = Some(map.next_value::<ClassText>()?.0),
            "objectguid" => a.guid = Some(map.next_value::<GuidText>()?.0),
            "distinguishedname" => a.o.distinguished_name = map.next_value()?,
            "samaccountname" => a.o.sam_account_name = map.next_value()?,
            "userprincipalname" => a.o.user_principal_name = map.next_value()?,
            "mail" => a.o.mail = map.next_value()?,
            "proxyaddresses" => a.o.proxy_addresses = string_list(&mut map)?,
            "displayname" => a.o.display_name = map.next_value()?,
            "ms-ds-consistencyguid" => {
                a.o.consistency_guid = map.next_value::<ConsistencyGuidText>()?.0
            }
            "grouptype" => a.o.group_type = map.next_value()?,
            "objectsid" => a.o.object_sid = map.next_value()?,
            "mailnickname" => a.o.mail_nickname = map.next_value()?,
            _ => {
                let crate::import::unique::Unique(v) = map.next_value()?;
                a.extra.push(key.as_str(), &v);
            }
        }
    },
    OnPremAcc {
        class: None,
        guid: None,
        extra: ExtraBuilder::default(),
        o: OnPremObject {
            object_class: ObjectKind::User,
            object_guid: Uuid::nil(),
            distinguished_name: Text::default(),
            sam_account_name: None,
            user_principal_name: None,
            mail: None,
            proxy_addresses: Vec::new(),
            display_name: None,
            consistency_guid: None,
            group_type: None,
            object_sid: None,
            mail_nickname: None,
            extra: Extra::new(),
        },
    },
    |a: OnPremAcc| {
        let mut o = a.o;
        o.extra = a.extra.finish();
        o.object_class = a.class.ok_or_else(|| {
            de::Error::custom("missing objectClass: expected \"user\", \"group\" or \"contact\"")
        })?;
        o.object_guid = a
            .guid
            .ok_or_else(|| de::Error::custom("missing objectGUID: expected a GUID string"))?;
        if o.distinguished_name.is_empty() {
            return Err(de::Error::custom(
                "missing distinguishedName: expected the object's DN, e.g. \"CN=Alice Ng,OU=Staff,DC=contoso,DC=com\"",
            ));
        }
        Ok(o)
    }
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLicense {
    sku_id: Text,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProvisioningError {
    #[serde(default)]
    category: Option<Text>,
    property_causing_error: Text,
    value: Text,
    #[serde(default)]
    occurred_date_time: Option<Text>,
}

struct CloudAcc {
    kind: Option<ObjectKind>,
    id: Option<Uuid>,
    extra: ExtraBuilder,
    c: CloudObject,
}

object_visitor!(
    CloudVisitor,
    CloudObject,
    "a cloud object (id, objectType, userPrincipalName, …)",
    |map, key, a| {
        match key.as_str() {
            "id" => a.id = Some(map.next_value::<GuidText>()?.0),
            "objectType" | "@odata.type" => a.kind = Some(map.next_value::<KindText>()?.0),
            "displayName" => a.c.display_name = map.next_value()?,
            "userPrincipalName" => a.c.user_principal_name = map.next_value()?,
            "mail" => a.c.mail = map.next_value()?,
            "mailNickname" => a.c.mail_nickname = map.next_value()?,
            "proxyAddresses" => a.c.proxy_addresses = string_list(&mut map)?,
            "onPremisesImmutableId" => {
                a.c.on_premises_immutable_id = map.next_value::<ImmutableIdText>()?.0
            }
            "onPremisesSyncEnabled" => a.c.on_premises_sync_enabled = map.next_value()?,
            "onPremisesSecurityIdentifier" => {
                a.c.on_premises_security_identifier = map.next_value()?
            }
            "onPremisesObjectIdentifier" => a.c.on_premises_object_identifier = map.next_value()?,
            "assignedLicenses" => {
                a.c.assigned_licenses = map
                    .next_value::<Option<Vec<RawLicense>>>()?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| l.sku_id)
                    .collect()
            }
            "directoryRoles" => a.c.directory_roles = string_list(&mut map)?,
            "eligibleDirectoryRoles" => a.c.eligible_directory_roles = string_list(&mut map)?,
            "deletedDateTime" => a.c.deleted_date_time = map.next_value()?,
            "onPremisesProvisioningErrors" => {
                a.c.on_premises_provisioning_errors = map
                    .next_value::<Option<Vec<RawProvisioningError>>>()?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| ProvisioningError {
                        category: e.category.unwrap_or_else(|| "PropertyConflict".into()),
                        property_causing_error: e.property_causing_error,
                        value: e.value,
                        occurred_date_time: e.occurred_date_time,
                    })
                    .collect()
            }
            "mailEnabled" => a.c.mail_enabled = map.next_value()?,
            "securityEnabled" => a.c.security_enabled = map.next_value()?,
            "groupTypes" => a.c.group_types = string_list(&mut map)?,
            _ => {
                let crate::import::unique::Unique(v) = map.next_value()?;
                a.extra.push(key.as_str(), &v);
            }
        }
    },
    CloudAcc {
        kind: None,
        id: None,
        extra: ExtraBuilder::default(),
        c: CloudObject::new(Uuid::nil(), ObjectKind::User),
    },
    |a: CloudAcc| {
        let mut c = a.c;
        c.extra = a.extra.finish();
        c.id =
            a.id.ok_or_else(|| de::Error::custom("missing id: expected the object's GUID"))?;
        c.object_type = a.kind.ok_or_else(|| {
            de::Error::custom(
                "missing objectType (or @odata.type): expected \"user\", \"group\" or \"contact\"",
            )
        })?;
        Ok(c)
    }
);

// ---- writing -------------------------------------------------------------------------------

/// The bundle as JSON, in the shape it was read (interfaces §1).
pub fn bundle_to_json(b: &Bundle) -> Value {
    let mut root = head_to_json(b);
    root.insert(
        "onPremises".into(),
        Value::Array(b.on_premises.iter().map(|o| on_prem_to_json(o)).collect()),
    );
    root.insert(
        "cloud".into(),
        Value::Array(b.cloud.iter().map(|c| cloud_to_json(c)).collect()),
    );
    for (k, v) in &b.extra {
        root.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(root)
}

/// The document of [`bundle_to_json`], serialized as it is written instead of built first:
/// `serde_json::to_writer_pretty(out, &PrettyBundle(b))` writes byte for byte what
/// `to_vec_pretty(&bundle_to_json(b))` gives, holding one object's [`Value`] at a time (the
/// whole document of a 1M + 1M tenant as a `Value` takes more than 10 GB).
pub struct PrettyBundle<'a>(pub &'a Bundle);

impl Serialize for PrettyBundle<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.0;
        let head = head_to_json(b);
        let mut m = s.serialize_map(None)?;
        for (k, v) in &head {
            m.serialize_entry(k, v)?;
        }
        // Each object through its `Value`, as `bundle_to_json` has it: kept attributes are raw
        // JSON text, which a pretty writer would copy unindented, while a `Value` is indented.
        m.serialize_entry(
            "onPremises",
            &SeqOf(b.on_premises.iter().map(|o| on_prem_to_json(o))),
        )?;
        m.serialize_entry("cloud", &SeqOf(b.cloud.iter().map(|c| cloud_to_json(c))))?;
        for (k, v) in &b.extra {
            if head.contains_key(k) || k == "onPremises" || k == "cloud" {
                continue;
            }
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Writes the same document as [`bundle_to_json`] (byte for byte, compact) without building it
/// as a [`Value`] first, so writing a bundle of any size needs one object's worth of memory.
pub fn write_bundle(b: &Bundle, out: impl Write) -> io::Result<()> {
    write_bundle_parts(
        b,
        b.on_premises.iter().map(|o| &**o),
        b.cloud.iter().map(|c| &**c),
        out,
    )
}

/// [`write_bundle`] with the objects supplied one at a time, e.g. by a generator that never
/// holds the whole tenant: the tenant, settings, connect, capturedDateTime and extra keys come
/// from `head`, whose own object lists are not written.
pub fn write_bundle_parts<O, C>(
    head: &Bundle,
    on_premises: impl IntoIterator<Item = O>,
    cloud: impl IntoIterator<Item = C>,
    out: impl Write,
) -> io::Result<()>
where
    O: Borrow<OnPremObject>,
    C: Borrow<CloudObject>,
{
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let head_keys = head_to_json(head);
    out.write_all(b"{")?;
    for (k, v) in &head_keys {
        serde_json::to_writer(&mut out, k)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut out, v)?;
        out.write_all(b",")?;
    }
    out.write_all(b"\"onPremises\":[")?;
    for (i, o) in on_premises.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &OnPremJson(o.borrow()))?;
    }
    out.write_all(b"],\"cloud\":[")?;
    for (i, c) in cloud.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &CloudJson(c.borrow()))?;
    }
    out.write_all(b"]")?;
    for (k, v) in &head.extra {
        if head_keys.contains_key(k) || k == "onPremises" || k == "cloud" {
            continue;
        }
        out.write_all(b",")?;
        serde_json::to_writer(&mut out, k)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut out, v)?;
    }
    out.write_all(b"}")?;
    out.flush()
}

/// The top-level keys before the object lists: tenant, connect, simulation, capturedDateTime.
fn head_to_json(b: &Bundle) -> Map<String, Value> {
    let mut features = Map::new();
    let mut simulation = Map::new();
    for s in Setting::ALL {
        let target = match s.info().scope {
            SettingScope::TenantFeature => &mut features,
            SettingScope::RuleBookSwitch => &mut simulation,
        };
        target.insert(s.key().into(), Value::Bool(b.settings.get(s)));
    }
    let domains: Vec<Value> = b
        .tenant
        .domains
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "authenticationType": match d.authentication_type {
                    AuthenticationType::Managed => "Managed",
                    AuthenticationType::Federated => "Federated",
                },
                "isVerified": d.is_verified,
            })
        })
        .collect();
    let mut root = Map::new();
    root.insert(
        "tenant".into(),
        json!({"initialDomain": b.tenant.initial_domain, "domains": domains, "features": features}),
    );
    let mut connect = json!({
        "sourceAnchor": b.connect.source_anchor.as_str(),
        "deletionThreshold": b.connect.deletion_threshold,
    });
    if let Some(ous) = &b.connect.included_ous {
        connect["includedOUs"] = json!(ous);
    }
    root.insert("connect".into(), connect);
    root.insert("simulation".into(), Value::Object(simulation));
    if let Some(t) = &b.captured_date_time {
        root.insert("capturedDateTime".into(), json!(t));
    }
    root
}

pub fn on_prem_to_json(o: &OnPremObject) -> Value {
    // Serializing these views into a Value cannot fail: every key is a string.
    serde_json::to_value(OnPremJson(o)).unwrap_or(Value::Null)
}

pub fn cloud_to_json(c: &CloudObject) -> Value {
    serde_json::to_value(CloudJson(c)).unwrap_or(Value::Null)
}

/// The keys a view has written, so that an extra attribute of the same name is not written
/// again (known keys win over kept ones).
struct Written<M> {
    map: M,
    /// Room for every key a view writes (the cloud view writes at most 21).
    keys: [&'static str; 24],
    len: usize,
}

impl<M: SerializeMap> Written<M> {
    fn new(map: M) -> Self {
        Written {
            map,
            keys: [""; 24],
            len: 0,
        }
    }

    fn entry(
        &mut self,
        key: &'static str,
        value: &(impl Serialize + ?Sized),
    ) -> Result<(), M::Error> {
        self.keys[self.len] = key;
        self.len += 1;
        self.map.serialize_entry(key, value)
    }

    fn end(mut self, extra: &Extra) -> Result<M::Ok, M::Error> {
        let mut result = Ok(());
        extra.for_each(|k, v| {
            if result.is_ok() && !self.keys[..self.len].contains(&k) {
                result = self.map.serialize_entry(k, v);
            }
        });
        result?;
        self.map.end()
    }
}

/// An on-prem object as the bundle writes it.
struct OnPremJson<'a>(&'a OnPremObject);

impl Serialize for OnPremJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let mut m = Written::new(s.serialize_map(None)?);
        m.entry("objectClass", o.object_class.as_str())?;
        m.entry("objectGUID", &o.object_guid)?;
        m.entry("distinguishedName", &o.distinguished_name)?;
        m.entry("sAMAccountName", &o.sam_account_name)?;
        m.entry("userPrincipalName", &o.user_principal_name)?;
        m.entry("mail", &o.mail)?;
        m.entry("proxyAddresses", &o.proxy_addresses)?;
        m.entry("displayName", &o.display_name)?;
        m.entry(
            "mS-DS-ConsistencyGuid",
            &o.consistency_guid.map(|a| a.immutable_id()),
        )?;
        if let Some(g) = o.group_type {
            m.entry("groupType", &g)?;
        }
        if let Some(sid) = &o.object_sid {
            m.entry("objectSid", sid)?;
        }
        if let Some(n) = &o.mail_nickname {
            m.entry("mailNickname", n)?;
        }
        m.end(&o.extra)
    }
}

/// A cloud object as the bundle writes it.
struct CloudJson<'a>(&'a CloudObject);

/// A list written from an iterator over borrowed items.
struct SeqOf<I>(I);

impl<I: Iterator<Item: Serialize> + Clone> Serialize for SeqOf<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LicenseJson<'a> {
    sku_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorJson<'a> {
    category: &'a str,
    property_causing_error: &'a str,
    value: &'a str,
    occurred_date_time: Option<&'a str>,
}

impl Serialize for CloudJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = Written::new(s.serialize_map(None)?);
        m.entry("id", &c.id)?;
        m.entry("objectType", c.object_type.as_str())?;
        m.entry("displayName", &c.display_name)?;
        if c.object_type == ObjectKind::User || c.user_principal_name.is_some() {
            m.entry("userPrincipalName", &c.user_principal_name)?;
        }
        m.entry("mail", &c.mail)?;
        if let Some(n) = &c.mail_nickname {
            m.entry("mailNickname", n)?;
        }
        m.entry("proxyAddresses", &c.proxy_addresses)?;
        m.entry("onPremisesImmutableId", &c.on_premises_immutable_id)?;
        m.entry("onPremisesSyncEnabled", &c.on_premises_sync_enabled)?;
        if let Some(sid) = &c.on_premises_security_identifier {
            m.entry("onPremisesSecurityIdentifier", sid)?;
        }
        if let Some(id) = &c.on_premises_object_identifier {
            m.entry("onPremisesObjectIdentifier", id)?;
        }
        m.entry(
            "assignedLicenses",
            &SeqOf(
                c.assigned_licenses
                    .iter()
                    .map(|s| LicenseJson { sku_id: s }),
            ),
        )?;
        m.entry("directoryRoles", &c.directory_roles)?;
        m.entry("eligibleDirectoryRoles", &c.eligible_directory_roles)?;
        m.entry("deletedDateTime", &c.deleted_date_time)?;
        m.entry(
            "onPremisesProvisioningErrors",
            &SeqOf(c.on_premises_provisioning_errors.iter().map(|e| ErrorJson {
                category: &e.category,
                property_causing_error: &e.property_causing_error,
                value: &e.value,
                occurred_date_time: e.occurred_date_time.as_deref(),
            })),
        )?;
        if c.object_type == ObjectKind::Group {
            m.entry("mailEnabled", &c.mail_enabled)?;
            m.entry("securityEnabled", &c.security_enabled)?;
            m.entry("groupTypes", &c.group_types)?;
        }
        m.end(&c.extra)
    }
}

/// A4 (r2): the cloud objects whose ImmutableID is not derived from a GUID (not base64 of 16
/// bytes), as (index in `cloud`, value), for the load report.
pub fn opaque_immutable_ids(b: &Bundle) -> Vec<(usize, &str)> {
    b.cloud
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let id = c.on_premises_immutable_id.as_deref()?;
            Anchor::parse_immutable_id(id).is_err().then_some((i, id))
        })
        .collect()
}

/// The load report's sentence for an opaque ImmutableID (A4).
pub fn opaque_immutable_id_message(c: &CloudObject, value: &str) -> String {
    format!(
        "{} ({}): onPremisesImmutableId {} is not derived from a GUID (not base64 of 16 bytes; set by third-party federation or a custom anchor): loaded as it is and compared as exact text (A4)",
        crate::sanitize::display_safe(c.name()),
        c.id,
        crate::sanitize::display_safe(&format!("{value:?}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> InputError {
        parse_bundle("t.json", text.as_bytes()).unwrap_err()
    }

    const MINIMAL: &str =
        r#"{"tenant":{"initialDomain":"contoso.onmicrosoft.com"},"onPremises":[],"cloud":[]}"#;

    #[test]
    fn the_streamed_pretty_bundle_is_byte_for_byte_the_built_one() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let mut synced = crate::generate::generate(2_000, 5);
        // A sync leaves nested kept attributes (the last export) on the cloud objects.
        crate::apply::sync_cycle(&mut synced, Some("2026-12-01T00:00:00Z"));
        let bundles = [
            load_bundle(format!("{dir}/sample-data/contoso.json").as_ref()).unwrap(),
            load_bundle(format!("{dir}/tests/fixtures/hostile/bundle.json").as_ref()).unwrap(),
            parse_bundle("t.json", MINIMAL.as_bytes()).unwrap(),
            synced,
        ];
        for b in &bundles {
            let built = serde_json::to_vec_pretty(&bundle_to_json(b)).unwrap();
            let streamed = serde_json::to_vec_pretty(&PrettyBundle(b)).unwrap();
            assert!(
                built == streamed,
                "{} bytes built, {} streamed",
                built.len(),
                streamed.len()
            );
        }
    }

    #[test]
    fn minimal_bundle_takes_the_documented_defaults() {
        let b = parse_bundle("t.json", MINIMAL.as_bytes()).unwrap();
        assert_eq!(b.settings, Settings::default());
        assert_eq!(b.connect, ConnectSettings::default());
    }

    #[test]
    fn errors_name_the_json_path_and_the_expectation() {
        let e = err(
            r#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"onPremises":[{"objectClass":"user","objectGUID":"nope","distinguishedName":"CN=a"}]}"#,
        );
        assert_eq!(e.file, "t.json");
        assert!(e.position.starts_with("onPremises[0].objectGUID"), "{e}");
        assert!(e.message.contains("expected a GUID"), "{e}");

        // A4 (r2): a cloud ImmutableID that is not base64 of 16 bytes loads as it is, and is named.
        let b = parse_bundle(
            "t.json",
            br#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","objectType":"user","onPremisesImmutableId":"xMf1FXx9RIcbcAbDlqeOA=="},{"id":"6e7b768e-07e2-4810-8459-485f84f8f205","objectType":"user","onPremisesImmutableId":"EMP004711"}]}"#,
        )
        .expect("opaque ImmutableIDs load");
        assert_eq!(
            b.cloud[0].on_premises_immutable_id.as_deref(),
            Some("xMf1FXx9RIcbcAbDlqeOA==")
        );
        let opaque = opaque_immutable_ids(&b);
        assert_eq!(
            opaque,
            vec![(0, "xMf1FXx9RIcbcAbDlqeOA=="), (1, "EMP004711")]
        );
        assert!(
            opaque_immutable_id_message(&b.cloud[1], "EMP004711")
                .contains("not derived from a GUID")
        );

        let e = err(
            r#"{"tenant":{"initialDomain":"c.onmicrosoft.com","features":{"blockSoftMatch":true}}}"#,
        );
        assert!(e.position.starts_with("tenant.features"), "{e}");
        assert!(
            e.message.contains("unknown feature \"blockSoftMatch\""),
            "{e}"
        );

        let e = err(
            r#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"onPremises":[{"objectClass":"user","objectGUID":"88666888-0101-1111-bbbb-1234567890ab","distinguishedName":"CN=a","proxyAddresses":"SMTP:a@b.c"}]}"#,
        );
        assert!(
            e.position.starts_with("onPremises[0].proxyAddresses"),
            "{e}"
        );

        let e = err(r#"{"tenant": {"initialDomain": "c"}, "onPremises": [ {"#);
        assert!(e.message.contains("truncated"), "{e}");
        assert!(e.position.contains("line 1"), "{e}");
    }

    #[test]
    fn duplicate_object_guids_are_refused_naming_both_places() {
        let o = r#"{"objectClass":"user","objectGUID":"88666888-0101-1111-bbbb-1234567890ab","distinguishedName":"CN=a"}"#;
        let e = err(&format!(
            r#"{{"tenant":{{"initialDomain":"c.onmicrosoft.com"}},"onPremises":[{o},{o}]}}"#
        ));
        assert_eq!(e.position, "onPremises[1].objectGUID");
        assert!(e.message.contains("onPremises[0]"), "{e}");
    }

    #[test]
    fn ad_attribute_names_match_case_insensitively_and_round_trip() {
        let text = r##"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"onPremises":[{"ObjectClass":"user","ObjectGUID":"88666888-0101-1111-bbbb-1234567890ab","DistinguishedName":"CN=a,DC=c","UserPrincipalName":"a@c.com","mS-DS-ConsistencyGuid":"8d6c6818-018c-4f11-9bb8-1b04e2caa1b6","department":"Sales"}],"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","@odata.type":"#microsoft.graph.user","jobTitle":"CFO"}]}"##;
        let b = parse_bundle("t.json", text.as_bytes()).unwrap();
        let o = &b.on_premises[0];
        assert_eq!(o.user_principal_name.as_deref(), Some("a@c.com"));
        assert_eq!(
            o.consistency_guid.unwrap().immutable_id(),
            "GGhsjYwBEU+buBsE4sqhtg=="
        );
        assert_eq!(o.extra.get("department").unwrap(), "Sales");
        let again = parse_bundle(
            "t.json",
            serde_json::to_string(&bundle_to_json(&b))
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn the_file_reader_streams_the_same_bundle_and_the_same_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.json");
        // Escaped keys and values take the copying paths of the reader.
        let text = r#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"onPremises":[{"objectClass":["top","person","organizationalPerson","user"],"objectGUID":"88666888-0101-1111-bbbb-1234567890ab","distinguishedName":"CN=a,DC=c","\u006dail":"a@c.com","mS-DS-ConsistencyGuid":"{8d6c6818-018c-4f11-9bb8-1b04e2caa1b6}"}],"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","objectType":"us\u0065r"}]}"#;
        std::fs::write(&path, text).unwrap();
        let streamed = load_bundle(&path).unwrap();
        assert_eq!(streamed, parse_bundle("t.json", text.as_bytes()).unwrap());
        assert_eq!(streamed.on_premises[0].mail.as_deref(), Some("a@c.com"));
        assert_eq!(streamed.on_premises[0].object_class, ObjectKind::User);
        assert_eq!(streamed.cloud[0].object_type, ObjectKind::User);

        let bad = r#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","objectType":"user"},{"id":"6e7b768e-07e2-4810-8459-485f84f8f205","objectType":"printer"}]}"#;
        std::fs::write(&path, bad).unwrap();
        let e = load_bundle(&path).unwrap_err();
        assert_eq!(
            e,
            parse_bundle(&path.display().to_string(), bad.as_bytes()).unwrap_err()
        );
        assert!(e.position.starts_with("cloud[1]"), "{e}");
        assert!(e.message.contains("\"printer\""), "{e}");

        let e = load_bundle(&dir.path().join("missing.json")).unwrap_err();
        assert!(
            e.file.ends_with("missing.json") && e.message.contains("cannot read"),
            "{e}"
        );
    }

    #[test]
    fn a_large_document_read_on_two_threads_gives_the_same_bundle() {
        let generated = crate::generate::generate(6_000, 9);
        let mut text = Vec::new();
        write_bundle(&generated, &mut text).unwrap();
        assert!(text.len() > PARALLEL_FROM, "large enough for two readers");
        assert_eq!(parse_bundle("big.json", &text).unwrap(), generated);
        // A bad value deep in the cloud list is still reported with its path.
        let bad = String::from_utf8(text)
            .unwrap()
            .replacen("\"objectType\":\"group\"", "\"objectType\":7", 1)
            .into_bytes();
        let e = parse_bundle("big.json", &bad).unwrap_err();
        assert!(e.position.starts_with("cloud["), "{e}");
        assert!(
            e.position.ends_with("].objectType") || e.position.contains("].objectType "),
            "{e}"
        );
    }

    #[test]
    fn streaming_writer_writes_the_same_document_as_bundle_to_json() {
        let text = r##"{"tenant":{"initialDomain":"c.onmicrosoft.com","domains":[{"id":"c.com","isVerified":true}]},"connect":{"includedOUs":["DC=c"]},"capturedDateTime":"2026-07-15T06:00:00Z","onPremises":[{"objectClass":"group","objectGUID":"88666888-0101-1111-bbbb-1234567890ab","distinguishedName":"CN=g,DC=c","groupType":-2147483646,"objectSid":"S-1-5-21-1-2-3-1104","department":"IT"}],"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","objectType":"group","groupTypes":["Unified"],"assignedLicenses":[{"skuId":"05e9a617-0261-4cee-bb44-138d3ef5d965"}],"onPremisesProvisioningErrors":[{"propertyCausingError":"ProxyAddresses","value":"SMTP:g@c.com"}],"visibility":"Private"}],"exportTool":"adsync-export 2.1"}"##;
        let b = parse_bundle("t.json", text.as_bytes()).unwrap();
        let mut streamed = Vec::new();
        write_bundle(&b, &mut streamed).unwrap();
        let built = serde_json::to_string(&bundle_to_json(&b)).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), built);
        assert_eq!(parse_bundle("t.json", built.as_bytes()).unwrap(), b);
    }
}
