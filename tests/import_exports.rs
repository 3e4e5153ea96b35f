//! The sample exports (sample-data/exports/, sample-data/exports-formats/) open the same tenant
//! as the sample bundle (sample-data/contoso.json): same objects, anchors, UPNs, proxies, roles,
//! sync state and settings, and so the same plan for the next sync.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use syncscope::bundle::parse_bundle;
use syncscope::import::{ImportOptions, Loaded, load_snapshot};
use syncscope::model::*;
use syncscope::outcome::Holder;
use syncscope::plan::plan;
use uuid::Uuid;

fn bundle() -> Bundle {
    let text = std::fs::read("sample-data/contoso.json").unwrap();
    parse_bundle("sample-data/contoso.json", &text).unwrap()
}

fn load(path: &Path) -> Loaded {
    load_snapshot(path, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every modelled field of an on-prem object, and the bundle's extra attributes, equal.
fn assert_same_on_prem(expected: &OnPremObject, got: &OnPremObject, what: &str) {
    let dn = &expected.distinguished_name;
    assert_eq!(
        got.object_class, expected.object_class,
        "{what} {dn}: objectClass"
    );
    assert_eq!(
        got.object_guid, expected.object_guid,
        "{what} {dn}: objectGUID"
    );
    assert_eq!(
        got.distinguished_name, expected.distinguished_name,
        "{what}: DN"
    );
    assert_eq!(
        got.sam_account_name, expected.sam_account_name,
        "{what} {dn}: sAMAccountName"
    );
    assert_eq!(
        got.user_principal_name, expected.user_principal_name,
        "{what} {dn}: UPN"
    );
    assert_eq!(got.mail, expected.mail, "{what} {dn}: mail");
    assert_eq!(
        got.proxy_addresses, expected.proxy_addresses,
        "{what} {dn}: proxyAddresses"
    );
    assert_eq!(
        got.display_name, expected.display_name,
        "{what} {dn}: displayName"
    );
    assert_eq!(
        got.consistency_guid, expected.consistency_guid,
        "{what} {dn}: mS-DS-ConsistencyGuid"
    );
    assert_eq!(
        got.group_type, expected.group_type,
        "{what} {dn}: groupType"
    );
    assert_eq!(
        got.object_sid, expected.object_sid,
        "{what} {dn}: objectSid"
    );
    assert_eq!(
        got.mail_nickname, expected.mail_nickname,
        "{what} {dn}: mailNickname"
    );
    for anchor in [
        SourceAnchorAttribute::ObjectGuid,
        SourceAnchorAttribute::ConsistencyGuid,
    ] {
        assert_eq!(
            got.source_anchor(anchor),
            expected.source_anchor(anchor),
            "{what} {dn}: anchor"
        );
    }
}

fn assert_same_cloud(expected: &CloudObject, got: &CloudObject) {
    let n = expected.name();
    assert_eq!(got.object_type, expected.object_type, "{n}: type");
    assert_eq!(got.display_name, expected.display_name, "{n}: displayName");
    assert_eq!(
        got.user_principal_name, expected.user_principal_name,
        "{n}: UPN"
    );
    assert_eq!(got.mail, expected.mail, "{n}: mail");
    assert_eq!(
        got.mail_nickname, expected.mail_nickname,
        "{n}: mailNickname"
    );
    assert_eq!(
        got.proxy_addresses, expected.proxy_addresses,
        "{n}: proxyAddresses"
    );
    assert_eq!(
        got.on_premises_immutable_id, expected.on_premises_immutable_id,
        "{n}: ImmutableID"
    );
    assert_eq!(
        got.on_premises_sync_enabled, expected.on_premises_sync_enabled,
        "{n}: sync"
    );
    assert_eq!(
        got.on_premises_security_identifier, expected.on_premises_security_identifier,
        "{n}: SID"
    );
    assert_eq!(
        got.on_premises_object_identifier, expected.on_premises_object_identifier,
        "{n}: object id"
    );
    assert_eq!(
        got.assigned_licenses, expected.assigned_licenses,
        "{n}: licenses"
    );
    let sorted = |v: &Vec<syncscope::model::Text>| {
        let mut v = v.clone();
        v.sort();
        v
    };
    assert_eq!(
        sorted(&got.directory_roles),
        sorted(&expected.directory_roles),
        "{n}: roles"
    );
    assert_eq!(
        sorted(&got.eligible_directory_roles),
        sorted(&expected.eligible_directory_roles),
        "{n}: eligible roles"
    );
    assert_eq!(
        got.deleted_date_time, expected.deleted_date_time,
        "{n}: deleted"
    );
    assert_eq!(
        got.on_premises_provisioning_errors, expected.on_premises_provisioning_errors,
        "{n}: errors"
    );
    assert_eq!(got.mail_enabled, expected.mail_enabled, "{n}: mailEnabled");
    assert_eq!(
        got.security_enabled, expected.security_enabled,
        "{n}: securityEnabled"
    );
    assert_eq!(got.group_types, expected.group_types, "{n}: groupTypes");
    for (k, v) in expected.extra.iter() {
        assert_eq!(got.extra.get(&k), Some(v), "{n}: extra {k}");
    }
}

#[test]
fn the_export_folder_opens_the_same_tenant_as_the_bundle() {
    let expected = bundle();
    let loaded = load(Path::new("sample-data/exports"));
    let got = &loaded.bundle;

    // Nothing was skipped; one warning says how group and contact anchors were found, the
    // other names Tariq Aziz's ImmutableID, which is not derived from a GUID (A4 r2): the user
    // is loaded, not dropped.
    assert!(loaded.report.skipped.is_empty(), "{}", loaded.report);
    assert_eq!(loaded.report.warnings.len(), 2, "{}", loaded.report);
    let (opaque, anchors): (Vec<_>, Vec<_>) = loaded
        .report
        .warnings
        .iter()
        .partition(|w| w.message.contains("EMP004711"));
    let opaque = opaque[0];
    assert!(
        opaque.message.contains("EMP004711") && opaque.message.contains("not derived from a GUID"),
        "{opaque}"
    );
    assert!(opaque.file.ends_with(".json"), "{opaque}");
    assert!(
        got.cloud
            .iter()
            .any(|c| c.on_premises_immutable_id.as_deref() == Some("EMP004711"))
    );
    assert!(anchors[0].message.contains("5 synced group(s)"));
    assert!(anchors[0].message.contains("2 synced contact(s)"));
    let formats: HashMap<&str, &str> = loaded
        .report
        .files
        .iter()
        .map(|(f, format, _)| (f.rsplit('/').next().unwrap(), format.as_str()))
        .collect();
    assert_eq!(formats["contoso-ad.ldf"], "LDIF (ldifde)");
    assert_eq!(formats["users-2.json"], "Graph users");
    assert_eq!(formats["deletedItems-users.json"], "Graph deleted items");
    assert_eq!(formats["directoryRoles.json"], "Graph directoryRoles");
    assert_eq!(formats["connect.json"], "connect.json");

    // Tenant, settings, Connect settings.
    assert_eq!(got.tenant.initial_domain, expected.tenant.initial_domain);
    assert_eq!(got.tenant.domains, expected.tenant.domains);
    assert_eq!(got.settings, expected.settings);
    assert_eq!(got.connect, expected.connect);
    assert_eq!(got.captured_date_time, expected.captured_date_time);

    // On-prem objects, in the same order (Q2: order matters).
    assert_eq!(got.on_premises.len(), expected.on_premises.len());
    for (e, g) in expected.on_premises.iter().zip(&got.on_premises) {
        assert_same_on_prem(e, g, "ldifde");
        for (k, v) in e.extra.iter() {
            assert_eq!(
                g.extra.get(&k),
                Some(v),
                "{}: extra {k}",
                e.distinguished_name
            );
        }
    }

    // Cloud objects, by id.
    assert_eq!(got.cloud.len(), expected.cloud.len());
    let by_id: HashMap<Uuid, &CloudObject> = got.cloud.iter().map(|c| (c.id, &**c)).collect();
    for e in &expected.cloud {
        let g = by_id
            .get(&e.id)
            .unwrap_or_else(|| panic!("cloud {} missing", e.name()));
        assert_same_cloud(e, g);
    }

    // And so the next sync does the same to every object.
    let (pe, pg) = (plan(&expected), plan(got));
    let id = |b: &Bundle, c: Option<u32>| c.map(|c| b.cloud[c as usize].id);
    for (oe, og) in pe.outcomes.iter().zip(&pg.outcomes) {
        let who = &expected.on_premises[oe.on_prem as usize].distinguished_name;
        assert_eq!(og.result, oe.result, "{who}");
        assert_eq!(id(got, og.cloud), id(&expected, oe.cloud), "{who}");
        assert_eq!(og.error, oe.error, "{who}");
        assert_eq!(og.flags, oe.flags, "{who}");
        assert_eq!(og.source_anchor, oe.source_anchor, "{who}");
        assert_eq!(og.cloud_upn, oe.cloud_upn, "{who}");
        let q = |b: &Bundle, o: &syncscope::outcome::Outcome| {
            o.quarantined
                .iter()
                .map(|q| {
                    let with = match q.conflicts_with {
                        Holder::Cloud(c) => b.cloud[c as usize].id.to_string(),
                        Holder::OnPrem(i) => b.on_premises[i as usize].object_guid.to_string(),
                    };
                    (q.property, q.value.clone(), q.placeholder.clone(), with)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(q(got, og), q(&expected, oe), "{who}");
    }
    assert_eq!(pg.export_blocked, pe.export_blocked);
}

/// A folder with the sample's cloud side and one format's on-prem side.
fn with_format(format: &str) -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("sample-data/exports").unwrap() {
        let p: PathBuf = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(Path::new("sample-data/exports-formats").join(format)).unwrap() {
        let p: PathBuf = entry.unwrap().path();
        std::fs::copy(
            &p,
            dir.path()
                .join(format!("ad-{}", p.file_name().unwrap().to_string_lossy())),
        )
        .unwrap();
    }
    let loaded = load(dir.path());
    (dir, loaded)
}

fn assert_format_gives_the_bundles_directory(format: &str, expected_format: &str) -> Loaded {
    let expected = bundle();
    let (_dir, loaded) = with_format(format);
    assert!(
        loaded.report.skipped.is_empty(),
        "{format}: {}",
        loaded.report
    );
    assert!(
        loaded
            .report
            .files
            .iter()
            .any(|(_, f, _)| f.starts_with(expected_format)),
        "{format}: {:?}",
        loaded.report.files
    );
    let got: HashMap<Uuid, &OnPremObject> = loaded
        .bundle
        .on_premises
        .iter()
        .map(|o| (o.object_guid, &**o))
        .collect();
    assert_eq!(got.len(), expected.on_premises.len(), "{format}");
    for e in &expected.on_premises {
        let g = got
            .get(&e.object_guid)
            .unwrap_or_else(|| panic!("{format}: {} missing", e.distinguished_name));
        assert_same_on_prem(e, g, format);
    }
    // The synced groups' and contacts' anchors are found the same way from every format.
    let ids = |b: &Bundle| {
        let mut v: Vec<(Uuid, Option<syncscope::model::Text>)> = b
            .cloud
            .iter()
            .map(|c| (c.id, c.on_premises_immutable_id.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&loaded.bundle), ids(&expected), "{format}");
    loaded
}

#[test]
fn csvde_unicode_export() {
    let l = assert_format_gives_the_bundles_directory("csvde", "CSV (csvde), UTF-16LE");
    let o = &l.bundle.on_premises[0];
    // csvde's X'…' hex is the raw objectGUID.
    assert_eq!(
        o.distinguished_name,
        "CN=Alice Ng,OU=IT,OU=Staff,OU=Corp,DC=contoso,DC=com"
    );
    assert_eq!(o.extra.get("userAccountControl").unwrap(), 512);
}

#[test]
fn ldapsearch_export() {
    let l = assert_format_gives_the_bundles_directory("ldapsearch", "LDIF (ldapsearch)");
    assert!(
        l.report
            .warnings
            .iter()
            .all(|w| !w.message.contains("result:"))
    );
}

#[test]
fn windows_powershell_export_csv() {
    assert_format_gives_the_bundles_directory(
        "powershell-5.1-csv",
        "CSV (Windows PowerShell Export-Csv, #TYPE Selected.Microsoft.ActiveDirectory.Management.",
    );
}

#[test]
fn powershell_7_convert_to_json() {
    let l =
        assert_format_gives_the_bundles_directory("powershell-7-json", "PowerShell ConvertTo-Json");
    let alice = l
        .bundle
        .on_premises
        .iter()
        .find(|o| o.sam_account_name.as_deref() == Some("alice"))
        .unwrap();
    assert!(!alice.extra.contains_key("PropertyNames"));
    assert_eq!(alice.extra.get("Enabled").unwrap(), true);
}

#[test]
fn a_bundle_file_loads_through_the_same_entry_point() {
    let l = load(Path::new("sample-data/contoso.json"));
    assert_eq!(l.bundle, bundle());
    assert_eq!(l.report.files.len(), 1);
    assert_eq!(l.report.files[0].1, "snapshot bundle");
    // A4 (r2): the one thing to tell is the opaque ImmutableID, named with its JSON path.
    assert_eq!(l.report.warnings.len(), 1, "{}", l.report);
    assert!(l.report.warnings[0].position.starts_with("cloud["));
    assert!(
        l.report.warnings[0]
            .message
            .contains("not derived from a GUID")
    );
    assert!(l.report.skipped.is_empty());
}

#[test]
fn command_line_options_override_connect_json() {
    let opts = ImportOptions {
        source_anchor: Some(SourceAnchorAttribute::ObjectGuid),
        included_ous: Some(vec!["OU=Staff,OU=Corp,DC=contoso,DC=com".into()]),
    };
    let l = load_snapshot(Path::new("sample-data/exports"), &opts).unwrap();
    assert_eq!(
        l.bundle.connect.source_anchor,
        SourceAnchorAttribute::ObjectGuid
    );
    assert_eq!(
        l.bundle.connect.included_ous,
        Some(vec!["OU=Staff,OU=Corp,DC=contoso,DC=com".to_string()])
    );
    assert!(
        l.report.warnings.iter().any(|w| w
            .message
            .contains("from the command line replaces mS-DS-ConsistencyGuid")),
        "{}",
        l.report
    );
}
