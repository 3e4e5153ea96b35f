//! Reads and writes the snapshot bundle (interfaces §1).
//!
//! Reading is strict: a wrong type, an invalid GUID or ImmutableID, an unknown feature or a
//! duplicate objectGUID is an [`InputError`] naming the file, the JSON path and the expectation,
//! and nothing half-loaded is returned. Keys this version does not know are kept and written back.

use crate::anchor::{Anchor, parse_guid_text};
use crate::error::InputError;
use crate::model::*;
use crate::settings::{Setting, SettingScope, Settings};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;

/// Parses a bundle from JSON text. `file` is only used in error messages.
pub fn parse_bundle(file: &str, text: &[u8]) -> Result<Bundle, InputError> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let raw: RawBundle =
        serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(file, e))?;
    de.end().map_err(|e| {
        InputError::new(
            file,
            format!("line {} column {}", e.line(), e.column()),
            "expected the end of the document after the bundle object",
        )
    })?;
    let bundle = raw.into_bundle();
    validate(file, &bundle)?;
    Ok(bundle)
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
    on_premises: Vec<OnPremObject>,
    cloud: Vec<CloudObject>,
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
                        while let Some($key) = $map.next_key::<String>()? {
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

object_visitor!(
    BundleVisitor,
    RawBundle,
    "a bundle object with tenant, connect, onPremises and cloud",
    |map, key, b| {
        match key.as_str() {
            "tenant" => b.tenant = Some(map.next_value()?),
            "connect" => b.connect = Some(map.next_value()?),
            "simulation" => {
                b.simulation =
                    Some(map.next_value_seed(SettingsSeed(SettingScope::RuleBookSwitch))?)
            }
            "onPremises" => b.on_premises = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default(),
            "cloud" => b.cloud = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default(),
            "capturedDateTime" => b.captured_date_time = map.next_value()?,
            _ => {
                let v: Value = map.next_value()?;
                b.extra.insert(key, v);
            }
        }
    },
    RawBundle {
        tenant: None,
        connect: None,
        simulation: None,
        on_premises: Vec::new(),
        cloud: Vec::new(),
        captured_date_time: None,
        extra: Map::new(),
    },
    Ok::<RawBundle, _>
);

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
                while let Some(key) = map.next_key::<String>()? {
                    let Some(setting) =
                        Setting::from_key(&key).filter(|s| s.info().scope == self.0)
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

/// Refuses a value with a message: an error raised while reading a key's value carries the
/// key in its JSON path (`tenant.features.blockSoftMatch`).
struct Refuse(String);

impl<'de> DeserializeSeed<'de> for Refuse {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(self.0))
    }
}

/// A `user` / `group` / `contact` field (cloud `objectType`, `@odata.type`).
struct KindText(ObjectKind);

impl<'de> Deserialize<'de> for KindText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        kind_from(&s).map(KindText)
    }
}

/// On-prem `objectClass`: the single class or AD's whole class chain.
struct ClassText(ObjectKind);

impl<'de> Deserialize<'de> for ClassText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match &v {
            Value::String(s) => kind_from(s).map(ClassText),
            Value::Array(items) => items
                .iter()
                .rev()
                .filter_map(Value::as_str)
                .find_map(ObjectKind::parse)
                .map(ClassText)
                .ok_or_else(|| {
                    de::Error::custom(format!(
                        "{v}: expected a class list holding \"user\", \"group\" or \"contact\""
                    ))
                }),
            _ => Err(de::Error::custom(format!(
                "{v}: expected \"user\", \"group\" or \"contact\""
            ))),
        }
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

/// A GUID string field.
struct GuidText(Uuid);

impl<'de> Deserialize<'de> for GuidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_guid_text(&s)
            .map(GuidText)
            .map_err(|e| de::Error::custom(e.0))
    }
}

/// `mS-DS-ConsistencyGuid`: a GUID string or base64 of 16 bytes (interfaces §1).
struct ConsistencyGuidText(Option<Anchor>);

impl<'de> Deserialize<'de> for ConsistencyGuidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s.as_deref().map(str::trim) {
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

/// An ImmutableID field: base64 of exactly 16 bytes (A4); the text is kept as written (A3).
struct ImmutableIdText(Option<String>);

impl<'de> Deserialize<'de> for ImmutableIdText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        // Whitespace around the value is accepted and dropped: kept, it would make an anchor
        // that equals no other (A3 compares the text exactly).
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(ImmutableIdText(None)),
            Some(t) => Anchor::parse_immutable_id(t)
                .map(|_| ImmutableIdText(Some(t.to_string())))
                .map_err(|e| de::Error::custom(e.0)),
        }
    }
}

/// A string list that may be null or absent.
fn string_list<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<String>, A::Error> {
    Ok(map.next_value::<Option<Vec<String>>>()?.unwrap_or_default())
}

fn kind_from<E: de::Error>(text: &str) -> Result<ObjectKind, E> {
    ObjectKind::parse(text).ok_or_else(|| {
        E::custom(format!(
            "{text:?}: expected \"user\", \"group\" or \"contact\""
        ))
    })
}

struct OnPremAcc {
    class: Option<ObjectKind>,
    guid: Option<Uuid>,
    o: OnPremObject,
}

