//! The snapshot cache (`--cache`, issue 15): a binary copy of a loaded snapshot, its load
//! report, its cloud index and its plan (with the record a what-if re-plan starts from), written
//! next to the input as `INPUT.syncscope-cache`. Reopening the same input reads that instead of
//! parsing the exports, indexing and planning again.
//!
//! A cache is used only when everything it was made from is unchanged: the input's files (name,
//! size, modification time, and a hash of their content), the Connect overrides of the run
//! (`--source-anchor`, `--included-ou`), and the build of syncscope (a hash of its sources, so a
//! cache never carries a model or a plan of other rules). Anything else, and any damage (each
//! section carries its own hash), makes it stale: the input is loaded in full, and the reason
//! is said. The load report is part of the cache, so a load that was not whole stays so.
//!
//! The file: a magic line, then the sections (postcard, each up to [`CHUNK`] objects so that
//! both cores decode them), then the header that lists them, its length and the magic again.

mod objects;
pub mod statics;

use crate::import::{ImportOptions, LoadReport};
use crate::index::{CloudIdx, CloudIndex, KeyMap, TABLES};
use crate::model::{
    AuthenticationType, Bundle, CloudObject, ConnectSettings, Domain, OnPremObject, Shared,
    SourceAnchorAttribute, Tenant,
};
use crate::outcome::{Holder, Outcome};
use crate::pending::Pending;
use crate::plan::{Plan, Record};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// What a cache file starts and ends with.
const MAGIC: &[u8; 16] = b"syncscope-cache\n";
/// The layout of the file itself (the model's layout is covered by [`SOURCE_ID`]).
const FORMAT: u32 = 1;
/// The build's sources (set by build.rs): a cache of another build is stale.
const SOURCE_ID: &str = env!("SYNCSCOPE_SOURCE_ID");
/// Objects (or outcomes) per section.
pub const CHUNK: usize = 65_536;
/// What the cache's name adds to the input's.
pub const SUFFIX: &str = ".syncscope-cache";

/// Where the cache of a snapshot lives: beside it, `NAME.syncscope-cache` (a folder's beside
/// the folder, not in it).
pub fn path_for(snapshot: &Path) -> PathBuf {
    let trimmed = snapshot.components().as_path();
    let mut name = trimmed
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "snapshot".into());
    name.push(SUFFIX);
    trimmed.with_file_name(name)
}

/// Whether a file name is that of a cache (the folder loader passes such files over).
pub fn is_cache_name(name: &str) -> bool {
    name.ends_with(SUFFIX)
}

/// One file of the input as it was on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    name: String,
    size: u64,
    /// Modification time, nanoseconds since 1970 (0 where the system has none).
    modified: u128,
}

/// The input's files (one for a bundle; a folder's entries in name order), as they were on
/// disk. Taken before a load, compared again before the cache is written: a file changed while
/// it was read is never cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamps(Vec<Stamp>);

fn stamp(path: &Path, name: String) -> io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok(Stamp {
        name,
        size: if meta.is_file() { meta.len() } else { 0 },
        modified,
    })
}

