//! `syncscope collect` (interfaces §8): reads the on-prem side from a domain controller over
//! LDAP and the cloud side from Microsoft Graph, and writes a folder of exports that every
//! SNAPSHOT argument accepts — the same files `docs/importing.md` describes (LDIF, Graph JSON
//! pages, `connect.json`) plus `collected.json`, the record of where the folder came from (without
//! secrets) so that it can be collected again ([`recollect`]).
//!
//! The folder is built in a hidden temporary sibling and renamed into place at the end
//! ([`output::Staging`]), so an interrupted or failed collection never leaves a folder that loads as
//! whole. Secrets come only from environment variables (or the device-code sign-in) and are
//! never written, logged or shown.

pub mod cli;
pub mod graph;
pub mod ldap;
pub mod ldif_out;
pub mod output;
pub mod progress;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;
use std::path::{Path, PathBuf};

/// The file in a collected folder that records its sources.
pub const RECORD_FILE: &str = "collected.json";
/// The key that marks [`RECORD_FILE`] (the folder loader recognises it and reads nothing from it).
pub const RECORD_MARKER: &str = "syncscopeCollection";

/// Where to read the on-prem directory from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LdapSource {
    /// `ldaps://host[:port]` or `ldap://host[:port]` (StartTLS unless `insecure`).
    pub url: String,
    /// Naming contexts to read; none: the server's defaultNamingContext.
    #[serde(default)]
    pub bases: Vec<String>,
    /// Simple bind as this DN with the password from `password_env`; none: anonymous.
    pub bind_dn: Option<String>,
    /// The name of the environment variable that holds the password (never the password).
    pub password_env: Option<String>,
    #[serde(default)]
    pub kerberos: bool,
    /// PEM file with the CA certificate(s) that signed the DC's certificate.
    pub ca_file: Option<PathBuf>,
    /// Objects per page (AD's MaxPageSize is 1000).
    pub page_size: u32,
    /// Allow a bind without TLS (`ldap://` without StartTLS).
    #[serde(default)]
    pub insecure: bool,
}

/// How to sign in to Microsoft Graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum GraphAuth {
    /// Delegated sign-in: a code shown on stderr, entered at the Microsoft sign-in page.
    DeviceCode,
    /// Client credentials with a secret read from this environment variable.
    #[serde(rename_all = "camelCase")]
    ClientSecret { env: String },
    /// Client credentials with a certificate: a PEM file with the certificate and its private key.
    #[serde(rename_all = "camelCase")]
    Certificate { path: PathBuf },
}

/// Where to read the tenant from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphSource {
    /// Tenant id or domain; device code defaults to `organizations`.
    pub tenant: Option<String>,
    pub client_id: String,
    pub auth: GraphAuth,
    /// Graph's base URL (`https://graph.microsoft.com`), without the version.
    pub graph_url: String,
    /// The sign-in endpoint's base URL (`https://login.microsoftonline.com`).
    pub login_url: String,
}

/// The Microsoft Graph Command Line Tools application (the one `Connect-MgGraph` signs in with).
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";
/// AD's default MaxPageSize.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Everything `syncscope collect` was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectOptions {
    pub out: PathBuf,
    pub force: bool,
    pub ldap: Option<LdapSource>,
    pub graph: Option<GraphSource>,
    /// Written to connect.json.
    pub source_anchor: Option<String>,
    pub included_ous: Vec<String>,
}

/// Why a collection failed. `usage` errors exit 2, the others 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectError {
    pub message: String,
    pub usage: bool,
}

impl CollectError {
    pub fn failed(message: impl Into<String>) -> Self {
        CollectError {
            message: message.into(),
            usage: false,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CollectError {
            message: message.into(),
            usage: true,
        }
    }
}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CollectError {}

/// One file written: its name in the folder and the objects (or entries) it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WrittenFile {
    pub name: String,
    pub entries: usize,
}

