//! Opening an export as text: encoding detection (BOMs, UTF-16 from Windows tools), a peek at
//! the head for format detection, and readers whose memory stays bounded whatever the input
//! (a line is never allowed to grow without limit).

use crate::error::InputError;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

/// How much of a file is looked at to decide its format.
pub(crate) const HEAD_BYTES: usize = 64 * 1024;
/// Longest physical or logical line of an LDIF or CSV export that is kept. Longer values are
/// photos or certificates, never something syncscope reads; they are dropped with a warning.
pub(crate) const MAX_LINE: usize = 16 << 20;
/// Longest line of a JSON export. Graph writes a page of up to 999 objects on one line; a whole
/// tenant saved with `ConvertTo-Json -Compress` is one line too, so this is generous.
pub(crate) const MAX_JSON_LINE: usize = 256 << 20;

const BUFFER: usize = 64 * 1024;

/// The character encoding an export was saved in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Encoding {
    Utf8,
    Utf8Bom,
    /// Windows "Unicode": `ldifde -u`, `csvde -u`, Windows PowerShell 5.1's `Out-File` and `>`.
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// An export opened for reading: its encoding, its first bytes (decoded to UTF-8) and a reader
/// that yields the whole decoded text from the start.
pub(crate) struct TextFile {
    pub encoding: Encoding,
    pub head: Vec<u8>,
    pub reader: Box<dyn BufRead>,
}

impl TextFile {
    pub(crate) fn open(path: &Path, label: &str) -> Result<TextFile, InputError> {
        let file = File::open(path)
            .map_err(|e| InputError::new(label, "", format!("cannot open the file: {e}")))?;
        TextFile::from_reader(Box::new(file), label)
    }