impl Stamps {
    pub fn of(snapshot: &Path) -> io::Result<Stamps> {
        if !std::fs::metadata(snapshot)?.is_dir() {
            return Ok(Stamps(vec![stamp(snapshot, String::new())?]));
        }
        let mut names: Vec<_> = std::fs::read_dir(snapshot)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();
        names
            .into_iter()
            .map(|n| stamp(&snapshot.join(&n), n.to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()
            .map(Stamps)
    }

    /// A hash of the content of every regular file, in order (xxh3, 128 bits).
    fn content_hash(&self, snapshot: &Path) -> io::Result<[u8; 16]> {
        let mut hasher = Xxh3::new();
        let mut buf = vec![0u8; 1 << 20];
        for s in &self.0 {
            let path = if s.name.is_empty() {
                snapshot.to_path_buf()
            } else {
                snapshot.join(&s.name)
            };
            if !std::fs::metadata(&path)?.is_file() {
                continue;
            }
            hasher.update(s.name.as_bytes());
            let mut f = File::open(&path)?;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
        }
        Ok(hasher.digest128().to_le_bytes())
    }
}

/// What one section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Part {
    Head,
    OnPrem,
    Cloud,
    /// One table of the index ([`CloudIndex::tables`]), in order.
    Index,
    Outcomes,
    Record,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Section {
    part: Part,
    offset: u64,
    len: u64,
    hash: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    source_id: String,
    stamps: Stamps,
    content: [u8; 16],
    options: ImportOptions,
    on_premises: u64,
    cloud: u64,
    sections: Vec<Section>,
}

/// Everything of the bundle but its objects, the load report, and the plan's other parts.
#[derive(Serialize, Deserialize)]
struct Head {
    initial_domain: String,
    domains: Vec<(String, AuthenticationType, bool)>,
    settings: Settings,
    source_anchor: SourceAnchorAttribute,
    included_ous: Option<Vec<String>>,
    deletion_threshold: u32,
    captured_date_time: Option<String>,
    /// The bundle's top-level keys this version does not read, as JSON text.
    extra: String,
    report: LoadReport,
    /// With a plan: its deletions and whether the export is blocked (Q6).
    plan: Option<(Vec<CloudIdx>, bool)>,
}

/// What to write: a loaded snapshot, its index, and its plan under the bundle's own settings.
pub struct Contents<'a> {
    /// The bundle as loaded. Its `settings` are replaced by `settings` in the cache (a run's
    /// `--set` overrides are not part of the snapshot).
    pub bundle: &'a Bundle,
    pub settings: Settings,
    pub report: &'a LoadReport,
    pub index: &'a CloudIndex,
    /// The plan made under `settings` (and the bundle's Connect settings), with its record
    /// when it was kept; `None` when the run planned under other settings.
    pub plan: Option<(&'a Plan, Option<&'a Record>)>,
}

/// What a cache gave back.
pub struct Cached {
    /// Shared with the fallbacks of what is left pending (no copy of the snapshot is made).
    pub bundle: Arc<Bundle>,
    pub report: LoadReport,
    pub index: Pending<CloudIndex>,
    pub plan: Option<Plan>,
    /// With the plan, when the explorer wrote the cache.
    pub record: Option<Pending<Record>>,
    /// The input's files as the cache was made from them (and as they are now).
    pub stamps: Stamps,
}

/// Why a cache was not used.
#[derive(Debug)]
pub enum Miss {
    /// There is none yet.
    Absent,
    /// There is one, but it was made from something else, or is damaged: the reason.
    Stale(String),
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Miss::Absent => f.write_str("no cache yet"),
            Miss::Stale(why) => write!(f, "the cache is stale ({why})"),
        }
    }
}

fn encode<T: Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(io::Error::other)
}

/// Counts the bytes written, for the sections' offsets.
struct Counting<'a> {
    out: &'a mut dyn Write,
    written: u64,
}

impl Counting<'_> {
    fn put(&mut self, part: Part, bytes: &[u8], sections: &mut Vec<Section>) -> io::Result<()> {
        sections.push(Section {
            part,
            offset: self.written,
            len: bytes.len() as u64,
            hash: xxh3_64(bytes),
        });
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// Whether an existing file at `path` is a cache (so that writing may replace it).
fn is_cache_file(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; MAGIC.len()];
    let mut f = File::open(path)?;
    Ok(f.read_exact(&mut head).is_ok() && &head == MAGIC)
}

