//! The shell around a guide's commands, so the guide runs as printed: an answer that later
//! steps need is kept in `$RESPONSE` and read with `jq -r` into the variables those steps
//! use (`ACCESS_TOKEN=$(jq -r '.access_token' <<<"$RESPONSE")`), headers and the status
//! from a `--dump-header` file, and a `for_each` step becomes a loop. Everything here is
//! bash (`<<<`, `read -r -p`); the only tools are curl, jq and coreutils (`sha256sum` for
//! PKCE, which macOS calls `shasum -a 256`).

use super::curl::Curl;

/// The variable holding the last answer a step keeps.
const RESPONSE: &str = "RESPONSE";

/// A value a step keeps for later steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// `VAR=$(jq -r 'FILTER' <<<"$RESPONSE")`: one line per node for a list.
    Json { var: String, jq: String },
    /// A response header (the first one of that name).
    Header { var: String, name: String },
    /// The status code.
    Status { var: String },
    /// A line of shell written by the action itself (the extend answer's two branches).
    Line(String),
}

impl Read {
    fn var(&self) -> Option<&str> {
        match self {
            Read::Json { var, .. } | Read::Header { var, .. } | Read::Status { var } => Some(var),
            Read::Line(_) => None,
        }
    }

    fn needs_headers(&self) -> bool {
        matches!(self, Read::Header { .. } | Read::Status { .. })
    }
}

/// How an answer is printed for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Pretty-printed by `jq .` (every typed step answers JSON).
    Json,
    /// As it comes (a `request` whose answer may not be JSON, an answer with `--include`).
    Raw,
}

/// The command of one request with what the step keeps of its answer. Reads of the same
/// variable are kept once (the last wins, as in a run).
pub fn request(mut curl: Curl, reads: &[Read], display: Display) -> String {
    let mut kept: Vec<&Read> = Vec::new();
    for read in reads {
        if let Some(var) = read.var() {
            kept.retain(|k| k.var() != Some(var));
        }
        kept.push(read);
    }
    let headers = kept.iter().any(|r| r.needs_headers());
    let mut out = String::new();
    if headers {
        out.push_str("HEADERS=$(mktemp)\n");
        curl.options.push("--dump-header \"$HEADERS\"".to_owned());
    }
    if kept.is_empty() {
        let command = curl.render();
        match display {
            Display::Json => out.push_str(&pipe_after_options(&command, "| jq .")),
            Display::Raw => {
                out.push_str(&command);
                // curl prints the body without a final newline.
                out.push_str("\necho");
            }
        }
        return out;
    }
    out.push_str(&format!("{RESPONSE}=$("));
    out.push_str(&curl.render());
    if curl_has_heredoc(&out) {
        out.push_str("\n)");
    } else {
        out.push(')');
    }
    out.push('\n');
    out.push_str(match display {
        Display::Json => "jq . <<<\"$RESPONSE\"",
        Display::Raw => "echo \"$RESPONSE\"",
    });
    for read in kept {
        out.push('\n');
        out.push_str(&read_line(read));
    }
    out
}

fn read_line(read: &Read) -> String {
    match read {
        Read::Json { var, jq } => format!(
            "{var}=$(jq -r {} <<<\"${RESPONSE}\")",
            super::curl::shell_word(jq)
        ),
        Read::Header { var, name } => format!(
            "{var}=$(grep -i {} \"$HEADERS\" | head -n 1 | cut -d: -f2- | tr -d '\\r' | sed 's/^ *//')",
            super::curl::shell_word(&format!("^{name}:"))
        ),
        Read::Status { var } => format!("{var}=$(head -n 1 \"$HEADERS\" | cut -d' ' -f2)"),
        Read::Line(line) => line.clone(),
    }
}

fn curl_has_heredoc(text: &str) -> bool {
    text.lines().any(|l| l.ends_with("<<EOF"))
}

/// `| jq .` after the command's last option line: before a here-document's text, which
/// must stay last.
fn pipe_after_options(command: &str, pipe: &str) -> String {
    match command.find("<<EOF\n") {
        Some(at) => {
            let split = at + "<<EOF".len();
            format!("{} {pipe}{}", &command[..split], &command[split..])
        }
        None => format!("{command} {pipe}"),
    }
}

