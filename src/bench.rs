//! The scale benchmark (issue 7): for each size N it writes a generated N + N tenant to a file,
//! then measures loading it, building the index, planning, re-planning after a feature flip, the
//! fuzzy filter the TUI runs per keystroke, peak memory, `syncscope plan FILE --json`, and the plain
//! Python join of `benches/baseline.py` on the same file, and reports them side by side.
//!
//! Each size is measured in a fresh process (this executable started again with
//! [`CHILD_VAR`] set), so that the peak memory of one size is not the peak of the one before. A
//! binary that offers the benchmark therefore calls [`child_if_requested`] first thing in `main`.

use crate::bundle::{load_bundle, parse_bundle};
use crate::generate::write_generated;
use crate::index::CloudIndex;
use crate::model::Bundle;
use crate::plan::{plan_recorded, plan_with, replan};
use crate::settings::Setting;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the environment of a measuring process: `MODE:OBJECTS:FILE`.
pub const CHILD_VAR: &str = "SYNCSCOPE_BENCH_CHILD";
/// Where the generated files go (default: the temporary directory); they are deleted afterwards
/// unless `SYNCSCOPE_BENCH_KEEP` is set.
pub const DIR_VAR: &str = "SYNCSCOPE_BENCH_DIR";
/// The `syncscope` binary to time `plan FILE --json` with (default: next to this executable).
pub const BIN_VAR: &str = "SYNCSCOPE_BIN";
/// The seed of every generated tenant.
pub const SEED: u64 = 1;
/// The short form `plan --json --fields` is timed with (issue 15, item 4).
pub const SHORT_FIELDS: &str = "objectGUID,result,cloudId";
/// What the filter benchmark types, one character at a time.
pub const TYPED: &str = "alice";

/// What the TUI measures once it exists: time to the first frame and the time of one more frame,
/// for a loaded bundle and its plan.
#[derive(Clone, Copy, Debug)]
pub struct FrameTimes {
    pub first_frame: Duration,
    pub frame: Duration,
}

/// The hook the TUI passes to [`child_if_requested`] to fill the frame columns: the explorer's
/// state built from an opened session, and its frames.
pub type FrameHook = fn(crate::session::Session) -> FrameTimes;

/// Measures every size and writes the report (a Markdown table and notes) as it goes.
pub fn run(sizes: &[usize], report: &mut impl Write) -> io::Result<()> {
    let dir = std::env::var_os(DIR_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("syncscope-bench"));
    std::fs::create_dir_all(&dir)?;
    let exe = std::env::current_exe()?;
    let binary = syncscope_binary(&exe);
    writeln!(report, "# syncscope scale benchmark\n")?;
    writeln!(report, "{}\n", machine())?;
    writeln!(
        report,
        "Generated tenants: `generate::write_generated(N, {SEED})`, N on-prem + N cloud objects. \
         Times are wall clock (CPU time of the process, all threads, in brackets). Files in {}.\n",
        dir.display()
    )?;
    let mut rows = Vec::new();
    for &n in sizes {
        let path = dir.join(format!("generated-{n}.json"));
        let started = Instant::now();
        let file = std::fs::File::create(&path)?;
        write_generated(n, SEED, file)?;
        let write = started.elapsed();
        let bytes = std::fs::metadata(&path)?.len();
        let slice = measure_in_child(&exe, "slice", n, &path)?;
        let stream = measure_in_child(&exe, "stream", n, &path)?;
        // `--cache`: the explorer's open that writes the cache, then one that reads it.
        let cache_write = measure_in_child(&exe, "cache-write", n, &path)?;
        let cache_read = measure_in_child(&exe, "cache-read", n, &path)?;
        std::fs::remove_file(crate::cache::path_for(&path))?;
        let cli = binary
            .as_deref()
            .and_then(|b| time_plan_json(b, &path, &[]));
        let cli_fields = binary
            .as_deref()
            .and_then(|b| time_plan_json(b, &path, &["--fields", SHORT_FIELDS]));
        let python = run_baseline(&path);
        let row = Row {
            n,
            bytes,
            write,
            slice,
            stream,
            cache_write,
            cache_read,
            cli,
            cli_fields,
            python,
        };
        row.write_details(report)?;
        report.flush()?;
        rows.push(row);
        if std::env::var_os("SYNCSCOPE_BENCH_KEEP").is_none() {
            std::fs::remove_file(&path)?;
        }
    }
    write_tables(&rows, report)?;
    report.flush()
}

