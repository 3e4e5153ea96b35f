//! sourceAnchor / ImmutableID forms and conversions (rule book §1, A1–A4).
//!
//! An [`Anchor`] is the 16 bytes of .NET `Guid.ToByteArray()` (A1): the first three GUID fields
//! little-endian, the last eight as written. Every textual form converts through it, and anything
//! that does not decode to exactly 16 bytes is rejected rather than "fixed" (A4).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::fmt;
use uuid::Uuid;

/// A source anchor: the bytes behind an ImmutableID.
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug,
)]
pub struct Anchor([u8; 16]);

/// The public vectors of rule book §1: (objectGUID, ImmutableID). Tests use them everywhere.
pub const PUBLIC_VECTORS: [(&str, &str); 3] = [
    (
        "88666888-0101-1111-bbbb-1234567890ab",
        "iGhmiAEBERG7uxI0VniQqw==",
    ),
    (
        "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6",
        "GGhsjYwBEU+buBsE4sqhtg==",
    ),
    (
        "3ab39606-c642-489b-84b6-58c038d3ef39",
        "BpazOkLGm0iEtljAONPvOQ==",
    ),
];

/// Which textual form an anchor was written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AnchorForm {
    Guid,
    ImmutableId,
    Hex,
    LdapFilter,
    ConnectorSpaceDn,
}

/// Why a text is not an anchor in any form.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AnchorError(pub String);

impl fmt::Display for AnchorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnchorError {}

impl Anchor {
    /// A1: the anchor of an objectGUID (`Guid.ToByteArray()`, i.e. `to_bytes_le`).
    pub fn from_guid(guid: Uuid) -> Self {
        Anchor(guid.to_bytes_le())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Anchor(bytes)
    }

    pub fn bytes(&self) -> [u8; 16] {
        self.0
    }

    /// The GUID these bytes stand for (inverse of A1).
    pub fn guid(&self) -> Uuid {
        Uuid::from_bytes_le(self.0)
    }

    /// The ImmutableID text: base64 of the 16 bytes.
    pub fn immutable_id(&self) -> String {
        BASE64.encode(self.0)
    }

    /// [`Self::immutable_id`] as model text: its 24 characters fit the text's inline slot, so
    /// this allocates nothing (the plan keeps one per object).
    pub fn immutable_id_text(&self) -> crate::model::Text {
        let mut buf = [0u8; 24];
        let n = BASE64
            .encode_slice(self.0, &mut buf)
            .expect("16 bytes are 24 base64 characters");
        crate::model::Text::from_utf8(&buf[..n]).expect("base64 is ASCII")
    }

    /// Lower-case hex of the bytes in ImmutableID order (not GUID text order).
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// LDAP filter escape of the bytes, as `(objectGUID=\88\68…)` takes it.
    pub fn ldap_filter(&self) -> String {
        self.0.iter().map(|b| format!("\\{b:02x}")).collect()
    }

    /// The connector-space DN Entra Connect shows: `CN={HEX OF THE ASCII OF THE BASE64 TEXT}` (A4).
    pub fn connector_space_dn(&self) -> String {
        let hex: String = self
            .immutable_id()
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect();
        format!("CN={{{hex}}}")
    }

    /// Parses an ImmutableID (base64 of exactly 16 bytes).
    pub fn parse_immutable_id(text: &str) -> Result<Self, AnchorError> {
        let bytes = BASE64.decode(text.trim()).map_err(|e| {
            AnchorError(format!(
                "expected an ImmutableID (base64 of 16 bytes, 24 characters ending in \"==\"), got {:?}: {e}",
                text
            ))
        })?;
        sixteen(&bytes).ok_or_else(|| {
            AnchorError(format!(
                "expected an ImmutableID of 16 bytes, but {:?} ({} characters) decodes to {} bytes (A4: it is rejected, not repaired)",
                text,
                text.trim().chars().count(),
                bytes.len()
            ))
        })
    }

    /// Parses a GUID string (with dashes, optionally in braces).
    pub fn parse_guid(text: &str) -> Result<Self, AnchorError> {
        parse_guid_text(text).map(Anchor::from_guid)
    }

