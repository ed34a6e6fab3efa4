//! Reads a scenario file's YAML into a JSON value straight from libyaml's events, for the
//! documents suites are made of: one document of mappings, sequences and untagged scalars.
//!
//! serde_yaml_ng does the same work through a buffered list of events and serde's visitor,
//! which add about a fifth to libyaml's own parse; loading is most of what `obflow check`
//! does, and a tenth of a CI run. Anything else — anchors and aliases, tags,
//! several documents, a duplicate key, a syntax error — is left to serde_yaml_ng
//! ([`read_simple_document`] returns `None`), so its behaviour and its messages stay the
//! reference. The events come from the same libyaml (unsafe-libyaml, serde_yaml_ng's own),
//! and tests hold both readers to the same values.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use serde_json::{Map, Value};

/// Deeper than any scenario; serde_yaml_ng refuses nesting past 128, so a document that
/// deep is left to it.
const MAX_DEPTH: usize = 100;

/// The document `text` holds, when it is simple enough to read here; `None` otherwise
/// (serde_yaml_ng then reads it).
pub fn read_simple_document(text: &str) -> Option<Value> {
    let mut parser = Parser::new(text)?;
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    loop {
        let event = parser.next()?;
        let value =
            match event.kind() {
                unsafe_libyaml::YAML_STREAM_START_EVENT
                | unsafe_libyaml::YAML_DOCUMENT_END_EVENT => continue,
                unsafe_libyaml::YAML_STREAM_END_EVENT => break,
                unsafe_libyaml::YAML_DOCUMENT_START_EVENT => {
                    documents += 1;
                    if documents > 1 {
                        return None;
                    }
                    continue;
                }
                unsafe_libyaml::YAML_SCALAR_EVENT => {
                    let scalar = event.scalar()?;
                    if let Some(Node::Mapping(_, key @ None)) = stack.last_mut() {
                        // A key is its text, whatever it looks like (`1`, `~`), as serde reads
                        // a map's `String` keys.
                        *key = Some(scalar.text.to_owned());
                        continue;
                    }
                    scalar.value()?
                }
                unsafe_libyaml::YAML_SEQUENCE_START_EVENT
                | unsafe_libyaml::YAML_MAPPING_START_EVENT => {
                    // A collection as a key, an anchor or a tag: serde_yaml_ng's to read.
                    if matches!(stack.last(), Some(Node::Mapping(_, None)))
                        || event.has_anchor_or_tag()
                        || stack.len() >= MAX_DEPTH
                    {
                        return None;
                    }
                    stack.push(match event.kind() {
                        unsafe_libyaml::YAML_SEQUENCE_START_EVENT => Node::Sequence(Vec::new()),
                        _ => Node::Mapping(Map::new(), None),
                    });
                    continue;
                }
                unsafe_libyaml::YAML_SEQUENCE_END_EVENT
                | unsafe_libyaml::YAML_MAPPING_END_EVENT => match stack.pop()? {
                    Node::Sequence(items) => Value::Array(items),
                    Node::Mapping(entries, None) => Value::Object(entries),
                    Node::Mapping(_, Some(_)) => return None,
                },
                // Aliases, and anything this libyaml might add.
                _ => return None,
            };
        match stack.last_mut() {
            None if root.is_none() => root = Some(value),
            None => return None,
            Some(Node::Sequence(items)) => items.push(value),
            Some(Node::Mapping(entries, key)) => {
                let key = key.take()?;
                if entries.contains_key(&key) {
                    // serde_yaml_ng's path says where both keys are.
                    return None;
                }
                entries.insert(key, value);
            }
        }
    }
    if documents == 1 { root } else { None }
}

/// A collection being read: a mapping remembers the key whose value comes next.
enum Node {
    Sequence(Vec<Value>),
    Mapping(Map<String, Value>, Option<String>),
}

/// A scalar as libyaml read it.
struct Scalar<'e> {
    text: &'e str,
    plain: bool,
}

impl Scalar<'_> {
    /// The value serde_yaml_ng gives this untagged scalar: quoted and block scalars are
    /// strings; a plain one may be null, a boolean or a number (YAML 1.2's core schema).
    fn value(&self) -> Option<Value> {
        if self.plain {
            resolve_plain(self.text)
        } else {
            Some(Value::String(self.text.to_owned()))
        }
    }
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

