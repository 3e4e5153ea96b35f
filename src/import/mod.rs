//! Loading real exports: a folder of `ldifde` / `ldapsearch` / `ldbsearch` LDIF, `csvde` CSV,
//! PowerShell `Export-Csv` / `ConvertTo-Json` of AD objects and Microsoft Graph JSON, plus a small
//! `connect.json`, turned into the same [`Bundle`] a snapshot file holds.
//!
//! Each file's format is detected from its content (not its name). Problems that make a whole
//! file unreadable (a truncated JSON document, an encoding that is not UTF-8/UTF-16) are an
//! [`InputError`] naming the file and line; an object that cannot be used is listed in the
//! [`LoadReport`] with the reason, never dropped silently. Memory stays bounded: lines are read
//! with a maximum length and JSON arrays are read element by element.

pub mod connect;
pub mod csvde;
pub mod graph;
mod graph_check;
pub mod ldif;
pub mod powershell;

mod json;
mod record;
mod report;
mod sniff;
mod text;
pub(crate) mod unique;

use crate::error::InputError;
use crate::model::*;
use crate::settings::{Setting, Settings};
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use text::TextFile;
use uuid::Uuid;

/// The whole text of a small file in any encoding an export uses (UTF-8 with or without a BOM,
/// UTF-16 LE/BE with or without one), for readers outside the folder loader (the hardmatch CSV).
pub fn decode_text(label: &str, bytes: &[u8]) -> Result<String, InputError> {
    let mut file = TextFile::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), label)?;
    let mut text = String::new();
    file.reader.read_to_string(&mut text).map_err(|e| {
        InputError::new(
            label,
            "",
            format!("not text in UTF-8 or UTF-16 (save it with -Encoding UTF8): {e}"),
        )
    })?;
    Ok(text)
}

/// The bytes of a regular file: a FIFO, socket or device is refused rather than read (a FIFO
/// would block forever).
pub fn read_regular_file(path: &Path, label: &str, what: &str) -> Result<Vec<u8>, InputError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| InputError::new(label, "", format!("cannot read {what}: {e}")))?;
    if !meta.is_file() {
        return Err(InputError::new(
            label,
            "",
            format!("not a regular file (a folder, FIFO, socket or device); expected {what}"),
        ));
    }
    std::fs::read(path).map_err(|e| InputError::new(label, "", format!("cannot read {what}: {e}")))
}

/// The delimiter of a CSV file from its header: `,`, `;` (Export-Csv -UseCulture) or tab.
pub fn csv_delimiter(head: &[u8]) -> char {
    sniff::csv_delimiter(head)
}

/// Command-line overrides of `connect.json` (and of a bundle's `connect` section).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImportOptions {
    pub source_anchor: Option<SourceAnchorAttribute>,
    pub included_ous: Option<Vec<String>>,
}

/// One thing the load report says about a file: a warning or an object that was skipped.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LoadIssue {
    pub file: String,
    /// `line N`, a JSON path (`value[3].onPremisesImmutableId`), or empty for the whole file.
    pub position: String,
    pub message: String,
}

/// Shown through the display sanitizer (file names and values are untrusted).
impl fmt::Display for LoadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let safe = crate::sanitize::display_safe;
        if self.position.is_empty() {
            write!(f, "{}: {}", safe(&self.file), safe(&self.message))
        } else {
            write!(
                f,
                "{}: {}: {}",
                safe(&self.file),
                safe(&self.position),
                safe(&self.message)
            )
        }
    }
}

/// What a load read, and everything it could not use.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    /// Each file read: its name, the format detected, and the number of objects it gave
    /// (directory objects; for role, domain and settings exports, the entries read).
    pub files: Vec<(String, String, usize)>,
    pub warnings: Vec<LoadIssue>,
    /// Objects that could not be used, with the reason.
    pub skipped: Vec<LoadIssue>,
    /// Data that should have been used and could not, beyond single objects: a truncated file,
    /// a Graph export missing properties the rules need, an incomplete page set (interfaces §7).
    pub incomplete: Vec<LoadIssue>,
    /// Entries of kinds syncscope does not plan (computers, OUs, containers, foreign security
    /// principals …): counted, and they do not make the load partial (interfaces §7).
    pub ignored: Vec<LoadIssue>,
}

