//! The on-prem side over LDAP (ldap3 with rustls): `ldaps://`, or `ldap://` with StartTLS; a
//! simple bind with the password from an environment variable, or Kerberos (SASL GSSAPI with
//! the ticket cache, feature `kerberos`); paged searches (RFC 2696, AD's
//! MaxPageSize is 1000) of users, groups and contacts under each base, and of the Deleted
//! Objects container with the show-deleted control where the account may read it. Written as
//! one LDIF per base that `src/import/ldif.rs` reads. Referrals are listed, never followed
//! silently; a size or time limit is an error, never a cut-short file.

use super::ldif_out;
use super::output::check_interrupted;
use super::progress::Progress;
use super::{CollectError, CollectReport, Env, LdapSource};
use crate::sanitize::display_safe;
use ldap3::controls::{Control, ControlType, PagedResults, RawControl};
use ldap3::{LdapConn, LdapConnSettings, ResultEntry, Scope, SearchEntry};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Users, contacts (objectCategory person) and groups. Built-in objects are read too: the
/// rules (Q7) show them as out of scope by `isCriticalSystemObject`.
pub const FILTER: &str = "(|(objectCategory=person)(objectCategory=group))";

/// Tombstones lose objectCategory (MS-ADTS 3.1.1.5.5.1.1), so deleted objects are found by class.
pub const DELETED_FILTER: &str = "(&(isDeleted=TRUE)(|(objectClass=user)(objectClass=contact)(objectClass=group))(!(objectClass=computer)))";

/// Every attribute the importers and the rules use (docs/importing.md; Q7, P4, M9), plus the
/// descriptive ones the explorer shows.
pub const ATTRIBUTES: [&str; 26] = [
    "objectClass",
    "objectGUID",
    "objectSid",
    "distinguishedName",
    "sAMAccountName",
    "userPrincipalName",
    "displayName",
    "mail",
    "mailNickname",
    "proxyAddresses",
    "mS-DS-ConsistencyGuid",
    "groupType",
    "userAccountControl",
    "isCriticalSystemObject",
    "msExchRecipientTypeDetails",
    "msExchHideFromAddressLists",
    "targetAddress",
    "givenName",
    "sn",
    "department",
    "title",
    "company",
    "description",
    "whenChanged",
    "isDeleted",
    "lastKnownParent",
];

/// The show-deleted control (MS-ADTS 3.1.1.3.4.1.14): returns tombstones and deleted objects.
const SHOW_DELETED: &str = "1.2.840.113556.1.4.417";

/// Per-operation time limit (reset for each entry the server sends).
const TIMEOUT: Duration = Duration::from_secs(120);

pub(crate) fn validate(src: &LdapSource) -> Result<(), CollectError> {
    if src.kerberos && !cfg!(feature = "kerberos") {
        return Err(CollectError::usage(
            "--kerberos: this build of syncscope was made without its `kerberos` feature (GSSAPI through the \
             system's MIT Kerberos; building it needs libkrb5-dev and libclang-dev). Build with the default \
             features, or bind with --bind-dn DN --password-env VAR over ldaps:// (or ldap:// with StartTLS)",
        ));
    }
    if src.kerberos && src.bind_dn.is_some() {
        return Err(CollectError::usage(
            "--kerberos and --bind-dn: give one of them (Kerberos signs in as the ticket's principal)",
        ));
    }
    let scheme = src
        .url
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("ldaps" | "ldap") => {}
        _ => {
            return Err(CollectError::usage(format!(
                "--ldap {}: expected ldaps://HOST[:PORT] or ldap://HOST[:PORT] (StartTLS)",
                display_safe(&src.url)
            )));
        }
    }
    if src.bind_dn.is_some() != src.password_env.is_some() {
        return Err(CollectError::usage(
            "--bind-dn and --password-env go together: the DN to bind as, and the name of the environment variable \
             that holds its password (a password is never given on the command line)",
        ));
    }
    if src.page_size == 0 || src.page_size > 1_000_000 {
        return Err(CollectError::usage(
            "--page-size: expected a number of objects from 1 to 1000000 (AD serves at most its MaxPageSize, 1000 by default)",
        ));
    }
    Ok(())
}

