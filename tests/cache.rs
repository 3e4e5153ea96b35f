//! `--cache` end to end (issue 15): the binary writes the snapshot cache beside the input, reads
//! it on the next run with byte-for-byte the same output, says which it did on stderr (escaped),
//! and a partial load stays partial (interfaces §7).

mod util;

use std::path::{Path, PathBuf};
use util::{ROOT, SAMPLE, run};

fn copy(from: &Path, to_dir: &Path, name: &str) -> PathBuf {
    let to = to_dir.join(name);
    if from.is_dir() {
        std::fs::create_dir(&to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    } else {
        std::fs::copy(from, &to).unwrap();
    }
    to
}

#[test]
fn the_second_run_reads_the_cache_and_prints_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = copy(&Path::new(ROOT).join(SAMPLE), dir.path(), "contoso.json");
    let s = snapshot.to_str().unwrap();
    for args in [
        vec!["plan", s, "--json"],
        vec!["plan", s, "--format", "csv"],
        vec!["errors", s, "--after-sync", "--json"],
        vec!["check", s, "--json"],
        vec!["plan", s, "--json", "--set", "blockSoftMatchEnabled=true"],
    ] {
        std::fs::remove_file(dir.path().join("contoso.json.syncscope-cache")).ok();
        let plain = run(&args);
        assert_eq!(plain.code, 0, "{}", plain.stderr);
        assert!(!plain.stderr.contains("cache"), "no --cache, no word of it");
        let with = |a: &[&str]| {
            let mut a = a.to_vec();
            a.push("--cache");
            run(&a)
        };
        let first = with(&args);
        assert_eq!(first.code, 0, "{}", first.stderr);
        assert!(
            first.stderr.contains("no cache yet; wrote"),
            "{}",
            first.stderr
        );
        assert!(dir.path().join("contoso.json.syncscope-cache").is_file());
        let second = with(&args);
        assert_eq!(second.code, 0, "{}", second.stderr);
        assert!(
            second.stderr.contains("read from the cache"),
            "{}",
            second.stderr
        );
        assert_eq!(first.stdout, plain.stdout, "{args:?}");
        assert_eq!(second.stdout, plain.stdout, "{args:?}");
    }
}

#[test]
fn a_partial_load_is_refused_and_used_alike_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(ROOT).join("tests/fixtures/hostile/exports");
    let folder = copy(&from, dir.path(), "exports");
    let f = folder.to_str().unwrap();
    for _ in 0..2 {
        let refused = run(&["plan", f, "--json", "--cache"]);
        assert_eq!(refused.code, 1, "{}", refused.stderr);
        assert!(
            refused.stderr.contains("--allow-partial"),
            "{}",
            refused.stderr
        );
    }
    assert!(
        !dir.path().join("exports.syncscope-cache").exists(),
        "a refused load writes no cache"
    );
    let first = run(&["plan", f, "--json", "--cache", "--allow-partial"]);
    let second = run(&["plan", f, "--json", "--cache", "--allow-partial"]);
    assert_eq!((first.code, second.code), (3, 3), "{}", second.stderr);
    assert!(
        second.stderr.contains("read from the cache"),
        "{}",
        second.stderr
    );
    // The load report says the same both times (what was skipped, what is incomplete).
    fn report(stderr: &str) -> Vec<&str> {
        stderr.lines().filter(|l| !l.contains("cache")).collect()
    }
    assert_eq!(report(&first.stderr), report(&second.stderr));
    assert_eq!(first.stdout, second.stdout);
    let json: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    assert_eq!(json["load"]["partial"], true);
}

#[test]
fn a_hostile_file_name_is_escaped_in_what_the_cache_says() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\u{1b}[2J\u{7}.json";
    let snapshot = copy(&Path::new(ROOT).join(SAMPLE), dir.path(), name);
    let s = snapshot.to_str().unwrap();
    for _ in 0..2 {
        let r = run(&["plan", s, "--cache"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("cache"), "{}", r.stderr);
        assert!(
            !r.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "a raw control character on stderr: {:?}",
            r.stderr
        );
    }
}
