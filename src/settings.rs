//! Tenant features (`Set-MsolDirSyncFeature` / `onPremisesSynchronization.features`) and the
//! rule book's switches, in one table: name, default, meaning, rule, and whether a real tenant can
//! turn it back off (X3). The CLI's `--set`, the bundle reader, the JSON output and the what-if panel
//! all read this table, so a setting exists in exactly one place.

use std::fmt;

/// Where a setting lives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SettingScope {
    /// A feature of the Entra tenant (`tenant.features` in the bundle).
    TenantFeature,
    /// A switch of the rule book choosing between two readings of the sources (`simulation`).
    RuleBookSwitch,
}

/// Every setting the engine reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Setting {
    BlockSoftMatch,
    SoftMatchOnUpn,
    BlockCloudObjectTakeoverThroughHardMatch,
    SynchronizeUpnForManagedUsers,
    QuarantineUponUpnConflict,
    QuarantineUponProxyAddressesConflict,
    AllowOnPremUpdateOfOnPremisesObjectIdentifier,
    PasswordSync,
    GroupHardMatch,
    HardMatchHardening,
    SmtpMatchAnyProxy,
    ServiceQuirks,
    RecycleBinHoldsValues,
    SoftMatchConflictQuarantines,
    EligibleRolesBlockSoftMatch,
    HardeningAllRoles,
}

/// What the table says of one setting.
#[derive(Debug)]
pub struct SettingInfo {
    pub setting: Setting,
    /// The JSON key, as in the bundle and `--set KEY=…`.
    pub key: &'static str,
    pub scope: SettingScope,
    pub default: bool,
    /// X3: once enabled in a real tenant it cannot be disabled again.
    pub irreversible_once_enabled: bool,
    pub rule: &'static str,
    pub meaning: &'static str,
}

pub const SETTINGS: [SettingInfo; 16] = [
    SettingInfo {
        setting: Setting::BlockSoftMatch,
        key: "blockSoftMatchEnabled",
        scope: SettingScope::TenantFeature,
        default: false,
        irreversible_once_enabled: false,
        rule: "M4",
        meaning: "Soft match (on SMTP or UPN) is skipped: new objects are hard matched or provisioned.",
    },
    SettingInfo {
        setting: Setting::SoftMatchOnUpn,
        key: "softMatchOnUpnEnabled",
        scope: SettingScope::TenantFeature,
        default: true,
        irreversible_once_enabled: true,
        rule: "M5",
        meaning: "Users may soft match on userPrincipalName when no primary SMTP candidate exists.",
    },
    SettingInfo {
        setting: Setting::BlockCloudObjectTakeoverThroughHardMatch,
        key: "blockCloudObjectTakeoverThroughHardMatchEnabled",
        scope: SettingScope::TenantFeature,
        default: false,
        irreversible_once_enabled: false,
        rule: "M3",
        meaning: "Hard match may not take over a cloud-only (not synced) object (InvalidHardMatch).",
    },
    SettingInfo {
        setting: Setting::SynchronizeUpnForManagedUsers,
        key: "synchronizeUpnForManagedUsersEnabled",
        scope: SettingScope::TenantFeature,
        default: true,
        irreversible_once_enabled: true,
        rule: "M8",
        meaning: "UPN changes flow to licensed users in Managed domains.",
    },
    SettingInfo {
        setting: Setting::QuarantineUponUpnConflict,
        key: "quarantineUponUpnConflictEnabled",
        scope: SettingScope::TenantFeature,
        default: true,
        irreversible_once_enabled: true,
        rule: "Q1",
        meaning: "A duplicate UPN is quarantined (placeholder UPN) instead of failing the export.",
    },
    SettingInfo {
        setting: Setting::QuarantineUponProxyAddressesConflict,
        key: "quarantineUponProxyAddressesConflictEnabled",
        scope: SettingScope::TenantFeature,
        default: true,
        irreversible_once_enabled: true,
        rule: "Q1",
        meaning: "A duplicate SMTP proxy address is quarantined instead of failing the export.",
    },
    SettingInfo {
        setting: Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier,
        key: "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
        scope: SettingScope::TenantFeature,
        default: false,
        irreversible_once_enabled: false,
        rule: "M3",
        meaning: "Hard match may re-map a cloud object whose onPremisesObjectIdentifier names another on-prem object.",
    },
    SettingInfo {
        setting: Setting::PasswordSync,
        key: "passwordSyncEnabled",
        scope: SettingScope::TenantFeature,
        default: true,
        irreversible_once_enabled: false,
        rule: "M7",
        meaning: "Password hash sync: a takeover replaces the cloud password with the on-prem one.",
    },
    SettingInfo {
        setting: Setting::GroupHardMatch,
        key: "groupHardMatch",
        scope: SettingScope::RuleBookSwitch,
        default: false,
        irreversible_once_enabled: false,
        rule: "M3",
        meaning: "Groups hard match too (Connect 1.5.18.0 and later); off: users only.",
    },
    SettingInfo {
        setting: Setting::HardMatchHardening,
        key: "hardMatchHardening",
        scope: SettingScope::RuleBookSwitch,
        default: true,
        irreversible_once_enabled: false,
        rule: "M3",
        meaning: "2026-07 service hardening: hard match refuses privileged-role holders and re-mapped objects.",
    },
    SettingInfo {
        setting: Setting::SmtpMatchAnyProxy,
        key: "smtpMatchAnyProxy",
        scope: SettingScope::RuleBookSwitch,
        default: false,
        irreversible_once_enabled: false,
        rule: "M5",
        meaning: "SMTP soft match against any SMTP proxy of the cloud object, not only its primary.",
    },
    SettingInfo {
        setting: Setting::ServiceQuirks,
        key: "serviceQuirks",
        scope: SettingScope::RuleBookSwitch,
        default: true,
        irreversible_once_enabled: false,
        rule: "Q4",
        meaning: "The documented resiliency quirks (secondary smtp vs group SMTP, two new groups).",
    },
    SettingInfo {
        setting: Setting::RecycleBinHoldsValues,
        key: "recycleBinHoldsValues",
        scope: SettingScope::RuleBookSwitch,
        default: true,
        irreversible_once_enabled: false,
        rule: "Q5",
        meaning: "Soft-deleted synced objects still hold their UPN and addresses against new objects.",
    },
    SettingInfo {
        setting: Setting::SoftMatchConflictQuarantines,
        key: "softMatchConflictQuarantines",
        scope: SettingScope::RuleBookSwitch,
        default: false,
        irreversible_once_enabled: false,
        rule: "M6",
        meaning: "Older reading: an SMTP candidate with another ImmutableID gives a new object with quarantined values (InvalidSoftMatch without resiliency); off: AttributeValueMustBeUnique, nothing created (2026-07 docs).",
    },
    SettingInfo {
        setting: Setting::EligibleRolesBlockSoftMatch,
        key: "eligibleRolesBlockSoftMatch",
        scope: SettingScope::RuleBookSwitch,
        default: true,
        irreversible_once_enabled: false,
        rule: "M6",
        meaning: "A role the candidate is only eligible for (PIM) blocks soft match like an assigned one.",
    },
    SettingInfo {
        setting: Setting::HardeningAllRoles,
        key: "hardeningAllRoles",
        scope: SettingScope::RuleBookSwitch,
        default: false,
        irreversible_once_enabled: false,
        rule: "M3",
        meaning: "The hard-match hardening treats every directory role as privileged; off: only roles marked privileged.",
    },
];

