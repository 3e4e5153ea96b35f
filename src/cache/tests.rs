use super::*;
use crate::session::Session;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of a snapshot (file or folder) in a temporary folder, so that its cache is written
/// there and not into the repository.
fn copy_of(relative: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(ROOT).join(relative);
    let to = dir.path().join(from.file_name().unwrap());
    if from.is_dir() {
        std::fs::create_dir(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    } else {
        std::fs::copy(&from, &to).unwrap();
    }
    (dir, to)
}

fn generated(objects: usize, seed: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.json");
    let f = std::io::BufWriter::new(File::create(&path).unwrap());
    crate::generate::write_generated(objects, seed, f).unwrap();
    (dir, path)
}

fn open_with(path: &Path, options: &ImportOptions, what_if: bool) -> Opened {
    open(path, options, true, &[], what_if, |_| Ok(())).unwrap()
}

/// [`copy_of`] with its cache written by an explorer's open (so with the record).
fn cached_copy(relative: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = copy_of(relative);
    let none = ImportOptions::default();
    open_with(&path, &none, true)
        .write_cache(&path, &none)
        .unwrap()
        .unwrap();
    (dir, path)
}

/// Opens `path` with --cache (writing the cache), then again (reading it): the second is the
/// first, object for object, key for key, outcome for outcome.
fn assert_round_trip(path: &Path, options: &ImportOptions) {
    let first = open_with(path, options, true);
    assert!(
        matches!(
            first.cache,
            Use::Missed {
                why: Miss::Absent,
                ..
            }
        ),
        "{:?}",
        first.cache
    );
    let (written, size) = first.write_cache(path, options).unwrap().unwrap();
    assert_eq!(written, path_for(path));
    assert_eq!(std::fs::metadata(&written).unwrap().len(), size);
    for what_if in [true, false] {
        let again = open_with(path, options, what_if);
        assert!(matches!(again.cache, Use::Read(_)), "{:?}", again.cache);
        let (a, b) = (&first.session, &again.session);
        assert_eq!(*a.snapshot, *b.snapshot);
        assert_eq!(first.report, again.report);
        assert_eq!(first.settings, again.settings);
        assert_eq!(a.index().contents(), b.index().contents());
        assert_eq!(*a.plan, *b.plan);
        let record = |o: &Opened| {
            let c = o.session.cache_contents(o.settings, &o.report);
            c.plan.and_then(|(_, r)| r.cloned())
        };
        if what_if {
            assert!(record(&again).is_some());
            assert_eq!(record(&first), record(&again));
            // The record reads back as the one the plan made: a flip re-plans from it alike.
            let mut x = a.clone();
            let mut y = b.clone();
            for s in [&mut x, &mut y] {
                s.flip(crate::config::Item::Setting(
                    crate::settings::Setting::BlockSoftMatch,
                ));
                s.replan();
            }
            assert_eq!(*x.plan, *y.plan);
        } else {
            assert_eq!(record(&again), None, "the command line keeps no record");
        }
    }
}

#[test]
fn a_cached_snapshot_opens_as_the_loaded_one() {
    let (_d, sample) = copy_of("sample-data/contoso.json");
    assert_round_trip(&sample, &ImportOptions::default());
    let (_d, hostile) = copy_of("tests/fixtures/hostile/bundle.json");
    assert_round_trip(&hostile, &ImportOptions::default());
    // More than one section of each kind.
    let (_d, big) = generated(CHUNK + 1000, 7);
    assert_round_trip(&big, &ImportOptions::default());
    // A folder of exports (its cache beside the folder) and Connect overrides.
    let (dir, folder) = copy_of("tests/fixtures/hostile/exports");
    let options = ImportOptions {
        source_anchor: Some(SourceAnchorAttribute::ObjectGuid),
        included_ous: None,
    };
    assert_round_trip(&folder, &options);
    assert!(dir.path().join("exports.syncscope-cache").is_file());
    assert!(!folder.join("exports.syncscope-cache").exists());
}

/// Interfaces §7: the load report is part of the cache, so a load that was not whole still is.
#[test]
fn a_partial_load_stays_partial_from_the_cache() {
    let (_d, folder) = copy_of("tests/fixtures/hostile/exports");
    let first = open_with(&folder, &ImportOptions::default(), false);
    assert!(first.report.is_partial(), "the fixture is a partial load");
    first.write_cache(&folder, &ImportOptions::default());
    let refused = open(&folder, &ImportOptions::default(), true, &[], false, |r| {
        r.require_whole("exports", false)
    });
    let e = refused.expect_err("refused without --allow-partial");
    assert!(e.to_string().contains("allow-partial"), "{e}");
    let again = open_with(&folder, &ImportOptions::default(), false);
    assert!(matches!(again.cache, Use::Read(_)));
    assert_eq!(again.report, first.report);
}

fn set_modified(path: &Path, time: std::time::SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

#[track_caller]
fn assert_miss(path: &Path, options: &ImportOptions, why: &str) {
    let miss = miss(path, options);
    assert!(miss.contains(why), "{miss}");
}

fn miss(path: &Path, options: &ImportOptions) -> String {
    match read(path, options) {
        Ok(_) => panic!("the cache was used"),
        Err(m) => m.to_string(),
    }
}

#[test]
fn a_cache_is_not_used_once_its_input_or_options_change() {
    let (_d, path) = copy_of("sample-data/contoso.json");
    let none = ImportOptions::default();
    assert_eq!(miss(&path, &none), "no cache yet");
    let first = open_with(&path, &none, true);
    first.write_cache(&path, &none).unwrap().unwrap();
    assert!(read(&path, &none).is_ok());

    let options = ImportOptions {
        source_anchor: None,
        included_ous: Some(vec!["OU=Sync,DC=contoso,DC=com".into()]),
    };
    assert!(
        miss(&path, &options).contains("--included-ou"),
        "{}",
        miss(&path, &options)
    );

    // The same size and modification time, one letter changed: only the content hash sees it.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("Alice").expect("the sample names Alice");
    text.replace_range(at..at + 1, "E");
    std::fs::write(&path, &text).unwrap();
    set_modified(&path, modified);
    assert_miss(&path, &none, "content changed");

    // A newer modification time.
    let later = modified + std::time::Duration::from_secs(5);
    set_modified(&path, later);
    assert_miss(&path, &none, "changed on disk");

    // Opening again loads the input and writes a cache of it, as it is now.
    let again = open_with(&path, &none, true);
    assert!(matches!(
        again.cache,
        Use::Missed {
            why: Miss::Stale(_),
            ..
        }
    ));
    again.write_cache(&path, &none).unwrap().unwrap();
    let cached = read(&path, &none).unwrap();
    let now = crate::bundle::load_bundle(&path).unwrap();
    assert_eq!(*cached.bundle, now);
    assert_ne!(
        *first.session.snapshot, now,
        "the edit changed the snapshot"
    );
}

#[test]
fn damage_anywhere_is_a_miss_never_a_panic() {
    let (_d, path) = cached_copy("sample-data/contoso.json");
    let none = ImportOptions::default();
    let fresh = open(&path, &none, false, &[], true, |_| Ok(())).unwrap();
    let cache = path_for(&path);
    let good = std::fs::read(&cache).unwrap();
    let n = good.len();
    let h = header(
        &mut File::open(&cache).unwrap(),
        &Stamps::of(&path).unwrap(),
        &none,
    )
    .unwrap();
    let later = |at: usize| {
        h.sections.iter().any(|s| {
            matches!(s.part, Part::Index | Part::Record)
                && (s.offset..s.offset + s.len).contains(&(at as u64))
        })
    };
    let positions: Vec<usize> = (0..n).step_by((n / 300).max(1)).chain([n - 1]).collect();
    let mut decoded_later = 0;
    for &at in &positions {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        std::fs::write(&cache, &bad).unwrap();
        match read(&path, &none) {
            // The index and the record are read after the snapshot is shown: damage there
            // makes them from the snapshot instead.
            Ok(c) if later(at) => {
                assert_eq!(c.index.get().contents(), fresh.session.index().contents());
                let record = c.record.as_ref().map(|r| r.get().clone());
                let c = fresh.session.cache_contents(fresh.settings, &fresh.report);
                assert_eq!(record.as_ref(), c.plan.and_then(|(_, r)| r));
                decoded_later += 1;
            }
            Ok(_) => panic!("byte {at}: the cache was used"),
            Err(why) => assert!(why.to_string().contains("damaged"), "byte {at}: {why}"),
        }
    }
    assert!(
        decoded_later > 0,
        "no position fell in the index or the record"
    );
    for len in [0, 1, 16, 40, n / 2, n - 17, n - 1] {
        std::fs::write(&cache, &good[..len]).unwrap();
        let why = miss(&path, &none);
        assert!(why.contains("damaged"), "cut at {len}: {why}");
    }
    std::fs::write(&cache, &good).unwrap();
    assert!(read(&path, &none).is_ok());
}

#[test]
fn a_file_that_is_not_a_cache_is_never_replaced() {
    let (_d, path) = copy_of("sample-data/contoso.json");
    let none = ImportOptions::default();
    let cache = path_for(&path);
    std::fs::write(&cache, "the admin's notes\n").unwrap();
    let opened = open_with(&path, &none, false);
    let e = opened.write_cache(&path, &none).unwrap().unwrap_err();
    assert!(e.to_string().contains("not a syncscope cache"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&cache).unwrap(),
        "the admin's notes\n"
    );
}

#[test]
fn a_snapshot_changed_while_it_loads_is_not_cached() {
    let (_d, path) = copy_of("sample-data/contoso.json");
    let none = ImportOptions::default();
    let opened = open_with(&path, &none, false);
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    set_modified(&path, later);
    let e = opened.write_cache(&path, &none).unwrap().unwrap_err();
    assert!(e.to_string().contains("changed on disk"), "{e}");
    assert!(!path_for(&path).exists());
}

/// A cache the command line wrote (no record) opens in the explorer, which plans with a record
/// and asks for the cache to be written again with it.
#[test]
fn the_explorer_rewrites_a_cache_without_a_record() {
    let (_d, path) = copy_of("sample-data/contoso.json");
    let none = ImportOptions::default();
    open_with(&path, &none, false)
        .write_cache(&path, &none)
        .unwrap()
        .unwrap();
    let explorer = open_with(&path, &none, true);
    assert!(
        matches!(&explorer.cache, Use::Missed { why, .. } if why.to_string().contains("record")),
        "{:?}",
        explorer.cache
    );
    explorer.write_cache(&path, &none).unwrap().unwrap();
    assert!(matches!(open_with(&path, &none, true).cache, Use::Read(_)));
    // A --set that changes a setting plans anew from the cached index; the cache keeps the
    // snapshot's own settings.
    let set = [(crate::settings::Setting::BlockSoftMatch, true)];
    let o = open(&path, &none, true, &set, false, |_| Ok(())).unwrap();
    let fresh = Session::open(crate::bundle::load_bundle(&path).unwrap(), &set);
    assert_eq!(*o.session.plan, *fresh.plan);
    assert!(!o.settings.get(crate::settings::Setting::BlockSoftMatch));
}

#[test]
fn the_cache_lives_beside_its_input() {
    assert_eq!(
        path_for(Path::new("/data/tenant.json")),
        Path::new("/data/tenant.json.syncscope-cache")
    );
    assert_eq!(
        path_for(Path::new("exports/")),
        Path::new("exports.syncscope-cache")
    );
    assert!(is_cache_name("tenant.json.syncscope-cache"));
}

/// A bundle's cache in a folder that is itself opened as a snapshot is passed over with a
/// warning (nothing irrelevant stops a load); a cache named as the snapshot is refused with
/// what to open instead.
#[test]
fn a_cache_is_never_read_as_an_export() {
    let (_d, folder) = copy_of("tests/fixtures/hostile/exports");
    let inner = folder.join("users-1.json");
    std::fs::write(path_for(&inner), b"syncscope-cache\n\x00\x01").unwrap();
    let loaded = crate::import::load_snapshot(&folder, &ImportOptions::default()).unwrap();
    let w = (loaded.report.warnings.iter())
        .find(|w| w.file.ends_with("users-1.json.syncscope-cache"))
        .expect("a warning names the cache");
    assert!(w.message.contains("syncscope cache"), "{}", w.message);
    let e = crate::import::load_snapshot(&path_for(&inner), &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("users-1.json.syncscope-cache") && e.contains("--cache"),
        "{e}"
    );
}

/// Every section of a real cache, with bytes flipped, cut short or stretched, decodes or fails
/// as any kind of section: never a panic (the hashes normally stop such bytes before this).
#[test]
fn no_damaged_section_makes_a_decoder_panic() {
    let (_d, path) = cached_copy("tests/fixtures/hostile/bundle.json");
    let none = ImportOptions::default();
    let bytes = std::fs::read(path_for(&path)).unwrap();
    let mut file = File::open(path_for(&path)).unwrap();
    let h = header(&mut file, &Stamps::of(&path).unwrap(), &none).unwrap();
    let mut decoded = 0;
    for s in &h.sections {
        let good = &bytes[s.offset as usize..(s.offset + s.len) as usize];
        decoded += decode_any(good);
        let step = (good.len() / 64).max(1);
        for at in (0..good.len()).step_by(step) {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = good.to_vec();
                bad[at] ^= flip;
                decode_any(&bad);
            }
            decode_any(&good[..at]);
            let mut long = good.to_vec();
            long.insert(at, 0xff);
            decode_any(&long);
        }
    }
    assert!(
        decoded >= h.sections.len(),
        "each good section decodes as its own kind"
    );
}

/// The cache holds the whole directory: it is no more readable than the snapshot it was made of.
#[cfg(unix)]
#[test]
fn the_cache_is_no_more_readable_than_its_snapshot() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, path) = copy_of("sample-data/contoso.json");
    let none = ImportOptions::default();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for private in [0o600, 0o640] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(private)).unwrap();
        let opened = open_with(&path, &none, false);
        opened.write_cache(&path, &none).unwrap().unwrap();
        assert_eq!(
            mode(&path_for(&path)) & !private,
            0,
            "{:o}",
            mode(&path_for(&path))
        );
        std::fs::remove_file(path_for(&path)).unwrap();
    }
}

