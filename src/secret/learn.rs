//! Learning secrets from what crosses the wire: credential headers, secret-named form, query
//! and JSON fields, redirects that carry codes and tokens. Every exchange is learnt from
//! before anything prints it.

use serde_json::Value;

use super::{Redactor, is_secret_field};
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};

/// Whether a header carries a credential (its value is never shown).
pub fn is_credential_header(name: &str) -> bool {
    ["authorization", "cookie", "proxy-authorization"]
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// The credential of an `Authorization` value (`Bearer <token>`, `Basic <b64>`): its last
/// word. Header values separate words with spaces and tabs; searching for those from the end
/// costs little, where walking a long token a character at a time cost more than the rest
/// of learning a request's secrets.
fn last_word(value: &str) -> Option<&str> {
    let value = value.trim_end_matches([' ', '\t']);
    let start = memchr::memrchr2(b' ', b'\t', value.as_bytes()).map_or(0, |at| at + 1);
    Some(&value[start..]).filter(|word| !word.is_empty())
}

/// Learns the secrets a response carries (tokens, codes) before anything prints it.
pub fn learn_response_secrets(response: &HttpResponse, redactor: &Redactor) {
    // Most bodies hold no field a secret could be in: those are not parsed for this.
    if crate::exchange::may_be_json(&response.headers, response.body())
        && may_hold_secret_fields(response.body())
        && let Some(json) = response.json()
    {
        learn_json_secrets(json, redactor);
    }
    if let Some(location) = response.header("location") {
        learn_url_secrets(location, redactor);
    }
    // A token answer can come form-encoded (`access_token=...&token_type=bearer`).
    if response
        .header("content-type")
        .is_some_and(|ct| ct.contains("x-www-form-urlencoded"))
    {
        learn_query_secrets(response.body(), redactor);
    }
    // What a server keeps in cookies is a credential of the session it opened.
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("set-cookie")
            && let Some((_, cookie)) = value.split(';').next().and_then(|c| c.split_once('='))
        {
            redactor.add(cookie.trim());
        }
    }
}

/// Learns the secrets a request carries: credential headers and secret-named fields.
pub fn learn_request_secrets(request: &HttpRequest, redactor: &Redactor) {
    for (name, value) in &request.headers {
        // A key header (`x-api-key`, `x-auth-token`) is a credential too, all of its value.
        if !is_credential_header(name) && is_secret_field(&name.replace('-', "_")) {
            redactor.add(value.trim());
            continue;
        }
        if is_credential_header(name) {
            // The credential is everything after the scheme (`Bearer a b`), and each word of
            // it: a value made of several words must not leak by its last alone.
            match value.trim().split_once([' ', '\t']) {
                Some((_, credential)) => {
                    let credential = credential.trim();
                    redactor.add(credential);
                    // Most credentials are one word (a token): found with memchr, not by
                    // walking a kilobyte of JWT a character at a time.
                    if memchr::memchr2(b' ', b'\t', credential.as_bytes()).is_some() {
                        credential
                            .split_whitespace()
                            .for_each(|word| redactor.add(word));
                    }
                }
                None => {
                    if let Some(cred) = last_word(value) {
                        redactor.add(cred);
                    }
                }
            }
        }
    }
    if let Some(RequestBody::Form(fields)) = &request.body {
        for (k, v) in fields {
            // A form's `password` is the mock user's, typed by `await_code: auto` (`doe`,
            // `accounts`): ordinary words that must not be scrubbed from every line.
            // Transcripts mask the field by name; real passwords come from secret vars.
            if is_secret_field(k) && k != "password" {
                redactor.add(v);
            }
        }
    }
    if let Some(RequestBody::Json(json)) = &request.body {
        learn_json_secrets(json, redactor);
    }
    learn_url_secrets(request.url.as_str(), redactor);
}

fn learn_url_secrets(url: &str, redactor: &Redactor) {
    // Parameters come in the query, and in the fragment of an implicit-style redirect.
    let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    learn_query_secrets(query, redactor);
    learn_query_secrets(fragment, redactor);
}

/// Learns the secret-named fields of a query string or form body.
fn learn_query_secrets(query: &str, redactor: &Redactor) {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Decoding every value of every URL is most of the cost: decode a name only when it
        // is encoded, and a value only when its name says it is secret.
        let secret = if name.bytes().any(|b| b == b'%' || b == b'+') {
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            is_secret_field(&decoded)
        } else {
            is_secret_field(name)
        };
        if secret {
            redactor.add(&decode_form_value(value));
        }
    }
}

/// A form or query value, decoded (`+` and `%XX`); `=` inside it is kept.
fn decode_form_value(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default()
}

/// Whether `text` could hold a field [`is_secret_field`] names: it has one
/// of their telling parts (in any case), or a `\u` escape that could spell one. Far cheaper
/// than parsing the body to find out.
fn may_hold_secret_fields(text: &str) -> bool {
    // Lower-casing a copy and searching it once per part beats one case-blind automaton
    // pass (measured): `contains` searches with SIMD, the automaton a byte at a time.
    const TELLING: [&str; 6] = [
        "token",
        "\"code\"",
        "code_verifier",
        "secret",
        "password",
        "\\u",
    ];
    let lower = text.to_ascii_lowercase();
    TELLING.iter().any(|part| lower.contains(part))
}

