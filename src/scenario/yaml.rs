//! Reads a scenario file's YAML into a JSON value without serde, for the documents suites
//! are made of: one document of mappings, sequences and untagged scalars.
//!
//! Loading is most of what `obflow check` does and a fifth of a CI run's instructions, so
//! the common case is made cheap in two tiers: [`subset`] reads by hand the YAML most
//! scenario files are written in, and [`events`] reads libyaml's events for the rest
//! (block scalars, multi-line scalars and flows, escapes). Anything else — anchors and
//! aliases, tags, several documents, a duplicate key, a syntax error — is left to
//! serde_yaml_ng ([`read_simple_document`] returns `None`), so its behaviour and its
//! messages stay the reference. Both tiers resolve plain scalars here, and tests hold them
//! to serde_yaml_ng's values.

use serde_json::Value;

/// Deeper than any scenario; serde_yaml_ng refuses nesting past 128, so a document that
/// deep is left to it.
const MAX_DEPTH: usize = 100;

/// The document `text` holds, when it is simple enough to read here; `None` otherwise
/// (serde_yaml_ng then reads it).
pub fn read_simple_document(text: &str) -> Option<Value> {
    subset::read(text).or_else(|| events::read(text))
}

/// A plain scalar's value. `None` for an integer beyond 64 bits, which serde_yaml_ng
/// reports in its own way.
fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    // Anything else that does not start like a number is a string: most scalars.
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Some(Value::String(text.to_owned()));
    }
    if let Some(n) = integer::<u64>(text, Sign::NonNegative) {
        return Some(Value::from(n));
    }
    if let Some(n) = integer::<i64>(text, Sign::Negative) {
        return Some(Value::from(n));
    }
    if integer::<u128>(text, Sign::NonNegative).is_some()
        || integer::<i128>(text, Sign::Negative).is_some()
    {
        return None;
    }
    if !leading_zero_digits(text)
        && let Some(f) = float(text)
    {
        // As serde_json: a float JSON cannot hold (`.nan`, `.inf`) is null.
        return Some(Value::from(f));
    }
    Some(Value::String(text.to_owned()))
}

#[derive(Clone, Copy, PartialEq)]
enum Sign {
    /// `123`, `+0x1F`: read into an unsigned type.
    NonNegative,
    /// `-123`, `-0o17`: read into a signed type.
    Negative,
}

/// An integer in decimal, or with a `0x`, `0o` or `0b` prefix; a decimal with a leading
/// zero (`0123`) is a string, as YAML 1.2 says.
fn integer<T: Integer>(text: &str, sign: Sign) -> Option<T> {
    let digits = match sign {
        Sign::NonNegative => text.strip_prefix('+').unwrap_or(text),
        Sign::Negative => text.strip_prefix('-')?,
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Some(n) = T::parse(rest, radix, sign) {
                return Some(n);
            }
        }
    }
    if digits.starts_with(['+', '-']) || leading_zero_digits(text) {
        return None;
    }
    T::parse(digits, 10, sign)
}

/// `0123`, `-007`: digits after a leading zero, a string in YAML 1.2.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if let ".nan" | ".NaN" | ".NAN" = text {
        return Some(f64::NAN);
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The integer types a plain scalar is read into.
trait Integer: Sized {
    /// `digits` (no sign) in `radix`, negated when `sign` says so.
    fn parse(digits: &str, radix: u32, sign: Sign) -> Option<Self>;
}

macro_rules! unsigned_integer {
    ($t:ty) => {
        impl Integer for $t {
            fn parse(digits: &str, radix: u32, sign: Sign) -> Option<Self> {
                match sign {
                    Sign::NonNegative => <$t>::from_str_radix(digits, radix).ok(),
                    Sign::Negative => None,
                }
            }
        }
    };
}

macro_rules! signed_integer {
    ($t:ty) => {
        impl Integer for $t {
            fn parse(digits: &str, radix: u32, sign: Sign) -> Option<Self> {
                match sign {
                    // Parsed with its sign, so the type's minimum reads too.
                    Sign::Negative if !digits.starts_with(['+', '-']) => {
                        <$t>::from_str_radix(&format!("-{digits}"), radix).ok()
                    }
                    _ => None,
                }
            }
        }
    };
}

unsigned_integer!(u64);
unsigned_integer!(u128);
signed_integer!(i64);
signed_integer!(i128);

mod events;
mod subset;
#[cfg(test)]
mod tests;
