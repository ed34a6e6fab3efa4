//! What each action looks like in a guide: the same requests the engine sends (see
//! `run::steps`), as shell that runs as printed — curl commands with placeholders, the
//! variables they set for later steps, and for the steps a person does (`await_code`) what
//! they do: in a browser against TrueLayer, with curl through the mock's HTML forms against
//! the obflow mock. Each action also says what it adds to the guide's sequence diagram.
//!
//! A step expected to be refused shows the request as it fails: a value the scenario leaves
//! out is absent, a wrong value written in the step is shown as written (it is the point of
//! the step, not a credential), and nothing claims success.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::curl::{Body, Curl, shell_word, with_query};
use super::diagram::{Item, Party};
use super::shell::{self, Display, Read};
use super::values::{has_placeholder, placeholder};
use super::{Block, DocTarget};
use crate::run::DEFAULT_SCOPES;
use crate::scenario::ActionKind;
use crate::scenario::actions::{
    ApiParams, AuthLinkParams, AwaitCodeParams, CodeSource, CodeVerifier, ExchangeParams,
    ExtendParams, RefreshParams, WaitParams,
};
use crate::scenario::model::{RequestFields, value_to_text};
use crate::secret::is_secret_field;

/// What the guide knows of the token session as it goes, without running: the engine keeps
/// the same facts in `run::session`.
#[derive(Debug)]
pub struct Flow<'a> {
    pub target: &'a DocTarget,
    /// The redirect URI of the last auth link.
    pub redirect_uri: String,
    /// Whether the last auth link used PKCE (the exchange then sends the verifier).
    pub pkce: bool,
    /// Whether the last link to open came from an `extend` answer.
    pub link_from_extend: bool,
    /// The variable that holds that link: `USER_INPUT_LINK`, or `<ID>_USER_INPUT_LINK` for
    /// an extend step with an id (as a later `steps.<id>.json.user_input_link` names it).
    pub extend_link_var: String,
    /// Whether the last auth link asked for `offline_access` (`None`: a template decides).
    pub offline: Option<bool>,
    /// The last auth link's `response_mode`.
    pub response_mode: Option<String>,
    /// The banks the last auth link offers, for the mock's bank choice.
    pub providers: Vec<String>,
    pub provider_id: Option<String>,
    /// Every scope an auth link asks for, for the prerequisites.
    pub scopes: Vec<String>,
    /// Whether a step reads the redirect (the guide then defines `query_param`).
    pub reads_redirect: bool,
    /// Whether a bank login's password is not shown (the reader exports `$PASSWORD`).
    pub needs_password: bool,
}

impl<'a> Flow<'a> {
    pub fn new(target: &'a DocTarget) -> Flow<'a> {
        Flow {
            target,
            redirect_uri: target.redirect_uri.clone(),
            pkce: false,
            link_from_extend: false,
            extend_link_var: "user_input_link".to_owned(),
            offline: None,
            response_mode: None,
            providers: target.providers.clone(),
            provider_id: None,
            scopes: Vec::new(),
            reads_redirect: false,
            needs_password: false,
        }
    }
}

/// One step as the builder hands it over.
pub struct StepInput<'s> {
    pub kind: ActionKind,
    /// The step's id, which names what later steps read of its answer.
    pub id: Option<&'s str>,
    /// The parameters, rendered: secrets as placeholders.
    pub params: &'s Value,
    /// The bank login's password when the mock publishes it (`await_code` on a mock target).
    pub demo_password: Option<String>,
    /// Whether the step expects a refusal (a 4xx or 5xx status).
    pub refusal: bool,
    /// The one status the step expects, when it names one.
    pub status: Option<u64>,
    /// The step's plain equality checks on the answer, rendered: `$.action_needed` says
    /// which branch of an extend answer follows.
    pub equalities: &'s [(String, Value)],
}

/// An action in the guide.
pub struct Described {
    pub title: String,
    /// Prose before the command.
    pub before: Vec<Block>,
    pub command: Option<Command>,
    /// Prose after it, for a step that succeeds.
    pub after: Vec<Block>,
    /// Its rows in the sequence diagram.
    pub diagram: Vec<Item>,
    /// What it does to the connection's status.
    pub effect: Effect,
}

/// The command a step runs.
pub enum Command {
    /// A request; the builder adds what the step keeps of the answer and any loop.
    Http {
        curl: Curl,
        reads: Vec<Read>,
        display: Display,
    },
    /// Shell written whole.
    Script(String),
}

/// What a step does to the connection, for the lifecycle diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    None,
    Authorised { again: bool },
    Exchanged,
    Waited(u64),
    Extended,
    ExtensionNeedsTheUser,
}

/// A step's title and what it shows, from its rendered parameters.
pub fn describe(input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let params = input.params;
    match input.kind {
        ActionKind::AuthLink => auth_link(read(params), flow),
        ActionKind::AwaitCode => await_code(read(params), input, flow),
        ActionKind::Exchange => exchange(read(params), input, flow),
        ActionKind::Refresh => refresh(read(params), input, flow),
        ActionKind::Extend => extend(read(params), input, flow),
        ActionKind::Wait => wait(params, flow),
        ActionKind::Request => request(params, input, flow),
        ActionKind::SignupAccounts
        | ActionKind::Me
        | ActionKind::Info
        | ActionKind::Accounts
        | ActionKind::Account
        | ActionKind::Balance
        | ActionKind::Transactions
        | ActionKind::PendingTransactions
        | ActionKind::StandingOrders
        | ActionKind::DirectDebits
        | ActionKind::Cards
        | ActionKind::Card
        | ActionKind::CardBalance
        | ActionKind::CardTransactions => api(input.kind, read(params), input, flow),
    }
}

