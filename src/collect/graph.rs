//! The cloud side over Microsoft Graph (ureq 3): sign-in with the device code (delegated, the
//! read-only scopes in [`SCOPES`]) or client credentials (a secret from an environment variable,
//! or a certificate: an RS256 client assertion signed with its key); then every collection the
//! folder importer reads, with the exact `$select` the rules need (docs/importing.md), saved page
//! by page as Graph returned them. `@odata.nextLink` is followed only on the Graph host that was
//! named; 429/503/504 are retried after `Retry-After` a bounded number of times; a 403 names the
//! permission that is missing.
//!
//! The access token is sent to the Graph host only, kept in memory only, and never printed.

use super::output::{check_interrupted, write_bytes};
use super::progress::Progress;
use super::{CollectError, CollectReport, Env, GraphAuth, GraphSource};
use crate::sanitize::display_safe;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// The delegated, read-only permissions the device-code sign-in asks for (README "Reading live").
pub const SCOPES: [&str; 7] = [
    "User.Read.All",
    "Group.Read.All",
    "OrgContact.Read.All",
    "Directory.Read.All",
    "RoleManagement.Read.Directory",
    "Domain.Read.All",
    "OnPremDirectorySynchronization.Read.All",
];

/// docs/importing.md's `$user`, read from beta: `onPremisesSyncBehavior` (M10) is a beta property.
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,mailNickname,proxyAddresses,userType,accountEnabled,\
assignedLicenses,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,\
onPremisesSamAccountName,onPremisesDistinguishedName,onPremisesDomainName,\
onPremisesSecurityIdentifier,onPremisesObjectIdentifier,onPremisesProvisioningErrors,deletedDateTime,\
onPremisesSyncBehavior";
pub const GROUP_SELECT: &str = "id,displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes,proxyAddresses,\
onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesSamAccountName,\
onPremisesSecurityIdentifier,onPremisesProvisioningErrors,deletedDateTime";
pub const CONTACT_SELECT: &str = "id,displayName,mail,mailNickname,proxyAddresses,onPremisesSyncEnabled,\
onPremisesLastSyncDateTime,onPremisesProvisioningErrors,deletedDateTime";

/// Attempts of one request when the service throttles (429) or is unavailable (503, 504).
const ATTEMPTS: u32 = 6;
/// The longest wait honoured from a Retry-After header.
const MAX_WAIT: Duration = Duration::from_secs(300);

pub(crate) fn validate(g: &GraphSource) -> Result<(), CollectError> {
    check_url("--graph-url", &g.graph_url)?;
    check_url("--login-url", &g.login_url)?;
    if !matches!(g.auth, GraphAuth::DeviceCode) && g.tenant.is_none() {
        return Err(CollectError::usage(
            "--tenant is needed with --client-secret-env or --certificate (the tenant id or its onmicrosoft.com domain)",
        ));
    }
    if g.client_id.trim().is_empty() {
        return Err(CollectError::usage("--client-id: empty"));
    }
    Ok(())
}

/// https, or http to a loopback address only (tests).
fn check_url(flag: &str, url: &str) -> Result<(), CollectError> {
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        if !rest.is_empty() {
            return Ok(());
        }
    } else if let Some(rest) = lower.strip_prefix("http://") {
        let host = host_of(rest);
        let loopback_v4 = host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback());
        if host == "localhost" || host == "[::1]" || loopback_v4 {
            return Ok(());
        }
        return Err(CollectError::usage(format!(
            "{flag} {}: plain http is allowed only for a loopback address (127.0.0.1, localhost, [::1]); use https",
            display_safe(url)
        )));
    }
    Err(CollectError::usage(format!(
        "{flag} {}: expected https://HOST",
        display_safe(url)
    )))
}

/// The host of `host[:port]/path` (a bracketed IPv6 address kept whole).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

/// A failed request.
#[derive(Debug)]
enum Failure {
    Status {
        status: u16,
        code: String,
        message: String,
    },
    Other(CollectError),
}