impl LoadReport {
    /// Adds the report of the next file.
    fn append(&mut self, other: LoadReport) {
        let LoadReport {
            files,
            warnings,
            skipped,
            incomplete,
            ignored,
        } = other;
        self.files.extend(files);
        self.warnings.extend(warnings);
        self.skipped.extend(skipped);
        self.incomplete.extend(incomplete);
        self.ignored.extend(ignored);
    }

    /// One line for a status bar: files, objects, warnings, skipped.
    pub fn summary(&self) -> String {
        format!(
            "{} file{} read; {} warning{}, {} object{} skipped",
            self.files.len(),
            plural(self.files.len()),
            self.warnings.len(),
            plural(self.warnings.len()),
            self.skipped.len(),
            plural(self.skipped.len()),
        ) + &self.summary_tail()
    }

    /// Nothing to tell: no warning, no skipped object, nothing incomplete or ignored.
    pub fn is_clean(&self) -> bool {
        self.warnings.is_empty()
            && self.skipped.is_empty()
            && self.incomplete.is_empty()
            && self.ignored.is_empty()
    }

    fn warn(&mut self, file: &str, position: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(LoadIssue {
            file: file.to_string(),
            position: position.into(),
            message: message.into(),
        });
    }

    fn skip(&mut self, file: &str, position: impl Into<String>, message: impl Into<String>) {
        self.skipped.push(LoadIssue {
            file: file.to_string(),
            position: position.into(),
            message: message.into(),
        });
    }

    fn incomplete(&mut self, file: &str, position: impl Into<String>, message: impl Into<String>) {
        self.incomplete.push(LoadIssue {
            file: file.to_string(),
            position: position.into(),
            message: message.into(),
        });
    }

    fn ignore(&mut self, file: &str, position: impl Into<String>, message: impl Into<String>) {
        self.ignored.push(LoadIssue {
            file: file.to_string(),
            position: position.into(),
            message: message.into(),
        });
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for (file, format, n) in &self.files {
            let (file, format) = (
                crate::sanitize::display_safe(file),
                crate::sanitize::display_safe(format),
            );
            writeln!(f, "  {file}: {format}, {n} read")?;
        }
        if !self.warnings.is_empty() {
            writeln!(f, "Warnings:")?;
            for w in &self.warnings {
                writeln!(f, "  {w}")?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(f, "Skipped objects:")?;
            for s in &self.skipped {
                writeln!(f, "  {s}")?;
            }
        }
        if !self.incomplete.is_empty() {
            writeln!(f, "Not read completely:")?;
            for s in &self.incomplete {
                writeln!(f, "  {s}")?;
            }
        }
        if !self.ignored.is_empty() {
            writeln!(f, "Ignored (kinds syncscope does not plan):")?;
            for s in &self.ignored {
                writeln!(f, "  {s}")?;
            }
        }
        Ok(())
    }
}

/// A snapshot and what loading it found.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub bundle: Bundle,
    pub report: LoadReport,
}

/// Loads a SNAPSHOT: a bundle file, or a folder of exports.
pub fn load_snapshot(path: &Path, opts: &ImportOptions) -> Result<Loaded, InputError> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| InputError::new(&label, "", format!("cannot read the snapshot: {e}")))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if crate::atomic::is_partial_temp(&name) {
        return Err(InputError::new(
            &label,
            "",
            "a temporary file left by an interrupted syncscope write, not a snapshot; delete it",
        ));
    }
    if meta.is_file() && crate::cache::is_cache_name(&name) {
        return Err(InputError::new(
            &label,
            "",
            "a syncscope cache, not a snapshot: open the snapshot it was made from (the name without \
             .syncscope-cache) with --cache",
        ));
    }
    if !meta.is_dir() && !meta.is_file() {
        return Err(InputError::new(
            &label,
            "",
            "not a regular file (a FIFO, socket or device); expected a bundle file or a folder of exports",
        ));
    }
    if meta.is_dir() {
        load_folder(path, &label, opts)
    } else {
        load_bundle_file(path, &label, opts)
    }
}

