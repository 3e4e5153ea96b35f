//! One folder per view. Each holds its state, its `update` (actions → state, effects pushed on
//! the app's queue), its `draw`, and ONE `layout(area)` that both use, so what `update` pages
//! through is what `draw` shows. A new view is a folder here, a `View` variant (if it is a tab)
//! and its keys in `keymap.rs`.

pub mod bulk;
pub mod confirm;
pub mod errors;
pub mod explorer;
pub mod help;
pub mod loading;
pub mod prompt;
pub mod readiness;
pub mod recollect;
pub mod report;
pub mod walkthrough;
pub mod whatif;

/// The tabs of the explorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Explorer,
    Errors,
    WhatIf,
    /// A guided fix in progress (W1–W4).
    Walkthrough,
    /// The checks of a bulk hard match CSV.
    Bulk,
    /// Pre-sync readiness findings (`syncscope check`).
    Readiness,
    /// What changed since the last collection (`R`).
    Changes,
}

impl View {
    /// The tabs always there; the walkthrough and bulk tabs appear once started, the readiness tab once
    /// opened (`c`), the changes tab after `R`.
    pub const ALL: [View; 3] = [View::Explorer, View::Errors, View::WhatIf];

    pub fn title(self) -> &'static str {
        match self {
            View::Explorer => "Explorer",
            View::Errors => "Provisioning errors",
            View::WhatIf => "What-if",
            View::Walkthrough => "Walkthrough",
            View::Bulk => "Bulk hard match",
            View::Readiness => "Readiness",
            View::Changes => "Changes since the last collection",
        }
    }
}
