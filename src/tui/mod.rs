//! The explorer: a ratatui TUI over one snapshot. `Action` + keymap table + pure `update` +
//! render functions that only read the state (the gitui / television pattern).

pub mod action;
pub mod detail;
pub mod errors;
pub mod keymap;
pub mod state;
pub mod theme;
pub mod update;
pub mod view;
pub mod whatif;

use crate::model::Bundle;
use action::Action;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::layout::Rect;
use state::State;
use std::io::Write;
use std::time::Duration;

/// Restores the terminal on every way out: normal return, error and panic. ratatui's own hook
/// restores raw mode and the alternate screen but not mouse capture, so that is undone here too.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));
}

/// Turns a terminal event into an action for the current mode.
pub fn action_for(state: &State, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => keymap::dispatch(state.context(), k),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) if state.mouse => match m.kind {
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

/// What the background loader has reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadStage {
    Reading,
    Planning,
}

/// What the loader hands over: the snapshot, its load report and its absolute path.
pub type Loaded = (Bundle, crate::import::LoadReport, String);

/// Why the explorer ended without the user quitting.
#[derive(Debug)]
pub enum RunError {
    /// The snapshot could not be loaded (the terminal is already restored).
    Input(crate::error::InputError),
    Io(std::io::Error),
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> Self {
        RunError::Io(e)
    }
}

/// Runs the explorer until the user quits. The snapshot is loaded and planned on a background
/// thread while the screen shows progress and stays responsive (q or Ctrl-C leaves).
pub fn run(
    source: String,
    path: std::path::PathBuf,
    import: crate::import::ImportOptions,
) -> Result<(), RunError> {
    let load = move || {
        let loaded = crate::import::load_snapshot(&path, &import)?;
        let absolute = std::fs::canonicalize(&path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.display().to_string());
        Ok::<Loaded, crate::error::InputError>((loaded.bundle, loaded.report, absolute))
    };
    let theme = theme::Theme::from_env();
    // ratatui::init installs its own panic hook first; ours runs before it.
    let mut terminal = ratatui::try_init()?;
    install_panic_hook();
    let guard = TerminalGuard;
    execute!(std::io::stdout(), EnableMouseCapture)?;
    let size = terminal.size()?;
    let started = std::time::Instant::now();
    let stage = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let stage = stage.clone();
        let shown = source.clone();
        std::thread::spawn(move || {
            let result = load().map(|(bundle, report, path)| {
                stage.store(1, std::sync::atomic::Ordering::Relaxed);
                let mut state = State::new(
                    shown,
                    bundle,
                    theme,
                    Rect::new(0, 0, size.width, size.height),
                );
                state.source_path = path;
                if !report.is_clean() {
                    state.status = Some(format!("load report: {} (L shows it)", report.summary()));
                }
                state.load_report = Some(report);
                state
            });
            let _ = tx.send(result);
        });
    }
    let mut state = loop {
        let now = match stage.load(std::sync::atomic::Ordering::Relaxed) {
            0 => LoadStage::Reading,
            _ => LoadStage::Planning,
        };
        execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
        terminal.draw(|f| view::draw_loading(f, &source, now, started.elapsed(), theme))?;
        execute!(std::io::stdout(), EndSynchronizedUpdate)?;
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(state)) => break state,
            Ok(Err(e)) => {
                drop(guard);
                return Err(RunError::Input(e));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(RunError::Io(std::io::Error::other("the loader stopped")));
            }
        }
        while event::poll(Duration::ZERO)? {
            if let Event::Key(k) = event::read()? {
                let quit = k.kind == KeyEventKind::Press
                    && (matches!(k.code, ratatui::crossterm::event::KeyCode::Char('q'))
                        || (k.code == ratatui::crossterm::event::KeyCode::Char('c')
                            && k.modifiers
                                .contains(ratatui::crossterm::event::KeyModifiers::CONTROL)));
                if quit {
                    return Ok(());
                }
            }
        }
    };
    // The terminal may have been resized while loading.
    let size = terminal.size()?;
    update::update(&mut state, Action::Resize(size.width, size.height));
    state.status = state.status.take().or_else(|| {
        Some(format!(
            "loaded and planned {} + {} objects in {:.1} s",
            state.bundle.on_premises.len(),
            state.bundle.cloud.len(),
            started.elapsed().as_secs_f64()
        ))
    });
    state.background_replan = true;
    // Re-plans after a what-if flip run here, off the UI thread; only the newest request counts.
    let (replan_tx, replan_rx) =
        std::sync::mpsc::channel::<(whatif::Config, crate::plan::Plan, Duration)>();
    let mut mouse = state.mouse;
    loop {
        if let Some(config) = state.replan_request.take() {
            let (bundle, index, tx) =
                (state.bundle.clone(), state.index.clone(), replan_tx.clone());
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let plan =
                    crate::plan::plan_what_if(&bundle, &index, &config.settings, &config.connect);
                let _ = tx.send((config, plan, started.elapsed()));
            });
        }
        while let Ok((config, plan, took)) = replan_rx.try_recv() {
            // A plan for settings flipped since is stale; the newer request is on its way.
            if config == state.config {
                state.install_plan(plan);
                state.replan_time = Some(took);
                state.status = Some(format!(
                    "re-planned {} objects in {:.0} ms: {} object(s) change",
                    state.plan.outcomes.len(),
                    took.as_secs_f64() * 1000.0,
                    state.diff.count()
                ));
            }
        }
        // Synchronized updates: the terminal shows whole frames, never half-drawn ones.
        execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
        terminal.draw(|f| view::draw(f, &state))?;
        execute!(std::io::stdout(), EndSynchronizedUpdate)?;
        if let Some(text) = state.clipboard.take() {
            let mut out = std::io::stdout();
            out.write_all(update::osc52(&text).as_bytes())?;
            out.flush()?;
        }
        // Wait for an event, then take everything already queued before drawing again, so a
        // burst of keys or wheel ticks costs one frame.
        // While a search is matching, keys are taken as they come and matching goes on in
        // chunks between them, so typing is never kept waiting.
        if state.search.scanned.is_some() && !event::poll(Duration::ZERO)? {
            update::update(&mut state, Action::SearchTick);
            continue;
        }
        if state.replanning && !event::poll(Duration::from_millis(50))? {
            continue;
        }
        let mut ev = Some(event::read()?);
        while let Some(e) = ev.take() {
            if let Some(a) = action_for(&state, e) {
                // update is pure; the runner measures how long a replan took.
                let generation = state.plan_generation;
                let started = std::time::Instant::now();
                update::update(&mut state, a);
                if state.plan_generation != generation {
                    state.replan_time = Some(started.elapsed());
                }
            }
            if state.quit {
                return Ok(());
            }
            if event::poll(Duration::ZERO)? {
                ev = Some(event::read()?);
            }
        }
        if let Some(req) = state.write.take() {
            write_file(&mut state, req);
        }

        if let Some(path) = state.read_csv.take() {
            read_bulk_csv(&mut state, path);
        }
        if state.mouse != mouse {
            mouse = state.mouse;
            if mouse {
                execute!(std::io::stdout(), EnableMouseCapture)?;
            } else {
                execute!(std::io::stdout(), DisableMouseCapture)?;
            }
        }
    }
}

