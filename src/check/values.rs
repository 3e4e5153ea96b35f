//! Value validators of the IdFix classes (character, format, domain part, top-level domain,
//! length), written from IdFix's own rule code (github.com/microsoft/idfix, `src/IdFix/Settings/
//! Constants.cs`, `Rules/Shared/RFC2822Rule.cs`, `Rules/MultiTenantRuleCollection.cs`) and the
//! Entra preparation page (prepare-for-directory-synchronization). Each returns what is wrong and,
//! where IdFix proposes one, the value it would propose. Pure functions of one value.

use std::sync::OnceLock;

/// The top-level domains IdFix accepts (its `domains.txt`, ValidTLDList.cs).
const TLDS: &str = include_str!("tlds.txt");

fn tlds() -> &'static hashbrown::HashSet<&'static str> {
    static SET: OnceLock<hashbrown::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        TLDS.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// RFC2822Rule's top-level-domain test: the text from the last `.` on, lower-cased, must be in
/// the list (values without a dot are not tested; IdFix skips them too).
pub fn unknown_tld(address: &str) -> Option<String> {
    let dot = address.rfind('.')?;
    let tld = &address[dot..];
    if tld.len() <= 1 {
        return None;
    }
    // Nearly every value: an ASCII TLD, lower-cased on the stack.
    let mut buf = [0u8; 32];
    if tld.is_ascii() && tld.len() <= buf.len() {
        let lower = &mut buf[..tld.len()];
        lower.copy_from_slice(tld.as_bytes());
        lower.make_ascii_lowercase();
        let lower = std::str::from_utf8(lower).expect("ASCII");
        return (!tlds().contains(lower)).then(|| lower.to_string());
    }
    let lower = tld.to_lowercase();
    (!tlds().contains(lower.as_str())).then_some(lower)
}

/// A set of ASCII characters as a 128-bit mask, for checks that look at every character.
const fn ascii_set(chars: &str) -> u128 {
    let bytes = chars.as_bytes();
    let mut set = 0u128;
    let mut i = 0;
    while i < bytes.len() {
        set |= 1 << bytes[i];
        i += 1;
    }
    set
}

fn in_set(set: u128, ch: char) -> bool {
    (ch as u32) < 128 && set & (1 << ch as u32) != 0
}

/// Characters IdFix's `InvalidUpnRegExRegex` rejects, less the apostrophe (see
/// [`upn_invalid_chars`]): whitespace and `\ % & * + / = ? { } | < > ( ) ; : , [ ] "`.
const UPN_INVALID: u128 = ascii_set("\\%&*+/=?{}|<>();:,[]\"");

/// C1: characters a UPN may not hold. The Entra page allows `' . - _ ! # ^ ~` and rejects
/// "letters with diacritical marks"; IdFix's regex also rejects `'` and (of diacritics) only the
/// umlauts. `apostrophe_invalid` selects IdFix's reading. Leading/trailing whitespace is C2's.
pub fn upn_invalid_chars(value: &str, apostrophe_invalid: bool) -> Vec<char> {
    let mut bad: Vec<char> = Vec::new();
    for ch in value.trim().chars() {
        let invalid = !ch.is_ascii()
            || ch.is_ascii_whitespace()
            || ch.is_ascii_control()
            || in_set(UPN_INVALID, ch)
            || (ch == '\'' && apostrophe_invalid);
        if invalid && !bad.contains(&ch) {
            bad.push(ch);
        }
    }
    bad
}

/// Latin letters with diacritics → their base letters (the Entra page: such letters are invalid
/// in a UPN; a suggestion keeps the name readable rather than dropping the letter).
fn fold_diacritic(ch: char) -> Option<&'static str> {
    Some(match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' => "d",
        'Ď' | 'Đ' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
        'ł' => "l",
        'Ł' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' => "r",
        'Ř' => "R",
        'ś' | 'š' | 'ş' => "s",
        'Ś' | 'Š' | 'Ş' => "S",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'Ť' | 'Ţ' => "T",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'þ' => "th",
        'Þ' => "TH",
        'ð' => "d",
        'Ð' => "D",
        _ => return None,
    })
}

