//! Reporters: consumers of the engine's event stream. The terminal reporter prints as
//! scenarios finish.

pub mod style;
pub mod terminal;
