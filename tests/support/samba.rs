//! Shared by the tests that run a Samba AD domain controller: finding the programs, running
//! them with a time limit, provisioning the test domain and filling it with the users, groups
//! and contacts tests/samba_dc.rs checks, and the server process (stopped when dropped).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PACKAGES: &str =
    "apt-get install samba samba-ad-provision samba-ad-dc ldb-tools ldap-utils openssl krb5-user";
pub const PASSWORD: &str = "Syncscope-Test-Pa55!";
pub const BASE: &str = "DC=contoso,DC=com";
pub const DOMAINS: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains","value":[{"authenticationType":"Managed","availabilityStatus":null,"id":"contoso.com","isAdminManaged":true,"isDefault":true,"isInitial":false,"isRoot":true,"isVerified":true},{"authenticationType":"Managed","availabilityStatus":null,"id":"contoso.onmicrosoft.com","isAdminManaged":false,"isDefault":false,"isInitial":true,"isRoot":true,"isVerified":true}]}"#;

/// A program on PATH or in the sbin directories.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs a command to completion within a time limit; its stdout.
pub fn run(cmd: &mut Command, what: &str, limit: Duration) -> String {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {limit:?}; stopped");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("{what}: {e}"),
        }
    }
    let out = child
        .wait_with_output()
        .expect("output of a finished child");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{what}: output is not UTF-8: {e}"))
}

/// The Samba server this test started; stopped by its process id when dropped.
pub struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        // SIGTERM lets samba stop the smbd and winbindd it started.
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Its own process group (see `start_server`): the children go with it.
        let _ = Command::new("kill")
            .args(["-KILL", &format!("-{pid}")])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts samba on 127.0.0.1 with extra `--option=` settings (TLS files, …).
pub fn start_server(samba: &Path, conf: &Path, log: &Path, options: &[String]) -> Server {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create(log).expect("samba log file");
    let child = Command::new(samba)
        .args(["-i", "-M", "single", "-s"])
        .arg(conf)
        .args([
            "--option=interfaces=127.0.0.1",
            "--option=bind interfaces only=yes",
        ])
        .args(options)
        .stdin(Stdio::piped())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("start samba");
    Server { child }
}

/// The programs a DC test needs.
pub struct Tools {
    pub samba_tool: PathBuf,
    pub samba: PathBuf,
    pub ldbsearch: PathBuf,
    pub ldbmodify: PathBuf,
    pub ldbadd: PathBuf,
    pub ldapsearch: PathBuf,
    pub openssl: PathBuf,
}

impl Tools {
    pub fn find() -> Tools {
        let names = [
            "samba-tool",
            "samba",
            "ldbsearch",
            "ldbmodify",
            "ldbadd",
            "ldapsearch",
            "openssl",
        ];
        let found: Vec<Option<PathBuf>> = names.iter().map(|n| find_program(n)).collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&found)
            .filter(|(_, p)| p.is_none())
            .map(|(n, _)| *n)
            .collect();
        assert!(
            missing.is_empty(),
            "found when the tests were built, missing now ({PACKAGES}): {}",
            missing.join(", ")
        );
        let mut f = found.into_iter().flatten();
        let mut next = || f.next().expect("found");
        Tools {
            samba_tool: next(),
            samba: next(),
            ldbsearch: next(),
            ldbmodify: next(),
            ldbadd: next(),
            ldapsearch: next(),
            openssl: next(),
        }
    }
}

/// A provisioned domain (not yet running).
pub struct Dc {
    pub dir: PathBuf,
    pub target: PathBuf,
    pub sam: PathBuf,
}