fn learn_json_secrets(json: &Value, redactor: &Redactor) {
    match json {
        Value::Object(map) => {
            for (k, v) in map {
                if is_secret_field(k) {
                    redactor.add_json(v);
                } else {
                    learn_json_secrets(v, redactor);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| learn_json_secrets(v, redactor)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn response(body: &str) -> HttpResponse {
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        HttpResponse::new(200, headers, body.to_owned(), Duration::ZERO)
    }

    #[test]
    fn secrets_in_responses_are_learnt_whatever_the_key_case_or_escapes() {
        let redactor = Redactor::new();
        for body in [
            r#"{"Access_Token": "tok-upper-1"}"#,
            r#"{"nested": [{"\u0061ccess_token": "tok-escaped-2"}]}"#,
            r#"{"code": "code-3", "client_secret": "sec-4"}"#,
        ] {
            learn_response_secrets(&response(body), &redactor);
        }
        let shown = redactor.redact("tok-upper-1 tok-escaped-2 code-3 sec-4");
        assert_eq!(shown, "*** *** *** ***");
    }

    #[test]
    fn secrets_in_urls_are_learnt_decoded_with_encoded_names_too() {
        let redactor = Redactor::new();
        learn_url_secrets(
            "http://x/cb?state=s-1&code=ab%2Bc%3D%3D&%63lient_secret=sec+ret+1#id_token=jwt-1",
            &redactor,
        );
        learn_url_secrets("http://x/cb?refresh_token=rt==9&scope=a+b", &redactor);
        let shown = redactor.redact("s-1 ab+c== sec ret 1 jwt-1 rt==9 a b");
        assert_eq!(shown, "s-1 *** *** *** *** a b");
    }

    #[test]
    fn credential_headers_give_their_last_word_in_any_case() {
        let redactor = Redactor::new();
        let request = HttpRequest {
            method: reqwest::Method::GET,
            url: url::Url::parse("http://x/").unwrap(),
            headers: vec![
                ("Authorization".into(), "Bearer tok-1 ".into()),
                ("PROXY-AUTHORIZATION".into(), "Basic\tb64-2".into()),
                ("cookie".into(), "sid-3".into()),
                ("x-other".into(), "not-secret".into()),
            ],
            body: None,
            timeout: Duration::from_secs(1),
        };
        learn_request_secrets(&request, &redactor);
        assert_eq!(
            redactor.redact("Bearer tok-1 Basic b64-2 sid-3 not-secret"),
            "Bearer *** Basic *** *** not-secret"
        );
        assert_eq!(last_word("  "), None);
        assert_eq!(last_word("one"), Some("one"));
    }

    #[test]
    fn cookies_multi_word_credentials_and_form_token_answers_are_learnt() {
        let redactor = Redactor::new();
        let answer = HttpResponse::new(
            200,
            vec![
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                (
                    "set-cookie".into(),
                    "sid=cookie-value-7; Path=/; HttpOnly".into(),
                ),
            ],
            "access_token=form-token-1&token_type=bearer".into(),
            Duration::ZERO,
        );
        learn_response_secrets(&answer, &redactor);
        let request = HttpRequest {
            method: reqwest::Method::GET,
            url: url::Url::parse("http://x/").unwrap(),
            headers: vec![(
                "Authorization".into(),
                "Custom first-part second-part".into(),
            )],
            body: None,
            timeout: Duration::from_secs(1),
        };
        learn_request_secrets(&request, &redactor);
        assert_eq!(
            redactor.redact("form-token-1 cookie-value-7 first-part | second-part bearer"),
            "*** *** *** | *** bearer"
        );
    }

    #[test]
    fn telling_parts_are_found_in_any_case() {
        for body in [
            r#"{"ACCESS_TOKEN": 1}"#,
            r#"{"Code": 1}"#,
            r#"{"x": "\u0074oken"}"#,
            r#"{"Client_Secret": 1}"#,
            r#"{"PassWord": 1}"#,
        ] {
            assert!(may_hold_secret_fields(body), "{body}");
        }
        assert!(!may_hold_secret_fields(
            r#"{"postal_code": "N1", "codes": []}"#
        ));
    }

    #[test]
    fn a_body_without_secret_fields_is_not_parsed_to_learn_nothing() {
        let redactor = Redactor::new();
        let plain = response(r#"{"accounts": [{"account_id": "acc-1", "postal_code": "N1"}]}"#);
        learn_response_secrets(&plain, &redactor);
        assert!(
            !plain.json_body().is_parsed(),
            "parsed only when something reads it"
        );
        assert_eq!(
            plain
                .json()
                .and_then(|j| j["accounts"][0]["account_id"].as_str()),
            Some("acc-1")
        );
        assert_eq!(redactor.redact("acc-1 N1"), "acc-1 N1");
    }
}
