//! The direct readers against serde_yaml_ng, the reference: same value whenever they read a
//! document, and no reading at all of what they leave to serde_yaml_ng.

use super::*;
use crate::scenario::de::read_with_serde;

/// Asserts that `reader` reads `text` as serde_yaml_ng does whenever it reads it; returns
/// whether it read it.
fn agrees_with_serde(reader: fn(&str) -> Option<Value>, text: &str) -> bool {
    match reader(text) {
        Some(value) => {
            let reference = read_with_serde(text).map_err(|e| e.to_string());
            assert_eq!(Ok(value), reference, "read differently:\n{text}");
            true
        }
        None => false,
    }
}

/// The direct readers together (the hand reader, then libyaml's events).
fn agree(text: &str) -> bool {
    agrees_with_serde(read_simple_document, text)
}

/// The hand reader alone.
fn subset_agrees(text: &str) -> bool {
    agrees_with_serde(subset::read, text)
}

/// Every scenario file this project ships, and its text.
fn shipped_scenarios() -> Vec<(std::path::PathBuf, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files: Vec<_> = yaml_files(&dir)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    assert!(files.len() >= 10, "found {} scenario files", files.len());
    files
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
    for (path, text) in shipped_scenarios() {
        assert!(agree(&text), "not read directly: {}", path.display());
    }
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

/// The flow `bench/run.sh` writes, the shape of a CI suite's files.
const BENCH_FLOW: &str = r#"name: Signup+ multiple accounts 1
steps:
  - auth_link: { scope: [info, accounts, signupplus], providers: [uk-cs-mock] }
  - await_code: { via: auto, user: multi }
  - exchange: {}
  - signup_accounts: {}
    expect:
      json: { $.result: multiple_accounts_linked }
    capture:
      account_id: $.accounts[1].account_id
  - signup_accounts: { account_id: "{{ account_id }}" }
    expect: { status: 200 }
"#;

#[test]
fn the_hand_reader_reads_scenario_files() {
    assert!(subset_agrees(BENCH_FLOW));
    let documents = [
        "# a comment\nname: x # trailing\n\n   # indented comment\nsteps:\n- a\n-   b\n-\n  - c\n- - d\n  - e\n",
        "m:\n  k: v\nindentless:\n- 1\n- {a: [1, 2]}\nafter: ~\n",
        "- a: 1\n  b:\n    c: 2\n  d:\n  - x\n- e: []\n-\n- k: 'it''s'\n",
        "url: http://localhost:3000/callback?a=b#frag\ntime: 12:30\nodd: a:b :c\n",
        "\"quoted key\": \"\\\"esc\\\" \\\\ \\/ \\n \\t \\u00e9\"\n'single': ''\nplain key with spaces: v\n",
        "unicode: ünïcødé ✓ 😀\nflow: {k: ü, \"q\": 'x y', n: [-1, 2.5, .inf, ~, true, 0x1F]}\n",
        "numbers: [0, 007, 1_000, 1e3, -0x1F, +.5, 18446744073709551615]\n",
        "empty_flows: [{}, [], {a: {}}]\nkey_only:\nlast: -x\n",
        "  indented: root\n  second: 2\n",
        "just a scalar\n",
        "[a, b]\n",
        "text: |\n  literal\n   kept\n\n  # not a comment\n\nfolded: >\n  folded\n  lines\n\n  after a blank\nstrip: |-\n  x\n# a comment\nafter: 1\n",
        "- k: >- # comment\n    a\n    b\n  next: 2\n",
    ];
    for text in documents {
        assert!(subset_agrees(text), "not read by hand:\n{text}");
    }
    // Our own scenarios are written the way suites are: all of them in the hand reader's
    // subset. (A new one that is not still loads, through libyaml; this asks whether the
    // subset should grow.)
    for (path, text) in shipped_scenarios() {
        assert!(subset_agrees(&text), "not read by hand: {}", path.display());
    }
}

#[test]
fn the_hand_reader_leaves_the_rest_to_libyaml() {
    let documents = [
        // Characters it does not handle.
        "a: 1\r\nb: 2\r\n",
        "a:\t1\n",
        "\u{FEFF}a: 1\n",
        "a: x\u{2028}y\n",
        "a: \u{85}\n",
        // Block, multi-line and escaped scalars, multi-line flows.
        "text: |+\n  kept\n\n",
        "text: |2\n   indented\n",
        "text: |\n\n  leading blank line\n",
        "text: >\n  folded\n    more indented\n",
        "text: |\n  no final line break",
        "text: |\nnext: 1\n",
        "- |\n  in a sequence\n",
        "plain: a plain\n  scalar\n",
        "- a\n  b\n",
        "q: \"a\n  b\"\n",
        "q: \"\\x41 \\e \\N\"\n",
        "flow: [a,\n  b]\n",
        "flow: {a: 1,\n  b: 2}\n",
        // Documents, directives, anchors, tags, complex keys.
        "---\na: 1\n",
        "a: 1\n...\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "? a\n: b\n",
        "[a]: b\n",
        // What it is unsure of, and errors.
        "{a : b}\n",
        "a : b\n",
        "[a, ]\n",
        "{a: }\n",
        "[a:b]\n",
        "[a: b]\n",
        "{url: http://x}\n",
        "a: b: c\n",
        "a: 1\na: 2\n",
        "{a: 1, a: 2}\n",
        "a: 1\n b: 2\n",
        "a:\n  b: 1\n c: 2\n",
        "- a\nb: 1\n",
        "a: [1, 2\n",
        "a: \"unterminated\n",
        "a: 'x' y\n",
        "a: [x]y\n",
        "a: -\n",
        "a: - b\n",
        "a: @x\n",
        "a: `x`\n",
        "a: v18446744073709551616\nb: 18446744073709551616\n",
        "",
        "# only a comment\n",
    ];
    for text in documents {
        assert_eq!(subset::read(text), None, "read by hand:\n{text}");
        // The document as a whole is still read as serde_yaml_ng reads it, or left to it.
        agree(text);
    }
    let deep = format!(
        "{}1{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(subset::read(&deep), None);
    let shallow = format!("{}1{}", "[".repeat(50), "]".repeat(50));
    assert!(subset_agrees(&shallow));
    let mut nested = String::new();
    for depth in 0..MAX_DEPTH + 1 {
        nested.push_str(&format!("{}k:\n", " ".repeat(depth)));
    }
    assert_eq!(subset::read(&nested), None);
}

/// A small xorshift generator: the same documents on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

#[test]
fn generated_fragments_read_by_hand_read_as_serde_yaml_ng_reads_them() {
    // Pieces of YAML put together at random: mostly nonsense, which the hand reader must
    // decline or read exactly as serde_yaml_ng does.
    let pieces = [
        "a",
        "b c",
        "1",
        "-1",
        "0x1F",
        "~",
        "true",
        "1.5",
        "'q'",
        "\"q\"",
        "\"\\n\"",
        "'it''s'",
        ":",
        ": ",
        "- ",
        "-",
        "? ",
        "#",
        " #c",
        "[",
        "]",
        "{",
        "}",
        ", ",
        ",",
        "\n",
        "\n  ",
        "\n    ",
        "\n- ",
        "\n  - ",
        " ",
        "  ",
        "&a ",
        "*a",
        "!t ",
        "|",
        ">",
        "%",
        "@",
        "`",
        "http://x",
        "a:b",
        "$.k",
        "{{ v }}",
        "ü",
        "\t",
        "\r",
        "---",
        "...",
        "|\n  x",
        ">-\n  a\n\n  b",
        "|-\n   y ",
        ": |\n",
        ": >\n  ",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut read = 0;
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..(3 + rng.next() % 14) {
            text.push_str(rng.pick(&pieces));
        }
        text.push('\n');
        read += usize::from(subset_agrees(&text));
    }
    assert!(read > 1_000, "read {read} of 20000 by hand");
}

#[test]
fn generated_documents_read_by_hand_read_as_serde_yaml_ng_reads_them() {
    // Well-formed documents in every style the hand reader knows, nested at random.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut valid, mut read) = (0, 0);
    for _ in 0..3_000 {
        let mut text = String::new();
        block_mapping(&mut rng, &mut text, 0, 0);
        valid += usize::from(read_with_serde(&text).is_ok());
        read += usize::from(subset_agrees(&text));
    }
    // Some repeat a key (`k0` and `'k0'`): serde_yaml_ng refuses them, and so must the
    // hand reader. It reads every other one.
    assert!(
        read == valid && valid > 2_000,
        "read {read} of {valid} valid documents by hand"
    );
}

const SCALARS: &[&str] = &[
    "a",
    "two words",
    "1",
    "-2",
    "0.5",
    "1e3",
    "0x1F",
    "007",
    "~",
    "null",
    "true",
    "False",
    "'single'",
    "'it''s'",
    "\"double\"",
    "\"esc \\\" \\\\ \\/ \\n \\t \\u00e9\"",
    "\"\"",
    "''",
    "$.accounts[0].id",
    "\"{{ account_id }}\"",
    "uk-cs-mock",
    "-x",
    "a-b",
    "ü ✓",
    ".inf",
];
const KEYS: &[&str] = &["k", "name", "two words", "$.result", "1", "~"];

/// Appends a block mapping at `indent`, its keys distinct.
fn block_mapping(rng: &mut Rng, text: &mut String, indent: usize, depth: usize) {
    let entries = 1 + rng.next() % 4;
    for i in 0..entries {
        let key = format!("{}{i}", rng.pick(&["k", "key ", "$.p"]));
        let key = match rng.next() % 3 {
            0 => format!("'{key}'"),
            _ => key,
        };
        text.push_str(&" ".repeat(indent));
        text.push_str(&key);
        text.push(':');
        block_value(rng, text, indent, depth, true);
    }
}

/// Appends what follows `key:` or `-`: an inline node, or nested blocks on the next lines.
fn block_value(rng: &mut Rng, text: &mut String, indent: usize, depth: usize, in_map: bool) {
    let choice = if depth > 4 {
        rng.next() % 3
    } else {
        rng.next() % 8
    };
    match choice {
        7 if in_map => {
            text.push(' ');
            text.push_str(rng.pick(&["|", ">", "|-", ">-", "| # c", ">- # c"]));
            text.push('\n');
            let inner = " ".repeat(indent + 2);
            for i in 0..1 + rng.next() % 4 {
                if i > 0 && rng.next() % 3 == 0 {
                    text.push_str(rng.pick(&["\n", "\n\n", " \n"]));
                }
                text.push_str(&inner);
                text.push_str(rng.pick(&["line", "two words ", "# not a comment", "a: b", "- x"]));
                text.push('\n');
            }
            if rng.next() % 3 == 0 {
                text.push('\n');
            }
        }
        0 | 1 => {
            text.push(' ');
            text.push_str(rng.pick(SCALARS));
            if rng.next() % 5 == 0 {
                text.push_str("  # note");
            }
            text.push('\n');
        }
        2 => {
            text.push(' ');
            flow_node(rng, text, depth);
            text.push('\n');
        }
        3 => {
            text.push('\n');
            block_mapping(rng, text, indent + 2, depth + 1);
        }
        4 => {
            text.push('\n');
            // An indentless sequence under a key, or one indented further.
            let at = if in_map && rng.next() % 2 == 0 {
                indent
            } else {
                indent + 2
            };
            block_sequence(rng, text, at, depth + 1);
        }
        5 => text.push('\n'),
        _ => {
            text.push_str("\n\n# between\n");
            block_mapping(rng, text, indent + 4, depth + 1);
        }
    }
}

fn block_sequence(rng: &mut Rng, text: &mut String, indent: usize, depth: usize) {
    for _ in 0..1 + rng.next() % 3 {
        text.push_str(&" ".repeat(indent));
        text.push('-');
        match rng.next() % 4 {
            // `- key: v` with more keys below, aligned with the first.
            0 if depth < 5 => {
                text.push(' ');
                let mut mapping = String::new();
                block_mapping(rng, &mut mapping, indent + 2, depth + 1);
                text.push_str(&mapping[indent + 2..]);
            }
            // `- - x`
            1 if depth < 5 => {
                text.push(' ');
                let mut inner = String::new();
                block_sequence(rng, &mut inner, indent + 2, depth + 1);
                text.push_str(&inner[indent + 2..]);
            }
            _ => block_value(rng, text, indent, depth, false),
        }
    }
}

fn flow_node(rng: &mut Rng, text: &mut String, depth: usize) {
    match if depth > 6 { 0 } else { rng.next() % 4 } {
        0 | 1 => text.push_str(rng.pick(&SCALARS[..SCALARS.len() - 3])),
        2 => {
            text.push('[');
            for i in 0..rng.next() % 4 {
                if i > 0 {
                    text.push_str(rng.pick(&[", ", ","]));
                }
                flow_node(rng, text, depth + 1);
            }
            text.push(']');
        }
        _ => {
            text.push_str(rng.pick(&["{", "{ "]));
            for i in 0..rng.next() % 4 {
                if i > 0 {
                    text.push_str(", ");
                }
                let key = format!("{}{i}", rng.pick(KEYS));
                match rng.next() % 3 {
                    0 => text.push_str(&format!("'{key}': ")),
                    1 => text.push_str(&format!("\"{key}\": ")),
                    _ => text.push_str(&format!("{key}: ")),
                }
                flow_node(rng, text, depth + 1);
            }
            text.push_str(rng.pick(&["}", " }"]));
        }
    }
}
