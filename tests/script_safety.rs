//! Generated PowerShell stays safe under Windows PowerShell 5.1 and PowerShell 7 (issue 11,
//! item 2): every script file starts with a UTF-8 BOM, and decoded as UTF-8 or as any of the ANSI
//! code pages 5.1 falls back to (cp1250, cp1251, cp1252), no attribute value leaves its literal:
//! a PowerShell tokenizer (both quote families, doubled quotes, backtick escapes, here-strings,
//! comments) finds the hostile marker only inside literals and comments, never in code.

use syncscope::anchor::Anchor;
use syncscope::bundle::parse_bundle;
use syncscope::hardmatch::{CsvRow, RowReport};
use syncscope::model::Bundle;
use syncscope::quote::ps_quote;
use syncscope::remediation::{Command, ScriptStep, render_script, script_bytes, write_script};
use syncscope::walkthrough::{Kind, Walkthrough, suggest};
use uuid::Uuid;

/// The word that must never reach code.
const MARKER: &str = "Invoke-Pwned";

/// Values that break out of a literal one way or another: letters whose UTF-8 bytes are quotes
/// in an ANSI code page (т В Б in cp1252, Ñ Ò Â in cp1251 …), typographic quotes, `$()`,
/// backticks, newlines, line separators, here-string ends.
fn hostile() -> Vec<String> {
    [
        "т' ; Invoke-Pwned ; '",
        "В\u{2019}; Invoke-Pwned; \u{2018}",
        "Б\"; Invoke-Pwned; \"",
        "Ñ' + (Invoke-Pwned) + '",
        "Ò\u{201a}Invoke-Pwned\u{201b}",
        "Â\u{201c}$(Invoke-Pwned)\u{201d}\u{201e}",
        "Eriksson, Björn`'; Invoke-Pwned #",
        "a\nInvoke-Pwned\n#",
        "a\r\nInvoke-Pwned",
        "x\u{2028}Invoke-Pwned\u{2029}",
        "'@\nInvoke-Pwned\n@'",
        "\"@\nInvoke-Pwned\n@\"",
        "#>\nInvoke-Pwned\n<#",
        "ты\u{85}Invoke-Pwned",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// How a code page decodes the script.
fn decodings(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = vec![("UTF-8", String::from_utf8(body.to_vec()).unwrap())];
    for enc in [
        encoding_rs::WINDOWS_1250,
        encoding_rs::WINDOWS_1251,
        encoding_rs::WINDOWS_1252,
    ] {
        let (text, _) = enc.decode_without_bom_handling(body);
        out.push((enc.name(), text.into_owned()));
    }
    out
}

fn single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

fn double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}')
}

