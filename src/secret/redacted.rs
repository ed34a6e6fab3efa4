//! [`Redacted`]: a value that has been through a redactor. The engine hands reporters
//! scenario reports only in this wrapper, and its constructor is the one way to make one, so
//! every text a reporter prints has passed the scenario's final set of secrets: the choke
//! point `docs/secrets.md` describes.

use std::ops::Deref;

use super::Redactor;

/// Something whose texts can be scrubbed in place.
pub trait Redact {
    /// Replaces every secret `redactor` knows in every text this value holds.
    fn redact(&mut self, redactor: &Redactor);
}

impl Redact for String {
    fn redact(&mut self, redactor: &Redactor) {
        if let std::borrow::Cow::Owned(clean) = redactor.redact(self) {
            *self = clean;
        }
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact(&mut self, redactor: &Redactor) {
        if let Some(value) = self {
            value.redact(redactor);
        }
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self, redactor: &Redactor) {
        self.iter_mut().for_each(|v| v.redact(redactor));
    }
}

/// A value whose texts have been scrubbed by a redactor, and that redactor, for the texts a
/// reporter derives from the value (the scenario file's line under a failed check).
#[derive(Debug, Clone)]
pub struct Redacted<T> {
    value: T,
    redactor: Redactor,
}

impl<T: Redact> Redacted<T> {
    pub fn new(mut value: T, redactor: &Redactor) -> Self {
        value.redact(redactor);
        Redacted {
            value,
            redactor: redactor.clone(),
        }
    }
}

impl<T> Redacted<T> {
    /// The redactor the value went through: what a reporter renders from the value beyond
    /// its own texts goes through it too.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

impl<T> Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_scrubbed_on_the_way_in() {
        let redactor = Redactor::new();
        redactor.declare("hunter2");
        let texts = Redacted::new(
            vec![
                Some("a hunter2 b".to_owned()),
                None,
                Some("clean".to_owned()),
            ],
            &redactor,
        );
        assert_eq!(
            *texts,
            vec![Some("a *** b".to_owned()), None, Some("clean".to_owned())]
        );
    }
}
