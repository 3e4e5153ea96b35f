use super::*;
use crate::bundle::{parse_bundle, read_bundle_in};
use crate::error::InputError;
use crate::model::Bundle;
use std::cell::Cell;

/// The block reader's answer, and whether it read the text whole again.
fn read_in(text: &[u8], block: usize) -> (Result<Bundle, InputError>, bool) {
    let again = Cell::new(false);
    let read = read_bundle_in(
        "t.json",
        &mut &text[..],
        || {
            again.set(true);
            Ok(text.to_vec())
        },
        block,
    );
    (read, again.get())
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut synced = crate::generate::generate(300, 9);
    // A sync leaves nested kept attributes (the last export) on the cloud objects.
    crate::apply::sync_cycle(&mut synced, Some("2026-12-01T00:00:00Z"));
    let mut docs: Vec<(String, Vec<u8>)> = [
        "sample-data/contoso.json",
        "tests/fixtures/hostile/bundle.json",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(format!("{dir}/{f}")).unwrap()))
    .collect();
    let generated = crate::bundle::bundle_to_json(&synced);
    docs.push((
        "generated, pretty".into(),
        serde_json::to_vec_pretty(&generated).unwrap(),
    ));
    docs.push((
        "generated, compact".into(),
        serde_json::to_vec(&generated).unwrap(),
    ));
    docs
}

fn end_of(text: &[u8]) -> Scan {
    value_end(text, 0, &mut Progress::default())
}

