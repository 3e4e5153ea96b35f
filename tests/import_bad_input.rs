//! Bad and unusual exports: every problem is an error or a report entry that names the file and
//! the line (or JSON path), and nothing panics.

use std::path::Path;
use syncscope::import::{ImportOptions, LoadIssue, Loaded, load_snapshot};
use syncscope::model::ObjectKind;
use tempfile::TempDir;

const DOMAINS: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains","value":[{"authenticationType":"Managed","id":"contoso.com","isDefault":true,"isInitial":false,"isVerified":true},{"authenticationType":"Managed","id":"contoso.onmicrosoft.com","isDefault":false,"isInitial":true,"isVerified":true}]}"#;

const ALICE: &str = "dn: CN=Alice Ng,OU=Staff,DC=contoso,DC=com\r\nchangetype: add\r\nobjectClass: top\r\nobjectClass: person\r\nobjectClass: organizationalPerson\r\nobjectClass: user\r\nobjectGUID:: iGhmiAEBERG7uxI0VniQqw==\r\nuserPrincipalName: alice@contoso.com\r\n";

/// A folder with the given files and a domains.json (the least a snapshot needs).
fn folder(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("domains.json"), DOMAINS).unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn load(dir: &TempDir) -> Loaded {
    load_snapshot(dir.path(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn find<'a>(issues: &'a [LoadIssue], needle: &str) -> &'a LoadIssue {
    issues
        .iter()
        .find(|i| i.message.contains(needle))
        .unwrap_or_else(|| panic!("no issue mentions {needle:?} in {issues:#?}"))
}

#[test]
fn ldif_folding_crlf_bom_comments_and_base64_values() {
    let ldif = "\u{feff}# exported by ldifde\r\n\r\ndn:: Q049Sm9zw6kgw4FsdmFyZXosT1U9U3RhZmYsREM9Y29udG9zbyxEQz1jb20=\r\nchangetype: add\r\nobjectClass: user\r\ndisplayName:: Sm9zw6kgw4FsdmFyZXo=\r\nobjectGUID:: iGhmiAEBERG7uxI0VniQqw==\r\nmS-DS-ConsistencyGuid:: GGhsjYwBEU+buBsE4sqhtg==\r\nobjectSid:: AQUAAAAAAAUVAAAAf1veU67Ze+7mkhtWWgQAAA==\r\nproxyAddresses: SMTP:jose.alvarez@contoso.com\r\nproxyAddresses: smtp:jalvarez@contoso.com\r\ndescription: a description that is long enough to be folded by the tool that w\r\n rote it, twice\r\n  over\r\n\r\n";
    let dir = folder(&[("ad.ldf", ldif.as_bytes())]);
    let l = load(&dir);
    assert!(l.report.skipped.is_empty(), "{}", l.report);
    let o = &l.bundle.on_premises[0];
    assert_eq!(
        o.distinguished_name,
        "CN=José Álvarez,OU=Staff,DC=contoso,DC=com"
    );
    assert_eq!(o.display_name.as_deref(), Some("José Álvarez"));
    assert_eq!(
        o.object_guid.to_string(),
        "88666888-0101-1111-bbbb-1234567890ab"
    );
    assert_eq!(
        o.consistency_guid.unwrap().guid().to_string(),
        "8d6c6818-018c-4f11-9bb8-1b04e2caa1b6"
    );
    assert_eq!(
        o.object_sid.as_deref(),
        Some("S-1-5-21-1407081343-4001094062-1444647654-1114")
    );
    assert_eq!(o.proxy_addresses.len(), 2);
    assert_eq!(
        o.extra.get("description").unwrap(),
        "a description that is long enough to be folded by the tool that wrote it, twice over"
    );
}

#[test]
fn ldifde_unicode_output_is_read() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in ALICE.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let dir = folder(&[("ad.ldf", &bytes)]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 1);
    assert!(
        l.report
            .files
            .iter()
            .any(|(_, f, _)| f == "LDIF (ldifde), UTF-16LE"),
        "{:?}",
        l.report.files
    );
}

