//! Pieces every view draws with: a list cursor, tables whose columns have priorities (the least
//! important are dropped first on a narrow terminal, cut cells end in '…'), and text wrapped
//! with its continuation lines indented under their label.

use super::action::Action;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, HighlightSpacing, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table,
    TableState,
};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A selection in a list of `len` rows, with the first visible row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows, clamped to the list, and scrolls so the selection is visible.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.select(target as usize, len, page);
    }

    pub fn select(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index.min(len.saturating_sub(1));
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    /// Selects and puts the row in the middle of the page (jumps between panes and matches).
    pub fn center_on(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.offset = self
            .selected
            .saturating_sub(page / 2)
            .min(len.saturating_sub(page.max(1)));
    }

    /// The moves every table view shares (a click on a row, arrows, pages, ends, the wheel) on
    /// a list of `len` rows shown `page` at a time in the bordered table `table`; false when
    /// `action` is not one of them.
    pub fn navigate(&mut self, action: Action, table: Rect, len: usize, page: usize) -> bool {
        let step = page.max(1) as isize;
        match action {
            Action::Click { column, row } => {
                if let Some(at) = table_row_at(table, *self, len, column, row) {
                    self.select(at, len, page);
                }
            }
            Action::MoveUp => self.move_by(-1, len, page),
            Action::MoveDown => self.move_by(1, len, page),
            Action::PageUp => self.move_by(-step, len, page),
            Action::PageDown => self.move_by(step, len, page),
            Action::Top => self.move_by(isize::MIN / 2, len, page),
            Action::Bottom => self.move_by(isize::MAX / 2, len, page),
            Action::Scroll { down, .. } => self.move_by(if down { 3 } else { -3 }, len, page),
            _ => return false,
        }
        true
    }

    /// Keeps the selection in a list that changed length or page size.
    pub fn clamp(&mut self, len: usize, page: usize) {
        let at = self.selected;
        self.select(at, len, page);
    }
}

/// Rows a bordered table with a header row shows in `area`.
pub fn table_page(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// The row of a bordered table with a header row under a click, if it is one of its rows.
pub fn table_row_at(
    area: Rect,
    cursor: Cursor,
    len: usize,
    column: u16,
    row: u16,
) -> Option<usize> {
    if !area.contains(ratatui::layout::Position::new(column, row)) {
        return None;
    }
    let i = row.checked_sub(area.y + 2)? as usize;
    let at = cursor.offset + i;
    (i < table_page(area) && at < len).then_some(at)
}

/// Cuts `text` to `width` display columns, ending in '…' when cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// One column of a table: its title, its width, and how much it matters (0 = never dropped;
/// higher numbers are dropped first when the terminal is narrow).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub title: &'static str,
    /// Fixed width, or the least width of a flexible column.
    pub min: u16,
    /// 0: fixed at `min`; otherwise the share of the spare width.
    pub grow: u16,
    pub priority: u8,
}

pub const fn fixed(title: &'static str, width: u16, priority: u8) -> Column {
    Column {
        title,
        min: width,
        grow: 0,
        priority,
    }
}

pub const fn flex(title: &'static str, min: u16, grow: u16, priority: u8) -> Column {
    Column {
        title,
        min,
        grow,
        priority,
    }
}

/// The columns that fit `width` (the least important dropped first) and their widths.
/// Returns (column index, width) in table order.
pub fn fit_columns(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut kept: Vec<usize> = (0..columns.len()).collect();
    let need = |kept: &[usize]| -> u16 {
        kept.iter().map(|i| columns[*i].min).sum::<u16>() + kept.len().saturating_sub(1) as u16
    };
    while need(&kept) > width && kept.len() > 1 {
        let drop = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].priority > 0)
            .max_by_key(|(at, i)| (columns[**i].priority, *at))
            .map(|(at, _)| at);
        match drop {
            Some(at) => {
                kept.remove(at);
            }
            None => break,
        }
    }
    let spare = width.saturating_sub(need(&kept));
    let shares: u16 = kept.iter().map(|i| columns[*i].grow).sum();
    let mut given = 0;
    let mut out: Vec<(usize, u16)> = kept
        .iter()
        .map(|i| {
            let c = columns[*i];
            let extra = (spare * c.grow).checked_div(shares).unwrap_or(0);
            given += extra;
            (*i, c.min + extra)
        })
        .collect();
    // Rounding leftovers go to the last flexible column.
    if let Some(last) = out.iter_mut().rev().find(|(i, _)| columns[*i].grow > 0) {
        last.1 += spare.saturating_sub(given);
    }
    out
}

