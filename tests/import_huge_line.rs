//! A 2 GB line in an export: a warning naming the file and line, the rest of the file still
//! read, and memory that stays far below the size of the line. (Its own test binary, so the
//! process's peak memory is this test's alone.)

use std::io::{Seek, SeekFrom, Write};
use syncscope::import::{ImportOptions, load_snapshot};

const DOMAINS: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains","value":[{"authenticationType":"Managed","id":"contoso.onmicrosoft.com","isInitial":true,"isVerified":true}]}"#;

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_2_gb_line_is_dropped_with_a_warning_and_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("domains.json"), DOMAINS).unwrap();
    let path = dir.path().join("ad.ldf");
    let mut f = std::fs::File::create(&path).unwrap();
    write!(
        f,
        "dn: CN=Alice Ng,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: iGhmiAEBERG7uxI0VniQqw==\r\nthumbnailPhoto:: "
    )
    .unwrap();
    // The photo's value: 2 GiB without a line break (a sparse file: no disk is used).
    let huge: u64 = 2 << 30;
    let start = f.stream_position().unwrap();
    f.write_all(&vec![b'A'; 1 << 20]).unwrap();
    f.seek(SeekFrom::Start(start + huge)).unwrap();
    write!(
        f,
        "\r\nmail: alice@contoso.com\r\n\r\ndn: CN=Bob,DC=contoso,DC=com\r\nobjectClass: user\r\nobjectGUID:: GGhsjYwBEU+buBsE4sqhtg==\r\n"
    )
    .unwrap();
    drop(f);

    let l = load_snapshot(dir.path(), &ImportOptions::default()).unwrap();
    let w = l
        .report
        .warnings
        .iter()
        .find(|w| w.message.contains("thumbnailPhoto is longer than"))
        .unwrap_or_else(|| panic!("{}", l.report));
    assert!(w.file.ends_with("ad.ldf"));
    assert_eq!(w.position, "line 4");
    // The object keeps what came after the line, and the next record is read.
    assert_eq!(l.bundle.on_premises.len(), 2, "{}", l.report);
    assert_eq!(
        l.bundle.on_premises[0].mail.as_deref(),
        Some("alice@contoso.com")
    );
    if let Some(kib) = peak_memory_kib() {
        assert!(kib < 512 * 1024, "peak memory {kib} KiB for a 2 GiB line");
    }
}
