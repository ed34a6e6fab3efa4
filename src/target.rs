//! Targets: where a run sends its requests, with which credentials.
//!
//! `mock` (the default) is the embedded mock, started in-process for the run; `sandbox` and
//! `live` are TrueLayer's environments; more can be declared in the project file
//! (`obflow.yaml`), e.g. a standalone mock on another port. Every request of a run goes to its
//! target: a request to another TrueLayer environment's host is refused ("use the same
//! environment for all of your requests").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secret::Secret;
use crate::source::Diagnostic;

/// The environment variables credentials are read from.
pub const CLIENT_ID_VAR: &str = "OBFLOW_CLIENT_ID";
pub const CLIENT_SECRET_VAR: &str = "OBFLOW_CLIENT_SECRET";

/// The project file read from the working directory when present.
pub const PROJECT_FILE: &str = "obflow.yaml";

/// Where a run goes. Resolved before anything runs.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: TargetKind,
    /// Base of the auth server (auth dialog, `/connect/token`), no trailing slash.
    pub auth_url: String,
    /// Base of the API host (`/data/v1`, `/signup-plus`, `/connections`), no trailing slash.
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The redirect URI auth links use unless a step names one.
    pub redirect_uri: String,
    /// The providers auth links offer unless a step names them.
    pub providers: Vec<String>,
    /// What `await_code: { via: browser }` clicks and types in this target's dialog, when
    /// the project file says (else the built-in plan for a mock or the sandbox).
    pub browser_plan: Option<std::sync::Arc<crate::browser::Plan>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// The mock started in-process for this run; URLs are filled in once it listens.
    EmbeddedMock,
    /// An obflow mock running elsewhere: it has the virtual clock and the scripted dialog.
    ExternalMock,
    /// A real TrueLayer environment (or a gateway in front of one).
    Remote,
}

impl Target {
    /// Whether the target understands obflow's mock-only routes (virtual clock, dialog hints).
    pub fn is_mock(&self) -> bool {
        matches!(
            self.kind,
            TargetKind::EmbeddedMock | TargetKind::ExternalMock
        )
    }

    /// What templates see as `target`: no secret in it.
    pub fn to_template_value(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "auth_url": self.auth_url,
            "api_url": self.api_url,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "is_mock": self.is_mock(),
        })
    }

    /// The TrueLayer environment (`sandbox`, `live`) the target's auth server belongs to.
    pub fn truelayer_environment(&self) -> Option<&'static str> {
        url::Url::parse(&self.auth_url)
            .ok()?
            .host_str()
            .and_then(truelayer_environment)
    }

    /// Whether `via: browser` has a plan here without the step's: the target's own, or the
    /// built-in one for a mock (`obflow-mock`) or TrueLayer's sandbox (`truelayer-sandbox`).
    pub fn has_browser_plan(&self) -> bool {
        self.browser_plan.is_some()
            || self.is_mock()
            || self.truelayer_environment() == Some("sandbox")
    }

    /// Whether a request to `url` may carry the run's secrets: to this machine (loopback),
    /// to the TrueLayer environment the target is on, or to a host the command line allows
    /// (`--allow-host`). A target elsewhere is refused before the run ([`Target::trusted`]).
    pub fn may_receive_secrets(&self, url: &url::Url, allowed: &[String]) -> bool {
        let environment = url.host_str().and_then(truelayer_environment);
        local_or_allowed(url, allowed)
            || (environment.is_some() && environment == self.truelayer_environment())
    }

    /// Refuses a target that is neither TrueLayer's nor on this machine unless the command
    /// line allows its hosts: the project file that declares it is one a pull request can
    /// change, and the target receives the environment's credentials and every secret.
    pub fn trusted(&self, allowed: &[String]) -> Result<(), Diagnostic> {
        if self.kind == TargetKind::EmbeddedMock {
            return Ok(());
        }
        for base in [&self.auth_url, &self.api_url] {
            let Ok(url) = url::Url::parse(base) else {
                continue;
            };
            let truelayer = url.host_str().and_then(truelayer_environment).is_some();
            if !(truelayer || local_or_allowed(&url, allowed)) {
                let host = url.host_str().unwrap_or(base);
                return Err(Diagnostic::new(format!(
                    "target `{}` is at `{host}`, which is neither TrueLayer's nor this machine: it would receive the run's credentials and secrets",
                    self.name
                ))
                .help(format!(
                    "if `{host}` is yours, pass --allow-host {host} (the project file cannot say so: a pull request can change it)"
                )));
            }
        }
        Ok(())
    }

    /// Refuses a URL on a TrueLayer environment other than this target's.
    pub fn guard(&self, url: &url::Url) -> Result<(), String> {
        let Some(host) = url.host_str() else {
            return Ok(());
        };
        let Some(env) = truelayer_environment(host) else {
            return Ok(());
        };
        let ours = [&self.auth_url, &self.api_url]
            .iter()
            .filter_map(|u| url::Url::parse(u).ok())
            .any(|u| u.host_str().and_then(truelayer_environment) == Some(env));
        if ours {
            Ok(())
        } else {
            Err(format!(
                "`{host}` belongs to TrueLayer's {env} environment, but this run targets `{}`",
                self.name
            ))
        }
    }
}

