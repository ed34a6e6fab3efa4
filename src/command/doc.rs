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
            let files = doc::write_all(&scenarios, &guides, format, &target, &loaded.cli_vars, dir)
                .map_err(|e| CommandError::Environment(e.to_string()))?;
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    Ok(exit::PASSED)
}
