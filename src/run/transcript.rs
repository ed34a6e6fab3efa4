//! Requests and responses as text, for `-v` and reports: every secret replaced by the
//! placeholder.

use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::secret::{Redactor, is_credential_header};

/// The request as text, for `-v` and reports; every secret replaced by the placeholder.
pub fn request(request: &HttpRequest, redactor: &Redactor) -> String {
    let mut out = format!("{} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        let value = if is_credential_header(name) {
            // Keep the scheme ("Bearer ***"): it says what kind of credential was sent.
            match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {}", crate::secret::PLACEHOLDER),
                None => crate::secret::PLACEHOLDER.to_owned(),
            }
        } else {
            value.clone()
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &request.body {
        out.push('\n');
        match body {
            RequestBody::Form(fields) => {
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push('&');
                    }
                    let v = if crate::secret::is_secret_field(k) {
                        crate::secret::PLACEHOLDER
                    } else {
                        v
                    };
                    out.push_str(&format!("{k}={v}"));
                }
                out.push('\n');
            }
            RequestBody::Json(v) => {
                out.push_str(&serde_json::to_string_pretty(v).unwrap_or_default());
                out.push('\n');
            }
            RequestBody::Raw(s) => {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
    redactor.redact(&out).into_owned()
}

/// The response as text, for `-v` and reports; every secret replaced by the placeholder.
pub fn response(response: &HttpResponse, redactor: &Redactor) -> String {
    let mut out = format!("HTTP {}\n", response.status);
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    let mut out = redactor.redact(&out).into_owned();
    // The body is redacted whole, then cut: a cut through a secret must not show half of it.
    let body = match response.json() {
        Some(json) => {
            let pretty = serde_json::to_string_pretty(json).unwrap_or_default();
            shorten(&redactor.redact(&pretty), JSON_BODY_LIMIT)
        }
        None => {
            crate::style::printable(&shorten(&redactor.redact(response.body()), TEXT_BODY_LIMIT))
                .into_owned()
        }
    };
    out.push_str(&body);
    out.push('\n');
    out
}

/// Text bodies (HTML pages, mostly) are cut in transcripts: the start says what page it
/// was, the rest is noise in a log.
const TEXT_BODY_LIMIT: usize = 1500;

/// JSON bodies are shown whole up to this: an API answer is what `-v` is for, but a huge one
/// would drown the log.
const JSON_BODY_LIMIT: usize = 64 * 1024;

fn shorten(body: &str, limit: usize) -> String {
    if body.len() <= limit {
        return body.to_owned();
    }
    let cut = (0..=limit)
        .rev()
        .find(|i| body.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}\n… ({} more bytes)", &body[..cut], body.len() - cut)
}

#[cfg(test)]
mod tests {
    use crate::style::printable;

    #[test]
    fn a_cut_body_never_shows_part_of_a_secret() {
        use crate::exchange::HttpResponse;
        use crate::secret::Redactor;
        let redactor = Redactor::new();
        let secret = "s".repeat(40);
        redactor.add(&secret);
        // The secret straddles the cut.
        let body = format!(
            "{}{secret}{}",
            "x".repeat(super::TEXT_BODY_LIMIT - 10),
            "y".repeat(100)
        );
        let r = HttpResponse::new(200, vec![], body, std::time::Duration::ZERO);
        let text = super::response(&r, &redactor);
        assert!(!text.contains("ssss"), "{text}");
        assert!(text.contains("more bytes"), "{text}");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain\ntext\t!"), "plain\ntext\t!");
        assert_eq!(
            printable("\u{1b}[2J\u{1b}]0;x\u{7}\r\u{9b}é"),
            "\\u{1b}[2J\\u{1b}]0;x\\u{7}\\u{d}\\u{9b}é"
        );
    }
}
