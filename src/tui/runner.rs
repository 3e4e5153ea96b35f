//! The app loop, generic over the ratatui backend and the terminal it talks to (`Host`), so the
//! whole loop runs on `TestBackend` in tests exactly as it runs in a terminal. The runner is the
//! only place that does I/O or starts work: it turns the app's effects into background jobs
//! (one `Jobs` runner, stale results dropped), files and terminal requests, and hands finished
//! jobs back to the app.

use super::action::Action;
use super::app::{App, Effect, WriteRequest};
use super::jobs::{JobKind, Jobs};
use super::keymap;
use super::theme::Theme;
use super::views::loading::{self, Stage};
use super::views::walkthrough::WalkMove;
use crate::config::Config;
use crate::error::InputError;
use crate::plan::Plan;
use crate::session::ErrorLine;
use crate::walkthrough::Walkthrough;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, MouseEventKind};
use ratatui::layout::Rect;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// What a snapshot load hands over: the opened snapshot (session, load report, how the cache
/// was used) and its absolute path.
pub type Loaded = (crate::cache::Opened, String);

/// A finished background job.
pub enum Done {
    Loaded(Result<Loaded, InputError>),
    Replanned {
        config: Config,
        plan: crate::session::Replan,
        /// The new plan's cloud references and its comparison with A, made on the job's
        /// thread too.
        refs: crate::plan::CloudReferences,
        comparison: super::views::whatif::Comparison,
        took: Duration,
    },
    /// The error lines, and the plan they were built for.
    Errors(Arc<Plan>, Vec<ErrorLine>),
    WalkStarted(Result<Walkthrough, String>),
    WalkStepped(Walkthrough),
    BulkChecked(Result<(String, Vec<crate::hardmatch::RowReport>), String>),
    Checked(super::views::readiness::Checked),
    /// The folder loaded again after `R`.
    Reloaded(Result<Loaded, InputError>),
    /// The snapshot cache written (`--cache`): its path and size, or why not.
    CacheWritten(Result<(std::path::PathBuf, u64), String>),
    /// What the cache left pending is decoded.
    Prefetched,
    /// A plan no longer shown is freed.
    Discarded,
}

