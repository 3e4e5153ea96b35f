//! Quoting of untrusted values for generated commands: nothing an attribute holds (quotes,
//! `$()`, backticks, newlines) can end the string and run as code.

/// A PowerShell single-quoted string literal. Inside single quotes PowerShell expands nothing;
/// the only way out is a single quote, and PowerShell also treats the typographic quotes
/// U+2018–U+201B as single quotes, so every one of them is doubled.
pub fn ps_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        if matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
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
        assert_eq!(ps_quote("a\u{2019}; rm"), "'a\u{2019}\u{2019}; rm'");
        assert_eq!(ps_quote("$(evil) `n"), "'$(evil) `n'");
    }

    #[test]
    fn shell_words() {
        assert_eq!(sh_quote("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's $(x)"), "'it'\\''s $(x)'");
        assert_eq!(sh_quote(""), "''");
    }
}
