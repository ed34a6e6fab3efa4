//! What a template source looks like, found without compiling it: one expression and nothing
//! else (which keeps its type), or a plain variable (which a caller can look up directly).

/// The variable a template names when it is nothing else (`{{ account_id }}`): it renders
/// to that variable's value, which a caller holding the values can look up without building
/// a context. `None` for anything else, literals such as `{{ true }}` included.
pub fn plain_variable(source: &str) -> Option<&str> {
    let name = source.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    let identifier = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let literal = matches!(name, "true" | "false" | "none" | "True" | "False" | "None");
    (identifier && !literal).then_some(name)
}

/// Whether `source` is exactly one `{{ ... }}` and nothing else. A source whose expression
/// itself contains delimiter-like text (`{{ "}}" }}`) is conservatively treated as text.
pub(super) fn is_single_expression(source: &str) -> bool {
    let Some(inner) = source
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
    else {
        return false;
    };
    !["{{", "}}", "{%", "%}", "{#", "#}"]
        .iter()
        .any(|delimiter| inner.contains(delimiter))
}
