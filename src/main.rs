//! The `syncscope` binary: parses arguments, calls the library, prints. Exit status 0 on
//! success, 1 for bad input (the message names file, position and expectation), 2 for bad usage.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use syncscope::anchor::Anchor;
use syncscope::apply::sync_cycle;
use syncscope::bundle::bundle_to_json;
use syncscope::error::InputError;
use syncscope::model::{Bundle, PropertyName};
use syncscope::outcome::SyncResult;
use syncscope::plan::plan;
use syncscope::query::{
    ErrorQuery, Limit, SortDirection, SortField, error_rows, error_rows_after_sync, row_json,
};
use syncscope::report;
use syncscope::sanitize::display_safe;
use syncscope::scenario::{load_scenario, run_scenario, scenario_json};
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
}

impl ImportArgs {
    fn options(&self) -> syncscope::import::ImportOptions {
        syncscope::import::ImportOptions {
            source_anchor: self.source_anchor.as_deref().map(|a| match a {
                "objectGUID" => syncscope::model::SourceAnchorAttribute::ObjectGuid,
                _ => syncscope::model::SourceAnchorAttribute::ConsistencyGuid,
            }),
            included_ous: (!self.included_ous.is_empty()).then(|| self.included_ous.clone()),
        }
    }
}

thread_local! {
    /// The import options of this run, set once in main.
    static IMPORT: std::cell::RefCell<syncscope::import::ImportOptions> = Default::default();
    /// `--allow-partial`, set once in main.
    static ALLOW_PARTIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The report of the last load, for the `"load"` member of `--json` output and exit 3.
    static LAST_LOAD: std::cell::RefCell<Option<syncscope::import::LoadReport>> = Default::default();
}

/// The load report of this run as JSON (`null` when nothing was loaded).
fn load_json() -> serde_json::Value {
    LAST_LOAD.with(|l| {
        l.borrow()
            .as_ref()
            .map_or(serde_json::Value::Null, |r| r.to_json())
    })
}

/// The highest object count `generate` and `bench` take (more would not fit in memory anyway).
const MAX_OBJECTS: u64 = 50_000_000;

