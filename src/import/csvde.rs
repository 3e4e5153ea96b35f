//! CSV exports of AD objects: `csvde` (a `DN` column first, binary values as `X'hex'`,
//! multi-valued attributes joined with `;`) and PowerShell's `Export-Csv` (Windows PowerShell
//! 5.1 writes a `#TYPE …` line first unless told not to; both quote every field). Values
//! PowerShell could not flatten arrive as type names and are reported by the record reader.

use super::record::{self, AdRecord, Placeholders, RawValue, hex_literal};
use super::text::{LineGuard, MAX_LINE, TextFile};
use super::{FileCtx, Harvest};
use crate::error::InputError;

/// Reads a CSV export; returns the format name for the report.
pub(crate) fn read(
    file: TextFile,
    ctx: &mut FileCtx,
    h: &mut Harvest,
) -> Result<String, InputError> {
    let head = String::from_utf8_lossy(&file.head).to_string();
    let type_line = head
        .lines()
        .next()
        .filter(|l| l.starts_with("#TYPE"))
        .map(|l| l.trim_end().to_string());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(LineGuard::new(file.reader, MAX_LINE));
    let label = ctx.file.to_string();
    let headers = reader.headers().map_err(|e| csv_error(&label, e))?.clone();
    let csvde = headers.get(0) == Some("DN");
    let mut placeholders = Placeholders::default();
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&label, e)),
        }
        let line = row.position().map_or(0, |p| p.line());
        let pos = format!("line {line}");
        if row.len() != headers.len() {
            ctx.skip(
                &pos,
                format!(
                    "{} field(s) where the header has {}: the line is incomplete or malformed (a truncated file?); row skipped",
                    row.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let mut rec = AdRecord::new(&pos);
        for (name, field) in headers.iter().zip(row.iter()) {
            if field.is_empty() {
                continue;
            }
            if csvde && name == "DN" {
                rec.dn = Some(field.to_string());
                continue;
            }
            let value = match hex_literal(field) {
                Some(bytes) => RawValue::Bytes(bytes),
                None => RawValue::Text(field.to_string()),
            };
            rec.push(name, value);
        }
        if let Some(o) = record::on_prem_object(rec, ctx, &mut placeholders) {
            let origin = ctx.origin(pos);
            h.on_prem.push((o, origin));
        }
    }
    placeholders.report(ctx);
    Ok(if csvde {
        "CSV (csvde)".to_string()
    } else if let Some(t) = type_line {
        format!("CSV (Windows PowerShell Export-Csv, {t})")
    } else {
        "CSV (PowerShell Export-Csv)".to_string()
    })
}

fn csv_error(file: &str, e: csv::Error) -> InputError {
    let position = e
        .position()
        .map_or(String::new(), |p| format!("line {}", p.line()));
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "not valid UTF-8: save the export as UTF-8 or Unicode (csvde -u; Export-Csv -Encoding UTF8)"
                .to_string()
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => e.to_string(),
    };
    InputError::new(file, position, message)
}
