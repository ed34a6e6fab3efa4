//! Reporters: consumers of the engine's event stream (terminal now; JUnit and JSON later).

pub mod style;
