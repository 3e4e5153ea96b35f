//! The two directories, the tenant and the Connect settings: what a snapshot bundle holds
//! (interfaces §1). Pure data plus the small derived facts the rule book defines on it
//! (primary SMTP P1, discarded values P2, mail-enabled groups M4, anchors A2).

use crate::anchor::Anchor;
use crate::settings::Settings;
pub use crate::shared::Shared;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A directory value. Most values (sAMAccountName, mailNickname, an ImmutableID, many UPNs) are
/// at most 24 bytes and are kept inside the 24-byte slot with no allocation of their own; longer
/// ones are one allocation, as a `String` is (issue 15, the compact model).
pub type Text = compact_str::CompactString;

/// AD `objectClass` / Entra object type.
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord,
)]
pub enum ObjectKind {
    User,
    Group,
    Contact,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::User => "user",
            ObjectKind::Group => "group",
            ObjectKind::Contact => "contact",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        const NAMES: [(&str, ObjectKind); 8] = [
            ("user", ObjectKind::User),
            ("inetorgperson", ObjectKind::User),
            ("#microsoft.graph.user", ObjectKind::User),
            ("group", ObjectKind::Group),
            ("#microsoft.graph.group", ObjectKind::Group),
            ("contact", ObjectKind::Contact),
            ("orgcontact", ObjectKind::Contact),
            ("#microsoft.graph.orgcontact", ObjectKind::Contact),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(_, kind)| kind)
    }
}

/// An AD user, group or contact.
#[derive(Clone, Debug, PartialEq)]
pub struct OnPremObject {
    pub object_class: ObjectKind,
    pub object_guid: Uuid,
    pub distinguished_name: Text,
    pub sam_account_name: Option<Text>,
    pub user_principal_name: Option<Text>,
    pub mail: Option<Text>,
    pub proxy_addresses: Vec<Text>,
    pub display_name: Option<Text>,
    /// `mS-DS-ConsistencyGuid` as bytes (A2).
    pub consistency_guid: Option<Anchor>,
    pub group_type: Option<i64>,
    pub object_sid: Option<Text>,
    pub mail_nickname: Option<Text>,
    /// Every other attribute of the export, kept for display and written back unchanged.
    pub extra: Extra,
}

/// An Entra user, group or orgContact.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudObject {
    pub id: Uuid,
    pub object_type: ObjectKind,
    pub display_name: Option<Text>,
    pub user_principal_name: Option<Text>,
    pub mail: Option<Text>,
    pub mail_nickname: Option<Text>,
    pub proxy_addresses: Vec<Text>,
    /// ImmutableID text. Compared as text, case-sensitively (A3).
    pub on_premises_immutable_id: Option<Text>,
    pub on_premises_sync_enabled: Option<bool>,
    pub on_premises_security_identifier: Option<Text>,
    pub on_premises_object_identifier: Option<Text>,
    pub assigned_licenses: Vec<Text>,
    pub directory_roles: Vec<Text>,
    pub eligible_directory_roles: Vec<Text>,
    pub deleted_date_time: Option<Text>,
    pub on_premises_provisioning_errors: Vec<ProvisioningError>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub group_types: Vec<Text>,
    pub extra: Extra,
}

/// Which uniqueness namespace a conflicting value belongs to (P4, Q1).
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord,
)]
pub enum PropertyName {
    UserPrincipalName,
    ProxyAddresses,
}

impl PropertyName {
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyName::UserPrincipalName => "UserPrincipalName",
            PropertyName::ProxyAddresses => "ProxyAddresses",
        }
    }

    /// Exact, case-sensitive spelling, as the cmdlet's `-PropertyName` takes it (§7).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "UserPrincipalName" => Some(PropertyName::UserPrincipalName),
            "ProxyAddresses" => Some(PropertyName::ProxyAddresses),
            _ => None,
        }
    }
}

/// Graph `onPremisesProvisioningError`: a quarantined value (Q1).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningError {
    pub category: Text,
    pub property_causing_error: Text,
    pub value: Text,
    pub occurred_date_time: Option<Text>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuthenticationType {
    Managed,
    Federated,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    pub id: String,
    pub authentication_type: AuthenticationType,
    pub is_verified: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tenant {
    pub initial_domain: String,
    pub domains: Vec<Domain>,
}

/// Connect's `sourceAnchor` attribute (A2).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SourceAnchorAttribute {
    ObjectGuid,
    ConsistencyGuid,
}

impl SourceAnchorAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceAnchorAttribute::ObjectGuid => "objectGUID",
            SourceAnchorAttribute::ConsistencyGuid => "mS-DS-ConsistencyGuid",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConnectSettings {
    pub source_anchor: SourceAnchorAttribute,
    /// `None`: the whole directory is in scope (Q6).
    pub included_ous: Option<Vec<String>>,
    pub deletion_threshold: u32,
}