/// Writes the cache of `snapshot` (atomically, replacing an older cache, never another file).
/// `before`: the input's stamps taken before it was loaded; if the input changed since, nothing
/// is written (the error says so). Returns the cache's path and size.
pub fn write(
    snapshot: &Path,
    options: &ImportOptions,
    before: &Stamps,
    contents: Contents,
) -> io::Result<(PathBuf, u64)> {
    let path = path_for(snapshot);
    if std::fs::symlink_metadata(&path).is_ok() && !is_cache_file(&path)? {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a syncscope cache; not replaced",
                path.display()
            ),
        ));
    }
    let changed =
        || io::Error::other("the snapshot changed on disk since it was loaded; no cache written");
    if Stamps::of(snapshot)? != *before {
        return Err(changed());
    }
    let content = before.content_hash(snapshot)?;
    if Stamps::of(snapshot)? != *before {
        return Err(changed());
    }
    let b = contents.bundle;
    let head = Head {
        initial_domain: b.tenant.initial_domain.clone(),
        domains: (b.tenant.domains.iter())
            .map(|d| (d.id.clone(), d.authentication_type, d.is_verified))
            .collect(),
        settings: contents.settings,
        source_anchor: b.connect.source_anchor,
        included_ous: b.connect.included_ous.clone(),
        deletion_threshold: b.connect.deletion_threshold,
        captured_date_time: b.captured_date_time.clone(),
        extra: serde_json::to_string(&b.extra).map_err(io::Error::other)?,
        report: contents.report.clone(),
        plan: contents
            .plan
            .map(|(p, _)| (p.deletions.clone(), p.export_blocked)),
    };
    let mut size = 0;
    // Readable by no one the snapshot is not readable by.
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(snapshot)?.permissions().mode() & 0o666
    };
    #[cfg(not(unix))]
    let mode = 0o666;
    let replace = crate::atomic::Replace::Allowed;
    crate::atomic::write_with_mode(&path, replace, &[snapshot], mode, |out| {
        let mut w = Counting { out, written: 0 };
        let mut sections = Vec::new();
        w.out.write_all(MAGIC)?;
        w.written = MAGIC.len() as u64;
        w.put(Part::Head, &encode(&head)?, &mut sections)?;
        for chunk in b.on_premises.chunks(CHUNK) {
            w.put(Part::OnPrem, &encode(&objects::Out(chunk))?, &mut sections)?;
        }
        for chunk in b.cloud.chunks(CHUNK) {
            w.put(Part::Cloud, &encode(&objects::Out(chunk))?, &mut sections)?;
        }
        for table in contents.index.tables() {
            w.put(Part::Index, &encode(table)?, &mut sections)?;
        }
        if let Some((plan, record)) = contents.plan {
            for chunk in plan.outcomes.chunks(CHUNK) {
                w.put(Part::Outcomes, &encode(chunk)?, &mut sections)?;
            }
            if let Some(record) = record {
                w.put(Part::Record, &encode(record)?, &mut sections)?;
            }
        }
        let header = encode(&Header {
            format: FORMAT,
            source_id: SOURCE_ID.to_string(),
            stamps: before.clone(),
            content,
            options: options.clone(),
            on_premises: b.on_premises.len() as u64,
            cloud: b.cloud.len() as u64,
            sections,
        })?;
        w.out.write_all(&header)?;
        w.out.write_all(&(header.len() as u64).to_le_bytes())?;
        w.out.write_all(&xxh3_64(&header).to_le_bytes())?;
        w.out.write_all(MAGIC)?;
        size = w.written + header.len() as u64 + 16 + MAGIC.len() as u64;
        Ok(())
    })?;
    Ok((path, size))
}

fn stale(why: impl Into<String>) -> Miss {
    Miss::Stale(why.into())
}

