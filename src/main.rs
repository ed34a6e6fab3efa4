use clap::Parser;

use obflow::cli::{Cli, Command, MockArgs};

fn main() {
    let cli = Cli::parse();
    if let Command::Mock(args) = &cli.command {
        std::process::exit(run_mock(args));
    }
}

/// `obflow mock`: serve until ctrl-c. Exit 2 for bad fixtures, 3 when the mock cannot run.
fn run_mock(args: &MockArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return obflow::exit::ENVIRONMENT;
        }
    };
    match runtime.block_on(obflow::mock::serve_forever(args)) {
        Ok(()) => obflow::exit::PASSED,
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_invalid_input() {
                obflow::exit::INVALID_INPUT
            } else {
                obflow::exit::ENVIRONMENT
            }
        }
    }
}
