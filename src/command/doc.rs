//! `obflow doc`: scenarios rendered as step-by-step integration guides.

use super::CommandError;
use super::inputs::load;
use super::output::print_stdout;
use crate::cli::{DocArgs, DocFormat};
use crate::exit;
use crate::scenario::Scenario;
use crate::target::ProjectConfig;
use crate::template::Templates;

/// `obflow doc`: guides from scenarios, to stdout or one file each under `--out`.
pub fn doc(args: DocArgs) -> Result<i32, CommandError> {
    use crate::doc::{self, DocTarget, Format, GuideOptions};
    let templates = Templates::new();
    let loaded = load(&args.load, &templates)?;
    let project = ProjectConfig::read(args.config.as_deref())?;
    let target = DocTarget::resolve(&args.target, &project)?;
    let format = match args.format {
        DocFormat::Markdown => Format::Markdown,
        DocFormat::Html => Format::Html,
    };
    let options = GuideOptions {
        target: &target,
        templates: &templates,
        cli_vars: &loaded.cli_vars,
        snapshots: &args.snapshots,
    };
    let scenarios: Vec<Scenario> = loaded.scenarios.into_iter().map(|(_, s)| s).collect();
    let guides: Vec<_> = scenarios.iter().map(|s| doc::build(s, &options)).collect();
    match &args.out {
        None => {
            print_stdout(doc::render_all(&scenarios, &guides, format, &loaded.cli_vars).as_bytes())?
        }
        Some(dir) => {
            let regenerate = regenerate_command(&args);
            let files = doc::write_all(
                &scenarios,
                &guides,
                format,
                &target,
                &loaded.cli_vars,
                dir,
                &regenerate,
            )
            .map_err(|e| CommandError::Environment(e.to_string()))?;
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    Ok(exit::PASSED)
}

/// This invocation as a command line, for the index to say how to regenerate the guides:
/// the arguments that shaped them, as given.
fn regenerate_command(args: &DocArgs) -> String {
    let path = |p: &std::path::Path| p.display().to_string();
    let mut words = vec!["obflow".to_owned(), "doc".to_owned()];
    words.extend(args.load.paths.iter().map(|p| path(p)));
    for var in &args.load.vars {
        words.extend(["--var".to_owned(), var.clone()]);
    }
    if let Some(file) = &args.load.env_file {
        words.extend(["--env-file".to_owned(), path(file)]);
    }
    if let Some(filter) = &args.load.filter {
        words.extend(["--filter".to_owned(), filter.clone()]);
    }
    for tag in &args.load.tags {
        words.extend(["--tag".to_owned(), tag.clone()]);
    }
    if args.format == DocFormat::Html {
        words.extend(["--format".to_owned(), "html".to_owned()]);
    }
    if args.target != "sandbox" {
        words.extend(["--target".to_owned(), args.target.clone()]);
    }
    if let Some(config) = &args.config {
        words.extend(["--config".to_owned(), path(config)]);
    }
    if args.snapshots != std::path::Path::new("snapshots") {
        words.extend(["--snapshots".to_owned(), path(&args.snapshots)]);
    }
    if let Some(out) = &args.out {
        words.extend(["--out".to_owned(), path(out)]);
    }
    words
        .iter()
        .map(|w| shell_quoted(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word as a shell reads it back: quoted only when it needs to be.
fn shell_quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quoted;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(shell_quoted("docs/guides"), "docs/guides");
        assert_eq!(shell_quoted("my guides"), "'my guides'");
        assert_eq!(shell_quoted("it's"), r"'it'\''s'");
    }
}