#[test]
fn a_value_ends_at_the_delimiter_of_its_own_level() {
    assert_eq!(end_of(br#" {"a":[1,{"b":"],}"}]} , 2"#), Scan::End(23));
    assert_eq!(end_of(br#""x\"],"]"#), Scan::End(7));
    assert_eq!(end_of(br#"{"a":"x\"#), Scan::More);
    assert_eq!(end_of(br#"{"a":"x\\"}"#), Scan::More);
    assert_eq!(end_of(br#"{"a":"x\\"},"#), Scan::End(11));
    assert_eq!(end_of(b"123"), Scan::More);
    let deep = "[".repeat(MAX_DEPTH + 1);
    assert_eq!(end_of(deep.as_bytes()), Scan::Bad);
    let deep_enough = format!("{}{},", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert_eq!(end_of(deep_enough.as_bytes()), Scan::End(2 * MAX_DEPTH));
}

/// A value read a byte at a time is scanned once, not again from its start for each byte (the
/// fuzzer found the quadratic scan: a long value in small blocks), and ends where it ends when
/// read whole.
#[test]
fn a_scan_goes_on_where_the_text_read_so_far_ended() {
    let values: [&[u8]; 4] = [
        br#" {"a":[1,{"b":"],}"}]} , 2"#,
        br#""x\"],\\"]"#,
        br#"{"k":"\\\"\\","l":[[],{}]}]"#,
        br#"[{"deep":[[[["x"]]]]},"\u005d"] }"#,
    ];
    for value in values {
        let whole = end_of(value);
        assert!(matches!(whole, Scan::End(_)), "{whole:?}");
        let mut progress = Progress::default();
        for read in 1..=value.len() {
            match value_end(&value[..read], 0, &mut progress) {
                Scan::More => {
                    // Never more than an escape's backslash is scanned again.
                    assert!(
                        progress.scanned + 1 >= read,
                        "{} of {read} bytes scanned",
                        progress.scanned
                    );
                }
                end => {
                    assert_eq!(end, whole, "{}", String::from_utf8_lossy(value));
                    break;
                }
            }
        }
    }
    // A key the same way.
    let key = br#""on\"Prem\\ises":"#;
    let mut progress = Progress::default();
    let ends: Vec<Scan> = (1..=key.len())
        .map(|read| string_end_at(&key[..read], 0, &mut progress))
        .collect();
    assert_eq!(ends.last(), Some(&Scan::End(key.len() - 1)));
    assert_eq!(string_end_at(b"x", 0, &mut Progress::default()), Scan::Bad);
}

/// A long element and a long top-level value, read in blocks of a few bytes, as the fuzz target
/// does.
#[test]
fn long_values_in_small_blocks_are_read() {
    let long = "x".repeat(200_000);
    let text = format!(
        r#"{{"tenant":{{"initialDomain":"contoso.onmicrosoft.com"}},"note":"{long}","onPremises":[{{"objectClass":"user","objectGUID":"6f9619ff-8b86-d011-b42d-00cf4fc964ff","distinguishedName":"CN=A,DC=contoso,DC=com","description":"{long}"}}],"cloud":[]}}"#
    );
    let whole = parse_bundle("t.json", text.as_bytes()).unwrap();
    let (read, again) = read_in(text.as_bytes(), 7);
    assert_eq!(read, Ok(whole));
    assert!(!again);
}

#[test]
fn a_key_is_named_by_its_text_unescaped() {
    assert_eq!(key_name(br#""cloud""#).as_deref(), Some("cloud"));
    assert_eq!(
        key_name(br#""on\u0050remises""#).as_deref(),
        Some("onPremises")
    );
    assert_eq!(key_name(b"\"").as_deref(), None);
}

#[test]
fn the_block_reader_builds_what_the_whole_text_reader_builds_cut_anywhere() {
    for (name, text) in documents() {
        let whole = parse_bundle("t.json", &text).unwrap();
        assert!(
            !whole.on_premises.is_empty() && !whole.cloud.is_empty(),
            "{name}"
        );
        for block in [
            1,
            2,
            3,
            5,
            64,
            1000,
            4096,
            text.len() - 1,
            text.len(),
            1 << 22,
        ] {
            let (read, again) = read_in(&text, block);
            assert_eq!(read.as_ref(), Ok(&whole), "{name}, blocks of {block}");
            assert!(!again, "{name}, blocks of {block}: read whole again");
        }
    }
}

#[test]
fn bad_or_unusual_input_gets_the_whole_text_readers_answer() {
    const HEAD: &str = r#""tenant":{"initialDomain":"contoso.onmicrosoft.com"}"#;
    const USER: &str = r#"{"objectClass":"user","objectGUID":"6f9619ff-8b86-d011-b42d-00cf4fc964ff","distinguishedName":"CN=A,DC=contoso,DC=com","userPrincipalName":"a@contoso.com"}"#;
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let with = |extra: &str| USER.replace("\"}", &format!("\",\"x\":{extra}}}"));
    let docs = [
        format!(r#"{{{HEAD},"onPremises":[{USER}],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER},],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":[,{USER}],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER} {USER}],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}],"cloud":[]}} x"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}],"cloud":[]"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}],"onPremises":[],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"OnPremises":[],"onPremises":[{USER}],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"on\u0050remises":[{USER}],"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":null,"cloud":null}}"#),
        format!(r#"{{{HEAD},"onPremises":{USER},"cloud":[]}}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}],"cloud":[{USER}]}}"#),
        format!(r#"{{{HEAD},"onPremises":[{USER}, {USER}],"cloud":[]}}"#),
        format!(
            r#"{{{HEAD},"onPremises":[{USER}],"cloud":[],"x":{}}}"#,
            deep(110)
        ),
        format!(
            r#"{{{HEAD},"onPremises":[{USER}],"cloud":[],"x":{}}}"#,
            deep(130)
        ),
        format!(
            r#"{{{HEAD},"onPremises":[{}],"cloud":[]}}"#,
            with(&deep(110))
        ),
        format!(
            r#"{{{HEAD},"onPremises":[{}],"cloud":[]}}"#,
            with(&deep(126))
        ),
        format!(
            r#"{{{HEAD},"onPremises":[{}],"cloud":[]}}"#,
            USER.replace("a@", r"\ud800@")
        ),
        format!(
            r#"{{{HEAD},"onPremises":[{}],"cloud":[]}}"#,
            USER.replace("a@", r#"a\"],@"#)
        ),
        format!(r#"  {{ {HEAD} , "onPremises" : [ {USER} ] , "cloud" : [ ] }}  "#),
        format!(r#"[{{{HEAD}}}]"#),
        "{}".to_string(),
        String::new(),
        "   ".to_string(),
    ];
    let mut texts: Vec<Vec<u8>> = docs.iter().map(|d| d.clone().into_bytes()).collect();
    // Text that is not UTF-8 inside an element.
    let mut bad = docs[0].clone().into_bytes();
    let at = bad.windows(2).position(|w| w == b"a@").unwrap();
    bad[at] = 0xff;
    texts.push(bad);
    let mut taken = 0;
    for text in &texts {
        let whole = parse_bundle("t.json", text);
        taken += usize::from(whole.is_ok());
        for block in [1, 2, 7, 50, 4096] {
            let (read, _) = read_in(text, block);
            assert_eq!(
                read,
                whole,
                "{}, blocks of {block}",
                String::from_utf8_lossy(text)
            );
        }
    }
    // Some are bundles and some are not.
    assert!(taken >= 5 && taken <= texts.len() - 10, "{taken} taken");
}

/// Damaged copies of the sample: each gets the same bundle or the same error as from the
/// whole-text reader, cut anywhere.
#[test]
fn damaged_documents_get_the_whole_text_readers_answer() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read(format!("{dir}/sample-data/contoso.json")).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const BYTES: &[u8] = b"{}[],:\\\" \n0a\xff";
    let (mut taken, mut refused) = (0, 0);
    for _ in 0..400 {
        let mut damaged = text.clone();
        for _ in 0..1 + next() % 3 {
            let at = (next() % damaged.len() as u64) as usize;
            let byte = BYTES[(next() % BYTES.len() as u64) as usize];
            match next() % 3 {
                0 => damaged[at] = byte,
                1 => {
                    damaged.remove(at);
                }
                _ => damaged.insert(at, byte),
            }
        }
        let whole = parse_bundle("t.json", &damaged);
        if whole.is_ok() {
            taken += 1;
        } else {
            refused += 1;
        }
        let block = 1 + (next() % 3000) as usize;
        let (read, _) = read_in(&damaged, block);
        assert_eq!(read, whole, "blocks of {block}");
    }
    // Both kinds were tried.
    assert!(
        taken > 20 && refused > 20,
        "{taken} taken, {refused} refused"
    );
}
