//! The `syncscope` binary: parses arguments, calls the library, prints. Exit status 0 on
//! success, 1 for bad input (the message names file, position and expectation), 2 for bad usage.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use syncscope::error::InputError;
use syncscope::import::ImportOptions;
use syncscope::model::PropertyName;
use syncscope::query::{ErrorQuery, Limit, SortDirection, SortField};
use syncscope::render;
use syncscope::sanitize::display_safe;
use syncscope::session::Session;
use syncscope::settings::{Setting, Settings};

/// The tenant bundled with syncscope, opened when no snapshot is named.
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");

#[derive(Parser)]
#[command(
    name = "syncscope",
    version,
    about = "See what the next Microsoft Entra Connect sync does to every object, and why.",
    long_about = "See what the next Microsoft Entra Connect sync does to every object, and why.\n\n\
        With no command, opens the explorer on SNAPSHOT (default: the bundled sample tenant).",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Snapshot to explore: a bundle file or a folder of exports (default: the bundled sample).
    snapshot: Option<PathBuf>,
    #[command(flatten)]
    import: ImportArgs,
}

/// Connect settings for a folder of exports (they override its connect.json).
#[derive(Args, Clone, Default)]
struct ImportArgs {
    /// The Connect sourceAnchor attribute.
    #[arg(long, global = true, value_parser = ["objectGUID", "mS-DS-ConsistencyGuid"])]
    source_anchor: Option<String>,
    /// An OU in sync scope (repeat for several); none given: connect.json or the whole directory.
    #[arg(long = "included-ou", global = true, value_name = "DN")]
    included_ous: Vec<String>,
}

impl ImportArgs {
    fn options(&self) -> ImportOptions {
        ImportOptions {
            source_anchor: self.source_anchor.as_deref().map(|a| match a {
                "objectGUID" => syncscope::model::SourceAnchorAttribute::ObjectGuid,
                _ => syncscope::model::SourceAnchorAttribute::ConsistencyGuid,
            }),
            included_ous: (!self.included_ous.is_empty()).then(|| self.included_ous.clone()),
        }
    }
}

#[derive(Args)]
struct SetArgs {
    /// Override a tenant feature or rule-book switch for this run: FEATURE=true|false.
    #[arg(long = "set", value_name = "FEATURE=BOOL", value_parser = Settings::parse_assignment)]
    set: Vec<(Setting, bool)>,
}

