use clap::Parser;

fn main() {
    let cli = obflow::cli::Cli::parse();
    let _ = cli;
}