/// What a `for_each` loop goes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    /// A list a step captured: one item per line of the variable.
    Lines(String),
    /// Items written in the scenario, as shell words.
    Words(Vec<String>),
}

/// `body` run once per item, with `var` holding the item. A here-document's lines are not
/// indented: its `EOF` must start its line.
pub fn each(var: &str, items: &Items, body: &str) -> String {
    let mut inner = String::new();
    let mut in_heredoc = false;
    for line in body.lines() {
        if in_heredoc {
            inner.push_str(line);
            if line == "EOF" {
                in_heredoc = false;
            }
        } else {
            inner.push_str("  ");
            inner.push_str(line);
            in_heredoc = line.ends_with("<<EOF") || line.ends_with("<<EOF | jq .");
        }
        inner.push('\n');
    }
    match items {
        Items::Lines(list) => format!("while IFS= read -r {var}; do\n{inner}done <<<\"${list}\""),
        Items::Words(words) => format!("for {var} in {}; do\n{inner}done", words.join(" ")),
    }
}

/// A random value for the auth link (state, nonce): 32 hex digits from the kernel.
pub fn random_hex(var: &str) -> String {
    format!("{var}=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')")
}

/// The PKCE pair (RFC 7636, S256): a random verifier of 64 hex digits (within the 43 to
/// 128 characters allowed) and its challenge, the unpadded base64url SHA-256 of it.
pub fn pkce_pair() -> String {
    [
        "CODE_VERIFIER=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \\n')",
        "CODE_CHALLENGE=$(printf '%b' \"$(printf '%s' \"$CODE_VERIFIER\" | sha256sum | cut -c1-64 | sed 's/../\\\\x&/g')\" \\",
        "  | base64 | tr '+/' '-_' | tr -d '=\\n')",
    ]
    .join("\n")
}

/// The helper that reads a parameter of the redirect URL.
pub const QUERY_PARAM: &str = "# The value of a query parameter of a URL: query_param URL NAME\nquery_param() { printf '%s\\n' \"$1\" | sed -n \"s/.*[?&]$2=\\([^&#]*\\).*/\\1/p\"; }";

#[cfg(test)]
mod tests {
    use super::super::curl::{Body, Curl};
    use super::*;

    #[test]
    fn reads_keep_the_answer_and_set_each_variable_once() {
        let curl = Curl::new("GET", "https://api.example/x".to_owned());
        let text = request(
            curl,
            &[
                Read::Json {
                    var: "ID".into(),
                    jq: ".a[0].id".into(),
                },
                Read::Status { var: "CODE".into() },
                Read::Json {
                    var: "ID".into(),
                    jq: ".b".into(),
                },
            ],
            Display::Json,
        );
        assert!(text.starts_with("HEADERS=$(mktemp)\nRESPONSE=$(curl --location 'https://api.example/x' \\\n--dump-header \"$HEADERS\" \\\n"), "{text}");
        assert!(
            text.contains("--fail-with-body)\njq . <<<\"$RESPONSE\"\n"),
            "{text}"
        );
        assert!(!text.contains(".a[0].id"), "{text}");
        assert!(
            text.ends_with("ID=$(jq -r '.b' <<<\"$RESPONSE\")"),
            "{text}"
        );
    }

    #[test]
    fn a_heredoc_stays_last_and_unindented_in_a_loop() {
        let mut curl = Curl::new("POST", "https://api.example/x".to_owned());
        curl.body = Body::Json(serde_json::json!({ "a": 1 }));
        let text = request(curl, &[], Display::Json);
        assert!(text.contains("<<EOF | jq .\n{"), "{text}");
        let looped = each("X", &Items::Words(vec!["'a'".into()]), &text);
        assert!(looped.starts_with("for X in 'a'; do\n  curl"), "{looped}");
        assert!(looped.contains("\n  \"a\": 1\n}\nEOF\ndone"), "{looped}");
    }
}
