//! LDIF (RFC 2849) as `ldifde`, OpenLDAP `ldapsearch` and Samba `ldbsearch` write it: folded
//! lines, `::` base64 values (objectGUID, mS-DS-ConsistencyGuid, objectSid, non-ASCII names),
//! multi-valued attributes, `changetype` lines, comments, CRLF and a BOM.
//!
//! The file is read line by line with a maximum line length; each record becomes an
//! [`AdRecord`](super::record::AdRecord) as soon as it ends, so memory holds one record at a time.

use super::record::{self, AdRecord, Placeholders, RawValue};
use super::text::{Lines, MAX_LINE, Physical, TextFile, io_error};
use super::{FileCtx, Harvest};
use crate::error::InputError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::io::{self, BufRead};

/// Which tool wrote the file, as far as its content tells.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavor {
    Unknown,
    Ldifde,
    Ldapsearch,
    Ldbsearch,
}

/// Reads an LDIF export; returns the format name for the report.
pub(crate) fn read(
    file: TextFile,
    ctx: &mut FileCtx,
    h: &mut Harvest,
) -> Result<String, InputError> {
    let mut reader = Reader {
        lines: Unfolder {
            lines: Lines::new(file.reader, MAX_LINE),
            peeked: None,
        },
        flavor: Flavor::Unknown,
        current: None,
        records: 0,
        entries: 0,
        trailer: None,
        placeholders: Placeholders::default(),
    };
    let label = ctx.file.to_string();
    while let Some(line) = reader
        .lines
        .next_logical()
        .map_err(|e| io_error(&label, e))?
    {
        reader.line(line, ctx, h)?;
    }
    // Completeness (issue 11): ldifde ends every record with a blank line, ldapsearch and
    // ldbsearch end the output with a count; a file cut short has neither.
    let last_open = matches!(reader.current, Some(Current::Entry(_)));
    // A cut last record is still read (a hand-made file may just lack the final blank line),
    // but the load is partial: with --allow-partial its plan is shown, marked so.
    reader.finish_record(ctx, h);
    let end = format!("line {}", reader.lines.lines.line);
    match (reader.flavor, reader.trailer) {
        (Flavor::Ldifde, _) if last_open => ctx.incomplete(
            &end,
            "the last record is not followed by the blank line ldifde writes after every record: the file may have been cut short, and the last record (read as it is) may lack attributes; export again",
        ),
        (Flavor::Ldapsearch | Flavor::Ldbsearch, None) if reader.entries > 0 => ctx.incomplete(
            &end,
            "the count ldapsearch / ldbsearch writes at the end (# numEntries: N, # returned N records) is missing: the output was cut short (export again)",
        ),
        (_, Some(n)) if n != reader.entries => ctx.incomplete(
            &end,
            format!(
                "the trailer says {n} entries were returned, the file holds {}: it is incomplete",
                reader.entries
            ),
        ),
        _ => {}
    }
    if reader.lines.lines.unterminated {
        ctx.warn(
            format!("line {}", reader.lines.lines.line),
            "the file does not end with a line break: it may have been cut short, and its last record may be incomplete",
        );
    }
    let Reader {
        flavor,
        placeholders,
        ..
    } = reader;
    placeholders.report(ctx);
    Ok(match flavor {
        Flavor::Ldifde => "LDIF (ldifde)",
        Flavor::Ldapsearch => "LDIF (ldapsearch)",
        Flavor::Ldbsearch => "LDIF (ldbsearch)",
        Flavor::Unknown => "LDIF",
    }
    .to_string())
}

/// One logical line: folded continuation lines joined.
struct Logical {
    no: usize,
    /// `None`: longer than [`MAX_LINE`], dropped; the first bytes are kept to name it.
    text: Option<Vec<u8>>,
    prefix: Vec<u8>,
}

struct Unfolder<R> {
    lines: Lines<R>,
    peeked: Option<(usize, Physical)>,
}