fn line_end(c: char) -> bool {
    // Conservative: more than PowerShell counts, so a comment is never thought to go on.
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Splits PowerShell text into what runs as code; literals and comments are dropped. The
/// contents of double-quoted strings count as code (`$()` runs inside them). An unterminated
/// literal or comment is an error.
fn code_of(text: &str) -> Result<String, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::new();
    let mut i = 0;
    let at_line_start = |i: usize| i == 0 || line_end(chars[i - 1]);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Here-strings: @' or @" at the end of a line, closed by '@ / "@ at a line start.
        if c == '@' && next.is_some_and(|n| single_quote(n) || double_quote(n)) {
            let double = double_quote(next.unwrap());
            if chars.get(i + 2).copied().is_some_and(line_end) {
                let mut j = i + 2;
                loop {
                    if j + 1 >= chars.len() {
                        return Err(format!("unterminated here-string at char {i}"));
                    }
                    let q = chars[j];
                    if at_line_start(j)
                        && (if double {
                            double_quote(q)
                        } else {
                            single_quote(q)
                        })
                        && chars[j + 1] == '@'
                    {
                        break;
                    }
                    if double {
                        code.push(q);
                    }
                    j += 1;
                }
                i = j + 2;
                continue;
            }
        }
        if single_quote(c) {
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(format!("unterminated '…' literal at char {i}")),
                    Some(&q) if single_quote(q) => {
                        if chars.get(j + 1).copied().is_some_and(single_quote) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            i = j + 1;
            code.push(' ');
            continue;
        }
        if double_quote(c) {
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(format!("unterminated \"…\" literal at char {i}")),
                    Some('`') => {
                        j += 2;
                        continue;
                    }
                    Some(&q) if double_quote(q) => {
                        if chars.get(j + 1).copied().is_some_and(double_quote) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    Some(&q) => {
                        code.push(q);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if c == '<' && next == Some('#') {
            let mut j = i + 2;
            while !(chars.get(j) == Some(&'#') && chars.get(j + 1) == Some(&'>')) {
                if j >= chars.len() {
                    return Err(format!("unterminated <# comment at char {i}"));
                }
                j += 1;
            }
            i = j + 2;
            continue;
        }
        let token_start = i == 0 || chars[i - 1].is_whitespace() || ";({|".contains(chars[i - 1]);
        if c == '#' && token_start {
            while i < chars.len() && !line_end(chars[i]) {
                i += 1;
            }
            continue;
        }
        if c == '`' {
            // An escape outside quotes: the next character is code either way.
            code.push(c);
        }
        code.push(c);
        i += 1;
    }
    Ok(code)
}

/// The written script is UTF-8 with a BOM, and under every decoding the marker is not code.
fn assert_safe(label: &str, text: &str) {
    let bytes = script_bytes(text);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{label}: no BOM");
    assert!(
        text.contains(MARKER),
        "{label}: the hostile values did not reach the script at all:\n{text}"
    );
    for (enc, decoded) in decodings(&bytes) {
        let code = code_of(&decoded).unwrap_or_else(|e| panic!("{label} as {enc}: {e}\n{decoded}"));
        assert!(
            !code.contains(MARKER),
            "{label} as {enc}: a value reached code:\n{decoded}"
        );
    }
}

/// Evaluates what [`ps_quote`] writes back into the string PowerShell builds from it.
fn evaluate(expr: &str) -> String {
    let inner = expr
        .strip_prefix('(')
        .and_then(|e| e.strip_suffix(')'))
        .unwrap_or(expr);
    let mut units: Vec<u16> = Vec::new();
    let mut rest = inner;
    loop {
        if let Some(r) = rest.strip_prefix("[char]0x") {
            units.push(u16::from_str_radix(&r[..4], 16).unwrap());
            rest = &r[4..];
        } else {
            let r = rest.strip_prefix('\'').expect(expr);
            let mut end = 0;
            let b = r.as_bytes();
            while !(b[end] == b'\'' && b.get(end + 1) != Some(&b'\'')) {
                end += if b[end] == b'\'' { 2 } else { 1 };
            }
            units.extend(r[..end].replace("''", "'").encode_utf16());
            rest = &r[end + 1..];
        }
        match rest.strip_prefix(" + ") {
            Some(r) => rest = r,
            None => break,
        }
    }
    assert!(rest.is_empty(), "{expr}");
    String::from_utf16(&units).unwrap()
}

#[test]
fn quoted_values_are_ascii_and_mean_the_value() {
    for v in hostile() {
        let q = ps_quote(&v);
        assert!(q.chars().all(|c| (' '..='~').contains(&c)), "{q}");
        assert_eq!(evaluate(&q), v);
    }
}

#[test]
fn every_command_keeps_hostile_values_in_their_literal() {
    let id = Uuid::parse_str("6e7b768e-07e2-4810-8459-485f84f8f204").unwrap();
    let anchor = Anchor::from_guid(id);
    for v in hostile() {
        let commands = vec![
            Command::RemoveRole {
                user: id,
                role: v.clone(),
                eligible: false,
            },
            Command::RemoveRole {
                user: id,
                role: v.clone(),
                eligible: true,
            },
            Command::AddRole {
                user: id,
                role: v.clone(),
                eligible: false,
            },
            Command::AddRole {
                user: id,
                role: v.clone(),
                eligible: true,
            },
            Command::DeleteAndPurge { object: id },
            Command::Restore { object: id },
            Command::SetImmutableId {
                user: id,
                value: anchor,
            },
            Command::ClearImmutableId { user: id },
            Command::SetCloudUpn {
                user: id,
                upn: v.clone(),
            },
            Command::SetOnPremUpn {
                object: id,
                upn: v.clone(),
            },
            Command::SetOnPremMail {
                object: id,
                mail: v.clone(),
            },
            Command::SetOnPremProxyAddresses {
                object: id,
                values: vec![format!("SMTP:{v}"), v.clone()],
            },
            Command::SetConsistencyGuid {
                object: id,
                value: anchor,
            },
            Command::MoveOnPrem {
                object: id,
                target_ou: format!("OU={v},DC=contoso,DC=com"),
            },
            Command::DeltaSync,
            Command::ReAnchor {
                object: id,
                immutable_id: anchor,
            },
            Command::ClearOnPremisesObjectIdentifier { user: id },
            Command::WaitForSyncCycle,
            // An opaque cloud ImmutableID is anything the tenant holds (r2).
            Command::CheckMatch {
                user: id,
                immutable_id: v.clone(),
            },
        ];
        let steps = vec![ScriptStep {
            title: format!("step for {v}"),
            commands,
            expect: Some(format!("expect {v}")),
        }];
        let text = render_script(&format!("title {v}"), &format!("source {v}.json"), &steps);
        assert_safe(&format!("commands with {v:?}"), &text);
    }
}

fn sample() -> Bundle {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
    parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
}

/// `local@domain` with a hostile local part, the same on both sides so matches still hold.
fn hostile_address(v: &str, addr: &str) -> String {
    match addr.split_once(':') {
        Some((prefix, rest)) if !prefix.contains('@') => {
            format!("{prefix}:{}", hostile_address(v, rest))
        }
        _ => format!("{v}{addr}"),
    }
}

/// RFC 4514 escaping for a CN value.
fn escape_rdn(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\0A"),
            '\r' => out.push_str("\\0D"),
            c => out.push(c),
        }
    }
    out
}

/// The sample tenant with a hostile value in every name, address and DN.
fn hostile_sample(v: &str) -> Bundle {
    let mut b = sample();
    for o in &mut b.on_premises {
        o.display_name = Some(format!("{v}{}", o.name()).into());
        let dn = o.distinguished_name.clone();
        let (first, rest) = dn.split_once(',').unwrap();
        let (kind, value) = first.split_once('=').unwrap();
        o.distinguished_name = format!("{kind}={}{value},{rest}", escape_rdn(v)).into();
        o.user_principal_name = o
            .user_principal_name
            .as_deref()
            .map(|u| hostile_address(v, u).into());
        o.mail = o.mail.as_deref().map(|m| hostile_address(v, m).into());
        for p in &mut o.proxy_addresses {
            *p = hostile_address(v, p).into();
        }
    }
    for c in &mut b.cloud {
        c.display_name = Some(format!("{v}{}", c.name()).into());
        c.user_principal_name = c
            .user_principal_name
            .as_deref()
            .map(|u| hostile_address(v, u).into());
        c.mail = c.mail.as_deref().map(|m| hostile_address(v, m).into());
        for p in &mut c.proxy_addresses {
            *p = hostile_address(v, p).into();
        }
    }
    b
}

#[test]
fn walkthrough_scripts_w1_to_w5_keep_hostile_values_in_their_literal() {
    for v in hostile() {
        let b = hostile_sample(&v);
        let mut kinds_seen = Vec::new();
        for (i, o) in b.on_premises.iter().enumerate() {
            for (kind, target) in suggest(&b, i) {
                let Ok(mut w) = Walkthrough::start(kind, &b, o.object_guid, target) else {
                    continue;
                };
                let before = w.script(&format!("{v}.json"));
                assert_safe(&format!("{} for {v:?} (not started)", kind.id()), &before);
                while !w.done() {
                    w.apply_next();
                }
                let after = w.script(&format!("{v}.json"));
                assert_safe(&format!("{} for {v:?}", kind.id()), &after);
                kinds_seen.push(kind);
            }
            // W4 works on any linked object: its DN is what it moves.
            if let Ok(w) = Walkthrough::start(Kind::Unlink, &b, o.object_guid, None) {
                assert_safe(&format!("W4 for {v:?}"), &w.script("snapshot.json"));
                kinds_seen.push(Kind::Unlink);
            }
        }
        for kind in [
            Kind::AdminRole,
            Kind::HardMatch,
            Kind::SoftMatch,
            Kind::Unlink,
            Kind::ReAnchor,
        ] {
            assert!(
                kinds_seen.contains(&kind),
                "{} never ran on the hostile sample for {v:?}",
                kind.id()
            );
        }
    }
}

#[test]
fn w4_moves_a_dn_with_an_escaped_comma_and_non_ascii_letters() {
    let mut b = sample();
    let p = syncscope::plan::plan(&b);
    let i = p
        .outcomes
        .iter()
        .find(|o| o.result == syncscope::outcome::SyncResult::Linked)
        .map(|o| o.on_prem as usize)
        .unwrap();
    let dn = b.on_premises[i].distinguished_name.clone();
    let rest = dn.split_once(',').unwrap().1.to_string();
    b.on_premises[i].distinguished_name = format!("CN=Eriksson\\, Björn,{rest}").into();
    b.on_premises[i].display_name = None;
    assert_eq!(b.on_premises[i].label(), "Eriksson, Björn");
    let guid = b.on_premises[i].object_guid;
    let linked = p
        .outcomes
        .iter()
        .find(|o| o.on_prem as usize == i)
        .unwrap()
        .cloud;
    let target = linked.map(|c| b.cloud[c as usize].id);
    let w = Walkthrough::start(Kind::Unlink, &b, guid, target).unwrap();
    assert!(
        w.steps[0]
            .title
            .starts_with("Move Eriksson, Björn to OU=Not Synced,"),
        "{}",
        w.steps[0].title
    );
    let moved = format!("{:?}", w.steps[0].actions);
    assert!(
        moved.contains("CN=Eriksson\\\\, Björn,OU=Not Synced,DC="),
        "{moved}"
    );
    assert_safe_without_marker(&w.script("s.json"));
}

fn assert_safe_without_marker(text: &str) {
    for (enc, decoded) in decodings(&script_bytes(text)) {
        code_of(&decoded).unwrap_or_else(|e| panic!("{enc}: {e}\n{decoded}"));
    }
}

#[test]
fn hardmatch_script_keeps_hostile_csv_values_in_comments_and_literals() {
    let id = Uuid::parse_str("6e7b768e-07e2-4810-8459-485f84f8f204").unwrap();
    let reports: Vec<RowReport> = hostile()
        .into_iter()
        .enumerate()
        .map(|(n, v)| RowReport {
            row: CsvRow {
                line: n as u64 + 2,
                sam_account_name: v.clone(),
                cloud_upn: format!("{v}@contoso.com"),
                problems: vec![],
            },
            on_prem: Some(id),
            cloud: Some(id),
            immutable_id: Some(Anchor::from_guid(id).immutable_id()),
            problems: vec![],
            predicted: Some(v),
        })
        .collect();
    let text = syncscope::hardmatch::script(&reports, "pairs \u{442}'$(Invoke-Pwned).csv");
    assert_safe("hardmatch", &text);
    // And the file on disk is what was checked.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.ps1");
    write_script(&path, &text, false).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), script_bytes(&text));
}

#[test]
fn the_tokenizer_catches_what_main_used_to_write() {
    // The old quoting: non-ASCII inside the literal, no BOM. Read as cp1252, т's second byte is
    // ‚ (U+201A), a single quote: the value escapes.
    let old = "Set-MgUser -UserId 'x' -UserPrincipalName 'т; Invoke-Pwned; @contoso.com'\n";
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(old.as_bytes());
    assert!(code_of(&text).is_err_or_contains(MARKER));
}

trait ErrOrContains {
    fn is_err_or_contains(&self, needle: &str) -> bool;
}

impl ErrOrContains for Result<String, String> {
    fn is_err_or_contains(&self, needle: &str) -> bool {
        match self {
            Err(_) => true,
            Ok(code) => code.contains(needle),
        }
    }
}