fn ldap_failure(what: &str, e: impl std::fmt::Display) -> CollectError {
    CollectError::failed(format!("{what}: {}", display_safe(&e.to_string())))
}

/// The rustls configuration that trusts the CAs in `ca_file`.
fn tls_config(ca_file: &Path) -> Result<Arc<rustls::ClientConfig>, CollectError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let shown = ca_file.display();
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| CollectError::failed(format!("--ca-file {shown}: cannot read it: {e}")))?;
    for (i, cert) in certs.enumerate() {
        let cert = cert.map_err(|e| {
            CollectError::failed(format!("--ca-file {shown}: certificate {}: {e}", i + 1))
        })?;
        roots.add(cert).map_err(|e| {
            CollectError::failed(format!("--ca-file {shown}: certificate {}: {e}", i + 1))
        })?;
    }
    if roots.is_empty() {
        return Err(CollectError::failed(format!(
            "--ca-file {shown}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
        )));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| CollectError::failed(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Connects, with TLS unless `insecure`.
fn connect(src: &LdapSource, report: &mut CollectReport) -> Result<LdapConn, CollectError> {
    let ldaps = src.url.to_ascii_lowercase().starts_with("ldaps://");
    let mut settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(30));
    if !ldaps {
        if src.insecure {
            let w = if src.kerberos {
                format!(
                    "{}: --insecure: reading without TLS; Kerberos signs in and encrypts the session itself (SASL privacy layer), \
                     but the server's identity rests on Kerberos alone",
                    src.url
                )
            } else {
                format!(
                    "{}: --insecure: reading without TLS; the bind password and every attribute cross the network in clear text",
                    src.url
                )
            };
            report.warnings.push(w);
        } else {
            settings = settings.set_starttls(true);
        }
    }
    if let Some(ca) = &src.ca_file {
        settings = settings.set_config(tls_config(ca)?);
    }
    LdapConn::with_settings(settings, &src.url).map_err(|e| {
        ldap_failure(
            &format!(
                "{}: cannot connect{}",
                src.url,
                if ldaps || !src.insecure {
                    " with TLS"
                } else {
                    ""
                }
            ),
            e,
        )
    })
}

/// Reads the directory into `dir` (one LDIF per base).
pub(crate) fn collect(
    src: &LdapSource,
    env: Env,
    dir: &Path,
    report: &mut CollectReport,
) -> Result<(), CollectError> {
    let password = match &src.password_env {
        Some(var) => Some(env(var).filter(|p| !p.is_empty()).ok_or_else(|| {
            CollectError::usage(format!(
                "--password-env {}: that environment variable is not set (or empty); put the bind password in it",
                display_safe(var)
            ))
        })?),
        None => None,
    };
    let mut ldap = connect(src, report)?;
    if let (Some(dn), Some(pw)) = (&src.bind_dn, password) {
        {
            let res = ldap
                .simple_bind(dn, &pw)
                .map_err(|e| ldap_failure(&format!("{}: bind as {dn}", src.url), e))?;
            drop(pw);
            if res.rc != 0 {
                return Err(CollectError::failed(format!(
                    "{}: bind as {} refused: {} (result code {}{})",
                    src.url,
                    display_safe(dn),
                    result_name(res.rc),
                    res.rc,
                    if res.text.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", display_safe(res.text.trim_end_matches('\0')))
                    }
                )));
            }
        }
    }
    if src.kerberos {
        kerberos_bind(&mut ldap, src)?;
    }
    let bases = if src.bases.is_empty() {
        vec![default_naming_context(&mut ldap, &src.url)?]
    } else {
        src.bases.clone()
    };
    for base in &bases {
        let name = file_name(base);
        let mut progress = Progress::new(&format!("LDAP {base}"));
        let n = search_to_file(
            &mut ldap,
            src,
            base,
            FILTER,
            false,
            &dir.join(&name),
            &mut progress,
            report,
        )?;
        report.ldap_objects += n;
        report.file(&name, n);
        // Deleted objects: only where the container exists and this account may read it.
        let deleted_base = format!("CN=Deleted Objects,{base}");
        let deleted_name = name.replace(".ldif", "-deleted.ldif");
        progress.restart(&format!("LDAP {deleted_base}"));
        let filter = DELETED_FILTER;
        match search_to_file(
            &mut ldap,
            src,
            &deleted_base,
            filter,
            true,
            &dir.join(&deleted_name),
            &mut progress,
            report,
        ) {
            Ok(n) => {
                report.ldap_deleted_objects += n;
                report.file(&deleted_name, n);
            }
            Err(e)
                if !e.usage && e.message.contains("(result code 32")
                    || e.message.contains("(result code 12") =>
            {
                let _ = std::fs::remove_file(dir.join(&deleted_name));
                report.warnings.push(format!(
                    "{deleted_base}: no such container (the AD Recycle Bin or tombstones are not visible); deleted objects not read"
                ));
            }
            Err(e) if !e.usage && e.message.contains("(result code 50") => {
                let _ = std::fs::remove_file(dir.join(&deleted_name));
                report.warnings.push(format!(
                    "{deleted_base}: this account may not read deleted objects (insufficient access); deleted objects not read"
                ));
            }
            Err(e) => return Err(e),
        }
        progress.finish();
    }
    let _ = ldap.unbind();
    Ok(())
}

