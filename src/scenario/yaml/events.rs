//! Reads a document from libyaml's events into a JSON value: the documents the hand
//! reader ([`super::subset`]) declines but that are still simple — one document of
//! mappings, sequences and untagged scalars, however written (block scalars, multi-line
//! scalars and flows, escapes).
//!
//! serde_yaml_ng does the same work through a buffered list of events and serde's visitor,
//! which add about a fifth to libyaml's own parse. Anything else — anchors and aliases,
//! tags, several documents, a duplicate key, a syntax error — is left to serde_yaml_ng
//! ([`read`] returns `None`). The events come from the same libyaml (unsafe-libyaml,
//! serde_yaml_ng's own).

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use serde_json::{Map, Value};

use super::{MAX_DEPTH, resolve_plain};

/// The document `text` holds, when it is simple enough to read here; `None` otherwise.
pub(super) fn read(text: &str) -> Option<Value> {
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
