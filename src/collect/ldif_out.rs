//! Writes directory entries as LDIF (RFC 2849) the way ldifde and ldapsearch do: `attr: value`
//! for safe strings, `attr:: base64` for binary attributes (objectGUID, objectSid,
//! mS-DS-ConsistencyGuid) and for any value that is not a SAFE-STRING (non-ASCII names, leading
//! space or colon, line breaks). `src/import/ldif.rs` reads it back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::io::{self, Write};

/// Attributes whose values are bytes, never text.
pub const BINARY: [&str; 4] = [
    "objectguid",
    "objectsid",
    "ms-ds-consistencyguid",
    "msexchmailboxguid",
];

pub fn is_binary(name: &str) -> bool {
    BINARY.contains(&name.to_ascii_lowercase().as_str())
}

/// RFC 2849 SAFE-STRING: ASCII without NUL, CR, LF; not starting with space, `:` or `<`; not
/// ending with a space (which readers trim).
fn is_safe(v: &[u8]) -> bool {
    match v.first() {
        None => true,
        Some(b' ' | b':' | b'<') => false,
        Some(_) => {
            v.iter()
                .all(|&b| b != 0 && b != b'\r' && b != b'\n' && b < 0x80)
                && v.last() != Some(&b' ')
        }
    }
}

/// One `name: value` or `name:: base64` line.
pub fn write_value(out: &mut impl Write, name: &str, value: &[u8], binary: bool) -> io::Result<()> {
    if !binary && is_safe(value) {
        out.write_all(name.as_bytes())?;
        out.write_all(b": ")?;
        out.write_all(value)?;
    } else {
        write!(out, "{name}:: {}", BASE64.encode(value))?;
    }
    out.write_all(b"\n")
}

/// One entry: the DN, then each attribute's values, then a blank line.
pub fn write_entry<'a>(
    out: &mut impl Write,
    dn: &str,
    attrs: impl IntoIterator<Item = (&'a str, Vec<&'a [u8]>)>,
) -> io::Result<()> {
    write_value(out, "dn", dn.as_bytes(), false)?;
    for (name, values) in attrs {
        let binary = is_binary(name);
        for v in values {
            write_value(out, name, v, binary)?;
        }
    }
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_unsafe_values_are_base64() {
        let mut out = Vec::new();
        let guid = [
            0x3a_u8, 0x0a, 0x20, 0x41, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
        ];
        write_entry(
            &mut out,
            "CN=José Álvarez,DC=contoso,DC=com",
            [
                ("objectGUID", vec![&guid[..]]),
                ("displayName", vec!["Alice Ng".as_bytes()]),
                (
                    "description",
                    vec![" leading".as_bytes(), "a\nb".as_bytes()],
                ),
                (
                    "proxyAddresses",
                    vec![
                        "SMTP:a@contoso.com".as_bytes(),
                        "smtp:b@contoso.com".as_bytes(),
                    ],
                ),
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "dn:: Q049Sm9zw6kgw4FsdmFyZXosREM9Y29udG9zbyxEQz1jb20=\n\
             objectGUID:: OgogQQABAgMEBQYHCAkKCw==\n\
             displayName: Alice Ng\n\
             description:: IGxlYWRpbmc=\n\
             description:: YQpi\n\
             proxyAddresses: SMTP:a@contoso.com\n\
             proxyAddresses: smtp:b@contoso.com\n\n"
        );
    }
}