/// In a process [`run`] started: measures one size, prints the result as one JSON line, exits.
/// Otherwise returns at once.
pub fn child_if_requested(frame_hook: Option<FrameHook>) {
    let Ok(spec) = std::env::var(CHILD_VAR) else {
        return;
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(mode), Some(Ok(n)), Some(path)) = (
        parts.next(),
        parts.next().map(str::parse::<usize>),
        parts.next(),
    ) else {
        eprintln!("{CHILD_VAR}={spec:?}: expected MODE:OBJECTS:FILE");
        std::process::exit(2);
    };
    match measure(mode, n, Path::new(path), frame_hook) {
        Ok(v) => {
            println!("{v}");
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// A stopwatch that also reads the process's CPU time (all its threads), which other processes
/// on the machine inflate less than the wall clock.
struct Clock {
    wall: Instant,
    cpu: Option<f64>,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    fn stop(&self) -> Value {
        let cpu = match (self.cpu, cpu_seconds()) {
            (Some(a), Some(b)) => json!(b - a),
            _ => Value::Null,
        };
        json!({"wall": self.wall.elapsed().as_secs_f64(), "cpu": cpu})
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, in clock ticks of 1/100 s,
/// the value of `CLK_TCK` on Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in brackets and may hold spaces: state is the
    // first, utime the 12th, stime the 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Peak resident memory of this process in bytes (`VmHWM`).
fn peak_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn measure(
    mode: &str,
    n: usize,
    path: &Path,
    frame_hook: Option<FrameHook>,
) -> Result<Value, String> {
    if mode.starts_with("cache-") {
        return measure_cache(mode, n, path, frame_hook);
    }
    let file = path.display().to_string();
    let clock = Clock::start();
    let bundle = match mode {
        "slice" => {
            let bytes = std::fs::read(path).map_err(|e| format!("{file}: {e}"))?;
            parse_bundle(&file, &bytes).map_err(|e| e.to_string())?
        }
        "stream" => load_bundle(path).map_err(|e| e.to_string())?,
        other => return Err(format!("unknown mode {other:?}: expected slice or stream")),
    };
    let load = clock.stop();
    if bundle.on_premises.len() != n {
        return Err(format!(
            "{file}: {} on-prem objects, expected {n}",
            bundle.on_premises.len()
        ));
    }
    let clock = Clock::start();
    let index = CloudIndex::build(&bundle);
    let index_time = clock.stop();
    let clock = Clock::start();
    let plan = plan_with(&bundle, &index, &bundle.settings);
    let plan_time = clock.stop();
    let counts: serde_json::Map<String, Value> = plan
        .counts()
        .iter()
        .map(|(r, c)| (r.as_str().to_string(), json!(c)))
        .collect();
    let mut out = json!({
        "mode": mode,
        "objects": n,
        "load": load,
        "index": index_time,
        "plan": plan_time,
        "counts": counts,
    });
    if mode == "slice" {
        let mut replans = serde_json::Map::new();
        for s in [Setting::BlockSoftMatch, Setting::SoftMatchOnUpn] {
            let flipped = bundle.settings.with(s, !bundle.settings.get(s));
            let clock = Clock::start();
            let again = plan_with(&bundle, &index, &flipped);
            let mut t = clock.stop();
            // How many objects the flip changes: what an incremental re-plan would redo.
            t["changed"] = json!(
                plan.outcomes
                    .iter()
                    .zip(&again.outcomes)
                    .filter(|(a, b)| (a.result, a.cloud) != (b.result, b.cloud))
                    .count()
            );
            drop(again);
            replans.insert(s.key().into(), t);
        }
        out["replan"] = Value::Object(replans);
        out["filter"] = filter_times(&bundle);
        // The peak of load + plan, before the frame hook builds the explorer's own state.
        out["peak_bytes"] = json!(peak_bytes());
        // The explorer's what-if: the plan with its record, then each flip re-planned from it
        // (issue 15, item 3), checked against the full re-plan's outcome.
        let clock = Clock::start();
        let (recorded, record) = plan_recorded(&bundle, &index, &bundle.settings, &bundle.connect);
        let mut t = clock.stop();
        // The record's write log, which the explorer makes in the background after its first
        // frame: timed apart, so that the re-plans below are what a flip costs.
        let clock = Clock::start();
        record.prepare();
        t["write_log"] = clock.stop();
        t["record_bytes"] = json!(record.heap_bytes());
        out["plan_recorded"] = t;
        for s in [Setting::BlockSoftMatch, Setting::SoftMatchOnUpn] {
            let flipped = bundle.settings.with(s, !bundle.settings.get(s));
            let clock = Clock::start();
            let r = replan(
                &bundle,
                &index,
                &bundle.connect,
                (&recorded, &record, &bundle.settings),
                &flipped,
            )
            .ok_or_else(|| format!("{file}: no incremental re-plan of {}", s.key()))?;
            let mut t = clock.stop();
            t["planned_again"] = json!(r.planned_again);
            let full = plan_with(&bundle, &index, &flipped);
            if r.plan != full {
                return Err(format!(
                    "{file}: the incremental re-plan of {} differs from the full plan",
                    s.key()
                ));
            }
            out["replan"][s.key()]["incremental"] = t;
        }
        drop((recorded, record));
        out["peak_bytes_what_if"] = json!(peak_bytes());
        if let Some(hook) = frame_hook {
            // The copy stands for the bundle the loader hands over; it is not timed.
            let copy = bundle.clone();
            let started = Instant::now();
            let session = crate::session::Session::open_for_what_if(copy, &[]);
            let opened = started.elapsed();
            let f = hook(session);
            out["frames"] = json!({
                "first": (opened + f.first_frame).as_secs_f64(),
                "frame": f.frame.as_secs_f64(),
            });
        }
    }
    if out.get("peak_bytes").is_none() {
        out["peak_bytes"] = json!(peak_bytes());
    }
    Ok(out)
}

/// `cache-write`: the explorer's open with `--cache` and no cache yet (load, index, plan with
/// its record), then writing the cache. `cache-read`: the open that reads it, then the explorer's
/// first frame.
fn measure_cache(
    mode: &str,
    n: usize,
    path: &Path,
    frame_hook: Option<FrameHook>,
) -> Result<Value, String> {
    use crate::cache::{Use, open, path_for};
    let file = path.display().to_string();
    let options = crate::import::ImportOptions::default();
    let clock = Clock::start();
    let opened = open(path, &options, true, &[], true, |_| Ok(())).map_err(|e| e.to_string())?;
    let open_time = clock.stop();
    if opened.session.snapshot.on_premises.len() != n {
        return Err(format!("{file}: not {n} on-prem objects"));
    }
    let mut out = json!({"mode": mode, "objects": n, "open": open_time});
    match (mode, &opened.cache) {
        ("cache-write", Use::Missed { .. }) => {
            let clock = Clock::start();
            let (_, size) = (opened.write_cache(path, &options))
                .ok_or("nothing to write")?
                .map_err(|e| format!("{}: {e}", path_for(path).display()))?;
            out["write"] = clock.stop();
            out["cache_bytes"] = json!(size);
        }
        ("cache-read", Use::Read(_)) => {
            if let Some(hook) = frame_hook {
                let f = hook(opened.session.clone());
                out["first_frame"] = json!(secs(&out["open"]) + f.first_frame.as_secs_f64());
            }
        }
        (_, used) => return Err(format!("{file}: {mode}: the cache was {used:?}")),
    }
    out["peak_bytes"] = json!(peak_bytes());
    Ok(out)
}

/// Typing [`TYPED`] one character at a time into a filter over every on-prem object's display
/// name and UPN, scored with SkimMatcherV2: each keystroke over the whole list (what a naive
/// filter does), and each keystroke over the previous keystroke's matches only (a longer query
/// matches a subset, so this gives the same rows).
fn filter_times(b: &Bundle) -> Value {
    let rows: Vec<String> = b
        .on_premises
        .iter()
        .map(|o| format!("{} {}", o.name(), o.principal().unwrap_or("")))
        .collect();
    let matcher = SkimMatcherV2::default();
    let mut full = Vec::new();
    let mut narrowing = Vec::new();
    let mut kept: Vec<u32> = (0..rows.len() as u32).collect();
    let mut matches = Vec::new();
    for end in 1..=TYPED.len() {
        let query = &TYPED[..end];
        let started = Instant::now();
        let hits = rows
            .iter()
            .filter(|r| matcher.fuzzy_match(r, query).is_some())
            .count();
        full.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        kept.retain(|&i| matcher.fuzzy_match(&rows[i as usize], query).is_some());
        narrowing.push(started.elapsed().as_secs_f64());
        debug_assert_eq!(hits, kept.len());
        matches.push(hits);
    }
    json!({"full": full, "narrowing": narrowing, "matches": matches})
}

fn measure_in_child(exe: &Path, mode: &str, n: usize, path: &Path) -> io::Result<Value> {
    let output = Command::new(exe)
        .env(CHILD_VAR, format!("{mode}:{n}:{}", path.display()))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let line = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "measuring {n} objects ({mode}) failed: {}",
            output.status
        )));
    }
    serde_json::from_str(line.trim()).map_err(|e| {
        io::Error::other(format!(
            "the measuring process printed {line:?}, not one JSON line: {e}"
        ))
    })
}

/// The `syncscope` binary: `SYNCSCOPE_BIN`, else next to this executable (cargo puts a bench
/// in `target/release/deps/`, the binary in `target/release/`).
fn syncscope_binary(exe: &Path) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os(BIN_VAR) {
        return Some(PathBuf::from(bin));
    }
    let dir = exe.parent()?;
    [dir.join("syncscope"), dir.parent()?.join("syncscope")]
        .into_iter()
        .find(|p| p.is_file())
}

