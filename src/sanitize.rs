//! Attribute values are untrusted: before any reaches a terminal, control characters and escape
//! sequences are rendered visibly (`\e`, `\n`, `\u{9b}`) so they can neither move the cursor nor
//! change colours, titles or the clipboard.

use std::borrow::Cow;

/// The text with every control character (C0, DEL, C1) and bidi override shown escaped.
pub fn display_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if !needs_escape(ch) {
            out.push(ch);
            continue;
        }
        match ch {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(ch: char) -> bool {
    ch.is_control()
        // Bidirectional overrides and isolates reorder what the admin reads.
        || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_shown_not_executed() {
        let hostile = "Eve\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\r\nX\u{9b}31m\u{202e}";
        let safe = display_safe(hostile);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe}");
        assert_eq!(
            safe,
            "Eve\\e]52;c;cm0gLXJmIH4=\\u{7}\\e[2J\\r\\nX\\u{9b}31m\\u{202e}"
        );
        assert!(matches!(display_safe("山田 太郎"), Cow::Borrowed(_)));
    }
}