/// Provisions CONTOSO.COM under `dir`.
pub fn provision(t: &Tools, dir: &Path) -> Dc {
    let target = dir.join("dc");
    let sam = target.join("private/sam.ldb");
    run(
        Command::new(&t.samba_tool)
            .args([
                "domain",
                "provision",
                "--realm=CONTOSO.COM",
                "--domain=CONTOSO",
                "--server-role=dc",
                "--dns-backend=NONE",
                "--host-name=syncscopedc",
            ])
            .arg(format!("--adminpass={PASSWORD}"))
            .arg(format!("--targetdir={}", target.display())),
        "samba-tool domain provision",
        Duration::from_secs(180),
    );
    Dc {
        dir: dir.to_path_buf(),
        target,
        sam,
    }
}

/// The OUs, users, groups and contacts of tests/samba_dc.rs, with UPNs, proxyAddresses,
/// non-ASCII names and ConsistencyGuids.
pub fn populate(t: &Tools, dc: &Dc) {
    let (samba_tool, ldbmodify, sam, tmp) = (&t.samba_tool, &t.ldbmodify, &dc.sam, &dc.dir);
    let minute = Duration::from_secs(60);
    let tool = |args: &[&str], what: &str| {
        run(
            Command::new(samba_tool).args(args).arg("-H").arg(sam),
            what,
            minute,
        )
    };
    for ou in [
        "OU=Corp",
        "OU=Staff,OU=Corp",
        "OU=Groups,OU=Corp",
        "OU=Contacts,OU=Corp",
        "OU=Disabled",
    ] {
        tool(&["ou", "add", ou], "samba-tool ou add");
    }
    let users: [(&str, &str, &str, &str, &str); 5] = [
        (
            "alice",
            "Alice",
            "Ng",
            "alice@contoso.com",
            "OU=Staff,OU=Corp",
        ),
        (
            "dchen",
            "Diana",
            "Chen",
            "diana.chen@contoso.com",
            "OU=Staff,OU=Corp",
        ),
        (
            "jalvarez",
            "José",
            "Álvarez",
            "jose.alvarez@contoso.com",
            "OU=Staff,OU=Corp",
        ),
        (
            "tyamada",
            "太郎",
            "山田",
            "taro.yamada@contoso.com",
            "OU=Staff,OU=Corp",
        ),
        (
            "kmills",
            "Karen",
            "Mills",
            "karen.mills@contoso.com",
            "OU=Disabled",
        ),
    ];
    for (sam_name, given, surname, mail, ou) in users {
        tool(
            &[
                "user",
                "create",
                sam_name,
                "Syncscope-User-Pa55!",
                &format!("--given-name={given}"),
                &format!("--surname={surname}"),
                &format!("--mail-address={mail}"),
                &format!("--userou={ou}"),
            ],
            "samba-tool user create",
        );
    }
    tool(
        &[
            "group",
            "add",
            "All Staff",
            "--groupou=OU=Groups,OU=Corp",
            "--group-type=Distribution",
            "--mail-address=allstaff@contoso.com",
        ],
        "samba-tool group add",
    );
    tool(
        &[
            "group",
            "add",
            "SG-Finance-Users",
            "--groupou=OU=Groups,OU=Corp",
            "--group-type=Security",
        ],
        "samba-tool group add",
    );
    tool(
        &[
            "contact",
            "create",
            "Adatum Support",
            "--ou=OU=Contacts,OU=Corp",
            "--mail-address=support@adatum.com",
            "--company=Adatum Corporation",
        ],
        "samba-tool contact create",
    );
    tool(
        &[
            "contact",
            "create",
            "Woodgrove Bank",
            "--ou=OU=Contacts,OU=Corp",
            "--mail-address=rm@woodgrovebank.com",
        ],
        "samba-tool contact create",
    );
    // UPNs, display names, proxyAddresses and ConsistencyGuids the way an admin sets them.
    let modify = "\
dn: CN=Alice Ng,OU=Staff,OU=Corp,DC=contoso,DC=com
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:alice@contoso.com
proxyAddresses: smtp:a.ng@contoso.com
-
replace: displayName
displayName: Alice Ng

dn: CN=Diana Chen,OU=Staff,OU=Corp,DC=contoso,DC=com
changetype: modify
replace: userPrincipalName
userPrincipalName: dchen@contoso.com
-
replace: proxyAddresses
proxyAddresses: SMTP:diana.chen@contoso.com
proxyAddresses: smtp:dchen@contoso.com
-
replace: mS-DS-ConsistencyGuid
mS-DS-ConsistencyGuid:: WmuPVijg2EiRpK2eRGTUzg==

dn:: Q049Sm9zw6kgw4FsdmFyZXosT1U9U3RhZmYsT1U9Q29ycCxEQz1jb250b3NvLERDPWNvbQ==
changetype: modify
replace: userPrincipalName
userPrincipalName: jose.alvarez@contoso.com
-
replace: displayName
displayName:: Sm9zw6kgw4FsdmFyZXo=
-
replace: proxyAddresses
proxyAddresses: SMTP:jose.alvarez@contoso.com
proxyAddresses: smtp:jalvarez@contoso.com
-
replace: mS-DS-ConsistencyGuid
mS-DS-ConsistencyGuid:: GGhsjYwBEU+buBsE4sqhtg==

dn: CN=All Staff,OU=Groups,OU=Corp,DC=contoso,DC=com
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:allstaff@contoso.com
proxyAddresses: smtp:everyone@contoso.com

dn: CN=Adatum Support,OU=Contacts,OU=Corp,DC=contoso,DC=com
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:support@adatum.com
";
    let mod_file = tmp.join("modify.ldif");
    std::fs::write(&mod_file, modify).expect("write modify.ldif");
    run(
        Command::new(ldbmodify).arg("-H").arg(sam).arg(&mod_file),
        "ldbmodify",
        minute,
    );
}