impl From<CollectError> for Failure {
    fn from(e: CollectError) -> Self {
        Failure::Other(e)
    }
}

struct Client<'a> {
    agent: ureq::Agent,
    graph: String,
    origin: String,
    token: String,
    requests: usize,
    retries: usize,
    /// Signs in again when the token expires mid-collection (client credentials only; a
    /// device-code sign-in would need the admin again).
    renew: Option<Box<dyn FnMut() -> Result<String, CollectError> + 'a>>,
    /// The request count when the token was last renewed (renew once per failing request).
    renewed_at: Option<usize>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(180)))
        .user_agent(concat!("syncscope/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Reads a response body as JSON (an empty body is `null`).
fn body_json(
    resp: &mut ureq::http::Response<ureq::Body>,
    what: &str,
) -> Result<Value, CollectError> {
    let text = resp
        .body_mut()
        .with_config()
        .limit(512 << 20)
        .read_to_string()
        .map_err(|e| CollectError::failed(format!("{what}: reading the response: {e}")))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| {
        CollectError::failed(format!(
            "{what}: the response is not JSON (line {} column {}: {e})",
            e.line(),
            e.column()
        ))
    })
}

/// Waits `d`, checking for Ctrl-C.
fn pause(d: Duration) -> Result<(), CollectError> {
    let until = Instant::now() + d;
    while Instant::now() < until {
        check_interrupted()?;
        std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
    Ok(())
}

fn retry_after(resp: &ureq::http::Response<ureq::Body>, attempt: u32) -> Duration {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or_else(|| Duration::from_secs(1 << attempt.min(6)))
        .min(MAX_WAIT)
}

impl Client<'_> {
    /// GET with the token; retried on 429/503/504. The URL must be on the Graph host.
    fn get(&mut self, url: &str, progress: &Progress, eventual: bool) -> Result<Value, Failure> {
        // `/$count` answers text/plain; the number parses as JSON.
        if origin_of(url) != self.origin {
            return Err(Failure::Other(CollectError::failed(format!(
                "Graph sent a link to another host ({}); not followed (the access token goes to {} only)",
                display_safe(&origin_of(url)),
                self.origin
            ))));
        }
        let what = format!("GET {}", display_safe(short(url, &self.graph)));
        for attempt in 1..=ATTEMPTS {
            check_interrupted()?;
            self.requests += 1;
            let mut req = self
                .agent
                .get(url)
                .header("Authorization", format!("Bearer {}", self.token))
                .header("Accept", "application/json");
            if eventual {
                req = req.header("ConsistencyLevel", "eventual");
            }
            let mut resp = match req.call() {
                Ok(r) => r,
                Err(e) if attempt < ATTEMPTS => {
                    progress.println(&format!("syncscope: {what}: {e}; retrying"));
                    self.retries += 1;
                    pause(Duration::from_secs(1 << attempt))?;
                    continue;
                }
                Err(e) => {
                    return Err(Failure::Other(CollectError::failed(format!(
                        "{what}: {} (after {ATTEMPTS} attempts)",
                        display_safe(&e.to_string())
                    ))));
                }
            };
            let status = resp.status().as_u16();
            if status == 401 && attempt < ATTEMPTS && self.renewed_at != Some(self.requests - 1) {
                // An access token lives about an hour; a large tenant takes longer.
                if let Some(renew) = self.renew.as_mut() {
                    self.token = renew()?;
                    self.renewed_at = Some(self.requests);
                    progress.println("syncscope: the access token expired; signed in again");
                    continue;
                }
            }
            if matches!(status, 429 | 503 | 504) && attempt < ATTEMPTS {
                let wait = retry_after(&resp, attempt);
                progress.println(&format!(
                    "syncscope: {what}: {status} {}; waiting {}s as the service asks (attempt {attempt} of {ATTEMPTS})",
                    if status == 429 { "throttled" } else { "unavailable" },
                    wait.as_secs()
                ));
                self.retries += 1;
                pause(wait)?;
                continue;
            }
            let body = body_json(&mut resp, &what)?;
            if (200..300).contains(&status) {
                return Ok(body);
            }
            let err = body.get("error");
            let field = |k: &str| {
                err.and_then(|e| e.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            return Err(Failure::Status {
                status,
                code: field("code"),
                message: field("message"),
            });
        }
        unreachable!("the last attempt returns")
    }
}

/// The part of a URL after the Graph base, for messages.
fn short<'a>(url: &'a str, graph: &str) -> &'a str {
    url.strip_prefix(graph).unwrap_or(url)
}

fn describe(what: &str, status: u16, code: &str, message: &str) -> String {
    let mut s = format!("{what}: {status}");
    if !code.is_empty() {
        s.push_str(&format!(" {code}"));
    }
    if !message.is_empty() {
        s.push_str(&format!(": {message}"));
    }
    display_safe(&s).into_owned()
}

/// One collection to save.
struct Collection {
    /// File name stem (`users` → users-1.json, users-2.json, …).
    name: &'static str,
    path: String,
    /// The permission that lets this request through.
    scope: &'static str,
    /// Without it the snapshot is not whole; optional ones become a warning.
    required: bool,
    /// Why an optional one may be missing.
    optional_note: &'static str,
    /// Ask for `/$count` first (ETA).
    count: bool,
}

fn collections() -> Vec<Collection> {
    let c = |name, path: String, scope, count| Collection {
        name,
        path,
        scope,
        required: true,
        optional_note: "",
        count,
    };
    vec![
        c(
            "users",
            format!("beta/users?$select={USER_SELECT}&$top=999"),
            "User.Read.All",
            true,
        ),
        c(
            "groups",
            format!("v1.0/groups?$select={GROUP_SELECT}&$top=999"),
            "Group.Read.All",
            true,
        ),
        c(
            "contacts",
            format!("v1.0/contacts?$select={CONTACT_SELECT}&$top=999"),
            "OrgContact.Read.All",
            true,
        ),
        c(
            "deletedItems-users",
            format!("beta/directory/deletedItems/microsoft.graph.user?$select={USER_SELECT}&$top=999"),
            "User.Read.All",
            false,
        ),
        c(
            "deletedItems-groups",
            format!("v1.0/directory/deletedItems/microsoft.graph.group?$select={GROUP_SELECT}&$top=999"),
            "Group.Read.All",
            false,
        ),
        c("domains", "v1.0/domains".into(), "Domain.Read.All", false),
        Collection {
            name: "roleEligibilitySchedules",
            path: "v1.0/roleManagement/directory/roleEligibilitySchedules?$expand=roleDefinition($select=id,displayName)"
                .into(),
            scope: "RoleManagement.Read.Directory",
            required: false,
            optional_note: "PIM needs Microsoft Entra ID P2; without it only assigned roles (directoryRoles) are known",
            count: false,
        },
        Collection {
            name: "roleDefinitions",
            path: "beta/roleManagement/directory/roleDefinitions?$select=id,displayName,isBuiltIn,isPrivileged,templateId"
                .into(),
            scope: "RoleManagement.Read.Directory",
            required: false,
            optional_note: "without role definitions the built-in table of privileged roles is used (M3)",
            count: false,
        },
        Collection {
            name: "onPremisesSynchronization",
            path: "v1.0/directory/onPremisesSynchronization".into(),
            scope: "OnPremDirectorySynchronization.Read.All",
            required: false,
            optional_note: "reading it needs a Global Administrator (delegated); the tenant features take a new tenant's defaults",
            count: false,
        },
    ]
}

/// Reads the tenant into `dir`.
pub(crate) fn collect(
    g: &GraphSource,
    env: Env,
    dir: &Path,
    report: &mut CollectReport,
) -> Result<(), CollectError> {
    let agent = agent();
    let graph = format!("{}/", g.graph_url.trim_end_matches('/'));
    let mut progress = Progress::new("Graph sign-in");
    let token = sign_in(&agent, g, env, &progress)?;
    let renew_agent = agent.clone();
    let renew: Option<Box<dyn FnMut() -> Result<String, CollectError>>> =
        if matches!(g.auth, GraphAuth::DeviceCode) {
            None
        } else {
            Some(Box::new(move || {
                sign_in(&renew_agent, g, env, &Progress::hidden())
            }))
        };
    let mut client = Client {
        agent,
        origin: origin_of(&graph),
        graph,
        token,
        requests: 0,
        retries: 0,
        renew,
        renewed_at: None,
    };
    let result = (|| {
        for c in collections() {
            save_collection(&mut client, &c, dir, &mut progress, report)?;
        }
        save_directory_roles(&mut client, dir, &mut progress, report)
    })();
    report.graph_requests += client.requests;
    report.graph_retries += client.retries;
    progress.finish();
    result
}

fn save_collection(
    client: &mut Client,
    c: &Collection,
    dir: &Path,
    progress: &mut Progress,
    report: &mut CollectReport,
) -> Result<(), CollectError> {
    progress.restart(&format!("Graph {}", c.name));
    let mut url = format!("{}{}", client.graph, c.path);
    if c.count {
        // The total for the ETA only: `$count` needs ConsistencyLevel eventual (the advanced
        // query store, which may lag), so the objects themselves are read without it.
        let count_url = format!("{}v1.0/{}/$count", client.graph, c.name);
        if let Ok(Value::Number(n)) = client.get(&count_url, progress, true)
            && let Some(n) = n.as_u64()
        {
            progress.set_total(n);
        }
    }
    let mut page = 0usize;
    let mut select_retried = false;
    loop {
        let body = match client.get(&url, progress, false) {
            Ok(b) => b,
            Err(Failure::Status {
                status: 400,
                message,
                ..
            }) if page == 0
                && !select_retried
                && message.contains("onPremisesObjectIdentifier") =>
            {
                // A tenant without the 2026 hardening property (docs/importing.md).
                select_retried = true;
                url = url.replace(",onPremisesObjectIdentifier", "");
                report.warnings.push(format!(
                    "{}: this tenant has no onPremisesObjectIdentifier; read without it (M3 hardening sees none)",
                    c.name
                ));
                continue;
            }
            Err(Failure::Status {
                status,
                code,
                message,
            }) => {
                let what = format!("GET {}", short(&url, &client.graph));
                let text = describe(&what, status, &code, &message);
                let hint = if status == 403 || status == 401 {
                    format!(
                        "; the sign-in lacks the permission {} (delegated: also a directory role that may read it)",
                        c.scope
                    )
                } else {
                    String::new()
                };
                if c.required || page > 0 {
                    return Err(CollectError::failed(format!(
                        "{text}{hint}; nothing was written"
                    )));
                }
                let note = if c.optional_note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.optional_note)
                };
                let w = format!("{} not read: {text}{hint}{note}", c.name);
                report.warnings.push(w);
                return Ok(());
            }
            Err(Failure::Other(e)) => return Err(e),
        };
        page += 1;
        let next = body
            .get("@odata.nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
        let objects = match body.get("value") {
            Some(Value::Array(items)) => items.len(),
            Some(_) | None if body.is_object() => 1,
            _ => 0,
        };
        let name = if c.name == "onPremisesSynchronization" {
            format!("{}.json", c.name)
        } else {
            format!("{}-{page}.json", c.name)
        };
        let bytes =
            serde_json::to_vec(&body).map_err(|e| CollectError::failed(format!("{name}: {e}")))?;
        write_bytes(dir, &name, &bytes)?;
        report.file(&name, objects);
        report.graph_objects += objects;
        progress.page(objects as u64);
        match next {
            Some(n) => url = n,
            None => return Ok(()),
        }
    }
}