/// What a collection read and wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectReport {
    pub folder: PathBuf,
    pub files: Vec<WrittenFile>,
    /// Things the admin should know: referrals not followed, optional endpoints not readable, …
    pub warnings: Vec<String>,
    pub ldap_objects: usize,
    pub ldap_pages: usize,
    pub ldap_deleted_objects: usize,
    pub graph_objects: usize,
    pub graph_requests: usize,
    pub graph_retries: usize,
    /// Referrals to partitions that hold no users (DomainDnsZones, ForestDnsZones, Configuration).
    pub ldap_referrals: Vec<String>,
}

impl CollectReport {
    pub(crate) fn file(&mut self, name: impl Into<String>, entries: usize) {
        self.files.push(WrittenFile {
            name: name.into(),
            entries,
        });
    }

    /// One line for stderr.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.ldap_pages > 0 {
            parts.push(format!(
                "{} on-prem objects in {} LDAP pages ({} deleted{})",
                self.ldap_objects,
                self.ldap_pages,
                self.ldap_deleted_objects,
                if self.ldap_referrals.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} referrals to DNS/configuration partitions, which hold no users, not followed",
                        self.ldap_referrals.len()
                    )
                }
            ));
        }
        if self.graph_requests > 0 {
            parts.push(format!(
                "{} Graph objects in {} requests ({} retried)",
                self.graph_objects, self.graph_requests, self.graph_retries
            ));
        }
        format!(
            "collected {} into {} ({} files, {} warnings)",
            parts.join(" and "),
            self.folder.display(),
            self.files.len(),
            self.warnings.len()
        )
    }
}

/// Reads environment variables; tests pass their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Checks the options before anything is read (usage errors, exit 2).
pub fn validate(opts: &CollectOptions) -> Result<(), CollectError> {
    if opts.ldap.is_none() && opts.graph.is_none() {
        return Err(CollectError::usage(
            "nothing to collect: give --ldap URL (the domain controller) and/or --graph (the tenant)",
        ));
    }
    if let Some(l) = &opts.ldap {
        ldap::validate(l)?;
    }
    if let Some(g) = &opts.graph {
        graph::validate(g)?;
    }
    if let Some(ou) = opts.included_ous.iter().find(|ou| !ou.contains('=')) {
        return Err(CollectError::usage(format!(
            "--included-ou {}: expected an OU's distinguished name like OU=Corp,DC=contoso,DC=com",
            crate::sanitize::display_safe(ou)
        )));
    }
    if let Some(a) = &opts.source_anchor
        && a != "objectGUID"
        && a != "mS-DS-ConsistencyGuid"
    {
        return Err(CollectError::usage(format!(
            "--source-anchor: expected objectGUID or mS-DS-ConsistencyGuid, found {}",
            crate::sanitize::display_safe(a)
        )));
    }
    Ok(())
}

/// Collects from the sources in `opts` into `opts.out`, atomically.
pub fn collect(opts: &CollectOptions, env: Env) -> Result<CollectReport, CollectError> {
    collect_keeping(opts, env, &[])
}