#[derive(Args)]
struct SetArgs {
    /// Override a tenant feature or rule-book switch for this run: FEATURE=true|false.
    #[arg(long = "set", value_name = "FEATURE=BOOL", value_parser = parse_set)]
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

fn parse_set(text: &str) -> Result<(Setting, bool), String> {
    Settings::parse_assignment(text)
}

fn main() -> ExitCode {
    // A child process of `syncscope bench` measures one size and exits here.
    syncscope::bench::child_if_requested(Some(syncscope::tui::frame_times));
    let cli = Cli::parse();
    IMPORT.with(|o| *o.borrow_mut() = cli.import.options());
    ALLOW_PARTIAL.with(|a| a.set(cli.import.allow_partial));
    let result = match cli.command {
        None => explore(cli.snapshot.as_deref().unwrap_or(Path::new(SAMPLE))),
        Some(cmd) => run(cmd),
    };
    let partial = LAST_LOAD.with(|l| l.borrow().as_ref().is_some_and(|r| r.is_partial()));
    match result {
        // Interfaces §7: a partial load used with --allow-partial.
        Ok(()) if partial => ExitCode::from(3),
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

/// Loads a SNAPSHOT (bundle file or folder of exports); the load report goes to stderr.
fn load(path: &Path) -> Result<Bundle, InputError> {
    load_reported(path).map(|(b, _)| b)
}

/// Interfaces §7: the load report goes to stderr, and a partial load is refused (exit 1) unless
/// `--allow-partial`.
fn load_reported(path: &Path) -> Result<(Bundle, syncscope::import::LoadReport), InputError> {
    let loaded = IMPORT.with(|o| syncscope::import::load_snapshot(path, &o.borrow()))?;
    let label = path.display().to_string();
    eprint!("{}", loaded.report.stderr_text(&label));
    loaded
        .report
        .require_whole(&label, ALLOW_PARTIAL.with(|a| a.get()))?;
    LAST_LOAD.with(|l| *l.borrow_mut() = Some(loaded.report.clone()));
    Ok((loaded.bundle, loaded.report))
}

fn load_with(path: &Path, set: &SetArgs) -> Result<Bundle, InputError> {
    let mut b = load(path)?;
    for (s, v) in &set.set {
        b.settings.set(*s, *v);
    }
    Ok(b)
}

fn explore(snapshot: &Path) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        // Bad input is still reported as such (exit 1) before the usage error.
        load_reported(snapshot)?;
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
    let path = snapshot.to_path_buf();
    let options = IMPORT.with(|o| o.borrow().clone());
    let allow_partial = ALLOW_PARTIAL.with(|a| a.get());
    let loader = move || {
        let loaded = syncscope::import::load_snapshot(&path, &options)?;
        // Interfaces §7; with --allow-partial the TUI shows LoadReport::is_partial() as a banner.
        loaded
            .report
            .require_whole(&path.display().to_string(), allow_partial)?;
        let absolute = std::fs::canonicalize(&path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.display().to_string());
        Ok((loaded.bundle, loaded.report, absolute))
    };
    match syncscope::tui::run(shown, loader) {
        Ok(()) => Ok(()),
        Err(syncscope::tui::RunError::Input(e)) => Err(Failure::Input(e)),
        Err(syncscope::tui::RunError::Io(e)) => Err(Failure::Io(e)),
    }
}

fn run(cmd: Command) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match cmd {
        Command::Plan {
            snapshot,
            set,
            json,
            explain,
            format,
        } => {
            let b = load_with(&snapshot, &set)?;
            let p = plan(&b);
            let json = json || format.as_deref() == Some("json");
            if format.as_deref() == Some("csv") {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                syncscope::plan_csv::write_plan_csv(&b, &p, &mut out)?;
                out.flush()?;
                return Ok(());
            }
            if json {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdout);
                let load = LAST_LOAD.with(|l| l.borrow_mut().take());
                report::write_plan_json_loaded(&b, &p, load.as_ref(), &mut out)?;
                LAST_LOAD.with(|l| *l.borrow_mut() = load);
                out.flush()?;
                // The process ends next: freeing a large tenant object by object would only
                // add time (about a fifth of a 200,000-object run).
                std::mem::forget(p);
                std::mem::forget(b);
                return Ok(());
            } else if explain {
                for out in &p.outcomes {
                    let o = &b.on_premises[out.on_prem as usize];
                    writeln!(
                        stdout,
                        "{} — {}",
                        display_safe(&o.label()),
                        out.result.as_str()
                    )?;
                    for s in &out.steps {
                        writeln!(
                            stdout,
                            "    {}",
                            display_safe(&s.describe(&b, &out.source_anchor))
                        )?;
                    }
                }
                writeln!(stdout, "\n{}", report::summary_line(&p))?;
            } else {
                write!(
                    stdout,
                    "{}",
                    report::plan_table(&b, &p, 0..p.outcomes.len())
                )?;
            }
        }
        Command::Sync {
            snapshot,
            cycles,
            set,
            out,
            force,
        } => {
            let mut b = load_with(&snapshot, &set)?;
            let now = b.captured_date_time.clone();
            for cycle in 1..=cycles {
                let p = sync_cycle(&mut b, now.as_deref());
                writeln!(
                    stdout,
                    "cycle {cycle}: {}",
                    syncscope::apply::sync_summary(&p, b.connect.deletion_threshold)
                )?;
            }
            let text =
                serde_json::to_vec_pretty(&bundle_to_json(&b)).map_err(std::io::Error::from)?;
            syncscope::atomic::write_file(&out, &text, replace(force), &[&snapshot])
                .map_err(|e| write_error(&out, "the resulting bundle", e))?;
            writeln!(stdout, "wrote {}", display_safe(&out.display().to_string()))?;
        }
        Command::Errors(args) => errors(args, &mut stdout)?,
        Command::Check(args) => check(args, &mut stdout)?,
        Command::Report {
            snapshot,
            set,
            out,
            force,
        } => {
            let mut b = load(&snapshot)?;
            // With --set: the snapshot's own settings are the what-if baseline.
            let base_settings = (!set.set.is_empty()).then_some(b.settings);
            for (s, v) in &set.set {
                b.settings.set(*s, *v);
            }
            let ix = syncscope::index::CloudIndex::build(&b);
            let p = syncscope::plan::plan_with(&b, &ix, &b.settings);
            let c = syncscope::check::check(&b, &ix, &p, Default::default());
            let base_plan = base_settings
                .as_ref()
                .map(|s| syncscope::plan::plan_with(&b, &ix, s));
            let html = syncscope::report_html::render(&syncscope::report_html::ReportInput {
                bundle: &b,
                plan: &p,
                check: &c,
                baseline: base_settings.as_ref().zip(base_plan.as_ref()),
                snapshot: &snapshot.display().to_string(),
            })
            .map_err(|e| std::io::Error::other(format!("rendering the report: {e}")))?;
            write_new_file(&out, force, |p, f| {
                syncscope::report_html::write_report(p, &html, f)
            })?;
            writeln!(
                stdout,
                "wrote {} ({}; {} readiness finding(s))",
                display_safe(&out.display().to_string()),
                report::summary_line(&p),
                c.findings.len()
            )?;
        }
        Command::Scenario { file, json } => {
            let s = load_scenario(&file)?;
            let (reports, final_state) = run_scenario(&s)?;
            if json {
                syncscope::sanitize::write_json(
                    &mut stdout,
                    &scenario_json(&reports, &final_state),
                )?;
                writeln!(stdout)?;
            } else {
                print_scenario(&mut stdout, &reports)?;
            }
        }
        Command::Hardmatch {
            snapshot,
            csv,
            out,
            force,
            json,
        } => {
            let b = load(&snapshot)?;
            let file = csv.display().to_string();
            let bytes = syncscope::import::read_regular_file(&csv, &file, "the CSV")?;
            let rows = syncscope::hardmatch::read_csv(&file, &bytes)?;
            let reports = syncscope::hardmatch::check(&b, rows);
            let ready = reports.iter().filter(|r| r.ok()).count();
            if let Some(path) = &out {
                let text = syncscope::hardmatch::script(&reports, &snapshot.display().to_string());
                syncscope::atomic::check_target(path, replace(force), &[&snapshot, &csv])
                    .and_then(|()| syncscope::remediation::write_script(path, &text, force))
                    .map_err(|e| write_error(path, "the script", e))?;
            }
            if json {
                let mut v = syncscope::hardmatch::report_json(&reports);
                v["script"] = serde_json::json!(out.as_ref().map(|p| p.display().to_string()));
                v["load"] = load_json();
                writeln!(stdout, "{}", syncscope::sanitize::json_string(&v))?;
            } else {
                for r in &reports {
                    let status = if r.ok() { "ready" } else { "PROBLEM" };
                    writeln!(
                        stdout,
                        "line {:<4} {status:<8} {} → {}  {}",
                        r.row.line,
                        display_safe(&r.row.sam_account_name),
                        display_safe(&r.row.cloud_upn),
                        r.immutable_id.as_deref().unwrap_or("")
                    )?;
                    for p in &r.problems {
                        writeln!(stdout, "           - {}", display_safe(p))?;
                    }
                    if let (true, Some(p)) = (r.ok(), &r.predicted) {
                        writeln!(stdout, "           next sync: {}", display_safe(p))?;
                    }
                }
                writeln!(
                    stdout,
                    "\n{ready} row(s) ready, {} with problems",
                    reports.len() - ready
                )?;
                match &out {
                    Some(p) => writeln!(
                        stdout,
                        "script for the ready rows: {}",
                        display_safe(&p.display().to_string())
                    )?,
                    None => writeln!(
                        stdout,
                        "(--out SCRIPT writes the PowerShell for the ready rows)"
                    )?,
                }
            }
            if ready < reports.len() {
                return Err(Failure::Input(InputError::new(
                    file,
                    "",
                    format!(
                        "{} row(s) need attention (listed above, by line)",
                        reports.len() - ready
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
            return Ok(());
        }
        Command::Immutableid { value, json } => {
            let (a, form) = Anchor::parse_any(&value)
                .map_err(|e| InputError::new("argument VALUE", "", e.0))?;
            if json {
                let v = serde_json::json!({
                    "guid": a.guid().to_string(),
                    "immutableId": a.immutable_id(),
                    "hex": a.hex(),
                    "ldapFilter": a.ldap_filter(),
                    "connectorSpaceDn": a.connector_space_dn(),
                    "inputForm": format!("{form:?}"),
                });
                writeln!(stdout, "{}", syncscope::sanitize::json_string(&v))?;
            } else {
                writeln!(stdout, "GUID (objectGUID)    {}", a.guid())?;
                writeln!(stdout, "ImmutableID          {}", a.immutable_id())?;
                writeln!(stdout, "hex bytes            {}", a.hex())?;
                writeln!(stdout, "LDAP filter escape   {}", a.ldap_filter())?;
                writeln!(stdout, "connector-space DN   {}", a.connector_space_dn())?;
            }
        }
    }
    Ok(())
}

/// Writes a generated file (a script through the walkthrough scripts' writer, the report through
/// its own): atomic, and never replacing an existing file without `--force`.
fn write_new_file(
    path: &Path,
    force: bool,
    write: impl FnOnce(&Path, bool) -> std::io::Result<()>,
) -> Result<(), Failure> {
    write(path, force).map_err(|e| {
        let shown = path.display().to_string();
        Failure::Input(if e.kind() == std::io::ErrorKind::AlreadyExists {
            InputError::new(
                shown,
                "",
                "exists; not overwritten (pass --force to replace it)",
            )
        } else {
            InputError::new(shown, "", format!("cannot write it: {e}"))
        })
    })
}

fn check(args: CheckArgs, stdout: &mut impl Write) -> Result<(), Failure> {
    let b = load_with(&args.snapshot, &args.set)?;
    let ix = syncscope::index::CloudIndex::build(&b);
    let p = syncscope::plan::plan_with(&b, &ix, &b.settings);
    let opts = syncscope::check::CheckOptions {
        upn_apostrophe_invalid: args.idfix_apostrophe,
    };
    let mut r = syncscope::check::check(&b, &ix, &p, opts);
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
            &b,
            &selected,
            &title,
            &args.snapshot.display().to_string(),
        );
        write_new_file(path, args.force, |p, f| {
            syncscope::remediation::write_script(p, &text, f)
        })?;
    }
    if args.json {
        let mut v = syncscope::check::report_json(&b, &p, &r);
        v["fixScript"] =
            serde_json::json!(args.fix_script.as_ref().map(|p| p.display().to_string()));
        serde_json::to_writer(&mut *stdout, &v).map_err(std::io::Error::from)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", syncscope::check::report_text(&b, &p, &r))?;
        if let Some(path) = &args.fix_script {
            writeln!(
                stdout,
                "fix script: {}",
                display_safe(&path.display().to_string())
            )?;
        }
    }
    Ok(())
}

fn errors(args: ErrorsArgs, stdout: &mut impl Write) -> Result<(), Failure> {
    let query = ErrorQuery {
        property_name: args.property_name.as_deref().and_then(PropertyName::parse),
        property_value: args.property_value,
        search_string: args.search_string,
        sort_field: args
            .sort_field
            .as_deref()
            .and_then(SortField::parse)
            .unwrap_or_default(),
        sort_direction: args
            .sort_direction
            .as_deref()
            .and_then(SortDirection::parse)
            .unwrap_or_default(),
        limit: match (args.max_results, args.all) {
            (_, true) => Limit::All,
            (Some(n), false) => Limit::MaxResults(n),
            (None, false) => Limit::Default,
        },
    };
    let b = load_with(&args.snapshot, &args.set)?;
    let rows = if args.after_sync {
        error_rows_after_sync(&b)
    } else {
        error_rows(&b)
    };
    let (hits, total) = query.run(&rows);
    if args.json {
        let v = serde_json::json!({
            "errors": hits.iter().map(|r| row_json(r)).collect::<Vec<_>>(),
            "load": load_json(),
        });
        syncscope::sanitize::write_json(&mut *stdout, &v)?;
        writeln!(stdout)?;
        return Ok(());
    }
    writeln!(stdout, "# {}", query.cmdlet_line())?;
    write!(stdout, "{}", report::errors_table(&hits, args.after_sync))?;
    let new = hits.iter().filter(|r| r.new_in_next_sync).count();
    write!(
        stdout,
        "\n{} of {total} provisioning errors shown",
        hits.len()
    )?;
    if args.after_sync {
        write!(stdout, " ({new} added by the next sync)")?;
    }
    writeln!(stdout)?;
    if hits.len() < total {
        writeln!(stdout, "(use --all or --max-results N to see more)")?;
    }
    writeln!(stdout, "Graph equivalent: {}", query.graph_powershell())?;
    Ok(())
}

fn print_scenario(
    out: &mut impl Write,
    reports: &[syncscope::scenario::StepReport],
) -> std::io::Result<()> {
    // Focus on the objects the steps name, the on-prem objects whose outcome touches them, and
    // (once shown) those same objects in every later step.
    let mut focus: Vec<String> = reports
        .iter()
        .flat_map(|r| r.named.iter().map(|u| u.to_string()))
        .collect();
    for (i, r) in reports.iter().enumerate() {
        let status = if r.ok { "ok" } else { "REFUSED" };
        writeln!(
            out,
            "step {}  {:<18} {status:<8} {}",
            i + 1,
            r.action,
            display_safe(&r.summary)
        )?;
        let Some(outcomes) = &r.outcomes else {
            continue;
        };
        let mut shown = 0;
        for o in outcomes {
            let in_focus =
                |v: &serde_json::Value| v.as_str().is_some_and(|v| focus.iter().any(|n| n == v));
            let quarantined_against = o["quarantined"]
                .as_array()
                .is_some_and(|qs| qs.iter().any(|q| in_focus(&q["conflictsWith"])));
            if !(in_focus(&o["objectGUID"]) || in_focus(&o["cloudId"]) || quarantined_against) {
                continue;
            }
            if let Some(g) = o["objectGUID"].as_str()
                && !focus.iter().any(|n| n == g)
            {
                focus.push(g.to_string());
            }
            shown += 1;
            let name = o["displayName"].as_str().unwrap_or("?");
            let mut detail: Vec<String> = Vec::new();
            if let Some(e) = o["error"].as_str() {
                detail.push(e.to_string());
            }
            for f in o["flags"].as_array().into_iter().flatten() {
                detail.push(f.as_str().unwrap_or("").to_string());
            }
            for q in o["quarantined"].as_array().into_iter().flatten() {
                let v = q["value"].as_str().unwrap_or("");
                match q["placeholder"].as_str() {
                    Some(p) => detail.push(format!("UPN {v} quarantined → {p}")),
                    None => detail.push(format!("{v} quarantined")),
                }
            }
            let cloud = match (o["cloudId"].as_str(), o["cloudUserPrincipalName"].as_str()) {
                (Some(id), Some(upn)) if o["result"] != "error" => format!(" → {upn} ({id})"),
                (Some(id), _) => format!(" → cloud {id}"),
                (None, Some(upn)) => format!(" → new object {upn}"),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "        {}: {}{}{}",
                display_safe(name),
                o["result"].as_str().unwrap_or("?"),
                display_safe(&cloud),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", display_safe(&detail.join("; ")))
                }
            )?;
            if let Some(why) = o["why"].as_str() {
                writeln!(out, "          why: {}", display_safe(why))?;
            }
        }
        let changed = outcomes
            .iter()
            .filter(|o| o["result"] != SyncResult::Linked.as_str())
            .count();
        if shown == 0 || changed > shown {
            writeln!(
                out,
                "        ({changed} object(s) not plainly linked in this cycle; --json shows every outcome)"
            )?;
        }
    }
    Ok(())
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