impl Default for ConnectSettings {
    fn default() -> Self {
        ConnectSettings {
            source_anchor: SourceAnchorAttribute::ConsistencyGuid,
            included_ous: None,
            deletion_threshold: 500,
        }
    }
}

/// A snapshot of both directories, the tenant and the Connect settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    pub tenant: Tenant,
    /// Tenant features and rule-book switches, effective values.
    pub settings: Settings,
    pub connect: ConnectSettings,
    /// Copy-on-write ([`Shared`]): a copy of the bundle shares the objects it does not change.
    pub on_premises: Vec<Shared<OnPremObject>>,
    pub cloud: Vec<Shared<CloudObject>>,
    /// When the snapshot was taken; simulated provisioning errors carry this time.
    pub captured_date_time: Option<String>,
    /// Top-level keys this version does not read, written back unchanged.
    pub extra: Map<String, Value>,
}

/// Why an address or UPN takes no part in matching (P2).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Discard {
    SpaceAfterColon,
    ContainsSpace,
    OnMicrosoftDomain,
    NotAnAddress,
}

impl Discard {
    pub fn describe(self) -> &'static str {
        match self {
            Discard::SpaceAfterColon => "a space after the colon",
            Discard::ContainsSpace => "a space inside the address",
            Discard::OnMicrosoftDomain => {
                "an @*.onmicrosoft.com address (the service assigns those)"
            }
            Discard::NotAnAddress => "not of the form local@domain",
        }
    }
}

/// One SMTP proxy address, split into its parts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SmtpProxy<'a> {
    /// The full value as written, prefix included.
    pub raw: &'a str,
    /// The address without its prefix.
    pub address: &'a str,
    /// `SMTP:` (upper case) marks the primary (P1).
    pub primary: bool,
}

/// The SMTP proxies of a proxyAddresses list (X500:, SIP: and other prefixes are not SMTP).
pub fn smtp_proxies(proxies: &[Text]) -> impl Iterator<Item = SmtpProxy<'_>> {
    proxies.iter().filter_map(|raw| {
        let (prefix, rest) = raw.split_at_checked(5)?;
        if !prefix.eq_ignore_ascii_case("smtp:") {
            return None;
        }
        Some(SmtpProxy {
            raw,
            address: rest,
            primary: prefix == "SMTP:",
        })
    })
}

/// P4 (d): proxy addresses with a prefix other than `smtp:` (compared with their prefix).
pub fn other_proxies(proxies: &[Text]) -> impl Iterator<Item = &str> {
    proxies.iter().map(Text::as_str).filter(|raw| {
        raw.split_once(':').is_some_and(|(prefix, rest)| {
            !prefix.is_empty() && !rest.trim().is_empty() && !prefix.eq_ignore_ascii_case("smtp")
        })
    })
}

/// P2: whether the service would discard this address (as written after the prefix).
pub fn discarded_address(address: &str) -> Option<Discard> {
    if address.starts_with(' ') {
        return Some(Discard::SpaceAfterColon);
    }
    if address.contains(char::is_whitespace) {
        return Some(Discard::ContainsSpace);
    }
    let (local, domain) = address.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return Some(Discard::NotAnAddress);
    }
    if domain.to_ascii_lowercase().ends_with(".onmicrosoft.com") {
        return Some(Discard::OnMicrosoftDomain);
    }
    None
}

/// P1 primary SMTP of a proxy list, with `mail` as the fallback when there are no proxies.
fn primary_smtp_of<'a>(proxies: &'a [Text], mail: Option<&'a str>) -> Option<&'a str> {
    if proxies.is_empty() {
        return mail.filter(|m| !m.is_empty());
    }
    smtp_proxies(proxies)
        .find(|p| p.primary)
        .map(|p| p.address)
        .or_else(|| {
            // Proxies without any SMTP: value (X500 only, say) fall back to mail as well.
            smtp_proxies(proxies)
                .next()
                .is_none()
                .then_some(mail)
                .flatten()
        })
}

/// An address without its `SMTP:` / `smtp:` prefix (quarantined values keep the prefix).
pub fn strip_smtp_prefix(value: &str) -> &str {
    match value.split_at_checked(5) {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("smtp:") => rest,
        _ => value,
    }
}

/// The domain part of a UPN or address.
pub fn domain_of(value: &str) -> Option<&str> {
    value.rsplit_once('@').map(|(_, d)| d)
}

/// The part before the `@`.
pub fn local_part(value: &str) -> &str {
    value.split_once('@').map_or(value, |(l, _)| l)
}