/// [`collect`], and the files named in `keep` (in the old `opts.out`) copied into the new folder
/// unchanged: the exports an admin added by hand to a one-sided collection survive a
/// re-collection ([`recollect`]).
fn collect_keeping(
    opts: &CollectOptions,
    env: Env,
    keep: &[String],
) -> Result<CollectReport, CollectError> {
    validate(opts)?;
    output::watch_signals();
    let staging = output::Staging::new(&opts.out, opts.force)?;
    let mut report = CollectReport {
        folder: opts.out.clone(),
        ..Default::default()
    };
    let started = now_utc();
    if let Some(l) = &opts.ldap {
        ldap::collect(l, env, staging.path(), &mut report)?;
    }
    if let Some(g) = &opts.graph {
        graph::collect(g, env, staging.path(), &mut report)?;
    } else {
        report.warnings.push(
            "no --graph: the folder holds the on-prem side only; add the tenant's Graph exports (at least domains.json) \
             before opening it, or collect again with --graph"
                .into(),
        );
    }
    if opts.ldap.is_none() {
        report.warnings.push(
            "no --ldap: the folder holds the cloud side only; add the Active Directory exports before opening it".into(),
        );
    }
    output::check_interrupted()?;
    // connect.json: only what was given, so the loader still says what it assumes otherwise.
    if opts.source_anchor.is_none() && opts.included_ous.is_empty() {
        report.warnings.push(
            "no --source-anchor or --included-ou: connect.json not written; loading the folder assumes \
             mS-DS-ConsistencyGuid and the whole directory in scope (give them, or add connect.json by hand)"
                .into(),
        );
    } else {
        let mut connect = serde_json::Map::new();
        match &opts.source_anchor {
            Some(a) => {
                connect.insert("sourceAnchor".into(), json!(a));
            }
            None => report.warnings.push(
                "no --source-anchor: connect.json leaves it out, and loading assumes mS-DS-ConsistencyGuid".into(),
            ),
        }
        if opts.included_ous.is_empty() {
            report.warnings.push(
                "no --included-ou: connect.json leaves it out, and loading takes the whole directory as in scope".into(),
            );
        } else {
            connect.insert("includedOUs".into(), json!(opts.included_ous));
        }
        connect.insert("capturedDateTime".into(), json!(started));
        output::write_json(staging.path(), "connect.json", &Value::Object(connect))?;
        report.file("connect.json", 1);
    }
    let record = CollectedRecord {
        marker: 1,
        collected_date_time: started,
        tool: format!("syncscope {}", env!("CARGO_PKG_VERSION")),
        ldap: opts.ldap.clone(),
        graph: opts.graph.clone(),
        source_anchor: opts.source_anchor.clone(),
        included_ous: opts.included_ous.clone(),
        files: report.files.clone(),
        warnings: report.warnings.clone(),
    };
    let value = serde_json::to_value(&record)
        .map_err(|e| CollectError::failed(format!("{RECORD_FILE}: {e}")))?;
    output::write_json(staging.path(), RECORD_FILE, &value)?;
    for name in keep {
        std::fs::copy(opts.out.join(name), staging.path().join(name)).map_err(|e| {
            CollectError::failed(format!(
                "{}: cannot keep {} (added by hand): {e}",
                opts.out.display(),
                crate::sanitize::display_safe(name)
            ))
        })?;
        report.warnings.push(format!(
            "kept {} from the old folder (not collected: added by hand)",
            crate::sanitize::display_safe(name)
        ));
    }
    staging.commit()?;
    Ok(report)
}

/// `collected.json`: where a folder was collected from. Holds environment variable *names*,
/// never their values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectedRecord {
    #[serde(rename = "syncscopeCollection")]
    pub marker: u32,
    pub collected_date_time: String,
    pub tool: String,
    pub ldap: Option<LdapSource>,
    pub graph: Option<GraphSource>,
    pub source_anchor: Option<String>,
    #[serde(default)]
    pub included_ous: Vec<String>,
    #[serde(default)]
    pub files: Vec<WrittenFile>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl<'de> Deserialize<'de> for WrittenFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            name: String,
            entries: usize,
        }
        let r = Raw::deserialize(d)?;
        Ok(WrittenFile {
            name: r.name,
            entries: r.entries,
        })
    }
}