/// Parameters were validated at load; a template may still render to another shape (a
/// placeholder where a list was): then the defaults stand in.
fn read<T: DeserializeOwned + Default>(params: &Value) -> T {
    serde_json::from_value(params.clone()).unwrap_or_default()
}

fn text(s: impl Into<String>) -> Block {
    Block::Text(s.into())
}

fn described(title: &str, before: Vec<Block>, command: Option<Command>) -> Described {
    Described {
        title: title.to_owned(),
        before,
        command,
        after: Vec::new(),
        diagram: Vec::new(),
        effect: Effect::None,
    }
}

/// The redirect URI as the guide writes it: the exported `$REDIRECT_URI` when it is the
/// target's default, as written otherwise (a scenario that sends another one on purpose).
fn redirect(flow: &Flow<'_>, uri: &str) -> String {
    if uri == flow.target.redirect_uri {
        placeholder("redirect_uri")
    } else {
        uri.to_owned()
    }
}

/// A secret parameter. A template over a secret has already become a placeholder and stays
/// one; a value written in a step that expects a refusal is the wrong value the step is
/// about, shown as written; any other written value is a credential, and its placeholder
/// stands in.
fn secret(name: &str, given: Option<String>, refusal: bool) -> String {
    match given {
        Some(v) if has_placeholder(&v) => v,
        Some(v) if refusal => v,
        _ => placeholder(name),
    }
}

/// The answer, for diagrams: the status and error a refused step expects.
fn refusal_label(input: &StepInput<'_>) -> String {
    let status = input.status;
    let error = input
        .equalities
        .iter()
        .find(|(path, _)| path == "$.error" || path == "$.title")
        .map(|(_, v)| value_to_text(v));
    match (status, error) {
        (Some(s), Some(e)) => format!("{s} {e}"),
        (Some(s), None) => s.to_string(),
        (None, Some(e)) => e,
        (None, None) => "refused".to_owned(),
    }
}

