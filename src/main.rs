//! The `obflow` binary: parse arguments, run the command, print what stopped it, exit with
//! its code.

use std::io::Write;

use clap::Parser;

// The engine allocates many small, short-lived values across threads (requests, responses,
// template contexts); mimalloc does that far faster than the system allocator. Built
// without transparent huge pages (`no_thp`): with them each thread's heap held megabytes it
// never used, for no speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = obflow::cli::Cli::parse();
    let stderr = cli.color.for_stderr();
    let code = match obflow::command::execute(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = std::io::stderr().write_all(e.render(&stderr).as_bytes());
            e.exit_code()
        }
    };
    std::process::exit(code);
}