/// The index and the record are decoded after the snapshot is shown; if the cache file is
/// damaged (or replaced) by then, they are made from the snapshot instead: the same index and
/// record all the same.
#[test]
fn what_is_decoded_later_is_made_again_if_the_cache_is_damaged_by_then() {
    let (_d, path) = cached_copy("sample-data/contoso.json");
    let none = ImportOptions::default();
    let fresh = open(&path, &none, false, &[], true, |_| Ok(())).unwrap();
    let record = |o: &Opened| {
        let c = o.session.cache_contents(o.settings, &o.report);
        c.plan.and_then(|(_, r)| r.cloned())
    };
    for damage in [false, true] {
        let opened = open_with(&path, &none, true);
        assert!(matches!(opened.cache, Use::Read(_)));
        if damage {
            let cache = path_for(&path);
            let mut bytes = std::fs::read(&cache).unwrap();
            // Every byte after the objects and the outcomes: the index tables and the record.
            let n = bytes.len();
            for b in &mut bytes[n / 2..n - 100] {
                *b ^= 0x55;
            }
            std::fs::write(&cache, &bytes).unwrap();
        }
        assert_eq!(
            opened.session.index().contents(),
            fresh.session.index().contents()
        );
        assert_eq!(record(&opened), record(&fresh));
        assert!(record(&opened).is_some());
    }
}

