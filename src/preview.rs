//! What a sync writes into a cloud object it takes over (M7) or updates (M1): the data-loss
//! preview the admin sees before acting.

use crate::apply::written_proxies;
use crate::model::{Bundle, ObjectKind, Text, strip_smtp_prefix};
use crate::outcome::{Outcome, SyncResult};
use crate::settings::Setting;

/// One attribute whose cloud value the on-prem value replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeChange {
    pub attribute: &'static str,
    pub cloud: Option<String>,
    pub on_prem: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SyncPreview {
    /// Attributes whose cloud value is overwritten.
    pub overwritten: Vec<AttributeChange>,
    /// Cloud proxyAddresses not present on-prem: lost (M7).
    pub proxies_lost: Vec<String>,
    /// Proxy addresses the cloud object gains.
    pub proxies_added: Vec<String>,
    /// The cloud password is replaced by the on-prem one (password hash sync on).
    pub password_replaced: bool,
    /// A cloud-managed object becomes synced: from now on it is edited on-prem only.
    pub becomes_synced: bool,
}

impl SyncPreview {
    pub fn is_empty(&self) -> bool {
        self.overwritten.is_empty()
            && self.proxies_lost.is_empty()
            && self.proxies_added.is_empty()
            && !self.password_replaced
            && !self.becomes_synced
    }
}

/// The preview for an outcome that writes into an existing cloud object, else `None`.
pub fn preview(b: &Bundle, out: &Outcome) -> Option<SyncPreview> {
    if !(out.result.is_takeover() || out.result == SyncResult::Linked) {
        return None;
    }
    let c = &b.cloud[out.cloud? as usize];
    let o = &b.on_premises[out.on_prem as usize];
    let mut p = SyncPreview::default();
    let mut attr = |attribute: &'static str, cloud: Option<&str>, on_prem: Option<&str>| {
        if let Some(v) = on_prem
            && cloud != Some(v)
        {
            p.overwritten.push(AttributeChange {
                attribute,
                cloud: cloud.map(str::to_string),
                on_prem: Some(v.to_string()),
            });
        }
    };
    attr(
        "displayName",
        c.display_name.as_deref(),
        o.display_name.as_deref(),
    );
    attr(
        "userPrincipalName",
        c.user_principal_name.as_deref(),
        out.cloud_upn.as_deref(),
    );
    attr("mail", c.mail.as_deref(), o.mail.as_deref());
    if o.mail_nickname.is_some() || o.object_class != ObjectKind::User {
        attr(
            "mailNickname",
            c.mail_nickname.as_deref(),
            o.mail_nickname_for_cloud(),
        );
    }
    let written = written_proxies(o, out, c);
    let bare = |v: &Text| strip_smtp_prefix(v).to_lowercase();
    let written_bare: Vec<String> = written.iter().map(bare).collect();
    let cloud_bare: Vec<String> = c.proxy_addresses.iter().map(bare).collect();
    p.proxies_lost = c
        .proxy_addresses
        .iter()
        .filter(|v| !written_bare.contains(&bare(v)))
        .map(|v| v.to_string())
        .collect();
    p.proxies_added = written
        .iter()
        .filter(|v| !cloud_bare.contains(&bare(v)))
        .map(|v| v.to_string())
        .collect();
    let takeover = out.result.is_takeover();
    p.becomes_synced = takeover && !c.is_synced();
    p.password_replaced =
        takeover && c.object_type == ObjectKind::User && b.settings.get(Setting::PasswordSync);
    Some(p)
}
