//! The functions and filters obflow adds to minijinja's builtins: identifiers, clocks,
//! randomness, encodings, hashes (PKCE) and JWT payload decoding.
//!
//! Functions: `uuid()`, `now()`, `now(fmt)`, `timestamp()`, `random_string(len=16)`,
//! `random_hex(len=32)`. Filters: `b64encode`, `b64decode`, `b64url_encode`, `b64url_decode`,
//! `sha256` (hex), `sha256_bytes` (raw digest), `pkce_challenge`, `jwt_claims`, `jwt_header`,
//! `fromjson`, and for dates (read by [`crate::datetime`]) `date`, `date_add(duration)`,
//! `date_sub(duration)`, `timestamp`, `date_format(fmt)`, `date_parse(fmt)`. `tojson` and
//! `urlencode` are minijinja builtins.
//!
//! Every one of them fails with a template error on bad input (never panics), and the ones
//! that take text go through minijinja's argument conversion or [`StringInput`], so an
//! undefined input is reported with its path like any other strict-undefined error.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use minijinja::value::StringInput;
use minijinja::{Environment, Error, ErrorKind, State, Value};
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::convert::json_to_value;

/// Random strings are for nonces, states and verifiers; anything longer than this is a typo
/// and would only allocate.
const MAX_RANDOM_LEN: usize = 4096;

/// Decoders accept input with or without `=` padding: tokens in the wild come both ways.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// obflow's functions and filters, registered by [`register`]: named in "unknown filter"
/// help and compared with a misspelt name.
pub(super) const FUNCTIONS: &[&str] = &["uuid", "now", "timestamp", "random_string", "random_hex"];
pub(super) const FILTERS: &[&str] = &[
    "b64encode",
    "b64decode",
    "b64url_encode",
    "b64url_decode",
    "sha256",
    "sha256_bytes",
    "pkce_challenge",
    "jwt_claims",
    "jwt_header",
    "fromjson",
    "date",
    "date_add",
    "date_sub",
    "timestamp",
    "date_format",
    "date_parse",
];

/// minijinja's built-in functions, filters and tests (3.0, with the features Cargo.toml
/// enables), for suggestions only: whether a name exists is always asked of the environment,
/// and a name listed here that it does not define is never suggested.
pub(super) const BUILTIN_FUNCTIONS: &[&str] = &["range", "dict", "debug", "namespace"];
pub(super) const BUILTIN_FILTERS: &[&str] = &[
    "safe",
    "escape",
    "e",
    "lower",
    "upper",
    "title",
    "capitalize",
    "replace",
    "length",
    "count",
    "dictsort",
    "items",
    "reverse",
    "trim",
    "join",
    "split",
    "lines",
    "default",
    "d",
    "round",
    "abs",
    "int",
    "float",
    "attr",
    "first",
    "last",
    "min",
    "max",
    "sort",
    "list",
    "string",
    "bool",
    "batch",
    "slice",
    "sum",
    "indent",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "map",
    "groupby",
    "unique",
    "chain",
    "zip",
    "pprint",
    "format",
    "tojson",
    "urlencode",
];
pub(super) const BUILTIN_TESTS: &[&str] = &[
    "undefined",
    "defined",
    "none",
    "safe",
    "escaped",
    "boolean",
    "odd",
    "even",
    "divisibleby",
    "number",
    "integer",
    "int",
    "float",
    "string",
    "sequence",
    "iterable",
    "mapping",
    "startingwith",
    "endingwith",
    "lower",
    "upper",
    "sameas",
    "eq",
    "equalto",
    "ne",
    "lt",
    "lessthan",
    "le",
    "gt",
    "greaterthan",
    "ge",
    "in",
    "true",
    "false",
    "filter",
    "test",
];

/// Registers every obflow function and filter on `env`.
pub(super) fn register(env: &mut Environment<'static>) {
    env.add_function("uuid", uuid);
    env.add_function("now", now);
    env.add_function("timestamp", timestamp);
    env.add_function("random_string", random_string);
    env.add_function("random_hex", random_hex);

    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("b64url_encode", b64url_encode);
    env.add_filter("b64url_decode", b64url_decode);
    env.add_filter("sha256", sha256);
    env.add_filter("sha256_bytes", sha256_bytes);
    env.add_filter("pkce_challenge", pkce_challenge);
    env.add_filter("jwt_claims", jwt_claims);
    env.add_filter("jwt_header", jwt_header);
    env.add_filter("fromjson", fromjson);

    env.add_filter("date", date);
    env.add_filter("date_add", date_add);
    env.add_filter("date_sub", date_sub);
    env.add_filter("timestamp", date_timestamp);
    env.add_filter("date_format", date_format);
    env.add_filter("date_parse", date_parse);
}

/// A filter's input as a moment: a whole number is Unix seconds, anything else its text.
fn moment(state: &State, value: &Value) -> Result<crate::datetime::Moment, Error> {
    if let Some(seconds) = value.as_i64() {
        return crate::datetime::Moment::from_json(&seconds.into()).map_err(invalid);
    }
    let text = StringInput::new(state, value)?;
    crate::datetime::Moment::parse(text.as_str()).map_err(invalid)
}