/// Reads the header at the end of the file and checks it against this run.
fn header(file: &mut File, stamps: &Stamps, options: &ImportOptions) -> Result<Header, Miss> {
    let damaged = |what: &str| stale(format!("damaged: {what}"));
    let len = file.metadata().map_err(|_| damaged("unreadable"))?.len();
    let tail = (MAGIC.len() + 16) as u64;
    if len < tail + MAGIC.len() as u64 {
        return Err(damaged("too short"));
    }
    let mut start = [0u8; 16];
    let mut end = [0u8; 32];
    let read = |f: &mut File, at: u64, buf: &mut [u8]| {
        f.seek(SeekFrom::Start(at))?;
        f.read_exact(buf)
    };
    read(file, 0, &mut start).map_err(|_| damaged("unreadable"))?;
    read(file, len - tail, &mut end).map_err(|_| damaged("unreadable"))?;
    if &start != MAGIC || end[16..] != MAGIC[..] {
        return Err(damaged("not a whole syncscope cache"));
    }
    let header_len = u64::from_le_bytes(end[..8].try_into().expect("8 bytes"));
    let header_hash = u64::from_le_bytes(end[8..16].try_into().expect("8 bytes"));
    if header_len > len - tail - MAGIC.len() as u64 {
        return Err(damaged("header out of the file"));
    }
    let mut bytes = vec![0u8; header_len as usize];
    read(file, len - tail - header_len, &mut bytes).map_err(|_| damaged("unreadable"))?;
    if xxh3_64(&bytes) != header_hash {
        return Err(damaged("header hash"));
    }
    let h: Header = postcard::from_bytes(&bytes).map_err(|_| damaged("header"))?;
    if h.format != FORMAT || h.source_id != SOURCE_ID {
        return Err(stale("written by another version of syncscope"));
    }
    if h.options != *options {
        return Err(stale(
            "written with other --source-anchor or --included-ou options",
        ));
    }
    if h.stamps != *stamps {
        return Err(stale("the snapshot changed on disk since"));
    }
    let body_end = len - tail - header_len;
    if h.sections.iter().any(|s| {
        s.offset < MAGIC.len() as u64 || s.offset.checked_add(s.len).is_none_or(|e| e > body_end)
    }) {
        return Err(damaged("a section out of the file"));
    }
    Ok(h)
}

/// One section, decoded.
enum Decoded {
    Head(Head),
    OnPrem(Vec<Shared<OnPremObject>>),
    Cloud(Vec<Shared<CloudObject>>),
    Index(KeyMap),
    Outcomes(Vec<Arc<Outcome>>),
    Record(Record),
}

/// Reads and decodes one section. `buf` is the thread's one read buffer: sections come largest
/// first, so it is allocated once (a fresh 20–90 MiB buffer per section made glibc's allocator
/// consolidate its heap each time, a quarter of the read's CPU).
fn decode(cache: &Path, s: &Section, buf: &mut Vec<u8>) -> Result<Decoded, String> {
    let mut f = File::open(cache).map_err(|e| e.to_string())?;
    f.seek(SeekFrom::Start(s.offset))
        .map_err(|e| e.to_string())?;
    buf.resize(s.len as usize, 0);
    f.read_exact(buf).map_err(|e| e.to_string())?;
    if xxh3_64(buf) != s.hash {
        return Err(format!("{:?} section hash", s.part));
    }
    decode_bytes(s.part, buf)
}

fn decode_bytes(part: Part, bytes: &[u8]) -> Result<Decoded, String> {
    let err = |e: postcard::Error| format!("{part:?} section: {e}");
    Ok(match part {
        Part::Head => Decoded::Head(postcard::from_bytes(bytes).map_err(err)?),
        Part::OnPrem => {
            let objects::In(v) = postcard::from_bytes(bytes).map_err(err)?;
            Decoded::OnPrem(v)
        }
        Part::Cloud => {
            let objects::In(v) = postcard::from_bytes(bytes).map_err(err)?;
            Decoded::Cloud(v)
        }
        Part::Index => Decoded::Index(postcard::from_bytes(bytes).map_err(err)?),
        Part::Outcomes => Decoded::Outcomes(postcard::from_bytes(bytes).map_err(err)?),
        Part::Record => Decoded::Record(postcard::from_bytes(bytes).map_err(err)?),
    })
}

