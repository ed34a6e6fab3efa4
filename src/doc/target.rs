//! [`DocTarget`]: the hosts a guide shows, for `sandbox`, `live`, `mock` or a target of the
//! project file.

use crate::source::Diagnostic;
use crate::target::{DEFAULT_REDIRECT_URI, ProjectConfig};

/// Where `obflow mock` listens by default: what guides for the `mock` target show.
pub const MOCK_DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The hosts a guide shows. Unlike a run's target it needs no credentials: guides only
/// ever show placeholders for them.
#[derive(Debug, Clone)]
pub struct DocTarget {
    pub name: String,
    pub auth_url: String,
    pub api_url: String,
    pub redirect_uri: String,
    pub providers: Vec<String>,
    pub is_mock: bool,
}

impl DocTarget {
    /// `sandbox`, `live`, `mock` (`obflow mock` on its default port), or a target of the
    /// project file.
    pub fn resolve(name: &str, config: &ProjectConfig) -> Result<DocTarget, Diagnostic> {
        let make = |auth: &str, api: &str, is_mock: bool| DocTarget {
            name: name.to_owned(),
            auth_url: auth.trim_end_matches('/').to_owned(),
            api_url: api.trim_end_matches('/').to_owned(),
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
            providers: vec!["uk-cs-mock".to_owned()],
            is_mock,
        };
        if let Some(custom) = config.targets.get(name) {
            let mut target = make(
                &custom.auth_url,
                custom.api_url.as_deref().unwrap_or(&custom.auth_url),
                custom.mock,
            );
            if let Some(uri) = &custom.redirect_uri {
                target.redirect_uri = uri.clone();
            }
            if let Some(providers) = &custom.providers {
                target.providers = providers.clone();
            }
            return Ok(target);
        }
        match name {
            "sandbox" => Ok(make(
                "https://auth.truelayer-sandbox.com",
                "https://api.truelayer-sandbox.com",
                false,
            )),
            "live" => Ok(make(
                "https://auth.truelayer.com",
                "https://api.truelayer.com",
                false,
            )),
            "mock" => Ok(make(MOCK_DEFAULT_URL, MOCK_DEFAULT_URL, true)),
            other => {
                let mut names: Vec<&str> = vec!["sandbox", "live", "mock"];
                names.extend(config.targets.keys().map(String::as_str));
                let d = Diagnostic::new(format!("unknown target `{other}`"));
                Err(match crate::source::closest(other, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("use one of: {}", names.join(", "))),
                })
            }
        }
    }
}