/// Wall time, CPU time and peak memory of `syncscope plan FILE --json [extra] > /dev/null`, or
/// `None` when the binary does not offer it (it must exit 0 and print a JSON object).
fn time_plan_json(binary: &Path, path: &Path, extra: &[&str]) -> Option<Value> {
    let gnu_time = Path::new("/usr/bin/time");
    let mut command = if gnu_time.is_file() {
        let mut c = Command::new(gnu_time);
        c.arg("-f").arg("%M %U %S").arg(binary);
        c
    } else {
        Command::new(binary)
    };
    command
        .arg("plan")
        .arg(path)
        .arg("--json")
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().ok()?;
    let mut stdout = child.stdout.take()?;
    // Count the output rather than keep it; look at its first byte.
    let mut first = [0u8; 1];
    let mut sink = FirstByte {
        first: &mut first,
        seen: 0,
    };
    io::copy(&mut stdout, &mut sink).ok()?;
    let seen = sink.seen;
    let output = child.wait_with_output().ok()?;
    let wall = started.elapsed();
    if !output.status.success() || seen == 0 || first[0] != b'{' {
        return None;
    }
    // GNU time's line: peak KiB, user and system seconds.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let fields: Vec<&str> = stderr
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let peak_kb = fields.first().and_then(|k| k.parse::<u64>().ok());
    let cpu = match (fields.get(1), fields.get(2)) {
        (Some(u), Some(s)) => u
            .parse::<f64>()
            .ok()
            .zip(s.parse::<f64>().ok())
            .map(|(u, s)| u + s),
        _ => None,
    };
    Some(json!({
        "wall": wall.as_secs_f64(),
        "cpu": cpu,
        "output_bytes": seen,
        "peak_bytes": peak_kb.map(|k| k * 1024),
    }))
}

