//! The matcher language: every matcher an `expect` entry can use, their names, and the
//! comparisons and JSON types they can name.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Expected, Pattern};

/// Every matcher name, in the order the docs list them.
pub const MATCHER_NAMES: &[&str] = &[
    "equals",
    "exists",
    "absent",
    "length",
    "matches",
    "contains",
    "one_of",
    "gt",
    "gte",
    "lt",
    "lte",
    "before",
    "after",
    "same_instant",
    "type",
    "each",
    "not",
];

/// The names `type:` accepts.
pub(super) const TYPE_NAMES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// `gt`, `gte`, `lt`, `lte`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Comparison {
    pub(super) fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Gt => ordering == Ordering::Greater,
            Comparison::Gte => ordering != Ordering::Less,
            Comparison::Lt => ordering == Ordering::Less,
            Comparison::Lte => ordering != Ordering::Greater,
        }
    }

    pub(super) fn symbol(self) -> &'static str {
        match self {
            Comparison::Gt => ">",
            Comparison::Gte => ">=",
            Comparison::Lt => "<",
            Comparison::Lte => "<=",
        }
    }
}

/// `before`, `after`, `same_instant`: dates compared as moments (RFC 3339 with any offset,
/// `YYYY-MM-DD`, Unix seconds; see [`crate::datetime`]), not as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateComparison {
    Before,
    After,
    SameInstant,
}

impl DateComparison {
    pub(super) fn from_name(name: &str) -> Option<DateComparison> {
        Some(match name {
            "before" => DateComparison::Before,
            "after" => DateComparison::After,
            "same_instant" => DateComparison::SameInstant,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            DateComparison::Before => "before",
            DateComparison::After => "after",
            DateComparison::SameInstant => "same_instant",
        }
    }

    pub(super) fn holds(self, ordering: Ordering) -> bool {
        match self {
            DateComparison::Before => ordering == Ordering::Less,
            DateComparison::After => ordering == Ordering::Greater,
            DateComparison::SameInstant => ordering == Ordering::Equal,
        }
    }
}

/// The JSON types `type:` can name. `integer` is a number without a fractional part
/// (as in JSON Schema, `3.0` is an integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    pub(super) fn from_name(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }

    pub(super) fn admits(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::String, Value::String(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::Null, Value::Null) => true,
            (JsonType::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

/// One expectation about a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Deep equality; numbers compare by value (`3600 == 3600.0`).
    Equals(Expected),
    /// `exists: true|false`; `absent: true` is `Exists(false)`.
    Exists(bool),
    /// The nested matcher applies to the length (string characters, list elements, object
    /// members, or matched nodes for a non-singular path).
    Length(Box<Matcher>),
    Matches(Pattern),
    /// Substring of a string, element of a list, key of an object.
    Contains(Expected),
    /// Equal to one of a list.
    OneOf(Expected),
    Compare(Comparison, Expected),
    /// The value is a date before, after or at the expected one.
    Date(DateComparison, Expected),
    Type(JsonType),
    /// The nested matcher applies to every element (or node); fails at the first that fails.
    Each(Box<Matcher>),
    Not(Box<Matcher>),
    /// Several matchers in one mapping: all must hold.
    All(Vec<Matcher>),
}