/// Whether `url` is on this machine or on a host the command line allows (`--allow-host`).
fn local_or_allowed(url: &url::Url, allowed: &[String]) -> bool {
    let Some(host) = url.host() else {
        return false;
    };
    let name = url.host_str().unwrap_or_default();
    is_loopback(&host) || allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
}

/// This machine: a loopback address, or `localhost`.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(d) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
    }
}

/// Which TrueLayer environment a host belongs to, if any.
fn truelayer_environment(host: &str) -> Option<&'static str> {
    if host == "truelayer-sandbox.com" || host.ends_with(".truelayer-sandbox.com") {
        Some("sandbox")
    } else if host == "truelayer.com" || host.ends_with(".truelayer.com") {
        Some("live")
    } else {
        None
    }
}

/// A target declared in the project file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub auth_url: String,
    pub api_url: Option<String>,
    /// `true` for an obflow mock (enables `wait` on the virtual clock and `await_code: auto`).
    #[serde(default)]
    pub mock: bool,
    /// Credentials may be written here for a mock; real ones belong in the environment.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub providers: Option<Vec<String>>,
    /// `via: browser`'s plan for this target: a built-in plan's name or a list of actions.
    pub browser_plan: Option<serde_json::Value>,
    /// The plan, read (and located) when the project file is.
    #[serde(skip)]
    pub parsed_plan: Option<std::sync::Arc<crate::browser::Plan>>,
}

/// The project file, `obflow.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    #[serde(default)]
    pub targets: BTreeMap<String, TargetConfig>,
    /// JSONPaths redacted in every snapshot of the project (see docs/snapshots.md).
    #[serde(
        default,
        deserialize_with = "crate::snapshot::redact::deserialize_paths"
    )]
    pub snapshot_redact: Vec<crate::check::JsonPathQuery>,
    /// The browser `via: browser` drives (a path, or a name on PATH); `--browser` wins.
    pub browser: Option<PathBuf>,
    /// Settings of the mock a run starts for the `mock` target.
    #[serde(default)]
    pub embedded_mock: EmbeddedMockConfig,
}

/// `embedded_mock:` in the project file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedMockConfig {
    /// `forms` (the default: server-rendered HTML forms) or `js` (a page that builds the
    /// dialog with script, as TrueLayer's does).
    #[serde(default)]
    pub dialog: crate::mock::DialogStyle,
}

