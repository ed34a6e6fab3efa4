//! `await_code: { via: prompt }`: shows the link and asks the person at the terminal to paste
//! the URL they were redirected to (or just the code). With no terminal (CI) it fails at
//! once instead of hanging.

use std::io::IsTerminal;
use std::time::Duration;

use super::super::super::executor::{ScenarioState, StepError};
use super::Callback;
use crate::scenario::Step;

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    link: &str,
    timeout: Duration,
) -> Result<Callback, StepError> {
    if !std::io::stdin().is_terminal() {
        return Err(step
            .source
            .error_at(&step.action.path, "`await_code` with `via: prompt` needs a terminal, and there is none")
            .help("in CI use `via: auto` against the mock, or `via: value` with the code in an environment variable")
            .into());
    }
    // One question at a time, even when scenarios run concurrently.
    let _turn = state.run.prompt_lock.lock().await;
    state.notice(format!(
        "[{}] open this link and log in:\n    {link}\n  then paste the URL you were sent back to (or the code) and press Enter:",
        state.scenario.name
    ));
    let line = tokio::time::timeout(
        timeout,
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        }),
    )
    .await;
    let line = match line {
        Ok(Ok(Ok(line))) => line.trim().to_owned(),
        Ok(_) => {
            return Err(step
                .source
                .error_at(
                    &step.action.path,
                    "could not read the answer from the terminal",
                )
                .into());
        }
        Err(_) => {
            return Err(step
                .source
                .error_at(&step.action.path, "no answer came before the timeout")
                .help("raise `timeout:` on the step")
                .into());
        }
    };
    Ok(parse_answer(&line))
}

/// A pasted redirect URL, a pasted query string, or a bare code.
pub fn parse_answer(answer: &str) -> Callback {
    if answer.contains("code=") || answer.contains("error=") {
        let query = answer
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or(answer)
            .split('#')
            .next()
            .unwrap_or("");
        Callback::from_query(query)
    } else {
        Callback {
            code: Some(answer.to_owned()).filter(|c| !c.is_empty()),
            ..Callback::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_answer;

    #[test]
    fn accepts_urls_queries_and_bare_codes() {
        assert_eq!(
            parse_answer("http://localhost:3000/callback?code=c1&state=s")
                .code
                .as_deref(),
            Some("c1")
        );
        assert_eq!(parse_answer("code=c2&state=s").code.as_deref(), Some("c2"));
        assert_eq!(parse_answer("c3").code.as_deref(), Some("c3"));
        assert_eq!(
            parse_answer("https://x/cb?error=access_denied")
                .error
                .as_deref(),
            Some("access_denied")
        );
        assert!(parse_answer("").is_empty());
    }
}
