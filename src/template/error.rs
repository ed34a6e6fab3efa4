//! [`TemplateError`]: why a template could not be compiled or rendered, made from
//! minijinja's error with the undefined expression named and its span as char offsets
//! within the template source (the caller maps them onto the scenario file).

use minijinja::ErrorKind;

/// Why a template could not be compiled or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong, e.g. "undefined variable `acount_id`" or
    /// "syntax error: unexpected `}`, expected end of variable block".
    pub message: String,
    /// The undefined expression, when that is the cause: a root name (`acount_id`) or the
    /// path as written (`steps.token.json.acess_token`).
    pub undefined: Option<String>,
    /// Char offsets (start, end) within the template source of the offending part.
    pub char_range: Option<(usize, usize)>,
}

/// Converts a minijinja error into a [`TemplateError`]: kind and detail as the message, the
/// undefined expression when that is the cause, and the span as char offsets into `source`.
pub(super) fn convert_error(err: &minijinja::Error, source: &str) -> TemplateError {
    let char_range = |range: std::ops::Range<usize>| {
        let start = source.get(..range.start)?.chars().count();
        let len = source.get(range.clone())?.chars().count();
        Some((start, start + len))
    };
    if err.kind() == ErrorKind::UndefinedError {
        // minijinja describes the origin as "`steps.token.json.acess_token` is undefined";
        // failing that, the failing span is the expression.
        let undefined = err.detail().and_then(undefined_expression).or_else(|| {
            let text = source.get(err.range()?)?.trim();
            is_path(text).then(|| text.to_owned())
        });
        let message = match &undefined {
            Some(name) if is_identifier(name) => format!("undefined variable `{name}`"),
            Some(path) => format!("undefined value `{path}`"),
            None => match err.detail() {
                Some(detail) => format!("undefined value: {detail}"),
                None => "undefined value".to_owned(),
            },
        };
        let range = err
            .range()
            .map(|range| narrow_to_missing(source, range, undefined.as_deref()));
        return TemplateError {
            message,
            undefined,
            char_range: range.and_then(char_range),
        };
    }
    let message = match (err.kind(), err.detail()) {
        (ErrorKind::OutOfFuel, _) => format!(
            "the template does more work than a render may ({} steps): a loop too long?",
            super::environment::FUEL
        ),
        (_, Some(detail)) => format!("{}: {detail}", err.kind()),
        (_, None) => err.kind().to_string(),
    };
    TemplateError {
        message,
        undefined: None,
        char_range: err.range().and_then(char_range),
    }
}

/// minijinja's span for a failed lookup covers the attribute access around it
/// (`.json.acess_token`); point at the name that is missing when it is in there.
fn narrow_to_missing(
    source: &str,
    range: std::ops::Range<usize>,
    path: Option<&str>,
) -> std::ops::Range<usize> {
    let Some(path) = path else { return range };
    let last = path
        .rsplit(['.', '['])
        .next()
        .unwrap_or(path)
        .trim_end_matches(']')
        .trim_matches(['"', '\'']);
    if last.is_empty() {
        return range;
    }
    let Some(text) = source.get(range.clone()) else {
        return range;
    };
    // Only an attribute or item access counts: `.name`, `["name"]`, `[0]`, not the `b` in
    // a filter called `b64encode`.
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let found = text.rmatch_indices(last).find(|&(offset, _)| {
        let start = range.start + offset;
        let before = source[..start].chars().next_back();
        let after = source[start + last.len()..].chars().next();
        matches!(before, Some('.' | '[' | '"' | '\'')) && !after.is_some_and(is_ident)
    });
    if let Some((offset, _)) = found {
        return range.start + offset..range.start + offset + last.len();
    }
    // The error was raised elsewhere (a filter receiving the undefined value): point at the
    // path itself when it is written exactly once.
    let mut occurrences = source.match_indices(path);
    match (occurrences.next(), occurrences.next()) {
        (Some((start, _)), None) => {
            let end = start + path.len();
            match source[start..end].rfind(last) {
                Some(offset) => start + offset..start + offset + last.len(),
                None => start..end,
            }
        }
        _ => range,
    }
}

/// The expression in minijinja's "`expr` is undefined" description.
fn undefined_expression(detail: &str) -> Option<String> {
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')? + 1;
    Some(detail[start..end].to_owned())
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// A plain variable path such as `a.b[0].c` or `a["b"]`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '\'' | '-'))
}