    /// Parses any of the forms of A4 and says which one it was.
    pub fn parse_any(text: &str) -> Result<(Self, AnchorForm), AnchorError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(AnchorError("expected an anchor, got an empty value".into()));
        }
        if let Some(inner) = t
            .strip_prefix("CN={")
            .or_else(|| t.strip_prefix("cn={"))
            .and_then(|r| r.strip_suffix('}'))
        {
            let ascii = decode_hex(inner).ok_or_else(|| {
                AnchorError(format!(
                    "expected a connector-space DN CN={{HEX}} with an even number of hex digits, got {t:?}"
                ))
            })?;
            let b64 = String::from_utf8(ascii).map_err(|_| {
                AnchorError(format!(
                    "the connector-space DN {t:?} does not hold ASCII base64 text"
                ))
            })?;
            return Self::parse_immutable_id(&b64).map(|a| (a, AnchorForm::ConnectorSpaceDn));
        }
        if t.starts_with('\\') {
            let hex: String = t.split('\\').collect();
            let bytes = decode_hex(&hex).ok_or_else(|| {
                AnchorError(format!(
                    "expected an LDAP filter escape like \\88\\68… (16 bytes), got {t:?}"
                ))
            })?;
            return sixteen(&bytes)
                .map(|a| (a, AnchorForm::LdapFilter))
                .ok_or_else(|| {
                    AnchorError(format!(
                        "the LDAP filter escape {t:?} holds {} bytes, expected 16",
                        bytes.len()
                    ))
                });
        }
        if t.contains('-') && t.len() >= 36 {
            return Self::parse_guid(t).map(|a| (a, AnchorForm::Guid));
        }
        if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            // 32 hex digits without dashes are the bytes in ImmutableID order (A4 "hex bytes").
            let bytes = decode_hex(t).expect("checked: 32 hex digits");
            return Ok((sixteen(&bytes).expect("32 hex digits"), AnchorForm::Hex));
        }
        Self::parse_immutable_id(t)
            .map(|a| (a, AnchorForm::ImmutableId))
            .map_err(|e| {
                AnchorError(format!(
                    "{e}; accepted forms: GUID (88666888-0101-1111-bbbb-1234567890ab), ImmutableID (iGhmiAEBERG7uxI0VniQqw==), \
                     32 hex digits, LDAP escape (\\88\\68…), connector-space DN (CN={{…}})"
                ))
            })
    }
}

/// Parses a GUID string with dashes (`{…}` braces allowed), as AD and Graph write them.
pub fn parse_guid_text(text: &str) -> Result<Uuid, AnchorError> {
    let t = text.trim();
    let inner = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(t);
    if inner.len() != 36 {
        return Err(AnchorError(format!(
            "expected a GUID like 88666888-0101-1111-bbbb-1234567890ab, got {text:?}"
        )));
    }
    Uuid::parse_str(inner).map_err(|_| {
        AnchorError(format!(
            "expected a GUID like 88666888-0101-1111-bbbb-1234567890ab, got {text:?}"
        ))
    })
}

fn sixteen(bytes: &[u8]) -> Option<Anchor> {
    <[u8; 16]>::try_from(bytes).ok().map(Anchor)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: [(&str, &str); 3] = PUBLIC_VECTORS;

    #[test]
    fn a1_guid_to_immutable_id_uses_little_endian_fields() {
        for (guid, immutable) in VECTORS {
            let a = Anchor::parse_guid(guid).unwrap();
            assert_eq!(a.immutable_id(), immutable, "{guid}");
            assert_eq!(
                Anchor::parse_immutable_id(immutable)
                    .unwrap()
                    .guid()
                    .to_string(),
                guid
            );
        }
        // Big-endian bytes give a different, wrong ImmutableID (A1).
        let be = BASE64.encode(Uuid::parse_str(VECTORS[0].0).unwrap().as_bytes());
        assert_ne!(be, VECTORS[0].1);
    }

    #[test]
    fn a4_every_form_round_trips() {
        let a = Anchor::parse_guid(VECTORS[0].0).unwrap();
        assert_eq!(a.hex(), "8868668801011111bbbb1234567890ab");
        assert!(a.ldap_filter().starts_with("\\88\\68\\66\\88\\01"));
        for (text, form) in [
            (VECTORS[0].0.to_string(), AnchorForm::Guid),
            (format!("{{{}}}", VECTORS[0].0), AnchorForm::Guid),
            (a.immutable_id(), AnchorForm::ImmutableId),
            (a.hex(), AnchorForm::Hex),
            (a.ldap_filter(), AnchorForm::LdapFilter),
            (a.connector_space_dn(), AnchorForm::ConnectorSpaceDn),
        ] {
            assert_eq!(Anchor::parse_any(&text).unwrap(), (a, form), "{text}");
        }
    }

    #[test]
    fn a4_connector_space_dn_vector() {
        let a = Anchor::parse_immutable_id("QF5HMK7n80qvdYsUPIHa9Q==").unwrap();
        assert_eq!(
            a.connector_space_dn(),
            "CN={514635484D4B376E38307176645973555049486139513D3D}"
        );
        let (b, _) =
            Anchor::parse_any("CN={514635484D4B376E38307176645973555049486139513D3D}").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a4_rejects_the_seed_articles_23_character_example() {
        let err = Anchor::parse_any("xMf1FXx9RIcbcAbDlqeOA==").unwrap_err();
        assert!(err.0.contains("16 bytes"), "{err}");
        for bad in [
            "",
            "not-a-guid",
            "\\88\\68",
            "CN={51}",
            "88666888-0101-1111-bbbb-1234567890",
        ] {
            assert!(Anchor::parse_any(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