/// Decodes `bytes` as each kind of section in turn, bypassing the hashes that guard them in a
/// file: the fuzz target `cache` and the tests use it to show that no byte sequence makes a
/// decoder panic or allocate without bound.
#[doc(hidden)]
pub fn decode_any(bytes: &[u8]) -> usize {
    let parts = [
        Part::Head,
        Part::OnPrem,
        Part::Cloud,
        Part::Index,
        Part::Outcomes,
        Part::Record,
    ];
    parts
        .into_iter()
        .filter(|&part| decode_bytes(part, bytes).is_ok())
        .count()
}

/// Decodes `sections` of the cache at `path` on two threads, the largest first, while the second
/// thread first runs `beside` (the input's content hash). The decoded sections come back in the
/// order given, or the first failure.
fn decode_sections<R: Send>(
    path: &Path,
    sections: &[&Section],
    beside: impl FnOnce() -> R + Send,
) -> (R, Result<Vec<Decoded>, String>) {
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sections[i].len));
    let next = AtomicUsize::new(0);
    let work = |out: &mut Vec<(usize, Result<Decoded, String>)>| {
        let mut buf = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let d = decode(path, sections[i], &mut buf);
            let failed = d.is_err();
            out.push((i, d));
            if failed {
                // Stop the other thread early too: the cache is not used.
                next.store(order.len(), Ordering::Relaxed);
                break;
            }
        }
    };
    let (beside, mut decoded) = std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            let r = beside();
            let mut out = Vec::new();
            work(&mut out);
            (r, out)
        });
        let mut mine = Vec::new();
        work(&mut mine);
        let (r, theirs) = other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        mine.extend(theirs);
        (r, mine)
    });
    decoded.sort_by_key(|(i, _)| *i);
    let all = if decoded.len() == sections.len() {
        decoded.into_iter().map(|(_, d)| d).collect()
    } else {
        let why = decoded.into_iter().find_map(|(_, d)| d.err());
        Err(why.unwrap_or_else(|| "a section was not read".into()))
    };
    (beside, all)
}

/// Reads the cache of `snapshot` if it was made from the input as it is now, with these
/// options, by this build: the snapshot, its load report and its plan are decoded on two
/// threads while the input's content is hashed; a mismatch anywhere is a [`Miss`], never an
/// error (the caller loads the input). The index and the plan's what-if record are left
/// [`Pending`]: decoded when first needed, or made from the snapshot if their sections turn
/// out damaged then.
pub fn read(snapshot: &Path, options: &ImportOptions) -> Result<Cached, Miss> {
    let path = path_for(snapshot);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Miss::Absent),
        Err(e) => return Err(stale(format!("cannot read it: {e}"))),
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(stale("not a regular file"));
    }
    let stamps = Stamps::of(snapshot).map_err(|e| stale(format!("the snapshot: {e}")))?;
    let h = header(&mut file, &stamps, options)?;
    drop(file);
    let now: Vec<&Section> = (h.sections.iter())
        .filter(|s| !matches!(s.part, Part::Index | Part::Record))
        .collect();
    let (content, decoded) = decode_sections(&path, &now, || stamps.content_hash(snapshot));
    match content {
        Ok(c) if c == h.content => {}
        Ok(_) => return Err(stale("the snapshot's content changed since")),
        Err(e) => return Err(stale(format!("the snapshot: {e}"))),
    }
    let decoded = decoded.map_err(|why| stale(format!("damaged: {why}")))?;
    let (bundle, report, plan) = assemble(&h, decoded)?;
    // The fallbacks share the snapshot the session gets. (A copy of its 2M object pointers
    // cost 50-100 ms of the open at 1M objects: each copy touches its object's count.)
    let bundle = Arc::new(bundle);
    let index = pending_index(&path, &h, &bundle);
    let record = (h.sections.iter().find(|s| s.part == Part::Record))
        .filter(|_| plan.is_some())
        .map(|s| pending_record(&path, s, &bundle, &index));
    Ok(Cached {
        bundle,
        report,
        index,
        plan,
        record,
        stamps: h.stamps,
    })
}

