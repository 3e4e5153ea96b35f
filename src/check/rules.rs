//! The readiness rule catalogue: one id per (attribute, class of problem), with what the sync
//! does because of it and where the rule comes from. `docs/checks.md` is this table for people
//! (a test keeps the two in step).

/// How much a finding matters for the next sync.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Severity {
    /// The object or value fails to sync, or a hard match / soft match the admin wants fails.
    Error,
    /// The object syncs, but not as written (value quarantined, replaced, discarded).
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The IdFix class of a rule, or the cross-directory class syncscope adds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Class {
    Character,
    Format,
    DomainPart,
    TopLevelDomain,
    Length,
    Blank,
    Duplicate,
    /// Held by an object of the tenant (active) — no single-directory tool sees it.
    CrossDirectory,
    /// Held by a soft-deleted object in the tenant's recycle bin.
    RecycleBin,
    /// Blocks a hard match under the 2026 service hardening (M3 r2).
    Hardening,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Character => "character",
            Class::Format => "format",
            Class::DomainPart => "domain part",
            Class::TopLevelDomain => "top-level domain",
            Class::Length => "length",
            Class::Blank => "blank",
            Class::Duplicate => "duplicate",
            Class::CrossDirectory => "cross-directory duplicate",
            Class::RecycleBin => "recycle-bin duplicate",
            Class::Hardening => "hard-match hardening",
        }
    }
}

/// One rule of the catalogue.
#[derive(Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    pub attribute: &'static str,
    pub class: Class,
    pub severity: Severity,
    pub title: &'static str,
    /// What the sync does with such a value (before syncscope's own plan outcome is added).
    pub effect: &'static str,
    /// Rule-book ids the finding relates to.
    pub book: &'static str,
    pub source: &'static str,
}

const IDFIX: &str = "IdFix rules (microsoft/idfix src/IdFix/Rules, Settings/Constants.cs)";
const VALIDATION: &str = "IdentityDataValidationFailed: export error until the value is fixed (Connect Health sync error reference)";

macro_rules! rules {
    ($($name:ident = $id:literal, $attr:literal, $class:ident, $sev:ident, $title:literal, $effect:expr, $book:literal, $source:expr;)*) => {
        /// Rule ids of the readiness check.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub enum Rule { $($name),* }

        pub const RULES: &[RuleInfo] = &[$(RuleInfo {
            id: $id,
            attribute: $attr,
            class: Class::$class,
            severity: Severity::$sev,
            title: $title,
            effect: $effect,
            book: $book,
            source: $source,
        }),*];

        impl Rule {
            pub const ALL: &[Rule] = &[$(Rule::$name),*];
        }
    };
}

