//! The commands: what `run`, `check`, `list`, `snapshots`, `doc` and the others do, from
//! parsed arguments to an exit code or a [`CommandError`], which `main` prints once.

mod check;
mod doc;
mod error;
mod execute;
mod inputs;
mod mock;
mod output;
mod run;
mod snapshots;

pub use error::CommandError;
pub use execute::execute;