impl OnPremObject {
    /// P1: the primary SMTP address.
    pub fn primary_smtp(&self) -> Option<&str> {
        primary_smtp_of(&self.proxy_addresses, self.mail.as_deref())
    }

    /// Every SMTP address this object would hold in the cloud: its SMTP proxies, or `mail`
    /// alone when it has no proxies (P1, P4).
    pub fn smtp_addresses(&self) -> Vec<SmtpProxy<'_>> {
        if self.proxy_addresses.is_empty() {
            return self
                .mail
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(|m| SmtpProxy {
                    raw: m,
                    address: m,
                    primary: true,
                })
                .into_iter()
                .collect();
        }
        smtp_proxies(&self.proxy_addresses).collect()
    }

    /// M4: mail-enabled when it has `mail` or an SMTP proxy.
    pub fn is_mail_enabled(&self) -> bool {
        self.mail.as_deref().is_some_and(|m| !m.is_empty())
            || smtp_proxies(&self.proxy_addresses).next().is_some()
    }

    /// A2: the sourceAnchor this object is synced with.
    pub fn source_anchor(&self, attribute: SourceAnchorAttribute) -> Anchor {
        match (attribute, self.object_class, self.consistency_guid) {
            (SourceAnchorAttribute::ConsistencyGuid, ObjectKind::User, Some(cg)) => cg,
            _ => Anchor::from_guid(self.object_guid),
        }
    }

    /// A name for people: displayName, else the DN's first RDN value.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| crate::dn::first_rdn_value_escaped(&self.distinguished_name))
    }

    /// [`Self::name`] with the DN escapes of a derived name resolved (RFC 4514): `Eriksson, Björn`
    /// for `CN=Eriksson\, Björn,…`.
    pub fn label(&self) -> std::borrow::Cow<'_, str> {
        match self.display_name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => std::borrow::Cow::Borrowed(n),
            None => rdn_value(&self.distinguished_name),
        }
    }

    /// The identifier people recognise: UPN for users, primary SMTP otherwise.
    pub fn principal(&self) -> Option<&str> {
        match self.object_class {
            ObjectKind::User => self
                .user_principal_name
                .as_deref()
                .or_else(|| self.primary_smtp()),
            _ => self.primary_smtp(),
        }
    }

    /// M9: MailNickName = mailNickname, else primary SMTP prefix, else mail prefix, else UPN prefix.
    pub fn mail_nickname_for_cloud(&self) -> Option<&str> {
        self.mail_nickname
            .as_deref()
            .filter(|n| !n.is_empty())
            .or_else(|| self.primary_smtp().map(local_part))
            .or_else(|| self.mail.as_deref().map(local_part))
            .or_else(|| self.user_principal_name.as_deref().map(local_part))
            .or(self.sam_account_name.as_deref())
    }
}

impl OnPremObject {
    /// An attribute kept in `extra`, its name matched case-insensitively (AD attribute names).
    pub fn extra_attr(&self, name: &str) -> Option<Value> {
        self.extra.get_ignore_case(name)
    }

    /// Q7: `isCriticalSystemObject` (true, or the text TRUE as LDIF and CSV exports write it).
    pub fn is_critical_system_object(&self) -> bool {
        self.extra_attr("isCriticalSystemObject")
            .is_some_and(|v| truthy(&v))
    }

    /// Q7: `msExchRecipientTypeDetails` as a number (a JSON number or its decimal text).
    pub fn recipient_type_details(&self) -> Option<i64> {
        self.extra_attr("msExchRecipientTypeDetails")
            .and_then(|v| integer(&v))
    }

    /// Q7's attributes in one pass over `extra` (the planner asks for every object):
    /// isCriticalSystemObject, msExchRecipientTypeDetails, msExchHideFromAddressLists, memberCount.
    pub fn system_attributes(&self) -> SystemAttributes {
        let mut a = SystemAttributes::default();
        self.extra.for_each(|k, raw| {
            let value = || serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null);
            if k.eq_ignore_ascii_case("isCriticalSystemObject") {
                a.critical = truthy(&value());
            } else if k.eq_ignore_ascii_case("msExchRecipientTypeDetails") {
                a.recipient_type_details = integer(&value());
            } else if k.eq_ignore_ascii_case("msExchHideFromAddressLists") {
                a.hidden_from_address_lists = truthy(&value());
            } else if k.eq_ignore_ascii_case("memberCount") {
                a.member_count = integer(&value());
            }
        });
        a
    }

    /// Q7: `msExchHideFromAddressLists`.
    pub fn hidden_from_address_lists(&self) -> bool {
        self.extra_attr("msExchHideFromAddressLists")
            .is_some_and(|v| truthy(&v))
    }
}

