//! A local Microsoft Graph for tests (127.0.0.1 only, tiny_http): the sample tenant's
//! hand-exported pages (sample-data/exports/, or a folder of the test's own), the token endpoints
//! of the client-credentials and device-code flows, `@odata.nextLink` paging, a 429 with
//! Retry-After, 403 `Authorization_RequestDenied`. Used by tests/collect_graph.rs and the
//! explorer's `R` test (tests/tui_recollect.rs).
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SECRET: &str = "Sg~8Q~test-client-secret-4f1c2b8e7d3a";
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-access-token.c2lnbmF0dXJl";
pub const TOKEN2: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.second-access-token.c2lnbmF0dXJl";
pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT: &str = "6f1d0a2c-3b4e-4c5d-8e9f-0a1b2c3d4e5f";
pub const DEVICE_CODE: &str = "DAQABAAEAAAD--DLA3VO7QrddgJg7WevrTest-device-code";

pub fn exports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/exports")
}

pub fn read_json(name: &str) -> Value {
    read_from(&exports(), name)
}

pub fn read_from(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).expect("sample export");
    serde_json::from_str(&text).expect("sample export is JSON")
}

/// What the server should do differently in one test.
#[derive(Clone, Default)]
pub struct Behaviour {
    /// Answer GET /v1.0/users with 403 (the permission is missing).
    pub users_forbidden: bool,
    /// The public key (PKCS#1 DER) and SHA-1 thumbprint the client assertion must use.
    pub certificate: Option<(Vec<u8>, Vec<u8>)>,
    /// Answer every Graph request only after this long.
    pub slow: Option<Duration>,
    /// The first token expires after this many Graph requests.
    pub expire_after: Option<usize>,
    /// The groups page links its next page on another host.
    pub foreign_next_link: bool,
    /// Role definitions (optional) answer 403.
    pub definitions_forbidden: bool,
    /// Serve the pages of this folder instead of sample-data/exports (read at each request, so
    /// a test can change what the tenant holds between two collections).
    pub exports: Option<PathBuf>,
}

/// Everything the server saw.
#[derive(Default)]
pub struct Seen {
    pub requests: Vec<String>,
    pub graph_requests: usize,
    pub throttled: usize,
    pub unauthorised: usize,
    pub token_requests: usize,
    pub problems: Vec<String>,
}

pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Seen>>,
    pub stop: Arc<std::sync::atomic::AtomicBool>,
    pub thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

/// Microsoft's error body (Graph docs, "Microsoft Graph error responses").
pub fn graph_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2026-11-20T09:00:00", "request-id": "b5c1c6a0-0000-4000-8000-000000000001",
                       "client-request-id": "b5c1c6a0-0000-4000-8000-000000000002"}}})
}

pub fn start(behaviour: Behaviour) -> Server {
    let http = tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = http.server_addr().to_ip().expect("ip").port();
    let base = format!("http://127.0.0.1:{port}");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (b, s, st) = (base.clone(), Arc::clone(&seen), Arc::clone(&stop));
    let thread = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !st.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
            let Ok(Some(mut req)) = http.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            let mut body = String::new();
            let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
            let (status, value, retry) = answer(&req, &body, &b, &behaviour, &s);
            let text = serde_json::to_string(&value).expect("json");
            let mut resp = tiny_http::Response::from_string(text)
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
                );
            if let Some(r) = retry {
                resp = resp.with_header(tiny_http::Header::from_bytes("Retry-After", r).unwrap());
            }
            let _ = req.respond(resp);
        }
    });
    Server {
        base,
        seen,
        stop,
        thread: Some(thread),
    }
}

