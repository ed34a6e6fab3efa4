//! Scenario files: the serde model, loading from disk with positions, and validation.

pub mod actions;
pub mod de;
pub mod duration;
pub mod load;
pub mod model;
pub mod source;
pub mod source_map;
pub mod step;
mod yaml;

pub use actions::ActionKind;
pub use load::{LoadOptions, discover, load_files};
pub use model::{Action, Scenario, Step};
pub use source::{SourceFile, Spot};
pub use source_map::{PathSeg, SourceMap, YamlPath};
