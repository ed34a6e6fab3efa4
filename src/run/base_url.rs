//! A target's base URL (`auth_url`, `api_url`), parsed once per run, and the endpoint URLs
//! built on it. Every step used to parse `{base}{path}` from text; most of a URL parse is
//! the host, which never changes within a run, so a step now sets the path on a copy of the
//! parsed base instead.

use url::Url;

/// The endpoints every flow calls, joined once per run: a copy of a joined URL costs a
/// fraction of joining it again.
const FIXED_PATHS: [&str; 6] = [
    "/",
    "/connect/token",
    "/signup-plus/accounts",
    "/data/v1/me",
    "/data/v1/accounts",
    "/connections/extend",
];

/// A base URL as the target gives it, and parsed when it can serve as a base.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    text: String,
    /// `None` when the text does not parse, or has a query or fragment: joining then falls
    /// back to parsing the joined text, which reports the problem as before.
    parsed: Option<Url>,
    /// [`FIXED_PATHS`] joined, in that order (empty when `parsed` is `None`).
    fixed: Vec<Url>,
}

impl BaseUrl {
    pub fn new(text: &str) -> BaseUrl {
        let parsed = Url::parse(text)
            .ok()
            .filter(|u| !u.cannot_be_a_base() && u.query().is_none() && u.fragment().is_none());
        let mut base = BaseUrl {
            text: text.to_owned(),
            parsed,
            fixed: Vec::new(),
        };
        if base.parsed.is_some() {
            // All or none, so positions match `FIXED_PATHS`.
            base.fixed = FIXED_PATHS
                .iter()
                .map(|path| base.join_parsed(path))
                .collect::<Result<_, _>>()
                .unwrap_or_default();
        }
        base
    }

    /// The URL `format!("{base}{path}")` parses to, for a `path` that starts with `/`.
    pub fn join(&self, path: &str) -> Result<Url, url::ParseError> {
        let fixed = FIXED_PATHS.iter().position(|fixed| *fixed == path);
        match fixed.and_then(|at| self.fixed.get(at)) {
            Some(url) => Ok(url.clone()),
            None => self.join_parsed(path),
        }
    }

    fn join_parsed(&self, path: &str) -> Result<Url, url::ParseError> {
        match &self.parsed {
            Some(base) if path.starts_with('/') && !path.contains(['?', '#']) => {
                let mut url = base.clone();
                // `http://host` parses with the path `/`, which the text did not have.
                let prefix = match base.path() {
                    "/" if !self.text.ends_with('/') => "",
                    written => written,
                };
                url.set_path(&format!("{prefix}{path}"));
                Ok(url)
            }
            _ => Url::parse(&format!("{}{path}", self.text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_gives_what_parsing_the_joined_text_gives() {
        let bases = [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "https://auth.truelayer-sandbox.com",
            "https://example.com/prefix",
            "https://example.com/prefix/",
            "https://example.com/a%20b",
            "https://user:pw@example.com:8443/x",
            "https://example.com?q=1",
            "https://example.com#frag",
            "not a url",
            "mailto:someone@example.com",
        ];
        let paths = [
            "/",
            "/connect/token",
            "/signup-plus/accounts",
            "/data/v1/accounts/acc%2F1/balance",
            "/a b/ü",
            "/x/../y/./z",
            "/q?x=1",
            "/f#x",
            "//double",
        ];
        for base in bases {
            let joined = BaseUrl::new(base);
            for path in paths {
                let expected = Url::parse(&format!("{base}{path}"));
                assert_eq!(joined.join(path), expected, "{base} + {path}");
            }
        }
    }
}