impl Setting {
    pub const ALL: [Setting; 16] = [
        Setting::BlockSoftMatch,
        Setting::SoftMatchOnUpn,
        Setting::BlockCloudObjectTakeoverThroughHardMatch,
        Setting::SynchronizeUpnForManagedUsers,
        Setting::QuarantineUponUpnConflict,
        Setting::QuarantineUponProxyAddressesConflict,
        Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier,
        Setting::PasswordSync,
        Setting::GroupHardMatch,
        Setting::HardMatchHardening,
        Setting::SmtpMatchAnyProxy,
        Setting::ServiceQuirks,
        Setting::RecycleBinHoldsValues,
        Setting::SoftMatchConflictQuarantines,
        Setting::EligibleRolesBlockSoftMatch,
        Setting::HardeningAllRoles,
    ];

    pub fn info(self) -> &'static SettingInfo {
        &SETTINGS[self as usize]
    }

    pub fn key(self) -> &'static str {
        self.info().key
    }

    /// Looks a setting up by its JSON key (exact spelling, as the bundle and the cmdlets use).
    pub fn from_key(key: &str) -> Option<Setting> {
        SETTINGS.iter().find(|s| s.key == key).map(|s| s.setting)
    }

    /// All keys of one scope, for error messages and help.
    pub fn keys(scope: SettingScope) -> Vec<&'static str> {
        SETTINGS
            .iter()
            .filter(|s| s.scope == scope)
            .map(|s| s.key)
            .collect()
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The effective value of every setting.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Settings([bool; 16]);

impl Default for Settings {
    fn default() -> Self {
        let mut values = [false; 16];
        for info in &SETTINGS {
            values[info.setting as usize] = info.default;
        }
        Settings(values)
    }
}

impl Settings {
    pub fn get(&self, s: Setting) -> bool {
        self.0[s as usize]
    }

    pub fn set(&mut self, s: Setting, value: bool) {
        self.0[s as usize] = value;
    }

    pub fn with(mut self, s: Setting, value: bool) -> Self {
        self.set(s, value);
        self
    }

    /// The settings whose value differs between `self` and `other`.
    pub fn differences(&self, other: &Settings) -> Vec<Setting> {
        Setting::ALL
            .into_iter()
            .filter(|s| self.get(*s) != other.get(*s))
            .collect()
    }

    /// Parses `KEY=true|false` as `--set` takes it.
    pub fn parse_assignment(text: &str) -> Result<(Setting, bool), String> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("expected FEATURE=true|false, got {text:?}"))?;
        let setting = Setting::from_key(key.trim()).ok_or_else(|| {
            format!(
                "unknown feature {:?}; expected one of: {}",
                key.trim(),
                SETTINGS
                    .iter()
                    .map(|s| s.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let value = match value.trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(format!(
                    "{}: expected true or false, got {other:?}",
                    setting.key()
                ));
            }
        };
        Ok((setting, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_enum_and_defaults_match_a_new_tenant() {
        for (i, info) in SETTINGS.iter().enumerate() {
            assert_eq!(info.setting as usize, i, "{}", info.key);
            assert_eq!(Setting::ALL[i], info.setting);
        }
        let d = Settings::default();
        assert!(!d.get(Setting::BlockSoftMatch));
        assert!(d.get(Setting::SoftMatchOnUpn));
        assert!(d.get(Setting::HardMatchHardening));
        assert!(!d.get(Setting::GroupHardMatch));
    }

    #[test]
    fn assignment_parsing_names_what_was_expected() {
        assert_eq!(
            Settings::parse_assignment("blockSoftMatchEnabled=true"),
            Ok((Setting::BlockSoftMatch, true))
        );
        let e = Settings::parse_assignment("blockSoftMatch=true").unwrap_err();
        assert!(e.contains("unknown feature") && e.contains("blockSoftMatchEnabled"));
        assert!(Settings::parse_assignment("passwordSyncEnabled=yes").is_err());
        assert!(Settings::parse_assignment("passwordSyncEnabled").is_err());
    }
}
