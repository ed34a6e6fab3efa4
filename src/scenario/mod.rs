//! Scenario files: the serde model, loading from disk with positions, and validation.

pub mod source;
pub mod source_map;

pub use source::SourceFile;
pub use source_map::{PathSeg, SourceMap, YamlPath};
