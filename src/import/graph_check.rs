//! Whether a Graph export holds what the rules need (interfaces §7, issue 11). Graph returns a
//! small default set of properties unless `$select` names more (Microsoft's first example and
//! Graph Explorer's default): such a users file has no onPremisesImmutableId and no
//! onPremisesSyncEnabled, and already-synced users would be planned as takeovers. A property
//! that is absent (not `null`: absent) makes the load partial, with the `$select` to export again.

use super::FileCtx;
use crate::model::ObjectKind;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The properties the rules read, per kind (M1 anchors, M2 soft match, M3 hardening, Q1 …).
fn needed(kind: ObjectKind) -> &'static [&'static str] {
    match kind {
        ObjectKind::User => &[
            "userPrincipalName",
            "mail",
            "proxyAddresses",
            "onPremisesImmutableId",
            "onPremisesSyncEnabled",
        ],
        ObjectKind::Group => &[
            "mail",
            "proxyAddresses",
            "mailEnabled",
            "securityEnabled",
            "groupTypes",
            "onPremisesSyncEnabled",
        ],
        ObjectKind::Contact => &["mail", "proxyAddresses", "onPremisesSyncEnabled"],
    }
}

/// The `$select` of docs/importing.md, per kind.
pub(crate) fn select(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::User => {
            "id,displayName,userPrincipalName,mail,mailNickname,proxyAddresses,userType,accountEnabled,\
             assignedLicenses,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,\
             onPremisesSamAccountName,onPremisesDistinguishedName,onPremisesDomainName,\
             onPremisesSecurityIdentifier,onPremisesProvisioningErrors,deletedDateTime"
        }
        ObjectKind::Group => {
            "id,displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes,proxyAddresses,\
             onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesSamAccountName,\
             onPremisesSecurityIdentifier,onPremisesProvisioningErrors,deletedDateTime"
        }
        ObjectKind::Contact => {
            "id,displayName,mail,mailNickname,proxyAddresses,onPremisesSyncEnabled,\
             onPremisesLastSyncDateTime,onPremisesProvisioningErrors,deletedDateTime"
        }
    }
}

fn collection(kind: ObjectKind, deleted: bool) -> String {
    let base = match kind {
        ObjectKind::User => "users",
        ObjectKind::Group => "groups",
        ObjectKind::Contact => "contacts",
    };
    if deleted {
        let cast = match kind {
            ObjectKind::User => "microsoft.graph.user",
            ObjectKind::Group => "microsoft.graph.group",
            ObjectKind::Contact => "microsoft.graph.orgContact",
        };
        format!("directory/deletedItems/{cast}")
    } else {
        base.to_string()
    }
}

/// Properties missing from a file's cloud objects, per kind: which, where first, how many.
#[derive(Default)]
pub(crate) struct Coverage {
    missing: BTreeMap<(ObjectKind, bool), (Vec<&'static str>, String, usize)>,
}

impl Coverage {
    /// Notes the needed properties absent from one object.
    pub(crate) fn check(
        &mut self,
        map: &Map<String, Value>,
        kind: ObjectKind,
        deleted: bool,
        path: &str,
    ) {
        let absent: Vec<&'static str> = needed(kind)
            .iter()
            .copied()
            .filter(|k| !map.keys().any(|x| x.eq_ignore_ascii_case(k)))
            .collect();
        if absent.is_empty() {
            return;
        }
        let entry = self
            .missing
            .entry((kind, deleted))
            .or_insert_with(|| (Vec::new(), path.to_string(), 0));
        for a in absent {
            if !entry.0.contains(&a) {
                entry.0.push(a);
            }
        }
        entry.2 += 1;
    }

    /// One "not read completely" entry per kind, naming the `$select` to export again.
    pub(crate) fn report(self, ctx: &mut FileCtx) {
        for ((kind, deleted), (absent, first, n)) in self.missing {
            ctx.incomplete(
                first,
                format!(
                    "{n} {} object{} without {} (absent, not null: Graph returns them only when \
                     $select names them), which the rules need; export again with \
                     GET https://graph.microsoft.com/v1.0/{}?$select={}",
                    kind.as_str(),
                    if n == 1 { "" } else { "s" },
                    absent.join(", "),
                    collection(kind, deleted),
                    select(kind)
                ),
            );
        }
    }
}
