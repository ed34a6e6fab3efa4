//! Access tokens: signing them as JWTs with the claims TrueLayer's tokens carry, verifying
//! them on the Data API, and publishing the public key as a JWKS.
//!
//! The RSA key in `keys/mock-rs256.pem` is a MOCK key committed on purpose: it protects
//! nothing, and loading a fixed key avoids generating one at start-up (very slow in debug
//! builds). Never use it for anything real.

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::MockError;

const MOCK_RSA_KEY: &[u8] = include_bytes!("keys/mock-rs256.pem");
const KEY_ID: &str = "obflow-mock-rs256";
/// The HS256 benchmark mode's shared secret (mock-only; tokens are not verifiable via JWKS).
const HS256_SECRET: &[u8] = b"obflow-mock-hs256-benchmark-secret";

/// How access tokens are signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Signing {
    /// RS256 with the mock's RSA key, verifiable against `/.well-known/jwks.json` (as TrueLayer).
    #[default]
    Rs256,
    /// HS256 with a fixed mock secret: much cheaper, for load tests only. The JWKS still lists
    /// the RSA key, so clients cannot verify these tokens; the mock itself still can.
    Hs256,
}

/// The claims of a mock access token (those seen in TrueLayer's tokens, plus `jti`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub nbf: i64,
    pub exp: i64,
    pub client_id: String,
    /// The connection's credentials id.
    pub sub: String,
    pub auth_time: i64,
    pub idp: String,
    pub connector_id: String,
    pub credentials_key: String,
    pub scope: Vec<String>,
    pub amr: Vec<String>,
    pub jti: String,
}

/// Signs and verifies access tokens.
pub struct TokenSigner {
    signing: Signing,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: JwkSet,
}

impl TokenSigner {
    pub fn new(signing: Signing) -> Result<Self, MockError> {
        let key_err = |e: jsonwebtoken::errors::Error| MockError::Key(e.to_string());
        let rsa = EncodingKey::from_rsa_pem(MOCK_RSA_KEY).map_err(key_err)?;
        let mut jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256).map_err(key_err)?;
        jwk.common.key_id = Some(KEY_ID.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        let (encoding, decoding) = match signing {
            Signing::Rs256 => (rsa, DecodingKey::from_jwk(&jwk).map_err(key_err)?),
            Signing::Hs256 => (
                EncodingKey::from_secret(HS256_SECRET),
                DecodingKey::from_secret(HS256_SECRET),
            ),
        };
        Ok(TokenSigner {
            signing,
            encoding,
            decoding,
            jwks: JwkSet { keys: vec![jwk] },
        })
    }

    fn algorithm(&self) -> Algorithm {
        match self.signing {
            Signing::Rs256 => Algorithm::RS256,
            Signing::Hs256 => Algorithm::HS256,
        }
    }

    pub fn sign(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.algorithm());
        if self.signing == Signing::Rs256 {
            header.kid = Some(KEY_ID.to_owned());
        }
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// The claims of a token this mock signed, or `None`. Times are not checked here: the
    /// caller compares them with the virtual clock.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let mut validation = Validation::new(self.algorithm());
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }

    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }
}

/// Times `n` RS256 signatures of a typical token (for the figure in docs/mock.md).
#[doc(hidden)]
pub fn time_rs256_signatures(n: u32) -> Result<std::time::Duration, MockError> {
    let signer = TokenSigner::new(Signing::Rs256)?;
    let claims = AccessClaims {
        iss: "http://127.0.0.1".into(),
        aud: "http://127.0.0.1".into(),
        nbf: 0,
        exp: 3_600,
        client_id: "c".into(),
        sub: "s".into(),
        auth_time: 0,
        idp: "mock".into(),
        connector_id: "mock".into(),
        credentials_key: "k".into(),
        scope: vec!["info".into(), "accounts".into()],
        amr: vec!["pwd".into()],
        jti: "j".into(),
    };
    let start = std::time::Instant::now();
    for _ in 0..n {
        signer
            .sign(&claims)
            .map_err(|e| MockError::Key(e.to_string()))?;
    }
    Ok(start.elapsed())
}
