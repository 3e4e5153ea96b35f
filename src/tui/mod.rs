//! The explorer: a ratatui TUI over one `Session`.
//!
//! - `app.rs`: the state (the session plus one state per view); `App::handle(Action)` is the
//!   only place it changes, and it pushes effects instead of doing I/O.
//! - `views/<view>/`: each view's state, update, draw and the one layout both use.
//! - `keymap.rs`: one table of keys → actions that also writes the help and the hint bar.
//! - `runner.rs`: the loop (generic over the backend), effects → jobs, files, terminal.
//! - `jobs.rs`: the one background runner, generation-keyed, stale results dropped.
//! - `chrome.rs`: header, banner, hint bar, overlays; `widgets.rs`: tables and wrapping.

pub mod action;
pub mod app;
pub mod chrome;
pub mod jobs;
pub mod keymap;
pub mod runner;
pub mod theme;
pub mod views;
pub mod widgets;

use app::App;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::layout::Rect;
use runner::Host;
use std::io::Write;
use std::time::{Duration, Instant};

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

/// The real terminal: crossterm events, OSC 52 for the clipboard, synchronized updates.
struct Crossterm;

impl Host for Crossterm {
    fn next_event(&mut self, timeout: Duration, _busy: bool) -> std::io::Result<Option<Event>> {
        if event::poll(timeout)? {
            Ok(Some(event::read()?))
        } else {
            Ok(None)
        }
    }

    fn clipboard(&mut self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout();
        out.write_all(osc52(text).as_bytes())?;
        out.flush()
    }

    fn mouse(&mut self, on: bool) -> std::io::Result<()> {
        if on {
            execute!(std::io::stdout(), EnableMouseCapture)
        } else {
            execute!(std::io::stdout(), DisableMouseCapture)
        }
    }

    fn begin_frame(&mut self) -> std::io::Result<()> {
        execute!(std::io::stdout(), BeginSynchronizedUpdate)
    }

    fn end_frame(&mut self) -> std::io::Result<()> {
        execute!(std::io::stdout(), EndSynchronizedUpdate)
    }

    fn suspend(&mut self) -> std::io::Result<()> {
        execute!(std::io::stdout(), DisableMouseCapture)?;
        ratatui::crossterm::terminal::disable_raw_mode()?;
        execute!(std::io::stdout(), LeaveAlternateScreen)
    }

    fn resume(&mut self, mouse: bool) -> std::io::Result<()> {
        ratatui::crossterm::terminal::enable_raw_mode()?;
        execute!(std::io::stdout(), EnterAlternateScreen)?;
        self.mouse(mouse)
    }
}

/// The escape sequence that asks the terminal to put text on the clipboard (OSC 52). The text
/// is base64, so nothing in it can act as a control sequence.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    format!(
        "\u{1b}]52;c;{}\u{7}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

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

/// Runs the explorer on a snapshot until the user quits. The snapshot is loaded and planned by
/// a background job while the screen shows progress and stays responsive (q or Ctrl-C leaves).
pub fn run(
    source: String,
    path: std::path::PathBuf,
    import: crate::import::ImportOptions,
    allow_partial: bool,
    cache: bool,
) -> Result<(), RunError> {
    let theme = theme::Theme::from_env();
    // ratatui::init installs its own panic hook first; ours runs before it.
    let mut terminal = ratatui::try_init()?;
    install_panic_hook();
    let guard = TerminalGuard;
    execute!(std::io::stdout(), EnableMouseCapture)?;
    let mut host = Crossterm;
    let mut jobs = jobs::Jobs::new();
    let started = Instant::now();
    let loader = runner::snapshot_loader(path, import.clone(), allow_partial, cache);
    let loaded = match runner::load(&mut terminal, &mut host, &mut jobs, &source, theme, loader)? {
        None => return Ok(()),
        Some(Err(e)) => {
            drop(guard);
            return Err(RunError::Input(e));
        }
        Some(Ok(l)) => l,
    };
    // The terminal may have been resized while loading.
    let size = terminal.size()?;
    let mut app = runner::app_for(
        source,
        loaded,
        theme,
        Rect::new(0, 0, size.width, size.height),
        started.elapsed(),
    );
    app.import = import;
    app.allow_partial = allow_partial;
    app.cache = cache;
    runner::run_app(&mut app, &mut terminal, &mut host, &mut jobs)?;
    // A cache still being written when the user quits is not finished: its temporary file goes.
    crate::atomic::remove_live_temps();
    Ok(())
}

/// The benchmark's frame hook: time to the first frame from an opened session (building the
/// explorer's state and drawing it) and the mean time of a frame while moving through the list,
/// both at 120×40 on ratatui's TestBackend (no terminal I/O).
pub fn frame_times(session: crate::session::Session) -> crate::bench::FrameTimes {
    use action::Action;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let started = Instant::now();
    let mut app = App::new(
        "bench".into(),
        session,
        theme::Theme { color: true },
        Rect::new(0, 0, 120, 40),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test backend");
    let _ = terminal.draw(|f| chrome::draw(f, &app));
    let first_frame = started.elapsed();
    const FRAMES: u32 = 50;
    let started = Instant::now();
    for i in 0..FRAMES {
        let a = if i % 10 == 9 {
            Action::PageDown
        } else {
            Action::MoveDown
        };
        app.handle(a);
        let _ = terminal.draw(|f| chrome::draw(f, &app));
    }
    crate::bench::FrameTimes {
        first_frame,
        frame: started.elapsed() / FRAMES,
    }
}
