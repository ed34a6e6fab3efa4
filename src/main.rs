//! The `obflow` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() {
    let cli = obflow::cli::Cli::parse();
    std::process::exit(obflow::app::execute(cli));
}
