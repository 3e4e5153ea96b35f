//! Everything the explorer can be asked to do. Keys, mouse and resize events become actions
//! (through the keymap); `update` is the only place that changes state.

use super::errors::Field;
use super::state::{Filter, View};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Close what is open (help, search, filter, detail focus); quit when nothing is.
    Back,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    ToggleDetail,
    StartSearch,
    SearchInput(char),
    SearchBackspace,
    SearchAccept,
    SearchCancel,
    NextMatch,
    PrevMatch,
    SetFilter(Filter),
    CycleFilter,
    ToggleHelp,
    Copy,
    ToggleMouse,
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
    SwitchView(View),
    NextView,
    /// Enter on an error row: show its object in the explorer.
    Activate,
    // What-if panel.
    Flip,
    ResetWhatIf,
    TogglePin,
    ShowChanged,
    // Errors view query bar.
    CyclePropertyName,
    EditField(Field),
    EditInput(char),
    EditBackspace,
    EditAccept,
    EditCancel,
    CycleSortField,
    ToggleSortDirection,
    ToggleAll,
    CopyCmdlet,
    CopyGraph,
    CopyCommand,
    // Walkthroughs.
    StartWalkthrough,
    NextWalkthroughKind,
    WalkApply,
    WalkSkip,
    WalkBack,
    ConfirmYes,
    ConfirmNo,
    /// The runner read and checked a bulk hard match CSV.
    BulkLoaded,
    ToggleLoadReport,
    /// Match the next chunk of a search in progress (sent by the runner when no key waits).
    SearchTick,
}