/// The index, decoded from its tables when first needed; built from the snapshot if they do not
/// decode then (the cache file was replaced or damaged since it was opened).
fn pending_index(path: &Path, h: &Header, bundle: &Arc<Bundle>) -> Pending<CloudIndex> {
    let (path, bundle) = (path.to_path_buf(), Arc::clone(bundle));
    let sections: Vec<Section> = (h.sections.iter())
        .filter(|s| s.part == Part::Index)
        .cloned()
        .collect();
    Pending::later(move || {
        let refs: Vec<&Section> = sections.iter().collect();
        let tables = decode_sections(&path, &refs, || ()).1.map(|d| {
            d.into_iter()
                .filter_map(|d| match d {
                    Decoded::Index(t) => Some(t),
                    _ => None,
                })
                .collect::<Vec<KeyMap>>()
        });
        match tables.map(<[KeyMap; TABLES]>::try_from) {
            Ok(Ok(tables)) => CloudIndex::from_tables(tables),
            _ => CloudIndex::build(&bundle),
        }
    })
}

/// The plan's what-if record, decoded when first needed; made again by planning the snapshot
/// under its own configuration if it does not decode then or does not fit.
fn pending_record(
    path: &Path,
    section: &Section,
    bundle: &Arc<Bundle>,
    index: &Pending<CloudIndex>,
) -> Pending<Record> {
    let (path, section, bundle) = (path.to_path_buf(), section.clone(), Arc::clone(bundle));
    let index = index.clone();
    Pending::later(move || match decode(&path, &section, &mut Vec::new()) {
        Ok(Decoded::Record(r)) if r.len() == bundle.on_premises.len() => r,
        _ => {
            let c = crate::config::Config::of(&bundle);
            crate::plan::plan_recorded(&bundle, index.get(), &c.settings, &c.connect).1
        }
    })
}

/// Puts the sections read at once together, in file order.
fn assemble(h: &Header, decoded: Vec<Decoded>) -> Result<(Bundle, LoadReport, Option<Plan>), Miss> {
    let damaged = |what: String| stale(format!("damaged: {what}"));
    let mut head = None;
    let mut on_premises = Vec::with_capacity(h.on_premises as usize);
    let mut cloud = Vec::with_capacity(h.cloud as usize);
    let mut outcomes = Vec::new();
    for d in decoded {
        match d {
            Decoded::Head(x) => head = Some(x),
            Decoded::OnPrem(v) => on_premises.extend(v),
            Decoded::Cloud(v) => cloud.extend(v),
            Decoded::Outcomes(v) => outcomes.extend(v),
            Decoded::Index(_) | Decoded::Record(_) => {}
        }
    }
    let Some(head) = head else {
        return Err(damaged("a section is missing".into()));
    };
    if on_premises.len() as u64 != h.on_premises || cloud.len() as u64 != h.cloud {
        return Err(damaged("object counts".into()));
    }
    let extra = serde_json::from_str(&head.extra).map_err(|e| damaged(e.to_string()))?;
    let plan = match head.plan {
        Some((deletions, export_blocked)) => {
            // Every index an outcome holds points into the bundle (checked once here, so a
            // damaged cache that passed its hashes still cannot make a lookup panic later).
            let n = (on_premises.len(), cloud.len());
            let fits = outcomes.len() == n.0
                && outcomes.iter().enumerate().all(|(i, o)| {
                    o.on_prem as usize == i
                        && o.cloud.is_none_or(|c| (c as usize) < n.1)
                        && o.conflicting_on_prem.is_none_or(|c| (c as usize) < n.0)
                        && o.quarantined.iter().all(|q| match q.conflicts_with {
                            Holder::Cloud(c) => (c as usize) < n.1,
                            Holder::OnPrem(c) => (c as usize) < n.0,
                        })
                })
                && deletions.iter().all(|&c| (c as usize) < n.1);
            if !fits {
                return Err(damaged("the plan does not fit the snapshot".into()));
            }
            Some(Plan {
                outcomes,
                deletions,
                export_blocked,
            })
        }
        None => None,
    };
    let bundle = Bundle {
        tenant: Tenant {
            initial_domain: head.initial_domain,
            domains: (head.domains.into_iter())
                .map(|(id, authentication_type, is_verified)| Domain {
                    id,
                    authentication_type,
                    is_verified,
                })
                .collect(),
        },
        settings: head.settings,
        connect: ConnectSettings {
            source_anchor: head.source_anchor,
            included_ous: head.included_ous,
            deletion_threshold: head.deletion_threshold,
        },
        on_premises,
        cloud,
        captured_date_time: head.captured_date_time,
        extra,
    };
    Ok((bundle, head.report, plan))
}

