//! What a file is before it is parsed: the CSV delimiter (`Export-Csv -UseCulture` writes
//! semicolons in most of Europe, `-Delimiter "`t"` tabs), and files in an export folder that are
//! not exports at all (`desktop.ini`, TOML, README, scripts), which are skipped with a warning
//! rather than failing the load (interfaces §7).

/// The delimiter of a CSV export, from its header line (the first line that is neither blank nor
/// a `#TYPE` / comment line): the most frequent of comma, semicolon and tab outside quotes; a
/// comma when none occurs.
pub(crate) fn csv_delimiter(head: &[u8]) -> char {
    let text = String::from_utf8_lossy(head);
    let header = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let mut counts = [(',', 0usize), (';', 0), ('\t', 0)];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if let Some(slot) = counts.iter_mut().find(|(d, _)| *d == c) {
                    slot.1 += 1;
                }
            }
        }
    }
    // max_by_key keeps the last of equal counts; iterate reversed so a tie goes to the comma.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(',', |(d, _)| *d)
}

/// Why a file of an export folder is not an export (and is skipped with a warning), if it is
/// plainly something else: an INI or TOML file, a README or other document, a script.
pub(crate) fn not_an_export(name: &str, head: &[u8]) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "ini" | "toml" | "md" | "rtf" | "ps1" | "psm1" | "sh" | "py" | "bat" | "cmd" | "url"
        | "yml" | "yaml" | "xml" | "html" => {
            return Some(format!(
                "a .{ext} file, not a directory export (LDIF, CSV or JSON); not read"
            ));
        }
        _ => {}
    }
    if lower.starts_with("readme") || lower == "thumbs.db" || lower == ".ds_store" {
        return Some("not a directory export; not read".into());
    }
    let text = String::from_utf8_lossy(head);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'))?;
    // `[.ShellClassInfo]`, `[section]`, `[server.alpha]`: an INI or TOML section, not JSON.
    if let Some(inner) = first.strip_prefix('[').and_then(|r| r.strip_suffix(']'))
        && inner
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '.' || c == '_')
        && !inner.contains(['"', '{', ',', ':'])
    {
        return Some(format!(
            "an INI or TOML file (it starts with the section {first:?}), not a directory export; not read"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_from_the_header() {
        assert_eq!(csv_delimiter(b"DN,objectClass,objectGUID\r\n"), ',');
        assert_eq!(
            csv_delimiter(
                b"#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\"DistinguishedName\";\"ObjectGUID\";\"Name\"\r\n"
            ),
            ';'
        );
        assert_eq!(csv_delimiter(b"DistinguishedName\tObjectGUID\n"), '\t');
        // Inside quotes, a delimiter does not count.
        assert_eq!(csv_delimiter(b"\"a;b;c\",\"d\"\n"), ',');
        assert_eq!(csv_delimiter(b"single\n"), ',');
    }

    #[test]
    fn ini_toml_and_documents_are_not_exports() {
        assert!(not_an_export("desktop.ini", b"[.ShellClassInfo]\r\nIconResource=x\r\n").is_some());
        assert!(not_an_export("settings", b"# c\n[server.alpha]\nip = 1\n").is_some());
        assert!(not_an_export("README", b"hello").is_some());
        assert!(not_an_export("notes.MD", b"hello").is_some());
        // A text file may well be an ldapsearch output: its content decides.
        assert!(not_an_export("export.txt", b"dn: CN=a\n").is_none());
        assert!(not_an_export("users.json", b"[{\"id\": 1}]").is_none());
        assert!(not_an_export("roles.json", b"[\n  {\n").is_none());
        assert!(not_an_export("x.json", b"[]").is_none());
        assert!(not_an_export("ad.ldf", b"dn: CN=a\n").is_none());
    }
}