/// The attributes Connect's out-of-box filters read (Q7), from [`OnPremObject::system_attributes`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemAttributes {
    pub critical: bool,
    pub recipient_type_details: Option<i64>,
    pub hidden_from_address_lists: bool,
    pub member_count: Option<i64>,
}

/// true / "TRUE" / "True" / 1 (a one-valued list counts as its value).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        Value::Array(a) if a.len() == 1 => truthy(&a[0]),
        _ => false,
    }
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Array(a) if a.len() == 1 => integer(&a[0]),
        _ => None,
    }
}

/// The attributes of an object this version does not model, kept as the text of one compact
/// JSON object (`{"givenName":"Ada","sn":"Lovelace"}`) and written back unchanged. One
/// allocation per object instead of a map of keys and values: at a million objects the maps
/// cost more memory than the file they came from (issue 15). Keys are unique (the readers refuse
/// a duplicate), in the order they were read.
#[derive(serde::Serialize, serde::Deserialize, Clone, Default)]
pub struct Extra(Box<str>);

impl Extra {
    pub fn new() -> Self {
        Extra::default()
    }

    /// Wraps compact JSON object text the bundle reader wrote with [`ExtraBuilder`].
    fn from_json(text: String) -> Self {
        if text.len() <= 2 {
            return Extra::default();
        }
        Extra(text.into_boxed_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many attributes.
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }

    /// The attributes as compact JSON object text (`{}` when there are none).
    pub fn as_json(&self) -> &str {
        if self.0.is_empty() { "{}" } else { &self.0 }
    }

    /// Each attribute's name and raw JSON value, in order, without building values.
    pub fn for_each<'a>(&'a self, f: impl FnMut(&str, &'a RawValue)) {
        if self.0.is_empty() {
            return;
        }
        let mut de = serde_json::Deserializer::from_str(&self.0);
        // The text was written by `ExtraBuilder` from values already read, so it parses.
        let _ = serde::de::DeserializeSeed::deserialize(EachEntry(f), &mut de);
    }

    /// The value of an attribute, by its exact name.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.get_raw(name).map(parse_raw)
    }

    /// The JSON text of an attribute's value as it is kept, by its exact name.
    pub fn get_raw(&self, name: &str) -> Option<&RawValue> {
        let mut found = None;
        self.for_each(|k, raw| {
            if found.is_none() && k == name {
                found = Some(raw);
            }
        });
        found
    }

    /// The value of an attribute, its name matched exactly first, else ignoring ASCII case.
    pub fn get_ignore_case(&self, name: &str) -> Option<Value> {
        let (mut exact, mut folded) = (None, None);
        self.for_each(|k, raw| {
            if exact.is_none() && k == name {
                exact = Some(raw);
            } else if folded.is_none() && k.eq_ignore_ascii_case(name) {
                folded = Some(raw);
            }
        });
        exact.or(folded).map(parse_raw)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        let mut found = false;
        self.for_each(|k, _| found |= k == name);
        found
    }

    /// The attributes as a map of values (for display and comparison).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        self.for_each(|k, raw| {
            m.insert(k.to_string(), parse_raw(raw));
        });
        m
    }

    /// The attributes as (name, value) pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (String, Value)> {
        self.to_map().into_iter()
    }

    /// Sets an attribute to a value given as compact JSON text (as `serde_json` writes it):
    /// added at the end as it is, with no value built, or replaced where it is.
    pub fn set_json(&mut self, name: &str, json: &str) {
        if self.contains_key(name) {
            let value = serde_json::from_str(json).unwrap_or(Value::Null);
            self.insert(name.to_string(), value);
            return;
        }
        let mut b = ExtraBuilder {
            text: std::mem::take(&mut self.0).into_string(),
        };
        if b.text.ends_with('}') {
            b.text.pop();
        }
        b.push_json(name, json);
        *self = b.finish();
    }

    /// Sets an attribute: replaced where it is, else added at the end. Returns the old value.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        if !self.contains_key(&name) {
            let mut b = ExtraBuilder {
                text: std::mem::take(&mut self.0).into_string(),
            };
            if b.text.ends_with('}') {
                b.text.pop();
            }
            b.push(&name, &value);
            *self = b.finish();
            return None;
        }
        let mut m = self.to_map();
        let old = m.insert(name, value);
        *self = Extra::from(m);
        old
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        if !self.contains_key(name) {
            return None;
        }
        let mut m = self.to_map();
        let old = m.shift_remove(name);
        *self = Extra::from(m);
        old
    }

    pub fn clear(&mut self) {
        self.0 = Box::default();
    }
}

