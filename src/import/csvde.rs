//! CSV exports of AD objects: `csvde` (a `DN` column first, binary values as `X'hex'`,
//! multi-valued attributes joined with `;`) and PowerShell's `Export-Csv` (Windows PowerShell
//! 5.1 writes a `#TYPE …` line first unless told not to; both quote every field). Values
//! PowerShell could not flatten arrive as type names and are reported by the record reader.

use super::record::{self, AdRecord, Placeholders, RawValue, hex_literal};
use super::text::{Lines, MAX_LINE, Physical, TextFile, io_error};
use super::{FileCtx, Harvest};
use crate::error::InputError;
use std::io::BufRead;

/// Reads a CSV export; returns the format name for the report.
pub(crate) fn read(
    file: TextFile,
    ctx: &mut FileCtx,
    h: &mut Harvest,
) -> Result<String, InputError> {
    let delimiter = super::sniff::csv_delimiter(&file.head);
    let mut rows = Rows {
        lines: Lines::new(file.reader, MAX_LINE),
        delimiter,
    };
    let label = ctx.file.to_string();
    let mut type_line = None;
    // The header: the first line that is not blank and not a `#TYPE` / comment line.
    let headers = loop {
        match rows.next(&label)? {
            None => {
                ctx.warn("", "a CSV file without a header line; nothing read");
                return Ok("CSV".into());
            }
            Some((line, Row::Fields(f))) if f.first().is_some_and(|x| x.starts_with('#')) => {
                if line == 1 && f[0].starts_with("#TYPE") {
                    // `#TYPE Name` (a comma in the name splits it into fields).
                    type_line = Some(f.join(",").trim_end().to_string());
                }
            }
            Some((_, Row::Fields(f))) if f.iter().all(String::is_empty) => {}
            Some((_, Row::Fields(f))) => break f,
            Some((line, Row::Bad(why))) => {
                return Err(InputError::new(
                    &label,
                    format!("line {line}"),
                    format!("the header line {why}"),
                ));
            }
        }
    };
    let csvde = headers.first().map(String::as_str) == Some("DN");
    let mut placeholders = Placeholders::default();
    while let Some((line, row)) = rows.next(&label)? {
        let pos = format!("line {line}");
        let fields = match row {
            Row::Bad(why) => {
                ctx.skip(&pos, format!("the row {why}; skipped"));
                continue;
            }
            Row::Fields(f) if f.iter().all(String::is_empty) => continue,
            Row::Fields(f) => f,
        };
        if fields.len() != headers.len() {
            ctx.skip(
                &pos,
                format!(
                    "{} field(s) where the header has {}: the line is incomplete or malformed (a truncated file?); row skipped",
                    fields.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let mut rec = AdRecord::new(&pos);
        for (name, field) in headers.iter().zip(fields) {
            if field.is_empty() {
                continue;
            }
            if csvde && name == "DN" {
                rec.dn = Some(field);
                continue;
            }
            let value = match hex_literal(&field) {
                Some(bytes) => RawValue::Bytes(bytes),
                None => RawValue::Text(field),
            };
            rec.push(name, value);
        }
        if let Some(o) = record::on_prem_object(rec, ctx, &mut placeholders) {
            let origin = ctx.origin(pos);
            h.on_prem.push((o, origin));
        }
    }
    if rows.lines.unterminated {
        ctx.warn(
            format!("line {}", rows.lines.line),
            "the file does not end with a line break: it may have been cut short, and its last row may be incomplete",
        );
    }
    placeholders.report(ctx);
    let delimited = match delimiter {
        ';' => ", semicolon-delimited",
        '\t' => ", tab-delimited",
        _ => "",
    };
    Ok(if csvde {
        format!("CSV (csvde{delimited})")
    } else if let Some(t) = type_line {
        format!("CSV (Windows PowerShell Export-Csv, {t}{delimited})")
    } else {
        format!("CSV (PowerShell Export-Csv{delimited})")
    })
}

/// One CSV row: its fields, or why it cannot be read.
enum Row {
    Fields(Vec<String>),
    Bad(String),
}

/// RFC 4180 rows over bounded lines: quoted fields may hold commas, `""` and line breaks.
struct Rows<R> {
    lines: Lines<R>,
    /// `,`, or `;` / tab as sniffed from the header (Export-Csv -UseCulture / -Delimiter).
    delimiter: char,
}

impl<R: BufRead> Rows<R> {
    /// The next row and the line it starts on.
    fn next(&mut self, label: &str) -> Result<Option<(usize, Row)>, InputError> {
        let io = |e| io_error(label, e);
        let Some(first) = self.lines.next_line().map_err(io)? else {
            return Ok(None);
        };
        let start = self.lines.line;
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut after_quote = false;
        let mut physical = first;
        let mut size = 0usize;
        loop {
            let text = match physical {
                Physical::TooLong(_) => {
                    // Drop the rest of the row: up to the end of the quoted field, if one is open.
                    return Ok(Some((
                        start,
                        Row::Bad(format!("is longer than {} MiB", MAX_LINE >> 20)),
                    )));
                }
                Physical::Text(t) => t,
            };
            size += text.len();
            if size > MAX_LINE {
                return Ok(Some((
                    start,
                    Row::Bad(format!("is longer than {} MiB", MAX_LINE >> 20)),
                )));
            }
            let text = String::from_utf8(text).map_err(|e| {
                InputError::new(
                    label,
                    format!("line {}", self.lines.line),
                    format!(
                        "not valid UTF-8 (column {}): save the export as UTF-8 or Unicode (csvde -u; Export-Csv -Encoding UTF8)",
                        e.utf8_error().valid_up_to() + 1
                    ),
                )
            })?;
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match (quoted, c) {
                    (true, '"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    (true, '"') => {
                        quoted = false;
                        after_quote = true;
                    }
                    (true, c) => field.push(c),
                    (false, d) if d == self.delimiter => {
                        fields.push(std::mem::take(&mut field));
                        after_quote = false;
                    }
                    (false, '"') if field.is_empty() && !after_quote => quoted = true,
                    (false, c) => field.push(c),
                }
            }
            if !quoted {
                fields.push(field);
                return Ok(Some((start, Row::Fields(fields))));
            }
            // A line break inside a quoted field.
            match self.lines.next_line().map_err(io)? {
                Some(next) => {
                    field.push('\n');
                    physical = next;
                }
                None => {
                    return Ok(Some((
                        start,
                        Row::Bad("ends inside a quoted field (a truncated file?)".into()),
                    )));
                }
            }
        }
    }
}
