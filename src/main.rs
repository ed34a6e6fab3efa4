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
    // A panic is a bug in obflow. Where it happened is worth printing; what it said may hold
    // a value from the run, a secret even, so that goes only into the failed scenario's
    // report, which is redacted like every other.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error{at} (a bug in obflow; please report it)"
        );
    }));
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