fn auth_link(p: AuthLinkParams, flow: &mut Flow<'_>) -> Described {
    let target = flow.target;
    let scope = p
        .scope
        .map(|s| s.words())
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    let providers = p
        .providers
        .map(|p| p.words())
        .unwrap_or_else(|| target.providers.clone());
    let redirect_uri = p
        .redirect_uri
        .unwrap_or_else(|| target.redirect_uri.clone());
    let mut script = Vec::new();
    let state = p.state.unwrap_or_else(|| {
        script.push(shell::random_hex("STATE"));
        placeholder("state")
    });
    let nonce = p.nonce.unwrap_or_else(|| {
        script.push(shell::random_hex("NONCE"));
        placeholder("nonce")
    });
    if p.pkce {
        script.push(shell::pkce_pair());
    }
    let mut query = vec![
        ("response_type".to_owned(), "code".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        ("redirect_uri".to_owned(), redirect(flow, &redirect_uri)),
        ("scope".to_owned(), scope.join(" ")),
        ("state".to_owned(), state),
        ("nonce".to_owned(), nonce),
    ];
    if !providers.is_empty() {
        query.push(("providers".to_owned(), providers.join(" ")));
    }
    if let Some(id) = &p.provider_id {
        query.push(("provider_id".to_owned(), id.clone()));
    }
    if let Some(mode) = &p.response_mode {
        query.push(("response_mode".to_owned(), mode.clone()));
    }
    if p.pkce {
        query.push(("code_challenge".to_owned(), placeholder("code_challenge")));
        query.push(("code_challenge_method".to_owned(), "S256".to_owned()));
    }
    for (k, v) in &p.extra {
        query.push((k.clone(), value_to_text(v)));
    }
    let link = with_query(&format!("{}/", target.auth_url), &query);
    script.push(format!("AUTH_LINK={}", shell_word(&link)));
    script.push("echo \"$AUTH_LINK\"".to_owned());
    let scopes: Vec<String> = scope.iter().map(|s| format!("`{s}`")).collect();
    let mut before = vec![text(format!(
        "The link asks for the scopes {}. `$STATE` and `$NONCE` are random values your app makes up for each link; the redirect brings the same `state` back, which your app checks before it uses the code. (`$REDIRECT_URI` goes in as it is: one with `&`, `#` or spaces would need URL-encoding.)",
        scopes.join(", ")
    ))];
    if p.pkce {
        before.push(text(
            "With PKCE, the link carries `$CODE_CHALLENGE`, the unpadded base64url SHA-256 of a random `$CODE_VERIFIER` that your app keeps for the token request.",
        ));
    }
    if !target.is_mock {
        before.push(text(
            "Console's auth link builder (Data API > Auth link builder) makes the same link.",
        ));
    }
    flow.redirect_uri = redirect_uri;
    flow.pkce = p.pkce;
    flow.link_from_extend = false;
    flow.offline = Some(scope.iter().any(|s| s == "offline_access"));
    flow.response_mode = p.response_mode;
    flow.providers = providers;
    flow.provider_id = p.provider_id;
    for s in scope {
        if !flow.scopes.contains(&s) {
            flow.scopes.push(s);
        }
    }
    let mut d = described(
        "Build the auth link",
        before,
        Some(Command::Script(script.join("\n"))),
    );
    d.diagram = vec![Item::call(
        Party::App,
        Party::User,
        format!("auth link ({})", scope_words(&query)),
    )];
    d
}

fn scope_words(query: &[(String, String)]) -> String {
    query
        .iter()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn await_code(p: AwaitCodeParams, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let declines = p.decision.as_deref() == Some("decline");
    let (link_var, opens) = match (&p.link, flow.link_from_extend) {
        (Some(link), _) if has_placeholder(link) => (link.clone(), format!("`{link}`")),
        (Some(link), _) => (link.clone(), format!("`{link}`")),
        (None, true) => (
            placeholder(&flow.extend_link_var),
            "the `user_input_link` of the extend answer".to_owned(),
        ),
        (None, false) => (placeholder("auth_link"), "the auth link".to_owned()),
    };
    let from_auth_link = p.link.is_none() && !flow.link_from_extend;
    let again = !from_auth_link;
    let user = p.user.clone().unwrap_or_else(|| "john".to_owned());
    let form_post = flow.response_mode.as_deref() == Some("form_post");
    let mut before = Vec::new();
    let title;
    if declines {
        title = "The user declines consent";
        before.push(text(format!(
            "The user opens {opens} and declines to share their data. They come back to the redirect URI with `error=access_denied` (and the `state`) instead of a code."
        )));
    } else {
        title = "The user authorises access at their bank";
        let journey = if again {
            "consents again and logs in at the same bank"
        } else {
            "selects their bank (skipped when the link offers a single provider), consents to sharing their data and logs in at the bank"
        };
        before.push(text(format!(
            "The user opens {opens}, {journey}. TrueLayer then redirects them to the redirect URI with a `code` and the `state`. The code is valid for 5 minutes, for one exchange."
        )));
    }
    let mut script = Vec::new();
    if p.via == CodeSource::Value {
        let value = p.value.as_ref().map(value_to_text).unwrap_or_default();
        if has_placeholder(&value) {
            before.push(text("The code comes from elsewhere:"));
            script.push(format!("CODE={}", shell_word(&value)));
        } else {
            // A code written in the scenario is a credential: the reader brings their own.
            before.push(text("The code comes from elsewhere: export it as `CODE`."));
            script.push("CODE=\"${CODE:?export the code from the redirect first}\"".to_owned());
        }
    } else if flow.target.is_mock {
        let password = input
            .demo_password
            .clone()
            .unwrap_or_else(|| placeholder("password"));
        if has_placeholder(&password) {
            flow.needs_password = true;
        }
        let login = if declines {
            String::new()
        } else if has_placeholder(&password) {
            format!(" logs in as `{user}` (with `$PASSWORD`, the password of that mock user)")
        } else {
            format!(" logs in as `{user}` / `{password}` (a demo login of the mock)")
        };
        before.push(text(format!(
            "Against the obflow mock, you can be the user in a browser: open the link, then copy the URL the browser is sent back to (nothing needs to listen on the redirect URI). Or do it with curl, as below, through the same HTML forms: the mock names each page's form in an `x-obflow-next` header (mock only). The user {}{login}.",
            if declines { "declines" } else { "accepts and" }
        )));
        script.extend(mock_dialog(
            flow, &link_var, declines, &user, &password, &p, form_post,
        ));
    } else {
        let how = if form_post {
            "With `response_mode=form_post`, the code arrives in a form your redirect URI receives; paste the code it holds:"
        } else {
            "In a browser, open the link and go through the dialog. Then paste the URL the browser was sent back to (with Console's redirect page it is in the address bar):"
        };
        before.push(text(how));
        if form_post {
            script.push("read -r -p 'The code: ' CODE".to_owned());
        } else {
            script.push(
                "read -r -p 'The URL the browser was sent back to: ' REDIRECT_URL".to_owned(),
            );
        }
    }
    // Against TrueLayer, a `form_post` code is pasted as it is: there is no URL to read.
    let redirect_read = flow.target.is_mock || !form_post;
    if p.via != CodeSource::Value && redirect_read {
        flow.reads_redirect = true;
        if declines {
            script.push("query_param \"$REDIRECT_URL\" error   # access_denied".to_owned());
        } else if !form_post {
            script.push("CODE=$(query_param \"$REDIRECT_URL\" code)".to_owned());
            if from_auth_link {
                script.push(
                    "test \"$(query_param \"$REDIRECT_URL\" state)\" = \"$STATE\"   # the state your app sent"
                        .to_owned(),
                );
            }
        }
    }
    if !declines {
        script.push("test -n \"$CODE\"".to_owned());
    }
    let mut after = Vec::new();
    if !flow.target.is_mock || p.via != CodeSource::Auto {
        let how = match p.via {
            CodeSource::Auto => match &p.user {
                Some(user) => format!(
                    "When obflow runs this scenario against its mock, it plays the mock bank user `{user}` in the dialog."
                ),
                None => "When obflow runs this scenario against its mock, it plays the user in the dialog.".to_owned(),
            },
            CodeSource::Browser => "When obflow runs this scenario, it goes through the dialog in a headless browser, as the target's browser plan says.".to_owned(),
            CodeSource::Listen => "When obflow runs this scenario, it waits on the redirect URI for the browser to come back.".to_owned(),
            CodeSource::Prompt => "When obflow runs this scenario, it asks for the redirect URL on the terminal.".to_owned(),
            CodeSource::Value => "When obflow runs this scenario, the code is given to it.".to_owned(),
        };
        after.push(text(how));
    }
    flow.link_from_extend = false;
    let mut d = described(title, before, Some(Command::Script(script.join("\n"))));
    d.after = after;
    let opened = if again {
        "opens the user_input_link"
    } else {
        "opens the auth link"
    };
    d.diagram = if declines {
        vec![
            Item::call(Party::User, Party::Auth, opened),
            Item::call(Party::User, Party::Auth, "declines consent"),
            Item::answer(Party::Auth, Party::App, "redirect: error=access_denied"),
        ]
    } else {
        vec![
            Item::call(Party::User, Party::Auth, format!("{opened}, consents")),
            Item::call(Party::User, Party::Bank, "logs in"),
            Item::answer(Party::Bank, Party::Auth, "authorised"),
            Item::answer(Party::Auth, Party::App, "redirect: code, state"),
        ]
    };
    d.effect = if declines {
        Effect::None
    } else {
        Effect::Authorised { again }
    };
    d
}

/// The mock's dialog with curl: the link's page, the bank choice when the link offers
/// several banks, consent, then the bank login, whose answer redirects with the code (or,
/// with `form_post`, a page holding it).
fn mock_dialog(
    flow: &Flow<'_>,
    link: &str,
    declines: bool,
    user: &str,
    password: &str,
    p: &AwaitCodeParams,
    form_post: bool,
) -> Vec<String> {
    let base = &flow.target.auth_url;
    let page = |url: String, form: Vec<(String, String)>, write_out: &str| {
        let mut curl = Curl::new(if form.is_empty() { "GET" } else { "POST" }, url);
        curl.follow = false;
        if !form.is_empty() {
            curl.body = Body::Form(form);
        }
        curl.options
            .push(format!("--output /dev/null --write-out '{write_out}'"));
        curl.render()
    };
    let next = format!("{base}{}", placeholder("next"));
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let mut lines = vec![
        "# The first page of the dialog; x-obflow-next is its form's action".to_owned(),
        format!(
            "NEXT=$({})",
            page(link.to_owned(), vec![], "%header{x-obflow-next}")
        ),
    ];
    let offered = crate::protocol::builtin_banks_offered(&flow.providers);
    // Only the auth link's banks are known; a link from elsewhere (an extension's) opens
    // after the bank was chosen.
    let from_auth_link = !flow.link_from_extend && p.link.is_none();
    if from_auth_link && flow.provider_id.is_none() && offered.len() > 1 {
        let bank = p
            .provider
            .clone()
            .or_else(|| offered.first().map(|b| (*b).to_owned()))
            .unwrap_or_else(|| "mock".to_owned());
        lines.push(format!("# Several banks are offered: choose {bank}"));
        lines.push(format!(
            "NEXT=$({})",
            page(
                next.clone(),
                vec![pair("provider_id", &bank)],
                "%header{x-obflow-next}"
            )
        ));
    }
    if declines {
        lines.push("# Consent: decline".to_owned());
        if form_post {
            lines.push(format!(
                "PAGE=$({})",
                form_page(&next, vec![pair("decision", "decline")])
            ));
            lines.push(form_field("error"));
            lines.push("REDIRECT_URL=\"?error=$ERROR\"".to_owned());
        } else {
            lines.push(format!(
                "REDIRECT_URL=$({})",
                page(next, vec![pair("decision", "decline")], "%{redirect_url}")
            ));
            lines.push("echo \"$REDIRECT_URL\"".to_owned());
        }
        return lines;
    }
    lines.push("# Consent: accept".to_owned());
    lines.push(format!(
        "NEXT=$({})",
        page(
            next.clone(),
            vec![pair("decision", "accept")],
            "%header{x-obflow-next}"
        )
    ));
    lines.push(format!("# The bank's login: {user}"));
    let login = vec![pair("username", user), pair("password", password)];
    if form_post {
        lines.push(format!("PAGE=$({})", form_page(&next, login)));
        lines.push(form_field("code"));
    } else {
        lines.push(format!(
            "REDIRECT_URL=$({})",
            page(next, login, "%{redirect_url}")
        ));
        lines.push("echo \"$REDIRECT_URL\"".to_owned());
    }
    lines
}

/// A `form_post` answer: the page holding the redirect's fields.
fn form_page(url: &str, form: Vec<(String, String)>) -> String {
    let mut curl = Curl::new("POST", url.to_owned());
    curl.follow = false;
    curl.body = Body::Form(form);
    curl.render()
}

/// `CODE=...` read from the hidden field of a `form_post` page.
fn form_field(name: &str) -> String {
    format!(
        "{}=$(printf '%s' \"$PAGE\" | sed -n 's/.*name=\"{name}\" value=\"\\([^\"]*\\)\".*/\\1/p')",
        name.to_ascii_uppercase()
    )
}

fn token_curl(flow: &Flow<'_>, form: Vec<(String, String)>) -> Curl {
    let mut curl = Curl::new("POST", format!("{}/connect/token", flow.target.auth_url));
    curl.body = Body::Form(form);
    curl
}

/// The reads of a token answer: the session's tokens, as the engine keeps them.
fn token_reads(refresh_token: Option<bool>) -> Vec<Read> {
    let mut reads = vec![Read::Json {
        var: "ACCESS_TOKEN".into(),
        jq: ".access_token".into(),
    }];
    match refresh_token {
        Some(true) => reads.push(Read::Json {
            var: "REFRESH_TOKEN".into(),
            jq: ".refresh_token".into(),
        }),
        // A template decides the scopes: keep one if it comes.
        None => reads.push(Read::Json {
            var: "REFRESH_TOKEN".into(),
            jq: ".refresh_token // empty".into(),
        }),
        Some(false) => {}
    }
    reads
}

fn exchange(p: ExchangeParams, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let refusal = input.refusal;
    let mut differences = Vec::new();
    let redirect_uri = match p.redirect_uri {
        Some(uri) if uri != flow.redirect_uri => {
            differences.push(format!(
                "the redirect URI `{uri}`, not the auth link's (`{}`)",
                redirect(flow, &flow.redirect_uri)
            ));
            uri
        }
        _ => flow.redirect_uri.clone(),
    };
    if let Some(code) = &p.code
        && refusal
        && !has_placeholder(code)
    {
        differences.push(format!("the code `{code}`"));
    }
    let client_secret = p.client_secret.clone();
    if let Some(s) = &client_secret
        && refusal
        && !has_placeholder(s)
    {
        differences.push(format!("the client secret `{s}`"));
    }
    let mut form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        (
            "client_secret".to_owned(),
            secret("client_secret", client_secret, refusal),
        ),
        ("redirect_uri".to_owned(), redirect(flow, &redirect_uri)),
        ("code".to_owned(), secret("code", p.code, refusal)),
    ];
    match &p.code_verifier {
        Some(v) if v.is_omitted() && flow.pkce => differences.push("no `code_verifier`".to_owned()),
        Some(v) if v.is_omitted() => {}
        Some(CodeVerifier::Value(v)) => {
            if refusal && !has_placeholder(v) {
                differences.push(format!("the code verifier `{v}`, not the auth link's"));
            }
            form.push((
                "code_verifier".to_owned(),
                secret("code_verifier", Some(v.clone()), refusal),
            ));
        }
        _ if flow.pkce => form.push(("code_verifier".to_owned(), placeholder("code_verifier"))),
        _ => {}
    }
    let before = if refusal {
        vec![text(refused_sentence(
            "`POST /connect/token` on the auth server, form-encoded",
            &differences,
        ))]
    } else {
        vec![text(format!(
            "`POST /connect/token` on the auth server, form-encoded, with the code from the redirect{}:",
            if flow.pkce {
                " and the PKCE verifier"
            } else {
                ""
            }
        ))]
    };
    let reads = if refusal {
        Vec::new()
    } else {
        token_reads(flow.offline)
    };
    let kept = match flow.offline {
        Some(false) => {
            "The answer holds an `access_token`, valid for 1 hour, and no `refresh_token` (the link did not ask for `offline_access`); the command keeps it as `$ACCESS_TOKEN`."
        }
        Some(true) => {
            "The answer holds an `access_token`, valid for 1 hour, and a `refresh_token` (the link asked for `offline_access`); the command keeps them as `$ACCESS_TOKEN` and `$REFRESH_TOKEN`."
        }
        None => {
            "The answer holds an `access_token`, valid for 1 hour, and, when the scope has `offline_access`, a `refresh_token`; the command keeps them as `$ACCESS_TOKEN` and `$REFRESH_TOKEN`."
        }
    };
    let mut d = described(
        "Exchange the code for an access token",
        before,
        Some(Command::Http {
            curl: token_curl(flow, form),
            reads,
            display: Display::Json,
        }),
    );
    if !refusal {
        d.after.push(text(kept));
    }
    let code = if flow.pkce {
        "code, code_verifier"
    } else {
        "code"
    };
    d.diagram = vec![
        Item::call(
            Party::App,
            Party::Auth,
            format!("POST /connect/token ({code})"),
        ),
        Item::answer(
            Party::Auth,
            Party::App,
            if refusal {
                refusal_label(input)
            } else if flow.offline == Some(false) {
                "access_token".to_owned()
            } else {
                "access_token, refresh_token".to_owned()
            },
        ),
    ];
    if !refusal {
        d.effect = Effect::Exchanged;
    }
    d
}

/// "`POST /connect/token` ..., expected to be refused: with no `code_verifier`."
fn refused_sentence(request: &str, differences: &[String]) -> String {
    if differences.is_empty() {
        format!(
            "{request}, as a successful request would be sent; it is refused because of what happened before. The command shows the answer with its status line:"
        )
    } else {
        format!(
            "{request}, expected to be refused: it is sent with {}. The command shows the answer with its status line:",
            join_words(differences)
        )
    }
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn refresh(p: RefreshParams, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let refusal = input.refusal;
    let mut differences = Vec::new();
    if let Some(t) = &p.refresh_token
        && refusal
        && !has_placeholder(t)
    {
        differences.push(format!("the refresh token `{t}`"));
    }
    let form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        (
            "client_secret".to_owned(),
            secret("client_secret", p.client_secret, refusal),
        ),
        (
            "refresh_token".to_owned(),
            secret("refresh_token", p.refresh_token, refusal),
        ),
    ];
    let before = if refusal {
        vec![text(refused_sentence(
            "`POST /connect/token` on the auth server with the refresh token",
            &differences,
        ))]
    } else {
        vec![text(
            "`POST /connect/token` on the auth server, form-encoded, with the refresh token:",
        )]
    };
    let reads = if refusal {
        Vec::new()
    } else {
        token_reads(Some(true))
    };
    let mut d = described(
        "Renew the access token with the refresh token",
        before,
        Some(Command::Http {
            curl: token_curl(flow, form),
            reads,
            display: Display::Json,
        }),
    );
    if !refusal {
        d.after.push(text(
            "The answer holds a new `access_token` and a new `refresh_token` (the old refresh token stops working); the command keeps them.",
        ));
    }
    d.diagram = vec![
        Item::call(
            Party::App,
            Party::Auth,
            "POST /connect/token (refresh_token)",
        ),
        Item::answer(
            Party::Auth,
            Party::App,
            if refusal {
                refusal_label(input)
            } else {
                "new access_token, refresh_token".to_owned()
            },
        ),
    ];
    d
}

fn extend(p: ExtendParams, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let refusal = input.refusal;
    let redirect_uri = p.redirect_uri.unwrap_or_else(|| flow.redirect_uri.clone());
    let user = p.user.unwrap_or_else(
        || json!({ "id": "obflow-user", "name": "obflow user", "email": "user@example.com" }),
    );
    let body = json!({
        "client_id": placeholder("client_id"),
        "client_secret": placeholder("client_secret"),
        "refresh_token": secret("refresh_token", p.refresh_token, refusal),
        "redirect_uri": redirect(flow, &redirect_uri),
        "user_has_reconfirmed_consent": p.user_has_reconfirmed_consent,
        "user": user,
    });
    let mut curl = Curl::new(
        "POST",
        format!("{}/connections/extend", flow.target.api_url),
    );
    curl.body = Body::Json(body);
    let consent = if p.user_has_reconfirmed_consent {
        "with the user's reconfirmed consent (`user_has_reconfirmed_consent: true`)"
    } else {
        "with `user_has_reconfirmed_consent: false`: the user has not confirmed again"
    };
    let before = if refusal {
        vec![text(format!(
            "`POST /connections/extend` on the API host, {consent}, expected to be refused. The command shows the answer with its status line:"
        ))]
    } else {
        vec![text(format!(
            "`POST /connections/extend` on the API host, {consent}:"
        ))]
    };
    let expected = input
        .equalities
        .iter()
        .find(|(path, _)| path == "$.action_needed")
        .and_then(|(_, v)| v.as_str().map(str::to_owned));
    let link_var = match input.id {
        Some(id) => format!("{id}_user_input_link"),
        None => "user_input_link".to_owned(),
    };
    let link_var_name = super::values::unmark(&placeholder(&link_var))
        .trim_start_matches('$')
        .to_owned();
    let tokens = "  ACCESS_TOKEN=$(jq -r '.access_token' <<<\"$RESPONSE\")\n  REFRESH_TOKEN=$(jq -r '.refresh_token' <<<\"$RESPONSE\")";
    let (reads, after, answer) = match (refusal, expected.as_deref()) {
        (true, _) => (Vec::new(), Vec::new(), refusal_label(input)),
        (false, Some("no_action_needed")) => (
            token_reads(Some(true)),
            vec![text(
                "The answer is `no_action_needed` with new tokens, which the command keeps: the consent runs for another 90 days.",
            )],
            "no_action_needed: new tokens".to_owned(),
        ),
        (false, Some("authentication_needed")) => (
            vec![Read::Json {
                var: link_var_name.clone(),
                jq: ".user_input_link".into(),
            }],
            vec![text(format!(
                "The answer is `authentication_needed` with a `user_input_link` (kept as `${link_var_name}`): the user goes through the dialog again."
            ))],
            "authentication_needed: user_input_link".to_owned(),
        ),
        (false, _) => (
            vec![Read::Line(format!(
                "case \"$(jq -r '.action_needed' <<<\"$RESPONSE\")\" in\nno_action_needed)\n{tokens}\n  ;;\nauthentication_needed)\n  {link_var_name}=$(jq -r '.user_input_link' <<<\"$RESPONSE\")\n  ;;\nesac"
            ))],
            vec![text(
                "The answer is either `no_action_needed` with new tokens, or `authentication_needed` with a `user_input_link` to send the user to; the command keeps what comes.",
            )],
            "new tokens, or a user_input_link".to_owned(),
        ),
    };
    let mut d = described(
        "Extend the connection",
        before,
        Some(Command::Http {
            curl,
            reads,
            display: Display::Json,
        }),
    );
    d.after = after;
    d.diagram = vec![
        Item::call(Party::App, Party::DataApi, "POST /connections/extend"),
        Item::answer(Party::DataApi, Party::App, answer),
    ];
    if !refusal {
        flow.link_from_extend = expected.as_deref() != Some("no_action_needed");
        flow.extend_link_var = link_var;
        d.effect = match expected.as_deref() {
            Some("no_action_needed") => Effect::Extended,
            Some("authentication_needed") => Effect::ExtensionNeedsTheUser,
            _ => Effect::None,
        };
    }
    d
}

fn api(kind: ActionKind, p: ApiParams, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let refusal = input.refusal;
    let encode = |id: &Option<String>, name: &str| {
        id.as_deref()
            .map(super::curl::encode_component)
            .unwrap_or_else(|| placeholder(name))
    };
    let account = encode(&p.account_id, "account_id");
    let card = encode(&p.card_id, "card_id");
    // `pending_transactions` names an account or a card; the loader made sure of one.
    let (account, card) = match kind {
        ActionKind::PendingTransactions if p.card_id.is_some() => (None, Some(card.as_str())),
        _ => (Some(account.as_str()), Some(card.as_str())),
    };
    let path = kind.api_path(account, card).unwrap_or_default();
    let title = match kind {
        ActionKind::SignupAccounts if p.account_id.is_some() => {
            "Ask the Signup+ accounts endpoint for one account"
        }
        ActionKind::SignupAccounts => "Call the Signup+ accounts endpoint",
        ActionKind::Me => "Get the connection's details from /data/v1/me",
        ActionKind::Info => "Get the user's identity from /data/v1/info",
        ActionKind::Accounts => "List the user's accounts",
        ActionKind::Balance => "Get the account's balance",
        ActionKind::Transactions if p.from.is_some() || p.to.is_some() => {
            "Get the account's transactions in a date range"
        }
        ActionKind::Transactions => "Get the account's transactions",
        ActionKind::PendingTransactions if p.card_id.is_some() => {
            "Get the card's pending transactions"
        }
        ActionKind::PendingTransactions => "Get the account's pending transactions",
        ActionKind::StandingOrders => "Get the account's standing orders",
        ActionKind::DirectDebits => "Get the account's direct debits",
        ActionKind::Cards => "List the user's cards",
        ActionKind::Card => "Get one card",
        ActionKind::CardBalance => "Get the card's balance",
        ActionKind::CardTransactions if p.from.is_some() || p.to.is_some() => {
            "Get the card's transactions in a date range"
        }
        ActionKind::CardTransactions => "Get the card's transactions",
        _ => "Get one account",
    };
    let mut query = Vec::new();
    if kind == ActionKind::SignupAccounts
        && let Some(account) = &p.account_id
    {
        query.push(("account_id".to_owned(), account.clone()));
    }
    if let Some(from) = &p.from {
        query.push(("from".to_owned(), from.clone()));
    }
    if let Some(to) = &p.to {
        query.push(("to".to_owned(), to.clone()));
    }
    let url = with_query(&format!("{}{path}", flow.target.api_url), &query);
    let mut curl = Curl::new("GET", url);
    for (k, v) in &p.headers {
        curl.headers
            .push((k.clone(), header_value(k, &value_to_text(v))));
    }
    let mut before = Vec::new();
    let shown_path = super::values::unmark(&path);
    match p.access_token.as_deref() {
        Some("") => before.push(text(format!("`GET {shown_path}` without an access token:"))),
        given => {
            let token = secret("access_token", given.map(str::to_owned), refusal);
            if let Some(t) = given
                && refusal
                && !has_placeholder(t)
            {
                before.push(text(format!(
                    "`GET {shown_path}` with the access token `{t}`, expected to be refused:"
                )));
            } else {
                before.push(text(format!(
                    "`GET {shown_path}` on the API host, with the access token as a bearer token:"
                )));
            }
            curl.headers
                .push(("Authorization".to_owned(), format!("Bearer {token}")));
        }
    }
    let party = if kind == ActionKind::SignupAccounts {
        Party::SignupPlus
    } else {
        Party::DataApi
    };
    let mut d = described(
        title,
        before,
        Some(Command::Http {
            curl,
            reads: Vec::new(),
            display: Display::Json,
        }),
    );
    let shown_query = if query.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = query.iter().map(|(k, _)| format!("{k}=…")).collect();
        format!("?{}", names.join("&"))
    };
    let answer = if refusal {
        refusal_label(input)
    } else {
        match input.equalities.iter().find(|(path, _)| path == "$.result") {
            Some((_, v)) => value_to_text(v),
            None => answer_noun(kind, p.account_id.is_some()).to_owned(),
        }
    };
    d.diagram = vec![
        Item::call(
            Party::App,
            party.clone(),
            format!("GET {}{shown_query}", short_path(&shown_path)),
        ),
        Item::answer(party, Party::App, answer),
    ];
    d
}

