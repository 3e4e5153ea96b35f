//! A bounded property test of every reader (issue 11, item 6; the unbounded version is the
//! `cargo fuzz` targets in fuzz/): each real export of sample-data/ (LDIF, csvde, Export-Csv,
//! ConvertTo-Json, Graph pages, the real-world formats), the bundle, a scenario and a hardmatch
//! CSV, mutated deterministically (bytes flipped, cut, duplicated, structural characters and
//! encodings inserted). Every reader either reads the input or refuses it with an error naming
//! the file; none panics, and every error and warning is display-safe.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// xorshift64*: the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INSERTS: [&[u8]; 16] = [
    b"\"",
    b",",
    b";",
    b"\t",
    b"\r\n",
    b"\n\n",
    b"\0",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\\",
    b"{",
    b"]",
    b"dn: ",
    b"#TYPE x\r\n",
    b"\"onPremisesImmutableId\":\"x\",",
    b" \xe2\x80\xa8\x1b]0;t\x07",
];

fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 => {
                if let Some(b) = out.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => out.truncate(at),
            2 => {
                let len = rng.below(64).min(out.len() - at.min(out.len()));
                let piece = out[at..at + len].to_vec();
                out.splice(at..at, piece);
            }
            3 => {
                let end = (at + rng.below(32)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                let ins = INSERTS[rng.below(INSERTS.len())];
                out.splice(at..at, ins.iter().copied());
            }
        }
    }
    out
}

fn files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(Path::new(ROOT).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn assert_display_safe(label: &str, text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{label}: a message holds a raw control character: {text:?}"
    );
}

/// Runs `read` on `rounds` mutations of `input`; panics name the input and the round.
fn check_reader(
    label: &str,
    input: &[u8],
    rounds: usize,
    seed: u64,
    read: impl Fn(&[u8]) -> Result<String, syncscope::error::InputError>,
) {
    let mut rng = Rng(seed | 1);
    for round in 0..rounds {
        let data = mutate(input, &mut rng);
        let result = catch_unwind(AssertUnwindSafe(|| read(&data)));
        match result {
            Err(_) => panic!("{label}: mutation {round} (seed {seed}) panicked"),
            Ok(Ok(report)) => assert_display_safe(label, &report),
            Ok(Err(e)) => {
                assert!(
                    !e.file.is_empty(),
                    "{label}: an error without its file: {e}"
                );
                assert_display_safe(label, &e.to_string());
            }
        }
    }
}

const ROUNDS: usize = 60;

#[test]
fn no_mutation_of_an_export_file_panics_any_reader() {
    let mut inputs = Vec::new();
    for dir in [
        "sample-data/exports",
        "sample-data/exports-formats/csvde",
        "sample-data/exports-formats/ldapsearch",
        "sample-data/exports-formats/powershell-5.1-csv",
        "sample-data/exports-formats/powershell-7-json",
        "sample-data/exports-formats/real-world",
    ] {
        inputs.extend(files(dir));
    }
    assert!(inputs.len() >= 20, "{}", inputs.len());
    for (i, (name, bytes)) in inputs.iter().enumerate() {
        check_reader(name, bytes, ROUNDS, 0x5eed + i as u64, |data| {
            syncscope::import::read_export_bytes(name, data).map(|(_, r)| r.to_string())
        });
    }
}

#[test]
fn no_mutation_of_a_bundle_scenario_or_hardmatch_csv_panics() {
    let bundle = std::fs::read(Path::new(ROOT).join("sample-data/contoso.json")).unwrap();
    check_reader("contoso.json", &bundle, ROUNDS, 7, |data| {
        syncscope::bundle::parse_bundle("contoso.json", data).map(|b| {
            let _ = syncscope::plan::plan(&b);
            String::new()
        })
    });
    let scenarios = Path::new(ROOT).join("sample-data/scenarios");
    for (name, bytes) in files("sample-data/scenarios") {
        check_reader(&name, &bytes, ROUNDS / 2, 11, |data| {
            syncscope::scenario::parse_scenario(&name, data, &scenarios).map(|_| String::new())
        });
    }
    let csv = b"SamAccountName,CloudUPN\r\nijohansson,jordan.lee@contoso.com\r\n\"o,neil\",o.neil@contoso.com\r\nnpetersen;nils@fabrikam.com\r\n";
    check_reader("pairs.csv", csv, ROUNDS * 4, 13, |data| {
        syncscope::hardmatch::read_csv("pairs.csv", data).map(|rows| {
            rows.iter()
                .flat_map(|r| r.problems.clone())
                .collect::<Vec<_>>()
                .join("\n")
        })
    });
}