fn load_bundle_file(path: &Path, label: &str, opts: &ImportOptions) -> Result<Loaded, InputError> {
    let mut file = TextFile::open(path, label)?;
    match detect(&file.head) {
        Format::Json => {}
        Format::Ldif | Format::Csv => {
            return Err(InputError::new(
                label,
                "line 1",
                "this is an Active Directory export, which holds only the on-prem side; put it in a folder \
                 with the Microsoft Graph exports and connect.json and open the folder (see docs/importing.md)",
            ));
        }
        Format::Unknown(why) => {
            return Err(InputError::new(
                label,
                "line 1",
                format!("expected a snapshot bundle (JSON) or a folder of exports; {why}"),
            ));
        }
    }
    if json::looks_like_export(&file.head) {
        return Err(InputError::new(
            label,
            "line 1",
            "expected a bundle object ({\"tenant\": …, \"onPremises\": …, \"cloud\": …}); this is a Microsoft Graph \
             or PowerShell export, not a snapshot bundle: put it in a folder with the other exports and open the folder (see docs/importing.md)",
        ));
    }
    // Read a block at a time (the whole text is never held); read whole again only when the
    // block reader cannot take it for certain, which then says where the input is wrong.
    let mut bundle = crate::bundle::read_bundle(label, &mut *file.reader, || {
        let mut bytes = Vec::new();
        TextFile::open(path, label)?
            .reader
            .read_to_end(&mut bytes)
            .map_err(|e| text::io_error(label, e))?;
        Ok(bytes)
    })?;
    let mut report = LoadReport::default();
    for (i, id) in crate::bundle::opaque_immutable_ids(&bundle) {
        let message = crate::bundle::opaque_immutable_id_message(&bundle.cloud[i], id);
        report.warn(label, format!("cloud[{i}].onPremisesImmutableId"), message);
    }
    apply_overrides(&mut bundle.connect, opts, label, &mut report);
    report.files.push((
        label.to_string(),
        "snapshot bundle".into(),
        bundle.on_premises.len() + bundle.cloud.len(),
    ));
    Ok(Loaded { bundle, report })
}

/// Where an object or setting was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: String,
    pub position: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position.is_empty() {
            f.write_str(&self.file)
        } else {
            write!(f, "{} {}", self.file, self.position)
        }
    }
}

/// A directory role held by a principal, assigned or eligible (M3 hardening, M6).
#[derive(Clone, Debug)]
pub(crate) struct RoleGrant {
    pub principal: Uuid,
    /// `@odata.type` of the member when the export says it.
    pub principal_type: Option<String>,
    pub role: String,
    pub eligible: bool,
    pub origin: Origin,
}

/// `/directory/onPremisesSynchronization`: tenant features and the deletion threshold.
#[derive(Clone, Debug, Default)]
pub(crate) struct SyncExport {
    pub features: Vec<(Setting, bool)>,
    pub deletion_threshold: Option<u32>,
}

/// `connect.json`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ConnectFile {
    pub source_anchor: Option<SourceAnchorAttribute>,
    /// `Some(None)`: `includedOUs: null`, the whole directory.
    pub included_ous: Option<Option<Vec<String>>>,
    pub deletion_threshold: Option<u32>,
    pub captured_date_time: Option<String>,
    /// Rule-book switches (`simulation`) and tenant features (`features`) given by hand.
    pub settings: Vec<(Setting, bool)>,
}

/// Everything read from the files of a folder, before it is put together.
#[derive(Default)]
pub(crate) struct Harvest {
    pub on_prem: Vec<(OnPremObject, Origin)>,
    pub cloud: Vec<(CloudObject, Origin)>,
    pub roles: Vec<RoleGrant>,
    pub domains: Vec<(Domain, bool, Origin)>,
    pub sync: Vec<(SyncExport, Origin)>,
    pub connect: Vec<(ConnectFile, Origin)>,
    /// Role exports seen (so a tenant without any role holder is not reported as unexported).
    pub role_exports: usize,
    /// Role definitions with isPrivileged (M3), written to the bundle's `roleDefinitions`.
    pub role_definitions: Vec<serde_json::Value>,
    /// Each Graph page read: its collection (`@odata.context` path), its `@odata.nextLink`.
    pub pages: Vec<(String, Option<String>, Origin)>,
}

impl Harvest {
    /// Adds the harvest of the next file.
    fn append(&mut self, other: Harvest) {
        // Destructured, so a new field cannot be forgotten here.
        let Harvest {
            on_prem,
            cloud,
            roles,
            domains,
            sync,
            connect,
            role_exports,
            role_definitions,
            pages,
        } = other;
        self.on_prem.extend(on_prem);
        self.cloud.extend(cloud);
        self.roles.extend(roles);
        self.domains.extend(domains);
        self.sync.extend(sync);
        self.connect.extend(connect);
        self.role_exports += role_exports;
        self.role_definitions.extend(role_definitions);
        self.pages.extend(pages);
    }

