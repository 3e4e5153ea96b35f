//! Output files are written through a recognisable temporary file (issue 11, item 4): SIGINT and
//! SIGTERM remove it; one left by SIGKILL is named `.NAME.syncscope-partial-XXXXXX` and the folder
//! loader skips it with a warning instead of reading half an export.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Starts a large `generate` and waits until its temporary file has data in it (the caller
/// waits for the child; clippy cannot see that through the return).
#[allow(clippy::zombie_processes)]
fn start_writing(dir: &Path) -> (Child, PathBuf) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_syncscope"))
        .args(["generate", "--objects", "3000000", "--out"])
        .arg(dir.join("big.json"))
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(tmp) = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.metadata().is_ok_and(|m| m.len() > 0))
        {
            return (child, tmp);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no temporary file appeared");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn sigterm_and_sigint_remove_the_temporary_file() {
    for sig in ["-TERM", "-INT"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, tmp) = start_writing(dir.path());
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".big.json.syncscope-partial-"),
            "recognisable: {name}"
        );
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert!(!status.success(), "{sig}: {status:?}");
        assert_eq!(
            names(dir.path()),
            Vec::<String>::new(),
            "{sig}: nothing left"
        );
    }
}

#[test]
fn a_temporary_file_left_by_sigkill_is_never_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, tmp) = start_writing(dir.path());
    signal(&child, "-KILL");
    child.wait().unwrap();
    assert!(tmp.exists(), "SIGKILL cannot be caught: the temp stays");
    assert!(syncscope::atomic::is_partial_temp(
        &tmp.file_name().unwrap().to_string_lossy()
    ));
    // Named directly, it is refused; in an export folder, skipped with a warning.
    let e = syncscope::import::load_snapshot(&tmp, &Default::default()).unwrap_err();
    assert!(e.message.contains("interrupted syncscope write"), "{e}");
    let exports = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/exports");
    for e in std::fs::read_dir(exports).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let l = syncscope::import::load_snapshot(dir.path(), &Default::default()).unwrap();
    assert!(
        l.report
            .warnings
            .iter()
            .any(|w| w.message.contains("interrupted syncscope write")),
        "{}",
        l.report
    );
    assert!(!l.report.files.iter().any(|(f, _, _)| f.contains("partial")));
}

/// Every file syncscope writes (the HTML report for a change board, a fix script, a generated
/// tenant) gets the mode of any new file (0666 less the umask), not a temporary file's 0600; the
/// report, like every writer, refuses to replace its own input even with `--force`.
#[cfg(unix)]
#[test]
fn written_files_are_readable_like_any_new_file_and_inputs_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, b"x").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_syncscope"))
            .args(args)
            .output()
            .unwrap()
    };
    let report = dir.path().join("report.html");
    let script = dir.path().join("fixes.ps1");
    let generated = dir.path().join("gen.json");
    let s = std::ffi::OsStr::new;
    for (args, out) in [
        (
            vec![s("report"), s(sample), s("--out"), report.as_os_str()],
            &report,
        ),
        (
            vec![s("check"), s(sample), s("--fix-script"), script.as_os_str()],
            &script,
        ),
        (
            vec![
                s("generate"),
                s("--objects"),
                s("10"),
                s("--out"),
                generated.as_os_str(),
            ],
            &generated,
        ),
    ] {
        let o = run(&args);
        assert!(
            out.exists(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(mode(out), mode(&plain), "{args:?}");
    }
    // The report's input is never its output, not even with --force.
    let copy = dir.path().join("snap.json");
    std::fs::copy(sample, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let o = run(&[
        s("report"),
        copy.as_os_str(),
        s("--out"),
        copy.as_os_str(),
        s("--force"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is the input of this command"), "{err}");
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}