/// A duration argument: obflow's duration text (`90d`, `1h30m`) or a number of seconds.
fn duration_arg(value: &Value) -> Result<std::time::Duration, Error> {
    let text = match value.as_str() {
        Some(text) => text.to_owned(),
        None => value.to_string(),
    };
    crate::duration::parse_duration(&text).map_err(invalid)
}

/// `date`: the date as RFC 3339 in UTC (`YYYY-MM-DD` stays a calendar date).
fn date(state: &State, value: Value) -> Result<String, Error> {
    Ok(moment(state, &value)?.to_text())
}

/// `date_add("90d")`: the date that much later, written as [`date`] writes it.
fn date_add(state: &State, value: Value, by: Value) -> Result<String, Error> {
    let moved = moment(state, &value)?.shifted(duration_arg(&by)?, true);
    Ok(moved.map_err(invalid)?.to_text())
}

/// `date_sub("30d")`: the date that much earlier.
fn date_sub(state: &State, value: Value, by: Value) -> Result<String, Error> {
    let moved = moment(state, &value)?.shifted(duration_arg(&by)?, false);
    Ok(moved.map_err(invalid)?.to_text())
}

/// `| timestamp`: the date's Unix time in whole seconds, to compare or subtract as numbers.
fn date_timestamp(state: &State, value: Value) -> Result<i64, Error> {
    Ok(moment(state, &value)?.unix_timestamp())
}

/// A format in strftime (`%Y-%m-%d`) or `time` (`[year]-[month]-[day]`) syntax.
fn format_description(
    format: &str,
) -> Result<Vec<time::format_description::BorrowedFormatItem<'_>>, Error> {
    // strftime (`%Y-%m-%d`) is what most people know; `time`'s own syntax
    // (`[year]-[month]-[day]`) is accepted too.
    if format.contains('%') {
        time::format_description::parse_strftime_borrowed(format)
    } else {
        time::format_description::parse_borrowed::<2>(format)
    }
    .map_err(|e| invalid(format!("bad time format `{format}`: {e}")))
}

/// `date_format("%d %b %Y")`: the date (in UTC) written with a format.
fn date_format(state: &State, value: Value, format: Cow<'_, str>) -> Result<String, Error> {
    let at = moment(state, &value)?.at.to_offset(time::UtcOffset::UTC);
    let description = format_description(&format)?;
    at.format(&description)
        .map_err(|e| invalid(format!("cannot format the date with `{format}`: {e}")))
}

/// `date_parse("%d/%m/%Y")`: text in that format read as a date, written as [`date`] writes
/// it. Without an offset it is UTC; without a time of day, a calendar date.
fn date_parse(state: &State, value: Value, format: Cow<'_, str>) -> Result<String, Error> {
    let text = StringInput::new(state, &value)?;
    let text = text.as_str();
    let description = format_description(&format)?;
    let moment = |at, date_only| crate::datetime::Moment { at, date_only };
    let parsed = OffsetDateTime::parse(text, &description)
        .map(|at| moment(at, false))
        .or_else(|_| {
            time::PrimitiveDateTime::parse(text, &description)
                .map(|at| moment(at.assume_utc(), false))
        })
        .or_else(|_| {
            time::Date::parse(text, &description).map(|d| {
                moment(
                    time::PrimitiveDateTime::new(d, time::Time::MIDNIGHT).assume_utc(),
                    true,
                )
            })
        })
        .map_err(|e| invalid(format!("`{text}` does not read as `{format}`: {e}")))?;
    Ok(parsed.to_text())
}

fn invalid(detail: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidOperation, detail)
}

/// The bytes of a filter input: bytes as they are (the output of `sha256_bytes` or a decoder),
/// anything else as its string form. An undefined input is a strict-undefined error.
fn input_bytes<'a>(state: &State, value: &'a Value) -> Result<Cow<'a, [u8]>, Error> {
    if let Some(bytes) = value.as_bytes() {
        return Ok(Cow::Borrowed(bytes));
    }
    let text = StringInput::new(state, value)?;
    Ok(Cow::Owned(text.as_str().as_bytes().to_vec()))
}

/// Decoded bytes become a string when they are UTF-8 (the common case: JSON, credentials),
/// raw bytes otherwise so that they can still be re-encoded or hashed.
fn bytes_to_value(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(text) => Value::from(text),
        Err(err) => Value::from_bytes(err.into_bytes()),
    }
}

/// `uuid()`: a random (v4) UUID, lower-case hyphenated.
fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `now()`: the current UTC time as RFC 3339 with whole seconds (`2024-05-01T12:00:00Z`);
/// `now(fmt)` formats it with a strftime (`"%Y-%m-%d"`) or `time` (`"[year]-[month]-[day]"`)
/// format.
fn now(format: Option<Cow<'_, str>>) -> Result<String, Error> {
    let now = OffsetDateTime::now_utc();
    match format {
        None => now
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&Rfc3339)
            .map_err(|e| invalid(format!("cannot format the current time: {e}"))),
        Some(format) => {
            let description = format_description(&format)?;
            now.format(&description).map_err(|e| {
                invalid(format!(
                    "cannot format the current time with `{format}`: {e}"
                ))
            })
        }
    }
}