    fn objects(&self) -> usize {
        self.on_prem.len() + self.cloud.len()
    }

    /// Everything read so far: objects, domains, role grants, settings documents.
    fn items(&self) -> usize {
        self.objects()
            + self.domains.len()
            + self.roles.len()
            + self.sync.len()
            + self.connect.len()
            + self.role_definitions.len()
    }
}

/// The file being read and the report it writes to.
pub(crate) struct FileCtx<'a> {
    pub file: &'a str,
    pub report: &'a mut LoadReport,
}

impl FileCtx<'_> {
    pub(crate) fn warn(&mut self, position: impl Into<String>, message: impl Into<String>) {
        self.report.warn(self.file, position, message);
    }

    pub(crate) fn skip(&mut self, position: impl Into<String>, message: impl Into<String>) {
        self.report.skip(self.file, position, message);
    }

    /// Data of this file that should have been used and could not (makes the load partial).
    pub(crate) fn incomplete(&mut self, position: impl Into<String>, message: impl Into<String>) {
        self.report.incomplete(self.file, position, message);
    }

    /// An entry of a kind syncscope does not plan (counted; the load stays whole).
    pub(crate) fn ignore(&mut self, position: impl Into<String>, message: impl Into<String>) {
        self.report.ignore(self.file, position, message);
    }

    pub(crate) fn origin(&self, position: impl Into<String>) -> Origin {
        Origin {
            file: self.file.to_string(),
            position: position.into(),
        }
    }
}

/// A file's format, from its first bytes.
#[derive(Debug, PartialEq)]
pub(crate) enum Format {
    Ldif,
    Csv,
    Json,
    Unknown(String),
}

pub(crate) fn detect(head: &[u8]) -> Format {
    if head.contains(&0) {
        return Format::Unknown("binary content, not a text export".into());
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Format::Unknown("the file is empty".into());
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Format::Json;
    }
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') && !line.starts_with("#TYPE") {
            continue;
        }
        if line.starts_with(' ') {
            // The continuation of a folded comment.
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("dn:") || lower.starts_with("version:") {
            return Format::Ldif;
        }
        if line.starts_with("#TYPE") {
            return Format::Csv;
        }
        let header: Vec<String> = line
            .split(sniff::csv_delimiter(head))
            .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        if header.len() > 1
            && header
                .iter()
                .any(|h| h == "dn" || h == "distinguishedname" || h == "objectguid")
        {
            return Format::Csv;
        }
        let shown: String = line.chars().take(60).collect();
        return Format::Unknown(format!(
            "not LDIF, CSV or JSON (the first line is {shown:?})"
        ));
    }
    Format::Unknown("only comments and blank lines".into())
}

fn load_folder(folder: &Path, label: &str, opts: &ImportOptions) -> Result<Loaded, InputError> {
    load_folder_with(folder, label, opts, READ_THREADS)
}

