//! One `Config`: everything a plan depends on besides the objects — the tenant features and
//! rule-book switches (`Settings`) and the Connect settings (source anchor, scope, deletion
//! threshold). The snapshot carries its own (`Config::of`); a what-if or `--set` is another
//! `Config` over the same objects. Nothing else holds a copy of these settings.

use crate::model::{Bundle, ConnectSettings, SourceAnchorAttribute};
use crate::settings::{Setting, SettingScope, Settings};

/// The configuration a plan is made with.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub settings: Settings,
    pub connect: ConnectSettings,
}

/// One switch a what-if can flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Setting(Setting),
    /// A2: the Connect sourceAnchor attribute.
    SourceAnchor,
    /// Q6: the whole directory in scope (no included-OU list).
    WholeDirectory,
    /// Q6: one of the snapshot's included OUs, by position.
    IncludedOu(usize),
}

/// What an item is, for people: the name `--set` takes (or a description), its meaning, the rule
/// it belongs to and whether a real tenant can turn it off again (X3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemInfo {
    pub name: String,
    pub meaning: String,
    pub rule: &'static str,
    pub irreversible: bool,
}

impl Config {
    /// The snapshot's own configuration.
    pub fn of(b: &Bundle) -> Config {
        Config {
            settings: b.settings,
            connect: b.connect.clone(),
        }
    }

    /// The switches of a configuration whose snapshot had `baseline` Connect settings.
    pub fn items(baseline: &ConnectSettings) -> Vec<Item> {
        let mut v: Vec<Item> = Setting::ALL.into_iter().map(Item::Setting).collect();
        v.push(Item::SourceAnchor);
        v.push(Item::WholeDirectory);
        if let Some(ous) = &baseline.included_ous {
            v.extend((0..ous.len()).map(Item::IncludedOu));
        }
        v
    }

    /// Flips an item; `baseline` gives the OU list the snapshot had.
    pub fn flip(&mut self, item: Item, baseline: &ConnectSettings) {
        match item {
            Item::Setting(s) => self.settings.set(s, !self.settings.get(s)),
            Item::SourceAnchor => {
                self.connect.source_anchor = match self.connect.source_anchor {
                    SourceAnchorAttribute::ObjectGuid => SourceAnchorAttribute::ConsistencyGuid,
                    SourceAnchorAttribute::ConsistencyGuid => SourceAnchorAttribute::ObjectGuid,
                }
            }
            Item::WholeDirectory => {
                self.connect.included_ous = match self.connect.included_ous {
                    Some(_) => None,
                    None => Some(baseline.included_ous.clone().unwrap_or_default()),
                }
            }
            Item::IncludedOu(i) => {
                let Some(ou) = baseline.included_ous.as_ref().and_then(|o| o.get(i)) else {
                    return;
                };
                let list = self.connect.included_ous.get_or_insert_with(Vec::new);
                match list.iter().position(|o| o == ou) {
                    Some(p) => {
                        list.remove(p);
                    }
                    None => list.push(ou.clone()),
                }
            }
        }
    }

    /// Whether an item is on in this configuration.
    pub fn value(&self, item: Item, baseline: &ConnectSettings) -> bool {
        match item {
            Item::Setting(s) => self.settings.get(s),
            Item::SourceAnchor => {
                self.connect.source_anchor == SourceAnchorAttribute::ConsistencyGuid
            }
            Item::WholeDirectory => self.connect.included_ous.is_none(),
            Item::IncludedOu(i) => {
                let ou = baseline.included_ous.as_ref().and_then(|o| o.get(i));
                match (&self.connect.included_ous, ou) {
                    (Some(list), Some(ou)) => list.contains(ou),
                    _ => false,
                }
            }
        }
    }

    /// How many switches differ from `other` (Connect settings count as one).
    pub fn differences(&self, other: &Config) -> usize {
        self.settings.differences(&other.settings).len()
            + usize::from(self.connect != other.connect)
    }

    /// The source anchor attribute's name as Connect shows it (A2).
    pub fn source_anchor_name(&self) -> &'static str {
        match self.connect.source_anchor {
            SourceAnchorAttribute::ObjectGuid => "objectGUID",
            SourceAnchorAttribute::ConsistencyGuid => "mS-DS-ConsistencyGuid",
        }
    }

    /// Which attribute an on-prem object's source anchor comes from under this configuration
    /// (A2: users with mS-DS-ConsistencyGuid set anchor on it when it is the sourceAnchor; every
    /// other object on objectGUID).
    pub fn anchor_source(&self, o: &crate::model::OnPremObject) -> &'static str {
        match (
            self.connect.source_anchor,
            o.object_class,
            o.consistency_guid,
        ) {
            (SourceAnchorAttribute::ConsistencyGuid, crate::model::ObjectKind::User, Some(_)) => {
                "mS-DS-ConsistencyGuid"
            }
            _ => "objectGUID",
        }
    }

    /// A copy of `b` whose settings are this configuration (walkthroughs and error rebuilds work
    /// on such a copy).
    pub fn applied_to(&self, b: &Bundle) -> Bundle {
        let mut out = b.clone();
        out.settings = self.settings;
        out.connect = self.connect.clone();
        out
    }
}

impl Item {
    /// Name, meaning, rule id and X3 note of an item.
    pub fn info(self, baseline: &ConnectSettings) -> ItemInfo {
        match self {
            Item::Setting(s) => {
                let info = s.info();
                let scope = match info.scope {
                    SettingScope::TenantFeature => "",
                    SettingScope::RuleBookSwitch => " (rule-book switch)",
                };
                ItemInfo {
                    name: info.key.to_string(),
                    meaning: format!("{}{scope}", info.meaning),
                    rule: info.rule,
                    irreversible: info.irreversible_once_enabled,
                }
            }
            Item::SourceAnchor => ItemInfo {
                name: "sourceAnchor = mS-DS-ConsistencyGuid".into(),
                meaning: "on: users anchor on mS-DS-ConsistencyGuid when set; off: on objectGUID"
                    .into(),
                rule: "A2",
                irreversible: false,
            },
            Item::WholeDirectory => ItemInfo {
                name: "whole directory in scope".into(),
                meaning: "on: no OU filtering; off: only the included OUs below".into(),
                rule: "Q6",
                irreversible: false,
            },
            Item::IncludedOu(i) => ItemInfo {
                name: format!(
                    "include {}",
                    baseline
                        .included_ous
                        .as_ref()
                        .and_then(|o| o.get(i))
                        .map_or("?", String::as_str)
                ),
                meaning: "an OU of the snapshot's Connect scope".into(),
                rule: "Q6",
                irreversible: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipping_the_source_anchor_twice_returns_and_counts_once() {
        let connect = ConnectSettings::default();
        let base = Config {
            settings: Settings::default(),
            connect: connect.clone(),
        };
        let mut c = base.clone();
        c.flip(Item::SourceAnchor, &connect);
        assert_eq!(c.source_anchor_name(), "objectGUID");
        assert_eq!(c.differences(&base), 1);
        c.flip(Item::Setting(Setting::BlockSoftMatch), &connect);
        assert_eq!(c.differences(&base), 2);
        c.flip(Item::SourceAnchor, &connect);
        c.flip(Item::Setting(Setting::BlockSoftMatch), &connect);
        assert_eq!(c, base);
    }
}