fn parse_raw(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

impl From<Map<String, Value>> for Extra {
    fn from(m: Map<String, Value>) -> Self {
        let mut b = ExtraBuilder::default();
        for (k, v) in &m {
            b.push(k, v);
        }
        b.finish()
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.to_map() == other.to_map()
    }
}

impl std::fmt::Debug for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Writes an [`Extra`] one attribute at a time (the readers: one buffer per object, no map).
#[derive(Default)]
pub struct ExtraBuilder {
    text: String,
}

impl ExtraBuilder {
    /// Adds an attribute; the caller keeps names unique.
    pub fn push(&mut self, name: &str, value: &Value) {
        self.push_with(name, |out| {
            let _ = serde_json::to_writer(out, value);
        });
    }

    /// Adds an attribute whose value is compact JSON text already; the caller keeps names
    /// unique.
    fn push_json(&mut self, name: &str, json: &str) {
        self.push_with(name, |out| out.extend_from_slice(json.as_bytes()));
    }

    fn push_with(&mut self, name: &str, value: impl FnOnce(&mut Vec<u8>)) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        // Writing JSON into a String cannot fail: every key is a string.
        let mut out = std::mem::take(&mut self.text).into_bytes();
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        value(&mut out);
        // serde_json writes UTF-8, and `push_json` is given its text.
        self.text = String::from_utf8(out).unwrap_or_default();
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn finish(mut self) -> Extra {
        if self.text.is_empty() {
            return Extra::default();
        }
        self.text.push('}');
        Extra::from_json(self.text)
    }
}

/// Calls a closure with each entry of a JSON object, values borrowed raw.
struct EachEntry<F>(F);

impl<'de, F: FnMut(&str, &'de RawValue)> serde::de::DeserializeSeed<'de> for EachEntry<F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(&str, &'de RawValue)> serde::de::Visitor<'de> for EachEntry<F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(EntryKey(key)) = map.next_key::<EntryKey<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            (self.0)(&key, raw);
        }
        Ok(())
    }
}

/// A key borrowed from the text unless it has escapes (serde's `Cow` always copies).
struct EntryKey<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for EntryKey<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = EntryKey<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(EntryKey(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(EntryKey(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// What the simulated sync last exported for a linked object (M8, M9 r2): the on-prem values
/// that decide when the cloud UPN is recalculated. Kept on the cloud object under
/// [`LAST_EXPORT_KEY`] so that a bundle written by `sync` remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastExport {
    pub object_guid: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail_nickname: Option<String>,
    /// Whether the on-prem UPN's suffix was a verified domain then (M9).
    pub upn_suffix_verified: bool,
}

/// The cloud object's key for [`LastExport`] (simulator state, not a Graph property).
pub const LAST_EXPORT_KEY: &str = "syncscopeLastExport";

impl CloudObject {
    /// M10: `onPremisesSyncBehavior.isCloudManaged` (source of authority switched to the cloud).
    pub fn is_cloud_managed(&self) -> bool {
        self.extra
            .get("onPremisesSyncBehavior")
            .is_some_and(|b| b.get("isCloudManaged").is_some_and(truthy))
    }

    /// M10: sets `onPremisesSyncBehavior.isCloudManaged`.
    pub fn set_cloud_managed(&mut self, value: bool) {
        let mut entry = match self.extra.get("onPremisesSyncBehavior") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        entry.insert("isCloudManaged".into(), Value::Bool(value));
        self.extra
            .insert("onPremisesSyncBehavior".into(), Value::Object(entry));
    }

    /// M8, M9 (r2): what the simulated sync last exported to this object, if it remembers.
    pub fn last_export(&self) -> Option<LastExport> {
        let Value::Object(m) = self.extra.get(LAST_EXPORT_KEY)? else {
            return None;
        };
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        Some(LastExport {
            object_guid: text("objectGUID"),
            user_principal_name: text("userPrincipalName"),
            mail_nickname: text("mailNickname"),
            upn_suffix_verified: m
                .get("upnSuffixVerified")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        })
    }

    pub fn set_last_export(&mut self, e: &LastExport) {
        self.extra.set_json(LAST_EXPORT_KEY, &last_export_text(e));
    }

    /// Whether the last export recorded is exactly `e` (so writing it again changes nothing).
    pub fn has_last_export(&self, e: &LastExport) -> bool {
        match self.extra.get_raw(LAST_EXPORT_KEY) {
            None => false,
            // The text `set_last_export` writes: the same text, the same value.
            Some(raw) if raw.get() == last_export_text(e) => true,
            // Written some other way (a bundle edited by hand): compared as values.
            Some(raw) => parse_raw(raw) == last_export_json(e),
        }
    }

    /// The non-SMTP proxy addresses (`SIP:`, `X500:`, `EUM:` …), P4 (d).
    pub fn other_proxies(&self) -> impl Iterator<Item = &str> {
        other_proxies(&self.proxy_addresses)
    }

    /// P1 on the cloud side.
    pub fn primary_smtp(&self) -> Option<&str> {
        primary_smtp_of(&self.proxy_addresses, self.mail.as_deref())
    }

    /// Every SMTP address this object holds (P4): its SMTP proxies, or `mail` without proxies.
    pub fn smtp_addresses(&self) -> Vec<&str> {
        if self.proxy_addresses.is_empty() {
            return self
                .mail
                .as_deref()
                .filter(|m| !m.is_empty())
                .into_iter()
                .collect();
        }
        smtp_proxies(&self.proxy_addresses)
            .map(|p| p.address)
            .collect()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_date_time.is_some()
    }

    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }

    /// Assigned or eligible directory role (M3 hardening, M6).
    pub fn has_directory_role(&self) -> bool {
        !self.directory_roles.is_empty() || !self.eligible_directory_roles.is_empty()
    }

    pub fn all_roles(&self) -> impl Iterator<Item = &Text> {
        self.directory_roles
            .iter()
            .chain(self.eligible_directory_roles.iter())
    }

    /// M4: Microsoft 365 groups are never soft-match targets.
    pub fn is_unified_group(&self) -> bool {
        self.object_type == ObjectKind::Group
            && self
                .group_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case("Unified"))
    }

    pub fn is_licensed(&self) -> bool {
        !self.assigned_licenses.is_empty()
    }

    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.user_principal_name.as_deref())
            .or(self.mail.as_deref())
            .unwrap_or("(no name)")
    }

    pub fn principal(&self) -> Option<&str> {
        match self.object_type {
            ObjectKind::User => self.user_principal_name.as_deref(),
            _ => self.primary_smtp(),
        }
    }

    /// A new, empty cloud object of a kind (used when a sync provisions one).
    pub fn new(id: Uuid, object_type: ObjectKind) -> Self {
        CloudObject {
            id,
            object_type,
            display_name: None,
            user_principal_name: None,
            mail: None,
            mail_nickname: None,
            proxy_addresses: Vec::new(),
            on_premises_immutable_id: None,
            on_premises_sync_enabled: None,
            on_premises_security_identifier: None,
            on_premises_object_identifier: None,
            assigned_licenses: Vec::new(),
            directory_roles: Vec::new(),
            eligible_directory_roles: Vec::new(),
            deleted_date_time: None,
            on_premises_provisioning_errors: Vec::new(),
            mail_enabled: None,
            security_enabled: None,
            group_types: Vec::new(),
            extra: Extra::new(),
        }
    }
}

