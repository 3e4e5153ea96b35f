//! Distinguished names as RFC 4514 writes them: RDNs are separated by unescaped commas, and a
//! value escapes `,` `+` `"` `\` `<` `>` `;` `=` (and a leading `#` or space) with a backslash,
//! or any byte as `\XX`. Names shown to people are unescaped; DNs that are built keep the escapes.

use std::borrow::Cow;

/// The RDNs of a DN (`CN=Eriksson\, Björn`, `OU=Sales`, …), split at unescaped commas, trimmed.
pub fn rdns(dn: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                out.push(dn[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(dn[start..].trim());
    out
}

/// The value of the first RDN as written (escapes kept), for building another DN.
pub fn first_rdn_value_escaped(dn: &str) -> &str {
    let first = rdns(dn).into_iter().next().unwrap_or(dn);
    first.split_once('=').map_or(first, |(_, v)| v.trim())
}

/// Whether an RDN's attribute type is `kind` (ASCII case-insensitive): `is_type("DC=x", "DC")`.
pub fn is_type(rdn: &str, kind: &str) -> bool {
    rdn.split_once('=')
        .is_some_and(|(t, _)| t.trim().eq_ignore_ascii_case(kind))
}

/// An attribute value with its RFC 4514 escapes resolved: `Eriksson\, Bj\C3\B6rn` →
/// `Eriksson, Björn`. Hex escapes are bytes of UTF-8; an invalid sequence is kept as written.
pub fn unescape_value(value: &str) -> Cow<'_, str> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = |b: u8| (b as char).to_digit(16);
        match (hex(bytes[i + 1]), bytes.get(i + 2).and_then(|&b| hex(b))) {
            (Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                // `\,` and friends: the next byte itself (the rest of a non-ASCII character
                // follows unescaped).
                out.push(bytes[i + 1]);
                i += 2;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_commas_stay_in_their_rdn() {
        let dn = "CN=Eriksson\\, Björn,OU=Försäljning,DC=contoso,DC=com";
        assert_eq!(
            rdns(dn),
            [
                "CN=Eriksson\\, Björn",
                "OU=Försäljning",
                "DC=contoso",
                "DC=com"
            ]
        );
        assert_eq!(first_rdn_value_escaped(dn), "Eriksson\\, Björn");
        assert_eq!(
            unescape_value(first_rdn_value_escaped(dn)),
            "Eriksson, Björn"
        );
        assert!(is_type("dc=x", "DC") && !is_type("Björn", "DC"));
    }

    #[test]
    fn scope_and_duplicate_checks_respect_escaped_commas() {
        use crate::model::dn_is_under;
        assert!(dn_is_under(
            "CN=Eriksson\\, Björn,OU=Corp,DC=contoso,DC=com",
            "OU=Corp,DC=contoso,DC=com"
        ));
        // The escaped commas are one RDN's value, not the container OU=Corp,DC=contoso,DC=com.
        assert!(!dn_is_under(
            "CN=x\\,OU=Corp\\,DC=contoso\\,DC=com",
            "OU=Corp,DC=contoso,DC=com"
        ));
        assert!(!dn_is_under("CN=a,DC=com", "OU=Corp\\,x,DC=com"));
    }

    #[test]
    fn rfc4514_escapes_are_resolved() {
        assert_eq!(unescape_value("Bj\\C3\\B6rn"), "Björn");
        assert_eq!(
            unescape_value("a\\+b\\\\c\\\"d\\;e\\<f\\>"),
            "a+b\\c\"d;e<f>"
        );
        assert_eq!(unescape_value("\\#1\\ "), "#1 ");
        assert_eq!(unescape_value("plain"), "plain");
        assert_eq!(unescape_value("trailing\\"), "trailing\\");
        // Not UTF-8 once decoded: kept as written rather than garbled.
        assert_eq!(unescape_value("x\\FF"), "x\\FF");
    }
}
