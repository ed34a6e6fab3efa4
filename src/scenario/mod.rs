//! Scenario files: the serde model, loading from disk with positions, and validation.

pub mod actions;
pub mod de;
pub mod load;
pub mod model;
pub mod step;

pub use actions::ActionKind;
pub use load::{LoadOptions, discover, load_files};
pub use model::{Action, Scenario, Step};

#[cfg(test)]
mod fuzz_tests;