/// A CA and a server certificate for 127.0.0.1 (webpki checks the IP address SAN), written
/// for samba's `tls keyfile/certfile/cafile`; returns the `--option=` settings.
pub fn tls_files(t: &Tools, dir: &Path) -> Vec<String> {
    let p = |n: &str| dir.join(n).display().to_string();
    let ssl = |args: &[&str], what: &str| {
        run(
            Command::new(&t.openssl).args(args),
            what,
            Duration::from_secs(60),
        );
    };
    ssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=syncscope test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            &p("ca-key.pem"),
            "-out",
            &p("ca.pem"),
        ],
        "openssl CA",
    );
    ssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=syncscopedc.contoso.com",
            "-keyout",
            &p("dc-key.pem"),
            "-out",
            &p("dc.csr"),
        ],
        "openssl CSR",
    );
    std::fs::write(dir.join("dc.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:syncscopedc.contoso.com\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").expect("ext");
    ssl(
        &[
            "x509",
            "-req",
            "-in",
            &p("dc.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca-key.pem"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &p("dc.ext"),
            "-out",
            &p("dc.pem"),
        ],
        "openssl sign",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("dc-key.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    vec![
        "--option=tls enabled=yes".to_string(),
        format!("--option=tls keyfile={}", p("dc-key.pem")),
        format!("--option=tls certfile={}", p("dc.pem")),
        format!("--option=tls cafile={}", p("ca.pem")),
    ]
}

/// Waits until ldaps://127.0.0.1 answers a bind (trusting `ca`).
pub fn wait_for_ldaps(t: &Tools, ca: &Path, log: &Path) {
    let start = Instant::now();
    loop {
        let ok = Command::new(&t.ldapsearch)
            .env("LDAPTLS_CACERT", ca)
            .args(["-x", "-o", "nettimeout=10", "-H", "ldaps://127.0.0.1", "-D"])
            .arg(format!("CN=Administrator,CN=Users,{BASE}"))
            .args(["-w", PASSWORD, "-b", BASE, "-s", "base", "dn"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("samba did not answer on ldaps://127.0.0.1 within 2 minutes:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
