//! The token session of one scenario: what the OAuth steps learn and later steps use — the
//! auth link's state, nonce and PKCE verifier, the code, and the current tokens. Exchange,
//! refresh and extend update it; API steps read the access token from it.

use serde_json::{Value, json};

use crate::secret::Secret;

#[derive(Debug, Default, Clone)]
pub struct TokenSession {
    /// The link the user opens next: the last auth link, or a re-authentication link that
    /// `extend` handed back.
    pub link: Option<String>,
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
    /// `Bearer {{ session.access_token }}`); every output redacts them.
    pub fn to_template_value(&self) -> Value {
        let s = |v: &Option<Secret>| v.as_ref().map(|s| s.expose().to_owned());
        json!({
            "link": self.link,
            "state": self.state,
            "nonce": self.nonce,
            "redirect_uri": self.redirect_uri,
            "code": s(&self.code),
            "code_verifier": s(&self.code_verifier),
            "access_token": s(&self.access_token),
            "refresh_token": s(&self.refresh_token),
            "expires_in": self.expires_in,
            "scope": self.scope,
        })
    }
}