fn continues(p: &Physical) -> bool {
    match p {
        Physical::Text(t) => t.first() == Some(&b' '),
        Physical::TooLong(prefix) => prefix.first() == Some(&b' '),
    }
}

impl<R: BufRead> Unfolder<R> {
    fn next_physical(&mut self) -> io::Result<Option<(usize, Physical)>> {
        if let Some(p) = self.peeked.take() {
            return Ok(Some(p));
        }
        Ok(self.lines.next_line()?.map(|p| (self.lines.line, p)))
    }

    fn next_logical(&mut self) -> io::Result<Option<Logical>> {
        let Some((no, first)) = self.next_physical()? else {
            return Ok(None);
        };
        let (mut text, mut prefix) = match first {
            Physical::Text(t) if t.is_empty() => {
                // A separator: never the start of a folded line.
                return Ok(Some(Logical {
                    no,
                    text: Some(t),
                    prefix: Vec::new(),
                }));
            }
            Physical::Text(t) => {
                let prefix = t.iter().take(80).copied().collect();
                (Some(t), prefix)
            }
            Physical::TooLong(prefix) => (None, prefix),
        };
        while let Some((n, next)) = self.next_physical()? {
            if !continues(&next) {
                self.peeked = Some((n, next));
                break;
            }
            match (&mut text, next) {
                (Some(acc), Physical::Text(t)) if acc.len() + t.len() <= MAX_LINE => {
                    acc.extend_from_slice(&t[1..]);
                }
                (Some(acc), _) => {
                    if prefix.is_empty() {
                        prefix = acc.iter().take(80).copied().collect();
                    }
                    text = None;
                }
                (None, _) => {}
            }
        }
        Ok(Some(Logical { no, text, prefix }))
    }
}

/// The record being read.
enum Current {
    /// An entry (`dn:` first).
    Entry(AdRecord),
    /// A change record other than `add` (`modify`, `delete`, `modrdn`): not a snapshot.
    Change(String, usize, String),
    /// ldapsearch's `search:` / `result:` trailer, or a search reference.
    Trailer,
    /// Lines that do not make a record; the reason and the line.
    Junk(String, usize),
}

struct Reader<R> {
    lines: Unfolder<R>,
    flavor: Flavor,
    current: Option<Current>,
    records: usize,
    /// Entries (`dn:` records, not change records or trailers) finished so far.
    entries: usize,
    /// The entry count of an ldapsearch (`# numEntries: N`) or ldbsearch (`# returned N
    /// records`) trailer.
    trailer: Option<usize>,
    placeholders: Placeholders,
}

const ESSENTIAL_BINARY: [&str; 3] = ["objectguid", "ms-ds-consistencyguid", "objectsid"];