/// A plan whose quarantined values name an object outside the snapshot (a cache that passed its
/// hashes but was written wrong) is not used: the snapshot is loaded instead, so no later
/// lookup of that holder can fail.
#[test]
fn a_plan_naming_a_holder_outside_the_snapshot_is_not_used() {
    let (_d, path) = cached_copy("sample-data/contoso.json");
    let none = ImportOptions::default();
    let mut file = File::open(path_for(&path)).unwrap();
    let h = header(&mut file, &Stamps::of(&path).unwrap(), &none).unwrap();
    let now: Vec<&Section> = (h.sections.iter())
        .filter(|s| !matches!(s.part, Part::Index | Part::Record))
        .collect();
    let decoded = || decode_sections(&path_for(&path), &now, || ()).1.unwrap();
    assert!(assemble(&h, decoded()).is_ok());
    let beyond = [
        Holder::Cloud(h.cloud as u32),
        Holder::OnPrem(h.on_premises as u32),
    ];
    for holder in beyond {
        let mut sections = decoded();
        let quarantine = (sections.iter_mut())
            .filter_map(|d| match d {
                Decoded::Outcomes(v) => Some(v),
                _ => None,
            })
            .flatten()
            .find(|o| !o.quarantined.is_empty())
            .expect("the sample quarantines a value");
        Arc::make_mut(quarantine).quarantined[0].conflicts_with = holder;
        let why = assemble(&h, sections).unwrap_err().to_string();
        assert!(why.contains("does not fit"), "{holder:?}: {why}");
    }
}
