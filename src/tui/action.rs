//! Everything the explorer can be asked to do, one meaning per name. Keys (through the keymap),
//! mouse and resize events become actions; `App::handle` is the only place that changes state.

use super::views::View;
use super::views::explorer::Filter;
use super::views::prompt::Purpose;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave the explorer; asks first when walkthrough or what-if work would be lost.
    Quit,
    /// Leave at once (Ctrl-C), whatever is unsaved.
    QuitNow,
    /// Close one level: the search filter, the detail focus, the quick filter, then the view
    /// (back to the explorer). Never quits.
    Close,

    // Moving in the list (or the text) that has the focus.
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,

    // Explorer panes.
    NextPane,
    PrevPane,
    /// Focus the details of the selection (again: back to the list).
    FocusDetail,
    /// Copy the selection's ImmutableID (on-prem) or object id (cloud).
    CopyId,

    // The search filter (`/`).
    SearchStart,
    SearchType(char),
    SearchErase,
    /// Enter: stop typing, keep the list narrowed to the matches.
    SearchKeep,
    /// Esc while typing: drop the filter.
    SearchClear,
    MatchNext,
    MatchPrev,
    /// Match the next chunk of a search in progress (sent by the runner when no key waits).
    SearchTick,

    // Quick filters.
    FilterSet(Filter),
    FilterNext,

    // Views and overlays.
    ShowView(View),
    NextView,
    HelpToggle,
    LoadReportToggle,
    MouseToggle,

    // Provisioning errors.
    ErrorShowObject,
    ErrorPropertyName,
    ErrorSortField,
    ErrorSortDirection,
    ErrorAllToggle,
    CopyCmdlet,
    CopyGraph,
    CopyCommand,

    // What-if.
    WhatIfFlip,
    WhatIfReset,
    WhatIfPin,
    WhatIfShowChanged,

    // Readiness (`c`) and the changes after `R`.
    /// Enter: the finding's (or changed) object in the explorer.
    ReadinessShowObject,
    /// Severity filter: all → errors → warnings.
    ReadinessSeverity,
    /// Class filter: all → each class with findings.
    ReadinessClass,
    /// Rule filter: all → each rule with findings.
    ReadinessRule,
    /// Sort: rule → severity → object → attribute.
    ReadinessSort,

    /// `R`: collect the folder again from its sources, then show what changed.
    Recollect,

    // Walkthroughs.
    WalkStart,
    WalkOther,
    WalkApply,
    WalkSkip,
    WalkUndo,

    /// Ask for a value (a query field or a file name).
    Ask(Purpose),
    PromptType(char),
    PromptErase,
    PromptAccept,
    PromptCancel,

    /// Answers to a yes/no question (overwrite a file, leave with unsaved work).
    Yes,
    No,

    // Terminal events.
    Resize(u16, u16),
    Click {
        column: u16,
        row: u16,
    },
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
}
