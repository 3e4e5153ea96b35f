//! One AD object as an export carries it (attribute name → values), and its conversion into the
//! model's [`OnPremObject`]. LDIF, csvde, Export-Csv and ConvertTo-Json all end here, so every
//! format reads objectGUID, the anchors, SIDs and the PowerShell placeholders the same way.

use super::FileCtx;
use crate::anchor::{Anchor, parse_guid_text};
use crate::model::{ObjectKind, OnPremObject, Text};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Stored attribute bytes of one record beyond which further non-essential values are dropped
/// (a group exported with a million `member` values, say).
const MAX_RECORD_BYTES: usize = 64 << 20;

/// One value of an attribute.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RawValue {
    Text(String),
    /// Base64 (`::`) in LDIF, `X'…'` in csvde, an integer array in ConvertTo-Json.
    Bytes(Vec<u8>),
    /// A JSON scalar from ConvertTo-Json (number, boolean) kept as it was.
    Json(Value),
}

impl RawValue {
    fn text(&self) -> Option<String> {
        match self {
            RawValue::Text(t) => Some(t.clone()),
            RawValue::Bytes(b) => String::from_utf8(b.clone()).ok(),
            RawValue::Json(Value::String(s)) => Some(s.clone()),
            RawValue::Json(Value::Number(n)) => Some(n.to_string()),
            RawValue::Json(Value::Bool(b)) => Some(if *b { "TRUE" } else { "FALSE" }.into()),
            RawValue::Json(_) => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            RawValue::Text(t) => t.len(),
            RawValue::Bytes(b) => b.len(),
            RawValue::Json(_) => 16,
        }
    }
}

/// An AD object as read from an export, before it is understood.
#[derive(Debug)]
pub(crate) struct AdRecord {
    /// `line 12` or a JSON path: where the object starts.
    pub position: String,
    /// The LDIF `dn:` line (other formats carry the DN as an attribute).
    pub dn: Option<String>,
    attrs: Vec<(String, Vec<RawValue>)>,
    bytes: usize,
    /// Values were dropped because the record grew past [`MAX_RECORD_BYTES`].
    pub truncated: bool,
}

/// Attributes that are never dropped when a record is too big.
const ESSENTIAL: [&str; 12] = [
    "objectclass",
    "objectguid",
    "distinguishedname",
    "dn",
    "samaccountname",
    "userprincipalname",
    "mail",
    "proxyaddresses",
    "displayname",
    "ms-ds-consistencyguid",
    "objectsid",
    "mailnickname",
];

impl AdRecord {
    pub(crate) fn new(position: impl Into<String>) -> Self {
        AdRecord {
            position: position.into(),
            dn: None,
            attrs: Vec::new(),
            bytes: 0,
            truncated: false,
        }
    }

    /// Adds a value; attribute names compare case-insensitively (AD's rule).
    pub(crate) fn push(&mut self, name: &str, value: RawValue) {
        let size = value.len() + name.len();
        if self.bytes + size > MAX_RECORD_BYTES
            && !ESSENTIAL.contains(&name.to_ascii_lowercase().as_str())
        {
            self.truncated = true;
            return;
        }
        self.bytes += size;
        match self
            .attrs
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, values)) => values.push(value),
            None => self.attrs.push((name.to_string(), vec![value])),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// Removes an attribute (any of the given names, case-insensitively) and returns its values.
    fn take(&mut self, names: &[&str]) -> Option<(String, Vec<RawValue>)> {
        let i = self
            .attrs
            .iter()
            .position(|(n, _)| names.iter().any(|m| n.eq_ignore_ascii_case(m)))?;
        Some(self.attrs.remove(i))
    }
}

/// PowerShell writes a type name where it could not flatten a value (Export-Csv of a
/// multi-valued or binary attribute): `Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`,
/// `System.Byte[]`, `System.Object[]`.
pub(crate) fn is_type_placeholder(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with("System.") || t.starts_with("Microsoft."))
        && t.len() > 8
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'[' | b']' | b'`'))
}

/// Counts of placeholder values per attribute in one file, reported once at its end.
#[derive(Default)]
pub(crate) struct Placeholders {
    seen: BTreeMap<String, (usize, String, String)>,
}