/// `directoryRoles` with every member: the roles, then each role's members page by page
/// (`$expand=members` stops at 20), saved as one `directoryRoles(members())` page.
fn save_directory_roles(
    client: &mut Client,
    dir: &Path,
    progress: &mut Progress,
    report: &mut CollectReport,
) -> Result<(), CollectError> {
    progress.restart("Graph directoryRoles");
    let scope_hint =
        "; the sign-in lacks the permission RoleManagement.Read.Directory (or Directory.Read.All)";
    let fail = |url: &str, status, code: &str, message: &str, graph: &str| {
        CollectError::failed(format!(
            "{}{}; nothing was written",
            describe(&format!("GET {}", short(url, graph)), status, code, message),
            if status == 403 || status == 401 {
                scope_hint
            } else {
                ""
            }
        ))
    };
    let mut roles: Vec<Value> = Vec::new();
    let mut url = format!("{}v1.0/directoryRoles", client.graph);
    loop {
        let body = match client.get(&url, progress, false) {
            Ok(b) => b,
            Err(Failure::Status {
                status,
                code,
                message,
            }) => {
                return Err(fail(&url, status, &code, &message, &client.graph));
            }
            Err(Failure::Other(e)) => return Err(e),
        };
        if let Some(Value::Array(items)) = body.get("value") {
            roles.extend(items.iter().cloned());
        }
        progress.page(0);
        match body.get("@odata.nextLink").and_then(Value::as_str) {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    let mut members_total = 0usize;
    for role in roles.iter_mut() {
        let Some(obj) = role.as_object_mut() else {
            continue;
        };
        let Some(id) = obj.get("id").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        if !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            continue;
        }
        let mut members: Vec<Value> = Vec::new();
        let mut url = format!(
            "{}v1.0/directoryRoles/{id}/members?$select=id,displayName,userPrincipalName",
            client.graph
        );
        loop {
            let body = match client.get(&url, progress, false) {
                Ok(b) => b,
                Err(Failure::Status {
                    status,
                    code,
                    message,
                }) => {
                    return Err(fail(&url, status, &code, &message, &client.graph));
                }
                Err(Failure::Other(e)) => return Err(e),
            };
            if let Some(Value::Array(items)) = body.get("value") {
                members.extend(items.iter().cloned());
            }
            match body.get("@odata.nextLink").and_then(Value::as_str) {
                Some(n) => url = n.to_string(),
                None => break,
            }
        }
        members_total += members.len();
        progress.page(members.len() as u64);
        obj.insert("members".into(), Value::Array(members));
    }
    let n = roles.len();
    let mut page = Map::new();
    page.insert(
        "@odata.context".into(),
        json!(format!(
            "{}v1.0/$metadata#directoryRoles(members())",
            client.graph
        )),
    );
    page.insert("value".into(), Value::Array(roles));
    let bytes = serde_json::to_vec(&Value::Object(page))
        .map_err(|e| CollectError::failed(format!("directoryRoles.json: {e}")))?;
    write_bytes(dir, "directoryRoles.json", &bytes)?;
    report.file("directoryRoles.json", n);
    report.graph_objects += members_total;
    Ok(())
}

// ---- sign-in ----------------------------------------------------------------------------------

/// Gets an access token; the secret, key and token never reach a message.
fn sign_in(
    agent: &ureq::Agent,
    g: &GraphSource,
    env: Env,
    progress: &Progress,
) -> Result<String, CollectError> {
    let tenant = g.tenant.clone().unwrap_or_else(|| "organizations".into());
    let login = g.login_url.trim_end_matches('/');
    let token_url = format!("{login}/{tenant}/oauth2/v2.0/token");
    let graph_scope = "https://graph.microsoft.com/.default";
    match &g.auth {
        GraphAuth::ClientSecret { env: var } => {
            let secret = env(var).filter(|s| !s.is_empty()).ok_or_else(|| {
                CollectError::usage(format!(
                    "--client-secret-env {}: that environment variable is not set (or empty); put the client secret in it",
                    display_safe(var)
                ))
            })?;
            token_request(
                agent,
                &token_url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &g.client_id),
                    ("client_secret", &secret),
                    ("scope", graph_scope),
                ],
            )
        }
        GraphAuth::Certificate { path } => {
            let assertion = client_assertion(path, &g.client_id, &token_url)?;
            token_request(
                agent,
                &token_url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &g.client_id),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                    ("scope", graph_scope),
                ],
            )
        }
        GraphAuth::DeviceCode => device_code(agent, g, login, &tenant, &token_url, progress),
    }
}

