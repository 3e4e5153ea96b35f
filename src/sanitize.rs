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

/// Whether a character is shown escaped: it would act on the terminal, or make the text the
/// terminal draws differ from what the layout measured (issue 11).
pub fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            // Bidirectional marks, embeddings, overrides and isolates reorder what the admin reads.
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators break lines the layout does not know of.
            | '\u{2028}' | '\u{2029}'
            // Zero-width spaces, joiners and non-joiners, word joiner, invisible operators,
            // the BOM, the combining grapheme joiner, the Mongolian vowel separator: width 0
            // for the layout, but terminals disagree (or join what follows).
            | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{034f}' | '\u{180e}'
            // The soft hyphen: drawn by some terminals, not by others.
            | '\u{00ad}'
            // Hangul fillers: blank, but as wide as a letter in some terminals and 0 in others.
            | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
            // Interlinear annotations and the object replacement.
            | '\u{fff9}'..='\u{fffc}'
            // Tag characters (invisible).
            | '\u{e0000}'..='\u{e007f}'
        )
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
        assert!(matches!(display_safe("Björn Ñ т"), Cow::Borrowed(_)));
    }

    #[test]
    fn separators_joiners_soft_hyphens_and_fillers_are_shown() {
        let hostile = "a\u{2028}b\u{2029}c\u{200d}d\u{200c}e\u{200b}f\u{ad}g\u{3164}h\u{115f}i\u{ffa0}j\u{200f}k\u{61c}l\u{feff}m\u{2060}n";
        assert_eq!(
            display_safe(hostile),
            "a\\u{2028}b\\u{2029}c\\u{200d}d\\u{200c}e\\u{200b}f\\u{ad}g\\u{3164}h\\u{115f}i\\u{ffa0}j\\u{200f}k\\u{61c}l\\u{feff}m\\u{2060}n"
        );
    }
}
