//! `errors` (interfaces §4): provisioning errors as Get-MsolDirSyncProvisioningError lists them.

use crate::query::{ErrorQuery, ErrorRow};
use serde_json::{Value, json};
use std::io::Write;

/// The errors a query selected.
#[derive(Clone, Debug)]
pub struct ErrorsReport {
    pub query: ErrorQuery,
    /// The selected rows, in the query's order.
    pub rows: Vec<ErrorRow>,
    /// How many matched before -MaxResults cut them.
    pub total: usize,
    /// Whether the next sync's errors are included (marked).
    pub after_sync: bool,
    /// How the snapshot loaded (the `"load"` member, interfaces §7).
    pub load: Option<crate::import::LoadReport>,
}

impl ErrorsReport {
    /// Runs a query over the rows of a session's errors.
    pub fn new(query: ErrorQuery, rows: &[ErrorRow], after_sync: bool) -> Self {
        let (hits, total) = query.run(rows);
        let rows = hits.into_iter().cloned().collect();
        ErrorsReport {
            query,
            rows,
            total,
            after_sync,
            load: None,
        }
    }
}

pub fn json(r: &ErrorsReport) -> Value {
    json!({
        "errors": r.rows.iter().map(crate::query::row_json).collect::<Vec<_>>(),
        "load": r.load.as_ref().map_or(Value::Null, |l| l.to_json()),
    })
}

/// [`json`] written row by row through the safe formatter (the same bytes, no document held).
pub fn write_json(r: &ErrorsReport, out: &mut impl Write) -> std::io::Result<()> {
    use serde::ser::{SerializeMap, Serializer};
    struct Rows<'a>(&'a [ErrorRow]);
    impl serde::Serialize for Rows<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(crate::query::row_json))
        }
    }
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, crate::sanitize::SafeJsonFormatter);
    let load = r.load.as_ref().map_or(Value::Null, |l| l.to_json());
    let mut m = ser.serialize_map(None)?;
    m.serialize_entry("errors", &Rows(&r.rows))?;
    m.serialize_entry("load", &load)?;
    SerializeMap::end(m).map_err(std::io::Error::from)
}

pub fn text(r: &ErrorsReport, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "# {}", r.query.cmdlet_line())?;
    let refs: Vec<&ErrorRow> = r.rows.iter().collect();
    write!(out, "{}", crate::report::errors_table(&refs, r.after_sync))?;
    let new = r.rows.iter().filter(|r| r.new_in_next_sync).count();
    write!(
        out,
        "\n{} of {} provisioning errors shown",
        r.rows.len(),
        r.total
    )?;
    if r.after_sync {
        write!(out, " ({new} added by the next sync)")?;
    }
    writeln!(out)?;
    if r.rows.len() < r.total {
        writeln!(out, "(use --all or --max-results N to see more)")?;
    }
    writeln!(out, "Graph equivalent: {}", r.query.graph_powershell())
}
