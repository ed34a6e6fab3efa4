//! From the parsed command line to the command that runs it.

use super::output::print_stdout;
use super::{CommandError, check, doc, mock, run, snapshots};
use crate::cli::{Cli, Command};
use crate::exit;

/// Runs the parsed command line: the exit code of a command that ran, or what stopped it.
pub fn execute(cli: Cli) -> Result<i32, CommandError> {
    match cli.command {
        Command::Run(args) => run::run(args, cli.color.for_stdout()),
        Command::Check(args) => check::check(args),
        Command::List(args) => check::list(args),
        Command::Mock(args) => mock::mock(&args),
        Command::Snapshots(args) => snapshots::snapshots(args, cli.color.for_stdout()),
        Command::Doc(args) => doc::doc(args),
        Command::Schema => {
            print_stdout(crate::schema::scenario_schema_text().as_bytes())?;
            Ok(exit::PASSED)
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            // Into a buffer first: clap_complete panics when its writer fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "obflow", &mut script);
            print_stdout(&script)?;
            Ok(exit::PASSED)
        }
    }
}