struct FirstByte<'a> {
    first: &'a mut [u8; 1],
    seen: u64,
}

impl Write for FirstByte<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.seen == 0
            && let Some(&b) = buf.first()
        {
            self.first[0] = b;
        }
        self.seen += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `python3 benches/baseline.py FILE`: one JSON line with its timings and counts, or an error
/// text when Python or the script is missing.
fn run_baseline(path: &Path) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baseline.py");
    let started = Instant::now();
    let output = Command::new("python3")
        .arg(&script)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let wall = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut v: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{} printed no JSON: {e}", script.display()))?;
    v["wall"] = json!(wall);
    Ok(v)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("unknown".into(), |kb| {
            format!("{:.1} GiB", kb as f64 / 1_048_576.0)
        });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "Machine: {cores} cores, {cpu}, {memory} memory; load average at start {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// One size's measurements.
struct Row {
    n: usize,
    bytes: u64,
    write: Duration,
    slice: Value,
    stream: Value,
    cache_write: Value,
    cache_read: Value,
    cli: Option<Value>,
    cli_fields: Option<Value>,
    python: Result<Value, String>,
}

/// The result counts where baseline.py and the planner disagree: `result: baseline N, plan M`.
fn count_differences(python: &Value, plan: &Value) -> Vec<String> {
    let mut keys: Vec<&String> = python
        .as_object()
        .into_iter()
        .chain(plan.as_object())
        .flat_map(|m| m.keys())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            python[k.as_str()].as_u64().unwrap_or(0) != plan[k.as_str()].as_u64().unwrap_or(0)
        })
        .map(|k| {
            format!(
                "{k}: baseline {}, plan {}",
                python[k.as_str()].as_u64().unwrap_or(0),
                plan[k.as_str()].as_u64().unwrap_or(0)
            )
        })
        .collect()
}

