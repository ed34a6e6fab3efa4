//! The direct reader against serde_yaml_ng, the reference: same value whenever it reads a
//! document, and no reading at all of what it leaves to serde_yaml_ng.

use super::*;
use crate::scenario::de::read_with_serde;

/// Asserts the two readers agree on `text`; returns whether the direct reader read it.
fn agree(text: &str) -> bool {
    let reference = read_with_serde(text);
    match read_simple_document(text) {
        Some(value) => {
            let reference = reference.map_err(|e| e.to_string());
            assert_eq!(Ok(value), reference, "read differently:\n{text}");
            true
        }
        None => false,
    }
}

#[test]
fn plain_scalars_resolve_as_serde_yaml_ng_resolves_them() {
    let scalars = [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "FALSE",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "0",
        "00",
        "01",
        "007",
        "-0",
        "+0",
        "-01",
        "+01",
        "1",
        "+1",
        "-1",
        "++1",
        "+-1",
        "--1",
        "-+1",
        "1_000",
        "1,000",
        "0x1F",
        "0X1F",
        "0x",
        "0x-1",
        "0x+1",
        "-0x1F",
        "+0x1F",
        "-0x-1",
        "0xZZ",
        "0o17",
        "-0o17",
        "+0o17",
        "0o8",
        "0b101",
        "-0b101",
        "0b2",
        "0b",
        "1e3",
        "1E3",
        "1e+3",
        "-1e-3",
        "1.",
        ".5",
        "-.5",
        "+.5",
        "1.5e-3",
        "0.1",
        "-0.0",
        "00.5",
        "01.5",
        "1.2.3",
        ".",
        "-",
        "+",
        ".inf",
        "-.inf",
        "+.inf",
        ".Inf",
        ".INF",
        "-.Inf",
        "+-.inf",
        ".NaN",
        ".nan",
        ".NAN",
        "-.nan",
        "+.nan",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "infinity",
        "Infinity",
        "1e400",
        "-1e400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "9223372036854775807",
        "0xFFFFFFFFFFFFFFFF",
        "0x10000000000000000",
        "-0x8000000000000000",
        "-0x8000000000000001",
        "12:30",
        "2024-01-01",
        "1_0",
        "abc",
        "a1",
        "multiple_accounts_linked",
        "{{x}}x",
        "uk-cs-mock",
    ];
    let mut read = 0;
    for scalar in scalars {
        let text = format!("v: {scalar}\nw: [{scalar}]\n");
        read += usize::from(agree(&text));
    }
    // Every one of these is a plain scalar but the few beyond 64 bits.
    assert!(
        read > scalars.len() - 10,
        "read {read} of {}",
        scalars.len()
    );

    // And a few thousand more, made of the characters numbers, nulls and booleans are.
    let alphabet = b"0123456789+-._xobeEinfINFaNlTrus~";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut read = 0;
    for _ in 0..5_000 {
        let mut scalar = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        for i in 0..(seed % 7) {
            let at = (seed >> (8 + 5 * i)) as usize % alphabet.len();
            scalar.push(alphabet[at] as char);
        }
        read += usize::from(agree(&format!("v: {scalar}\n")));
    }
    assert!(read > 4_000, "read {read} of 5000");
}

#[test]
fn scenario_documents_read_alike() {
    let documents = [
        "name: plain\nsteps:\n  - auth_link: { scope: [info, accounts], providers: [uk-cs-mock] }\n    expect:\n      json: { $.result: ok, $.count: 2 }\n",
        "# a comment\n---\nname: 'single ''quoted'''\ndescription: \"double \\\"quoted\\\" \\u00e9 \\n\"\n...\n",
        "text: |\n  literal\n   kept\n\nfolded: >\n  folded\n  lines\n\nstrip: |-\n  x\nkeep: |+\n  y\n\n",
        "plain: a plain\n  scalar on\n  three lines\nempty:\nquoted_empty: ''\n",
        "1: one\n~: tilde\ntrue: yes\n0x10: hex\n'k': v\n\"k2\": v\n",
        "nested:\n  - a: 1\n    b: [1, 2.5, -3, .inf, ~]\n  - - x\n    - y\n  - {}\n  - []\n",
        "unicode: ünïcødé ✓\nemoji: \"\\U0001F600\"\n",
        "flow: {a: [1, {b: c}], 'd': \"e\"}\n",
        "- just\n- a list\n",
        "just a scalar\n",
    ];
    for text in documents {
        assert!(agree(text), "not read directly:\n{text}");
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = 0;
    for path in yaml_files(&dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(agree(&text), "not read directly: {}", path.display());
        files += 1;
    }
    assert!(files >= 10, "found {files} scenario files");
}

fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            found.push(path);
        }
    }
    found
}

#[test]
fn anything_else_is_left_to_serde_yaml_ng() {
    let documents = [
        // Anchors and aliases, tags.
        "base: &b {a: 1}\nother: *b\n",
        "v: !!str 1\n",
        "v: !custom x\n",
        "v: !!map {a: 1}\n",
        // Several documents, or none.
        "a: 1\n---\nb: 2\n",
        "",
        "# only a comment\n",
        // A duplicate key, a collection as a key.
        "a: 1\na: 2\n",
        "? [a, b]\n: c\n",
        // Integers beyond 64 bits.
        "v: 18446744073709551616\n",
        "v: -9223372036854775809\n",
        // Syntax errors.
        "a: [1, 2\n",
        "a: b: c\n",
        "a:\n  - x\n y: z\n",
        "\"unterminated\n",
    ];
    for text in documents {
        assert_eq!(read_simple_document(text), None, "read directly:\n{text}");
    }
    // Deeper than a scenario goes.
    let deep = format!(
        "{}1{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(read_simple_document(&deep), None);
    let shallow = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(agree(&shallow));
}