/// The response to one request: status, body, Retry-After.
pub fn answer(
    req: &tiny_http::Request,
    body: &str,
    base: &str,
    behaviour: &Behaviour,
    seen: &Mutex<Seen>,
) -> (u16, Value, Option<&'static str>) {
    let dir = behaviour.exports.clone().unwrap_or_else(exports);
    let read_json = |name: &str| read_from(&dir, name);
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let query = percent_decode(query);
    let mut seen = seen.lock().unwrap();
    seen.requests
        .push(format!("{} {path}?{query}", req.method()));
    // ---- the device-code flow (RFC 8628, Microsoft identity platform) ------------------------
    if path == format!("/{TENANT}/oauth2/v2.0/devicecode") {
        let f = form(body);
        let scope = f.get("scope").cloned().unwrap_or_default();
        let wanted = syncscope::collect::graph::SCOPES.iter().all(|s| {
            scope
                .split(' ')
                .any(|x| x == format!("https://graph.microsoft.com/{s}"))
        });
        if f.get("client_id").map(String::as_str) != Some(syncscope::collect::DEFAULT_CLIENT_ID)
            || !wanted
            || scope.contains("ReadWrite")
        {
            seen.problems.push(format!("device code request {f:?}"));
        }
        return (
            200,
            json!({"user_code": "FK7QW2ZPX", "device_code": DEVICE_CODE,
                   "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 1,
                   "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FK7QW2ZPX to authenticate."}),
            None,
        );
    }
    if path == format!("/{TENANT}/oauth2/v2.0/token")
        && form(body).get("grant_type").map(String::as_str)
            == Some("urn:ietf:params:oauth:grant-type:device_code")
    {
        seen.token_requests += 1;
        let f = form(body);
        if f.get("device_code").map(String::as_str) != Some(DEVICE_CODE) {
            seen.problems.push("wrong device_code".into());
        }
        if seen.token_requests == 1 {
            return (
                400,
                json!({"error": "authorization_pending",
                       "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling."}),
                None,
            );
        }
        return (
            200,
            json!({"token_type": "Bearer", "scope": "User.Read.All", "expires_in": 4563, "access_token": TOKEN}),
            None,
        );
    }
    // ---- the token endpoint (client credentials) -------------------------------------------
    if path == format!("/{TENANT}/oauth2/v2.0/token") {
        seen.token_requests += 1;
        let f = form(body);
        let ok_grant = f.get("grant_type").map(String::as_str) == Some("client_credentials")
            && f.get("client_id").map(String::as_str) == Some(CLIENT)
            && f.get("scope").map(String::as_str) == Some("https://graph.microsoft.com/.default");
        let ok_credential = match &behaviour.certificate {
            None => f.get("client_secret").map(String::as_str) == Some(SECRET),
            Some((public, thumb)) => match check_assertion(&f, public, thumb, base) {
                Ok(()) => true,
                Err(why) => {
                    seen.problems.push(why);
                    false
                }
            },
        };
        if !(ok_grant && ok_credential) {
            return (
                401,
                json!({"error": "invalid_client",
                       "error_description": "AADSTS7000215: Invalid client secret provided. Trace ID: 00000000",
                       "error_codes": [7000215]}),
                None,
            );
        }
        let token = if seen.token_requests == 1 {
            TOKEN
        } else {
            TOKEN2
        };
        return (
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
            None,
        );
    }
    // ---- Graph ------------------------------------------------------------------------------
    if let Some(d) = behaviour.slow {
        std::thread::sleep(d);
    }
    let auth = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    seen.graph_requests += 1;
    let expired = behaviour
        .expire_after
        .is_some_and(|n| seen.graph_requests > n && seen.token_requests == 1);
    if expired {
        return (
            401,
            graph_error(
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            ),
            None,
        );
    }
    let valid = auth.as_deref() == Some(&format!("Bearer {TOKEN}"))
        || seen.token_requests > 1 && auth.as_deref() == Some(&format!("Bearer {TOKEN2}"));
    if !valid {
        seen.unauthorised += 1;
        return (
            401,
            graph_error("InvalidAuthenticationToken", "Access token is empty."),
            None,
        );
    }
    let localise = |v: Value| -> Value {
        let text = serde_json::to_string(&v).unwrap();
        serde_json::from_str(&text.replace("https://graph.microsoft.com", base)).unwrap()
    };
    let select_has = |props: &[&str]| {
        let select = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("$select="))
            .unwrap_or("");
        props.iter().all(|p| select.split(',').any(|s| s == *p))
    };
    let page = |name: &str| (200, localise(read_json(name)), None);
    match path {
        "/beta/users" => {
            if behaviour.users_forbidden {
                return (
                    403,
                    // A hostile message: it must reach the terminal escaped.
                    graph_error(
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.\u{1b}[2J\u{1b}]0;owned\u{7}",
                    ),
                    None,
                );
            }
            if !select_has(&[
                "id",
                "onPremisesImmutableId",
                "onPremisesProvisioningErrors",
                "proxyAddresses",
                "onPremisesSyncBehavior",
            ]) {
                seen.problems
                    .push(format!("users without the documented $select: {query}"));
            }
            if query.contains("$skiptoken") || query.contains("$skipToken") {
                // The second page: throttled once first (Retry-After in seconds, as Graph sends it).
                if seen.throttled == 0 {
                    seen.throttled += 1;
                    return (
                        429,
                        graph_error("TooManyRequests", "Too many requests"),
                        Some("1"),
                    );
                }
                page("users-2.json")
            } else {
                page("users-1.json")
            }
        }
        "/v1.0/users/$count" | "/v1.0/groups/$count" | "/v1.0/contacts/$count" => {
            let eventual = req
                .headers()
                .iter()
                .any(|h| h.field.equiv("ConsistencyLevel") && h.value.as_str() == "eventual");
            if !eventual {
                seen.problems
                    .push(format!("{path} without ConsistencyLevel: eventual"));
            }
            let n = match path {
                "/v1.0/users/$count" => ["users-1.json", "users-2.json"]
                    .iter()
                    .map(|f| read_json(f)["value"].as_array().unwrap().len())
                    .sum(),
                "/v1.0/groups/$count" => {
                    read_json("groups.json")["value"].as_array().unwrap().len()
                }
                _ => read_json("contacts.json")["value"]
                    .as_array()
                    .unwrap()
                    .len(),
            };
            (200, json!(n), None)
        }
        "/v1.0/groups" if behaviour.foreign_next_link => {
            let mut v = localise(read_json("groups.json"));
            v["@odata.nextLink"] = json!("https://graph.example.net/v1.0/groups?$skiptoken=X");
            (200, v, None)
        }
        "/v1.0/groups" => page("groups.json"),
        "/v1.0/contacts" => page("contacts.json"),
        "/beta/directory/deletedItems/microsoft.graph.user" => page("deletedItems-users.json"),
        "/v1.0/directory/deletedItems/microsoft.graph.group" => (
            200,
            json!({"@odata.context": format!("{base}/v1.0/$metadata#directoryObjects"), "value": []}),
            None,
        ),
        "/v1.0/domains" => page("domains.json"),
        "/v1.0/directory/onPremisesSynchronization" => page("onPremisesSynchronization.json"),
        "/v1.0/roleManagement/directory/roleEligibilitySchedules" => {
            page("roleEligibilitySchedules.json")
        }
        "/beta/roleManagement/directory/roleDefinitions" if behaviour.definitions_forbidden => (
            403,
            graph_error(
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            None,
        ),
        "/beta/roleManagement/directory/roleDefinitions" => page("roleDefinitions.json"),
        "/v1.0/directoryRoles" => {
            // The roles without members (GET /directoryRoles).
            let mut roles = read_json("directoryRoles.json");
            for r in roles["value"].as_array_mut().unwrap() {
                r.as_object_mut().unwrap().remove("members");
            }
            roles["@odata.context"] = json!(format!("{base}/v1.0/$metadata#directoryRoles"));
            (200, roles, None)
        }
        p if p.starts_with("/v1.0/directoryRoles/") && p.ends_with("/members") => {
            let id = p
                .trim_start_matches("/v1.0/directoryRoles/")
                .trim_end_matches("/members");
            let roles = read_json("directoryRoles.json");
            let members = roles["value"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .map(|r| r["members"].clone())
                .unwrap_or(json!([]));
            (
                200,
                json!({"@odata.context": format!("{base}/v1.0/$metadata#directoryObjects"), "value": members}),
                None,
            )
        }
        _ => {
            seen.problems
                .push(format!("unexpected request {path}?{query}"));
            (
                404,
                graph_error("Request_ResourceNotFound", "Resource not found."),
                None,
            )
        }
    }
}

/// The client assertion: three base64url parts, x5t the certificate's SHA-1, aud the token
/// endpoint, iss = sub = the client, and an RS256 signature by the certificate's key.
pub fn check_assertion(
    f: &BTreeMap<String, String>,
    public: &[u8],
    thumb: &[u8],
    base: &str,
) -> Result<(), String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if f.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Err("client_assertion_type".into());
    }
    let jwt = f.get("client_assertion").ok_or("no client_assertion")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("not three parts".into());
    }
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let claims: Value = serde_json::from_slice(&b64.decode(parts[1]).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" || header["x5t"] != b64.encode(thumb) {
        return Err(format!("header {header}"));
    }
    let aud = format!("{base}/{TENANT}/oauth2/v2.0/token");
    if claims["aud"] != aud.as_str() || claims["iss"] != CLIENT || claims["sub"] != CLIENT {
        return Err(format!("claims {claims}"));
    }
    let sig = b64.decode(parts[2]).map_err(|e| e.to_string())?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .map_err(|_| "bad signature".to_string())
}

