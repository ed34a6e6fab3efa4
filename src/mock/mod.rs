//! The TrueLayer-compatible mock. STUB until the mock branch lands.

/// Serves the mock on its own until interrupted; returns the exit code.
pub fn run_standalone(_args: &crate::cli::MockArgs) -> i32 {
    eprintln!("error: the mock is not built yet");
    crate::exit::ENVIRONMENT
}

pub const DEMO_CLIENT_ID: &str = "demo";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
pub const CLOCK_HEADER: &str = "x-obflow-clock";
pub const NEXT_HEADER: &str = "x-obflow-next";
pub const ERROR_HEADER: &str = "x-obflow-error";
pub fn default_password(_user: &str) -> Option<String> {
    None
}
pub struct MockOptions;
impl MockOptions {
    pub fn loopback() -> Self {
        MockOptions
    }
}
pub struct RunningMock;
impl RunningMock {
    pub fn base_url(&self) -> &str {
        ""
    }
}
pub async fn start(_o: MockOptions) -> Result<RunningMock, String> {
    Err("not built".into())
}