fn secs(v: &Value) -> f64 {
    v["wall"].as_f64().unwrap_or(f64::NAN)
}

/// `1.23 s (1.10)`: wall, then CPU.
fn timed(v: &Value) -> String {
    match v["cpu"].as_f64() {
        Some(cpu) => format!("{:.2} s ({cpu:.2})", secs(v)),
        None => format!("{:.2} s", secs(v)),
    }
}

/// "16.17 s (15.9) / 1.20 s (1.19)": a flip re-planned in full and incrementally.
fn full_and_incremental(r: &Value) -> String {
    format!("{} / {}", timed(r), timed(&r["incremental"]))
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| {
        format!("{:.0} MiB", b as f64 / 1_048_576.0)
    })
}

impl Row {
    fn peak(v: &Value) -> Option<u64> {
        v["peak_bytes"].as_u64()
    }

    fn load_plan(&self) -> f64 {
        secs(&self.slice["load"]) + secs(&self.slice["index"]) + secs(&self.slice["plan"])
    }

    fn write_details(&self, out: &mut impl Write) -> io::Result<()> {
        let s = &self.slice;
        writeln!(
            out,
            "## {} + {} objects\n\nfile {} written in {:.2} s; plan: {}",
            self.n,
            self.n,
            mib(Some(self.bytes)),
            self.write.as_secs_f64(),
            s["counts"]
        )?;
        if let Ok(p) = &self.python {
            writeln!(out, "baseline.py counts: {}", p["counts"])?;
            let differ = count_differences(&p["counts"], &s["counts"]);
            if !differ.is_empty() {
                writeln!(
                    out,
                    "counts that differ: {} (baseline.py's simplifications, in its docstring: \
                     every directory role is privileged for the hardening, no lastExport history)",
                    differ.join("; ")
                )?;
            }
        }
        for (label, cli) in [("", &self.cli), (" --fields", &self.cli_fields)] {
            if let Some(c) = cli {
                writeln!(
                    out,
                    "plan --json{label}: {}, {} bytes written, peak {}",
                    timed(c),
                    c["output_bytes"],
                    mib(c["peak_bytes"].as_u64())
                )?;
            }
        }
        writeln!(
            out,
            "plan with its record (the explorer's): {}, its write log {}, record and log {}",
            timed(&s["plan_recorded"]),
            timed(&s["plan_recorded"]["write_log"]),
            mib(s["plan_recorded"]["record_bytes"].as_u64())
        )?;
        for (key, flip) in &[
            ("blockSoftMatchEnabled", "blockSoftMatchEnabled off -> on"),
            ("softMatchOnUpnEnabled", "softMatchOnUpnEnabled on -> off"),
        ] {
            let r = &s["replan"][key];
            writeln!(
                out,
                "re-plan after {flip}: {} objects change result or target; full {}, incremental {} ({} objects planned again, same plan)",
                r["changed"],
                timed(r),
                timed(&r["incremental"]),
                r["incremental"]["planned_again"]
            )?;
        }
        let (w, r) = (&self.cache_write, &self.cache_read);
        writeln!(
            out,
            "--cache: first open {} then the cache written in {} ({}), peak {}; the next open reads it in {}, first frame {:.2} s, peak {} ({:.1}× file)",
            timed(&w["open"]),
            timed(&w["write"]),
            mib(w["cache_bytes"].as_u64()),
            mib(Row::peak(w)),
            timed(&r["open"]),
            r["first_frame"].as_f64().unwrap_or(f64::NAN),
            mib(Row::peak(r)),
            Row::peak(r).unwrap_or(0) as f64 / self.bytes as f64,
        )?;
        let f = &s["filter"];
        writeln!(
            out,
            "filter \"{TYPED}\", ms per keystroke over the whole list: {}; narrowing: {}; matches: {}\n",
            ms_list(&f["full"]),
            ms_list(&f["narrowing"]),
            f["matches"]
        )
    }
}

