//! Checks (`expect`) and captures. Placeholder: filled in by the check work.
