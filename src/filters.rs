//! Q7 (r2): the objects Connect's out-of-box sync rules never export ("Out-of-box rules from
//! on-premises to Microsoft Entra ID"). They are planned as `out-of-scope` with the filter named.

use crate::model::{ObjectKind, OnPremObject, rdn_value};

/// msExchRecipientTypeDetails bits of users that are never exported (public folders, system,
/// arbitration and discovery mailboxes …).
const SYSTEM_MAILBOX_BITS: i64 = 0x21C0_7000;
/// msExchRecipientTypeDetails bit of an Exchange role group.
const ROLE_GROUP_BIT: i64 = 0x4000_0000;

/// Why Connect's out-of-box rules filter this object, or `None` when they export it.
pub fn out_of_box_filter(o: &OnPremObject) -> Option<&'static str> {
    // A replication-conflict object: `\0ACNF:` in its RDN (written `\0ACNF:` in LDAP text,
    // a line feed followed by CNF: once decoded).
    let rdn = rdn_value(&o.distinguished_name);
    if rdn.contains("\\0ACNF:") || rdn.contains("\nCNF:") {
        return Some("a replication-conflict object (CNF in its RDN)");
    }
    let attrs = o.system_attributes();
    if attrs.critical {
        return Some("isCriticalSystemObject is set (a built-in system object)");
    }
    let cas = |v: Option<&str>| v.is_some_and(|v| starts_with_ci(v, "CAS_") && v.contains('}'));
    let nickname = o.mail_nickname.as_deref();
    match o.object_class {
        ObjectKind::User => {
            // "No sAMAccountName": AD requires it on every user, so a snapshot without the key
            // did not export it (unknown, not filtered); an explicitly empty value is filtered.
            let sam = o.sam_account_name.as_deref().unwrap_or("?");
            if sam.trim().is_empty() {
                return Some("no sAMAccountName");
            }
            if starts_with_ci(sam, "AAD_") || starts_with_ci(sam, "MSOL_") {
                return Some("sAMAccountName starts with AAD_ or MSOL_ (a sync service account)");
            }
            if sam.eq_ignore_ascii_case("SUPPORT_388945a0") {
                return Some("sAMAccountName SUPPORT_388945a0 (a built-in support account)");
            }
            if nickname.is_some_and(|n| starts_with_ci(n, "SystemMailbox{")) {
                return Some(
                    "mailNickname starts with SystemMailbox{ (an Exchange system mailbox)",
                );
            }
            if cas(nickname) || cas(Some(sam)) {
                return Some(
                    "mailNickname or sAMAccountName is CAS_…} (an Exchange system mailbox)",
                );
            }
            if attrs
                .recipient_type_details
                .is_some_and(|d| d & SYSTEM_MAILBOX_BITS != 0)
            {
                return Some(
                    "msExchRecipientTypeDetails marks a system, arbitration, discovery or public-folder mailbox",
                );
            }
        }
        ObjectKind::Contact => {
            let has_at = |v: &str| v.contains('@');
            let mail_enabled = crate::model::smtp_proxies(&o.proxy_addresses)
                .any(|p| p.primary && has_at(p.address))
                || o.mail.as_deref().is_some_and(has_at);
            if !mail_enabled {
                return Some("a contact that is not mail-enabled");
            }
            if o.display_name
                .as_deref()
                .is_some_and(|n| n.contains("(MSOL)"))
                && attrs.hidden_from_address_lists
            {
                return Some("an (MSOL) contact hidden from address lists");
            }
            if cas(nickname) {
                return Some("mailNickname is CAS_…} (an Exchange system object)");
            }
        }
        ObjectKind::Group => {
            if o.sam_account_name
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("MSOL_AD_Sync_RichCoexistence"))
                || rdn.eq_ignore_ascii_case("MSOL_AD_Sync_RichCoexistence")
            {
                return Some("MSOL_AD_Sync_RichCoexistence (a sync service group)");
            }
            if attrs
                .recipient_type_details
                .is_some_and(|d| d & ROLE_GROUP_BIT != 0)
            {
                return Some("an Exchange role group (msExchRecipientTypeDetails 0x40000000)");
            }
            // groupType without 0x80000000 = a distribution group: must be mail-enabled.
            let distribution = o.group_type.is_some_and(|t| t & 0x8000_0000 == 0);
            if distribution && !o.is_mail_enabled() {
                return Some("a distribution group that is not mail-enabled");
            }
            if attrs.member_count.is_some_and(|n| n >= 50_000) {
                return Some("50,000 members or more");
            }
        }
    }
    None
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}
