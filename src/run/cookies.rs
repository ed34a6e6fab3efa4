//! A scenario's cookies: what its responses set, sent back on its later requests, never
//! shared with another scenario.
//!
//! The store is `cookie_store`'s, the one reqwest's own jar wraps. obflow keeps it per
//! scenario rather than enabling reqwest's `cookies` feature: that feature puts a layer in
//! the client that parses every request's URL again, even with no jar (bench/README.md).

use cookie_store::{CookieStore, RawCookie};
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

#[derive(Debug, Default)]
pub struct CookieJar {
    store: CookieStore,
}

impl CookieJar {
    /// The `Cookie` header for a request to `url`, if any cookie applies.
    pub fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let mut header = String::new();
        for (name, value) in self.store.get_request_values(url) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        if header.is_empty() {
            return None;
        }
        HeaderValue::from_str(&header).ok()
    }

    /// Keeps the cookies a response from `url` sets; a `Set-Cookie` that does not parse, or
    /// that `url` may not set, is ignored, as a browser would.
    pub fn store_from(&mut self, headers: &HeaderMap, url: &Url) {
        let set = headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|text| RawCookie::parse(text).ok())
            .map(RawCookie::into_owned);
        self.store.store_response_cookies(set, url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_cookies(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                reqwest::header::SET_COOKIE,
                HeaderValue::from_str(v).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn sends_back_what_applies_to_the_url() {
        let mut jar = CookieJar::default();
        let site = Url::parse("http://127.0.0.1:8080/login").unwrap();
        jar.store_from(
            &set_cookies(&[
                "session=s-1; Path=/",
                "step=2; Path=/dialog",
                "not a cookie",
            ]),
            &site,
        );
        let root = Url::parse("http://127.0.0.1:8080/accounts").unwrap();
        assert_eq!(jar.header_for(&root).unwrap(), "session=s-1");
        let dialog = Url::parse("http://127.0.0.1:8080/dialog/consent").unwrap();
        let both = jar.header_for(&dialog).unwrap();
        let mut sent: Vec<&str> = both.to_str().unwrap().split("; ").collect();
        sent.sort();
        assert_eq!(sent, ["session=s-1", "step=2"]);
        let elsewhere = Url::parse("http://127.0.0.2:8080/").unwrap();
        assert_eq!(jar.header_for(&elsewhere), None);
    }

    #[test]
    fn an_empty_jar_sends_no_header() {
        let jar = CookieJar::default();
        assert_eq!(jar.header_for(&Url::parse("http://x.test/").unwrap()), None);
    }
}