/// The terminal side of the loop: events in, clipboard and mouse capture out, frames bracketed
/// (synchronized updates in a real terminal).
pub trait Host {
    /// The next terminal event, waiting at most `timeout`; `busy` says jobs are running.
    fn next_event(&mut self, timeout: Duration, busy: bool) -> io::Result<Option<Event>>;
    fn clipboard(&mut self, text: &str) -> io::Result<()>;
    fn mouse(&mut self, on: bool) -> io::Result<()>;
    fn begin_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Gives the terminal back (cooked mode, main screen) for a program that talks on it.
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Takes it again (raw mode, alternate screen, mouse capture if `mouse`).
    fn resume(&mut self, _mouse: bool) -> io::Result<()> {
        Ok(())
    }
}

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Turns a terminal event into an action for the current context.
pub fn action_for(app: &App, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => keymap::dispatch(app.context(), k),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) if app.mouse => match m.kind {
            MouseEventKind::Down(_) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            MouseEventKind::ScrollDown => Some(Action::Scroll {
                column: m.column,
                row: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Action::Scroll {
                column: m.column,
                row: m.row,
                down: false,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Starts the work an effect asks for; files and terminal requests are done here and now.
pub fn perform(
    app: &mut App,
    effect: Effect,
    jobs: &mut Jobs<Done>,
    host: &mut impl Host,
) -> io::Result<()> {
    match effect {
        Effect::Replan(config) => {
            let session = app.session.clone();
            let against = Arc::clone(app.whatif.against(&app.session));
            jobs.spawn(JobKind::Replan, move || {
                let started = Instant::now();
                let plan = session.plan_for(&config);
                let refs = plan.plan.cloud_references(session.snapshot.cloud.len());
                let comparison = super::views::whatif::Comparison::of(against, &plan.plan);
                // The time the status line gives is the wait for all of it, not the plan alone.
                let took = started.elapsed();
                Done::Replanned {
                    config,
                    plan,
                    refs,
                    comparison,
                    took,
                }
            });
        }
        Effect::RebuildErrors => {
            let session = app.session.clone();
            jobs.spawn(JobKind::Errors, move || {
                let lines = session.error_lines();
                Done::Errors(session.plan, lines)
            });
        }
        Effect::StartWalkthrough {
            kind,
            on_prem,
            target,
            fallback,
        } => {
            let session = app.session.clone();
            jobs.spawn(JobKind::Walkthrough, move || {
                Done::WalkStarted(session.start_walkthrough(kind, on_prem, target, fallback))
            });
        }
        Effect::WalkStep(w, m) => {
            jobs.spawn(JobKind::Walkthrough, move || {
                let mut w = *w;
                match m {
                    WalkMove::Apply => w.apply_next(),
                    WalkMove::Skip => w.skip_next(),
                }
                Done::WalkStepped(w)
            });
        }
        Effect::CheckCsv(path) => {
            let b = app.session.what_if_bundle();
            jobs.spawn(JobKind::Bulk, move || {
                Done::BulkChecked(check_csv(&b, path))
            });
        }
        Effect::Write(req) => write_file(app, req),
        Effect::Clipboard(text) => host.clipboard(&text)?,
        Effect::Mouse(on) => host.mouse(on)?,
        Effect::Check => {
            let session = app.session.clone();
            jobs.spawn(JobKind::Readiness, move || {
                Done::Checked(super::views::readiness::Checked::run(&session))
            });
        }
        Effect::WriteCache(opened) => {
            let (path, import) = (
                std::path::PathBuf::from(&app.source_path),
                app.import.clone(),
            );
            jobs.spawn(JobKind::Cache, move || {
                let written = opened.write_cache(&path, &import);
                Done::CacheWritten(
                    written
                        .unwrap_or_else(|| Err(io_err("nothing to write")))
                        .map_err(|e| e.to_string()),
                )
            });
        }
        Effect::Discard(plan) => {
            jobs.spawn(JobKind::Discard, move || {
                drop(plan);
                Done::Discarded
            });
        }
        Effect::Prefetch => {
            let session = app.session.clone();
            jobs.spawn(JobKind::Prefetch, move || {
                session.prefetch();
                Done::Prefetched
            });
        }
        Effect::Reload => {
            let path = std::path::PathBuf::from(&app.source_path);
            let loader = snapshot_loader(path, app.import.clone(), app.allow_partial, app.cache);
            jobs.spawn(JobKind::Load, move || {
                Done::Reloaded(loader(&AtomicU8::new(0)))
            });
        }
        // Needs the terminal: done by `run_app`.
        Effect::Recollect(_) => {}
    }
    Ok(())
}

fn check_csv(
    b: &crate::model::Bundle,
    path: String,
) -> Result<(String, Vec<crate::hardmatch::RowReport>), String> {
    let bytes = std::fs::read(&path)
        .map_err(|e| format!("cannot read {}: {e}", crate::sanitize::display_safe(&path)))?;
    let rows = crate::hardmatch::read_csv(&path, &bytes).map_err(|e| e.to_string())?;
    Ok((path.clone(), crate::hardmatch::check(b, rows)))
}

/// Writes a file the app asked for; an existing file is only replaced after a yes.
fn write_file(app: &mut App, req: WriteRequest) {
    let path = std::path::Path::new(&req.path);
    let result = crate::remediation::write_script(path, &req.contents, req.overwrite);
    app.written(req, result);
}

/// Hands a finished job to the app.
pub fn finish(app: &mut App, done: Done) {
    match done {
        Done::Loaded(_) => {}
        Done::Replanned {
            config,
            plan,
            refs,
            comparison,
            took,
        } => app.replanned(&config, plan, refs, comparison, took),
        Done::Errors(plan, lines) => app.errors_built(&plan, lines),
        Done::WalkStarted(w) => app.walk_started(w),
        Done::WalkStepped(w) => app.walk_stepped(w),
        Done::BulkChecked(r) => app.bulk_checked(r),
        Done::Checked(c) => app.checked(c),
        Done::Reloaded(r) => app.reloaded(r),
        Done::CacheWritten(r) => app.cache_written(r),
        Done::Prefetched | Done::Discarded => {}
    }
}

/// `R`: the collection gets the terminal (it prints the device-code prompt and its progress on
/// stderr), then the explorer takes it back and hears how it went. Ctrl-C in the collection
/// stops it (SIGINT in cooked mode) and leaves the folder as it was.
pub fn recollect<B: Backend>(
    app: &mut App,
    folder: &std::path::Path,
    terminal: &mut Terminal<B>,
    host: &mut impl Host,
) -> io::Result<()> {
    use crate::collect::{self, output};
    let before = collect::read_record(folder)
        .map(|r| r.collected_date_time)
        .unwrap_or_default();
    // Catch Ctrl-C before the terminal sends it as a signal; forget an earlier one.
    output::watch_signals();
    output::clear_interrupted();
    host.suspend()?;
    eprintln!(
        "syncscope: collecting {} again from the sources in its {} (Ctrl-C stops and keeps the folder as it was)…",
        crate::sanitize::display_safe(&folder.display().to_string()),
        collect::RECORD_FILE
    );
    let result = collect::recollect(folder, &collect::process_env);
    output::clear_interrupted();
    host.resume(app.mouse)?;
    terminal.clear().map_err(io_err)?;
    app.recollected(before, result);
    Ok(())
}

/// Runs the explorer until the app quits.
pub fn run_app<B: Backend>(
    app: &mut App,
    terminal: &mut Terminal<B>,
    host: &mut impl Host,
    jobs: &mut Jobs<Done>,
) -> io::Result<()> {
    loop {
        for done in jobs.finished() {
            finish(app, done);
        }
        while let Some(effect) = app.effects.pop_front() {
            match effect {
                Effect::Recollect(folder) => recollect(app, &folder, terminal, host)?,
                effect => perform(app, effect, jobs, host)?,
            }
        }
        if app.quit {
            return Ok(());
        }
        host.begin_frame()?;
        terminal
            .draw(|f| super::chrome::draw(f, app))
            .map_err(io_err)?;
        host.end_frame()?;
        // While a search is matching, keys are taken as they come and matching goes on in
        // chunks between them, so typing never waits.
        let searching = app.explorer.search.in_progress();
        let busy = jobs.pending() > 0;
        let timeout = if searching {
            Duration::ZERO
        } else if busy {
            Duration::from_millis(50)
        } else {
            Duration::from_millis(500)
        };
        let Some(mut ev) = host.next_event(timeout, busy || searching)? else {
            if searching {
                app.handle(Action::SearchTick);
            }
            continue;
        };
        // Take everything already queued before drawing again: a burst costs one frame.
        loop {
            if let Some(a) = action_for(app, ev) {
                app.handle(a);
            }
            if app.quit {
                break;
            }
            match host.next_event(Duration::ZERO, false)? {
                Some(next) => ev = next,
                None => break,
            }
        }
    }
}

/// Loads and plans the snapshot on a job while the loading screen stays live. `Ok(None)`: the
/// user left (q or Ctrl-C) before it finished.
pub fn load<B: Backend>(
    terminal: &mut Terminal<B>,
    host: &mut impl Host,
    jobs: &mut Jobs<Done>,
    source: &str,
    theme: Theme,
    load: impl FnOnce(&AtomicU8) -> Result<Loaded, InputError> + Send + 'static,
) -> io::Result<Option<Result<Loaded, InputError>>> {
    let started = Instant::now();
    let stage = Arc::new(AtomicU8::new(0));
    {
        let stage = Arc::clone(&stage);
        jobs.spawn(JobKind::Load, move || Done::Loaded(load(&stage)));
    }
    loop {
        let now = match stage.load(Ordering::Relaxed) {
            0 => Stage::Reading,
            _ => Stage::Planning,
        };
        host.begin_frame()?;
        terminal
            .draw(|f| loading::draw(f, source, now, started.elapsed(), theme))
            .map_err(io_err)?;
        host.end_frame()?;
        for done in jobs.wait(Duration::from_millis(100)) {
            if let Done::Loaded(r) = done {
                return Ok(Some(r));
            }
        }
        while let Some(ev) = host.next_event(Duration::ZERO, true)? {
            if let Event::Key(k) = ev {
                let quit = k.kind == KeyEventKind::Press
                    && (k.code == KeyCode::Char('q')
                        || (k.code == KeyCode::Char('c')
                            && k.modifiers.contains(KeyModifiers::CONTROL)));
                if quit {
                    return Ok(None);
                }
            }
        }
    }
}

/// The loading job for a snapshot path: read (stage 0), then index and plan (stage 1). A load
/// that is not whole is refused unless `allow_partial` (interfaces §7); then the explorer shows
/// the partial-load banner. With `cache`, a current snapshot cache is read instead (`--cache`).
pub fn snapshot_loader(
    path: std::path::PathBuf,
    import: crate::import::ImportOptions,
    allow_partial: bool,
    cache: bool,
) -> impl FnOnce(&AtomicU8) -> Result<Loaded, InputError> + Send + 'static {
    move |stage| {
        let label = path.display().to_string();
        let opened = crate::cache::open(&path, &import, cache, &[], true, |report| {
            report.require_whole(&label, allow_partial)?;
            stage.store(1, Ordering::Relaxed);
            Ok(())
        })?;
        let absolute = std::fs::canonicalize(&path)
            .map(|p| p.display().to_string())
            .unwrap_or(label);
        Ok((opened, absolute))
    }
}

/// The app for a loaded snapshot, with the status the first frame shows.
pub fn app_for(source: String, loaded: Loaded, theme: Theme, size: Rect, took: Duration) -> App {
    let (opened, path) = loaded;
    let session = opened.session.clone();
    let report = opened.report.clone();
    let mut app = App::new(source, session, theme, size);
    app.source_path = path;
    // The banner takes a row: the lists' pages are measured again.
    app.partial = report.is_partial();
    app.handle(super::action::Action::Resize(size.width, size.height));
    let counts = (
        app.session.snapshot.on_premises.len(),
        app.session.snapshot.cloud.len(),
    );
    let from_cache = matches!(opened.cache, crate::cache::Use::Read(_));
    app.status = Some(match (report.is_clean(), from_cache) {
        (true, false) => format!(
            "loaded and planned {} + {} objects in {:.1} s",
            counts.0,
            counts.1,
            took.as_secs_f64()
        ),
        (true, true) => format!(
            "read {} + {} objects and their plan from the cache in {:.1} s",
            counts.0,
            counts.1,
            took.as_secs_f64()
        ),
        (false, false) => format!("load report: {} (L shows it)", report.summary()),
        (false, true) => format!(
            "load report: {} (L shows it); read from the cache in {:.1} s",
            report.summary(),
            took.as_secs_f64()
        ),
    });
    let cache_name = || {
        crate::cache::path_for(std::path::Path::new(&app.source_path))
            .file_name()
            .map(|n| crate::sanitize::display_safe(&n.to_string_lossy()).into_owned())
            .unwrap_or_default()
    };
    app.cache_note = match &opened.cache {
        crate::cache::Use::Off => None,
        crate::cache::Use::Read(_) => Some(format!(
            "read from {} (the files below are unchanged since it was written)",
            cache_name()
        )),
        crate::cache::Use::Missed { why, .. } => Some(format!(
            "{}: loaded from the files",
            crate::sanitize::display_safe(&why.to_string())
        )),
    };
    // After the first frame, in the background: what the first what-if flip needs.
    app.effects.push_back(Effect::Prefetch);
    if let crate::cache::Use::Missed { .. } = opened.cache {
        // Written in the background: the first frame does not wait for it.
        app.effects.push_back(Effect::WriteCache(Box::new(opened)))
    }
    app.load_report = Some(report);
    app
}
