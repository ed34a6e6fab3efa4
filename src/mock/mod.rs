//! The TrueLayer-compatible mock. Placeholder: filled in by the mock work.
