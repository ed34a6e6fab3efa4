//! `obflow check` and `obflow list`: validate every file, send nothing.

use super::CommandError;
use super::inputs::load_as;
use super::output::print_stdout;
use crate::cli::LoadArgs;
use crate::exit;
use crate::template::Templates;

/// `obflow check`: every file valid, or every problem of every file.
pub fn check(args: LoadArgs) -> Result<i32, CommandError> {
    let loaded = load_as(&args, &Templates::new(), |_| |_| ())?;
    let scenarios = loaded.scenarios.len();
    print_stdout(
        format!(
            "{scenarios} scenario{} in {} file{}: all valid\n",
            plural(scenarios),
            loaded.files,
            plural(loaded.files),
        )
        .as_bytes(),
    )?;
    Ok(exit::PASSED)
}

/// `obflow list`: the selected scenarios, one a line: name, file, tags.
pub fn list(args: LoadArgs) -> Result<i32, CommandError> {
    let loaded = load_as(&args, &Templates::new(), |_| |_| ())?;
    let mut out = String::new();
    for (s, ()) in &loaded.scenarios {
        let tags = if s.tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", s.tags.join(", "))
        };
        out.push_str(&format!("{}  {}{tags}\n", s.name, s.file.display()));
    }
    print_stdout(out.as_bytes())?;
    Ok(exit::PASSED)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
