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

/// A JSON formatter that also escapes, as `\uXXXX`, every character [`display_safe`] would show
/// escaped (serde_json escapes only C0 controls, quotes and backslashes): DEL, C1 controls, bidi
/// controls, line separators, joiners reach the terminal of whoever reads `--json` output only
/// as escapes. The JSON means the same.
#[derive(Clone, Copy, Debug, Default)]
pub struct SafeJsonFormatter;

impl serde_json::ser::Formatter for SafeJsonFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if needs_escape(ch) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
                start = i + ch.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Writes `value` as compact JSON through [`SafeJsonFormatter`].
pub fn write_json<W: std::io::Write, T: serde::Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, SafeJsonFormatter);
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// `value` as compact JSON through [`SafeJsonFormatter`].
pub fn json_string<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    write_json(&mut out, value).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
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
    fn json_output_escapes_what_the_terminal_would_act_on() {
        let v = serde_json::json!({"k\u{1b}": "a\u{9b}b\u{202e}c\u{2028}d\u{7f}e\u{1b}]52;", "ok": "Björn 山田"});
        let text = json_string(&v);
        assert_eq!(
            text,
            r#"{"k\u001b":"a\u009bb\u202ec\u2028d\u007fe\u001b]52;","ok":"Björn 山田"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
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