/// The host part of an LDAP URL (`ldaps://dc01.contoso.com:636` → `dc01.contoso.com`; an IPv6
/// literal keeps no brackets).
// Used by the Kerberos bind and its tests: only with the `kerberos` feature.
#[cfg(any(feature = "kerberos", test))]
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// The name in the DC's service principal `ldap/NAME`: the URL's host, or, when the URL names
/// the DC by address (a Kerberos service ticket is for a name, never an address), the DC's own
/// `dnsHostName` from its RootDSE (MS-ADTS 3.1.1.3.2.7, readable before any bind).
// Used by the Kerberos bind: only with the `kerberos` feature.
#[cfg(feature = "kerberos")]
fn spn_host(ldap: &mut LdapConn, url: &str) -> Result<String, CollectError> {
    let host = url_host(url);
    if !host.is_empty() && host.parse::<std::net::IpAddr>().is_err() {
        return Ok(host.to_ascii_lowercase());
    }
    let what =
        format!("{url}: reading the DC's dnsHostName from the RootDSE (for Kerberos: ldap/NAME)");
    let ldap3::SearchResult(entries, res) = ldap
        .with_timeout(TIMEOUT)
        .search("", Scope::Base, "(objectClass=*)", vec!["dnsHostName"])
        .map_err(|e| ldap_failure(&what, e))?;
    entries
        .into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(SearchEntry::construct)
        .find_map(|e| e.attrs.get("dnsHostName").and_then(|v| v.first().cloned()))
        .filter(|h| !h.is_empty())
        .map(|h| h.to_ascii_lowercase())
        .ok_or_else(|| {
            CollectError::failed(format!(
                "{what}: the server does not say it (result code {}); give the DC by name in --ldap (ldaps://dc01.contoso.com)",
                res.rc
            ))
        })
}