/// An entry of a folder: a file to read (path, label), or one not read (label, why).
type Slot = Result<(PathBuf, String), (String, &'static str)>;

/// What reading one export file gives.
type FileRead = Result<(Harvest, LoadReport), InputError>;

/// Files of a folder read at once: the machines this runs on have two cores.
const READ_THREADS: usize = 2;

fn load_folder_with(
    folder: &Path,
    label: &str,
    opts: &ImportOptions,
    threads: usize,
) -> Result<Loaded, InputError> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)
        .map_err(|e| InputError::new(label, "", format!("cannot list the folder: {e}")))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut report = LoadReport::default();
    // What the folder holds, in name order: the files to read, and the entries not read with the
    // warning each gets (nothing is skipped silently).
    let mut slots: Vec<Slot> = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let file_label = path.display().to_string();
        let skip = if crate::atomic::is_partial_temp(&name) {
            Some(
                "a temporary file left by an interrupted syncscope write (killed while writing); not read — delete it",
            )
        } else if crate::cache::is_cache_name(&name) {
            Some("a syncscope cache (--cache) of the snapshot of that name; not read as an export")
        } else if name.starts_with('.') {
            // .DS_Store, a hidden editor file …
            Some("a hidden file; not read")
        } else if std::fs::metadata(&path)
            .map(|m| m.file_type())
            .is_ok_and(|k| !k.is_dir() && !k.is_file())
        {
            // Only regular files are opened: a FIFO would block the load, a device never end.
            Some("not a regular file (a FIFO, socket or device); not read")
        } else if path.is_dir() {
            Some("a subfolder; only the files directly in the snapshot folder are read")
        } else {
            None
        };
        slots.push(match skip {
            Some(why) => Err((file_label, why)),
            None => Ok((path, file_label)),
        });
    }
    let files: Vec<(&Path, &str)> = slots
        .iter()
        .filter_map(|s| s.as_ref().ok())
        .map(|(p, l)| (p.as_path(), l.as_str()))
        .collect();
    let mut read = read_exports(&files, threads).into_iter();
    // Put together in name order, so the bundle, the report and the first error are those of
    // reading the files one after the other.
    let mut harvest = Harvest::default();
    for slot in &slots {
        match slot {
            Err((file_label, why)) => report.warn(file_label, "", *why),
            Ok(_) => {
                let (h, r) = read.next().expect("one result per file")?;
                harvest.append(h);
                report.append(r);
            }
        }
    }
    if harvest.objects() == 0 && harvest.domains.is_empty() {
        return Err(InputError::new(
            label,
            "",
            format!(
                "no export syncscope can read in this folder ({}); expected LDIF, csvde or Export-Csv CSV, \
                 ConvertTo-Json or Microsoft Graph JSON files (see docs/importing.md)",
                report
                    .warnings
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    // A4 (r2): opaque cloud ImmutableIDs load, and are named.
    for (c, origin) in &harvest.cloud {
        if let Some(id) = c.on_premises_immutable_id.as_deref()
            && crate::anchor::Anchor::parse_immutable_id(id).is_err()
        {
            let message = crate::bundle::opaque_immutable_id_message(c, id);
            report.warn(&origin.file, origin.position.clone(), message);
        }
    }
    let bundle = assemble(harvest, opts, label, &mut report)?;
    Ok(Loaded { bundle, report })
}

/// Each file's harvest and report, in the order given, read on up to `threads` threads (the
/// readers are independent: each only appends to its own harvest). The largest files are started
/// first, so one big export does not start last.
fn read_exports(files: &[(&Path, &str)], threads: usize) -> Vec<FileRead> {
    let read_one = |(path, label): (&Path, &str)| {
        let mut harvest = Harvest::default();
        let mut report = LoadReport::default();
        read_export(path, label, &mut harvest, &mut report).map(|()| (harvest, report))
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(threads)
        .min(files.len());
    if threads <= 1 {
        return files.iter().map(|f| read_one(*f)).collect();
    }
    let mut order: Vec<usize> = (0..files.len()).collect();
    let size = |i: &usize| std::fs::metadata(files[*i].0).map_or(0, |m| m.len());
    order.sort_by_key(|i| std::cmp::Reverse(size(i)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<FileRead>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let r = read_one(files[i]);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every file is read")
        })
        .collect()
}

/// Reads the bytes of one export file as the folder loader reads a file of that name (format
/// detection, every reader), then puts it together as a folder of that one file would be.
/// Objects read and the report; for the fuzz targets and the property tests of the readers.
pub fn read_export_bytes(name: &str, bytes: &[u8]) -> Result<(usize, LoadReport), InputError> {
    let mut report = LoadReport::default();
    let mut harvest = Harvest::default();
    let file = TextFile::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), name)?;
    read_text_export(file, name, name, &mut harvest, &mut report)?;
    let objects = harvest.objects();
    if objects > 0 || !harvest.domains.is_empty() {
        // Errors here (no initial domain) are the folder's, not the reader's.
        let _ = assemble(harvest, &ImportOptions::default(), name, &mut report);
    }
    Ok((objects, report))
}

/// Reads one file of a folder into the harvest and records it in the report.
fn read_export(
    path: &Path,
    label: &str,
    harvest: &mut Harvest,
    report: &mut LoadReport,
) -> Result<(), InputError> {
    let file = TextFile::open(path, label)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    read_text_export(file, &name, label, harvest, report)
}

fn read_text_export(
    file: TextFile,
    name: &str,
    label: &str,
    harvest: &mut Harvest,
    report: &mut LoadReport,
) -> Result<(), InputError> {
    let encoding = file.encoding;
    let before = harvest.items();
    if let Some(why) = sniff::not_an_export(name, &file.head) {
        report.warn(label, "", why);
        report
            .files
            .push((label.to_string(), "not an export".into(), 0));
        return Ok(());
    }
    let format = detect(&file.head);
    let mut ctx = FileCtx {
        file: label,
        report,
    };
    let name = match format {
        Format::Ldif => ldif::read(file, &mut ctx, harvest)?,
        Format::Csv => csvde::read(file, &mut ctx, harvest)?,
        Format::Json => json::read(file, &mut ctx, harvest)?,
        Format::Unknown(why) => {
            ctx.warn("", format!("not read: {why}"));
            "unknown format".to_string()
        }
    };
    let name = match encoding {
        text::Encoding::Utf8 => name,
        e => format!("{name}, {}", e.describe()),
    };
    report
        .files
        .push((label.to_string(), name, harvest.items() - before));
    Ok(())
}

fn apply_overrides(
    connect: &mut ConnectSettings,
    opts: &ImportOptions,
    label: &str,
    report: &mut LoadReport,
) {
    if let Some(a) = opts.source_anchor {
        if a != connect.source_anchor {
            report.warn(
                label,
                "",
                format!(
                    "sourceAnchor {} from the command line replaces {}",
                    a.as_str(),
                    connect.source_anchor.as_str()
                ),
            );
        }
        connect.source_anchor = a;
    }
    if let Some(ous) = &opts.included_ous {
        connect.included_ous = Some(ous.clone());
    }
}

/// Puts the harvest of a folder together into a bundle: duplicates refused, roles attached,
/// settings taken from connect.json, onPremisesSynchronization and the command line.
fn assemble(
    h: Harvest,
    opts: &ImportOptions,
    folder: &str,
    report: &mut LoadReport,
) -> Result<Bundle, InputError> {
    let mut role_definitions = serde_json::Map::new();
    if !h.role_definitions.is_empty() {
        role_definitions.insert(
            "roleDefinitions".into(),
            serde_json::Value::Array(h.role_definitions.clone()),
        );
    }
    // ---- settings -----------------------------------------------------------------------------
    let mut settings = Settings::default();
    let mut connect = ConnectSettings::default();
    let mut captured_date_time = None;
    if h.sync.is_empty() {
        report.warn(
            folder,
            "",
            "no /directory/onPremisesSynchronization export: the tenant features take a new tenant's defaults",
        );
    }
    for (sync, _) in &h.sync {
        for &(s, v) in &sync.features {
            settings.set(s, v);
        }
        if let Some(t) = sync.deletion_threshold {
            connect.deletion_threshold = t;
        }
    }
    if h.connect.len() > 1 {
        let places: Vec<String> = h.connect.iter().map(|(_, o)| o.to_string()).collect();
        report.warn(
            folder,
            "",
            format!(
                "more than one connect.json ({}); later files override earlier ones",
                places.join(", ")
            ),
        );
    }
    if h.connect.is_empty() && (opts.source_anchor.is_none() || opts.included_ous.is_none()) {
        report.warn(
            folder,
            "",
            "no connect.json: assumed sourceAnchor mS-DS-ConsistencyGuid and the whole directory in scope \
             unless given on the command line",
        );
    }
    for (c, _) in &h.connect {
        if let Some(a) = c.source_anchor {
            connect.source_anchor = a;
        }
        if let Some(ous) = &c.included_ous {
            connect.included_ous = ous.clone();
        }
        if let Some(t) = c.deletion_threshold {
            connect.deletion_threshold = t;
        }
        if c.captured_date_time.is_some() {
            captured_date_time = c.captured_date_time.clone();
        }
        for &(s, v) in &c.settings {
            settings.set(s, v);
        }
    }
    apply_overrides(&mut connect, opts, folder, report);

    // ---- on-prem objects ----------------------------------------------------------------------
    let mut on_premises: Vec<Shared<OnPremObject>> = Vec::with_capacity(h.on_prem.len());
    let mut by_guid: HashMap<Uuid, Origin> = HashMap::new();
    let mut by_dn: HashMap<String, (Uuid, Origin)> = HashMap::new();
    for (o, origin) in h.on_prem {
        if let Some(first) = by_guid.get(&o.object_guid) {
            report.skip(
                &origin.file,
                &origin.position,
                format!(
                    "{}: duplicate objectGUID {} (also at {first}); the first is used",
                    o.distinguished_name, o.object_guid
                ),
            );
            continue;
        }
        let dn_key = normalise_dn(&o.distinguished_name);
        if let Some((guid, first)) = by_dn.get(&dn_key) {
            report.skip(
                &origin.file,
                &origin.position,
                format!(
                    "{}: duplicate distinguishedName (also at {first}, objectGUID {guid}); a DN names one object, the first is used",
                    o.distinguished_name
                ),
            );
            continue;
        }
        by_guid.insert(o.object_guid, origin.clone());
        by_dn.insert(dn_key, (o.object_guid, origin));
        on_premises.push(Shared::new(o));
    }

    // ---- cloud objects ------------------------------------------------------------------------
    let mut cloud: Vec<Shared<CloudObject>> = Vec::with_capacity(h.cloud.len());
    let mut by_id: HashMap<Uuid, (usize, Origin)> = HashMap::new();
    for (c, origin) in h.cloud {
        if let Some((_, first)) = by_id.get(&c.id) {
            report.skip(
                &origin.file,
                &origin.position,
                format!(
                    "{} ({}): duplicate id {} (also at {first}); the first is used",
                    c.name(),
                    c.object_type.as_str(),
                    c.id
                ),
            );
            continue;
        }
        by_id.insert(c.id, (cloud.len(), origin));
        cloud.push(Shared::new(c));
    }
    if on_premises.is_empty() {
        report.warn(
            folder,
            "",
            "no Active Directory export (LDIF, CSV or ConvertTo-Json): the on-prem side is empty",
        );
    }
    if cloud.is_empty() {
        report.warn(
            folder,
            "",
            "no Microsoft Graph users, groups or contacts: the cloud side is empty",
        );
    }

    // ---- saved pages: is the last page there? ----------------------------------------------
    let mut collections: Vec<&str> = h.pages.iter().map(|(k, _, _)| k.as_str()).collect();
    collections.sort_unstable();
    collections.dedup();
    for key in collections {
        let pages: Vec<&(String, Option<String>, Origin)> =
            h.pages.iter().filter(|(k, _, _)| k == key).collect();
        if let Some((_, next, origin)) = pages
            .last()
            .filter(|_| pages.iter().all(|(_, n, _)| n.is_some()))
        {
            report.incomplete(
                &origin.file,
                &origin.position,
                format!(
                    "{key}: every saved page has an @odata.nextLink, so the last page is missing and the export is incomplete; \
                     save the page at {} too (see docs/importing.md)",
                    next.as_deref().unwrap_or("")
                ),
            );
        }
    }

    // ---- directory roles (M3 hardening, M6) ---------------------------------------------------
    if h.role_exports == 0 && !cloud.is_empty() {
        report.warn(
            folder,
            "",
            "no directoryRoles export: role holders are unknown, so the admin-role rules (M3, M6) see no roles",
        );
    }
    for g in h.roles {
        match by_id.get(&g.principal) {
            Some(&(i, _)) => {
                let roles = if g.eligible {
                    &mut cloud[i].eligible_directory_roles
                } else {
                    &mut cloud[i].directory_roles
                };
                if !roles.iter().any(|r| *r == g.role) {
                    roles.push(g.role.into());
                }
            }
            None => {
                let kind = g.principal_type.as_deref().unwrap_or("");
                if kind.ends_with("servicePrincipal") {
                    continue; // Applications hold roles too; they are not synced objects.
                }
                report.warn(
                    &g.origin.file,
                    &g.origin.position,
                    format!(
                        "{} {} is held by {} {}, which is not in the users, groups or contacts exported",
                        if g.eligible { "eligible role" } else { "role" },
                        g.role,
                        if kind.is_empty() { "object" } else { kind.trim_start_matches("#microsoft.graph.") },
                        g.principal
                    ),
                );
            }
        }
    }

    // ---- anchors Graph does not export (M1) ---------------------------------------------------
    graph::infer_group_and_contact_anchors(&on_premises, &mut cloud, &connect, folder, report);

    // ---- tenant -------------------------------------------------------------------------------
    let mut domains: Vec<Domain> = Vec::new();
    let mut initial: Option<String> = None;
    for (d, is_initial, _) in h.domains {
        if is_initial && initial.is_none() {
            initial = Some(d.id.clone());
        }
        if !domains.iter().any(|x| x.id.eq_ignore_ascii_case(&d.id)) {
            domains.push(d);
        }
    }
    let initial_domain = match initial {
        Some(i) => i,
        None => match graph::initial_domain_from_objects(&cloud) {
            Some(i) => {
                report.warn(
                    folder,
                    "",
                    format!(
                        "no /domains export with isInitial: the initial domain {i} is taken from the cloud objects' addresses; \
                         domains are unknown, so every UPN suffix except it counts as unverified (M9)"
                    ),
                );
                i
            }
            None => {
                return Err(InputError::new(
                    folder,
                    "",
                    "the tenant's initial domain is unknown: save GET /domains as domains.json (see docs/importing.md); \
                     syncscope needs it for placeholder UPNs (M9, Q1)",
                ));
            }
        },
    };

    Ok(Bundle {
        tenant: Tenant {
            initial_domain,
            domains,
        },
        settings,
        connect,
        on_premises,
        cloud,
        captured_date_time,
        extra: role_definitions,
    })
}

/// DN comparison key: case-insensitive, spaces around RDNs ignored.
fn normalise_dn(dn: &str) -> String {
    crate::dn::rdns(dn)
        .into_iter()
        .map(|rdn| rdn.to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_content() {
        assert_eq!(detect(b"\r\ndn: CN=a,DC=b\r\n"), Format::Ldif);
        assert_eq!(
            detect(b"# extended LDIF\n#\n# LDAPv3\n\n# a, b\ndn: CN=a\n"),
            Format::Ldif
        );
        assert_eq!(detect(b"version: 1\n\ndn: CN=a\n"), Format::Ldif);
        assert_eq!(detect(b"DN,objectClass,objectGUID\r\n"), Format::Csv);
        assert_eq!(
            detect(b"#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n"),
            Format::Csv
        );
        assert_eq!(
            detect(b"\"DistinguishedName\",\"ObjectGUID\"\r\n"),
            Format::Csv
        );
        assert_eq!(detect(b"  {\"value\": []}"), Format::Json);
        assert_eq!(detect(b"[\r\n  {"), Format::Json);
        assert!(matches!(detect(b""), Format::Unknown(_)));
        assert!(matches!(detect(b"PK\x03\x04\0\0"), Format::Unknown(_)));
        assert!(matches!(detect(b"hello world\n"), Format::Unknown(_)));
    }
}

#[cfg(test)]
mod parallel_tests {
    use super::*;

    fn both(folder: &Path) -> (Result<Loaded, InputError>, Result<Loaded, InputError>) {
        let label = folder.display().to_string();
        let opts = ImportOptions::default();
        (
            load_folder_with(folder, &label, &opts, 1),
            load_folder_with(folder, &label, &opts, 2),
        )
    }

    /// Reading a folder's files on two threads gives the bundle and the load report (files,
    /// warnings, skipped, incomplete, ignored, in order) of reading them one after the other.
    #[test]
    fn two_threads_load_a_folder_as_one_does() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        let tmp = tempfile::tempdir().expect("temp dir");
        // The other formats' on-prem files (with their warnings, skips and a cut file) next to
        // the sample's Graph exports.
        let mixed = tmp.path().join("mixed");
        std::fs::create_dir(&mixed).unwrap();
        for dir in [
            "exports",
            "exports-formats/real-world",
            "exports-formats/csvde",
        ] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                if dir != "exports" && name.ends_with(".ldf") && !name.contains("cut") {
                    continue;
                }
                std::fs::copy(&p, mixed.join(format!("{}-{name}", dir.replace('/', "_")))).unwrap();
            }
        }
        for folder in [root.join("exports"), mixed] {
            let (one, two) = both(&folder);
            let one = one.unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
            let two = two.unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
            assert!(one.bundle.on_premises.len() + one.bundle.cloud.len() > 0);
            assert!(one.report.files.len() >= 12 && !one.report.warnings.is_empty());
            assert_eq!(one.report, two.report, "{}", folder.display());
            assert!(one.bundle == two.bundle, "{}", folder.display());
        }
    }

    /// With two bad files, the error is the first file's by name, whichever thread read it first.
    #[test]
    fn the_first_bad_file_by_name_is_the_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        // The second file is the larger, so the parallel reader starts it first.
        std::fs::write(dir.path().join("a.json"), r#"{"value": [{"id": 1,]}"#).unwrap();
        std::fs::write(
            dir.path().join("b.json"),
            format!(r#"{{"value": [{}{{"id": ]}}"#, " ".repeat(4096)),
        )
        .unwrap();
        std::fs::write(dir.path().join("desktop.ini"), "[.ShellClassInfo]\r\n").unwrap();
        let (one, two) = both(dir.path());
        let (one, two) = (one.unwrap_err(), two.unwrap_err());
        assert_eq!(one.to_string(), two.to_string());
        assert!(one.to_string().contains("a.json"), "{one}");
    }
}
