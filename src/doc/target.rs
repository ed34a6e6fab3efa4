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
    /// The client id a guide may show as it is: the mock's demo client (or a mock target's
    /// own, from the project file). Real clients' ids are the reader's to fill in.
    pub client_id: Option<String>,
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
            client_id: is_mock.then(|| crate::protocol::DEMO_CLIENT_ID.to_owned()),
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
            if custom.mock && custom.client_id.is_some() {
                target.client_id = custom.client_id.clone();
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

impl DocTarget {
    /// The command that starts this target's mock: `obflow mock`, with `--port` when the
    /// target's URL is not the default one. `None` for a target that is no obflow mock.
    pub fn mock_command(&self) -> Option<String> {
        if !self.is_mock {
            return None;
        }
        let port = url::Url::parse(&self.auth_url)
            .ok()
            .and_then(|u| u.port_or_known_default());
        Some(match port {
            Some(8080) | None => "obflow mock".to_owned(),
            Some(port) => format!("obflow mock --port {port}"),
        })
    }

    /// In words, for the guide's first sentence.
    pub fn environment(&self) -> String {
        match self.name.as_str() {
            "sandbox" => "TrueLayer's sandbox".to_owned(),
            "live" => "TrueLayer's live environment".to_owned(),
            _ if self.is_mock => format!(
                "the obflow mock (`{}`)",
                self.mock_command().unwrap_or_default()
            ),
            other => format!("the `{other}` target"),
        }
    }

    /// The host a path is served from: the auth server for the dialog and `/connect/token`,
    /// the API host for the rest.
    pub fn host_for(&self, path: &str) -> &str {
        if path == "/"
            || path.starts_with("/?")
            || path.starts_with("/connect/")
            || path.starts_with("/dialog")
        {
            &self.auth_url
        } else {
            &self.api_url
        }
    }
}
