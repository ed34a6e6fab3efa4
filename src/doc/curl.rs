//! A request as the curl command a guide shows, in the style of TrueLayer's guides
//! (`curl --location --request POST '...' --header ... --data-urlencode ...`), with shell
//! quoting that keeps placeholders expandable: a word holding a placeholder is double-quoted
//! (`"client_id=$CLIENT_ID"`), any other single-quoted, so the command runs as printed once
//! the variables are exported. (The seed guide single-quotes `'client_id=$CLIENT_ID'`, which
//! the shell would send literally; double quotes are the working form of the same thing.)

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::values::has_placeholder;

/// What URLs encode: everything but RFC 3986's unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One HTTP request.
#[derive(Debug, Clone)]
pub struct Curl {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// `--location`: follow redirects (the seed's style). Off for the dialog's pages, whose
    /// last answer redirects to the app's redirect URI, which nothing may be serving.
    pub follow: bool,
    pub report: Report,
    /// More options, each a complete shell fragment (`--output /dev/null`), after the
    /// request's own.
    pub options: Vec<String>,
}

/// How curl reports the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `--silent --show-error --fail-with-body`: a 4xx or 5xx answer makes the command fail
    /// (and a script run with `set -e` stop) after printing the body that says why.
    Fail,
    /// `--silent --show-error --fail`: as [`Report::Fail`], without the body of a refusal,
    /// for a command that retries: curl cannot take back what an attempt printed, and the
    /// answer kept must be the last attempt's alone.
    FailQuietly,
    /// `--silent --show-error --include`: the status line and headers before the body, for
    /// a request expected to be refused.
    Include,
    /// `--silent --show-error`: the body, whatever the status.
    Plain,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    /// `application/x-www-form-urlencoded`, one `--data-urlencode` per field.
    Form(Vec<(String, String)>),
    /// A JSON document, sent from a here-document so placeholders in it expand.
    Json(Value),
    Raw(String),
}

impl Curl {
    pub fn new(method: &str, url: String) -> Curl {
        Curl {
            method: method.to_ascii_uppercase(),
            url,
            headers: Vec::new(),
            body: Body::None,
            follow: true,
            report: Report::Fail,
            options: Vec::new(),
        }
    }

    /// The command, one option per line; a JSON body follows as a here-document, whose
    /// lines must stay as they are (its `EOF` at the start of a line).
    pub fn render(&self) -> String {
        let mut first = String::from("curl");
        if self.follow {
            first.push_str(" --location");
        }
        if self.method != "GET" || !matches!(self.body, Body::None) {
            first.push_str(&format!(" --request {}", self.method));
        }
        first.push(' ');
        first.push_str(&shell_word(&self.url));
        let mut lines = vec![first];
        for (name, value) in &self.headers {
            lines.push(format!(
                "--header {}",
                shell_word(&format!("{name}: {value}"))
            ));
        }
        let mut heredoc = None;
        match &self.body {
            Body::None => {}
            Body::Form(fields) => {
                if !self.has_header("content-type") {
                    lines.push(
                        "--header 'Content-Type: application/x-www-form-urlencoded'".to_owned(),
                    );
                }
                for (k, v) in fields {
                    lines.push(format!(
                        "--data-urlencode {}",
                        shell_word(&format!("{k}={v}"))
                    ));
                }
            }
            Body::Json(json) => {
                if !self.has_header("content-type") {
                    lines.push("--header 'Content-Type: application/json'".to_owned());
                }
                // Pretty JSON never has a line that is just `EOF`.
                let text = serde_json::to_string_pretty(json).unwrap_or_default();
                heredoc = Some(heredoc_text(&text));
            }
            Body::Raw(text) => lines.push(format!("--data-raw {}", shell_word(text))),
        }
        lines.extend(self.options.iter().cloned());
        lines.push(
            match self.report {
                Report::Fail => "--silent --show-error --fail-with-body",
                Report::FailQuietly => "--silent --show-error --fail",
                Report::Include => "--silent --show-error --include",
                Report::Plain => "--silent --show-error",
            }
            .to_owned(),
        );
        if heredoc.is_some() {
            lines.push("--data @- <<EOF".to_owned());
        }
        let mut out = lines.join(" \\\n");
        if let Some(doc) = heredoc {
            out.push('\n');
            out.push_str(&doc);
            out.push_str("\nEOF");
        }
        out
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// `text` as one shell word: double quotes around placeholders, single quotes otherwise.
pub fn shell_word(text: &str) -> String {
    if has_placeholder(text) {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '\\' | '$' | '`') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Literal text inside an unquoted here-document: `\`, `$` and backquotes are escaped, so
/// only the placeholders expand.
fn heredoc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encodes a URL component, leaving placeholders as they are.
pub fn encode_component(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('\u{E000}') {
        out.extend(utf8_percent_encode(&rest[..start], COMPONENT));
        let end = rest[start..]
            .find('\u{E001}')
            .map(|i| start + i + '\u{E001}'.len_utf8())
            .unwrap_or(rest.len());
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out.extend(utf8_percent_encode(rest, COMPONENT));
    out
}

/// `base` with a query string built from `pairs`.
pub fn with_query(base: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return base.to_owned();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    let joiner = if base.contains('?') { '&' } else { '?' };
    format!("{base}{joiner}{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::super::values::{placeholder, unmark};
    use super::*;

    #[test]
    fn the_token_request_reads_like_the_seed_and_expands_placeholders() {
        let mut curl = Curl::new(
            "post",
            "https://auth.truelayer-sandbox.com/connect/token".to_owned(),
        );
        curl.body = Body::Form(vec![
            ("grant_type".into(), "authorization_code".into()),
            ("client_id".into(), placeholder("client_id")),
            ("note".into(), "it's $5".into()),
        ]);
        assert_eq!(
            unmark(&curl.render()),
            r#"curl --location --request POST 'https://auth.truelayer-sandbox.com/connect/token' \
--header 'Content-Type: application/x-www-form-urlencoded' \
--data-urlencode 'grant_type=authorization_code' \
--data-urlencode "client_id=$CLIENT_ID" \
--data-urlencode 'note=it'\''s $5' \
--silent --show-error --fail-with-body"#
        );
    }

    #[test]
    fn json_bodies_escape_literal_dollars_but_not_placeholders() {
        let mut curl = Curl::new("POST", "https://api.example/x".to_owned());
        curl.body = Body::Json(serde_json::json!({ "a": placeholder("token"), "b": "$x\\y" }));
        let text = unmark(&curl.render());
        assert!(text.contains(r#""a": "$TOKEN""#), "{text}");
        assert!(text.contains(r#""b": "\$x\\\\y""#), "{text}");
        assert!(text.ends_with("\nEOF"));
        assert!(
            text.contains("--fail-with-body \\\n--data @- <<EOF\n{"),
            "{text}"
        );
    }

    #[test]
    fn query_values_are_encoded_around_placeholders() {
        let url = with_query(
            "https://auth.example/",
            &[
                ("scope".into(), "info accounts".into()),
                ("client_id".into(), placeholder("client_id")),
            ],
        );
        assert_eq!(
            unmark(&url),
            "https://auth.example/?scope=info%20accounts&client_id=$CLIENT_ID"
        );
    }
}
