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
    /// Use a load that is not whole (objects skipped, a file cut short, a Graph export without
    /// the properties the rules need): the output is printed and the exit status is 3.
    #[arg(long, global = true)]
    allow_partial: bool,
    /// Reuse a binary cache of the loaded, indexed and planned snapshot, written beside it as
    /// NAME.syncscope-cache the first time; it is used only while the snapshot's files, the
    /// options above and this build of syncscope are unchanged.
    #[arg(long, global = true)]
    cache: bool,
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

/// The highest object count `generate` and `bench` take (more would not fit in memory anyway).
const MAX_OBJECTS: u64 = 50_000_000;

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
        /// Output format: text (default), json (= --json) or csv (one row per on-prem object).
        #[arg(long, value_parser = ["text", "json", "csv"], conflicts_with_all = ["json", "explain"])]
        format: Option<String>,
        /// With --json or --format csv: only these fields of each outcome, in this order
        /// (e.g. objectGUID,result,cloudId); features, summary and load report stay.
        #[arg(long, value_name = "F1,F2,...", conflicts_with = "explain")]
        fields: Option<String>,
    },
    /// Pre-sync readiness: attribute checks of both directories, cross-directory duplicates and
    /// hard-match hardening blockers, each with the plan's outcome and the fix.
    Check(CheckArgs),
    /// Write the readiness report: one self-contained HTML file (plan, charts, conflicts, fixes).
    Report {
        snapshot: PathBuf,
        #[command(flatten)]
        set: SetArgs,
        /// The HTML file to write.
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
        /// Replace FILE.html if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Apply N sync cycles and write the resulting bundle.
    Sync {
        snapshot: PathBuf,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        cycles: u32,
        #[command(flatten)]
        set: SetArgs,
        /// Where to write the resulting bundle (written atomically; never the snapshot itself).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists (otherwise an existing file is never overwritten).
        #[arg(long)]
        force: bool,
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
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_OBJECTS))]
        objects: u64,
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists (otherwise an existing file is never overwritten).
        #[arg(long)]
        force: bool,
    },
    /// The scale benchmark: load, plan, re-plan, filter, frames and memory for generated tenants.
    Bench {
        /// Objects on each side, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000",
              value_parser = clap::value_parser!(u64).range(1..=MAX_OBJECTS))]
        sizes: Vec<u64>,
    },
    /// Read the directories live (LDAP and/or Microsoft Graph) into a folder of exports.
    Collect(syncscope::collect::cli::CollectArgs),
    /// Every form of a source anchor from any one form (GUID, ImmutableID, hex, LDAP, DN).
    Immutableid {
        value: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct CheckArgs {
    snapshot: PathBuf,
    #[command(flatten)]
    set: SetArgs,
    /// Only these rules (repeat; ids as in docs/checks.md, e.g. C2), for the output and the script.
    #[arg(long = "rule", value_name = "ID", value_parser = parse_rule)]
    rules: Vec<syncscope::check::Rule>,
    /// Write one PowerShell script with the fixes of the findings shown.
    #[arg(long, value_name = "FILE")]
    fix_script: Option<PathBuf>,
    /// Replace the fix script if it exists.
    #[arg(long, requires = "fix_script")]
    force: bool,
    /// Treat an apostrophe in a UPN as invalid, as IdFix does (the Entra page allows it).
    #[arg(long)]
    idfix_apostrophe: bool,
    #[arg(long)]
    json: bool,
}

fn parse_rule(text: &str) -> Result<syncscope::check::Rule, String> {
    syncscope::check::Rule::parse(text).ok_or_else(|| {
        format!(
            "no rule {text:?}; rules: {}",
            syncscope::check::Rule::ALL
                .iter()
                .map(|r| r.id())
                .collect::<Vec<_>>()
                .join(" ")
        )
    })
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
    let import = Import {
        options: cli.import.options(),
        allow_partial: cli.import.allow_partial,
        cache: cli.import.cache,
    };
    let result = match cli.command {
        None => explore(
            cli.snapshot.as_deref().unwrap_or(Path::new(SAMPLE)),
            &import,
        )
        .map(|()| Whole::Yes),
        Some(cmd) => run(cmd, &import),
    };
    match result {
        // Interfaces §7: a partial load used with --allow-partial.
        Ok(Whole::No) => ExitCode::from(3),
        Ok(Whole::Yes) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("syncscope: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Usage) => ExitCode::from(2),
        Err(Failure::Exit1) => ExitCode::from(1),
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("syncscope: {e}");
            ExitCode::from(1)
        }
    }
}

/// How this run reads snapshots: the Connect overrides, `--allow-partial` and `--cache`.
struct Import {
    options: ImportOptions,
    allow_partial: bool,
    cache: bool,
}

/// Whether the snapshots this run used were loaded whole (interfaces §7: exit 3 when not).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Whole {
    Yes,
    No,
}