/// libyaml's parser over one text. All the unsafe code of this module is here and in
/// [`Event`]: libyaml is a C library translated to Rust, driven through raw pointers.
struct Parser<'text> {
    raw: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>>,
    text: PhantomData<&'text str>,
}

impl<'text> Parser<'text> {
    fn new(text: &'text str) -> Option<Self> {
        let mut raw = Box::new(MaybeUninit::<unsafe_libyaml::yaml_parser_t>::uninit());
        // SAFETY: `yaml_parser_initialize` initialises the parser it is given (or fails,
        // having allocated nothing). The input it is given, `text`, outlives the parser:
        // `Parser` borrows it for `'text`.
        unsafe {
            if unsafe_libyaml::yaml_parser_initialize(raw.as_mut_ptr()).fail {
                return None;
            }
            unsafe_libyaml::yaml_parser_set_encoding(
                raw.as_mut_ptr(),
                unsafe_libyaml::YAML_UTF8_ENCODING,
            );
            unsafe_libyaml::yaml_parser_set_input_string(
                raw.as_mut_ptr(),
                text.as_ptr(),
                text.len() as u64,
            );
        }
        Some(Parser {
            raw,
            text: PhantomData,
        })
    }

    /// The next event; `None` on a syntax error.
    fn next(&mut self) -> Option<Event> {
        let mut raw = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised (`new`); `yaml_parser_parse` initialises the
        // event when it succeeds, and only then is it wrapped (and later deleted).
        unsafe {
            if unsafe_libyaml::yaml_parser_parse(self.raw.as_mut_ptr(), raw.as_mut_ptr()).fail {
                return None;
            }
        }
        Some(Event { raw })
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted once.
        unsafe { unsafe_libyaml::yaml_parser_delete(self.raw.as_mut_ptr()) }
    }
}

/// One event, owned: deleted when dropped.
struct Event {
    raw: MaybeUninit<unsafe_libyaml::yaml_event_t>,
}

impl Event {
    fn get(&self) -> &unsafe_libyaml::yaml_event_t {
        // SAFETY: an `Event` is only made from an event libyaml initialised.
        unsafe { self.raw.assume_init_ref() }
    }

    fn kind(&self) -> unsafe_libyaml::yaml_event_type_t {
        self.get().type_
    }

    fn has_anchor_or_tag(&self) -> bool {
        let event = self.get();
        // SAFETY: the union's member is the one `type_` names.
        unsafe {
            match event.type_ {
                unsafe_libyaml::YAML_SEQUENCE_START_EVENT => {
                    let data = event.data.sequence_start;
                    !data.anchor.is_null() || !data.tag.is_null()
                }
                unsafe_libyaml::YAML_MAPPING_START_EVENT => {
                    let data = event.data.mapping_start;
                    !data.anchor.is_null() || !data.tag.is_null()
                }
                unsafe_libyaml::YAML_SCALAR_EVENT => {
                    let data = event.data.scalar;
                    !data.anchor.is_null() || !data.tag.is_null()
                }
                _ => false,
            }
        }
    }

    /// The scalar this event carries, unless it has an anchor or a tag.
    fn scalar(&self) -> Option<Scalar<'_>> {
        if self.kind() != unsafe_libyaml::YAML_SCALAR_EVENT || self.has_anchor_or_tag() {
            return None;
        }
        // SAFETY: a scalar event's `value` points to `length` bytes libyaml owns until the
        // event is deleted, which the returned borrow of `self` outlives not.
        let (bytes, style) = unsafe {
            let data = self.get().data.scalar;
            let bytes = if data.length == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(data.value, data.length as usize)
            };
            (bytes, data.style)
        };
        Some(Scalar {
            text: std::str::from_utf8(bytes).ok()?,
            plain: style == unsafe_libyaml::YAML_PLAIN_SCALAR_STYLE,
        })
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: initialised by `yaml_parser_parse`, deleted once.
        unsafe { unsafe_libyaml::yaml_event_delete(self.raw.as_mut_ptr()) }
    }
}

#[cfg(test)]
mod tests;