impl ProjectConfig {
    /// Reads `path`, or `obflow.yaml` when present; an absent default file is no error.
    pub fn read(path: Option<&Path>) -> Result<ProjectConfig, Diagnostic> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(PROJECT_FILE), false),
        };
        if !required && !path.exists() {
            return Ok(ProjectConfig::default());
        }
        let text = crate::source::read_text(&path).map_err(|e| {
            Diagnostic::new(format!("cannot use the project file: {e}"))
                .help("pass an existing, ordinary YAML file to --config")
        })?;
        let (source, value) = crate::source::SourceFile::parse(path, text)?;
        if value.is_null() {
            return Ok(ProjectConfig::default());
        }
        let mut config: ProjectConfig =
            crate::source::deserialize(&value, &source, &crate::source::YamlPath::root())
                .map_err(|mut d| d.remove(0))?;
        let source = std::sync::Arc::new(source);
        for (name, target) in config.targets.iter_mut() {
            if let Some(plan) = &target.browser_plan {
                let at = crate::source::YamlPath::root()
                    .key("targets")
                    .key(name.clone())
                    .key("browser_plan");
                let parsed =
                    crate::browser::Plan::parse(plan, &source, &at).map_err(|mut d| d.remove(0))?;
                target.parsed_plan = Some(parsed);
            }
        }
        Ok(config)
    }
}

/// The default redirect URI: registered with the mock, and a common choice for local apps.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:3000/callback";

/// Resolves `--target NAME` into a target, checking credentials and `--allow-live`.
/// `env` is the process environment plus the `.env` file.
pub fn resolve(
    name: &str,
    config: &ProjectConfig,
    env: &serde_json::Map<String, serde_json::Value>,
    allow_live: bool,
) -> Result<Target, Diagnostic> {
    let env_value = |key: &str| env.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let credentials = |target: &str| -> Result<(String, Secret), Diagnostic> {
        match (env_value(CLIENT_ID_VAR), env_value(CLIENT_SECRET_VAR)) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok((id, Secret::new(secret)))
            }
            _ => Err(Diagnostic::new(format!(
                "target `{target}` needs credentials: {CLIENT_ID_VAR} and {CLIENT_SECRET_VAR} are not set"
            ))
            .help(format!(
                "export {CLIENT_ID_VAR}=... and {CLIENT_SECRET_VAR}=... (or put them in .env); \
                 the `mock` target needs none"
            ))),
        }
    };
    let remote = |name: &str, auth: &str, api: &str| -> Result<Target, Diagnostic> {
        let (client_id, client_secret) = credentials(name)?;
        Ok(Target {
            name: name.to_owned(),
            kind: TargetKind::Remote,
            auth_url: auth.to_owned(),
            api_url: api.to_owned(),
            client_id,
            client_secret,
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
            providers: vec!["uk-cs-mock".to_owned()],
            browser_plan: None,
        })
    };
    if let Some(custom) = config.targets.get(name) {
        let (client_id, client_secret) = match (&custom.client_id, &custom.client_secret) {
            (Some(id), Some(secret)) => (id.clone(), Secret::new(secret.clone())),
            _ if custom.mock => (
                crate::protocol::DEMO_CLIENT_ID.to_owned(),
                Secret::new(crate::protocol::DEMO_CLIENT_SECRET),
            ),
            _ => credentials(name)?,
        };
        let trim = |u: &str| u.trim_end_matches('/').to_owned();
        let target = Target {
            name: name.to_owned(),
            kind: if custom.mock {
                TargetKind::ExternalMock
            } else {
                TargetKind::Remote
            },
            auth_url: trim(&custom.auth_url),
            api_url: trim(custom.api_url.as_deref().unwrap_or(&custom.auth_url)),
            client_id,
            client_secret,
            redirect_uri: custom
                .redirect_uri
                .clone()
                .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned()),
            providers: custom
                .providers
                .clone()
                .unwrap_or_else(|| vec!["uk-cs-mock".to_owned()]),
            browser_plan: custom.parsed_plan.clone(),
        };
        if let Some(env_name) = [&target.auth_url, &target.api_url]
            .iter()
            .filter_map(|u| url::Url::parse(u).ok())
            .find_map(|u| u.host_str().and_then(truelayer_environment))
            && env_name == "live"
            && !allow_live
        {
            return Err(live_refused(name));
        }
        return Ok(target);
    }
    match name {
        "mock" => Ok(Target {
            name: "mock".to_owned(),
            kind: TargetKind::EmbeddedMock,
            auth_url: String::new(),
            api_url: String::new(),
            client_id: crate::protocol::DEMO_CLIENT_ID.to_owned(),
            client_secret: Secret::new(crate::protocol::DEMO_CLIENT_SECRET),
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
            providers: vec!["uk-cs-mock".to_owned()],
            browser_plan: None,
        }),
        "sandbox" => remote(
            "sandbox",
            "https://auth.truelayer-sandbox.com",
            "https://api.truelayer-sandbox.com",
        ),
        "live" if !allow_live => Err(live_refused("live")),
        "live" => remote(
            "live",
            "https://auth.truelayer.com",
            "https://api.truelayer.com",
        ),
        other => {
            let mut names: Vec<&str> = vec!["mock", "sandbox", "live"];
            names.extend(config.targets.keys().map(String::as_str));
            let d = Diagnostic::new(format!("unknown target `{other}`"));
            Err(match crate::source::closest(other, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "use one of: {} (custom targets go in {PROJECT_FILE})",
                    names.join(", ")
                )),
            })
        }
    }
}