#[derive(Subcommand)]
enum Command {
    /// What the next sync cycle would do, per on-prem object.
    Plan {
        snapshot: PathBuf,
        #[command(flatten)]
        set: SetArgs,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
        /// Print each object's explanation trace under its row.
        #[arg(long)]
        explain: bool,
    },
    /// Apply N sync cycles and write the resulting bundle.
    Sync {
        snapshot: PathBuf,
        #[arg(long, default_value_t = 1)]
        cycles: u32,
        #[command(flatten)]
        set: SetArgs,
        /// Where to write the resulting bundle (written atomically).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Provisioning errors, like Get-MsolDirSyncProvisioningError (rule book §7).
    Errors(ErrorsArgs),
    /// Run a scenario (a bundle plus a list of actions) step by step.
    Scenario {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Bulk hard match: check SamAccountName,CloudUPN pairs and write the script for those that pass.
    Hardmatch {
        snapshot: PathBuf,
        /// CSV with the columns SamAccountName and CloudUPN.
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Write the PowerShell script for the rows that pass here.
        #[arg(long, value_name = "SCRIPT")]
        out: Option<PathBuf>,
        /// Replace SCRIPT if it exists (otherwise an existing file is never overwritten).
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a realistic synthetic tenant: N on-prem + N cloud objects, the same mix as real ones.
    Generate {
        #[arg(long, value_name = "N")]
        objects: usize,
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The scale benchmark: load, plan, re-plan, filter, frames and memory for generated tenants.
    Bench {
        /// Objects on each side, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
    },
    /// Every form of a source anchor from any one form (GUID, ImmutableID, hex, LDAP, DN).
    Immutableid {
        value: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct ErrorsArgs {
    snapshot: PathBuf,
    /// Include the errors the next sync cycle would add (marked as such).
    #[arg(long)]
    after_sync: bool,
    #[command(flatten)]
    set: SetArgs,
    /// UserPrincipalName or ProxyAddresses (case-sensitive, as the cmdlet).
    #[arg(long, value_parser = ["UserPrincipalName", "ProxyAddresses"])]
    property_name: Option<String>,
    /// The conflicting value (only with --property-name).
    #[arg(long, requires = "property_name")]
    property_value: Option<String>,
    /// Prefix of the display name, UPN or value (case-sensitive).
    #[arg(long)]
    search_string: Option<String>,
    #[arg(long, value_parser = ["DisplayName", "UserPrincipalName", "None"])]
    sort_field: Option<String>,
    #[arg(long, value_parser = ["Ascending", "Descending"])]
    sort_direction: Option<String>,
    /// At most N errors (default 500, as the cmdlet).
    #[arg(long, conflicts_with = "all")]
    max_results: Option<usize>,
    /// Every error.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    // A child process of `syncscope bench` measures one size and exits here.
    syncscope::bench::child_if_requested(Some(syncscope::tui::frame_times));
    let cli = Cli::parse();
    let import = cli.import.options();
    let result = match cli.command {
        None => explore(
            cli.snapshot.as_deref().unwrap_or(Path::new(SAMPLE)),
            &import,
        ),
        Some(cmd) => run(cmd, &import),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("syncscope: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Usage) => ExitCode::from(2),
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("syncscope: {e}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Input(InputError),
    /// Bad usage; the message is already printed.
    Usage,
    Io(std::io::Error),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Loads a SNAPSHOT (bundle file or folder of exports); a load report that is not clean goes
/// to stderr.
fn load(path: &Path, import: &ImportOptions) -> Result<syncscope::model::Bundle, InputError> {
    let loaded = syncscope::import::load_snapshot(path, import)?;
    if !loaded.report.is_clean() {
        eprintln!("syncscope: {}: {}", path.display(), loaded.report.summary());
        for issue in loaded.report.warnings.iter().chain(&loaded.report.skipped) {
            eprintln!("  {}", display_safe(&issue.to_string()));
        }
    }
    Ok(loaded.bundle)
}

/// Loads and plans a SNAPSHOT with this run's `--set` overrides.
fn open(path: &Path, import: &ImportOptions, set: &SetArgs) -> Result<Session, InputError> {
    Ok(Session::open(load(path, import)?, &set.set))
}

fn explore(snapshot: &Path, import: &ImportOptions) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        // Bad input is still reported as such (exit 1) before the usage error.
        load(snapshot, import)?;
        eprintln!(
            "syncscope: the explorer needs a terminal; for text output use `syncscope plan {}`",
            snapshot.display()
        );
        return Err(Failure::Usage);
    }
    // The path as the user would type it (commands the explorer generates reuse it).
    let shown = if snapshot == Path::new(SAMPLE) {
        "sample-data/contoso.json".to_string()
    } else {
        snapshot.display().to_string()
    };
    match syncscope::tui::run(shown, snapshot.to_path_buf(), import.clone()) {
        Ok(()) => Ok(()),
        Err(syncscope::tui::RunError::Input(e)) => Err(Failure::Input(e)),
        Err(syncscope::tui::RunError::Io(e)) => Err(Failure::Io(e)),
    }
}

/// An error writing `path`, said as bad input naming the file.
fn cannot_write(path: &Path, what: &str, e: std::io::Error) -> InputError {
    let message = if e.kind() == std::io::ErrorKind::AlreadyExists {
        "exists; not overwritten (pass --force to replace it)".to_string()
    } else {
        format!("cannot write {what}: {e}")
    };
    InputError::new(path.display().to_string(), "", message)
}

fn run(cmd: Command, import: &ImportOptions) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match cmd {
        Command::Plan {
            snapshot,
            set,
            json,
            explain,
        } => {
            let s = open(&snapshot, import, &set)?;
            if json {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                render::plan::json(&s, &mut out)?;
                out.flush()?;
                // The process ends next: freeing a large tenant object by object would only
                // add time (about a fifth of a 200,000-object run).
                std::mem::forget(s);
            } else if explain {
                render::plan::explained(&s, &mut stdout)?;
            } else {
                render::plan::table(&s, &mut stdout)?;
            }
        }
        Command::Sync {
            snapshot,
            cycles,
            set,
            out,
        } => {
            let s = open(&snapshot, import, &set)?;
            let (report, after) = syncscope::apply::sync_cycles(&s.snapshot, cycles);
            syncscope::remediation::write_atomically(&out, true, |w| {
                serde_json::to_writer_pretty(w, &syncscope::bundle::bundle_to_json(&after))
                    .map_err(std::io::Error::from)
            })
            .map_err(|e| cannot_write(&out, "the resulting bundle here", e))?;
            render::sync::text(
                &render::sync::SyncReport {
                    cycles: report,
                    out: out.display().to_string(),
                },
                &mut stdout,
            )?;
        }
        Command::Errors(args) => {
            let s = open(&args.snapshot, import, &args.set)?;
            let report = render::errors::ErrorsReport::new(
                args.query(),
                &s.error_rows(args.after_sync),
                args.after_sync,
            );
            if args.json {
                serde_json::to_writer(&mut stdout, &render::errors::json(&report))
                    .map_err(std::io::Error::from)?;
                writeln!(stdout)?;
            } else {
                render::errors::text(&report, &mut stdout)?;
            }
        }
        Command::Scenario { file, json } => {
            let s = syncscope::scenario::load_scenario(&file)?;
            let (reports, final_state) = syncscope::scenario::run_scenario(&s)?;
            if json {
                serde_json::to_writer(&mut stdout, &render::scenario::json(&reports, &final_state))
                    .map_err(std::io::Error::from)?;
                writeln!(stdout)?;
            } else {
                render::scenario::text(&reports, &mut stdout)?;
            }
        }
        Command::Hardmatch {
            snapshot,
            csv,
            out,
            force,
            json,
        } => {
            let b = load(&snapshot, import)?;
            let file = csv.display().to_string();
            let bytes = std::fs::read(&csv)
                .map_err(|e| InputError::new(&file, "", format!("cannot read the CSV: {e}")))?;
            let rows =
                syncscope::hardmatch::check(&b, syncscope::hardmatch::read_csv(&file, &bytes)?);
            if let Some(path) = &out {
                let text = syncscope::hardmatch::script(&rows, &snapshot.display().to_string());
                syncscope::remediation::write_script(path, &text, force)
                    .map_err(|e| cannot_write(path, "the script", e))?;
            }
            let report = render::hardmatch::HardmatchReport {
                rows,
                script: out.as_ref().map(|p| p.display().to_string()),
            };
            if json {
                writeln!(stdout, "{}", render::hardmatch::json(&report))?;
            } else {
                render::hardmatch::text(&report, &mut stdout)?;
            }
            if report.with_problems() > 0 {
                return Err(Failure::Input(InputError::new(
                    file,
                    "",
                    format!(
                        "{} row(s) need attention (listed above, by line)",
                        report.with_problems()
                    ),
                )));
            }
        }
        Command::Generate { objects, seed, out } => {
            syncscope::remediation::write_atomically(&out, true, |w| {
                syncscope::generate::write_generated(objects, seed, w)
            })?;
            writeln!(
                stdout,
                "wrote {objects} on-prem + {objects} cloud objects (seed {seed}) to {}",
                out.display()
            )?;
        }
        Command::Bench { sizes } => {
            drop(stdout);
            let mut out = std::io::stdout().lock();
            syncscope::bench::run(&sizes, &mut out)?;
        }
        Command::Immutableid { value, json } => {
            let (anchor, input_form) = syncscope::anchor::Anchor::parse_any(&value)
                .map_err(|e| InputError::new("argument VALUE", "", e.0))?;
            let report = render::anchor::AnchorForms { anchor, input_form };
            if json {
                writeln!(stdout, "{}", render::anchor::json(&report))?;
            } else {
                render::anchor::text(&report, &mut stdout)?;
            }
        }
    }
    Ok(())
}

impl ErrorsArgs {
    /// The Get-MsolDirSyncProvisioningError query these arguments spell.
    fn query(&self) -> ErrorQuery {
        ErrorQuery {
            property_name: self.property_name.as_deref().and_then(PropertyName::parse),
            property_value: self.property_value.clone(),
            search_string: self.search_string.clone(),
            sort_field: self
                .sort_field
                .as_deref()
                .and_then(SortField::parse)
                .unwrap_or_default(),
            sort_direction: self
                .sort_direction
                .as_deref()
                .and_then(SortDirection::parse)
                .unwrap_or_default(),
            limit: match (self.max_results, self.all) {
                (_, true) => Limit::All,
                (Some(n), false) => Limit::MaxResults(n),
                (None, false) => Limit::Default,
            },
        }
    }
}
