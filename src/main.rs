//! The `obflow` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

// The engine allocates many small, short-lived values across threads (requests, responses,
// template contexts); mimalloc does that far faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = obflow::cli::Cli::parse();
    std::process::exit(obflow::app::execute(cli));
}