impl Placeholders {
    fn note(&mut self, attribute: &str, placeholder: &str, position: &str) {
        let e = self.seen.entry(attribute.to_string()).or_insert((
            0,
            placeholder.trim().to_string(),
            position.to_string(),
        ));
        e.0 += 1;
    }

    /// One warning per attribute: what is missing and how to export it properly.
    pub(crate) fn report(self, ctx: &mut FileCtx) {
        for (attribute, (count, placeholder, first)) in self.seen {
            let lc = attribute.to_ascii_lowercase();
            let (consequence, fix) = match lc.as_str() {
                "proxyaddresses" => (
                    "their proxy addresses are missing, so syncscope sees only `mail` as their primary SMTP address (P1)",
                    "@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}",
                ),
                "ms-ds-consistencyguid" => (
                    "their sourceAnchor is unknown; syncscope assumes it equals objectGUID (what Entra Connect writes), which is wrong for objects whose ConsistencyGuid was set otherwise",
                    "@{n='mS-DS-ConsistencyGuid';e={if($_.'mS-DS-ConsistencyGuid'){[guid][byte[]]$_.'mS-DS-ConsistencyGuid'}}}",
                ),
                "objectsid" | "sid" => (
                    "their SIDs are missing, so synced groups cannot be linked by onPremisesSecurityIdentifier (M1)",
                    "@{n='objectSid';e={$_.objectSid.Value}}",
                ),
                _ => (
                    "the values are missing",
                    "a calculated property that joins the values: @{n='NAME';e={$_.NAME -join ';'}}",
                ),
            };
            ctx.warn(
                first,
                format!(
                    "{attribute} of {count} object(s) holds the PowerShell type name {placeholder:?} instead of its values: {consequence}. \
                     Export it with Select-Object and {fix} (see docs/importing.md)"
                ),
            );
        }
    }
}

/// Attributes whose values are integers in AD; kept as JSON numbers so a folder of exports and
/// a bundle carry the same extra attributes.
const INTEGER_ATTRIBUTES: [&str; 18] = [
    "useraccountcontrol",
    "samaccounttype",
    "primarygroupid",
    "instancetype",
    "codepage",
    "countrycode",
    "badpwdcount",
    "logoncount",
    "admincount",
    "usncreated",
    "usnchanged",
    "msds-supportedencryptiontypes",
    "accountexpires",
    "pwdlastset",
    "lastlogon",
    "lastlogontimestamp",
    "badpasswordtime",
    // Q7: the out-of-box filters test its bits.
    "msexchrecipienttypedetails",
];

/// Attributes whose values are booleans in AD (`TRUE` / `FALSE` in LDIF and CSV), kept as JSON
/// booleans (Q7 reads them).
const BOOLEAN_ATTRIBUTES: [&str; 2] = ["iscriticalsystemobject", "msexchhidefromaddresslists"];

/// Properties PowerShell adds to every ADObject it serialises; not AD attributes.
const POWERSHELL_METADATA: [&str; 5] = [
    "propertynames",
    "addedproperties",
    "removedproperties",
    "modifiedproperties",
    "propertycount",
];

