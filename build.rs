//! Tells the tests which external programs this machine has, so that a test needing one is
//! *visibly* ignored with its reason when the program is missing (`cargo test` prints
//! `ignored, tmux not installed …`), instead of passing silently. `.ci/run` installs the
//! programs, so on CI these tests always run.
//!
//! Each cfg is set when every program it names is found on PATH or in the sbin directories:
//! - `has_tmux`: tmux (the end-to-end run of the TUI in a real terminal);
//! - `has_openssl`: openssl (test certificates for `syncscope collect`);
//! - `has_samba`: a Samba AD DC, the LDAP tools, openssl and kinit (the importer and collection tests);
//! - `has_chromium`: Chromium (the readiness report opened in a headless browser).
//!
//! It also sets `SYNCSCOPE_SOURCE_ID`, a hash of the library's sources: a snapshot cache
//! (`--cache`) written by a build of other sources is not read, since the model it holds may differ.

use std::path::{Path, PathBuf};

const PROGRAMS: &[(&str, &[&str])] = &[
    ("has_tmux", &["tmux"]),
    // A throwaway CA and certificates for the TLS and certificate-credential tests.
    ("has_openssl", &["openssl"]),
    (
        "has_samba",
        &[
            "samba-tool",
            "samba",
            "ldbsearch",
            "ldbmodify",
            "ldapsearch",
            "ldbadd",
            "openssl",
            // `collect --kerberos` signs in with a ticket from the DC's KDC (krb5-user).
            "kinit",
        ],
    ),
    ("has_chromium", &["chromium"]),
];

fn search_dirs() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    for extra in ["/usr/sbin", "/sbin", "/usr/local/sbin"] {
        dirs.push(PathBuf::from(extra));
    }
    dirs.retain(|d| d.is_dir());
    dirs.dedup();
    dirs
}

fn found(dirs: &[PathBuf], program: &str) -> bool {
    dirs.iter().any(|d| Path::new(d).join(program).is_file())
}

/// Adds every file under `dir` (name and contents, in name order) to `hasher`.
fn hash_sources(dir: &Path, hasher: &mut impl std::hash::Hasher) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_sources(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            hasher.write(path.to_string_lossy().as_bytes());
            hasher.write(&bytes);
        }
    }
}

fn main() {
    let dirs = search_dirs();
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=Cargo.lock");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_sources(Path::new("src"), &mut hasher);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        std::hash::Hasher::write(&mut hasher, &lock);
    }
    println!(
        "cargo::rustc-env=SYNCSCOPE_SOURCE_ID={}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        std::hash::Hasher::finish(&hasher)
    );
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    // Installing a program (apt-get) changes these directories: look again then.
    for d in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
        if Path::new(d).is_dir() {
            println!("cargo::rerun-if-changed={d}");
        }
    }
    for (cfg, programs) in PROGRAMS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if programs.iter().all(|p| found(&dirs, p)) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