/// IdFix's RegexRule fix for C1 (drop every invalid character), with diacritics folded to their
/// base letters first. `None` when nothing usable would remain.
pub fn upn_without_invalid_chars(value: &str, apostrophe_invalid: bool) -> Option<String> {
    let bad = upn_invalid_chars(value, apostrophe_invalid);
    let mut out = String::with_capacity(value.len());
    for ch in value.trim().chars() {
        if let Some(base) = fold_diacritic(ch) {
            out.push_str(base);
        } else if !bad.contains(&ch) {
            out.push(ch);
        }
    }
    (!out.is_empty() && out.contains('@')).then_some(out)
}

/// Whether a character may appear in an RFC 2822 dot-atom local part (IdFix `LocalPartRegex`).
fn atom_char(ch: char) -> bool {
    const ATOM: u128 = ascii_set("!#$%&'*+/=?^_`{|}~-");
    ch.is_ascii_alphanumeric() || in_set(ATOM, ch)
}

/// What is wrong with the shape of an address (IdFix RFC2822Rule's LocalPart / DomainPart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatProblem {
    /// No `@` at all.
    NoAt,
    /// More than one `@`.
    SeveralAt,
    /// The local part is empty, starts or ends with a period, has two periods in a row or a
    /// character outside the dot-atom set.
    LocalPart,
    /// The domain part is not `label(.label)+` with letters, digits and inner hyphens, ending in
    /// 2–17 letters (IdFix `DomainPartRegex`).
    DomainPart,
}

impl FormatProblem {
    pub fn describe(&self) -> &'static str {
        match self {
            FormatProblem::NoAt => "no @: not of the form name@domain",
            FormatProblem::SeveralAt => "more than one @",
            FormatProblem::LocalPart => {
                "the part before the @ is not an RFC 2822 dot-atom (empty, a leading, trailing or doubled period, or a character outside A-Z a-z 0-9 !#$%&'*+/=?^_`{|}~-)"
            }
            FormatProblem::DomainPart => {
                "the domain part is not a host name (labels of letters, digits and inner hyphens, ending in a 2-17 letter top-level domain)"
            }
        }
    }
}