pub fn collect_args<'a>(server: &'a Server, out: &'a str) -> Vec<&'a str> {
    vec![
        "collect",
        "--graph",
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--graph-url",
        &server.base,
        "--login-url",
        &server.base,
        "--out",
        out,
    ]
    .into_iter()
    .chain(connect_args())
    .collect()
}

/// `--source-anchor` and `--included-ou` as the hand-exported folder's connect.json has them.
pub fn connect_args() -> Vec<&'static str> {
    let connect = read_json("connect.json");
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let mut args = vec![
        "--source-anchor",
        leak(connect["sourceAnchor"].as_str().expect("sourceAnchor")),
    ];
    for ou in connect["includedOUs"].as_array().expect("includedOUs") {
        args.extend(["--included-ou", leak(ou.as_str().expect("an OU"))]);
    }
    args
}

/// `syncscope collect --graph` of the replay server into `out` (client credentials, the secret
/// from the environment variable `secret_env`), then the AD side added by hand as an admin
/// does for a `--graph`-only collection (the LDIF export of sample-data/exports).
pub fn collect_folder(server: &Server, out: &Path, secret_env: &str) {
    let out_s = out.display().to_string();
    let mut args = collect_args(server, &out_s);
    args.extend(["--client-secret-env", secret_env]);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(&args)
        .env(secret_env, SECRET)
        .output()
        .expect("run syncscope collect");
    assert!(
        run.status.success(),
        "collect: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::copy(exports().join("contoso-ad.ldf"), out.join("contoso-ad.ldf")).expect("copy");
}

/// A copy of sample-data/exports the test may change (served with `Behaviour::exports`).
pub fn exports_copy(dir: &Path) -> PathBuf {
    let to = dir.join("tenant");
    std::fs::create_dir_all(&to).expect("mkdir");
    for e in std::fs::read_dir(exports()).expect("exports") {
        let p = e.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).expect("copy");
        }
    }
    to
}

/// Removes the cloud user with this UPN from the served users pages.
pub fn remove_cloud_user(dir: &Path, upn: &str) {
    for name in ["users-1.json", "users-2.json"] {
        let mut v = read_from(dir, name);
        v["value"]
            .as_array_mut()
            .unwrap()
            .retain(|u| u["userPrincipalName"] != upn);
        std::fs::write(dir.join(name), serde_json::to_vec_pretty(&v).unwrap()).expect("write");
    }
}
