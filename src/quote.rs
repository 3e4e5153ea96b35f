//! Quoting of untrusted values for generated commands: nothing an attribute holds (quotes,
//! `$()`, backticks, newlines) can end the string and run as code.
//!
//! Scripts are written as UTF-8 with a BOM ([`SCRIPT_BOM`]), but a copy that lost its BOM is read
//! by Windows PowerShell 5.1 in the ANSI code page, where the UTF-8 bytes of ordinary letters
//! (Cyrillic т В Б, Ñ Ò Â) decode as ‚ ‘ ’ “ ” „, which PowerShell treats as quotes. So every
//! literal [`ps_quote`] writes is pure printable ASCII, whatever the code page; other characters
//! are added with `[char]0x…` in a parenthesised concatenation.

/// The byte order mark generated scripts start with: Windows PowerShell 5.1 then reads them as
/// UTF-8 instead of the ANSI code page.
pub const SCRIPT_BOM: &str = "\u{feff}";

/// A PowerShell expression for the string: `'text'` with single quotes doubled when the value
/// is printable ASCII, else `('text' + [char]0x00F6 + 'more')`. The result holds only printable
/// ASCII (no quote PowerShell accepts but `'`, no newline), so no byte reinterpretation of the
/// script can close the literal. Valid wherever an argument or an expression goes.
pub fn ps_quote(value: &str) -> String {
    let plain = |c: char| (' '..='~').contains(&c);
    if value.chars().all(plain) {
        return single_quoted(value);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut literal = String::new();
    for ch in value.chars() {
        if plain(ch) {
            literal.push(ch);
            continue;
        }
        if !literal.is_empty() || parts.is_empty() {
            // A string first, so `+` concatenates strings rather than adding char codes.
            parts.push(single_quoted(&literal));
            literal.clear();
        }
        let mut units = [0u16; 2];
        for unit in ch.encode_utf16(&mut units) {
            parts.push(format!("[char]0x{unit:04X}"));
        }
    }
    if !literal.is_empty() {
        parts.push(single_quoted(&literal));
    }
    format!("({})", parts.join(" + "))
}

fn single_quoted(ascii: &str) -> String {
    format!("'{}'", ascii.replace('\'', "''"))
}

/// Text for a `#` comment of a generated script: printable ASCII only, so no code page can make
/// a line break of it. Common typography is transliterated; other characters are shown as
/// `\u{…}`; control characters become spaces.
pub fn ps_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            ' '..='~' => out.push(ch),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '—' | '–' => out.push('-'),
            '…' => out.push_str("..."),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            c if c.is_control() => out.push(' '),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out
}

/// A POSIX shell word: bare when it is plainly safe, else single-quoted with `'\''`.
pub fn sh_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c));
    if safe {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_quotes_cannot_be_escaped() {
        assert_eq!(ps_quote("O'Brien"), "'O''Brien'");
        assert_eq!(ps_quote("$(evil) `n"), "'$(evil) `n'");
        assert_eq!(ps_quote("a\u{2019}; rm"), "('a' + [char]0x2019 + '; rm')");
        assert_eq!(ps_quote("Björn"), "('Bj' + [char]0x00F6 + 'rn')");
        assert_eq!(ps_quote("т"), "('' + [char]0x0442)");
        assert_eq!(ps_quote("a\nb"), "('a' + [char]0x000A + 'b')");
        // Outside the BMP: a surrogate pair, as .NET strings hold it.
        assert_eq!(ps_quote("😀"), "('' + [char]0xD83D + [char]0xDE00)");
        assert_eq!(ps_quote(""), "''");
        for v in ["Björn", "тест", "a\u{2028}b", "ÑÒÂ"] {
            assert!(ps_quote(v).chars().all(|c| (' '..='~').contains(&c)));
        }
    }

    #[test]
    fn comments_are_ascii() {
        assert_eq!(
            ps_comment("line 2: Björn → b@x\n$(x)"),
            "line 2: Bj\\u{f6}rn -> b@x $(x)"
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(sh_quote("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's $(x)"), "'it'\\''s $(x)'");
        assert_eq!(sh_quote(""), "''");
    }
}
