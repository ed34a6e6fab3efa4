//! The mock's world: registered clients, banks, bank users and their accounts. The built-in
//! set lives in `default-fixtures.yaml` (the seed data, the sandbox mock-bank users and the
//! demo client) and doubles as the reference example of the `--fixtures FILE` format.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::MockError;

use crate::source::{Diagnostic, SourceFile, YamlPath};

const DEFAULT_FIXTURES: &str = include_str!("default-fixtures.yaml");

/// A complete, validated fixture set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    pub(crate) file: FixtureFile,
    /// (username, password) → index into `file.users`; numbered users expanded.
    logins: HashMap<(String, String), usize>,
    usernames: HashSet<String>,
}

/// The YAML document, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixtureFile {
    #[serde(default)]
    pub options: FixtureOptions,
    pub clients: Vec<Client>,
    pub providers: Vec<Provider>,
    pub users: Vec<User>,
}

/// Switches for the points where TrueLayer's sources disagree.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixtureOptions {
    /// Key of the country in a Signup+ address: `country_code` (seed) or `country` (SDKs).
    #[serde(default)]
    pub address_country_field: CountryField,
    /// Error code for an expired or reused authorisation code.
    #[serde(default)]
    pub expired_code_error: ExpiredCodeError,
    /// How the auth dialog is served: plain forms, or a page that builds them with script.
    #[serde(default)]
    pub dialog: DialogStyle,
}

