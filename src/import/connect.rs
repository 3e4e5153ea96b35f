//! `connect.json`: the Entra Connect settings no Graph endpoint gives — the sourceAnchor
//! attribute and the OUs in scope — plus, optionally, the deletion threshold, when the snapshot
//! was taken, and syncscope's rule-book switches:
//!
//! ```json
//! {
//!   "sourceAnchor": "mS-DS-ConsistencyGuid",
//!   "includedOUs": ["OU=Corp,DC=contoso,DC=com"],
//!   "deletionThreshold": 500,
//!   "capturedDateTime": "2026-11-20T09:00:00Z"
//! }
//! ```
//! A hand-written file, so it is read strictly: a wrong value is an error, an unknown key a
//! warning. Command-line options override it.

use super::ConnectFile;
use crate::model::SourceAnchorAttribute;
use crate::settings::{Setting, SettingScope};
use serde_json::{Map, Value};

/// Keys that make an object a connect.json.
const KEYS: [&str; 6] = [
    "sourceAnchor",
    "includedOUs",
    "deletionThreshold",
    "capturedDateTime",
    "simulation",
    "features",
];

/// connect.json has at least one of its keys and, unlike a Graph object, no `id`.
pub(crate) fn looks_like(map: &Map<String, Value>) -> bool {
    !map.contains_key("id") && map.keys().any(|k| KEYS.contains(&k.as_str()))
}

/// Parses connect.json; returns the settings and warnings as (position, message).
pub(crate) fn parse(
    map: Map<String, Value>,
    prefix: &str,
) -> Result<(ConnectFile, Vec<(String, String)>), ConnectError> {
    let mut out = ConnectFile::default();
    let mut warnings = Vec::new();
    let at = |k: &str| format!("{prefix}{k}");
    for (key, value) in map {
        match key.as_str() {
            "sourceAnchor" => {
                out.source_anchor = match value.as_str() {
                    Some(a) if a.eq_ignore_ascii_case("objectGUID") => {
                        Some(SourceAnchorAttribute::ObjectGuid)
                    }
                    Some(a)
                        if a.eq_ignore_ascii_case("mS-DS-ConsistencyGuid")
                            || a.eq_ignore_ascii_case("ms-ds-consistencyguid") =>
                    {
                        Some(SourceAnchorAttribute::ConsistencyGuid)
                    }
                    _ if value.is_null() => None,
                    _ => {
                        return Err(ConnectError(
                            at(&key),
                            format!(
                                "expected \"objectGUID\" or \"mS-DS-ConsistencyGuid\", found {value}"
                            ),
                        ));
                    }
                }
            }
            "includedOUs" => {
                out.included_ous = Some(match value {
                    Value::Null => None,
                    Value::Array(items) => {
                        let mut ous = Vec::with_capacity(items.len());
                        for (i, item) in items.into_iter().enumerate() {
                            match item {
                                Value::String(s) if s.contains('=') => ous.push(s),
                                other => {
                                    return Err(ConnectError(
                                        format!("{}[{i}]", at(&key)),
                                        format!(
                                            "expected an OU's distinguished name like \"OU=Corp,DC=contoso,DC=com\", found {other}"
                                        ),
                                    ));
                                }
                            }
                        }
                        Some(ous)
                    }
                    other => {
                        return Err(ConnectError(
                            at(&key),
                            format!(
                                "expected a list of OU distinguished names or null, found {other}"
                            ),
                        ));
                    }
                })
            }
            "deletionThreshold" => {
                out.deletion_threshold = match value.as_u64().map(u32::try_from) {
                    Some(Ok(t)) => Some(t),
                    _ if value.is_null() => None,
                    _ => {
                        return Err(ConnectError(
                            at(&key),
                            format!("expected a number of objects like 500, found {value}"),
                        ));
                    }
                }
            }
            "capturedDateTime" => {
                out.captured_date_time = match value {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    other => {
                        return Err(ConnectError(
                            at(&key),
                            format!(
                                "expected a date and time like \"2026-11-20T09:00:00Z\", found {other}"
                            ),
                        ));
                    }
                }
            }
            "simulation" | "features" => {
                let scope = if key == "simulation" {
                    SettingScope::RuleBookSwitch
                } else {
                    SettingScope::TenantFeature
                };
                let Value::Object(items) = value else {
                    return Err(ConnectError(
                        at(&key),
                        "expected an object of names to true or false".into(),
                    ));
                };
                for (name, v) in items {
                    let Some(s) = Setting::from_key(&name).filter(|s| s.info().scope == scope)
                    else {
                        return Err(ConnectError(
                            format!("{}.{name}", at(&key)),
                            format!(
                                "unknown name; expected one of: {}",
                                Setting::keys(scope).join(", ")
                            ),
                        ));
                    };
                    match v {
                        Value::Bool(b) => out.settings.push((s, b)),
                        Value::Null => {}
                        other => {
                            return Err(ConnectError(
                                format!("{}.{name}", at(&key)),
                                format!("expected true or false, found {other}"),
                            ));
                        }
                    }
                }
            }
            _ => warnings.push((
                at(&key),
                format!(
                    "unknown key {key:?} ignored; connect.json takes {}",
                    KEYS.join(", ")
                ),
            )),
        }
    }
    Ok((out, warnings))
}

/// A wrong value in connect.json: its position and what was expected.
#[derive(Debug)]
pub(crate) struct ConnectError(pub String, pub String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(json: &str) -> Result<(ConnectFile, Vec<(String, String)>), ConnectError> {
        parse(serde_json::from_str(json).unwrap(), "")
    }

    #[test]
    fn reads_the_settings_and_warns_about_unknown_keys() {
        let (c, w) = p(r#"{"sourceAnchor":"objectGUID","includedOUs":["OU=Corp,DC=contoso,DC=com"],
                          "deletionThreshold":200,"simulation":{"groupHardMatch":true},"color":"red"}"#)
        .unwrap();
        assert_eq!(c.source_anchor, Some(SourceAnchorAttribute::ObjectGuid));
        assert_eq!(
            c.included_ous,
            Some(Some(vec!["OU=Corp,DC=contoso,DC=com".to_string()]))
        );
        assert_eq!(c.deletion_threshold, Some(200));
        assert_eq!(c.settings, vec![(Setting::GroupHardMatch, true)]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, "color");
    }

    #[test]
    fn wrong_values_name_the_key_and_the_expectation() {
        let e = p(r#"{"sourceAnchor":"employeeID"}"#).unwrap_err();
        assert_eq!(e.0, "sourceAnchor");
        assert!(e.1.contains("objectGUID"));
        let e = p(r#"{"includedOUs":["Corp"]}"#).unwrap_err();
        assert_eq!(e.0, "includedOUs[0]");
        let e = p(r#"{"simulation":{"blockSoftMatchEnabled":true}}"#).unwrap_err();
        assert_eq!(e.0, "simulation.blockSoftMatchEnabled");
    }
}
