//! [`Callback`]: what came back to the redirect URI, read from its query.

/// What came back to the redirect URI.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl Callback {
    /// Reads a redirect URL's query (or a `form_post` body: the same encoding).
    pub fn from_query(query: &str) -> Callback {
        let mut cb = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "code" => cb.code = v,
                "state" => cb.state = v,
                "scope" => cb.scope = v,
                "error" => cb.error = v,
                "error_description" => cb.error_description = v,
                _ => {}
            }
        }
        cb
    }

    /// Reads a redirect URL's query: what `Url::query` gives, found without parsing the
    /// whole URL (a parse runs the host through IDNA, most of what this step costs).
    pub fn from_url(url: &str) -> Callback {
        let before_fragment = url.split_once('#').map_or(url, |(before, _)| before);
        Callback::from_query(before_fragment.split_once('?').map_or("", |(_, q)| q))
    }

    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.error.is_none()
    }

    /// Whether the redirect carries the auth link's `state` unchanged: when the link sent one,
    /// a redirect with another or with none is forged or crossed (the CSRF check of the
    /// OAuth 2.0 Security BCP). The listener's page and the step's verdict both ask this.
    pub fn state_matches(&self, sent: Option<&str>) -> bool {
        match sent {
            Some(sent) => self.state.as_deref() == Some(sent),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Callback;

    #[test]
    fn reads_codes_and_errors_from_redirects() {
        let cb = Callback::from_url(
            "http://localhost:3000/callback?code=abc&state=s1&scope=info%20accounts",
        );
        assert_eq!(cb.code.as_deref(), Some("abc"));
        assert_eq!(cb.state.as_deref(), Some("s1"));
        assert_eq!(cb.scope.as_deref(), Some("info accounts"));
        let cb = Callback::from_url("http://localhost:3000/callback?error=access_denied&state=s1");
        assert_eq!(cb.error.as_deref(), Some("access_denied"));
        assert!(cb.code.is_none());
        assert!(Callback::from_url("http://localhost:3000/callback").is_empty());
        // The query ends at a fragment; a `?` inside the fragment starts none.
        let cb = Callback::from_url("http://localhost:3000/cb?code=a+b%2F&state=s#code=frag");
        assert_eq!(cb.code.as_deref(), Some("a b/"));
        assert!(Callback::from_url("http://localhost:3000/cb#frag?code=x").is_empty());
        // The state: the link's, unchanged, whenever the link sent one.
        let cb = Callback::from_url("http://x/cb?code=c&state=s1");
        assert!(cb.state_matches(Some("s1")) && cb.state_matches(None));
        assert!(!cb.state_matches(Some("s2")));
        assert!(!Callback::from_url("http://x/cb?code=c").state_matches(Some("s1")));
        assert!(!Callback::from_url("http://x/cb?code=c&state=").state_matches(Some("s1")));
        // Relative and odd URLs read the same way.
        assert_eq!(
            Callback::from_url("/cb?code=c1").code.as_deref(),
            Some("c1")
        );
    }
}
