//! Checks (`expect`) and captures.
pub mod jsonpath;
