//! [`Guide`]: a scenario as a guide — its diagrams, an introduction and numbered steps of
//! [`Block`]s — which the Markdown and HTML renderers print; and the description's first
//! sentence their indexes show.

use super::diagram::{Lifecycle, Sequence};

/// One scenario as a guide.
#[derive(Debug, Clone)]
pub struct Guide {
    pub title: String,
    pub description: Option<String>,
    /// The scenario file, as the user named it.
    pub source: String,
    /// The file name the guide is written to, without extension.
    pub stem: String,
    /// The steps between the user, the app and TrueLayer, which the guide opens with.
    pub sequence: Sequence,
    /// The connection's statuses, for a scenario that takes it past `active`.
    pub lifecycle: Option<Lifecycle>,
    pub intro: Vec<Block>,
    pub steps: Vec<GuideStep>,
}

#[derive(Debug, Clone)]
pub struct GuideStep {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// A piece of a guide. Text is Markdown limited to code spans, which both renderers know.
/// A `shell` code block is a command of the guide, run in order with the others (the
/// guides test runs them); `console` is a command for another terminal; `text` and `json`
/// are output.
#[derive(Debug, Clone)]
pub enum Block {
    Text(String),
    Code { lang: &'static str, text: String },
    List { title: String, items: Vec<String> },
}

/// The first sentence of a description, for the index.
pub(super) fn summary(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    // A full stop ends the sentence, an ellipsis (`?account_id=...`) does not.
    let end = flat
        .match_indices(". ")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || !flat[..i].ends_with('.'));
    match end {
        Some(end) => flat[..=end].to_owned(),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(summary("One. Two."), "One.");
        assert_eq!(summary("With ?a=... more. Two."), "With ?a=... more.");
    }
}
