//! The output folder, written atomically: files go into a hidden temporary sibling
//! (`.NAME.collect-XXXXXX`), which is renamed to NAME only when everything was read. A failure,
//! Ctrl-C, SIGTERM or SIGHUP removes the temporary folder (it is a [`tempfile::TempDir`]), so a partial
//! collection never leaves a folder that loads as whole — and the loader skips hidden entries.
//!
//! One small module on purpose: when the crate gets a shared atomic-write / temp-cleanup helper
//! for `--out` files, [`Staging`] is the one place to switch to it.

use super::CollectError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Catches SIGINT, SIGTERM and SIGHUP: the first one sets a flag that the read loops check between
/// pages (the collection then stops and the temporary folder is removed); a second one ends the
/// process at once.
pub fn watch_signals() {
    INTERRUPTED.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            // The terminal closed (an ssh session or tmux window ended).
            signal_hook::consts::SIGHUP,
        ] {
            // Order matters: the conditional shutdown sees the flag set by an earlier signal.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flag));
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        flag
    });
}

/// An error when Ctrl-C or SIGTERM arrived.
pub fn check_interrupted() -> Result<(), CollectError> {
    if INTERRUPTED.get().is_some_and(|f| f.load(Ordering::Relaxed)) {
        return Err(CollectError::failed(
            "interrupted: nothing was written (the partial collection was removed)",
        ));
    }
    Ok(())
}

/// Forgets an earlier Ctrl-C, so that a new collection in the same process (the explorer's `R`)
/// is not stopped by it.
pub fn clear_interrupted() {
    if let Some(f) = INTERRUPTED.get() {
        f.store(false, Ordering::Relaxed);
    }
}

/// The folder being built.
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
    force: bool,
}

impl Staging {
    /// Refuses an existing `target` unless `force`; creates the temporary sibling.
    pub fn new(target: &Path, force: bool) -> Result<Self, CollectError> {
        if target.exists() && !force {
            return Err(CollectError::failed(format!(
                "{}: already exists; give --force to replace it (or another --out)",
                target.display()
            )));
        }
        if target.is_file() {
            return Err(CollectError::failed(format!(
                "{}: is a file, not a folder; --out names the folder to write",
                target.display()
            )));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .ok_or_else(|| {
                CollectError::usage(format!("--out {}: not a folder name", target.display()))
            })?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.collect-"))
            .tempdir_in(&parent)
            .map_err(|e| {
                CollectError::failed(format!(
                    "{}: cannot create a folder there: {e}",
                    parent.display()
                ))
            })?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            force,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Renames the finished folder into place (replacing the old one when `force`).
    pub fn commit(self) -> Result<(), CollectError> {
        check_interrupted()?;
        let Staging { dir, target, force } = self;
        let fail = |what: &str, e: std::io::Error| {
            CollectError::failed(format!("{}: {what}: {e}", target.display()))
        };
        let old = if target.exists() && force {
            // Moved aside first, removed after: the target is never half old, half new.
            let aside = dir.path().with_extension("old");
            std::fs::rename(&target, &aside)
                .map_err(|e| fail("cannot move the old folder aside", e))?;
            Some(aside)
        } else {
            None
        };
        let built = dir.keep();
        if let Err(e) = std::fs::rename(&built, &target) {
            let _ = std::fs::remove_dir_all(&built);
            if let Some(aside) = &old {
                let _ = std::fs::rename(aside, &target);
            }
            return Err(fail("cannot move the collected folder into place", e));
        }
        if let Some(aside) = old {
            let _ = std::fs::remove_dir_all(aside);
        }
        Ok(())
    }
}

/// Writes one JSON document into the folder being built.
pub fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> Result<(), CollectError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| CollectError::failed(format!("{name}: {e}")))?;
    bytes.push(b'\n');
    write_bytes(dir, name, &bytes)
}

pub fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CollectError> {
    std::fs::write(dir.join(name), bytes).map_err(|e| {
        CollectError::failed(format!("{}: cannot write: {e}", dir.join(name).display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_appears_whole_or_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("snap");
        let s = Staging::new(&target, false).unwrap();
        write_bytes(s.path(), "a.ldif", b"dn: x\n").unwrap();
        assert!(!target.exists());
        drop(s); // a failure: nothing left behind
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

        let s = Staging::new(&target, false).unwrap();
        write_bytes(s.path(), "a.ldif", b"dn: x\n").unwrap();
        s.commit().unwrap();
        assert!(target.join("a.ldif").is_file());
        // An existing folder is refused without --force, replaced with it.
        let e = Staging::new(&target, false).err().unwrap();
        assert!(e.message.contains("--force"), "{e}");
        let s = Staging::new(&target, true).unwrap();
        write_bytes(s.path(), "b.ldif", b"dn: y\n").unwrap();
        s.commit().unwrap();
        assert!(!target.join("a.ldif").exists());
        assert!(target.join("b.ldif").is_file());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