/// How the mock serves its auth dialog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DialogStyle {
    /// Server-rendered HTML forms, one page per step (the default; `via: auto` reads them).
    #[default]
    Forms,
    /// One page that builds each step's form with script and moves between steps with
    /// `fetch` to JSON endpoints, without page loads, as TrueLayer's dialog does.
    Js,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CountryField {
    #[default]
    CountryCode,
    Country,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExpiredCodeError {
    #[default]
    InvalidGrant,
    InvalidAuthorizationCode,
}

impl ExpiredCodeError {
    pub fn code(self) -> &'static str {
        match self {
            ExpiredCodeError::InvalidGrant => "invalid_grant",
            ExpiredCodeError::InvalidAuthorizationCode => "invalid_authorization_code",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Provider {
    pub provider_id: String,
    pub display_name: String,
    pub logo_uri: String,
    /// Values of the auth link's `providers` parameter that include this bank
    /// (e.g. `uk-cs-mock`, `uk-ob-all`); the provider id itself always matches.
    #[serde(default)]
    pub selectors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct User {
    pub username: String,
    pub password: String,
    /// Also accept `{username}{n}` / `{password}{n}` for n in 1..=numbered.
    #[serde(default)]
    pub numbered: Option<u32>,
    /// What `/connections/extend` answers for this user's connections.
    #[serde(default)]
    pub extend: ExtendAction,
    /// Every Data API and Signup+ call of this user fails this way.
    #[serde(default)]
    pub failure: Option<Failure>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// What `/data/v1/info` answers (without it, an empty `results`).
    #[serde(default)]
    pub info: Option<Info>,
    /// Credit cards, served under `/data/v1/cards`.
    #[serde(default)]
    pub cards: Vec<Card>,
    /// The bank rate-limits this user: 429 `provider_too_many_requests` on the first calls.
    #[serde(default)]
    pub throttle: Option<Throttle>,
}

/// A user the bank rate-limits: the first `first` Data API calls of each connection answer
/// 429 `provider_too_many_requests` with `Retry-After: retry_after`; later calls succeed.
/// Counted per connection, not per second, so a scenario's outcome does not depend on how
/// fast the machine is.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Throttle {
    pub first: u32,
    /// Seconds, sent as `Retry-After`.
    #[serde(default = "one_second")]
    pub retry_after: u32,
}

fn one_second() -> u32 {
    1
}

/// `/data/v1/info`: the identity the `info` scope gives.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Info {
    pub full_name: String,
    /// As TrueLayer writes it: `1984-07-03T00:00:00`.
    pub date_of_birth: String,
    #[serde(default)]
    pub addresses: Vec<InfoAddress>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InfoAddress {
    pub address: String,
    pub city: String,
    #[serde(default)]
    pub state: Option<String>,
    pub zip: String,
    pub country: String,
}

/// A card under `/data/v1/cards`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Card {
    /// TrueLayer names a card's id `account_id` too.
    pub account_id: String,
    /// VISA | MASTERCARD | AMEX | ...
    pub card_network: String,
    /// CREDIT | DEBIT | CHARGE
    pub card_type: String,
    pub currency: String,
    pub display_name: String,
    pub partial_card_number: String,
    #[serde(default)]
    pub name_on_card: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    pub balance: CardBalance,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    #[serde(default)]
    pub pending_transactions: Vec<Transaction>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardBalance {
    pub available: f64,
    pub current: f64,
    pub credit_limit: f64,
    #[serde(default)]
    pub last_statement_balance: Option<f64>,
    #[serde(default)]
    pub last_statement_date: Option<String>,
    #[serde(default)]
    pub payment_due: Option<f64>,
    #[serde(default)]
    pub payment_due_date: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StandingOrder {
    /// e.g. `EvryDay`, `IntrvlWkDay:01:05`, `IntrvlMnthDay:01:15` (the Open Banking codes).
    pub frequency: String,
    /// Active | Inactive
    pub status: String,
    pub timestamp: String,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub payee: Option<String>,
    #[serde(default)]
    pub first_payment_date: Option<String>,
    #[serde(default)]
    pub first_payment_amount: Option<f64>,
    #[serde(default)]
    pub next_payment_date: Option<String>,
    #[serde(default)]
    pub next_payment_amount: Option<f64>,
    #[serde(default)]
    pub final_payment_date: Option<String>,
    #[serde(default)]
    pub final_payment_amount: Option<f64>,
    #[serde(default)]
    pub previous_payment_timestamp: Option<String>,
    #[serde(default)]
    pub previous_payment_amount: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectDebit {
    pub direct_debit_id: String,
    pub timestamp: String,
    pub name: String,
    /// Active | Inactive
    pub status: String,
    #[serde(default)]
    pub previous_payment_timestamp: Option<String>,
    #[serde(default)]
    pub previous_payment_amount: Option<f64>,
    /// `meta.provider_mandate_identification`
    #[serde(default)]
    pub mandate_reference: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExtendAction {
    #[default]
    AuthenticationNeeded,
    NoActionNeeded,
}

/// The failures of the sandbox's `error.*` users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Failure {
    AccountPermanentlyLocked,
    AccountTemporarilyLocked,
    InternalError,
    ProviderError,
    UserInputRequired,
    WrongCredentials,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Account {
    pub account_id: String,
    /// TRANSACTION | SAVINGS | BUSINESS_TRANSACTION | BUSINESS_SAVINGS
    pub account_type: String,
    pub display_name: String,
    pub currency: String,
    pub account_number: AccountNumber,
    /// Provider shown in Signup+ `account_details` (default: the bank the user picked).
    #[serde(default)]
    pub provider_id: Option<String>,
    pub balance: Balance,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    /// Not yet booked: `/transactions/pending`.
    #[serde(default)]
    pub pending_transactions: Vec<Transaction>,
    #[serde(default)]
    pub standing_orders: Vec<StandingOrder>,
    #[serde(default)]
    pub direct_debits: Vec<DirectDebit>,
    /// Signup+ identity of the holder; without it Signup+ answers 422 User Data Not Found.
    #[serde(default)]
    pub identity: Option<Identity>,
    /// A joint account: Signup+ answers 422 Joint Accounts Not Supported.
    #[serde(default)]
    pub joint: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountNumber {
    pub iban: String,
    pub number: String,
    pub sort_code: String,
    pub swift_bic: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Balance {
    pub available: f64,
    pub current: f64,
    #[serde(default)]
    pub overdraft: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Transaction {
    pub transaction_id: String,
    pub timestamp: String,
    pub description: String,
    pub amount: f64,
    /// DEBIT | CREDIT
    pub transaction_type: String,
    pub transaction_category: String,
    #[serde(default)]
    pub merchant_name: Option<String>,
    /// The account's balance after this transaction, when the bank reports it.
    #[serde(default)]
    pub running_balance: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Identity {
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: String,
    pub address: Address,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Address {
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub state: Option<String>,
    pub zip: String,
    pub country_code: String,
}

impl Default for Fixtures {
    /// The built-in fixtures: the seed data, the sandbox mock-bank users and the demo client.
    fn default() -> Self {
        // The embedded file is checked by a unit test, so this cannot fail at run time.
        Fixtures::from_yaml(DEFAULT_FIXTURES, "<built-in fixtures>")
            .expect("the built-in fixtures are valid")
    }
}

impl Fixtures {
    /// How the dialog is served.
    pub fn dialog(&self) -> DialogStyle {
        self.file.options.dialog
    }

    /// The same fixtures with the dialog served as `style` (`obflow mock --dialog`, the
    /// project file's `embedded_mock.dialog`).
    pub fn with_dialog(mut self, style: DialogStyle) -> Fixtures {
        self.file.options.dialog = style;
        self
    }

    /// Loads a fixture file (YAML, see docs/mock.md). Errors carry `file:line:col`.
    pub fn from_file(path: &Path) -> Result<Fixtures, MockError> {
        let text = crate::source::read_text(path).map_err(MockError::FixturesRead)?;
        Fixtures::from_yaml(&text, &path.display().to_string())
    }

    /// Parses and validates fixtures from YAML text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Fixtures, MockError> {
        let invalid = |d: Diagnostic| MockError::FixturesInvalid {
            at: d
                .location
                .as_ref()
                .map_or_else(|| origin.to_owned(), ToString::to_string),
            message: d.message,
        };
        let (source, value) = SourceFile::parse(origin.into(), text.to_owned()).map_err(invalid)?;
        let file: FixtureFile = crate::source::deserialize(&value, &source, &YamlPath::root())
            .map_err(|mut errors| invalid(errors.remove(0)))?;
        Fixtures::build(file).map_err(|message| MockError::FixturesInvalid {
            at: origin.to_owned(),
            message,
        })
    }

    fn build(file: FixtureFile) -> Result<Fixtures, String> {
        if file.clients.is_empty() {
            return Err("at least one client is needed".into());
        }
        if file.providers.is_empty() {
            return Err("at least one provider is needed".into());
        }
        let mut client_ids = HashSet::new();
        for (i, c) in file.clients.iter().enumerate() {
            if !client_ids.insert(c.client_id.as_str()) {
                return Err(format!(
                    "clients[{i}]: duplicate client_id {:?}",
                    c.client_id
                ));
            }
            if c.redirect_uris.is_empty() {
                return Err(format!("clients[{i}]: redirect_uris is empty"));
            }
        }
        let mut logins = HashMap::new();
        let mut usernames = HashSet::new();
        for (i, user) in file.users.iter().enumerate() {
            let mut ids = HashSet::new();
            for a in &user.accounts {
                if !ids.insert(a.account_id.as_str()) {
                    return Err(format!(
                        "users[{i}] ({}): duplicate account_id {:?}",
                        user.username, a.account_id
                    ));
                }
            }
            let mut card_ids = HashSet::new();
            for c in &user.cards {
                if !card_ids.insert(c.account_id.as_str()) {
                    return Err(format!(
                        "users[{i}] ({}): duplicate card account_id {:?}",
                        user.username, c.account_id
                    ));
                }
            }
            // `from`/`to` filter on these timestamps, so each must be one the filter reads.
            let transactions = user
                .accounts
                .iter()
                .flat_map(|a| a.transactions.iter().chain(&a.pending_transactions))
                .chain(
                    user.cards
                        .iter()
                        .flat_map(|c| c.transactions.iter().chain(&c.pending_transactions)),
                );
            for t in transactions {
                if super::dates::parse_instant(&t.timestamp, false).is_none() {
                    return Err(format!(
                        "users[{i}] ({}): transaction {:?} has the timestamp {:?}; write RFC 3339, e.g. 2024-03-01T09:15:00Z",
                        user.username, t.transaction_id, t.timestamp
                    ));
                }
            }
            let mut pairs = vec![(user.username.clone(), user.password.clone())];
            for n in 1..=user.numbered.unwrap_or(0) {
                pairs.push((
                    format!("{}{n}", user.username),
                    format!("{}{n}", user.password),
                ));
            }
            for pair in pairs {
                usernames.insert(pair.0.clone());
                if logins.insert(pair.clone(), i).is_some() {
                    return Err(format!(
                        "users[{i}]: the login {:?} with this password is defined twice",
                        pair.0
                    ));
                }
            }
        }
        Ok(Fixtures {
            file,
            logins,
            usernames,
        })
    }

    pub(crate) fn client(&self, client_id: &str) -> Option<&Client> {
        self.file.clients.iter().find(|c| c.client_id == client_id)
    }

    pub(crate) fn provider(&self, provider_id: &str) -> Option<&Provider> {
        self.file
            .providers
            .iter()
            .find(|p| p.provider_id == provider_id)
    }

    /// The banks an auth link's `providers` (space separated) and `enable_mock` offer.
    pub(crate) fn providers_matching(
        &self,
        selectors: &[&str],
        enable_mock: bool,
    ) -> Vec<&Provider> {
        self.file
            .providers
            .iter()
            .filter(|p| {
                (selectors.is_empty() && !enable_mock)
                    || selectors
                        .iter()
                        .any(|s| *s == p.provider_id || p.selectors.iter().any(|x| x == s))
                    || (enable_mock && p.provider_id == "mock")
            })
            .collect()
    }

    /// The user behind a login, if the username and password match.
    pub(crate) fn login(&self, username: &str, password: &str) -> Option<usize> {
        self.logins
            .get(&(username.to_owned(), password.to_owned()))
            .copied()
    }

    pub(crate) fn knows_username(&self, username: &str) -> bool {
        self.usernames.contains(username)
    }

    pub(crate) fn user(&self, index: usize) -> Option<&User> {
        self.file.users.get(index)
    }

    pub(crate) fn options(&self) -> &FixtureOptions {
        &self.file.options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_fixtures_parse() {
        let f = Fixtures::from_yaml(DEFAULT_FIXTURES, "default").unwrap();
        assert!(f.login("john", "doe").is_some());
        assert!(f.login("john", "eternal").is_some());
        assert!(f.login("john100", "doe100").is_some());
        assert!(f.login("john101", "doe101").is_none());
        assert!(f.login("john", "doe7").is_none());
        assert!(f.login("error.internal_error", "error").is_some());
        assert!(f.client(crate::protocol::DEMO_CLIENT_ID).is_some());
    }

    /// `crate::protocol` lists the built-in logins for the engine; they must be this file's.
    #[test]
    fn protocol_lists_the_built_in_logins() {
        let f = Fixtures::default();
        let listed: Vec<_> = crate::protocol::BUILTIN_LOGINS
            .iter()
            .map(|l| (l.username, l.password, l.numbered))
            .collect();
        let defined: Vec<_> = f
            .file
            .users
            .iter()
            .map(|u| {
                let numbered = u.numbered.unwrap_or(0);
                (u.username.as_str(), u.password.as_str(), numbered)
            })
            .collect();
        assert_eq!(listed, defined);
        for (username, password, _) in listed {
            assert!(f.login(username, password).is_some(), "{username}");
        }
    }

    /// `crate::protocol` lists the built-in banks for guides; they must be this file's.
    #[test]
    fn protocol_lists_the_built_in_banks() {
        let f = Fixtures::default();
        let listed: Vec<(&str, Vec<&str>)> = crate::protocol::BUILTIN_PROVIDERS
            .iter()
            .map(|p| (p.provider_id, p.selectors.to_vec()))
            .collect();
        let defined: Vec<(&str, Vec<&str>)> = f
            .file
            .providers
            .iter()
            .map(|p| {
                let selectors = p.selectors.iter().map(String::as_str).collect();
                (p.provider_id.as_str(), selectors)
            })
            .collect();
        assert_eq!(listed, defined);
        for selectors in [
            vec![],
            vec!["uk-ob-all".to_owned()],
            vec!["mock".to_owned()],
        ] {
            let words: Vec<&str> = selectors.iter().map(String::as_str).collect();
            let offered: Vec<&str> = f
                .providers_matching(&words, false)
                .iter()
                .map(|p| p.provider_id.as_str())
                .collect();
            assert_eq!(
                crate::protocol::builtin_banks_offered(&selectors),
                offered,
                "{selectors:?}"
            );
        }
    }

    #[test]
    fn unknown_field_is_located() {
        let err = Fixtures::from_yaml(
            "clients: []\nproviders: []\nusers: []\nbogus: 1\n",
            "f.yaml",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("f.yaml:4:1"), "{text}");
        assert!(text.contains("bogus"), "{text}");
    }
}
