//! A bounded fuzz test of the loader: the seed scenarios, mutated at random where YAML and
//! templates are most fragile, must each load or be refused with located errors, never panic.

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::load::{LoadOptions, load_source};
use crate::template::Templates;

/// What the mutations insert: YAML structure, template syntax, numbers out of range,
/// keys of the format, and bytes that trip decoders.
const PIECES: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "|",
    ">",
    "? ",
    "\t",
    "\n",
    "\n  ",
    "\r",
    "\u{feff}",
    "\u{0}",
    "{{",
    "}}",
    "{{ x }}",
    "{% for i in range(3) %}",
    "{% endfor %}",
    "{{ x | nosuch }}",
    "{{ nosuch() }}",
    "1e300",
    "-1",
    "99999999999999999999",
    "0x",
    "wait: ",
    "timeout: ",
    "1e20",
    "for_each: ",
    "include: ",
    "../",
    "/etc/passwd",
    "steps:",
    "expect:",
    "capture:",
    "snapshot: ",
    "retry: ",
    "$.",
    "$[",
    "matches: \"(\"",
    "status: ",
    "jsonpath: ",
    "é",
    "\u{1F600}",
];

fn mutate(text: &str, rng: &mut StdRng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..4) {
            0 => {
                let piece = PIECES[rng.random_range(0..PIECES.len())];
                bytes.splice(at..at, piece.bytes());
            }
            1 => {
                let end = (at + rng.random_range(1..40)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                // A copy of a stretch elsewhere (duplicate keys, steps, nesting).
                let end = (at + rng.random_range(1..80)).min(bytes.len());
                let stretch = bytes[at..end].to_vec();
                let to = rng.random_range(0..=bytes.len());
                bytes.splice(to..to, stretch);
            }
            _ => {
                if at < bytes.len() {
                    bytes[at] = rng.random();
                }
            }
        }
    }
    // The loader reads text: invalid UTF-8 is refused before it (`source::read_text`).
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_seed_scenarios_load_or_are_refused_with_a_location() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 10, "the seed scenarios are there");
    let templates = Templates::new();
    let options = LoadOptions::default();
    let mut rng = StdRng::seed_from_u64(0x0bf1_0a5e);
    let (mut loaded, mut refused) = (0, 0);
    for seed in &seeds {
        let text = std::fs::read_to_string(seed).unwrap();
        for _ in 0..150 {
            let mutated = mutate(&text, &mut rng);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                load_source(seed.clone(), mutated.clone(), &options, &templates)
            }));
            match outcome {
                Err(_) => panic!("the loader panicked on:\n{mutated}"),
                Ok(Ok(_)) => loaded += 1,
                Ok(Err(problems)) => {
                    refused += 1;
                    assert!(!problems.is_empty(), "refused without a reason:\n{mutated}");
                    for p in &problems {
                        assert!(
                            p.location.is_some(),
                            "`{}` has no location, for:\n{mutated}",
                            p.message
                        );
                    }
                }
            }
        }
    }
    // Both sides are exercised: mutations that still load, and ones that are refused.
    assert!(
        loaded > 0 && refused > 0,
        "{loaded} loaded, {refused} refused"
    );
}