/// What a successful API answer holds, for the diagram.
fn answer_noun(kind: ActionKind, one_account: bool) -> &'static str {
    match kind {
        ActionKind::SignupAccounts if one_account => "that account's identity",
        ActionKind::SignupAccounts => "identity data",
        ActionKind::Me => "the connection's details",
        ActionKind::Info => "the user's identity",
        ActionKind::Accounts => "the accounts",
        ActionKind::Balance | ActionKind::CardBalance => "the balance",
        ActionKind::Transactions | ActionKind::CardTransactions => "the transactions",
        ActionKind::PendingTransactions => "the pending transactions",
        ActionKind::StandingOrders => "the standing orders",
        ActionKind::DirectDebits => "the direct debits",
        ActionKind::Cards => "the cards",
        ActionKind::Card => "the card",
        _ => "the account",
    }
}

/// An account path as a diagram shows it: `/data/v1/accounts/{id}/balance`.
fn short_path(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('$') { "{id}" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// A header value as shown: credentials become placeholders.
fn header_value(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if has_placeholder(value) {
        return value.to_owned();
    }
    if lower == "authorization" || lower == "proxy-authorization" {
        return match value.split_once(' ') {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") => {
                format!("Bearer {}", placeholder("access_token"))
            }
            Some((scheme, _)) => format!("{scheme} {}", placeholder("credentials")),
            None => placeholder("credentials"),
        };
    }
    if is_secret_field(&lower) || lower == "cookie" {
        return placeholder(&lower);
    }
    value.to_owned()
}

/// Longest real wait a sandbox guide writes as `sleep`: beyond, the guide says to come back.
const LONGEST_SLEEP_SECS: u64 = 2 * 3600;

fn wait(params: &Value, flow: &mut Flow<'_>) -> Described {
    let duration = serde_json::from_value::<WaitParams>(params.clone())
        .ok()
        .and_then(|p| crate::duration::from_value(p.duration()).ok());
    let words = match duration {
        Some(d) => human_duration(d),
        None => value_to_text(params),
    };
    let title = format!("Wait {words}");
    let secs = duration.map(|d| d.as_secs());
    let mut d = if flow.target.is_mock {
        let mut curl = Curl::new(
            "POST",
            format!("{}/__mock/clock/advance", flow.target.auth_url),
        );
        curl.headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
        let seconds = secs
            .map(|s| s.to_string())
            .unwrap_or_else(|| "0".to_owned());
        curl.body = Body::Raw(format!("{{\"seconds\": {seconds}}}"));
        described(
            &title,
            vec![text(
                "The obflow mock keeps time on a virtual clock, which its admin route `/__mock/clock/advance` (mock only, not TrueLayer) moves forward at once; against TrueLayer this is real time:",
            )],
            Some(Command::Http {
                curl,
                reads: Vec::new(),
                display: Display::Json,
            }),
        )
    } else {
        match secs {
            Some(s) if s <= LONGEST_SLEEP_SECS => described(
                &title,
                vec![text(
                    "This is real time. (When obflow runs the scenario against its mock, the mock's virtual clock moves forward at once.)",
                )],
                Some(Command::Script(format!("sleep {s}   # {words}"))),
            ),
            _ => described(
                &title,
                vec![text(format!(
                    "This is real time: come back to the next step in {words}. (When obflow runs the scenario against its mock, the mock's virtual clock moves forward at once.)"
                ))],
                None,
            ),
        }
    };
    d.diagram = vec![Item::Note(format!("{words} pass"))];
    d.effect = Effect::Waited(secs.unwrap_or(0));
    d
}

fn request(params: &Value, input: &StepInput<'_>, flow: &mut Flow<'_>) -> Described {
    let Ok(fields) = serde_json::from_value::<RequestFields>(params.clone()) else {
        return described("Send a request", Vec::new(), None);
    };
    let query: Vec<(String, String)> = fields
        .query
        .iter()
        .flat_map(|(k, v)| match v {
            Value::Array(items) => items
                .iter()
                .map(|i| (k.clone(), field_value(k, &value_to_text(i))))
                .collect::<Vec<_>>(),
            other => vec![(k.clone(), field_value(k, &value_to_text(other)))],
        })
        .collect();
    let url = with_query(&fields.url, &query);
    let mut curl = Curl::new(&fields.method, url);
    for (k, v) in &fields.headers {
        curl.headers
            .push((k.clone(), header_value(k, &value_to_text(v))));
    }
    curl.body = if let Some(form) = &fields.form {
        Body::Form(
            form.iter()
                .map(|(k, v)| (k.clone(), field_value(k, &value_to_text(v))))
                .collect(),
        )
    } else if let Some(json) = &fields.json {
        Body::Json(hide_secret_fields(json))
    } else if let Some(body) = &fields.body {
        Body::Raw(body.clone())
    } else {
        Body::None
    };
    let shown_url = super::values::unmark(&fields.url);
    let title = format!("Send `{} {shown_url}`", curl.method);
    let party = party_of(flow.target, &fields.url);
    let path = path_of(&shown_url);
    let answer = if input.refusal {
        refusal_label(input)
    } else {
        "answer".to_owned()
    };
    let method = curl.method.clone();
    let mut d = described(
        &title,
        Vec::new(),
        Some(Command::Http {
            curl,
            reads: Vec::new(),
            display: Display::Raw,
        }),
    );
    d.diagram = vec![
        Item::call(Party::App, party.clone(), format!("{method} {path}")),
        Item::answer(party, Party::App, answer),
    ];
    d
}

/// Who a `request` step calls, by its URL.
fn party_of(target: &DocTarget, url: &str) -> Party {
    let path = url
        .strip_prefix(&target.api_url)
        .or_else(|| url.strip_prefix(&target.auth_url));
    let on_auth_host = target.auth_url != target.api_url && url.starts_with(&target.auth_url);
    match path {
        Some(p) if p.starts_with("/signup-plus") => Party::SignupPlus,
        Some(p) if p.starts_with("/connect/") || p == "/" || p.starts_with("/?") => Party::Auth,
        Some(_) if on_auth_host => Party::Auth,
        Some(_) => Party::DataApi,
        None => Party::Host(
            url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "another host".to_owned()),
        ),
    }
}

/// The path of a URL, for a diagram.
fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.path().to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// A form, query or JSON field as shown: secret ones become placeholders.
fn field_value(name: &str, value: &str) -> String {
    if is_secret_field(name) && !has_placeholder(value) {
        placeholder(name)
    } else {
        value.to_owned()
    }
}

fn hide_secret_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = match v {
                        Value::String(s) => Value::String(field_value(k, s)),
                        other => hide_secret_fields(other),
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide_secret_fields).collect()),
        other => other.clone(),
    }
}

/// `6 minutes`, `1 hour and 1 minute`, `91 days`.
pub fn human_duration(d: std::time::Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{} ms", d.as_millis());
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("day", 86_400),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = secs / size;
        secs %= size;
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(human_duration(Duration::from_secs(360)), "6 minutes");
        assert_eq!(
            human_duration(Duration::from_secs(3660)),
            "1 hour and 1 minute"
        );
        assert_eq!(human_duration(Duration::from_secs(91 * 86_400)), "91 days");
    }
}