fn post_form(
    agent: &ureq::Agent,
    url: &str,
    form: &[(&str, &str)],
) -> Result<(u16, Value), CollectError> {
    let what = format!("POST {}", display_safe(url));
    let mut resp = agent
        .post(url)
        .header("Accept", "application/json")
        .send_form(form.iter().copied())
        .map_err(|e| CollectError::failed(format!("{what}: {}", display_safe(&e.to_string()))))?;
    let status = resp.status().as_u16();
    Ok((status, body_json(&mut resp, &what)?))
}

fn oauth_error(url: &str, status: u16, body: &Value) -> CollectError {
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    let description = field("error_description")
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    CollectError::failed(format!(
        "sign-in refused by {}: {status} {}: {}",
        display_safe(url),
        display_safe(field("error")),
        display_safe(&description)
    ))
}

fn token_request(
    agent: &ureq::Agent,
    url: &str,
    form: &[(&str, &str)],
) -> Result<String, CollectError> {
    let (status, body) = post_form(agent, url, form)?;
    match body.get("access_token").and_then(Value::as_str) {
        Some(t) if status == 200 && !t.is_empty() => Ok(t.to_string()),
        _ => Err(oauth_error(url, status, &body)),
    }
}

/// The device-code flow (RFC 8628): shows the code on stderr and waits for the sign-in.
fn device_code(
    agent: &ureq::Agent,
    g: &GraphSource,
    login: &str,
    tenant: &str,
    token_url: &str,
    progress: &Progress,
) -> Result<String, CollectError> {
    let scope: Vec<String> = SCOPES
        .iter()
        .map(|s| format!("https://graph.microsoft.com/{s}"))
        .collect();
    let scope = scope.join(" ");
    let url = format!("{login}/{tenant}/oauth2/v2.0/devicecode");
    let (status, body) = post_form(
        agent,
        &url,
        &[("client_id", &g.client_id), ("scope", &scope)],
    )?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(device), Some(user_code)) = (field("device_code"), field("user_code")) else {
        return Err(oauth_error(&url, status, &body));
    };
    let verification =
        field("verification_uri").unwrap_or_else(|| "https://microsoft.com/devicelogin".into());
    progress.println(&format!(
        "To sign in, open {verification} and enter the code {user_code} (read-only permissions: {})",
        SCOPES.join(", ")
    ));
    let mut interval = body
        .get("interval")
        .and_then(Value::as_u64)
        .unwrap_or(5)
        .max(1);
    let expires = body
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(900);
    let until = Instant::now() + Duration::from_secs(expires);
    while Instant::now() < until {
        pause(Duration::from_secs(interval))?;
        let (status, body) = post_form(
            agent,
            token_url,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", &g.client_id),
                ("device_code", &device),
            ],
        )?;
        if let Some(t) = body.get("access_token").and_then(Value::as_str)
            && status == 200
        {
            return Ok(t.to_string());
        }
        match body.get("error").and_then(Value::as_str) {
            Some("authorization_pending") => {}
            Some("slow_down") => interval += 5,
            _ => return Err(oauth_error(token_url, status, &body)),
        }
    }
    Err(CollectError::failed(
        "sign-in: the device code expired before the sign-in was completed; run the command again",
    ))
}

