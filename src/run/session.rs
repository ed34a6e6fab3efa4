//! The token session of one scenario: what the OAuth steps learn and later steps use — the
//! auth link's state, nonce and PKCE verifier, the code, and the current tokens. Exchange,
//! refresh and extend update it; API steps read the access token from it.

use serde_json::Value;

use crate::secret::Secret;

#[derive(Debug, Default, Clone)]
pub struct TokenSession {
    /// The link the user opens next: the last auth link, or a re-authentication link that
    /// `extend` handed back.
    pub link: Option<String>,
    /// The auth link as `auth_link` built it, so opening it needs no parse (`None` for a
    /// link from elsewhere).
    pub link_url: Option<url::Url>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_mode: Option<String>,
    pub code_verifier: Option<Secret>,
    pub code: Option<Secret>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
}

impl TokenSession {
    /// Takes in a token response (`exchange`, `refresh`, `extend` with new tokens).
    pub fn absorb_tokens(&mut self, json: &Value) {
        if let Some(at) = json.get("access_token").and_then(Value::as_str) {
            self.access_token = Some(Secret::new(at));
        }
        if let Some(rt) = json.get("refresh_token").and_then(Value::as_str) {
            self.refresh_token = Some(Secret::new(rt));
        }
        if let Some(exp) = json.get("expires_in").and_then(Value::as_u64) {
            self.expires_in = Some(exp);
        }
        if let Some(scope) = json.get("scope").and_then(Value::as_str) {
            self.scope = Some(scope.to_owned());
        }
    }

    /// What templates see as `session`. Secret values are there (a request step may need
    /// `Bearer {{ session.access_token }}`); every output redacts them. Built as template
    /// values directly: every templated step builds it.
    pub fn to_template_value(&self) -> minijinja::Value {
        use minijinja::Value as V;
        let text = |v: &Option<String>| v.as_deref().map_or(V::from(()), V::from);
        let secret = |v: &Option<Secret>| v.as_ref().map_or(V::from(()), |s| V::from(s.expose()));
        V::from(std::collections::BTreeMap::from([
            ("link", text(&self.link)),
            ("state", text(&self.state)),
            ("nonce", text(&self.nonce)),
            ("redirect_uri", text(&self.redirect_uri)),
            ("code", secret(&self.code)),
            ("code_verifier", secret(&self.code_verifier)),
            ("access_token", secret(&self.access_token)),
            ("refresh_token", secret(&self.refresh_token)),
            ("expires_in", self.expires_in.map_or(V::from(()), V::from)),
            ("scope", text(&self.scope)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_see_exactly_the_fields_the_loader_checks() {
        let value = TokenSession::default().to_template_value();
        let mut fields: Vec<String> = value
            .try_iter()
            .unwrap()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        fields.sort();
        let mut checked: Vec<&str> = crate::scenario::load::SESSION_FIELDS.to_vec();
        checked.sort();
        assert_eq!(fields, checked);
    }
}
