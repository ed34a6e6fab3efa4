//! Exit codes, in one place so the README and the code cannot disagree.

/// Every scenario passed (or, for `check` and `list`, every file is valid).
pub const PASSED: i32 = 0;
/// At least one scenario failed.
pub const FAILED: i32 = 1;
/// Invalid input: bad usage, a missing path, an invalid scenario file, missing credentials.
pub const INVALID_INPUT: i32 = 2;
/// The run could not be carried out: the mock could not start, a report could not be
/// written, an I/O error outside any scenario.
pub const ENVIRONMENT: i32 = 3;
