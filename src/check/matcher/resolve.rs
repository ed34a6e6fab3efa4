//! Getting a matcher ready for its subject: templates rendered and regexes compiled just
//! before evaluation, literals turned to text for subjects that are always text (headers).

use std::borrow::Cow;

use serde_json::Value;

use super::expected::{PatternError, compile};
use super::{Matcher, Pattern, Renderer, show};

impl Matcher {
    pub(super) fn has_templates(&self) -> bool {
        match self {
            Matcher::Equals(e)
            | Matcher::Contains(e)
            | Matcher::OneOf(e)
            | Matcher::Compare(_, e)
            | Matcher::Date(_, e) => e.templated,
            Matcher::Matches(p) => p.regex.is_none(),
            Matcher::Exists(_) | Matcher::Type(_) => false,
            Matcher::Length(m) | Matcher::Each(m) | Matcher::Not(m) => m.has_templates(),
            Matcher::All(ms) => ms.iter().any(Matcher::has_templates),
        }
    }

    /// The matcher with every template rendered and every regex compiled. An error is the
    /// render callback's message, or why the rendered value does not fit the matcher.
    pub fn resolve(&self, render: &mut Renderer<'_>) -> Result<Cow<'_, Matcher>, String> {
        if !self.has_templates() {
            return Ok(Cow::Borrowed(self));
        }
        let resolved = match self {
            Matcher::Equals(e) => Matcher::Equals(e.render(render)?),
            Matcher::Contains(e) => Matcher::Contains(e.render(render)?),
            Matcher::OneOf(e) => {
                let e = e.render(render)?;
                if !e.value.is_array() {
                    return Err(format!(
                        "`one_of` needs a list, the template gave {}",
                        show(&e.value)
                    ));
                }
                Matcher::OneOf(e)
            }
            Matcher::Compare(op, e) => Matcher::Compare(*op, e.render(render)?),
            Matcher::Date(op, e) => Matcher::Date(*op, e.render(render)?),
            Matcher::Matches(p) => {
                let rendered = render(&Value::String(p.source.clone()))?;
                let Value::String(source) = rendered else {
                    return Err(format!(
                        "`matches` needs a pattern, the template gave {}",
                        show(&rendered)
                    ));
                };
                let regex = compile(&source).map_err(|e| match e {
                    PatternError::Syntax(why) => format!(
                        "the rendered pattern {source:?} is not a valid regular expression: {why}"
                    ),
                    too_big => format!("the rendered pattern {source:?} is refused: {too_big}"),
                })?;
                Matcher::Matches(Pattern {
                    source,
                    regex: Some(regex),
                })
            }
            Matcher::Exists(_) | Matcher::Type(_) => self.clone(),
            Matcher::Length(m) => Matcher::Length(Box::new(m.resolve(render)?.into_owned())),
            Matcher::Each(m) => Matcher::Each(Box::new(m.resolve(render)?.into_owned())),
            Matcher::Not(m) => Matcher::Not(Box::new(m.resolve(render)?.into_owned())),
            Matcher::All(ms) => Matcher::All(
                ms.iter()
                    .map(|m| m.resolve(render).map(Cow::into_owned))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Cow::Owned(resolved))
    }

    /// Turns literal numbers and booleans into their text, for subjects that are always text
    /// (header values): `content-length: 42` means the header reads `42`.
    pub fn expect_text(&mut self) {
        fn stringify(value: &mut Value) {
            if matches!(value, Value::Number(_) | Value::Bool(_)) {
                *value = Value::String(value.to_string());
            }
        }
        match self {
            Matcher::Equals(e) | Matcher::Contains(e) if !e.templated => stringify(&mut e.value),
            Matcher::OneOf(e) if !e.templated => {
                if let Value::Array(items) = &mut e.value {
                    items.iter_mut().for_each(stringify);
                }
            }
            Matcher::Not(m) | Matcher::Each(m) => m.expect_text(),
            Matcher::All(ms) => ms.iter_mut().for_each(Matcher::expect_text),
            _ => {}
        }
    }
}