impl Tenant {
    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains
            .iter()
            .find(|d| d.id.eq_ignore_ascii_case(name))
    }

    /// M9: a UPN suffix is usable when it is a verified domain of the tenant (the initial
    /// `*.onmicrosoft.com` domain always is).
    pub fn is_verified_suffix(&self, domain: &str) -> bool {
        domain.eq_ignore_ascii_case(&self.initial_domain)
            || self.domain(domain).is_some_and(|d| d.is_verified)
    }

    pub fn is_federated(&self, domain: &str) -> bool {
        self.domain(domain)
            .is_some_and(|d| d.authentication_type == AuthenticationType::Federated)
    }
}

impl ConnectSettings {
    /// Q6: whether a DN lies in one of the included OUs (case-insensitive, on RDN boundaries).
    pub fn in_scope(&self, dn: &str) -> bool {
        let Some(ous) = &self.included_ous else {
            return true;
        };
        ous.iter().any(|ou| dn_is_under(dn, ou))
    }
}

/// Whether `dn` equals `container` or lies below it: the container's RDNs end the DN's, each
/// compared trimmed and case-insensitively.
pub fn dn_is_under(dn: &str, container: &str) -> bool {
    if dn.contains('\\') || container.contains('\\') {
        // RFC 4514: an escaped comma is part of its RDN, not a separator.
        let (d, c) = (crate::dn::rdns(dn), crate::dn::rdns(container));
        return d.len() >= c.len()
            && d.iter()
                .rev()
                .zip(c.iter().rev())
                .all(|(a, b)| a.to_lowercase() == b.to_lowercase());
    }
    if !(dn.is_ascii() && container.is_ascii()) {
        let dn = normalise_dn(dn);
        let container = normalise_dn(container);
        return dn == container || dn.ends_with(&format!(",{container}"));
    }
    // ASCII (nearly every DN): the same comparison, RDN by RDN from the end, allocating nothing.
    let mut rdns = dn.rsplit(',');
    container.rsplit(',').all(|c| {
        rdns.next()
            .is_some_and(|d| d.trim().eq_ignore_ascii_case(c.trim()))
    })
}

fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// The value of a DN's first RDN (`Alice Ng` of `CN=Alice Ng,OU=…`).
pub fn rdn_value(dn: &str) -> std::borrow::Cow<'_, str> {
    crate::dn::unescape_value(crate::dn::first_rdn_value_escaped(dn))
}

/// [`LastExport`] as compact JSON text, written straight from its fields: the bytes
/// `serde_json` writes for [`last_export_json`] (same keys, same order), with no value built (a
/// first sync writes it on every linked user).
fn last_export_text(e: &LastExport) -> String {
    #[derive(serde::Serialize)]
    struct Exported<'a> {
        #[serde(rename = "objectGUID", skip_serializing_if = "Option::is_none")]
        object_guid: Option<&'a str>,
        #[serde(rename = "userPrincipalName", skip_serializing_if = "Option::is_none")]
        user_principal_name: Option<&'a str>,
        #[serde(rename = "mailNickname", skip_serializing_if = "Option::is_none")]
        mail_nickname: Option<&'a str>,
        #[serde(rename = "upnSuffixVerified")]
        upn_suffix_verified: bool,
    }
    serde_json::to_string(&Exported {
        object_guid: e.object_guid.as_deref(),
        user_principal_name: e.user_principal_name.as_deref(),
        mail_nickname: e.mail_nickname.as_deref(),
        upn_suffix_verified: e.upn_suffix_verified,
    })
    .unwrap_or_default()
}

