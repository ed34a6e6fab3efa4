//! Converting between JSON and the values templates see, both ways: scenario data in,
//! rendered values out (as JSON, with a fallback for what JSON has no form for).

use minijinja::Value;
use minijinja::value::ValueKind;

/// Converts JSON into the value templates see. Public so that callers can convert large,
/// unchanging data (earlier step results) once and build contexts with [`Context::from_values`].
pub fn to_template_value(json: &serde_json::Value) -> Value {
    json_to_value(json)
}

pub(crate) fn json_to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => items.iter().map(json_to_value).collect(),
        serde_json::Value::Object(map) => map_to_template_value(map),
    }
}

/// [`to_template_value`] of a JSON object, from its map: no copy of the map first.
pub fn map_to_template_value(map: &serde_json::Map<String, serde_json::Value>) -> Value {
    Value::from(
        map.iter()
            .map(|(k, v)| (k.clone(), json_to_value(v)))
            .collect::<std::collections::BTreeMap<String, Value>>(),
    )
}

/// Converts a rendered value back to JSON. Undefined and none become null; values JSON has no
/// form for (functions, non-finite floats) become their string form or null.
pub(super) fn value_to_json(value: &Value) -> serde_json::Value {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(value.is_true()),
        ValueKind::Number => number_to_json(value),
        ValueKind::String => serde_json::Value::String(value.as_str().unwrap_or("").to_owned()),
        ValueKind::Bytes => serde_json::Value::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned(),
        ),
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => serde_json::Value::Array(items.map(|v| value_to_json(&v)).collect()),
            Err(_) => serde_json::Value::String(value.to_string()),
        },
        ValueKind::Map => match value.try_iter() {
            Ok(keys) => serde_json::Value::Object(
                keys.map(|key| {
                    let item = value.get_item(&key).unwrap_or_default();
                    let key = match key.as_str() {
                        Some(s) => s.to_owned(),
                        None => key.to_string(),
                    };
                    (key, value_to_json(&item))
                })
                .collect(),
            ),
            Err(_) => serde_json::Value::String(value.to_string()),
        },
        _ => serde_json::Value::String(value.to_string()),
    }
}

fn number_to_json(value: &Value) -> serde_json::Value {
    if value.is_integer() {
        if let Ok(i) = i64::try_from(value.clone()) {
            return i.into();
        }
        if let Ok(u) = u64::try_from(value.clone()) {
            return u.into();
        }
    }
    f64::try_from(value.clone())
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}