#[test]
fn invalid_base64_and_wrong_length_guids_skip_the_object_naming_the_line() {
    let ldif = format!(
        "{ALICE}\r\ndn: CN=Bad Base64,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: not*base64!\r\n\r\n\
         dn: CN=Short Guid,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: AAECAwQFBgc=\r\n\r\n\
         dn: CN=Bad Anchor,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: GGhsjYwBEU+buBsE4sqhtg==\r\nmS-DS-ConsistencyGuid:: AAEC\r\n\r\n\
         dn: CN=Bad Photo,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: BpazOkLGm0iEtljAONPvOQ==\r\nthumbnailPhoto:: %%%\r\n"
    );
    let dir = folder(&[("ad.ldf", ldif.as_bytes())]);
    let l = load(&dir);
    let bad = find(&l.report.skipped, "Bad Base64");
    assert_eq!(bad.position, "line 12");
    assert!(
        bad.message.contains("objectGUID is not valid base64"),
        "{bad}"
    );
    assert!(bad.file.ends_with("ad.ldf"));
    let short = find(&l.report.skipped, "Short Guid");
    assert_eq!(short.position, "line 14");
    assert!(
        short.message.contains("has 8 bytes, expected 16"),
        "{short}"
    );
    let anchor = find(&l.report.skipped, "Bad Anchor");
    assert!(
        anchor.message.contains("mS-DS-ConsistencyGuid has 3 bytes"),
        "{anchor}"
    );
    // A bad value of an attribute syncscope does not need is only a warning.
    let photo = find(&l.report.warnings, "thumbnailPhoto is not valid base64");
    assert_eq!(photo.position, "line 26");
    let names: Vec<_> = l
        .bundle
        .on_premises
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    assert_eq!(names, ["Alice Ng", "Bad Photo"]);
}

#[test]
fn duplicate_dns_and_guids_are_skipped_naming_both_places() {
    let second = ALICE.replace("iGhmiAEBERG7uxI0VniQqw==", "GGhsjYwBEU+buBsE4sqhtg==");
    let dir = folder(&[
        ("a.ldf", ALICE.as_bytes()),
        ("b.ldf", format!("{second}\r\n{ALICE}").as_bytes()),
    ]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 1);
    let dn = find(&l.report.skipped, "duplicate distinguishedName");
    assert!(
        dn.file.ends_with("b.ldf") && dn.position == "line 1",
        "{dn}"
    );
    assert!(dn.message.contains("a.ldf line 1"), "{dn}");
    let guid = find(&l.report.skipped, "duplicate objectGUID");
    assert_eq!(guid.position, "line 10");
}

#[test]
fn change_records_computers_and_other_objects_are_listed_not_dropped() {
    let ldif = format!(
        "version: 1\n\n{ALICE}\ndn: CN=Alice Ng,OU=Staff,DC=contoso,DC=com\nchangetype: modify\nreplace: mail\nmail: a@contoso.com\n-\n\n\
         dn: CN=WS01,OU=Computers,DC=contoso,DC=com\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\nobjectClass: computer\nobjectGUID:: GGhsjYwBEU+buBsE4sqhtg==\n\n\
         dn: OU=Staff,DC=contoso,DC=com\nobjectClass: top\nobjectClass: organizationalUnit\nobjectGUID:: BpazOkLGm0iEtljAONPvOQ==\n\n\
         dn: CN=No Guid,DC=contoso,DC=com\nobjectClass: contact"
    );
    let dir = folder(&[("ad.ldif", ldif.as_bytes())]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 1);
    assert!(
        find(&l.report.skipped, "changetype: modify")
            .position
            .starts_with("line ")
    );
    find(&l.report.ignored, "computer account");
    find(
        &l.report.ignored,
        "organizationalUnit is not a user, group or contact",
    );
    find(
        &l.report.skipped,
        "CN=No Guid,DC=contoso,DC=com: no objectGUID",
    );
    // The last line has no line break: the file may have been cut short.
    let cut = find(&l.report.warnings, "does not end with a line break");
    assert!(cut.position.starts_with("line "), "{cut}");
}

#[test]
fn ldapsearch_trailers_and_errors() {
    let ldif = format!(
        "# extended LDIF\n#\n# LDAPv3\n\n# Alice Ng, Staff, contoso.com\n{}\n# search reference\nref: ldap://contoso.com/CN=Configuration,DC=contoso,DC=com\n\n# search result\nsearch: 2\nresult: 4 Size limit exceeded\n\n# numResponses: 2\n",
        ALICE
            .replace("\r\nchangetype: add", "")
            .replace("\r\n", "\n")
    );
    let dir = folder(&[("ad.ldif", ldif.as_bytes())]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 1);
    assert!(l.report.skipped.is_empty(), "{}", l.report);
    let w = find(&l.report.warnings, "Size limit exceeded");
    assert!(w.message.contains("incomplete"));
    assert!(
        l.report
            .files
            .iter()
            .any(|(_, f, _)| f == "LDIF (ldapsearch)")
    );
}

