//! The contract between obflow's engine and its mock: what one side sends and the other
//! relies on, so neither imports the other. Both `run` (with `target` and `doc`) and `mock`
//! depend on this module; it depends on nothing in the crate.
//!
//! - Header names: the dialog's `x-obflow-dialog` / `x-obflow-next` / `x-obflow-error` hints (which `await_code:
//!   via: auto` follows instead of scraping HTML), the virtual-clock header a scenario's
//!   requests carry, and the correlation id of Data API responses.
//! - The demo client: the credentials the mock target uses when none are configured, which the
//!   mock's built-in fixtures register.
//! - The built-in users' logins: `via: auto` types a password when a scenario names only the
//!   user. They are listed here, as data, rather than read from the mock's fixtures, so the
//!   engine needs no fixture parser and no mock internals. The mock's built-in fixture file
//!   stays the source of what users exist; a test in `mock::fixtures` fails when this table
//!   and that file disagree. Users of a custom fixture file (`obflow mock --fixtures`) are
//!   not known here: their scenarios give `password:`.

/// The id of a dialog session, on every page of the mock's dialog.
pub const DIALOG_HEADER: &str = "x-obflow-dialog";
/// Names the next form of the mock's dialog (a path), on every dialog page.
pub const NEXT_HEADER: &str = "x-obflow-next";
/// Present when the mock's dialog refused the previous submission (say, a wrong password).
pub const ERROR_HEADER: &str = "x-obflow-error";
/// The virtual clock a request runs on: each scenario gets its own, so `wait:` in one never
/// moves another's time.
pub const CLOCK_HEADER: &str = "x-obflow-clock";
/// The correlation id on Data API and Signup+ responses, as TrueLayer sends it.
pub const CORRELATION_HEADER: &str = "x-tl-correlation-id";

/// The built-in demo client (registered in the mock's built-in fixtures). Mock values, not
/// secrets.
pub const DEMO_CLIENT_ID: &str = "sandbox-obflow-demo";
pub const DEMO_CLIENT_SECRET: &str = "sandbox-obflow-demo-secret";
/// A redirect URI registered for the demo client.
pub const DEMO_REDIRECT_URI: &str = "http://localhost:3000/callback";

/// A login of the mock's built-in fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinLogin {
    pub username: &'static str,
    pub password: &'static str,
    /// Also `{username}{n}` / `{password}{n}` for n in 1..=numbered (fresh users for load).
    pub numbered: u32,
}

const fn login(username: &'static str, password: &'static str) -> BuiltinLogin {
    BuiltinLogin {
        username,
        password,
        numbered: 0,
    }
}

/// Every login of the built-in fixtures, in the fixture file's order. A username may have
/// more than one user behind different passwords, such as `john` / `eternal`; naming only
/// the user means the first.
pub const BUILTIN_LOGINS: &[BuiltinLogin] = &[
    login("joe", "blogs"),
    login("multi", "accounts"),
    login("nodata", "nodata"),
    login("joint", "joint"),
    BuiltinLogin {
        username: "john",
        password: "doe",
        numbered: 100,
    },
    login("john", "eternal"),
    login("throttled", "throttled"),
    login("error.account_permanently_locked", "error"),
    login("error.account_temporarily_locked", "error"),
    login("error.internal_error", "error"),
    login("error.provider_error", "error"),
    login("error.user_input_required", "error"),
    login("error.wrong_credentials", "error"),
];

/// The password of a built-in mock user (`john7` → `doe7` included), for `await_code: auto`.
pub fn builtin_password(username: &str) -> Option<String> {
    BUILTIN_LOGINS.iter().find_map(|login| {
        if login.username == username {
            return Some(login.password.to_owned());
        }
        let n: u32 = username.strip_prefix(login.username)?.parse().ok()?;
        (n >= 1 && n <= login.numbered).then(|| format!("{}{n}", login.password))
    })
}

/// A bank of the mock's built-in fixtures and the `providers` selectors that offer it (its
/// id is a selector too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinProvider {
    pub provider_id: &'static str,
    pub selectors: &'static [&'static str],
}

/// The built-in banks, in the fixture file's order (the order the dialog offers them).
pub const BUILTIN_PROVIDERS: &[BuiltinProvider] = &[
    BuiltinProvider {
        provider_id: "mock",
        selectors: &["uk-cs-mock"],
    },
    BuiltinProvider {
        provider_id: "ob-monzo",
        selectors: &["uk-ob-all"],
    },
    BuiltinProvider {
        provider_id: "ob-barclays",
        selectors: &["uk-ob-all"],
    },
    BuiltinProvider {
        provider_id: "oauth-starling",
        selectors: &["uk-oauth-all"],
    },
];

/// The built-in banks an auth link with these `providers` offers, in the dialog's order (no
/// selectors: every bank), as the mock's dialog chooses them.
pub fn builtin_banks_offered(selectors: &[String]) -> Vec<&'static str> {
    BUILTIN_PROVIDERS
        .iter()
        .filter(|p| {
            selectors.is_empty()
                || selectors
                    .iter()
                    .any(|s| s == p.provider_id || p.selectors.contains(&s.as_str()))
        })
        .map(|p| p.provider_id)
        .collect()
}

/// Whether `username` / `password` is a login of the built-in fixtures: published demo
/// data (docs/mock.md), which guides for a mock target may show.
pub fn is_builtin_login(username: &str, password: &str) -> bool {
    BUILTIN_LOGINS.iter().any(|login| {
        if login.username == username {
            return login.password == password;
        }
        let Some(n) = username
            .strip_prefix(login.username)
            .and_then(|n| n.parse::<u32>().ok())
        else {
            return false;
        };
        (1..=login.numbered).contains(&n) && password == format!("{}{n}", login.password)
    })
}

#[cfg(test)]
mod tests {
    use super::{builtin_password, is_builtin_login};

    #[test]
    fn built_in_logins_include_second_passwords_and_numbered_users() {
        assert!(is_builtin_login("john", "doe"));
        assert!(is_builtin_login("john", "eternal"));
        assert!(is_builtin_login("john7", "doe7"));
        assert!(!is_builtin_login("john7", "doe"));
        assert!(!is_builtin_login("john", "hunter2"));
        assert!(!is_builtin_login("nobody", "doe"));
        // Naming only the user still means their first password.
        assert_eq!(builtin_password("john").as_deref(), Some("doe"));
    }

    #[test]
    fn numbered_logins_follow_their_user() {
        assert_eq!(builtin_password("john").as_deref(), Some("doe"));
        assert_eq!(builtin_password("john7").as_deref(), Some("doe7"));
        assert_eq!(builtin_password("john100").as_deref(), Some("doe100"));
        assert_eq!(builtin_password("john101"), None);
        assert_eq!(builtin_password("john0"), None);
        assert_eq!(builtin_password("joe").as_deref(), Some("blogs"));
        assert_eq!(builtin_password("nobody"), None);
    }
}