fn ms_list(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| format!("{:.0}", x.as_f64().unwrap_or(f64::NAN) * 1e3))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

fn write_tables(rows: &[Row], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "## Results\n")?;
    writeln!(
        out,
        "| on-prem + cloud | file | load (read + parse_bundle) | index | plan | load + plan | re-plan blockSoftMatch: full / incremental | re-plan softMatchOnUpn: full / incremental | filter 1st key / worst narrowing key | peak (parse_bundle) | peak (load_bundle) | load_bundle | `plan --json` | `plan --json --fields {SHORT_FIELDS}` | time to first frame | frame |"
    )?;
    writeln!(out, "|{}", "---|".repeat(16))?;
    for r in rows {
        let s = &r.slice;
        let f = &s["filter"];
        let first_key = f["full"][0].as_f64().unwrap_or(f64::NAN) * 1e3;
        let worst_narrowing = f["narrowing"]
            .as_array()
            .map(|a| {
                a.iter()
                    .skip(1)
                    .filter_map(Value::as_f64)
                    .fold(0.0, f64::max)
            })
            .unwrap_or(f64::NAN)
            * 1e3;
        let cli = |c: &Option<Value>| {
            c.as_ref().map_or("not offered".into(), |c| {
                format!("{}, {}", timed(c), mib(c["peak_bytes"].as_u64()))
            })
        };
        let (cli, cli_fields) = (cli(&r.cli), cli(&r.cli_fields));
        let frames = |k: &str| {
            s["frames"][k]
                .as_f64()
                .map_or("hook not set".into(), |t| format!("{:.1} ms", t * 1e3))
        };
        writeln!(
            out,
            "| {n} + {n} | {} | {} | {} | {} | {:.2} s | {} | {} | {first_key:.0} ms / {worst_narrowing:.0} ms | {} ({:.1}× file) | {} ({:.1}× file) | {} | {cli} | {cli_fields} | {} | {} |",
            mib(Some(r.bytes)),
            timed(&s["load"]),
            timed(&s["index"]),
            timed(&s["plan"]),
            r.load_plan(),
            full_and_incremental(&s["replan"]["blockSoftMatchEnabled"]),
            full_and_incremental(&s["replan"]["softMatchOnUpnEnabled"]),
            mib(Row::peak(s)),
            Row::peak(s).unwrap_or(0) as f64 / r.bytes as f64,
            mib(Row::peak(&r.stream)),
            Row::peak(&r.stream).unwrap_or(0) as f64 / r.bytes as f64,
            timed(&r.stream["load"]),
            frames("first"),
            frames("frame"),
            n = r.n,
        )?;
    }
    writeln!(
        out,
        "\n## The snapshot cache (`--cache`): the explorer's opens\n"
    )?;
    writeln!(
        out,
        "| on-prem + cloud | file | first open (load, index, plan with record) | cache written | cache file | open from the cache | first frame from the cache | peak from the cache |"
    )?;
    writeln!(out, "|{}", "---|".repeat(8))?;
    for r in rows {
        let (w, c) = (&r.cache_write, &r.cache_read);
        writeln!(
            out,
            "| {n} + {n} | {} | {} | {} | {} | {} | {:.2} s | {} ({:.1}× file) |",
            mib(Some(r.bytes)),
            timed(&w["open"]),
            timed(&w["write"]),
            mib(w["cache_bytes"].as_u64()),
            timed(&c["open"]),
            c["first_frame"].as_f64().unwrap_or(f64::NAN),
            mib(Row::peak(c)),
            Row::peak(c).unwrap_or(0) as f64 / r.bytes as f64,
            n = r.n,
        )?;
    }
    writeln!(
        out,
        "\n## Against the Python baseline (benches/baseline.py)\n"
    )?;
    writeln!(
        out,
        "| on-prem + cloud | Python load | Python index + join | Python total (process) | Python peak | Rust load + index + plan | Rust peak | Rust / Python time | same counts |"
    )?;
    writeln!(out, "|{}", "---|".repeat(9))?;
    for r in rows {
        let n = r.n;
        match &r.python {
            Ok(p) => {
                let differ = count_differences(&p["counts"], &r.slice["counts"]);
                writeln!(
                    out,
                    "| {n} + {n} | {:.2} s | {:.2} s | {:.2} s | {} | {:.2} s | {} | {:.2} | {} |",
                    p["load"].as_f64().unwrap_or(f64::NAN),
                    p["join"].as_f64().unwrap_or(f64::NAN),
                    secs(p),
                    mib(p["peak_bytes"].as_u64()),
                    r.load_plan(),
                    mib(Row::peak(&r.slice)),
                    r.load_plan() / secs(p),
                    if differ.is_empty() {
                        "yes".to_string()
                    } else {
                        format!("no: {}", differ.join("; "))
                    }
                )?;
            }
            Err(e) => writeln!(out, "| {n} + {n} | {e} | | | | | | | |")?,
        }
    }
    writeln!(out, "\n## Per object (linearity)\n")?;
    writeln!(
        out,
        "| on-prem + cloud | load µs/object | index µs/object | plan µs/object | re-plan µs/object |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for r in rows {
        let per = |v: &Value| secs(v) * 1e6 / r.n.max(1) as f64;
        writeln!(
            out,
            "| {n} + {n} | {:.2} | {:.2} | {:.2} | {:.2} |",
            per(&r.slice["load"]),
            per(&r.slice["index"]),
            per(&r.slice["plan"]),
            per(&r.slice["replan"]["blockSoftMatchEnabled"]),
            n = r.n
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_counts_are_named_with_both_numbers() {
        let python = json!({"linked": 5, "error": 2, "hard-match": 1});
        let plan = json!({"linked": 5, "error": 1, "hard-match": 2, "cloud-managed": 0});
        assert_eq!(
            count_differences(&python, &plan),
            [
                "error: baseline 2, plan 1",
                "hard-match: baseline 1, plan 2"
            ]
        );
        assert!(count_differences(&plan, &plan).is_empty());
        // A result one side does not count is a difference only when the other counts it.
        assert_eq!(
            count_differences(
                &json!({"linked": 1}),
                &json!({"linked": 1, "cloud-managed": 3})
            ),
            ["cloud-managed: baseline 0, plan 3"]
        );
    }
}
