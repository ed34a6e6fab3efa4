//! Request bodies: read under the size limit, then parsed as a form or as JSON, with every
//! failure answered as a JSON error (axum's own rejections are plain text).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

/// Largest request body the mock reads.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body read in full, with its content type.
pub struct RawBody {
    content_type: String,
    bytes: Bytes,
}

/// A body that could not be read or parsed.
#[derive(Debug)]
pub struct BodyError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl BodyError {
    fn malformed(description: impl Into<String>) -> Self {
        BodyError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }
}

impl IntoResponse for BodyError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        resp
    }
}

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = BodyError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                BodyError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    error: "payload_too_large",
                    description: format!("the request body is over {BODY_LIMIT} bytes"),
                }
            } else {
                BodyError::malformed(format!("the request body could not be read: {rejection}"))
            }
        })?;
        Ok(RawBody {
            content_type,
            bytes,
        })
    }
}

impl RawBody {
    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json") || self.content_type.contains("+json")
    }

    /// Flat string parameters from a form (the default) or from a JSON object.
    /// A repeated form parameter is an error, as OAuth requires.
    pub fn params(&self) -> Result<Params, BodyError> {
        let mut map = HashMap::new();
        if self.is_json() {
            let value: serde_json::Value = serde_json::from_slice(&self.bytes)
                .map_err(|e| BodyError::malformed(format!("malformed JSON body: {e}")))?;
            let serde_json::Value::Object(object) = value else {
                return Err(BodyError::malformed("the JSON body must be an object"));
            };
            for (k, v) in object {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                map.insert(k, text);
            }
        } else {
            let text = std::str::from_utf8(&self.bytes)
                .map_err(|_| BodyError::malformed("the form body is not valid UTF-8"))?;
            for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
                if map.insert(k.to_string(), v.to_string()).is_some() {
                    return Err(BodyError::malformed(format!(
                        "the parameter '{k}' is repeated"
                    )));
                }
            }
        }
        Ok(Params(map))
    }

    /// The body as a typed JSON document.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, BodyError> {
        let de = &mut serde_json::Deserializer::from_slice(&self.bytes);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_data() && path != "." {
                BodyError::malformed(format!("invalid JSON body at {path}: {inner}"))
            } else {
                BodyError::malformed(format!("malformed JSON body: {inner}"))
            }
        })
    }
}

/// Flat request parameters (form fields, JSON members or query parameters).
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Query parameters; the first of a repeated one wins.
    pub fn from_query(query: Option<&str>) -> Params {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            map.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
        Params(map)
    }

    /// A parameter, treating an empty value as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}
