//! A response as checks and captures look at it.

use serde_json::Value;

use crate::exchange::{HttpResponse, JsonBody};

/// The parts of an HTTP response that checks and captures look at.
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    pub status: u16,
    /// Names lower-cased, in arrival order; a name may repeat.
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    /// The body as JSON, parsed on first use ([`ResponseView::json`]).
    pub json: &'a JsonBody,
}

impl<'a> ResponseView<'a> {
    /// The parsed body, or `None` when the body is not JSON.
    pub fn json(&self) -> Option<&'a Value> {
        self.json.get(self.headers, self.body)
    }

    /// Every value of a header, in arrival order; names compare case-insensitively.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A header's field value: its values joined with `, ` when it repeats, as HTTP
    /// (RFC 9110 §5.3) combines them. `None` when the header is missing.
    pub fn header(&self, name: &str) -> Option<String> {
        let values = self.header_values(name);
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// Why JSONPath has nothing to look at, for failure messages.
    pub(super) fn not_json(&self) -> String {
        if self.body.trim().is_empty() {
            "the body is empty, not JSON".to_owned()
        } else {
            format!(
                "the body is not JSON: {}",
                super::matcher::show(&serde_json::Value::String(self.body.to_owned()))
            )
        }
    }
}

impl HttpResponse {
    /// The response as checks and captures see it.
    pub fn view(&self) -> ResponseView<'_> {
        ResponseView {
            status: self.status,
            headers: &self.headers,
            body: self.body(),
            json: self.json_body(),
        }
    }
}

/// What an error answer says about itself, on one line: OAuth's and the Data API's
/// `error: error_description`, or a problem document's `title: detail`. `None` for a body
/// that is no error answer.
pub fn error_answer(json: &Value) -> Option<String> {
    let text = |key: &str| {
        json.get(key)
            .map(crate::scenario::model::value_to_text)
            .filter(|t| !t.is_empty())
    };
    let (name, why) = match text("error") {
        Some(error) => (error, text("error_description")),
        None => (text("title")?, text("detail")),
    };
    Some(match why {
        Some(why) => format!("{name}: {why}"),
        None => name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_combine_and_names_ignore_case() {
        let headers = vec![
            ("set-cookie".to_owned(), "a=1".to_owned()),
            ("content-type".to_owned(), "text/plain".to_owned()),
            ("set-cookie".to_owned(), "b=2".to_owned()),
        ];
        let view = ResponseView {
            status: 200,
            headers: &headers,
            body: "",
            json: &JsonBody::default(),
        };
        assert_eq!(view.header("Set-Cookie").as_deref(), Some("a=1, b=2"));
        assert_eq!(view.header_values("SET-COOKIE"), ["a=1", "b=2"]);
        assert_eq!(view.header("x-missing"), None);
    }

    #[test]
    fn error_answers_say_why_in_their_own_words() {
        use serde_json::json;
        let oauth = json!({"error": "invalid_grant", "error_description": "code expired"});
        assert_eq!(
            error_answer(&oauth).as_deref(),
            Some("invalid_grant: code expired")
        );
        let bare = json!({"error": "access_denied"});
        assert_eq!(error_answer(&bare).as_deref(), Some("access_denied"));
        let problem = json!({"title": "Not Found", "detail": "no such account"});
        assert_eq!(
            error_answer(&problem).as_deref(),
            Some("Not Found: no such account")
        );
        assert_eq!(error_answer(&json!({"results": []})), None);
    }
}