impl<R: BufRead> Reader<R> {
    fn line(&mut self, l: Logical, ctx: &mut FileCtx, h: &mut Harvest) -> Result<(), InputError> {
        let pos = format!("line {}", l.no);
        let Some(text) = l.text else {
            let name = String::from_utf8_lossy(&l.prefix)
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            if let Some(Current::Entry(rec)) = &mut self.current {
                if ESSENTIAL_BINARY.contains(&name.to_ascii_lowercase().as_str())
                    || name.eq_ignore_ascii_case("dn")
                {
                    let dn = rec.dn.clone().unwrap_or_default();
                    self.current = Some(Current::Junk(
                        format!(
                            "{dn}: the value of {name} is longer than {} MiB",
                            MAX_LINE >> 20
                        ),
                        l.no,
                    ));
                } else {
                    ctx.warn(
                        &pos,
                        format!(
                            "the value of {name} is longer than {} MiB and was dropped",
                            MAX_LINE >> 20
                        ),
                    );
                }
            } else if self.current.is_none() {
                self.current = Some(Current::Junk(
                    format!("a line longer than {} MiB", MAX_LINE >> 20),
                    l.no,
                ));
            }
            return Ok(());
        };
        if text.is_empty() {
            self.finish_record(ctx, h);
            return Ok(());
        }
        if text.first() == Some(&b'#') {
            let comment = String::from_utf8_lossy(&text);
            let count = |prefix: &str, suffix: &str| {
                comment
                    .strip_prefix(prefix)
                    .and_then(|r| r.trim().strip_suffix(suffix))
                    .and_then(|n| n.trim().parse::<usize>().ok())
            };
            // ldbsearch writes `# returned N records` (entries + referrals), then `# M entries`:
            // the last one read wins, so the entry count is what is compared.
            if let Some(n) = count("# numEntries:", "")
                .or_else(|| count("# returned ", "records"))
                .or_else(|| count("# ", "entries"))
            {
                self.trailer = Some(n);
            }
            if comment.starts_with("# extended LDIF") || comment.starts_with("# numResponses") {
                self.flavor = Flavor::Ldapsearch;
            } else if (comment.starts_with("# record ") || comment.starts_with("# returned "))
                && self.flavor == Flavor::Unknown
            {
                self.flavor = Flavor::Ldbsearch;
            }
            return Ok(());
        }
        let text = String::from_utf8(text).map_err(|e| {
            InputError::new(
                ctx.file,
                &pos,
                format!(
                    "not valid UTF-8 (byte {:#04x} at column {}): save the export as UTF-8 or Unicode \
                     (ldifde -u; PowerShell -Encoding UTF8)",
                    e.as_bytes().get(e.utf8_error().valid_up_to()).copied().unwrap_or(0),
                    e.utf8_error().valid_up_to() + 1
                ),
            )
        })?;
        let Some((name, rest)) = text.split_once(':') else {
            match &mut self.current {
                None => {
                    self.current = Some(Current::Junk(format!("{text:?} is not `dn: …`"), l.no))
                }
                Some(_) => ctx.warn(
                    &pos,
                    format!(
                        "not an attribute line (no ':'), ignored: {:?}",
                        shorten(&text)
                    ),
                ),
            }
            return Ok(());
        };
        let name = name.trim();
        let lower = name.to_ascii_lowercase();
        match &mut self.current {
            None => match lower.as_str() {
                "version" if self.records == 0 => {}
                "dn" => match value(rest) {
                    Ok(Value::Text(dn)) => {
                        let mut rec = AdRecord::new(&pos);
                        rec.dn = Some(dn);
                        self.current = Some(Current::Entry(rec));
                    }
                    Ok(Value::Bytes(b)) => match String::from_utf8(b) {
                        Ok(dn) => {
                            let mut rec = AdRecord::new(&pos);
                            rec.dn = Some(dn);
                            self.current = Some(Current::Entry(rec));
                        }
                        Err(_) => {
                            self.current = Some(Current::Junk(
                                "the base64 dn is not UTF-8 text".into(),
                                l.no,
                            ))
                        }
                    },
                    Ok(Value::Url) | Err(_) => {
                        self.current = Some(Current::Junk(
                            format!("invalid dn line {:?}", shorten(&text)),
                            l.no,
                        ))
                    }
                },
                "search" | "result" | "ref" | "matcheddn" | "text" | "control" => {
                    if lower != "ref" && self.flavor == Flavor::Unknown {
                        self.flavor = Flavor::Ldapsearch;
                    }
                    self.current = Some(Current::Trailer);
                    self.trailer_line(&lower, rest, &pos, ctx);
                }
                _ => {
                    self.current = Some(Current::Junk(
                        format!("the record starts with {name:?} instead of dn:"),
                        l.no,
                    ))
                }
            },
            Some(Current::Trailer) => self.trailer_line(&lower, rest, &pos, ctx),
            Some(Current::Change(..)) | Some(Current::Junk(..)) => {}
            Some(Current::Entry(rec)) => {
                if lower == "changetype" {
                    let kind = rest.trim().to_ascii_lowercase();
                    if kind == "add" {
                        if self.flavor == Flavor::Unknown {
                            self.flavor = Flavor::Ldifde;
                        }
                    } else {
                        let dn = rec.dn.clone().unwrap_or_default();
                        let start = rec.position.clone();
                        self.current = Some(Current::Change(kind, l.no, format!("{dn} ({start})")));
                    }
                    return Ok(());
                }
                if lower == "control" {
                    return Ok(());
                }
                // Attribute options (`member;range=0-1499`, `;binary`) are not part of the name.
                let (base, options) = name.split_once(';').unwrap_or((name, ""));
                if options.to_ascii_lowercase().contains("range=") {
                    ctx.warn(
                        &pos,
                        format!("{base} was returned in ranges ({options}): only this range is in the export"),
                    );
                }
                match value(rest) {
                    Ok(Value::Text(t)) => rec.push(base, RawValue::Text(t)),
                    Ok(Value::Bytes(b)) => rec.push(base, RawValue::Bytes(b)),
                    Ok(Value::Url) => ctx.warn(
                        &pos,
                        format!(
                            "{base} is given as a URL (:<), which syncscope does not fetch; dropped"
                        ),
                    ),
                    Err(why) => {
                        if ESSENTIAL_BINARY.contains(&base.to_ascii_lowercase().as_str()) {
                            let dn = rec.dn.clone().unwrap_or_default();
                            self.current = Some(Current::Junk(format!("{dn}: {base} {why}"), l.no));
                        } else {
                            ctx.warn(&pos, format!("{base} {why}; dropped"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn trailer_line(&mut self, name: &str, rest: &str, pos: &str, ctx: &mut FileCtx) {
        if name == "result" {
            let r = rest.trim();
            if !r.starts_with("0 ") && r != "0" {
                ctx.warn(
                    pos,
                    format!(
                        "ldapsearch reported `result: {r}`: the export is incomplete (for a size limit use paged results: -E pr=1000/noprompt)"
                    ),
                );
            }
        }
    }

    fn finish_record(&mut self, ctx: &mut FileCtx, h: &mut Harvest) {
        let Some(current) = self.current.take() else {
            return;
        };
        self.records += 1;
        match current {
            Current::Entry(rec) => {
                self.entries += 1;
                let pos = rec.position.clone();
                if rec.is_empty() {
                    // `dn:` alone: ldapsearch prints objects the account may not read this way.
                    ctx.skip(
                        &pos,
                        format!(
                            "{}: no attributes (the account that exported it may not read them)",
                            rec.dn.as_deref().unwrap_or("")
                        ),
                    );
                    return;
                }
                if let Some(o) = record::on_prem_object(rec, ctx, &mut self.placeholders) {
                    let origin = ctx.origin(pos);
                    h.on_prem.push((o, origin));
                }
            }
            Current::Change(kind, line, what) => ctx.skip(
                format!("line {line}"),
                format!(
                    "{what}: a change record (changetype: {kind}), not the object as it is; skipped"
                ),
            ),
            Current::Trailer => {}
            Current::Junk(why, line) => {
                ctx.skip(format!("line {line}"), format!("{why}; record skipped"))
            }
        }
    }
}

fn shorten(t: &str) -> String {
    let s: String = t.chars().take(60).collect();
    if s.len() < t.len() {
        format!("{s}…")
    } else {
        s
    }
}

enum Value {
    Text(String),
    Bytes(Vec<u8>),
    Url,
}

/// The value after `name:` — `: text`, `:: base64` or `:< url`.
fn value(rest: &str) -> Result<Value, String> {
    if let Some(b64) = rest.strip_prefix(':') {
        let b64: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return BASE64
            .decode(b64.as_bytes())
            .map(Value::Bytes)
            .map_err(|e| format!("is not valid base64 ({e})"));
    }
    if rest.starts_with('<') {
        return Ok(Value::Url);
    }
    Ok(Value::Text(rest.trim_start_matches(' ').to_string()))
}