enum Failure {
    Input(InputError),
    /// Bad usage; the message is already printed.
    Usage,
    /// Exit 1; the message is already printed.
    Exit1,
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

/// Loads a SNAPSHOT (bundle file or folder of exports). Interfaces §7: the load report goes to
/// stderr, and a partial load is refused (exit 1) unless `--allow-partial`.
fn load(path: &Path, import: &Import) -> Result<syncscope::import::Loaded, InputError> {
    let loaded = syncscope::import::load_snapshot(path, &import.options)?;
    let label = path.display().to_string();
    eprint!("{}", loaded.report.stderr_text(&label));
    loaded.report.require_whole(&label, import.allow_partial)?;
    Ok(loaded)
}

/// Loads and plans a SNAPSHOT with this run's `--set` overrides; the load report comes along
/// for the `"load"` member of `--json` output. With `--cache`, a current cache is read instead,
/// or the cache is written after the load (what happened is said on stderr).
fn open(
    path: &Path,
    import: &Import,
    set: &SetArgs,
) -> Result<syncscope::cache::Opened, InputError> {
    use syncscope::cache::Use;
    let label = path.display().to_string();
    let opened =
        syncscope::cache::open(path, &import.options, import.cache, &set.set, false, |r| {
            eprint!("{}", r.stderr_text(&label));
            r.require_whole(&label, import.allow_partial)
        })?;
    let shown = |p: &Path| display_safe(&p.display().to_string()).into_owned();
    match &opened.cache {
        Use::Off => {}
        Use::Read(cache) => eprintln!("syncscope: read from the cache {}", shown(cache)),
        Use::Missed { why, .. } => {
            let cache = syncscope::cache::path_for(path);
            let why = display_safe(&why.to_string()).into_owned();
            match opened.write_cache(path, &import.options) {
                Some(Ok((written, size))) => eprintln!(
                    "syncscope: {why}; wrote {} ({:.1} MiB)",
                    shown(&written),
                    size as f64 / (1 << 20) as f64
                ),
                Some(Err(e)) => eprintln!(
                    "syncscope: {why}; not written: {}: {}",
                    shown(&cache),
                    display_safe(&e.to_string())
                ),
                None => {}
            }
        }
    }
    Ok(opened)
}

/// `plan --fields`: the chosen fields (all of the format's when none are given); an unknown
/// field, or --fields without --json / --format csv, is bad usage (exit 2).
fn plan_fields(
    list: Option<&str>,
    json: bool,
    csv: bool,
) -> Result<Vec<render::plan::Field>, Failure> {
    let valid = if csv {
        syncscope::plan_csv::column_fields()
    } else {
        render::plan::Field::ALL.to_vec()
    };
    let Some(list) = list else { return Ok(valid) };
    if !json && !csv {
        eprintln!("syncscope: --fields needs --json or --format json|csv");
        return Err(Failure::Usage);
    }
    render::plan::parse_fields(list, &valid).map_err(|message| {
        eprintln!("syncscope: {message}");
        Failure::Usage
    })
}

fn whole(report: &syncscope::import::LoadReport) -> Whole {
    if report.is_partial() {
        Whole::No
    } else {
        Whole::Yes
    }
}

fn replace(force: bool) -> syncscope::atomic::Replace {
    if force {
        syncscope::atomic::Replace::Allowed
    } else {
        syncscope::atomic::Replace::Never
    }
}

/// An output file that could not be written, as bad input naming the file.
fn write_error(path: &Path, what: &str, e: std::io::Error) -> InputError {
    let file = path.display().to_string();
    match e.kind() {
        std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::InvalidInput => {
            InputError::new(file, "", e.to_string())
        }
        _ => InputError::new(file, "", format!("cannot write {what} here: {e}")),
    }
}

fn explore(snapshot: &Path, import: &Import) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        // Bad input is still reported as such (exit 1) before the usage error.
        load(snapshot, import)?;
        eprintln!(
            "syncscope: the explorer needs a terminal; for text output use `syncscope plan {}`",
            display_safe(&snapshot.display().to_string())
        );
        return Err(Failure::Usage);
    }
    // The path as the user would type it (commands the explorer generates reuse it).
    let shown = if snapshot == Path::new(SAMPLE) {
        "sample-data/contoso.json".to_string()
    } else {
        snapshot.display().to_string()
    };
    match syncscope::tui::run(
        shown,
        snapshot.to_path_buf(),
        import.options.clone(),
        import.allow_partial,
        import.cache,
    ) {
        Ok(()) => Ok(()),
        Err(syncscope::tui::RunError::Input(e)) => Err(Failure::Input(e)),
        Err(syncscope::tui::RunError::Io(e)) => Err(Failure::Io(e)),
    }
}

