//! The `.snap` file, as insta writes and reads it: a YAML header between `---` lines
//! (`source`, `description`, `info`), then the contents. `insta::Snapshot::from_file` reads
//! what [`SnapFile::to_text`] writes (the project's tests check it).
//!
//! The contents of a response snapshot read like an HTTP message: `HTTP <status>`, the kept
//! headers (`name: value`, in the order the step lists them), a blank line, then the body:
//! JSON pretty-printed with its keys sorted, or the text as it came.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::redact::Redactions;
use crate::exchange::HttpResponse;

/// The YAML header. Only the keys obflow writes; insta's others are ignored on reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The step: its label and name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The request the step sent, redacted: method, URL, form or JSON body. A YAML value,
    /// which keeps its keys in the order written (method and URL first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Value>,
}

/// One snapshot file.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapFile {
    pub header: Header,
    /// The snapshot proper, normalised as insta does: no trailing whitespace, `\n` lines.
    pub contents: String,
}

/// Why a `.snap` file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("the file does not start with a `---` header")]
    NoHeader,
    #[error("the header is not closed by a `---` line")]
    UnclosedHeader,
    #[error("the header is not valid YAML: {0}")]
    Header(String),
}

impl SnapFile {
    /// The file's text: `---`, the header, `---`, the contents and a final newline.
    pub fn to_text(&self) -> String {
        // A header is strings and a JSON value: it always serializes.
        let header = serde_json::to_value(&self.header)
            .map(|v| crate::source::yaml::to_yaml(&v))
            .unwrap_or_default();
        let mut out = String::with_capacity(header.len() + self.contents.len() + 16);
        out.push_str("---\n");
        if header.trim() != "{}" {
            out.push_str(&header);
        }
        out.push_str("---\n");
        out.push_str(&normalize(&self.contents));
        out.push('\n');
        out
    }

    /// Reads a file's text (the format insta writes; not its legacy header-less one).
    pub fn parse(text: &str) -> Result<SnapFile, FormatError> {
        let rest = text
            .strip_prefix("---\n")
            .or_else(|| text.strip_prefix("---\r\n"))
            .ok_or(FormatError::NoHeader)?;
        let mut header_len = None;
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.trim_end() == "---" {
                header_len = Some((offset, offset + line.len()));
                break;
            }
            offset += line.len();
        }
        let (end, body_start) = header_len.ok_or(FormatError::UnclosedHeader)?;
        let header_text = &rest[..end];
        let header = if header_text.trim().is_empty() {
            Header::default()
        } else {
            let doc = crate::source::yaml::parse(header_text)
                .map_err(|e| FormatError::Header(e.to_string()))?;
            serde_json::from_value(doc.value).map_err(|e| FormatError::Header(e.to_string()))?
        };
        Ok(SnapFile {
            header,
            contents: normalize(&rest[body_start..]),
        })
    }

    /// Whether two snapshots hold the same contents; the header (where the request and
    /// step are described) is not compared, as with insta.
    pub fn contents_match(&self, other: &SnapFile) -> bool {
        normalize(&self.contents) == normalize(&other.contents)
    }
}

/// insta's normalisation of file contents: trailing whitespace dropped, CRLF as LF.
pub fn normalize(contents: &str) -> String {
    contents.trim_end().replace("\r\n", "\n")
}

/// A response as snapshot contents, redacted.
pub fn render_response(
    response: &HttpResponse,
    keep_headers: &[String],
    redactions: &Redactions,
) -> String {
    let mut out = format!("HTTP {}\n", response.status);
    for name in keep_headers {
        for (n, value) in response.headers.iter().filter(|(n, _)| n == name) {
            out.push_str(&format!("{n}: {}\n", redactions.header(n, value)));
        }
    }
    let body = match response.json() {
        Some(json) => pretty_sorted(&redactions.json(json)),
        None => redactions.text(response.body()).into_owned(),
    };
    if !body.trim().is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    normalize(&out)
}

/// JSON pretty-printed with every object's keys sorted, whatever order the server sent them
/// in (serde_json keeps it), so snapshots do not churn on key order.
pub fn pretty_sorted(value: &Value) -> String {
    serde_json::to_string_pretty(&sorted(value)).unwrap_or_default()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> SnapFile {
        SnapFile {
            header: Header {
                source: Some("scenarios/x.yaml".into()),
                description: Some("token: Exchange the code".into()),
                info: Some(
                    json!({"method": "POST", "url": "http://127.0.0.1:[port]/connect/token"}),
                ),
            },
            contents: "HTTP 200\n\n{\n  \"a\": 1\n}".into(),
        }
    }

    #[test]
    fn round_trips() {
        let snap = sample();
        let text = snap.to_text();
        assert!(
            text.starts_with("---\nsource: scenarios/x.yaml\n"),
            "{text}"
        );
        assert!(
            text.ends_with("---\nHTTP 200\n\n{\n  \"a\": 1\n}\n"),
            "{text}"
        );
        assert_eq!(SnapFile::parse(&text).unwrap(), snap);
    }

    #[test]
    fn comparison_ignores_the_header_and_trailing_space() {
        let a = sample();
        let mut b = sample();
        b.header.description = None;
        b.contents.push_str("\n\n");
        assert!(a.contents_match(&b));
        b.contents = b.contents.replace('1', "2");
        assert!(!a.contents_match(&b));
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(matches!(SnapFile::parse(""), Err(FormatError::NoHeader)));
        assert!(matches!(
            SnapFile::parse("---\nsource: x\n"),
            Err(FormatError::UnclosedHeader)
        ));
        assert!(matches!(
            SnapFile::parse("---\n: : [\n---\nx"),
            Err(FormatError::Header(_))
        ));
        let empty = SnapFile::parse("---\n---\n").unwrap();
        assert_eq!(empty.contents, "");
    }

    #[test]
    fn keys_are_sorted() {
        let v = json!({"b": 1, "a": {"d": 2, "c": 3}});
        assert_eq!(
            pretty_sorted(&v),
            "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}"
        );
    }
}
