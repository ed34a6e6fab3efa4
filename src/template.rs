//! Templates (minijinja). Placeholder: filled in by the template work.
