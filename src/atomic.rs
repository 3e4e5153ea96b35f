//! Writing output files safely: the bytes go to a temporary file beside the target, which is
//! renamed into place only when complete, so a reader never sees half a file. An existing file is
//! replaced only when the caller allows it (`--force`), and never when it is one of the command's
//! inputs. The temporary file is removed on error and on SIGINT/SIGTERM; one left by a kill is
//! named `.NAME.syncscope-partial-XXXXXX` so that it is recognisable, and the folder loader skips
//! it with a warning instead of reading it as an export.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// What marks a temporary file of an unfinished write.
pub const PARTIAL_MARKER: &str = ".syncscope-partial-";

/// Whether an existing target may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// An existing file is an error ([`io::ErrorKind::AlreadyExists`]).
    Never,
    /// `--force`: an existing file is replaced (never an input, though).
    Allowed,
}

/// Whether a file name is that of a temporary file left by an unfinished write.
pub fn is_partial_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(PARTIAL_MARKER)
}

/// Temporary files being written, removed by the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

fn install_signal_cleanup() {
    HANDLER.call_once(|| {
        // Another handler already installed (a host program) is left alone; the temporary file
        // is still removed on every error path and by its Drop.
        let _ = ctrlc::set_handler(|| {
            remove_live_temps();
            std::process::exit(130);
        });
    });
}

/// Removes every temporary file still being written (the signal handler calls this).
pub fn remove_live_temps() {
    let paths = match LIVE.lock() {
        Ok(mut live) => std::mem::take(&mut *live),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

fn register(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.push(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|p| p != path);
    }
}

/// Refuses a target that exists (unless `replace` allows it) or that is one of `inputs`.
pub fn check_target(path: &Path, replace: Replace, inputs: &[&Path]) -> io::Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let target = std::fs::canonicalize(path)?;
    for input in inputs {
        let same = std::fs::canonicalize(input).is_ok_and(|i| i == target);
        if same {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is the input of this command; write the result to another file",
            ));
        }
    }
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a folder; name a file to write",
        ));
    }
    if replace == Replace::Never {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists; not overwritten (pass --force to replace it)",
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically (see the module comment).
pub fn write_file(path: &Path, bytes: &[u8], replace: Replace, inputs: &[&Path]) -> io::Result<()> {
    write_with(path, replace, inputs, |w| w.write_all(bytes))
}

/// Streams the output of `fill` to `path` atomically (see the module comment).
pub fn write_with(
    path: &Path,
    replace: Replace,
    inputs: &[&Path],
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_with_mode(path, replace, inputs, 0o666, fill)
}

/// [`write_with`] for a file that must be no more readable than its input (the snapshot cache
/// holds the whole directory): created with `mode` (less the umask) from its first byte.
pub fn write_with_mode(
    path: &Path,
    replace: Replace,
    inputs: &[&Path],
    mode: u32,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    check_target(path, replace, inputs)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    install_signal_cleanup();
    let prefix = format!(".{name}{PARTIAL_MARKER}");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(6);
    // A temporary file is created 0600; the finished file gets what any new file gets (0666
    // less the umask), so a report written for a change board is readable by the board.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let tmp = builder.tempfile_in(dir)?;
    let tmp_path = tmp.path().to_path_buf();
    register(&tmp_path);
    let result = (|| {
        {
            let mut w = io::BufWriter::with_capacity(1 << 20, tmp.as_file());
            fill(&mut w)?;
            w.flush()?;
        }
        tmp.as_file().sync_all()?;
        match replace {
            Replace::Allowed => tmp.persist(path).map(|_| ()).map_err(|e| e.error),
            // A file that appeared meanwhile is not replaced either.
            Replace::Never => tmp.persist_noclobber(path).map(|_| ()).map_err(|e| e.error),
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    unregister(&tmp_path);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_files_and_inputs_are_never_replaced_without_leaving_temps() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.json");
        write_file(&out, b"one", Replace::Never, &[]).unwrap();
        let e = write_file(&out, b"two", Replace::Never, &[]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&out).unwrap(), b"one");
        write_file(&out, b"two", Replace::Allowed, &[]).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        // The input, even with --force and through another spelling of the path.
        let alias = dir.path().join(".").join("out.json");
        let e = write_file(&alias, b"three", Replace::Allowed, &[&out]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        // An error while writing removes the temporary file.
        let failing = dir.path().join("failing.json");
        let e = write_with(&failing, Replace::Never, &[], |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("generator failed"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "generator failed");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["out.json"], "no temporary file left");
    }

    /// A written file gets the mode of any new file (0666 less the umask), not the temporary
    /// file's 0600: a report or script written for others is readable by them.
    #[cfg(unix)]
    #[test]
    fn written_files_get_the_mode_of_a_plain_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let ours = dir.path().join("ours.txt");
        write_file(&ours, b"x", Replace::Never, &[]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
        write_file(&ours, b"y", Replace::Allowed, &[]).unwrap();
        assert_eq!(mode(&ours), mode(&plain), "also when replacing");
    }

    #[test]
    fn temporary_files_are_recognisable() {
        assert!(is_partial_temp(".big.json.syncscope-partial-a1B2c3"));
        assert!(!is_partial_temp("big.json"));
        assert!(!is_partial_temp(".hidden"));
    }
}