/// SASL GSSAPI bind with the ticket cache's credentials (KRB5CCNAME, or the default cache):
/// over TLS for authentication only (with the tls-server-end-point channel binding), without
/// TLS (`--insecure`) with Kerberos encryption of the session.
#[cfg(feature = "kerberos")]
fn kerberos_bind(ldap: &mut LdapConn, src: &LdapSource) -> Result<(), CollectError> {
    let host = spn_host(ldap, &src.url)?;
    let spn = format!("ldap/{host}");
    let res = ldap.sasl_gssapi_bind(&host).map_err(|e| {
        let text = e.to_string();
        CollectError::failed(format!(
            "{}: Kerberos sign-in to {}: {}{}",
            src.url,
            display_safe(&spn),
            display_safe(&text),
            kerberos_hint(&text)
        ))
    })?;
    if res.rc != 0 {
        return Err(CollectError::failed(format!(
            "{}: Kerberos sign-in to {} refused: {} (result code {}{}){}",
            src.url,
            display_safe(&spn),
            result_name(res.rc),
            res.rc,
            if res.text.is_empty() {
                String::new()
            } else {
                format!(", {}", display_safe(res.text.trim_end_matches('\0')))
            },
            if res.rc == 8 && !src.insecure {
                // Windows DCs take a Kerberos bind on a TLS connection as is; Samba's default
                // wants Kerberos signing or sealing on top of TLS.
                ": the server wants Kerberos signing or sealing even inside TLS (Samba's default; \
                 `ldap server require strong auth = allow_sasl_over_tls` accepts TLS alone). Or read over \
                 ldap:// with --insecure, where Kerberos encrypts the session itself"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

#[cfg(not(feature = "kerberos"))]
fn kerberos_bind(_: &mut LdapConn, src: &LdapSource) -> Result<(), CollectError> {
    validate(src)
}

/// What to do about a GSSAPI failure, from MIT Kerberos' message (com_err texts).
// Used by the Kerberos bind and its tests: only with the `kerberos` feature.
#[cfg(any(feature = "kerberos", test))]
fn kerberos_hint(gss: &str) -> &'static str {
    let m = gss.to_ascii_lowercase();
    if m.contains("no kerberos credentials")
        || m.contains("no credentials cache")
        || m.contains("credentials cache file")
        || m.contains("ticket expired")
        || m.contains("credentials have expired")
    {
        ": no valid Kerberos ticket: sign in first with `kinit user@REALM` (the ticket cache is KRB5CCNAME's, or the \
         default one; `klist` shows it), then run collect again"
    } else if m.contains("server not found in kerberos database") || m.contains("unknown server") {
        ": the KDC knows no such service principal: give the DC by the name its SPN uses in --ldap \
         (ldaps://dc01.contoso.com, not an alias or address)"
    } else if m.contains("cannot find kdc") || m.contains("cannot contact any kdc") {
        ": no KDC reachable for the realm: check krb5.conf (KRB5_CONFIG) or the realm's DNS SRV records"
    } else {
        ""
    }
}

/// `ad-contoso.com.ldif` for `DC=contoso,DC=com`.
fn file_name(base: &str) -> String {
    let dcs: Vec<String> = base
        .split(',')
        .filter_map(|rdn| {
            let (k, v) = rdn.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("DC")
                .then(|| v.trim().to_string())
        })
        .collect();
    let stem = if dcs.is_empty() {
        base.to_string()
    } else {
        dcs.join(".")
    };
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    format!("ad-{safe}.ldif")
}

fn default_naming_context(ldap: &mut LdapConn, url: &str) -> Result<String, CollectError> {
    let (entries, res) = ldap
        .with_timeout(TIMEOUT)
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["defaultNamingContext"],
        )
        .map_err(|e| ldap_failure(&format!("{url}: reading the RootDSE"), e))?
        .success()
        .map_err(|e| ldap_failure(&format!("{url}: reading the RootDSE"), e))?;
    let _ = res;
    entries
        .into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(SearchEntry::construct)
        .find_map(|e| e.attrs.get("defaultNamingContext").and_then(|v| v.first().cloned()))
        .ok_or_else(|| {
            CollectError::failed(format!(
                "{url}: the server does not say its defaultNamingContext; give the domain with --base DC=…"
            ))
        })
}

/// One paged subtree search written to an LDIF file; the number of entries.
#[allow(clippy::too_many_arguments)]
fn search_to_file(
    ldap: &mut LdapConn,
    src: &LdapSource,
    base: &str,
    filter: &str,
    show_deleted: bool,
    path: &Path,
    progress: &mut Progress,
    report: &mut CollectReport,
) -> Result<usize, CollectError> {
    let shown = path.display().to_string();
    let file = std::fs::File::create(path)
        .map_err(|e| CollectError::failed(format!("{shown}: cannot write: {e}")))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let io = |e: std::io::Error| CollectError::failed(format!("{shown}: cannot write: {e}"));
    writeln!(
        out,
        "# syncscope collect: {} base {} filter {}{}\nversion: 1\n",
        src.url.replace(['\n', '\r'], " "),
        base.replace(['\n', '\r'], " "),
        filter,
        if show_deleted { " (show deleted)" } else { "" }
    )
    .map_err(io)?;
    let mut cookie: Vec<u8> = Vec::new();
    let mut count = 0usize;
    loop {
        check_interrupted()?;
        let mut controls: Vec<RawControl> = vec![
            PagedResults {
                size: src.page_size as i32,
                cookie: std::mem::take(&mut cookie),
            }
            .into(),
        ];
        if show_deleted {
            controls.push(RawControl {
                ctype: SHOW_DELETED.into(),
                crit: true,
                val: None,
            });
        }
        let result = ldap
            .with_controls(controls)
            .with_timeout(TIMEOUT)
            .search(base, Scope::Subtree, filter, ATTRIBUTES.to_vec())
            .map_err(|e| ldap_failure(&format!("{}: searching {base}", src.url), e))?;
        let ldap3::SearchResult(entries, res) = result;
        let mut page_entries = 0u64;
        for entry in entries {
            if entry.is_intermediate() {
                continue;
            }
            if entry.is_ref() {
                note_referrals(ldap3::parse_refs(entry.0), base, report);
                continue;
            }
            write_entry(&mut out, entry).map_err(io)?;
            page_entries += 1;
        }
        count += page_entries as usize;
        report.ldap_pages += 1;
        progress.page(page_entries);
        match res.rc {
            0 => {}
            10 => note_referrals(res.refs.clone(), base, report),
            rc => {
                return Err(CollectError::failed(format!(
                    "{}: searching {}: {} (result code {rc}{}) after {count} objects; nothing was written{}",
                    src.url,
                    display_safe(base),
                    result_name(rc),
                    if res.text.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", display_safe(res.text.trim_end_matches('\0')))
                    },
                    match rc {
                        4 =>
                            ": the server did not page the search; lower --page-size to the server's MaxPageSize",
                        3 => ": the server's time limit (MaxQueryDuration) stopped it",
                        _ => "",
                    }
                )));
            }
        }
        let next = res.ctrls.iter().find_map(|Control(kind, raw)| {
            let paged = matches!(kind, Some(ControlType::PagedResults))
                || raw.ctype == "1.2.840.113556.1.4.319";
            (paged && raw.val.is_some()).then(|| raw.parse::<PagedResults>().cookie)
        });
        match next {
            Some(c) if !c.is_empty() => cookie = c,
            Some(_) => break,
            // No control back: the server did not page, and rc 0 says the result is whole.
            None => break,
        }
    }
    out.flush().map_err(io)?;
    Ok(count)
}

fn note_referrals(refs: Vec<String>, base: &str, report: &mut CollectReport) {
    for r in refs {
        if is_partition_without_users(&r) {
            // AD refers a domain-root subtree search to its DNS and configuration partitions,
            // which hold no users, groups or contacts: recorded, not a warning.
            report.ldap_referrals.push(r);
            continue;
        }
        let w = format!(
            "{base}: the server referred part of the search to {r}, which was not followed: collect that domain with its own --ldap/--base"
        );
        report.warnings.push(w);
    }
}

/// `ldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com` and the like.
fn is_partition_without_users(url: &str) -> bool {
    let dn = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, dn)| dn.to_ascii_lowercase())
        .unwrap_or_default();
    dn.starts_with("dc=domaindnszones,")
        || dn.starts_with("dc=forestdnszones,")
        || dn.starts_with("cn=configuration,")
        || dn.starts_with("cn=schema,cn=configuration,")
}

/// One entry in ATTRIBUTES order, then any other attribute the server sent, sorted.
fn write_entry(out: &mut impl Write, entry: ResultEntry) -> std::io::Result<()> {
    let e = SearchEntry::construct(entry);
    let mut attrs: Vec<(&str, Vec<&[u8]>)> = Vec::with_capacity(e.attrs.len() + e.bin_attrs.len());
    for (k, v) in &e.attrs {
        attrs.push((k.as_str(), v.iter().map(|s| s.as_bytes()).collect()));
    }
    for (k, v) in &e.bin_attrs {
        attrs.push((k.as_str(), v.iter().map(Vec::as_slice).collect()));
    }
    let rank = |name: &str| {
        ATTRIBUTES
            .iter()
            .position(|a| a.eq_ignore_ascii_case(name))
            .unwrap_or(ATTRIBUTES.len())
    };
    attrs.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
    ldif_out::write_entry(out, &e.dn, attrs)
}

/// RFC 4511 result codes by name.
fn result_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrals_to_partitions_without_users_are_not_warnings() {
        let mut r = CollectReport::default();
        note_referrals(
            vec![
                "ldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com".into(),
                "ldap://contoso.com/CN=Configuration,DC=contoso,DC=com".into(),
                "ldap://emea.contoso.com/DC=emea,DC=contoso,DC=com".into(),
            ],
            "DC=contoso,DC=com",
            &mut r,
        );
        assert_eq!(r.ldap_referrals.len(), 2);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("DC=emea"), "{:?}", r.warnings);
    }

    #[test]
    fn the_spn_host_is_the_url_host() {
        assert_eq!(url_host("ldaps://DC01.contoso.com"), "DC01.contoso.com");
        assert_eq!(url_host("ldap://dc01.contoso.com:389/"), "dc01.contoso.com");
        assert_eq!(url_host("ldaps://127.0.0.1:636"), "127.0.0.1");
        assert_eq!(url_host("ldaps://[::1]:636"), "::1");
    }

    #[test]
    fn a_missing_ticket_names_kinit() {
        let h = kerberos_hint(
            "gss_init_sec_context: No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)",
        );
        assert!(h.contains("kinit"), "{h}");
        assert!(kerberos_hint("Server not found in Kerberos database").contains("SPN"));
        assert_eq!(kerberos_hint("something else"), "");
    }

    #[test]
    fn files_are_named_after_the_domain() {
        assert_eq!(file_name("DC=contoso,DC=com"), "ad-contoso.com.ldif");
        assert_eq!(
            file_name("OU=Corp, DC=fabrikam ,DC=com"),
            "ad-fabrikam.com.ldif"
        );
        assert_eq!(file_name("O=Example/../x"), "ad-O_Example_.._x.ldif");
    }

    #[test]
    fn kerberos_and_passwords_on_the_command_line_are_refused_as_usage() {
        let mut src = LdapSource {
            url: "ldaps://dc01".into(),
            bases: vec![],
            bind_dn: Some("CN=x".into()),
            password_env: None,
            kerberos: false,
            ca_file: None,
            page_size: 1000,
            insecure: false,
        };
        assert!(validate(&src).unwrap_err().usage);
        src.password_env = Some("PW".into());
        assert!(validate(&src).is_ok());
        src.kerberos = true;
        let e = validate(&src).unwrap_err();
        assert!(e.usage && e.message.contains("--bind-dn"), "{e}");
        src.bind_dn = None;
        src.password_env = None;
        match validate(&src) {
            Ok(()) => {
                #[cfg(not(feature = "kerberos"))]
                panic!("Kerberos accepted in a build without the feature");
            }
            Err(e) => assert!(
                !cfg!(feature = "kerberos") && e.usage && e.message.contains("feature"),
                "{e}"
            ),
        }
        src.kerberos = false;
        src.url = "http://dc01".into();
        assert!(validate(&src).unwrap_err().usage);
    }
}