object_visitor!(
    OnPremVisitor,
    OnPremObject,
    "an on-prem object (objectClass, objectGUID, distinguishedName, …)",
    |map, key, a| {
        // AD attribute names match case-insensitively (interfaces §1).
        match key.to_ascii_lowercase().as_str() {
            // objectClass may be the single class or AD's whole class chain.
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
                let v: Value = map.next_value()?;
                a.o.extra.insert(key, v);
            }
        }
    },
    OnPremAcc {
        class: None,
        guid: None,
        o: OnPremObject {
            object_class: ObjectKind::User,
            object_guid: Uuid::nil(),
            distinguished_name: String::new(),
            sam_account_name: None,
            user_principal_name: None,
            mail: None,
            proxy_addresses: Vec::new(),
            display_name: None,
            consistency_guid: None,
            group_type: None,
            object_sid: None,
            mail_nickname: None,
            extra: Map::new(),
        },
    },
    |a: OnPremAcc| {
        let mut o = a.o;
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
    sku_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProvisioningError {
    #[serde(default)]
    category: Option<String>,
    property_causing_error: String,
    value: String,
    #[serde(default)]
    occurred_date_time: Option<String>,
}

struct CloudAcc {
    kind: Option<ObjectKind>,
    id: Option<Uuid>,
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
                let v: Value = map.next_value()?;
                a.c.extra.insert(key, v);
            }
        }
    },
    CloudAcc {
        kind: None,
        id: None,
        c: CloudObject::new(Uuid::nil(), ObjectKind::User),
    },
    |a: CloudAcc| {
        let mut c = a.c;
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
    root.insert(
        "onPremises".into(),
        Value::Array(b.on_premises.iter().map(on_prem_to_json).collect()),
    );
    root.insert(
        "cloud".into(),
        Value::Array(b.cloud.iter().map(cloud_to_json).collect()),
    );
    for (k, v) in &b.extra {
        root.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(root)
}

pub fn on_prem_to_json(o: &OnPremObject) -> Value {
    let mut m = Map::new();
    m.insert("objectClass".into(), json!(o.object_class.as_str()));
    m.insert("objectGUID".into(), json!(o.object_guid.to_string()));
    m.insert("distinguishedName".into(), json!(o.distinguished_name));
    m.insert("sAMAccountName".into(), json!(o.sam_account_name));
    m.insert("userPrincipalName".into(), json!(o.user_principal_name));
    m.insert("mail".into(), json!(o.mail));
    m.insert("proxyAddresses".into(), json!(o.proxy_addresses));
    m.insert("displayName".into(), json!(o.display_name));
    m.insert(
        "mS-DS-ConsistencyGuid".into(),
        json!(o.consistency_guid.map(|a| a.immutable_id())),
    );
    if let Some(g) = o.group_type {
        m.insert("groupType".into(), json!(g));
    }
    if let Some(s) = &o.object_sid {
        m.insert("objectSid".into(), json!(s));
    }
    if let Some(n) = &o.mail_nickname {
        m.insert("mailNickname".into(), json!(n));
    }
    for (k, v) in &o.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(m)
}

pub fn cloud_to_json(c: &CloudObject) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id.to_string()));
    m.insert("objectType".into(), json!(c.object_type.as_str()));
    m.insert("displayName".into(), json!(c.display_name));
    if c.object_type == ObjectKind::User || c.user_principal_name.is_some() {
        m.insert("userPrincipalName".into(), json!(c.user_principal_name));
    }
    m.insert("mail".into(), json!(c.mail));
    if let Some(n) = &c.mail_nickname {
        m.insert("mailNickname".into(), json!(n));
    }
    m.insert("proxyAddresses".into(), json!(c.proxy_addresses));
    m.insert(
        "onPremisesImmutableId".into(),
        json!(c.on_premises_immutable_id),
    );
    m.insert(
        "onPremisesSyncEnabled".into(),
        json!(c.on_premises_sync_enabled),
    );
    if let Some(s) = &c.on_premises_security_identifier {
        m.insert("onPremisesSecurityIdentifier".into(), json!(s));
    }
    if let Some(s) = &c.on_premises_object_identifier {
        m.insert("onPremisesObjectIdentifier".into(), json!(s));
    }
    m.insert(
        "assignedLicenses".into(),
        Value::Array(
            c.assigned_licenses
                .iter()
                .map(|s| json!({"skuId": s}))
                .collect(),
        ),
    );
    m.insert("directoryRoles".into(), json!(c.directory_roles));
    m.insert(
        "eligibleDirectoryRoles".into(),
        json!(c.eligible_directory_roles),
    );
    m.insert("deletedDateTime".into(), json!(c.deleted_date_time));
    m.insert(
        "onPremisesProvisioningErrors".into(),
        Value::Array(
            c.on_premises_provisioning_errors
                .iter()
                .map(|e| {
                    json!({
                        "category": e.category,
                        "propertyCausingError": e.property_causing_error,
                        "value": e.value,
                        "occurredDateTime": e.occurred_date_time,
                    })
                })
                .collect(),
        ),
    );
    if c.object_type == ObjectKind::Group {
        m.insert("mailEnabled".into(), json!(c.mail_enabled));
        m.insert("securityEnabled".into(), json!(c.security_enabled));
        m.insert("groupTypes".into(), json!(c.group_types));
    }
    for (k, v) in &c.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(m)
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

        let e = err(
            r#"{"tenant":{"initialDomain":"c.onmicrosoft.com"},"cloud":[{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","objectType":"user","onPremisesImmutableId":"xMf1FXx9RIcbcAbDlqeOA=="}]}"#,
        );
        assert!(
            e.position.starts_with("cloud[0].onPremisesImmutableId"),
            "{e}"
        );
        assert!(e.message.contains("16 bytes"), "{e}");

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
        assert_eq!(o.extra["department"], "Sales");
        let again = parse_bundle(
            "t.json",
            serde_json::to_string(&bundle_to_json(&b))
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(again, b);
    }
}