/// Performs a write the state asked for; an existing file is only replaced after a yes.
fn write_file(state: &mut State, req: state::WriteRequest) {
    let path = std::path::Path::new(&req.path);
    match crate::remediation::write_script(path, &req.contents, req.overwrite) {
        Ok(()) => state.status = Some(format!("wrote the {} to {}", req.what, req.path)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            state.confirm = Some(req);
            state.mode = state::Mode::Confirm;
        }
        Err(e) => state.status = Some(format!("could not write {}: {e}", req.path)),
    }
}

/// Reads and checks a bulk hard match CSV against the what-if state.
fn read_bulk_csv(state: &mut State, path: String) {
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            state.status = Some(format!("cannot read {path}: {e}"));
            return;
        }
    };
    match crate::hardmatch::read_csv(&path, &bytes) {
        Ok(rows) => {
            let b = update::what_if_bundle(state);
            state.bulk = Some((path, crate::hardmatch::check(&b, rows)));
            update::update(state, Action::BulkLoaded);
        }
        Err(e) => state.status = Some(e.to_string()),
    }
}

/// The benchmark's frame hook: time to the first frame (building the explorer's state — index
/// and plan — and drawing it) and the mean time of a frame while moving through the list, both
/// at 120×40 on ratatui's TestBackend (no terminal I/O).
pub fn frame_times(b: &Bundle, _plan: &crate::plan::Plan) -> crate::bench::FrameTimes {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    // The copy stands for the bundle the loader hands over; it is not part of the frame time.
    let bundle = b.clone();
    let started = std::time::Instant::now();
    let mut state = State::new(
        "bench".into(),
        bundle,
        theme::Theme { color: true },
        Rect::new(0, 0, 120, 40),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test backend");
    let _ = terminal.draw(|f| view::draw(f, &state));
    let first_frame = started.elapsed();
    const FRAMES: u32 = 50;
    let started = std::time::Instant::now();
    for i in 0..FRAMES {
        let a = if i % 10 == 9 {
            Action::PageDown
        } else {
            Action::MoveDown
        };
        update::update(&mut state, a);
        let _ = terminal.draw(|f| view::draw(f, &state));
    }
    crate::bench::FrameTimes {
        first_frame,
        frame: started.elapsed() / FRAMES,
    }
}
