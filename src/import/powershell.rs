//! `Get-ADUser | ConvertTo-Json` (and Get-ADGroup, Get-ADObject) as Windows PowerShell 5.1 and
//! PowerShell 7 write it. The differences this evens out:
//! - a GUID is a string (7) or `{"Guid": "…"}` (5.1);
//! - a SID is `{"BinaryLength": 28, "AccountDomainSid": …, "Value": "S-1-5-…"}`;
//! - a byte array (mS-DS-ConsistencyGuid) is an array of integers, or base64 text;
//! - a collection may be wrapped as `{"value": […], "Count": n}` (5.1);
//! - the ADObject bookkeeping (`PropertyNames`, `AddedProperties`, …) is not an attribute.
//!
//! `Export-Csv` output is read by [`super::csvde`]; its placeholders (`System.Byte[]`,
//! `…ADPropertyValueCollection`) are reported by [`super::record`].

use super::record::{AdRecord, RawValue};
use serde_json::{Map, Value};

/// Attributes whose integer arrays are bytes, not lists of numbers.
const BINARY: [&str; 4] = ["objectguid", "ms-ds-consistencyguid", "objectsid", "sid"];

/// One ConvertTo-Json object as an AD record.
pub(crate) fn ad_record(map: Map<String, Value>, path: &str) -> AdRecord {
    let mut rec = AdRecord::new(path);
    for (name, value) in map {
        let binary = BINARY.contains(&name.to_ascii_lowercase().as_str());
        for v in values(value, binary) {
            rec.push(&name, v);
        }
    }
    rec
}

fn values(value: Value, binary: bool) -> Vec<RawValue> {
    match value {
        Value::Null => Vec::new(),
        Value::String(s) => vec![RawValue::Text(s)],
        Value::Bool(_) | Value::Number(_) => vec![RawValue::Json(value)],
        Value::Array(items) => {
            if binary && let Some(bytes) = byte_array(&items) {
                return vec![RawValue::Bytes(bytes)];
            }
            items
                .into_iter()
                .flat_map(|v| match v {
                    Value::Array(_) => Vec::new(),
                    other => values(other, false),
                })
                .collect()
        }
        Value::Object(mut o) => {
            // Windows PowerShell 5.1: a Guid is {"Guid": "…"}.
            if let Some(Value::String(g)) = o.get("Guid") {
                return vec![RawValue::Text(g.clone())];
            }
            // A SecurityIdentifier: its text form is Value.
            if o.contains_key("BinaryLength")
                && let Some(Value::String(s)) = o.get("Value")
            {
                return vec![RawValue::Text(s.clone())];
            }
            // Windows PowerShell 5.1 wraps some collections as {"value": [...], "Count": n}.
            if o.contains_key("Count")
                && let Some(inner @ Value::Array(_)) = o.remove("value")
            {
                return values(inner, binary);
            }
            Vec::new()
        }
    }
}

fn byte_array(items: &[Value]) -> Option<Vec<u8>> {
    items
        .iter()
        .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::record::{self, Placeholders};
    use crate::import::{FileCtx, LoadReport};
    use crate::model::ObjectKind;

    fn convert(json: &str) -> (Option<crate::model::OnPremObject>, LoadReport) {
        let map: Map<String, Value> = serde_json::from_str(json).unwrap();
        let mut report = LoadReport::default();
        let mut ctx = FileCtx {
            file: "users.json",
            report: &mut report,
        };
        let mut ph = Placeholders::default();
        let o = record::on_prem_object(ad_record(map, "[0]"), &mut ctx, &mut ph);
        ph.report(&mut ctx);
        (o, report)
    }

    #[test]
    fn windows_powershell_5_1_shapes() {
        let (o, report) = convert(
            r#"{"DistinguishedName":"CN=Diana Chen,OU=Finance,OU=Staff,OU=Corp,DC=contoso,DC=com",
                "Enabled":true,"ObjectClass":"user",
                "ObjectGUID":{"Guid":"568f6b5a-e028-48d8-91a4-ad9e4464d4ce"},
                "SID":{"BinaryLength":28,"AccountDomainSid":"S-1-5-21-1844237615-456351123-2920983912","Value":"S-1-5-21-1844237615-456351123-2920983912-1127"},
                "proxyAddresses":{"value":["SMTP:diana.chen@contoso.com","smtp:dchen@contoso.com"],"Count":2},
                "mS-DS-ConsistencyGuid":[90,107,143,86,40,224,216,72,145,164,173,158,68,100,212,206],
                "whenCreated":"\/Date(1579080612000)\/",
                "PropertyNames":["DistinguishedName","Enabled"],"PropertyCount":9}"#,
        );
        let o = o.unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(o.object_class, ObjectKind::User);
        assert_eq!(
            o.object_guid.to_string(),
            "568f6b5a-e028-48d8-91a4-ad9e4464d4ce"
        );
        assert_eq!(
            o.object_sid.as_deref(),
            Some("S-1-5-21-1844237615-456351123-2920983912-1127")
        );
        assert_eq!(o.proxy_addresses.len(), 2);
        assert_eq!(
            o.consistency_guid.unwrap().immutable_id(),
            "WmuPVijg2EiRpK2eRGTUzg=="
        );
        assert_eq!(o.extra.get("Enabled"), Some(Value::Bool(true)));
        assert!(!o.extra.contains_key("PropertyNames"));
        assert!(!o.extra.contains_key("PropertyCount"));
    }

    #[test]
    fn powershell_7_shapes() {
        let (o, report) = convert(
            r#"{"DistinguishedName":"CN=Miguel,DC=contoso,DC=com","ObjectClass":"user",
                "ObjectGUID":"d5a460f7-82eb-42b0-9d6b-bdcf463af621",
                "mS-DS-ConsistencyGuid":"92Ck1euCsEKda73PRjr2IQ==",
                "proxyAddresses":["SMTP:miguel.gonzalez@contoso.com"]}"#,
        );
        let o = o.unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(
            o.consistency_guid.unwrap().guid().to_string(),
            "d5a460f7-82eb-42b0-9d6b-bdcf463af621"
        );
    }

    #[test]
    fn a_byte_array_of_the_wrong_length_skips_the_object() {
        let (o, report) = convert(
            r#"{"DistinguishedName":"CN=X,DC=contoso,DC=com","ObjectClass":"user",
                "ObjectGUID":"d5a460f7-82eb-42b0-9d6b-bdcf463af621","mS-DS-ConsistencyGuid":[1,2,3]}"#,
        );
        assert!(o.is_none());
        assert_eq!(report.skipped.len(), 1);
        assert!(
            report.skipped[0]
                .message
                .contains("has 3 bytes, expected 16"),
            "{report}"
        );
        assert_eq!(report.skipped[0].position, "[0]");
    }
}
