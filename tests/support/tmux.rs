//! A real pseudo-terminal for end-to-end tests of the explorer: a tmux server of the test's
//! own, the session `e2e` in it, keys sent, the screen captured (tests/e2e_tmux.rs,
//! tests/tui_recollect.rs).
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// A tmux server of this test's own (its socket named after the test and the process).
    pub fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("syncscope-{name}-{}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `command` (a shell command line) in the session `e2e` at 120×40 with
    /// TERM=xterm-256color, in `dir` when given, with `env` (`NAME=value`) set.
    pub fn start(&self, dir: Option<&std::path::Path>, env: &[String], command: &str) {
        let mut args = vec!["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40"];
        if let Some(dir) = dir {
            args.extend(["-c", dir.to_str().expect("a UTF-8 path")]);
        }
        args.extend(["-e", "TERM=xterm-256color"]);
        for e in env {
            args.extend(["-e", e.as_str()]);
        }
        args.push(command);
        self.run(&args);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Waits until the screen shows `text` (the app draws asynchronously).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            // A frame may be captured half drawn: accept it once it is also stable.
            if screen.contains(text) {
                std::thread::sleep(Duration::from_millis(40));
                if self.screen() == screen {
                    return screen;
                }
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("timed out waiting for {text:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }
}

/// Whether one line of the screen holds all the parts (column widths may change).
pub fn line_with(screen: &str, parts: &[&str]) -> bool {
    screen.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
