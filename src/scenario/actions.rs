//! The actions a step can take, and the parameters each one accepts.
//!
//! Parameters stay template trees until the engine renders them; the structs here say what
//! shape they must have, so a misspelt parameter is caught at load with a suggestion, and the
//! engine reads the rendered tree through the same struct.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Every action a step can take. Each is one keyword in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Request,
    AuthLink,
    AwaitCode,
    Exchange,
    Refresh,
    SignupAccounts,
    Me,
    Accounts,
    Account,
    Balance,
    Transactions,
    PendingTransactions,
    StandingOrders,
    DirectDebits,
    Info,
    Cards,
    Card,
    CardBalance,
    CardTransactions,
    Extend,
    Wait,
}

impl ActionKind {
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Request,
        ActionKind::AuthLink,
        ActionKind::AwaitCode,
        ActionKind::Exchange,
        ActionKind::Refresh,
        ActionKind::SignupAccounts,
        ActionKind::Me,
        ActionKind::Accounts,
        ActionKind::Account,
        ActionKind::Balance,
        ActionKind::Transactions,
        ActionKind::PendingTransactions,
        ActionKind::StandingOrders,
        ActionKind::DirectDebits,
        ActionKind::Info,
        ActionKind::Cards,
        ActionKind::Card,
        ActionKind::CardBalance,
        ActionKind::CardTransactions,
        ActionKind::Extend,
        ActionKind::Wait,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            ActionKind::Request => "request",
            ActionKind::AuthLink => "auth_link",
            ActionKind::AwaitCode => "await_code",
            ActionKind::Exchange => "exchange",
            ActionKind::Refresh => "refresh",
            ActionKind::SignupAccounts => "signup_accounts",
            ActionKind::Me => "me",
            ActionKind::Accounts => "accounts",
            ActionKind::Account => "account",
            ActionKind::Balance => "balance",
            ActionKind::Transactions => "transactions",
            ActionKind::PendingTransactions => "pending_transactions",
            ActionKind::StandingOrders => "standing_orders",
            ActionKind::DirectDebits => "direct_debits",
            ActionKind::Info => "info",
            ActionKind::Cards => "cards",
            ActionKind::Card => "card",
            ActionKind::CardBalance => "card_balance",
            ActionKind::CardTransactions => "card_transactions",
            ActionKind::Extend => "extend",
            ActionKind::Wait => "wait",
        }
    }

    pub fn from_keyword(word: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .iter()
            .copied()
            .find(|k| k.keyword() == word)
    }

    /// Whether the action calls an HTTP endpoint and so succeeds by default only on 2xx.
    pub fn is_http(self) -> bool {
        !matches!(
            self,
            ActionKind::AuthLink | ActionKind::AwaitCode | ActionKind::Wait
        )
    }

    /// For a Data API or Signup+ call (a GET with the session's token, read through
    /// [`ApiParams`]), which id it names; `None` for every other action.
    pub fn api_target(self) -> Option<ApiTarget> {
        use ActionKind as K;
        Some(match self {
            K::SignupAccounts => ApiTarget::OptionalAccount,
            K::Me | K::Accounts | K::Info | K::Cards => ApiTarget::Nothing,
            K::Account | K::Balance | K::Transactions | K::StandingOrders | K::DirectDebits => {
                ApiTarget::Account
            }
            K::Card | K::CardBalance | K::CardTransactions => ApiTarget::Card,
            K::PendingTransactions => ApiTarget::AccountOrCard,
            K::Request | K::AuthLink | K::AwaitCode | K::Exchange | K::Refresh | K::Extend => {
                return None;
            }
            K::Wait => return None,
        })
    }

    /// The Data API or Signup+ path this action calls, with the ids as given (already
    /// percent-encoded, or placeholders in a guide). `None` when the action is not such a call
    /// or lacks the id it needs (the loader refuses that, see [`ApiTarget`]).
    pub fn api_path(self, account_id: Option<&str>, card_id: Option<&str>) -> Option<String> {
        use ActionKind as K;
        let account = || account_id.map(|id| format!("/data/v1/accounts/{id}"));
        let card = || card_id.map(|id| format!("/data/v1/cards/{id}"));
        Some(match self {
            K::SignupAccounts => "/signup-plus/accounts".to_owned(),
            K::Me => "/data/v1/me".to_owned(),
            K::Info => "/data/v1/info".to_owned(),
            K::Accounts => "/data/v1/accounts".to_owned(),
            K::Cards => "/data/v1/cards".to_owned(),
            K::Account => account()?,
            K::Balance => format!("{}/balance", account()?),
            K::Transactions => format!("{}/transactions", account()?),
            K::StandingOrders => format!("{}/standing_orders", account()?),
            K::DirectDebits => format!("{}/direct_debits", account()?),
            K::Card => card()?,
            K::CardBalance => format!("{}/balance", card()?),
            K::CardTransactions => format!("{}/transactions", card()?),
            K::PendingTransactions => format!("{}/transactions/pending", account().or_else(card)?),
            _ => return None,
        })
    }

    /// Whether the call reads `from`/`to` (a transactions list).
    pub fn takes_date_range(self) -> bool {
        matches!(
            self,
            ActionKind::Transactions
                | ActionKind::PendingTransactions
                | ActionKind::CardTransactions
        )
    }
}