/// Turns a record into an on-prem object, or lists it as skipped with the reason.
pub(crate) fn on_prem_object(
    mut rec: AdRecord,
    ctx: &mut FileCtx,
    ph: &mut Placeholders,
) -> Option<OnPremObject> {
    let pos = rec.position.clone();
    let name_attr = rec.take(&["distinguishedname", "dn"]);
    let dn = match (rec.dn.take(), name_attr) {
        (Some(dn), _) => dn,
        (None, Some((_, values))) => first_text(&values).unwrap_or_default(),
        (None, None) => String::new(),
    };
    let label = if dn.is_empty() {
        "an object".to_string()
    } else {
        dn.clone()
    };
    if dn.is_empty() {
        ctx.skip(
            &pos,
            "object without a distinguishedName: expected a `dn:` line (LDIF) or a DN / DistinguishedName column",
        );
        return None;
    }
    if rec.truncated {
        ctx.warn(
            &pos,
            format!(
                "{label}: more than {} MiB of attribute values; the rest of its extra attributes were dropped",
                MAX_RECORD_BYTES >> 20
            ),
        );
    }

    // A tombstone or recycled object read with the show-deleted control (`syncscope collect`
    // reads CN=Deleted Objects): Entra Connect does not sync it.
    let deleted = rec
        .attrs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("isDeleted"))
        .and_then(|(_, v)| first_text(v))
        .is_some_and(|t| t.eq_ignore_ascii_case("TRUE"));
    if deleted {
        ctx.ignore(
            &pos,
            format!("{label}: a deleted object (isDeleted: TRUE, from CN=Deleted Objects); Entra Connect does not sync it"),
        );
        return None;
    }

    let classes: Vec<String> = rec
        .take(&["objectclass"])
        .map(|(_, v)| v.iter().filter_map(RawValue::text).collect())
        .unwrap_or_default();
    let classes: Vec<String> = classes
        .iter()
        .flat_map(|c| c.split(';'))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let kind = match object_kind(&classes) {
        Ok(k) => k,
        // A kind syncscope does not plan (computer, OU, container, FSP …): counted as
        // ignored, the load stays whole (interfaces §7). No objectClass at all: skipped.
        Err(why) if !classes.is_empty() => {
            ctx.ignore(&pos, format!("{label}: {why}"));
            return None;
        }
        Err(why) => {
            ctx.skip(&pos, format!("{label}: {why}"));
            return None;
        }
    };

    let object_guid = match rec.take(&["objectguid"]) {
        None => {
            ctx.skip(
                &pos,
                format!("{label}: no objectGUID; export it too (it is the default anchor, A2)"),
            );
            return None;
        }
        Some((_, values)) => match guid_value(values.first()) {
            Ok(g) => g,
            Err(why) => {
                ctx.skip(&pos, format!("{label}: objectGUID {why}"));
                return None;
            }
        },
    };

    let consistency_guid = match rec.take(&["ms-ds-consistencyguid"]) {
        None => None,
        Some((name, values)) => match consistency_value(values.first()) {
            Ok(Some(ConsistencyValue::Anchor(a))) => Some(a),
            Ok(Some(ConsistencyValue::Placeholder(p))) => {
                ph.note(&name, &p, &pos);
                None
            }
            Ok(None) => None,
            Err(why) => {
                ctx.skip(
                    &pos,
                    format!(
                        "{label}: mS-DS-ConsistencyGuid {why}; its sourceAnchor cannot be computed (A2, A4)"
                    ),
                );
                return None;
            }
        },
    };

    let text_attr = |rec: &mut AdRecord, names: &[&str], ph: &mut Placeholders| {
        let (name, values) = rec.take(names)?;
        let t = first_text(&values)?;
        if is_type_placeholder(&t) {
            ph.note(&name, &t, &pos);
            return None;
        }
        Some(t)
    };
    let sam_account_name = text_attr(&mut rec, &["samaccountname"], ph);
    let user_principal_name = text_attr(&mut rec, &["userprincipalname"], ph);
    let mail = text_attr(&mut rec, &["mail"], ph);
    let display_name = text_attr(&mut rec, &["displayname"], ph);
    let mail_nickname = text_attr(&mut rec, &["mailnickname"], ph);

    let mut proxy_addresses = Vec::new();
    if let Some((name, values)) = rec.take(&["proxyaddresses"]) {
        for v in values.iter().filter_map(RawValue::text) {
            if is_type_placeholder(&v) {
                ph.note(&name, &v, &pos);
                continue;
            }
            // csvde and a joined Export-Csv column put several values in one field.
            proxy_addresses.extend(
                v.split(';')
                    .filter(|p| !p.trim().is_empty())
                    .map(Text::from),
            );
        }
    }

    let object_sid = match rec.take(&["objectsid", "sid"]) {
        None => None,
        Some((name, values)) => match values.first() {
            Some(RawValue::Bytes(b)) => match sid_text(b) {
                Some(s) => Some(s),
                None => {
                    ctx.warn(
                        &pos,
                        format!("{label}: {name} is not a valid binary SID; ignored"),
                    );
                    None
                }
            },
            Some(v) => match v.text() {
                Some(t) if is_type_placeholder(&t) => {
                    ph.note(&name, &t, &pos);
                    None
                }
                Some(t) if t.trim().to_ascii_uppercase().starts_with("S-") => {
                    Some(t.trim().to_string())
                }
                Some(t) if t.trim().is_empty() => None,
                Some(t) => {
                    ctx.warn(
                        &pos,
                        format!("{label}: {name} {t:?} is not a SID (S-1-5-…); ignored"),
                    );
                    None
                }
                None => None,
            },
            None => None,
        },
    };

    let group_type = match rec.take(&["grouptype"]) {
        None => None,
        Some((_, values)) => match first_text(&values).map(|t| t.trim().parse::<i64>()) {
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => {
                ctx.warn(
                    &pos,
                    format!("{label}: groupType is not an integer; ignored"),
                );
                None
            }
            None => None,
        },
    };

    let mut extra = Map::new();
    for (name, values) in rec.attrs {
        let lc = name.to_ascii_lowercase();
        if POWERSHELL_METADATA.contains(&lc.as_str()) {
            continue;
        }
        let integer = INTEGER_ATTRIBUTES.contains(&lc.as_str());
        let boolean = BOOLEAN_ATTRIBUTES.contains(&lc.as_str());
        let mut kept: Vec<Value> = Vec::new();
        for v in values {
            let value = match v {
                RawValue::Json(j) => j,
                RawValue::Bytes(b) => match String::from_utf8(b) {
                    Ok(t) if !t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') => {
                        Value::String(t)
                    }
                    // Binary attributes (photos, certificates, logonHours) are not kept.
                    _ => continue,
                },
                RawValue::Text(t) if t.is_empty() || is_type_placeholder(&t) => continue,
                RawValue::Text(t) if boolean && t.trim().eq_ignore_ascii_case("true") => {
                    Value::Bool(true)
                }
                RawValue::Text(t) if boolean && t.trim().eq_ignore_ascii_case("false") => {
                    Value::Bool(false)
                }
                RawValue::Text(t) if integer => match t.trim().parse::<i64>() {
                    Ok(i) => Value::from(i),
                    Err(_) => Value::String(t),
                },
                RawValue::Text(t) => Value::String(t),
            };
            kept.push(value);
        }
        match kept.len() {
            0 => {}
            1 => {
                extra.insert(name, kept.remove(0));
            }
            _ => {
                extra.insert(name, Value::Array(kept));
            }
        }
    }

    Some(OnPremObject {
        object_class: kind,
        object_guid,
        distinguished_name: dn.into(),
        sam_account_name: sam_account_name.map(Text::from),
        user_principal_name: user_principal_name.map(Text::from),
        mail: mail.map(Text::from),
        proxy_addresses,
        display_name: display_name.map(Text::from),
        consistency_guid,
        group_type,
        object_sid: object_sid.map(Text::from),
        mail_nickname: mail_nickname.map(Text::from),
        extra: extra.into(),
    })
}