#[test]
fn samba_ldbsearch_prints_guids_and_sids_as_text() {
    let ldif = "# record 1\ndn: CN=alice,CN=Users,DC=contoso,DC=com\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\nobjectGUID: 88666888-0101-1111-bbbb-1234567890ab\nobjectSid: S-1-5-21-1407081343-4001094062-1444647654-1114\n\n# returned 1 records\n# 1 entries\n# 0 referrals\n";
    let dir = folder(&[("ad.ldif", ldif.as_bytes())]);
    let l = load(&dir);
    let o = &l.bundle.on_premises[0];
    assert_eq!(
        o.source_anchor(syncscope::model::SourceAnchorAttribute::ObjectGuid)
            .immutable_id(),
        "iGhmiAEBERG7uxI0VniQqw=="
    );
    assert!(
        l.report
            .files
            .iter()
            .any(|(_, f, _)| f == "LDIF (ldbsearch)")
    );
}

#[test]
fn text_that_is_not_utf8_is_an_error_naming_the_line() {
    // Windows-1252 "é" in a file saved as ANSI.
    let mut bytes = ALICE.as_bytes().to_vec();
    bytes.extend_from_slice(b"displayName: Jos\xe9\r\n");
    let dir = folder(&[("ad.ldf", &bytes)]);
    let e = load_snapshot(dir.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.file.ends_with("ad.ldf"), "{e}");
    assert_eq!(e.position, "line 9");
    assert!(
        e.message.contains("not valid UTF-8") && e.message.contains("-u"),
        "{e}"
    );

    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    utf32.extend_from_slice(&[b'd', 0, 0, 0]);
    let dir = folder(&[("ad.ldf", &utf32)]);
    let e = load_snapshot(dir.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("UTF-32"), "{e}");
}

#[test]
fn a_truncated_json_export_is_an_error_naming_the_line() {
    let dir = folder(&[(
        "users.json",
        b"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\n\"value\":[{\"id\":\"6e7b768e-07e2-4810-8459-485f84f8f204\",\"userPrincipalName\":\"a@",
    )]);
    let e = load_snapshot(dir.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.file.ends_with("users.json"), "{e}");
    assert!(e.position.starts_with("line 2"), "{e}");
    assert!(e.message.contains("truncated"), "{e}");
}

#[test]
fn a_truncated_csv_row_is_skipped_naming_the_line() {
    let csv = "DN,objectClass,objectGUID,userPrincipalName\r\n\"CN=Alice Ng,OU=Staff,DC=contoso,DC=com\",user,X'8868668801011111bbbb1234567890ab',alice@contoso.com\r\n\"CN=Bob,OU=Staff,DC=contoso,DC=com\",user,X'0606";
    let dir = folder(&[("ad.csv", csv.as_bytes())]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 1);
    assert_eq!(
        l.bundle.on_premises[0].object_guid.to_string(),
        "88666888-0101-1111-bbbb-1234567890ab"
    );
    let cut = find(&l.report.skipped, "3 field(s) where the header has 4");
    assert_eq!(cut.position, "line 3");
}

#[test]
fn export_csv_placeholders_warn_that_the_data_is_missing_and_how_to_export_it() {
    let csv = "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"DistinguishedName\",\"Enabled\",\"ObjectClass\",\"ObjectGUID\",\"proxyAddresses\",\"mS-DS-ConsistencyGuid\",\"mail\",\"UserPrincipalName\"\r\n\"CN=Alice Ng,OU=Staff,DC=contoso,DC=com\",\"True\",\"user\",\"88666888-0101-1111-bbbb-1234567890ab\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"System.Byte[]\",\"alice@contoso.com\",\"alice@contoso.com\"\r\n\"CN=Bob,OU=Staff,DC=contoso,DC=com\",\"True\",\"user\",\"8d6c6818-018c-4f11-9bb8-1b04e2caa1b6\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"\",\"bob@contoso.com\",\"bob@contoso.com\"\r\n";
    let dir = folder(&[("users.csv", csv.as_bytes())]);
    let l = load(&dir);
    assert_eq!(l.bundle.on_premises.len(), 2, "{}", l.report);
    let proxies = find(&l.report.warnings, "proxyAddresses of 2 object(s)");
    assert_eq!(proxies.position, "line 3");
    assert!(proxies.message.contains("-join ';'"), "{proxies}");
    let cg = find(&l.report.warnings, "mS-DS-ConsistencyGuid of 1 object(s)");
    assert!(cg.message.contains("[guid][byte[]]"), "{cg}");
    assert!(l.bundle.on_premises[0].proxy_addresses.is_empty());
    assert!(
        l.report
            .files
            .iter()
            .any(|(_, f, _)| f.contains("Windows PowerShell Export-Csv"))
    );
}