/// `timestamp()`: the current Unix time in whole seconds.
fn timestamp() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn random_len(len: Option<usize>, default: usize) -> Result<usize, Error> {
    let len = len.unwrap_or(default);
    if len > MAX_RANDOM_LEN {
        return Err(invalid(format!(
            "random length {len} is too long (at most {MAX_RANDOM_LEN})"
        )));
    }
    Ok(len)
}

/// `random_string(len=16)`: `len` random ASCII letters and digits.
fn random_string(len: Option<usize>) -> Result<String, Error> {
    let len = random_len(len, 16)?;
    let rng = rand::rng();
    Ok(rng
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect())
}

/// `random_hex(len=32)`: `len` random lower-case hex digits.
fn random_hex(len: Option<usize>) -> Result<String, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let len = random_len(len, 32)?;
    let mut rng = rand::rng();
    Ok((0..len)
        .map(|_| char::from(HEX[rng.random_range(0..16)]))
        .collect())
}

/// `x | b64encode`: standard base64 with padding.
fn b64encode(state: &State, value: &Value) -> Result<String, Error> {
    Ok(general_purpose::STANDARD.encode(input_bytes(state, value)?))
}

/// `x | b64url_encode`: URL-safe base64 without padding (JWT, PKCE).
fn b64url_encode(state: &State, value: &Value) -> Result<String, Error> {
    Ok(general_purpose::URL_SAFE_NO_PAD.encode(input_bytes(state, value)?))
}

/// `x | b64decode`: standard base64, padding optional.
fn b64decode(state: &State, value: &Value) -> Result<Value, Error> {
    let input = input_bytes(state, value)?;
    STANDARD_LENIENT
        .decode(input.trim_ascii())
        .map(bytes_to_value)
        .map_err(|e| invalid(format!("b64decode: not base64: {e}")))
}

/// `x | b64url_decode`: URL-safe base64, padding optional.
fn b64url_decode(state: &State, value: &Value) -> Result<Value, Error> {
    let input = input_bytes(state, value)?;
    URL_SAFE_LENIENT
        .decode(input.trim_ascii())
        .map(bytes_to_value)
        .map_err(|e| invalid(format!("b64url_decode: not base64url: {e}")))
}

fn digest(state: &State, value: &Value) -> Result<[u8; 32], Error> {
    Ok(Sha256::digest(input_bytes(state, value)?).into())
}

/// `x | sha256`: the SHA-256 digest as lower-case hex.
fn sha256(state: &State, value: &Value) -> Result<String, Error> {
    let digest = digest(state, value)?;
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    Ok(hex)
}

/// `x | sha256_bytes`: the raw SHA-256 digest, for chaining into an encoder
/// (`verifier | sha256_bytes | b64url_encode`).
fn sha256_bytes(state: &State, value: &Value) -> Result<Value, Error> {
    Ok(Value::from_bytes(digest(state, value)?.to_vec()))
}

/// `verifier | pkce_challenge`: the PKCE S256 code challenge (RFC 7636 §4.2),
/// `BASE64URL-NOPAD(SHA256(ASCII(verifier)))`.
fn pkce_challenge(state: &State, value: &Value) -> Result<String, Error> {
    Ok(general_purpose::URL_SAFE_NO_PAD.encode(digest(state, value)?))
}

/// The decoded JSON of one segment of a compact JWS/JWT (`header.payload.signature`).
fn jwt_segment(token: &str, index: usize, what: &str) -> Result<Value, Error> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 {
        return Err(invalid(format!(
            "jwt_{what}: not a JWT (expected 3 dot-separated parts, found {})",
            segments.len()
        )));
    }
    let bytes = URL_SAFE_LENIENT
        .decode(segments[index])
        .map_err(|e| invalid(format!("jwt_{what}: the {what} is not base64url: {e}")))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("jwt_{what}: the {what} is not JSON: {e}")))?;
    Ok(json_to_value(&json))
}

/// `token | jwt_claims`: the payload of a JWT as a map. The signature is NOT verified:
/// this is for reading what a server issued, not for trusting it.
fn jwt_claims(token: Cow<'_, str>) -> Result<Value, Error> {
    jwt_segment(&token, 1, "claims")
}

/// `token | jwt_header`: the (unverified) JOSE header of a JWT as a map.
fn jwt_header(token: Cow<'_, str>) -> Result<Value, Error> {
    jwt_segment(&token, 0, "header")
}

/// `text | fromjson`: parses JSON text into a value (`tojson` is minijinja's builtin).
fn fromjson(text: Cow<'_, str>) -> Result<Value, Error> {
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|json| json_to_value(&json))
        .map_err(|e| invalid(format!("fromjson: not JSON: {e}")))
}