fn first_text(values: &[RawValue]) -> Option<String> {
    values
        .iter()
        .filter_map(RawValue::text)
        .find(|t| !t.is_empty())
}

/// The object kind from objectClass: the class chain (LDIF) or the single class (csvde, PowerShell).
fn object_kind(classes: &[String]) -> Result<ObjectKind, String> {
    let has = |c: &str| classes.iter().any(|x| x.eq_ignore_ascii_case(c));
    if classes.is_empty() {
        return Err(
            "no objectClass; expected user, group or contact (export objectClass too)".into(),
        );
    }
    if has("computer") {
        return Err(
            "a computer account; Entra Connect syncs computers as devices, which syncscope does not model"
                .into(),
        );
    }
    if has("user") || has("inetOrgPerson") {
        return Ok(ObjectKind::User);
    }
    if has("group") {
        return Ok(ObjectKind::Group);
    }
    if has("contact") {
        return Ok(ObjectKind::Contact);
    }
    Err(format!(
        "objectClass {} is not a user, group or contact, which is all Entra Connect provisions to users, groups and contacts",
        classes.join(", ")
    ))
}

/// objectGUID from any form an export writes: the 16 raw bytes, a GUID string, base64 of the
/// bytes (PowerShell 7 may write a byte array so), or csvde's `X'…'` hex.
fn guid_value(v: Option<&RawValue>) -> Result<Uuid, String> {
    match v {
        None => Err("is empty".into()),
        Some(RawValue::Bytes(b)) => <[u8; 16]>::try_from(b.as_slice())
            .map(Uuid::from_bytes_le)
            .map_err(|_| format!("has {} bytes, expected 16", b.len())),
        Some(v) => {
            let t = v.text().unwrap_or_default();
            let t = t.trim();
            if is_type_placeholder(t) {
                return Err(format!(
                    "is the PowerShell type name {t:?}, not the GUID; export it as text"
                ));
            }
            if let Ok(g) = parse_guid_text(t) {
                return Ok(g);
            }
            if let Some(bytes) = hex_literal(t).or_else(|| BASE64.decode(t).ok()) {
                return <[u8; 16]>::try_from(bytes.as_slice())
                    .map(Uuid::from_bytes_le)
                    .map_err(|_| format!("{t:?} decodes to {} bytes, expected 16", bytes.len()));
            }
            Err(format!(
                "{t:?} is not a GUID (expected 88666888-0101-1111-bbbb-1234567890ab or base64 of 16 bytes)"
            ))
        }
    }
}

