//! Where things are written: YAML files read once into values and positions, paths into
//! them, source locations, and the located diagnostics every layer reports problems with.

mod de;
mod diagnostic;
mod file;
mod map;
mod read;
pub mod yaml;

pub use de::deserialize;
pub use diagnostic::{Diagnostic, Location, closest};
pub use file::{SourceFile, Spot};
pub use map::{Mark, NodeSpan, PathSeg, SourceMap, YamlPath};
pub use read::{MAX_BYTES, ReadError, inside, read_text};
