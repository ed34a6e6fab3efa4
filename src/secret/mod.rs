//! Secrets: values that must never appear in any output, how they are recognised and
//! learnt from what crosses the wire, and the redactor every output passes through.

mod learn;
mod redacted;
mod redactor;

pub use learn::{is_credential_header, learn_request_secrets, learn_response_secrets};
pub use redacted::{Redact, Redacted};
pub use redactor::{PLACEHOLDER, Redactor, SECRET_FIELDS, Secret, is_secret_field, is_secret_name};