fn last_export_json(e: &LastExport) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    };
    put("objectGUID", &e.object_guid);
    put("userPrincipalName", &e.user_principal_name);
    put("mailNickname", &e.mail_nickname);
    m.insert(
        "upnSuffixVerified".into(),
        Value::Bool(e.upn_suffix_verified),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(proxies: &[&str], mail: Option<&str>) -> OnPremObject {
        OnPremObject {
            object_class: ObjectKind::User,
            object_guid: Uuid::nil(),
            distinguished_name: "CN=X,OU=Corp,DC=contoso,DC=com".into(),
            sam_account_name: None,
            user_principal_name: None,
            mail: mail.map(Into::into),
            proxy_addresses: proxies.iter().map(|s| Text::from(*s)).collect(),
            display_name: None,
            consistency_guid: None,
            group_type: None,
            object_sid: None,
            mail_nickname: None,
            extra: Extra::new(),
        }
    }

    /// M8: the last export is kept as the text `serde_json` writes for its value, whatever
    /// its fields hold; it is found again as written, and an equal value written by hand in
    /// another key order counts as the same export.
    #[test]
    fn the_last_export_is_kept_as_its_json_text_and_found_again() {
        let exports = [
            LastExport {
                object_guid: Some("2f0c7e1e-0000-4000-8000-000000000001".into()),
                user_principal_name: Some("ada \"the\" lovelace@contoso.com".into()),
                mail_nickname: Some("ada\u{e9}\n".into()),
                upn_suffix_verified: true,
            },
            LastExport {
                object_guid: None,
                user_principal_name: None,
                mail_nickname: None,
                upn_suffix_verified: false,
            },
        ];
        for e in &exports {
            let text = serde_json::to_string(&last_export_json(e)).unwrap();
            assert_eq!(last_export_text(e), text);
            let mut c = CloudObject::new(Uuid::nil(), ObjectKind::User);
            c.extra.insert("givenName".into(), Value::from("Ada"));
            assert!(!c.has_last_export(e));
            c.set_last_export(e);
            assert!(c.has_last_export(e));
            assert_eq!(c.last_export().as_ref(), Some(e));
            assert_eq!(
                c.extra.as_json(),
                format!(r#"{{"givenName":"Ada","{LAST_EXPORT_KEY}":{text}}}"#)
            );
            let other = LastExport {
                upn_suffix_verified: !e.upn_suffix_verified,
                ..e.clone()
            };
            assert!(!c.has_last_export(&other));
            // Replaced where it is.
            c.set_last_export(&other);
            assert!(c.has_last_export(&other) && !c.has_last_export(e));
            assert_eq!(
                c.extra.to_map().keys().collect::<Vec<_>>(),
                ["givenName", LAST_EXPORT_KEY]
            );
        }
        // Written by hand, in another order.
        let mut c = CloudObject::new(Uuid::nil(), ObjectKind::User);
        let by_hand: Value =
            serde_json::from_str(r#"{ "upnSuffixVerified": false, "userPrincipalName": "a@b.c" }"#)
                .unwrap();
        c.extra.insert(LAST_EXPORT_KEY.into(), by_hand);
        let e = LastExport {
            object_guid: None,
            user_principal_name: Some("a@b.c".into()),
            mail_nickname: None,
            upn_suffix_verified: false,
        };
        assert!(c.has_last_export(&e));
    }

    #[test]
    fn p1_primary_is_the_upper_case_prefix_else_mail() {
        let u = user(
            &["smtp:b@contoso.com", "SMTP:a@contoso.com"],
            Some("m@contoso.com"),
        );
        assert_eq!(u.primary_smtp(), Some("a@contoso.com"));
        let u = user(&[], Some("m@contoso.com"));
        assert_eq!(u.primary_smtp(), Some("m@contoso.com"));
        // Only secondaries: no primary, and mail does not stand in once proxies exist.
        let u = user(&["smtp:b@contoso.com"], Some("m@contoso.com"));
        assert_eq!(u.primary_smtp(), None);
        let u = user(&["X500:/o=ExchangeLabs/cn=a"], Some("m@contoso.com"));
        assert_eq!(u.primary_smtp(), Some("m@contoso.com"));
    }

    #[test]
    fn p2_discarded_values() {
        assert_eq!(
            discarded_address(" bob@contoso.com"),
            Some(Discard::SpaceAfterColon)
        );
        assert_eq!(
            discarded_address("bob smith@contoso.com"),
            Some(Discard::ContainsSpace)
        );
        assert_eq!(
            discarded_address("bob@contoso.onmicrosoft.com"),
            Some(Discard::OnMicrosoftDomain)
        );
        assert_eq!(discarded_address("bob@contoso.com"), None);
    }

    #[test]
    fn q6_scope_follows_rdn_boundaries() {
        let c = ConnectSettings {
            included_ous: Some(vec!["OU=Corp,DC=contoso,DC=com".into()]),
            ..ConnectSettings::default()
        };
        assert!(c.in_scope("CN=A,OU=Staff,OU=Corp,DC=contoso,DC=com"));
        assert!(c.in_scope("cn=a, ou=corp, dc=contoso, dc=com"));
        assert!(!c.in_scope("CN=A,OU=NotCorp,DC=contoso,DC=com"));
        assert!(!c.in_scope("CN=A,OU=Disabled,DC=contoso,DC=com"));
        assert!(c.in_scope("OU=Corp,DC=contoso,DC=com"), "the OU itself");
        assert!(!c.in_scope("DC=contoso,DC=com"), "its parent");
        assert!(c.in_scope("CN=Ng\\, Alice,OU=Corp,DC=contoso,DC=com"));
        assert!(dn_is_under("CN=Zoë,OU=Ærø,DC=c", "ou=ærø, dc=C"));
        assert!(!dn_is_under("CN=Zoë,OU=Ærø,DC=c", "OU=Æ,DC=c"));
        // The fast path answers what comparing the normalised texts answers.
        let texts = [
            "",
            ",",
            "DC=c",
            "dc=C ",
            "CN=a,DC=c",
            "CN=a, DC=c",
            "CN=a,,DC=c",
            "OU=x,CN=a,DC=c",
            "CN=a\\,b,DC=c",
            "b,DC=c",
            " DC = c",
        ];
        for dn in texts {
            for container in texts {
                // RDN by RDN (RFC 4514: `a\\,b` is one RDN), trimmed, case-insensitively.
                let rdns = |x: &str| -> Vec<String> {
                    crate::dn::rdns(x)
                        .iter()
                        .map(|r| r.to_lowercase())
                        .collect()
                };
                let (d, c) = (rdns(dn), rdns(container));
                let reference = d.len() >= c.len() && d[d.len() - c.len()..] == c[..];
                assert_eq!(
                    dn_is_under(dn, container),
                    reference,
                    "{dn:?} under {container:?}"
                );
            }
        }
    }

    #[test]
    fn a2_consistency_guid_only_for_users() {
        let mut u = user(&[], None);
        u.object_guid = Uuid::parse_str("88666888-0101-1111-bbbb-1234567890ab").unwrap();
        let cg = Anchor::parse_immutable_id("GGhsjYwBEU+buBsE4sqhtg==").unwrap();
        u.consistency_guid = Some(cg);
        assert_eq!(u.source_anchor(SourceAnchorAttribute::ConsistencyGuid), cg);
        assert_eq!(
            u.source_anchor(SourceAnchorAttribute::ObjectGuid)
                .immutable_id(),
            "iGhmiAEBERG7uxI0VniQqw=="
        );
        u.object_class = ObjectKind::Group;
        assert_eq!(
            u.source_anchor(SourceAnchorAttribute::ConsistencyGuid)
                .immutable_id(),
            "iGhmiAEBERG7uxI0VniQqw=="
        );
    }
}
