//! The TrueLayer-compatible mock. STUB until the mock branch lands.

/// Serves the mock on its own until interrupted; returns the exit code.
pub fn run_standalone(_args: &crate::cli::MockArgs) -> i32 {
    eprintln!("error: the mock is not built yet");
    crate::exit::ENVIRONMENT
}

pub const DEMO_CLIENT_ID: &str = "demo";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