fn local_part_ok(local: &str) -> bool {
    !local.is_empty()
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

fn domain_part_ok(domain: &str) -> bool {
    let Some((hosts, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let tld_ok = (2..=17).contains(&tld.len()) && tld.bytes().all(|c| c.is_ascii_alphabetic());
    tld_ok
        && hosts.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// IdFix RFC2822Rule on a value (prefix already removed): the problems, in IdFix's order.
pub fn address_format(value: &str) -> Vec<FormatProblem> {
    let ats = value.matches('@').count();
    if ats == 0 {
        return vec![FormatProblem::NoAt];
    }
    let (local, domain) = value.rsplit_once('@').expect("has @");
    let mut out = Vec::new();
    if !domain_part_ok(domain) {
        out.push(FormatProblem::DomainPart);
    }
    if ats > 1 {
        out.push(FormatProblem::SeveralAt);
    } else if !local_part_ok(local) {
        out.push(FormatProblem::LocalPart);
    }
    out
}

/// IdFix RFC2822Rule's proposed value: characters outside the domain set dropped from the domain
/// part, characters outside the atom set dropped from the local part, `.@` → `@`. `None` when the
/// proposal is no better (still malformed) or there is no `@`.
pub fn address_format_fix(value: &str) -> Option<String> {
    let (local, domain) = value.rsplit_once('@')?;
    let domain: String = domain
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect();
    let local: String = local
        .chars()
        .filter(|c| atom_char(*c) || *c == '.')
        .collect();
    let local = local.trim_matches('.').to_string();
    let fixed = format!("{local}@{domain}").replace(".@", "@");
    address_format(&fixed).is_empty().then_some(fixed)
}

/// Entra UPN limits (prepare-for-directory-synchronization): 113 characters in all, 64 before
/// the @, 48 after it. Returns the limit exceeded, as (what, length, limit).
pub fn upn_length(value: &str) -> Option<(&'static str, usize, usize)> {
    let total = value.chars().count();
    if total > 113 {
        return Some(("the UPN", total, 113));
    }
    let (local, domain) = value.rsplit_once('@')?;
    let (l, d) = (local.chars().count(), domain.chars().count());
    if l > 64 {
        return Some(("the part before the @", l, 64));
    }
    if d > 48 {
        return Some(("the part after the @", d, 48));
    }
    None
}

/// IdFix `InvalidProxyAddressSMTPRegex` (SMTP proxies): whitespace `< > ( ) ; , [ ] "`; other
/// prefixes use `InvalidProxyAddressRegex` (the same without `;`), X400/X500 only control
/// whitespace, `[ ] " '`.
pub fn proxy_invalid_chars(value: &str) -> Vec<char> {
    let lower = value.get(..5).map(str::to_ascii_lowercase);
    let is_smtp = lower.as_deref() == Some("smtp:");
    let is_x = {
        let v = value.to_ascii_lowercase();
        v.starts_with("x400")
            || v.starts_with("x.400")
            || v.starts_with("x500")
            || v.starts_with("x.500")
    };
    let mut bad: Vec<char> = Vec::new();
    for ch in value.chars() {
        let invalid = if is_x {
            matches!(
                ch,
                '\u{c}' | '\n' | '\r' | '\t' | '\u{b}' | '[' | ']' | '"' | '\''
            )
        } else {
            ch.is_whitespace() || "<>(),[]\"".contains(ch) || (is_smtp && ch == ';')
        };
        if invalid && !bad.contains(&ch) {
            bad.push(ch);
        }
    }
    bad
}

/// IdFix FixProxyTargetAddressRule: a colon after the prefix's colon, with IdFix's proposal
/// (the extra colons removed).
pub fn proxy_extra_colon(value: &str) -> Option<String> {
    let colon = value.find(':').filter(|&c| c > 0)?;
    let suffix = &value[colon + 1..];
    suffix
        .contains(':')
        .then(|| format!("{}:{}", &value[..colon], suffix.replace(':', "")))
}

/// Characters the Entra page and IdFix (dedicated rules) reject in mailNickname: whitespace
/// `\ ! # $ % & * + / = ? ^ ` { } | ~ < > ( ) ' ; : , [ ] " @`.
const NICKNAME_INVALID: u128 = ascii_set("\\!#$%&*+/=?^`{}|~<>()';:,[]\"@");

pub fn nickname_invalid_chars(value: &str) -> Vec<char> {
    let mut bad: Vec<char> = Vec::new();
    for ch in value.chars() {
        if (ch.is_whitespace() || ch.is_control() || in_set(NICKNAME_INVALID, ch))
            && !bad.contains(&ch)
        {
            bad.push(ch);
        }
    }
    bad
}

/// The characters shown to people: `' '` for a space, the character otherwise.
pub fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| match c {
            ' ' => "space".to_string(),
            '\t' => "tab".to_string(),
            c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", *c as u32),
            c => format!("'{c}'"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value with every character of `bad` removed (IdFix RegexRule's proposal).
pub fn without(value: &str, bad: &[char]) -> String {
    value.chars().filter(|c| !bad.contains(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from IdFix's own test generator, test/Set-IdFixErrors.ps1 (microsoft/idfix).
    #[test]
    fn idfix_test_script_upn_cases() {
        // mtUserUserPrincipalNameInvalidchars: "…&&&@lab&&&.com"
        let v = "mtUserUserPrincipalNameInvalidchars&&&@lab&&&.com";
        assert_eq!(upn_invalid_chars(v, false), vec!['&']);
        assert_eq!(
            upn_without_invalid_chars(v, false).as_deref(),
            Some("mtUserUserPrincipalNameInvalidchars@lab.com")
        );
        // mtUserUserPrincipalNameRfc2822: "…@@lab###.local": two @, bad domain, unknown TLD.
        let v = "mtUserUserPrincipalNameRfc2822@@lab###.local";
        let f = address_format(v);
        assert!(f.contains(&FormatProblem::SeveralAt), "{f:?}");
        assert_eq!(unknown_tld(v).as_deref(), Some(".local"));
        assert!(address_format("mtUserUserPrincipalNameDup1@lab.com").is_empty());
    }

    #[test]
    fn idfix_test_script_proxy_and_nickname_cases() {
        // dUserProxyRfc2822 / mtUserProxyRfc2822: "SMTP:…@lab.local": a TLD error only.
        let v = "mtUserProxyRfc2822@lab.local";
        assert!(address_format(v).is_empty());
        assert_eq!(unknown_tld(v).as_deref(), Some(".local"));
        // dUserMailRfc2822: "…@@lab###.local"
        assert!(!address_format("dUserMailRfc2822@@lab###.local").is_empty());
        // dUserMailnicknameInvalidchars: "  dUserMailnicknameInvalidchars###"
        let bad = nickname_invalid_chars("  dUserMailnicknameInvalidchars###");
        assert_eq!(bad, vec![' ', '#']);
        assert_eq!(
            without("  dUserMailnicknameInvalidchars###", &bad),
            "dUserMailnicknameInvalidchars"
        );
    }

    // The Entra page (prepare-for-directory-synchronization), userPrincipalName.
    #[test]
    fn entra_upn_rules() {
        // "Letters with diacritical marks, such as umlauts, accents, and tildes, are invalid."
        assert_eq!(upn_invalid_chars("zoë@contoso.com", false), vec!['ë']);
        assert_eq!(
            upn_without_invalid_chars("José.Müller@contoso.com", false).as_deref(),
            Some("Jose.Muller@contoso.com")
        );
        // "Characters allowed: A – Z, a - z, 0 – 9, ' . - _ ! # ^ ~"
        assert!(upn_invalid_chars("o'brien.a-b_c!d#e^f~g@contoso.com", false).is_empty());
        // IdFix's regex rejects the apostrophe: the switch selects that reading.
        assert_eq!(upn_invalid_chars("o'brien@contoso.com", true), vec!['\'']);
        // 113 / 64 / 48.
        let local64 = "a".repeat(64);
        assert_eq!(upn_length(&format!("{local64}@contoso.com")), None);
        assert_eq!(
            upn_length(&format!("a{local64}@contoso.com")),
            Some(("the part before the @", 65, 64))
        );
        let domain49 = format!("{}.com", "d".repeat(45));
        assert_eq!(
            upn_length(&format!("a@{domain49}")),
            Some(("the part after the @", 49, 48))
        );
        // "The username cannot end with a period (.)" — a dot-atom cannot either.
        assert_eq!(
            address_format("alice.@contoso.com"),
            vec![FormatProblem::LocalPart]
        );
        assert_eq!(
            address_format("@contoso.com"),
            vec![FormatProblem::LocalPart]
        );
        assert_eq!(address_format("alice"), vec![FormatProblem::NoAt]);
        assert_eq!(
            address_format("alice@contoso"),
            vec![FormatProblem::DomainPart]
        );
    }

    #[test]
    fn proxy_characters_follow_the_prefix() {
        assert_eq!(proxy_invalid_chars("SMTP:a b@contoso.com"), vec![' ']);
        assert_eq!(proxy_invalid_chars("smtp:a;b@contoso.com"), vec![';']);
        // Non-SMTP prefixes may hold ';' (SIP parameters); X500 may hold spaces.
        assert!(proxy_invalid_chars("sip:a;b@contoso.com").is_empty());
        assert!(
            proxy_invalid_chars("X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=a")
                .is_empty()
        );
        assert_eq!(
            proxy_extra_colon("smtp:a:b@contoso.com").as_deref(),
            Some("smtp:ab@contoso.com")
        );
        assert_eq!(proxy_extra_colon("SMTP:a@contoso.com"), None);
    }

    #[test]
    fn tld_list_is_idfix_s() {
        assert_eq!(unknown_tld("a@contoso.com"), None);
        assert_eq!(unknown_tld("a@CONTOSO.COM"), None);
        assert_eq!(unknown_tld("a@contoso.corp").as_deref(), Some(".corp"));
        assert_eq!(unknown_tld("a@contoso"), None, "no dot: not tested");
    }
}
