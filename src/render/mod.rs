//! Every report of the command line rendered in one place: `json` gives the document of
//! `--json` (shapes in interfaces.md, fields only ever added), `text` the lines for people.
//! Values from the snapshot pass through the display sanitizer before they reach a terminal.
//! The plan's own JSON and table live in `crate::report` (streamed for large tenants).

pub mod anchor;
pub mod errors;
pub mod hardmatch;
pub mod plan;
pub mod scenario;
pub mod sync;
