//! Access tokens: signing them as JWTs with the claims TrueLayer's tokens carry, verifying
//! them on the Data API, and publishing the public key as a JWKS.
//!
//! The RSA key in `keys/mock-rs256.pem` is a MOCK key committed on purpose: it protects
//! nothing, and loading a fixed key avoids generating one at start-up (very slow in debug
//! builds). Never use it for anything real.
//!
//! RS256 tokens are signed with an aws-lc-rs key pair parsed once, not through
//! `jsonwebtoken::encode`: that re-parses and re-checks the RSA key on every call, which costs
//! more than the signature itself. jsonwebtoken (on its aws-lc-rs backend) still reads the
//! PEM, derives the JWK, signs HS256 tokens and verifies every token.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

/// Why a token could not be signed.
#[derive(thiserror::Error, Debug)]
pub enum SignError {
    #[error("could not encode the token: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the RSA signature failed")]
    Rsa,
    #[error(transparent)]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

/// The key tokens are signed with.
enum SigningKey {
    Rs256(RsaKeyPair),
    Hs256(EncodingKey),
}

/// Signs and verifies access tokens.
pub struct TokenSigner {
    signing: Signing,
    key: SigningKey,
    rng: SystemRandom,
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
        let (key, decoding) = match signing {
            Signing::Rs256 => {
                // `from_rsa_pem` leaves the PKCS#1 DER that aws-lc-rs reads.
                let pair = RsaKeyPair::from_der(rsa.as_bytes())
                    .map_err(|e| MockError::Key(e.to_string()))?;
                let decoding = DecodingKey::from_jwk(&jwk).map_err(key_err)?;
                (SigningKey::Rs256(pair), decoding)
            }
            Signing::Hs256 => (
                SigningKey::Hs256(EncodingKey::from_secret(HS256_SECRET)),
                DecodingKey::from_secret(HS256_SECRET),
            ),
        };
        Ok(TokenSigner {
            signing,
            key,
            rng: SystemRandom::new(),
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

    pub fn sign(&self, claims: &AccessClaims) -> Result<String, SignError> {
        match &self.key {
            SigningKey::Hs256(key) => Ok(jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                claims,
                key,
            )?),
            SigningKey::Rs256(pair) => {
                // The JWS compact form, as jsonwebtoken::encode writes it.
                let mut header = Header::new(Algorithm::RS256);
                header.kid = Some(KEY_ID.to_owned());
                let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
                token.push('.');
                URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut token);
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &self.rng,
                    token.as_bytes(),
                    &mut signature,
                )
                .map_err(|_| SignError::Rsa)?;
                token.push('.');
                URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
                Ok(token)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "http://127.0.0.1".into(),
            aud: "http://127.0.0.1".into(),
            nbf: 1,
            exp: 3_601,
            client_id: "c".into(),
            sub: "s".into(),
            auth_time: 1,
            idp: "mock".into(),
            connector_id: "mock".into(),
            credentials_key: "k".into(),
            scope: vec!["info".into()],
            amr: vec!["pwd".into()],
            jti: "j".into(),
        }
    }

    /// PKCS#1 v1.5 signatures are deterministic, so the token assembled here must be the very
    /// one jsonwebtoken::encode writes.
    #[test]
    fn rs256_tokens_are_jsonwebtokens() {
        let signer = TokenSigner::new(Signing::Rs256).unwrap();
        let token = signer.sign(&claims()).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KEY_ID.to_owned());
        let key = EncodingKey::from_rsa_pem(MOCK_RSA_KEY).unwrap();
        assert_eq!(
            token,
            jsonwebtoken::encode(&header, &claims(), &key).unwrap()
        );
        assert_eq!(signer.verify(&token).unwrap().jti, "j");
    }

    #[test]
    fn hs256_tokens_verify_and_rs256_ones_do_not() {
        let hs = TokenSigner::new(Signing::Hs256).unwrap();
        let token = hs.sign(&claims()).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&token).unwrap().alg,
            Algorithm::HS256
        );
        assert_eq!(hs.verify(&token).unwrap().sub, "s");
        let rs = TokenSigner::new(Signing::Rs256).unwrap();
        assert!(rs.verify(&token).is_none());
        assert!(hs.verify(&rs.sign(&claims()).unwrap()).is_none());
    }
}