/// Which id a Data API or Signup+ step names, checked at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTarget {
    /// `me`, `info`, `accounts`, `cards`: no id.
    Nothing,
    /// `signup_accounts`: all linked accounts, or one by `account_id`.
    OptionalAccount,
    /// `account_id` is required; `card_id` is refused.
    Account,
    /// `card_id` is required; `account_id` is refused.
    Card,
    /// `pending_transactions`: exactly one of `account_id` and `card_id`.
    AccountOrCard,
}

/// `scope:` and `providers:` take a list or a space-separated string.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum WordList {
    List(Vec<String>),
    Text(String),
}

impl WordList {
    pub fn words(&self) -> Vec<String> {
        match self {
            WordList::List(items) => items.clone(),
            WordList::Text(text) => text.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// `auth_link`: builds the link that starts the auth dialog.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthLinkParams {
    /// Scopes, e.g. `[info, accounts, offline_access]`. Default: info accounts balance
    /// transactions offline_access.
    pub scope: Option<WordList>,
    /// Providers offered, e.g. `[uk-cs-mock]`. Default: the target's.
    pub providers: Option<WordList>,
    /// Skips bank selection.
    pub provider_id: Option<String>,
    pub redirect_uri: Option<String>,
    /// `query` (default) or `form_post`.
    pub response_mode: Option<String>,
    /// Adds a PKCE S256 challenge; `exchange` then sends the verifier.
    #[serde(default)]
    pub pkce: bool,
    /// Generated when absent.
    pub state: Option<String>,
    /// Generated when absent.
    pub nonce: Option<String>,
    /// Overrides the client id (to test an unknown client).
    pub client_id: Option<String>,
    /// Any other query parameters, added as given.
    #[serde(default)]
    pub extra: IndexMap<String, Value>,
}

/// How `await_code` gets the authorisation code.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodeSource {
    /// Plays the user in the mock's dialog over HTTP: no human.
    #[default]
    Auto,
    /// Listens on the redirect URI's loopback port for the browser to come back.
    Listen,
    /// Asks on the terminal for the redirect URL or the code.
    Prompt,
    /// Takes the code from `value`.
    Value,
    /// Goes through the dialog in a real headless browser, as the target's browser plan
    /// (or the step's `plan`) says, and takes the code from the redirect.
    Browser,
}

/// `await_code`: the user goes through the dialog and comes back with a code (or an error).
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitCodeParams {
    #[serde(default)]
    pub via: CodeSource,
    /// `auto`, `browser`: the mock user who logs in (default `john`).
    pub user: Option<String>,
    /// `auto`, `browser`: their password (default: the mock's for that user).
    pub password: Option<String>,
    /// `auto`, `browser`: the bank picked when the dialog asks (default: the first offered).
    pub provider: Option<String>,
    /// `auto`, `browser`: `accept` (default) or `decline` consent.
    pub decision: Option<String>,
    /// `value`: the code, usually a template such as `{{ env.AUTH_CODE }}`.
    pub value: Option<Value>,
    /// The link to open; default: the last `auth_link`, or the `user_input_link` of the
    /// last `extend` that asked for re-authentication.
    pub link: Option<String>,
    /// `listen` and `prompt`: how long to wait (default 5m); `browser`: how long the whole
    /// dialog may take (default 1m).
    pub timeout: Option<Value>,
    /// `listen`: open the link in the default browser.
    #[serde(default)]
    pub open_browser: bool,
    /// `browser`: what to click and type: a built-in plan's name (`obflow-mock`,
    /// `truelayer-sandbox`) or a list of actions; default: the target's plan.
    pub plan: Option<Value>,
}

/// `exchange`: the code for tokens. Everything defaults to the session's values.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeParams {
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    /// The PKCE verifier to send instead of the one the auth link made, or `false` to send
    /// none (to see a PKCE code refused without it).
    pub code_verifier: Option<CodeVerifier>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// `exchange`'s `code_verifier:`: a value, or `false` for none (`true` is the default: the
/// verifier of the last PKCE auth link).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum CodeVerifier {
    Value(String),
    Session(bool),
}