/// An RS256 client assertion (Microsoft identity platform certificate credentials): header
/// with the certificate's SHA-1 thumbprint (`x5t`), claims aud/iss/sub/jti/nbf/exp, signed
/// with the private key in the same PEM file.
pub fn client_assertion(
    path: &Path,
    client_id: &str,
    audience: &str,
) -> Result<String, CollectError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| CollectError::failed(format!("--certificate {shown}: cannot read it: {e}")))?;
    let cert = CertificateDer::pem_slice_iter(&bytes)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| {
            CollectError::failed(format!(
                "--certificate {shown}: no certificate (-----BEGIN CERTIFICATE-----) in it; expected the certificate and its private key in one PEM file"
            ))
        })?;
    let key = PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        CollectError::failed(format!(
            "--certificate {shown}: no private key (-----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY) in it"
        ))
    })?;
    let pair = match &key {
        PrivateKeyDer::Pkcs8(k) => ring::signature::RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => ring::signature::RsaKeyPair::from_der(k.secret_pkcs1_der()),
        _ => {
            return Err(CollectError::failed(format!(
                "--certificate {shown}: the key is not an RSA key; Microsoft Entra certificate credentials need RSA"
            )));
        }
    }
    .map_err(|_| CollectError::failed(format!("--certificate {shown}: the RSA key cannot be used for signing")))?;
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert.as_ref());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let rng = ring::rand::SystemRandom::new();
    let mut jti = [0u8; 16];
    ring::rand::SecureRandom::fill(&rng, &mut jti)
        .map_err(|_| CollectError::failed("no random numbers for the client assertion"))?;
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": B64URL.encode(thumb.as_ref())});
    let claims = json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::from_bytes(jti).to_string(),
        "nbf": now.saturating_sub(60),
        "iat": now,
        "exp": now + 600,
    });
    let signing_input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &rng,
        signing_input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| CollectError::failed(format!("--certificate {shown}: signing failed")))?;
    Ok(format!("{signing_input}.{}", B64URL.encode(sig)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("--graph-url", "https://graph.microsoft.com").is_ok());
        assert!(check_url("--graph-url", "http://127.0.0.1:8080").is_ok());
        assert!(check_url("--graph-url", "http://localhost/").is_ok());
        assert!(check_url("--graph-url", "http://[::1]:9/").is_ok());
        for bad in [
            "http://graph.microsoft.com",
            "http://127.0.0.1.evil.example",
            "http://10.0.0.1",
            "http://user@192.168.1.1",
            "ftp://x",
            "https://",
        ] {
            let e = check_url("--graph-url", bad).unwrap_err();
            assert!(e.usage, "{bad}");
        }
    }

    #[test]
    fn links_are_followed_on_the_graph_host_only() {
        assert_eq!(
            origin_of("https://Graph.Microsoft.com/v1.0/users?$skiptoken=x"),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:5000/v1.0/users"),
            "http://127.0.0.1:5000"
        );
        assert_ne!(
            origin_of("https://graph.microsoft.com.evil.example/v1.0"),
            "https://graph.microsoft.com"
        );
    }

    #[test]
    fn the_selects_are_the_documented_ones() {
        // `$user  = '…' + '…'` in docs/importing.md, joined.
        let doc = include_str!("../../docs/importing.md");
        let documented = |var: &str| -> String {
            let start = doc.find(&format!("${var} ")).expect(var);
            let mut text = String::new();
            for line in doc[start..].lines() {
                text.push_str(line);
                if !line.trim_end().ends_with('+') {
                    break;
                }
            }
            text.split('\'').skip(1).step_by(2).collect::<String>()
        };
        assert_eq!(documented("user"), USER_SELECT);
        assert_eq!(documented("group"), GROUP_SELECT);
        assert_eq!(documented("contact"), CONTACT_SELECT);
    }
}
