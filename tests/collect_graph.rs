//! `syncscope collect --graph` against a local Microsoft Graph (127.0.0.1 only): the server in
//! this test answers with Microsoft's documented response shapes — the sample tenant's
//! hand-exported pages (sample-data/exports/), the token endpoint of the client-credentials
//! flow, `@odata.nextLink` paging, a 429 with Retry-After, 403 `Authorization_RequestDenied` —
//! and the collected folder must plan exactly as the hand-exported one. No secret may appear in
//! any file written, on stdout or on stderr.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "Sg~8Q~test-client-secret-4f1c2b8e7d3a";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-access-token.c2lnbmF0dXJl";
const TOKEN2: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.second-access-token.c2lnbmF0dXJl";
const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "6f1d0a2c-3b4e-4c5d-8e9f-0a1b2c3d4e5f";
const DEVICE_CODE: &str = "DAQABAAEAAAD--DLA3VO7QrddgJg7WevrTest-device-code";

fn exports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/exports")
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(exports().join(name)).expect("sample export");
    serde_json::from_str(&text).expect("sample export is JSON")
}

/// What the server should do differently in one test.
#[derive(Clone, Default)]
struct Behaviour {
    /// Answer GET /v1.0/users with 403 (the permission is missing).
    users_forbidden: bool,
    /// The public key (PKCS#1 DER) and SHA-1 thumbprint the client assertion must use.
    certificate: Option<(Vec<u8>, Vec<u8>)>,
    /// Answer every Graph request only after this long.
    slow: Option<Duration>,
    /// The first token expires after this many Graph requests.
    expire_after: Option<usize>,
    /// The groups page links its next page on another host.
    foreign_next_link: bool,
    /// Role definitions (optional) answer 403.
    definitions_forbidden: bool,
}

/// Everything the server saw.
#[derive(Default)]
struct Seen {
    requests: Vec<String>,
    graph_requests: usize,
    throttled: usize,
    unauthorised: usize,
    token_requests: usize,
    problems: Vec<String>,
}

struct Server {
    base: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn percent_decode(s: &str) -> String {
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

fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

/// Microsoft's error body (Graph docs, "Microsoft Graph error responses").
fn graph_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2026-11-20T09:00:00", "request-id": "b5c1c6a0-0000-4000-8000-000000000001",
                       "client-request-id": "b5c1c6a0-0000-4000-8000-000000000002"}}})
}