/// How a run used the cache.
#[derive(Debug)]
pub enum Use {
    /// Not asked for (`--cache` not given).
    Off,
    /// The snapshot came from its cache, at this path.
    Read(PathBuf),
    /// The cache could not be used (why); the input was loaded. `stamps`: the input as it was
    /// before the load (`None` when it could not be read), for [`Opened::write_cache`].
    Missed { why: Miss, stamps: Option<Stamps> },
}

/// A snapshot opened for a [`Session`](crate::session::Session).
#[derive(Debug)]
pub struct Opened {
    pub session: crate::session::Session,
    pub report: LoadReport,
    /// The snapshot's settings as loaded (before the run's `--set` overrides).
    pub settings: Settings,
    pub cache: Use,
}

/// Opens a snapshot: from its cache when `cache` is asked for and the cache is current, else
/// from the input. `accept` sees the load report before anything is planned (the caller's
/// partial-load rule, interfaces §7); `what_if` keeps the plan's record (the explorer).
pub fn open(
    snapshot: &Path,
    options: &ImportOptions,
    cache: bool,
    overrides: &[(crate::settings::Setting, bool)],
    what_if: bool,
    accept: impl FnOnce(&LoadReport) -> Result<(), crate::error::InputError>,
) -> Result<Opened, crate::error::InputError> {
    use crate::session::Session;
    let mut used = Use::Off;
    if cache {
        match read(snapshot, options) {
            Ok(cached) => {
                accept(&cached.report)?;
                let (report, settings) = (cached.report.clone(), cached.bundle.settings);
                // A cache the command line wrote has no what-if record: the explorer makes one
                // and writes the cache again with it.
                let cache = if what_if && cached.record.is_none() {
                    Use::Missed {
                        why: stale("it holds no what-if record"),
                        stamps: Some(cached.stamps.clone()),
                    }
                } else {
                    Use::Read(path_for(snapshot))
                };
                return Ok(Opened {
                    session: Session::open_cached(cached, overrides, what_if),
                    report,
                    settings,
                    cache,
                });
            }
            Err(why) => {
                let stamps = Stamps::of(snapshot).ok();
                used = Use::Missed { why, stamps };
            }
        }
    }
    let loaded = crate::import::load_snapshot(snapshot, options)?;
    accept(&loaded.report)?;
    let settings = loaded.bundle.settings;
    let session = if what_if {
        Session::open_for_what_if(loaded.bundle, overrides)
    } else {
        Session::open(loaded.bundle, overrides)
    };
    Ok(Opened {
        session,
        report: loaded.report,
        settings,
        cache: used,
    })
}

impl Opened {
    /// Writes the cache when this run asked for it and could not use it. `None`: nothing to
    /// write; else where it went and its size, or why it was not written.
    pub fn write_cache(
        &self,
        snapshot: &Path,
        options: &ImportOptions,
    ) -> Option<io::Result<(PathBuf, u64)>> {
        let Use::Missed { stamps, .. } = &self.cache else {
            return None;
        };
        let Some(stamps) = stamps else {
            return Some(Err(io::Error::other(
                "the snapshot's files could not be read",
            )));
        };
        let contents = self.session.cache_contents(self.settings, &self.report);
        Some(write(snapshot, options, stamps, contents))
    }
}

#[cfg(test)]
mod tests;