    /// Detects the encoding from the first bytes and decodes everything to UTF-8.
    pub(crate) fn from_reader(mut raw: Box<dyn Read>, label: &str) -> Result<TextFile, InputError> {
        let mut lead = [0u8; 4];
        let n = read_up_to(&mut raw, &mut lead).map_err(|e| io_error(label, e))?;
        let lead = &lead[..n];
        let (encoding, bom) = sniff(lead).map_err(|m| InputError::new(label, "line 1", m))?;
        let rest: Box<dyn Read> = Box::new(Cursor::new(lead[bom..].to_vec()).chain(raw));
        let decoded: Box<dyn Read> = match encoding {
            Encoding::Utf16Le => Box::new(Utf16Reader::new(rest, false)),
            Encoding::Utf16Be => Box::new(Utf16Reader::new(rest, true)),
            Encoding::Utf8 | Encoding::Utf8Bom => rest,
        };
        let mut reader = BufReader::with_capacity(BUFFER, decoded);
        let mut head = Vec::with_capacity(HEAD_BYTES);
        (&mut reader)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| io_error(label, e))?;
        let reader = Box::new(BufReader::with_capacity(
            BUFFER,
            Cursor::new(head.clone()).chain(reader),
        ));
        Ok(TextFile {
            encoding,
            head,
            reader,
        })
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The encoding and the length of its byte-order mark.
fn sniff(lead: &[u8]) -> Result<(Encoding, usize), String> {
    match lead {
        [0xEF, 0xBB, 0xBF, ..] => Ok((Encoding::Utf8Bom, 3)),
        [0xFF, 0xFE, 0, 0] | [0, 0, 0xFE, 0xFF] => Err(
            "the file is encoded as UTF-32, which syncscope does not read; save it as UTF-8 \
             (PowerShell: -Encoding UTF8) or UTF-16 (ldifde/csvde -u)"
                .into(),
        ),
        [0xFF, 0xFE, ..] => Ok((Encoding::Utf16Le, 2)),
        [0xFE, 0xFF, ..] => Ok((Encoding::Utf16Be, 2)),
        // UTF-16 without a byte-order mark: ASCII text with every other byte zero.
        [a, 0, b, 0] if *a != 0 && *b != 0 => Ok((Encoding::Utf16Le, 0)),
        [0, a, 0, b] if *a != 0 && *b != 0 => Ok((Encoding::Utf16Be, 0)),
        _ => Ok((Encoding::Utf8, 0)),
    }
}

pub(crate) fn io_error(label: &str, e: io::Error) -> InputError {
    InputError::new(label, "", format!("cannot read the file: {e}"))
}

/// Decodes UTF-16 into UTF-8 as it reads. An unpaired surrogate or a file that ends in the
/// middle of a character is an error (the file is not what it claims to be, or it is truncated).
struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    odd: Option<u8>,
    high: Option<u16>,
    /// Code units decoded so far, for error messages.
    units: u64,
    done: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            out: Vec::with_capacity(BUFFER),
            pos: 0,
            odd: None,
            high: None,
            units: 0,
            done: false,
        }
    }

    fn bad(&self, what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{what} at UTF-16 character {}: the file is not valid UTF-16 (or is truncated)",
                self.units
            ),
        )
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let mut raw = [0u8; 16 * 1024];
        let n = loop {
            match self.inner.read(&mut raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.done = true;
            if self.odd.is_some() {
                return Err(self.bad("the file ends in the middle of a character"));
            }
            if self.high.is_some() {
                return Err(self.bad("an unpaired surrogate"));
            }
            return Ok(());
        }
        let data = &raw[..n];
        let mut i = 0;
        loop {
            let pair = match self.odd.take() {
                Some(first) if i < data.len() => {
                    i += 1;
                    [first, data[i - 1]]
                }
                Some(first) => {
                    self.odd = Some(first);
                    break;
                }
                None if i + 1 < data.len() => {
                    i += 2;
                    [data[i - 2], data[i - 1]]
                }
                None if i < data.len() => {
                    self.odd = Some(data[i]);
                    break;
                }
                None => break,
            };
            let unit = if self.big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            };
            self.units += 1;
            let c = match (self.high.take(), unit) {
                (None, 0xD800..=0xDBFF) => {
                    self.high = Some(unit);
                    continue;
                }
                (None, 0xDC00..=0xDFFF) => return Err(self.bad("an unpaired low surrogate")),
                (None, u) => char::from_u32(u32::from(u)),
                (Some(h), 0xDC00..=0xDFFF) => char::from_u32(
                    0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00),
                ),
                (Some(_), _) => return Err(self.bad("an unpaired high surrogate")),
            };
            let Some(c) = c else {
                return Err(self.bad("an invalid character"));
            };
            let mut utf8 = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Fails the read once a line grows past `max` bytes, so a parser reading through it (serde_json,
/// the csv crate) never buffers an unbounded token. Counts lines for the error message.
pub(crate) struct LineGuard<R> {
    inner: R,
    max: usize,
    since_newline: usize,
    line: usize,
}

impl<R: Read> LineGuard<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        LineGuard {
            inner,
            max,
            since_newline: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        // `contains` on bytes is a memchr: fast even in an unoptimised build.
        if chunk.contains(&b'\n') {
            self.line += chunk.iter().filter(|&&b| b == b'\n').count();
            let last = chunk.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            self.since_newline = n - 1 - last;
        } else {
            self.since_newline += n;
        }
        if self.since_newline > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {} MiB; this is not an export syncscope reads (or the file is corrupt)",
                    self.line,
                    self.max >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// One physical line of a line-oriented export.
pub(crate) enum Physical {
    /// The line without its line break (`\n` or `\r\n`).
    Text(Vec<u8>),
    /// Longer than [`MAX_LINE`]: its bytes were read and dropped, never held in memory; the
    /// first bytes are kept to name what it was.
    TooLong(Vec<u8>),
}

/// Reads physical lines with a bounded buffer and counts them.
pub(crate) struct Lines<R> {
    inner: R,
    max: usize,
    /// Number of the line last returned (1-based).
    pub line: usize,
    /// The last line had no line break: the file may have been cut short.
    pub unterminated: bool,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        Lines {
            inner,
            max,
            line: 0,
            unterminated: false,
        }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Option<Physical>> {
        let mut buf = Vec::new();
        let limit = self.max as u64 + 1;
        let n = (&mut self.inner).take(limit).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(Physical::Text(buf)));
        }
        if buf.len() > self.max {
            buf.truncate(80);
            // Drop the rest of the line without holding it (memchr-fast).
            let rest = self.inner.skip_until(b'\n')?;
            if rest == 0 {
                self.unterminated = true;
            }
            return Ok(Some(Physical::TooLong(buf)));
        }
        self.unterminated = true;
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Physical::Text(buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: Vec<u8>) -> (Encoding, String) {
        let mut t = TextFile::from_reader(Box::new(Cursor::new(bytes)), "t").unwrap();
        let mut s = String::new();
        t.reader.read_to_string(&mut s).unwrap();
        (t.encoding, s)
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in text.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    #[test]
    fn boms_and_utf16_are_decoded() {
        let text = "dn: CN=Zoë Brontë 😀,DC=contoso\r\n";
        assert_eq!(
            decode(utf16le(text, true)),
            (Encoding::Utf16Le, text.into())
        );
        assert_eq!(
            decode(utf16le(text, false)),
            (Encoding::Utf16Le, text.into())
        );
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(be), (Encoding::Utf16Be, text.into()));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(bom), (Encoding::Utf8Bom, text.into()));
        assert_eq!(decode(b"ab".to_vec()), (Encoding::Utf8, "ab".into()));
        assert_eq!(decode(Vec::new()), (Encoding::Utf8, String::new()));
    }

    #[test]
    fn utf32_and_broken_utf16_are_errors() {
        let e = TextFile::from_reader(Box::new(Cursor::new(vec![0xFF, 0xFE, 0, 0, b'a'])), "x.ldf")
            .err()
            .unwrap();
        assert!(e.message.contains("UTF-32"), "{e}");
        // Cut in the middle of a character.
        let mut bytes = utf16le("abc", true);
        bytes.push(b'd');
        let e = TextFile::from_reader(Box::new(Cursor::new(bytes)), "x.ldf")
            .err()
            .unwrap();
        assert!(e.message.contains("middle of a character"), "{e}");
    }

    #[test]
    fn line_guard_stops_a_runaway_line_and_names_it() {
        let text = "a\nb\n".to_string() + &"x".repeat(100);
        let mut g = LineGuard::new(Cursor::new(text.into_bytes()), 50);
        let mut out = Vec::new();
        let e = g.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }
}