/// A table of the rows in a window: `cells(i)` gives row `i`'s cells (one per column, styled),
/// built only for `cursor.offset .. offset + page`, cut to the columns' widths.
pub struct WindowTable<'a> {
    pub columns: &'a [Column],
    pub len: usize,
    pub cursor: Cursor,
    pub block: Block<'a>,
    pub cells: &'a dyn Fn(usize) -> Vec<(String, Style)>,
    pub theme: &'a Theme,
}

impl WindowTable<'_> {
    pub fn draw(self, f: &mut Frame, area: Rect) {
        let t = self.theme;
        // Inside the borders, less the highlight symbol.
        let inner = area.width.saturating_sub(2 + 2);
        let fitted = fit_columns(self.columns, inner);
        let page = table_page(area);
        let end = (self.cursor.offset + page).min(self.len);
        let rows: Vec<Row> = (self.cursor.offset..end)
            .map(|i| {
                let cells = (self.cells)(i);
                Row::new(fitted.iter().map(|(c, w)| {
                    let (text, style) = cells.get(*c).cloned().unwrap_or_default();
                    Cell::from(cut(&text, *w as usize)).style(style)
                }))
            })
            .collect();
        let header = Row::new(
            fitted
                .iter()
                .map(|(c, w)| cut(self.columns[*c].title, *w as usize)),
        )
        .style(t.dim().add_modifier(Modifier::UNDERLINED));
        let widths: Vec<Constraint> = fitted.iter().map(|(_, w)| Constraint::Length(*w)).collect();
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(self.block)
            .row_highlight_style(t.selected())
            .highlight_symbol("▶ ")
            .highlight_spacing(HighlightSpacing::Always);
        let mut state = TableState::default();
        if self.len > 0 {
            state.select(Some(
                self.cursor.selected.saturating_sub(self.cursor.offset),
            ));
        }
        f.render_stateful_widget(table, area, &mut state);
        scrollbar(f, area, self.len, page, self.cursor.offset);
    }
}

/// A scrollbar on the right border when the rows do not fit.
pub fn scrollbar(f: &mut Frame, area: Rect, len: usize, page: usize, offset: usize) {
    if len > page {
        let mut sb = ScrollbarState::new(len.saturating_sub(page)).position(offset);
        f.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(ratatui::layout::Margin::new(0, 1)),
            &mut sb,
        );
    }
}

/// Wraps `text` to `width` columns after a label: the first line starts with `label`, the
/// following ones are indented by the label's width, so the text stays under itself.
pub fn labeled(label: Span<'static>, text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    let indent = label.width();
    let room = width.saturating_sub(indent).max(8);
    let mut out = Vec::new();
    for (i, piece) in wrap(text, room).into_iter().enumerate() {
        let head = if i == 0 {
            label.clone()
        } else {
            Span::raw(" ".repeat(indent))
        };
        out.push(Line::from(vec![head, Span::styled(piece, style)]));
    }
    if out.is_empty() {
        out.push(Line::from(label));
    }
    out
}

/// Splits text into lines of at most `width` columns, at spaces where it can, inside long
/// words where it must.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.width();
        let gap = usize::from(!line.is_empty());
        if used + gap + w <= width {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += gap + w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word longer than a line is split.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_important_columns_go_first_and_the_rest_share_the_width() {
        let cols = [
            flex("name", 10, 2, 0),
            fixed("type", 6, 3),
            flex("upn", 10, 3, 1),
            fixed("when", 20, 2),
        ];
        let wide = fit_columns(&cols, 100);
        assert_eq!(wide.len(), 4);
        assert_eq!(wide.iter().map(|(_, w)| w).sum::<u16>() + 3, 100);
        let narrow = fit_columns(&cols, 44);
        let kept: Vec<usize> = narrow.iter().map(|(i, _)| *i).collect();
        assert_eq!(kept, [0, 2, 3], "type (priority 3) dropped first");
        let tiny = fit_columns(&cols, 22);
        assert_eq!(tiny.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn wrapped_text_stays_under_its_label() {
        let lines = labeled(
            Span::raw("why    "),
            "M6: the cloud user holds a directory role",
            Style::new(),
            20,
        );
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text[0], "why    M6: the cloud");
        assert!(
            text[1..].iter().all(|l| l.starts_with("       ")),
            "{text:?}"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("山田太郎", 5), "山田…");
    }
}
