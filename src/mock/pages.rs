//! The auth dialog's HTML: plain server-rendered pages with plain forms and no JavaScript
//! (except the optional auto-submit of the `form_post` page, which also has a button); or,
//! with `dialog: js`, one page whose script (`dialog.js`) builds the same forms itself.
//!
//! Every page carries stable markers for automated clients, documented in docs/mock.md:
//! `<body data-step="...">`, forms with fixed ids (`provider`, `consent`, `login`,
//! `form_post`), a hidden `dialog_id` field, and `#dialog-error` for messages.

use std::fmt::Write;

use super::fixtures::Provider;
use crate::html::escape;

/// The scopes TrueLayer knows, with what the consent page tells the user about each.
pub const SCOPES: &[(&str, &str)] = &[
    ("info", "Your name, address, email and phone number"),
    ("accounts", "Your account details: numbers and sort codes"),
    ("balance", "Your account balances"),
    ("transactions", "Your transactions"),
    ("cards", "Your card details, balances and transactions"),
    ("direct_debits", "Your direct debits"),
    ("standing_orders", "Your standing orders"),
    (
        "offline_access",
        "Access while you are not present, for up to 90 days",
    ),
    (
        "signupplus",
        "Your identity details, to fill in a sign-up form (Signup+)",
    ),
];

/// The script-built dialog: an empty page that `dialog.js` fills in, step by step.
pub fn script_page(dialog_id: &str) -> String {
    let body = format!(
        "<main id=\"app\" aria-live=\"polite\"><p>Loading…</p></main>\n<script>\n{}</script>\n",
        include_str!("dialog.js")
    );
    layout("loading", "Connecting", &body).replacen(
        "<body data-step=\"loading\">",
        &format!(
            "<body data-step=\"loading\" data-dialog=\"{}\">",
            escape(dialog_id)
        ),
        1,
    )
}

fn layout(step: &str, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · obflow mock bank</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }}
h1 {{ font-size: 1.4rem; }}
.note {{ color: #666; font-size: .85rem; }}
.error {{ color: #b00020; font-weight: 600; }}
label {{ display: block; margin: .6rem 0; }}
input[type=text], input[type=password] {{ width: 100%; padding: .4rem; box-sizing: border-box; }}
button {{ padding: .5rem 1.2rem; margin: .6rem .4rem 0 0; }}
</style>
</head>
<body data-step="{step}">
<p class="note">obflow mock — a TrueLayer-compatible test double. No real bank is involved.</p>
{body}
</body>
</html>
"#,
        title = escape(title),
    )
}

fn message_html(message: Option<&str>) -> String {
    match message {
        Some(m) => format!(
            "<p id=\"dialog-error\" class=\"error\" role=\"alert\">{}</p>\n",
            escape(m)
        ),
        None => String::new(),
    }
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// Bank selection: one radio button per bank.
pub fn provider_page(dialog_id: &str, providers: &[&Provider], message: Option<&str>) -> String {
    let mut body = String::from("<h1>Choose your bank</h1>\n");
    body.push_str(&message_html(message));
    let _ = writeln!(
        body,
        "<form id=\"provider\" method=\"post\" action=\"/dialog/{}/provider\">",
        escape(dialog_id)
    );
    body.push_str(&hidden("dialog_id", dialog_id));
    for (i, p) in providers.iter().enumerate() {
        let id = escape(&p.provider_id);
        let checked = if i == 0 { " checked" } else { "" };
        let _ = writeln!(
            body,
            "<label><input type=\"radio\" name=\"provider_id\" value=\"{id}\" id=\"provider-{id}\"{checked}> {}</label>",
            escape(&p.display_name)
        );
    }
    body.push_str("<button type=\"submit\" id=\"continue\">Continue</button>\n</form>\n");
    layout("provider", "Choose your bank", &body)
}

/// Consent: who asks, for which data, accept or decline.
pub fn consent_page(
    dialog_id: &str,
    client_id: &str,
    bank: &str,
    scopes: &[String],
    message: Option<&str>,
) -> String {
    let mut body = format!(
        "<h1>Share your data with {}</h1>\n<p>via {} — using TrueLayer (mock)</p>\n",
        escape(client_id),
        escape(bank)
    );
    body.push_str(&message_html(message));
    let _ = writeln!(
        body,
        "<form id=\"consent\" method=\"post\" action=\"/dialog/{}/consent\">",
        escape(dialog_id)
    );
    body.push_str(&hidden("dialog_id", dialog_id));
    body.push_str("<ul id=\"scopes\">\n");
    for scope in scopes {
        let text = SCOPES
            .iter()
            .find(|(s, _)| s == scope)
            .map(|(_, d)| *d)
            .unwrap_or("");
        let _ = writeln!(
            body,
            "<li data-scope=\"{s}\"><code>{s}</code> — {}</li>",
            escape(text),
            s = escape(scope)
        );
    }
    body.push_str("</ul>\n");
    body.push_str(
        "<button type=\"submit\" name=\"decision\" value=\"accept\" id=\"accept\">Allow</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"decline\" id=\"decline\">Decline</button>\n</form>\n",
    );
    layout("consent", "Consent", &body)
}

/// The bank's login form.
pub fn login_page(dialog_id: &str, bank: &str, message: Option<&str>) -> String {
    let mut body = format!("<h1>Log in to {}</h1>\n", escape(bank));
    body.push_str(&message_html(message));
    let _ = writeln!(
        body,
        "<form id=\"login\" method=\"post\" action=\"/dialog/{}/login\">",
        escape(dialog_id)
    );
    body.push_str(&hidden("dialog_id", dialog_id));
    body.push_str(
        "<label>Username <input type=\"text\" name=\"username\" id=\"username\" autocomplete=\"username\" required></label>\n\
         <label>Password <input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label>\n\
         <button type=\"submit\" id=\"submit\">Log in</button>\n</form>\n\
         <p class=\"note\">Mock users: john / doe, john / eternal, joe / blogs, multi / accounts — see docs/mock.md.</p>\n",
    );
    layout("login", "Bank login", &body)
}

/// `response_mode=form_post`: posts the result to the redirect URI (auto-submitted where
/// scripts run; the button works everywhere).
pub fn form_post_page(redirect_uri: &str, fields: &[(&str, &str)]) -> String {
    let mut body = String::from("<h1>Returning to the application</h1>\n");
    let _ = writeln!(
        body,
        "<form id=\"form_post\" method=\"post\" action=\"{}\">",
        escape(redirect_uri)
    );
    for (name, value) in fields {
        body.push_str(&hidden(name, value));
    }
    body.push_str(
        "<button type=\"submit\" id=\"continue\">Continue</button>\n</form>\n\
         <script>document.getElementById('form_post').submit();</script>\n",
    );
    layout("form_post", "Returning", &body)
}

/// A dialog that cannot go on (bad auth link, unknown or finished dialog).
pub fn error_page(error: &str, description: &str) -> String {
    let body = format!(
        "<h1>Something went wrong</h1>\n<p><code id=\"error\">{}</code></p>\n<p id=\"error_description\">{}</p>\n",
        escape(error),
        escape(description)
    );
    layout("error", "Error", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