#[test]
fn graph_problems_name_the_json_path() {
    let users = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,onPremisesImmutableId)","@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X","value":[
        {"id":"6e7b768e-07e2-4810-8459-485f84f8f204","userPrincipalName":"alice@contoso.com","onPremisesImmutableId":"iGhmiAEBERG7uxI0VniQqw=="},
        {"id":"7e7b768e-07e2-4810-8459-485f84f8f204","userPrincipalName":"bob@contoso.com","onPremisesImmutableId":"xMf1FXx9RIcbcAbDlqeOA=="},
        {"id":"not-a-guid","userPrincipalName":"carol@contoso.com"},
        {"@odata.type":"#microsoft.graph.servicePrincipal","id":"8e7b768e-07e2-4810-8459-485f84f8f204"}]}"##;
    let roles = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryRoles","value":[
        {"id":"1","displayName":"Global Administrator","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10","members":[
          {"@odata.type":"#microsoft.graph.user","id":"6e7b768e-07e2-4810-8459-485f84f8f204"},
          {"@odata.type":"#microsoft.graph.user","id":"9e7b768e-07e2-4810-8459-485f84f8f204"}]},
        {"id":"2","displayName":"User Administrator","roleTemplateId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}]}"##;
    let dir = folder(&[
        ("users-1.json", users.as_bytes()),
        ("roles.json", roles.as_bytes()),
    ]);
    let l = load(&dir);
    // A4 (r2): Bob's ImmutableID is not derived from a GUID: he is loaded, and named.
    assert_eq!(l.bundle.cloud.len(), 2);
    assert_eq!(l.bundle.cloud[0].directory_roles, ["Global Administrator"]);
    assert_eq!(
        l.bundle.cloud[1].on_premises_immutable_id.as_deref(),
        Some("xMf1FXx9RIcbcAbDlqeOA==")
    );
    let opaque = find(&l.report.warnings, "not derived from a GUID");
    assert_eq!(opaque.position, "value[1]");
    assert!(opaque.message.contains("bob@contoso.com"), "{opaque}");
    assert!(
        find(&l.report.skipped, "carol@contoso.com")
            .position
            .starts_with("value[2].id")
    );
    assert_eq!(
        find(&l.report.ignored, "servicePrincipal").position,
        "value[3]"
    );
    find(&l.report.incomplete, "the last page is missing");
    let member = find(&l.report.warnings, "9e7b768e-07e2-4810-8459-485f84f8f204");
    assert_eq!(member.position, "value[0].members[1]");
    find(
        &l.report.warnings,
        "User Administrator was exported without its members",
    );
}