fn live_refused(name: &str) -> Diagnostic {
    Diagnostic::new(format!(
        "target `{name}` is TrueLayer's live environment: real banks, real data"
    ))
    .help("add --allow-live if that is what you mean")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn secrets_go_to_the_targets_truelayer_environment_this_machine_and_allowed_hosts() {
        let creds = env(&[(CLIENT_ID_VAR, "id"), (CLIENT_SECRET_VAR, "secret")]);
        let config = ProjectConfig::default();
        let sandbox = resolve("sandbox", &config, &creds, false).unwrap();
        let allowed = vec!["api.example.com".to_owned()];
        let may = |url: &str| sandbox.may_receive_secrets(&url::Url::parse(url).unwrap(), &allowed);
        for ok in [
            "https://auth.truelayer-sandbox.com/connect/token",
            "https://pay-api.truelayer-sandbox.com/",
            "http://127.0.0.1:8080/",
            "http://127.9.9.9/",
            "http://[::1]:3000/",
            "http://localhost:3000/cb",
            "https://API.example.com/v1",
        ] {
            assert!(may(ok), "{ok}");
        }
        for refused in [
            "https://auth.truelayer.com/",
            "https://example.com/",
            "https://api.example.com.evil.net/",
            "http://10.0.0.1/",
            "http://localhost.evil.net/",
        ] {
            assert!(!may(refused), "{refused}");
        }
        assert!(sandbox.trusted(&[]).is_ok());
    }

    #[test]
    fn sandbox_needs_credentials_and_live_needs_consent() {
        let config = ProjectConfig::default();
        let err = resolve("sandbox", &config, &env(&[]), false).unwrap_err();
        assert!(err.message.contains(CLIENT_ID_VAR), "{}", err.message);
        let creds = env(&[
            (CLIENT_ID_VAR, "sandbox-app-1"),
            (CLIENT_SECRET_VAR, "s3cret-value"),
        ]);
        let t = resolve("sandbox", &config, &creds, false).unwrap();
        assert_eq!(t.auth_url, "https://auth.truelayer-sandbox.com");
        assert_eq!(t.truelayer_environment(), Some("sandbox"));
        assert_eq!(format!("{:?}", t.client_secret), "***");
        assert!(resolve("live", &config, &creds, false).is_err());
        assert!(resolve("live", &config, &creds, true).is_ok());
        let unknown = resolve("sandbx", &config, &creds, false).unwrap_err();
        assert_eq!(unknown.help.as_deref(), Some("did you mean `sandbox`?"));
    }

    #[test]
    fn guard_refuses_the_other_environment_only() {
        let creds = env(&[(CLIENT_ID_VAR, "id"), (CLIENT_SECRET_VAR, "secret")]);
        let t = resolve("sandbox", &ProjectConfig::default(), &creds, false).unwrap();
        let ok = url::Url::parse("https://api.truelayer-sandbox.com/data/v1/me").unwrap();
        let other = url::Url::parse("https://api.truelayer.com/data/v1/me").unwrap();
        let unrelated = url::Url::parse("http://127.0.0.1:9000/callback").unwrap();
        assert!(t.guard(&ok).is_ok());
        assert!(t.guard(&other).unwrap_err().contains("live environment"));
        assert!(t.guard(&unrelated).is_ok());
    }
}