rules! {
    UpnCharacter = "C1", "userPrincipalName", Character, Error,
        "invalid character in the UPN (whitespace \\ % & * + / = ? { } | < > ( ) ; : , [ ] \" or a letter with a diacritic)",
        VALIDATION, "M9", "IdFix InvalidUpnRegExRegex; Entra: prepare-for-directory-synchronization (userPrincipalName: invalid characters, diacritics)";
    UpnWhitespace = "C2", "userPrincipalName", Character, Error,
        "leading or trailing whitespace in the UPN",
        VALIDATION, "M9", "IdFix InvalidUpnRegExRegex (\\s); Entra: prepare-for-directory-synchronization (the username cannot contain a space)";
    UpnFormat = "C3", "userPrincipalName", Format,
        Error, "the UPN is not name@domain (no @, several @, or a local part that is not an RFC 2822 dot-atom)",
        VALIDATION, "M9", "IdFix RFC2822Rule (LocalPartRegex, @ count); Entra: UPN population (Internet-style sign-in format, @ required)";
    UpnDomainPart = "C4", "userPrincipalName", DomainPart, Error,
        "the UPN's domain part is not a host name",
        VALIDATION, "M9", "IdFix RFC2822Rule (DomainPartRegex)";
    UpnTopLevelDomain = "C5", "userPrincipalName", TopLevelDomain, Warning,
        "the UPN ends in a top-level domain that is not routable (e.g. .local)",
        "a non-routable suffix is never a verified domain: the cloud UPN becomes <MailNickName>@<initial domain> (M9)",
        "M9", "IdFix RFC2822Rule + ValidTLDList (domains.txt); Entra: UPN population (routable suffix, alternate UPN suffix)";
    UpnLength = "C6", "userPrincipalName", Length, Error,
        "the UPN is longer than 113 characters, or more than 64 before / 48 after the @",
        VALIDATION, "", "IdFix StringMaxLengthRule(113); Entra: prepare-for-directory-synchronization (113 / 64 / 48)";
    UpnBlank = "C7", "userPrincipalName", Blank, Warning,
        "a user without a UPN",
        "Connect builds one from sAMAccountName@<AD domain> (out-of-box rule \"In from AD - User Join\"), usually an unverified suffix (M9)",
        "M9", "Entra: prepare-for-directory-synchronization (if no userPrincipalName, sAMAccountName is used); IdFix sAMAccountName rules apply then";
    UpnUnverifiedSuffix = "C8", "userPrincipalName", DomainPart, Warning,
        "the UPN suffix is not a verified domain of the tenant",
        "the cloud UPN becomes <MailNickName>@<initial domain> until the domain is verified (M9, flag UnverifiedUpnSuffix)",
        "M9", "rule book M9 [S57]; Entra: UPN population (verified domain)";
    MailFormat = "C10", "mail", Format, Warning,
        "mail is not an RFC 2822 address (or holds whitespace)",
        "mail stands in for the primary SMTP when there are no proxyAddresses (P1); a malformed value is discarded (P2) and takes no part in matching",
        "P1 P2", "IdFix dedicated mail rules (no white space, RFC2822Rule)";
    MailLength = "C11", "mail", Length, Error,
        "mail is longer than 256 characters",
        VALIDATION, "", "IdFix StringMaxLengthRule(256); Entra: prepare-for-directory-synchronization";
    MailTopLevelDomain = "C12", "mail", TopLevelDomain, Warning,
        "mail ends in a top-level domain that is not routable",
        "the address is not deliverable; as a primary SMTP (P1) its domain can never be verified",
        "P1", IDFIX;
    ProxyCharacter = "C20", "proxyAddresses", Character, Error,
        "invalid character in a proxy address (SMTP: whitespace < > ( ) ; , [ ] \"; other prefixes the same without ;)",
        "the service discards an SMTP value with a space (P2) or fails the export with a data validation error",
        "P2", "IdFix InvalidProxyAddressSMTPRegex / InvalidProxyAddressRegex / X400 / X500; Entra: prepare-for-directory-synchronization";
    ProxyFormat = "C21", "proxyAddresses", Format, Error,
        "an SMTP proxy address is not an RFC 2822 address",
        "the value takes no part in matching (P2) and the export may fail with a data validation error",
        "P2", "IdFix RFC2822Rule (SMTP only); Entra: proxyAddresses population";
    ProxyTopLevelDomain = "C22", "proxyAddresses", TopLevelDomain, Warning,
        "an SMTP proxy address ends in a top-level domain that is not routable",
        "Exchange Online drops addresses of unverified domains; as a primary SMTP the soft match (M5) cannot use it",
        "M5", "IdFix RFC2822Rule + ValidTLDList";
    ProxyLength = "C23", "proxyAddresses", Length, Error,
        "a proxy address is longer than 256 characters",
        VALIDATION, "", "IdFix StringMaxLengthRule(256); Entra: prepare-for-directory-synchronization";
    ProxyColon = "C24", "proxyAddresses", Character, Error,
        "a colon after the prefix's colon",
        VALIDATION, "", "IdFix FixProxyTargetAddressRule";
    NicknameCharacter = "C30", "mailNickname", Character, Error,
        "invalid character in mailNickname (whitespace \\ ! # $ % & * + / = ? ^ ` { } | ~ < > ( ) ' ; : , [ ] \" @)",
        VALIDATION, "M9", "IdFix dedicated mailNickname rules; Entra: prepare-for-directory-synchronization (mailNickname)";
    NicknamePeriod = "C31", "mailNickname", Format, Error,
        "mailNickname begins or ends with a period",
        VALIDATION, "M9", "IdFix RegexRule ^[.]+ (multi-tenant), MailNickNamePeriodsRule (dedicated); Entra: prepare-for-directory-synchronization";
    NicknameLength = "C32", "mailNickname", Length, Error,
        "mailNickname is longer than 64 characters",
        VALIDATION, "M9", "IdFix StringMaxLengthRule(64); Entra: prepare-for-directory-synchronization";
    DisplayNameBlank = "C40", "displayName", Blank, Warning,
        "a group without displayName, or a displayName with leading or trailing whitespace",
        "a mail-enabled group without displayName is not synchronized; whitespace is kept as written in the address book",
        "Q7", "IdFix BlankStringRule (groups), DisplayNameBlankRule; dedicated: no leading or trailing white space";
    DisplayNameLength = "C41", "displayName", Length, Error,
        "displayName is longer than 256 characters",
        VALIDATION, "", "Entra: prepare-for-directory-synchronization (256); IdFix StringMaxLengthRule(255)";
    SamCharacter = "C45", "sAMAccountName", Character, Error,
        "a user without UPN whose sAMAccountName has an invalid character ([ \\ \" | , / : < > + = ; ? * ]) or more than 20 characters",
        "the UPN Connect derives from it is invalid: export error",
        "", "IdFix sAMAccountName rules (only if no userPrincipalName); Entra: prepare-for-directory-synchronization";
    UpnDuplicate = "D1", "userPrincipalName", Duplicate, Error,
        "two on-prem objects carry the same UPN",
        "the first in input order keeps it; the later one is quarantined (placeholder UPN) or fails with AttributeValueMustBeUnique (Q1, Q2)",
        "P4 Q1 Q2", "IdFix NoDuplicatesRule; rule book P4(a)";
    SmtpDuplicate = "D2", "proxyAddresses", Duplicate, Error,
        "two on-prem objects carry the same SMTP address (proxyAddresses, or mail without proxies)",
        "the later one's address is quarantined or the export fails with AttributeValueMustBeUnique (Q1, Q2, Q4)",
        "P4 Q1 Q2 Q4", "IdFix NoDuplicatesRule; rule book P4(b)";
    MailDuplicate = "D3", "mail", Duplicate, Warning,
        "two on-prem objects carry the same mail",
        "Exchange Online refuses the second recipient with this address",
        "", "IdFix NoDuplicatesRule (mail)";
    NicknameDuplicate = "D4", "mailNickname", Duplicate, Warning,
        "two on-prem objects carry the same mailNickname",
        "the alias is not unique in Exchange Online; a placeholder UPN built from it (Q1, M9) may collide",
        "M9", "IdFix NoDuplicatesRule (mailNickname)";
    SidDuplicate = "D5", "objectSid", Duplicate, Error,
        "two on-prem objects carry the same objectSid",
        "the later one fails with AttributeValueMustBeUnique (OnPremiseSecurityIdentifier), never quarantined (P4 r2)",
        "P4", "rule book P4(c) [S13][S61]";
    NonSmtpDuplicate = "D6", "proxyAddresses", Duplicate, Error,
        "two on-prem objects carry the same non-SMTP proxy address (SIP:, X500:, EUM: ...)",
        "the later one fails with AttributeValueMustBeUnique (ProxyAddresses), never quarantined (P4 r2)",
        "P4", "rule book P4(d) [S13]";
    UpnInTenant = "X1", "userPrincipalName", CrossDirectory, Error,
        "the UPN is held by another active object of the tenant",
        "quarantined with a placeholder UPN (resiliency on) or AttributeValueMustBeUnique (Q1)",
        "P4 Q1", "rule book P4(a) [S13]; not visible to IdFix (one directory)";
    SmtpInTenant = "X2", "proxyAddresses", CrossDirectory, Error,
        "an SMTP address is held by another active object of the tenant",
        "quarantined (resiliency on) or AttributeValueMustBeUnique (Q1, Q4)",
        "P4 Q1 Q4", "rule book P4(b) [S13]";
    SidInTenant = "X3", "objectSid", CrossDirectory, Error,
        "the objectSid is another tenant object's onPremisesSecurityIdentifier",
        "AttributeValueMustBeUnique (OnPremiseSecurityIdentifier), never quarantined, retried every cycle (P4 r2)",
        "P4", "rule book P4(c) [S13][S61]";
    NonSmtpInTenant = "X4", "proxyAddresses", CrossDirectory, Error,
        "a non-SMTP proxy address is held by another object of the tenant",
        "AttributeValueMustBeUnique (ProxyAddresses), never quarantined (P4 r2)",
        "P4", "rule book P4(d) [S13]";
    InRecycleBin = "X5", "userPrincipalName/proxyAddresses", RecycleBin, Error,
        "the UPN or an SMTP address is held by a soft-deleted synced object in the recycle bin",
        "AttributeValueMustBeUnique, not quarantined, until the deleted object is purged (Q5)",
        "Q5", "rule book Q5 [seed][S36]";
    SidOrNonSmtpInRecycleBin = "X6", "objectSid/proxyAddresses", RecycleBin, Error,
        "the objectSid or a non-SMTP address is held by a soft-deleted object",
        "AttributeValueMustBeUnique until the deleted object is purged or restored (P4 r2, Q5)",
        "P4 Q5", "rule book P4(c)(d), Q5";
    PrivilegedRole = "H1", "directoryRoles", Hardening, Error,
        "the cloud user this object would hard match (or soft match) holds a privileged role, assigned or eligible",
        "InvalidHardMatch under the hardening (M3 r2); a soft match is refused with ExistingAdminRoleConflict (M6)",
        "M3 M6 W1", "rule book M3 r2 [S4-2026][S6], W1";
    ForeignObjectIdentifier = "H2", "onPremisesObjectIdentifier", Hardening, Error,
        "the cloud user this object would hard match names another on-prem object in onPremisesObjectIdentifier",
        "AttributeUpdateNotAllowed: \"Hard match operation blocked due to security hardening\" (M3 r2)",
        "M3 X4", "rule book M3 r2, X4 [S4-2026]";
    DeletedPrivileged = "H3", "directoryRoles", Hardening, Error,
        "a soft-deleted privileged user that this object's anchor would restore",
        "not restored: InvalidHardMatch (M3 r2: the hardening applies to soft-deleted targets too)",
        "M3 W1", "rule book M3 r2, W1 r2 [S4-2026][S59]";
}

impl Rule {
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// A rule by its id (`C2`, case-insensitive).
    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.id().eq_ignore_ascii_case(id.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_docs_list_every_rule() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md"))
            .expect("docs/checks.md");
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(Rule::ALL[i].info().id, r.id);
            assert_eq!(RULES.iter().filter(|o| o.id == r.id).count(), 1, "{}", r.id);
            let row = format!("| {} | {} |", r.id, r.attribute);
            assert!(docs.contains(&row), "docs/checks.md lacks the row {row}");
        }
        assert_eq!(Rule::parse("c2"), Some(Rule::UpnWhitespace));
        assert_eq!(Rule::parse("Z9"), None);
    }
}