impl CodeVerifier {
    /// Whether the exchange sends no verifier at all.
    pub fn is_omitted(&self) -> bool {
        *self == CodeVerifier::Session(false)
    }

    /// The value written in the step, if it is one.
    pub fn value(&self) -> Option<&str> {
        match self {
            CodeVerifier::Value(v) => Some(v),
            CodeVerifier::Session(_) => None,
        }
    }
}

/// `refresh`: a new access token from the session's refresh token.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshParams {
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Data API and Signup+ calls.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiParams {
    /// Required for `account`, `balance`, `transactions`, `standing_orders`,
    /// `direct_debits`; optional for `signup_accounts`; for `pending_transactions`, this or
    /// `card_id`.
    pub account_id: Option<String>,
    /// Required for `card`, `card_balance`, `card_transactions`; for `pending_transactions`,
    /// this or `account_id`.
    pub card_id: Option<String>,
    /// `transactions`, `pending_transactions`, `card_transactions`: the first day (or
    /// date-time) of the range, ISO 8601, e.g. `2024-04-01`.
    pub from: Option<String>,
    /// The last day (or date-time) of the range.
    pub to: Option<String>,
    /// Overrides the session's access token (to test a bad or missing one: `""`).
    pub access_token: Option<String>,
    /// Extra request headers, e.g. `X-PSU-IP`.
    #[serde(default)]
    pub headers: IndexMap<String, Value>,
}

/// `extend`: extend the connection (UK).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendParams {
    /// `{ id, name, email }` of the user reconfirming consent.
    pub user: Option<Value>,
    #[serde(default = "yes")]
    pub user_has_reconfirmed_consent: bool,
    pub refresh_token: Option<String>,
    pub redirect_uri: Option<String>,
}

impl Default for ExtendParams {
    fn default() -> Self {
        ExtendParams {
            user: None,
            user_has_reconfirmed_consent: true,
            refresh_token: None,
            redirect_uri: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `wait: 6m` or `wait: { for: 6m }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WaitParams {
    Short(Value),
    Long(WaitLong),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitLong {
    #[serde(rename = "for")]
    pub duration: Value,
}

impl WaitParams {
    pub fn duration(&self) -> &Value {
        match self {
            WaitParams::Short(v) => v,
            WaitParams::Long(l) => &l.duration,
        }
    }
}

/// `{}` or nothing at all (`exchange:` with no value) both mean "all defaults".
pub fn empty_is_default(raw: &Value) -> Value {
    if raw.is_null() {
        Value::Object(Default::default())
    } else {
        raw.clone()
    }
}