fn start(behaviour: Behaviour) -> Server {
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
fn answer(
    req: &tiny_http::Request,
    body: &str,
    base: &str,
    behaviour: &Behaviour,
    seen: &Mutex<Seen>,
) -> (u16, Value, Option<&'static str>) {
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
fn check_assertion(
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

fn syncscope(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syncscope"));
    c.args(args).env_remove("SYNCSCOPE_TEST_SECRET");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run syncscope")
}

fn collect_args<'a>(server: &'a Server, out: &'a str) -> Vec<&'a str> {
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
fn connect_args() -> Vec<&'static str> {
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

/// `plan --json` of a folder, without the load report.
fn plan(folder: &Path) -> Value {
    let out = syncscope(&["plan", "--json", &folder.display().to_string()], &[]);
    assert!(
        out.status.success(),
        "plan {}: {}",
        folder.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

/// Every byte written under `dir`.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("folder") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            let bytes = std::fs::read(&p).expect("file");
            out.push((p, bytes));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn graph_collection_plans_like_the_hand_export_and_keeps_the_secret() {
    let server = start(Behaviour::default());
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(run.status.success(), "collect failed: {stderr}");
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
        assert_eq!(seen.throttled, 1, "the 429 was served");
        assert_eq!(seen.unauthorised, 0);
        assert_eq!(seen.token_requests, 1);
        // Page 2 was asked for twice: once throttled, once after Retry-After.
        let second_pages = seen
            .requests
            .iter()
            .filter(|r| r.starts_with("GET /beta/users?") && r.to_lowercase().contains("skiptoken"))
            .count();
        assert_eq!(second_pages, 2, "{:#?}", seen.requests);
    }
    // Both user pages, saved as Graph returned them.
    for f in [
        "users-1.json",
        "users-2.json",
        "groups-1.json",
        "contacts-1.json",
        "domains-1.json",
        "directoryRoles.json",
        "roleEligibilitySchedules-1.json",
        "onPremisesSynchronization.json",
        "roleDefinitions-1.json",
        "deletedItems-users-1.json",
        "connect.json",
        "collected.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No half-built folder is left next to it.
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings.len(), 1, "{siblings:?}");

    // The collected cloud side plus the hand-exported on-prem side plans as the hand export.
    std::fs::copy(exports().join("contoso-ad.ldf"), out.join("contoso-ad.ldf")).expect("copy");
    let mut collected = plan(&out);
    let mut hand = plan(&exports());
    let (a, b) = (
        collected["outcomes"].as_array().expect("outcomes"),
        hand["outcomes"].as_array().expect("outcomes"),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "{} plans differently", y["distinguishedName"]);
    }
    assert_eq!(collected["summary"], hand["summary"]);
    for v in [&mut collected, &mut hand] {
        // The load report names each folder's own files; the plan around it must be equal.
        let o = v.as_object_mut().unwrap();
        o.remove("outcomes");
        o.remove("load");
    }
    assert_eq!(collected, hand);

    // (c) The secret and the token are in no file, nor on stdout or stderr.
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, SECRET),
            "the secret is in {}",
            path.display()
        );
        assert!(
            !contains(&bytes, TOKEN),
            "the token is in {}",
            path.display()
        );
    }
    for stream in [&run.stdout, &run.stderr] {
        assert!(!contains(stream, SECRET) && !contains(stream, TOKEN));
    }
    let record = std::fs::read_to_string(out.join("collected.json")).unwrap();
    assert!(
        record.contains("SYNCSCOPE_TEST_SECRET"),
        "the variable's name is recorded: {record}"
    );

    // Progress bars are drawn only on a terminal: a pipe gets plain lines.
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );

    // Collected again from the sources in collected.json (the library call behind the TUI's R).
    let before = server.seen.lock().unwrap().requests.len();
    let env = |name: &str| (name == "SYNCSCOPE_TEST_SECRET").then(|| SECRET.to_string());
    let report = syncscope::collect::recollect(&out, &env).expect("re-collect");
    assert!(server.seen.lock().unwrap().requests.len() > before);
    assert!(report.files.iter().any(|f| f.name == "users-2.json"));
    assert!(
        !out.join("contoso-ad.ldf").exists(),
        "the folder was replaced whole"
    );
    let record = syncscope::collect::read_record(&out).expect("record");
    let ous: Vec<String> = read_json("connect.json")["includedOUs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    assert_eq!(record.included_ous, ous);

    // An existing folder is not replaced without --force.
    let again = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn a_missing_permission_or_a_wrong_secret_fails_cleanly_and_names_it() {
    let server = start(Behaviour {
        users_forbidden: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("403"), "{stderr}");
    assert!(stderr.contains("User.Read.All"), "{stderr}");
    assert!(
        !out.exists(),
        "nothing is written when a required collection fails"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temporary folder left"
    );
    assert!(!contains(&run.stderr, SECRET) && !contains(&run.stderr, TOKEN));

    // A wrong secret: the sign-in error, without the secret given.
    let wrong = "Wrong~secret~value-0000";
    let run = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", wrong)]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(!stderr.contains(wrong), "{stderr}");
    assert!(!out.exists());

    // The variable not set: a usage error naming the variable.
    let run = syncscope(&args, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("SYNCSCOPE_TEST_SECRET"));

    // Plain http to anything but loopback is refused before any request.
    let run = syncscope(
        &[
            "collect",
            "--graph",
            "--graph-url",
            "http://graph.example.com",
            "--out",
            &out_s,
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("loopback"));
}

#[test]
fn device_code_sign_in_shows_the_code_and_asks_for_read_only_scopes() {
    let server = start(Behaviour::default());
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let args = vec![
        "collect",
        "--graph",
        "--tenant",
        TENANT,
        "--device-code",
        "--graph-url",
        &server.base,
        "--login-url",
        &server.base,
        "--out",
        &out_s,
    ];
    let r = syncscope(&args, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(r.status.success(), "{stderr}");
    assert!(
        stderr.contains("https://microsoft.com/devicelogin") && stderr.contains("FK7QW2ZPX"),
        "{stderr}"
    );
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
        assert_eq!(seen.token_requests, 2, "polled until the sign-in was done");
    }
    assert!(out.join("users-2.json").is_file());
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, DEVICE_CODE) && !contains(&bytes, TOKEN),
            "{}",
            path.display()
        );
    }
    assert!(!contains(&r.stderr, DEVICE_CODE) && !contains(&r.stderr, TOKEN));
}

#[test]
fn a_next_link_to_another_host_is_not_followed_with_the_token() {
    let server = start(Behaviour {
        foreign_next_link: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let r = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("https://graph.example.net") && stderr.contains("not followed"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn an_expired_token_is_renewed_with_client_credentials() {
    let server = start(Behaviour {
        expire_after: Some(3),
        definitions_forbidden: true,
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let r = syncscope(&args, &[("SYNCSCOPE_TEST_SECRET", SECRET)]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(r.status.success(), "{stderr}");
    assert!(stderr.contains("signed in again"), "{stderr}");
    // A 403 on an optional collection is a warning naming the permission; the rest is read.
    assert!(stderr.contains("roleDefinitions not read"), "{stderr}");
    assert!(
        stderr.contains("403 Authorization_RequestDenied"),
        "{stderr}"
    );
    assert!(stderr.contains("RoleManagement.Read.Directory"), "{stderr}");
    assert!(out.join("users-2.json").is_file() && !out.join("roleDefinitions-1.json").exists());
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.token_requests, 2);
    assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
    assert!(!contains(&r.stderr, TOKEN2) && !contains(&r.stderr, SECRET));
}

#[test]
fn sigterm_during_collection_leaves_no_folder() {
    let server = start(Behaviour {
        slow: Some(Duration::from_millis(300)),
        ..Default::default()
    });
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--client-secret-env", "SYNCSCOPE_TEST_SECRET"]);
    let child = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(&args)
        .env("SYNCSCOPE_TEST_SECRET", SECRET)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start collect");
    let start = Instant::now();
    while server.seen.lock().unwrap().requests.len() < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the collection did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Mid-collection: some pages are written in the temporary folder by now.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("collect ends");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
#[cfg_attr(
    not(has_openssl),
    ignore = "openssl not installed (apt-get install openssl; .ci/run installs it): it makes the test certificate"
)]
fn certificate_credentials_sign_a_client_assertion() {
    let Some(openssl) = ["/usr/bin/openssl", "/bin/openssl"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        panic!(
            "openssl is needed to make a test certificate (apt-get install openssl; see .ci/apt-packages)"
        );
    };
    let tmp = tempfile::tempdir().expect("temp");
    let key = tmp.path().join("key.pem");
    let cert = tmp.path().join("cert.pem");
    let run = |args: &[&str]| {
        let o = Command::new(&openssl).args(args).output().expect("openssl");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=syncscope-test",
        "-days",
        "2",
        "-keyout",
        &key.display().to_string(),
        "-out",
        &cert.display().to_string(),
    ]);
    let public = run(&[
        "rsa",
        "-in",
        &key.display().to_string(),
        "-RSAPublicKey_out",
        "-outform",
        "DER",
    ]);
    let der = run(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-outform",
        "DER",
    ]);
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
        .as_ref()
        .to_vec();
    // One PEM file with the certificate and its key, as Entra app certificates are kept.
    let both = tmp.path().join("app.pem");
    let mut pem = std::fs::read(&cert).unwrap();
    pem.extend(std::fs::read(&key).unwrap());
    std::fs::write(&both, &pem).unwrap();

    let server = start(Behaviour {
        certificate: Some((public, thumb)),
        ..Default::default()
    });
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    let both_s = both.display().to_string();
    let mut args = collect_args(&server, &out_s);
    args.extend(["--certificate", &both_s]);
    let r = syncscope(&args, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    {
        let seen = server.seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
    }
    assert!(r.status.success(), "{stderr}");
    assert!(out.join("users-2.json").is_file());
    // The private key is in no file written and in no message.
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).expect("a key line");
    for (path, bytes) in all_files(&out) {
        assert!(
            !contains(&bytes, key_line),
            "key material in {}",
            path.display()
        );
        assert!(
            !contains(&bytes, TOKEN),
            "the token is in {}",
            path.display()
        );
    }
    assert!(!contains(&r.stderr, key_line) && !contains(&r.stdout, key_line));
}

#[test]
fn ldap_usage_and_unreachable_servers_are_told_apart() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("snap");
    let out_s = out.display().to_string();
    // Nothing listens on port 1: exit 1, naming the server.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--bind-dn",
            "CN=reader",
            "--password-env",
            "SYNCSCOPE_TEST_SECRET",
            "--out",
            &out_s,
        ],
        &[("SYNCSCOPE_TEST_SECRET", SECRET)],
    );
    let stderr = String::from_utf8_lossy(&r.stderr).to_string();
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ldaps://127.0.0.1:1") && stderr.contains("cannot connect"),
        "{stderr}"
    );
    assert!(!contains(&r.stderr, SECRET));
    assert!(!out.exists());
    // Kerberos is refused as usage, saying why.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--kerberos",
            "--out",
            &out_s,
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("GSSAPI"));
    // A password is never an argument: --bind-dn needs --password-env.
    let r = syncscope(
        &[
            "collect",
            "--ldap",
            "ldaps://127.0.0.1:1",
            "--bind-dn",
            "CN=reader",
            "--out",
            &out_s,
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2));
    // Nothing to collect.
    let r = syncscope(&["collect", "--out", &out_s], &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("nothing to collect"));
    assert!(!out.exists());
}