enum ConsistencyValue {
    Anchor(Anchor),
    Placeholder(String),
}

/// mS-DS-ConsistencyGuid: 16 raw bytes (the anchor itself), a GUID string, or base64 text.
fn consistency_value(v: Option<&RawValue>) -> Result<Option<ConsistencyValue>, String> {
    match v {
        None => Ok(None),
        Some(RawValue::Bytes(b)) => <[u8; 16]>::try_from(b.as_slice())
            .map(|a| Some(ConsistencyValue::Anchor(Anchor::from_bytes(a))))
            .map_err(|_| format!("has {} bytes, expected 16", b.len())),
        Some(v) => {
            let Some(t) = v.text() else {
                return Ok(None);
            };
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if is_type_placeholder(t) {
                return Ok(Some(ConsistencyValue::Placeholder(t.to_string())));
            }
            if let Some(bytes) = hex_literal(t) {
                return consistency_value(Some(&RawValue::Bytes(bytes)));
            }
            let parsed = if t.contains('-') {
                Anchor::parse_guid(t)
            } else {
                Anchor::parse_immutable_id(t)
            };
            parsed
                .map(|a| Some(ConsistencyValue::Anchor(a)))
                .map_err(|e| e.0)
        }
    }
}

/// csvde's binary form `X'0a1b…'`.
pub(crate) fn hex_literal(t: &str) -> Option<Vec<u8>> {
    let inner = t
        .strip_prefix("X'")
        .or_else(|| t.strip_prefix("x'"))?
        .strip_suffix('\'')?;
    if inner.len() % 2 != 0 || !inner.is_ascii() {
        return None;
    }
    (0..inner.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(inner.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A binary SID as its `S-1-5-21-…` text.
pub(crate) fn sid_text(b: &[u8]) -> Option<String> {
    let (&revision, rest) = b.split_first()?;
    let (&count, rest) = rest.split_first()?;
    let authority = rest.get(..6)?;
    let subs = rest.get(6..)?;
    if subs.len() != usize::from(count) * 4 {
        return None;
    }
    let authority = authority
        .iter()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
    let mut out = format!("S-{revision}-{authority}");
    for chunk in subs.chunks_exact(4) {
        let v = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        out.push_str(&format!("-{v}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_and_hex_literals() {
        let sid = BASE64
            .decode("AQUAAAAAAAUVAAAAf1veU67Ze+7mkhtWWgQAAA==")
            .unwrap();
        assert_eq!(
            sid_text(&sid).unwrap(),
            "S-1-5-21-1407081343-4001094062-1444647654-1114"
        );
        assert_eq!(sid_text(&sid[..10]), None);
        assert_eq!(hex_literal("X'0aff'"), Some(vec![0x0a, 0xff]));
        assert_eq!(hex_literal("X'0af'"), None);
        assert_eq!(hex_literal("0aff"), None);
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(is_type_placeholder(
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"
        ));
        assert!(is_type_placeholder("System.Byte[]"));
        assert!(!is_type_placeholder("SMTP:alice@contoso.com"));
        assert!(!is_type_placeholder("System"));
    }

    #[test]
    fn object_kinds_follow_the_class_chain() {
        let k = |c: &[&str]| object_kind(&c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            k(&["top", "person", "organizationalPerson", "user"]),
            Ok(ObjectKind::User)
        );
        assert_eq!(k(&["top", "group"]), Ok(ObjectKind::Group));
        assert_eq!(k(&["contact"]), Ok(ObjectKind::Contact));
        assert!(
            k(&["top", "person", "organizationalPerson", "user", "computer"])
                .unwrap_err()
                .contains("computer")
        );
        assert!(k(&["top", "organizationalUnit"]).is_err());
    }
}