/// Reads a folder's `collected.json`.
pub fn read_record(folder: &Path) -> Result<CollectedRecord, CollectError> {
    let path = folder.join(RECORD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CollectError::failed(format!(
            "{}: cannot read it ({e}); only a folder written by `syncscope collect` can be collected again",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CollectError::failed(format!(
            "{}: line {} column {}: not a collection record: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Collects a folder again from the sources recorded in its `collected.json` (the TUI's `R`):
/// the same servers, bases, accounts and sign-in method; secrets again from the environment
/// variables named there (or a new device-code sign-in). The folder is replaced atomically; the
/// files in it that the collection did not write (exports added by hand, e.g. the AD side of a
/// `--graph`-only collection) are kept as they are.
pub fn recollect(folder: &Path, env: Env) -> Result<CollectReport, CollectError> {
    let r = read_record(folder)?;
    let written: Vec<&str> = r.files.iter().map(|f| f.name.as_str()).collect();
    let mut keep: Vec<String> = std::fs::read_dir(folder)
        .map_err(|e| CollectError::failed(format!("{}: {e}", folder.display())))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && n != RECORD_FILE && !written.contains(&n.as_str()))
        .collect();
    keep.sort();
    let opts = CollectOptions {
        out: folder.to_path_buf(),
        force: true,
        ldap: r.ldap,
        graph: r.graph,
        source_anchor: r.source_anchor,
        included_ous: r.included_ous,
    };
    collect_keeping(&opts, env, &keep)
}

/// The current time as `2026-11-20T09:00:00Z`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}

/// Seconds since 1970 as an ISO 8601 UTC time (Howard Hinnant's civil-from-days).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso_utc() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_795_683_600), "2026-11-26T09:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn a_collected_folder_loads_with_its_record_and_lists_tombstones() {
        let dir = tempfile::tempdir().unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/exports");
        for e in std::fs::read_dir(&sample).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
        let clean = crate::import::load_snapshot(dir.path(), &Default::default()).unwrap();
        // A tombstone, as collect writes it from CN=Deleted Objects, and the record.
        let mut ldif = Vec::new();
        ldif_out::write_entry(
            &mut ldif,
            "CN=Karen Mills\\0ADEL:6e1f0c52-1d2b-4f0e-9a55-3c1b7e2a9d10,CN=Deleted Objects,DC=contoso,DC=com",
            [
                ("objectClass", vec![&b"user"[..]]),
                ("objectGUID", vec![&[7u8; 16][..]]),
                ("isDeleted", vec![&b"TRUE"[..]]),
            ],
        )
        .unwrap();
        std::fs::write(dir.path().join("ad-contoso.com-deleted.ldif"), ldif).unwrap();
        std::fs::write(
            dir.path().join(RECORD_FILE),
            r#"{"syncscopeCollection": 1, "collectedDateTime": "2026-11-20T09:00:00Z", "tool": "syncscope",
                "ldap": null, "graph": null, "sourceAnchor": null}"#,
        )
        .unwrap();
        let l = crate::import::load_snapshot(dir.path(), &Default::default()).unwrap();
        assert_eq!(l.bundle, clean.bundle);
        assert_eq!(l.report.warnings, clean.report.warnings);
        // Interfaces §7: a tombstone is ignored (a kind syncscope does not plan); the load is whole.
        assert!(l.report.skipped.is_empty(), "{}", l.report);
        assert_eq!(l.report.ignored.len(), 1, "{}", l.report);
        assert!(
            l.report.ignored[0].message.contains("a deleted object"),
            "{}",
            l.report
        );
        assert!(
            l.report
                .files
                .iter()
                .any(|(f, format, n)| f.ends_with(RECORD_FILE)
                    && format == "syncscope collection record"
                    && *n == 0),
            "{:?}",
            l.report.files
        );
    }

    #[test]
    fn the_record_holds_variable_names_not_secrets() {
        let r = CollectedRecord {
            marker: 1,
            collected_date_time: "2026-11-20T09:00:00Z".into(),
            tool: "syncscope".into(),
            ldap: Some(LdapSource {
                url: "ldaps://dc01".into(),
                bases: vec![],
                bind_dn: Some("CN=reader".into()),
                password_env: Some("DC_PASSWORD".into()),
                kerberos: false,
                ca_file: None,
                page_size: 1000,
                insecure: false,
            }),
            graph: Some(GraphSource {
                tenant: Some("contoso.onmicrosoft.com".into()),
                client_id: DEFAULT_CLIENT_ID.into(),
                auth: GraphAuth::ClientSecret {
                    env: "GRAPH_SECRET".into(),
                },
                graph_url: DEFAULT_GRAPH_URL.into(),
                login_url: DEFAULT_LOGIN_URL.into(),
            }),
            source_anchor: None,
            included_ous: vec![],
            files: vec![],
            warnings: vec![],
        };
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"passwordEnv\":\"DC_PASSWORD\""), "{text}");
        assert!(text.contains("\"method\":\"clientSecret\""), "{text}");
        let back: CollectedRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}
