//! A guide's "Before you start": the environment, what the reader needs (a Console client
//! and the scopes it must have enabled against TrueLayer, a running `obflow mock` against
//! the mock; bash, curl and jq), and the exports every later command uses. Prerequisites
//! come from what the scenario does: a `signupplus` scope asks for it to be enabled in
//! Console, as TrueLayer's "Data only integration" guide says in its step 1.1.

use super::steps::Flow;
use super::{Block, DocTarget};
use crate::secret::is_secret_name;

/// The introduction, once the steps are known (`flow` has seen them all).
pub(super) fn intro(target: &DocTarget, flow: &Flow<'_>, env: &[String]) -> Vec<Block> {
    let hosts = if target.auth_url == target.api_url {
        format!("`{}`", target.auth_url)
    } else {
        format!(
            "the auth server `{}` and the API host `{}`",
            target.auth_url, target.api_url
        )
    };
    let mut blocks = vec![Block::Text(format!(
        "Use the same environment for all of your requests. This guide uses {}: {hosts}.",
        target.environment()
    ))];
    let mut needs = Vec::new();
    match target.mock_command() {
        Some(command) => {
            blocks.push(Block::Text(
                "Start the mock in another terminal (it serves every host of this guide, with demo data and no network):"
                    .to_owned(),
            ));
            blocks.push(Block::Code {
                lang: "console",
                text: command,
            });
        }
        None => needs.push(format!(
            "A client in TrueLayer Console, for {}: its `client_id` and `client_secret`, with `{}` among its allowed redirect URIs.",
            match target.name.as_str() {
                "live" => "the live environment",
                "sandbox" => "the sandbox environment",
                _ => "the environment this target stands for",
            },
            target.redirect_uri
        )),
    }
    if flow.scopes.iter().any(|s| s == "signupplus") {
        needs.push(if target.is_mock {
            "The `signupplus` scope: the mock's demo client may ask for it. Against TrueLayer, enable it for your `client_id` in Console under Data API > Auth link builder > Product Permissions.".to_owned()
        } else {
            "The `signupplus` scope enabled for your `client_id`: in Console under Data API > Auth link builder > Product Permissions. It is available by default in the sandbox environment; to use it in the live environment, contact Support.".to_owned()
        });
    }
    needs.push(
        "bash, curl (7.84 or later) and jq. Run the commands in order in one shell: each step uses the variables the earlier ones set."
            .to_owned(),
    );
    blocks.push(Block::List {
        title: "You need:".to_owned(),
        items: needs,
    });

    let mut exports = Vec::new();
    match &target.client_id {
        Some(id) => {
            blocks.push(Block::Text(format!(
                "The mock's demo client is `{id}`. Export its secret first (it is listed with the mock's fixtures in obflow's docs/mock.md; obflow writes no client secret into a guide), then run:"
            )));
            exports.push(format!("export CLIENT_ID=\"{id}\""));
            exports.push(
                "export CLIENT_SECRET=\"${CLIENT_SECRET:?export the secret of the demo client first (docs/mock.md)}\""
                    .to_owned(),
            );
        }
        None => {
            blocks.push(Block::Text(
                "Export your client's credentials (from Console) and the redirect URI registered for it; the commands below use them:"
                    .to_owned(),
            ));
            exports.push("export CLIENT_ID=\"your-client-id\"".to_owned());
            exports.push("export CLIENT_SECRET=\"your-client-secret\"".to_owned());
        }
    }
    exports.push(format!("export REDIRECT_URI=\"{}\"", target.redirect_uri));
    if flow.needs_password {
        exports.push(
            "export PASSWORD=\"${PASSWORD:?export the password of the bank user first}\""
                .to_owned(),
        );
    }
    for name in env {
        // A secret from the environment stays there; the guide only says it is needed.
        let hint = if is_secret_name(name) {
            "export it first"
        } else {
            "the scenario reads it from the environment"
        };
        exports.push(format!("export {name}=\"${{{name}:?{hint}}}\""));
    }
    if flow.reads_redirect {
        exports.push(super::shell::QUERY_PARAM.to_owned());
    }
    blocks.push(Block::Code {
        lang: "shell",
        text: exports.join("\n"),
    });
    blocks
}