#[test]
fn saved_pages_in_one_file_and_powershell_arrays_are_read() {
    // Pages collected into one array (Invoke-MgGraphRequest in a loop, then ConvertTo-Json).
    let pages = r#"[{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups","@odata.nextLink":"https://graph.microsoft.com/v1.0/groups?$skiptoken=A","value":[{"id":"1b636a6d-0927-4713-b6b7-3477aec40606","displayName":"All Staff","mailEnabled":true,"securityEnabled":false,"groupTypes":[]}]},
                    {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups","value":[{"id":"2b636a6d-0927-4713-b6b7-3477aec40606","displayName":"Sales","groupTypes":["Unified"]}]}]"#;
    let dir = folder(&[("groups.json", pages.as_bytes())]);
    let l = load(&dir);
    assert_eq!(l.bundle.cloud.len(), 2, "{}", l.report);
    assert!(
        l.bundle
            .cloud
            .iter()
            .all(|c| c.object_type == ObjectKind::Group)
    );
    assert!(l.bundle.cloud[1].is_unified_group());
    assert!(
        l.report
            .warnings
            .iter()
            .all(|w| !w.message.contains("last page")),
        "{}",
        l.report
    );
}

#[test]
fn unknown_files_are_reported_not_ignored() {
    let dir = folder(&[
        ("ad.ldf", ALICE.as_bytes()),
        ("notes.txt", b"remember to export the groups"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    ]);
    let l = load(&dir);
    let notes = l
        .report
        .files
        .iter()
        .find(|(f, _, _)| f.ends_with("notes.txt"))
        .unwrap();
    assert_eq!(notes.1, "unknown format");
    assert!(
        find(&l.report.warnings, "not LDIF, CSV or JSON")
            .file
            .ends_with("notes.txt")
    );
    assert!(
        find(&l.report.warnings, "binary content")
            .file
            .ends_with("photo.png")
    );
}

#[test]
fn what_cannot_be_a_snapshot_says_why() {
    // An LDIF file alone is only the on-prem side.
    let dir = folder(&[("ad.ldf", ALICE.as_bytes())]);
    let e = load_snapshot(&dir.path().join("ad.ldf"), &ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("put it in a folder"), "{e}");
    // A Graph page given as a snapshot file.
    let e = load_snapshot(&dir.path().join("domains.json"), &ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("not a snapshot bundle"), "{e}");
    // No initial domain anywhere.
    let only_ad = tempfile::tempdir().unwrap();
    std::fs::write(only_ad.path().join("ad.ldf"), ALICE).unwrap();
    let e = load_snapshot(only_ad.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("initial domain"), "{e}");
    // An empty folder.
    let empty = tempfile::tempdir().unwrap();
    let e = load_snapshot(empty.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("no export syncscope can read"), "{e}");
    // A bundle inside an export folder.
    let bundle = std::fs::read("sample-data/contoso.json").unwrap();
    let dir = folder(&[("contoso.json", &bundle)]);
    let e = load_snapshot(dir.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.file.ends_with("contoso.json"), "{e}");
    assert!(e.message.contains("snapshot bundle"), "{e}");
    // A path that does not exist.
    let e = load_snapshot(Path::new("no/such/folder"), &ImportOptions::default()).unwrap_err();
    assert_eq!(e.file, "no/such/folder");
}

#[test]
fn connect_json_is_read_strictly() {
    let dir = folder(&[("connect.json", br#"{"sourceAnchor": "employeeID"}"#)]);
    let e = load_snapshot(dir.path(), &ImportOptions::default()).unwrap_err();
    assert!(e.file.ends_with("connect.json"), "{e}");
    assert!(
        e.message.contains("sourceAnchor") && e.message.contains("objectGUID"),
        "{e}"
    );

    let dir = folder(&[
        ("ad.ldf", ALICE.as_bytes()),
        ("connect.json", br#"{"sourceAnchor":"objectGUID","includedOUs":["OU=Staff,DC=contoso,DC=com"],"colour":"blue"}"#),
    ]);
    let l = load(&dir);
    assert_eq!(
        l.bundle.connect.source_anchor,
        syncscope::model::SourceAnchorAttribute::ObjectGuid
    );
    assert_eq!(
        find(&l.report.warnings, "unknown key \"colour\"").position,
        "colour"
    );
}

#[test]
fn single_graph_entities_and_settings_without_context_are_recognised() {
    let user = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users/$entity","id":"6e7b768e-07e2-4810-8459-485f84f8f204","displayName":"Alice Ng","userPrincipalName":"alice@contoso.com","onPremisesImmutableId":"iGhmiAEBERG7uxI0VniQqw==","onPremisesSyncEnabled":true}"##;
    // ConvertTo-Json of Get-MgDirectoryOnPremiseSynchronization: no @odata.context.
    let sync = r#"{"id":"4f1c2b8e-7d3a-4e59-9b61-0c2d5e8f3a17","configuration":{"accidentalDeletionPrevention":{"synchronizationPreventionType":"enabledForCount","alertThreshold":250}},"features":{"blockSoftMatchEnabled":true,"passwordWritebackEnabled":true}}"#;
    let dir = folder(&[
        ("alice.json", user.as_bytes()),
        ("sync.json", sync.as_bytes()),
    ]);
    let l = load(&dir);
    assert_eq!(l.bundle.cloud.len(), 1, "{}", l.report);
    assert!(l.bundle.cloud[0].is_synced());
    assert!(
        l.bundle
            .settings
            .get(syncscope::settings::Setting::BlockSoftMatch)
    );
    assert_eq!(l.bundle.connect.deletion_threshold, 250);
}