/// `syncscope collect`: the library collects and prints its summary; usage errors exit 2.
fn collect(args: &syncscope::collect::cli::CollectArgs, import: &Import) -> Result<(), Failure> {
    syncscope::collect::cli::run(args, &import.options).map_err(|e| {
        eprintln!("syncscope: {}", display_safe(&e.message));
        if e.usage {
            Failure::Usage
        } else {
            Failure::Exit1
        }
    })
}

fn run(cmd: Command, import: &Import) -> Result<Whole, Failure> {
    let mut stdout = std::io::stdout().lock();
    let mut whole_load = Whole::Yes;
    match cmd {
        Command::Plan {
            snapshot,
            set,
            json,
            explain,
            format,
            fields,
        } => {
            let json = json || format.as_deref() == Some("json");
            let csv = format.as_deref() == Some("csv");
            // Checked before the snapshot is loaded: a usage error costs nothing.
            let fields = plan_fields(fields.as_deref(), json, csv)?;
            let syncscope::cache::Opened {
                session: s, report, ..
            } = open(&snapshot, import, &set)?;
            whole_load = whole(&report);
            if csv {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                syncscope::plan_csv::write_plan_csv_fields(
                    &s.snapshot,
                    &s.plan,
                    &fields,
                    &mut out,
                )?;
                out.flush()?;
                std::mem::forget(s);
                return Ok(whole_load);
            }
            if json {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                render::plan::write_json(&s.snapshot, &s.plan, Some(&report), &fields, &mut out)?;
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
            force,
        } => {
            let syncscope::cache::Opened {
                session: s,
                report: load_report,
                ..
            } = open(&snapshot, import, &set)?;
            whole_load = whole(&load_report);
            let (report, after) = syncscope::apply::sync_cycles(&s.snapshot, cycles);
            let document = syncscope::bundle::PrettyBundle(&after);
            syncscope::atomic::write_with(&out, replace(force), &[&snapshot], |w| {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
                serde_json::to_writer_pretty(&mut w, &document)?;
                w.flush()
            })
            .map_err(|e| write_error(&out, "the resulting bundle", e))?;
            render::sync::text(
                &render::sync::SyncReport {
                    cycles: report,
                    out: out.display().to_string(),
                },
                &mut stdout,
            )?;
        }
        Command::Errors(args) => {
            let syncscope::cache::Opened {
                session: s,
                report: load_report,
                ..
            } = open(&args.snapshot, import, &args.set)?;
            whole_load = whole(&load_report);
            let mut report = render::errors::ErrorsReport::new(
                args.query(),
                &s.error_rows(args.after_sync),
                args.after_sync,
            );
            report.load = Some(load_report);
            if args.json {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                render::errors::write_json(&report, &mut out)?;
                writeln!(out)?;
                out.flush()?;
            } else {
                render::errors::text(&report, &mut stdout)?;
            }
        }
        Command::Check(args) => whole_load = check(args, import, &mut stdout)?,
        Command::Report {
            snapshot,
            set,
            out,
            force,
        } => {
            let opened = open(&snapshot, import, &set)?;
            whole_load = whole(&opened.report);
            let s = &opened.session;
            let (b, ix, p) = (&*s.snapshot, s.index(), &*s.plan);
            let c = syncscope::check::check(b, ix, p, Default::default());
            // With --set: the snapshot's own settings are the what-if baseline.
            let base_settings = (!set.set.is_empty()).then_some(opened.settings);
            let base_plan = base_settings
                .as_ref()
                .map(|s| syncscope::plan::plan_with(b, ix, s));
            let html = syncscope::report_html::render(&syncscope::report_html::ReportInput {
                bundle: b,
                plan: p,
                check: &c,
                baseline: base_settings.as_ref().zip(base_plan.as_ref()),
                snapshot: &snapshot.display().to_string(),
            })
            .map_err(|e| std::io::Error::other(format!("rendering the report: {e}")))?;
            syncscope::report_html::write_report(&out, &html, replace(force), &[&snapshot])
                .map_err(|e| write_error(&out, "the report", e))?;
            writeln!(
                stdout,
                "wrote {} ({}; {} readiness finding(s))",
                display_safe(&out.display().to_string()),
                syncscope::report::summary_line(p),
                c.findings.len()
            )?;
        }
        Command::Scenario { file, json } => {
            let s = syncscope::scenario::load_scenario(&file)?;
            let (reports, final_state) = syncscope::scenario::run_scenario(&s)?;
            if json {
                syncscope::sanitize::write_json(
                    &mut stdout,
                    &render::scenario::json(&reports, &final_state),
                )?;
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
            let loaded = load(&snapshot, import)?;
            whole_load = whole(&loaded.report);
            let file = csv.display().to_string();
            let bytes = syncscope::import::read_regular_file(&csv, &file, "the CSV")?;
            let rows = syncscope::hardmatch::check(
                &loaded.bundle,
                syncscope::hardmatch::read_csv(&file, &bytes)?,
            );
            if let Some(path) = &out {
                let text = syncscope::hardmatch::script(&rows, &snapshot.display().to_string());
                syncscope::atomic::check_target(path, replace(force), &[&snapshot, &csv])
                    .and_then(|()| syncscope::remediation::write_script(path, &text, force))
                    .map_err(|e| write_error(path, "the script", e))?;
            }
            let report = render::hardmatch::HardmatchReport {
                rows,
                script: out.as_ref().map(|p| p.display().to_string()),
                load: Some(loaded.report),
            };
            if json {
                writeln!(
                    stdout,
                    "{}",
                    syncscope::sanitize::json_string(&render::hardmatch::json(&report))
                )?;
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
        Command::Generate {
            objects,
            seed,
            out,
            force,
        } => {
            // Streamed into a temporary file beside the target, then renamed into place.
            syncscope::atomic::write_with(&out, replace(force), &[], |w| {
                syncscope::generate::write_generated(objects as usize, seed, w)
            })
            .map_err(|e| write_error(&out, "the generated tenant", e))?;
            writeln!(
                stdout,
                "wrote {objects} on-prem + {objects} cloud objects (seed {seed}) to {}",
                display_safe(&out.display().to_string())
            )?;
        }
        Command::Bench { sizes } => {
            drop(stdout);
            let mut out = std::io::stdout().lock();
            let sizes: Vec<usize> = sizes.into_iter().map(|n| n as usize).collect();
            syncscope::bench::run(&sizes, &mut out)?;
            return Ok(Whole::Yes);
        }
        Command::Collect(args) => collect(&args, import)?,
        Command::Immutableid { value, json } => {
            let (anchor, input_form) = syncscope::anchor::Anchor::parse_any(&value)
                .map_err(|e| InputError::new("argument VALUE", "", e.0))?;
            let report = render::anchor::AnchorForms { anchor, input_form };
            if json {
                writeln!(
                    stdout,
                    "{}",
                    syncscope::sanitize::json_string(&render::anchor::json(&report))
                )?;
            } else {
                render::anchor::text(&report, &mut stdout)?;
            }
        }
    }
    Ok(whole_load)
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

/// `syncscope check`: readiness findings (interfaces §9) on the plan of the snapshot with its
/// `--set` overrides.
fn check(args: CheckArgs, import: &Import, stdout: &mut impl Write) -> Result<Whole, Failure> {
    let syncscope::cache::Opened {
        session: s,
        report: load_report,
        ..
    } = open(&args.snapshot, import, &args.set)?;
    let (b, ix, p) = (&*s.snapshot, s.index(), &*s.plan);
    let opts = syncscope::check::CheckOptions {
        upn_apostrophe_invalid: args.idfix_apostrophe,
    };
    let mut r = syncscope::check::check(b, ix, p, opts);
    if !args.rules.is_empty() {
        r.findings.retain(|f| args.rules.contains(&f.rule));
    }
    if let Some(path) = &args.fix_script {
        let selected: Vec<&syncscope::check::Finding> = r.findings.iter().collect();
        let rules: Vec<&str> = if args.rules.is_empty() {
            vec!["every rule"]
        } else {
            args.rules.iter().map(|r| r.id()).collect()
        };
        let title = format!("Readiness fixes ({})", rules.join(", "));
        let text = syncscope::check::fix_script(
            b,
            &selected,
            &title,
            &args.snapshot.display().to_string(),
        );
        syncscope::atomic::check_target(path, replace(args.force), &[&args.snapshot])
            .and_then(|()| syncscope::remediation::write_script(path, &text, args.force))
            .map_err(|e| write_error(path, "the fix script", e))?;
    }
    if args.json {
        let extra = [
            (
                "fixScript",
                serde_json::json!(args.fix_script.as_ref().map(|p| p.display().to_string())),
            ),
            ("load", load_report.to_json()),
        ];
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *stdout);
        syncscope::check::write_report_json(b, p, &r, &extra, &mut out)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        write!(stdout, "{}", syncscope::check::report_text(b, p, &r))?;
        if let Some(path) = &args.fix_script {
            writeln!(
                stdout,
                "fix script: {}",
                display_safe(&path.display().to_string())
            )?;
        }
    }
    Ok(whole(&load_report))
}
