//! JSONPath (RFC 9535) for checks and captures: parsing a path once at load time, telling
//! singular queries from the rest, and selecting nodes from a response body.
//!
//! The engine is jsonpath-rust; this module is the only one that touches its API, so the rest
//! of `check` sees a [`JsonPathQuery`] and plain `&serde_json::Value` nodes.
//!
//! A path is *singular* when, in RFC 9535 terms (§2.3.5.1), it is made of name and index
//! selectors only (`$.a.b[0]`, `$['a'][-1]`): it selects at most one node, so a check sees that
//! node or "absent". Every other path (wildcards, slices, filters, descendants, unions) yields
//! the list of every matched node, possibly empty.

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// A parsed JSONPath, ready to query any number of responses. Cheap to clone: the parsed
/// form is shared.
#[derive(Debug, Clone)]
pub struct JsonPathQuery {
    inner: Arc<ParsedPath>,
}

#[derive(Debug)]
struct ParsedPath {
    text: String,
    query: JpQuery,
    singular: bool,
}

/// Why a JSONPath does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonPathSyntaxError {
    /// The parser's explanation, on one line.
    pub message: String,
    /// The 1-based character column in the path where parsing failed, when the parser says.
    pub column: Option<usize>,
}

/// What a query selected from a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection<'a> {
    /// A singular query: the node, or `None` when nothing matched.
    Single(Option<&'a Value>),
    /// Any other query: every matched node, in document order (possibly none).
    Nodes(Vec<&'a Value>),
}

/// Paths already parsed, by text. A suite repeats the same few paths across thousands of
/// files, and parsing one costs far more than looking it up.
static PARSED: OnceLock<Mutex<HashMap<String, JsonPathQuery>>> = OnceLock::new();

/// Enough for any real suite's distinct paths; past it, paths are parsed without caching.
const PARSED_CAPACITY: usize = 16_384;

impl JsonPathQuery {
    pub fn parse(text: &str) -> Result<JsonPathQuery, JsonPathSyntaxError> {
        let cache = PARSED.get_or_init(Default::default);
        if let Some(known) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
            return Ok(known.clone());
        }
        let parsed = Self::parse_uncached(text)?;
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < PARSED_CAPACITY {
            cache.insert(text.to_owned(), parsed.clone());
        }
        Ok(parsed)
    }

    fn parse_uncached(text: &str) -> Result<JsonPathQuery, JsonPathSyntaxError> {
        if !text.starts_with('$') {
            return Err(JsonPathSyntaxError {
                message: "a JSONPath starts with `$` (the document root)".into(),
                column: Some(1),
            });
        }
        let query = parse_json_path(text).map_err(syntax_error)?;
        let singular = query.segments.iter().all(|segment| {
            matches!(
                segment,
                Segment::Selector(Selector::Name(_) | Selector::Index(_))
            )
        });
        Ok(JsonPathQuery {
            inner: Arc::new(ParsedPath {
                text: text.to_owned(),
                query,
                singular,
            }),
        })
    }

    /// The path as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// Whether the path selects at most one node (name and index selectors only).
    pub fn is_singular(&self) -> bool {
        self.inner.singular
    }

    /// Every node the path selects, in document order.
    pub fn nodes<'a>(&self, document: &'a Value) -> Vec<&'a Value> {
        if self.inner.singular {
            return self.single_node(document).into_iter().collect();
        }
        self.library_nodes(document)
    }

    fn library_nodes<'a>(&self, document: &'a Value) -> Vec<&'a Value> {
        // The library reports an error only when a query evaluates to a computed value rather
        // than to nodes, which a root query cannot do; "no nodes" is the honest reading.
        js_path_process(&self.inner.query, document)
            .map(|refs| refs.into_iter().map(|r| r.val).collect())
            .unwrap_or_default()
    }

    /// The selection with singular/non-singular semantics applied.
    pub fn select<'a>(&self, document: &'a Value) -> Selection<'a> {
        if self.inner.singular {
            Selection::Single(self.single_node(document))
        } else {
            Selection::Nodes(self.nodes(document))
        }
    }

    /// A singular path's node, found by walking its names and indexes: the library would
    /// also build each node's normalized path, which a check never reads, at several times
    /// the cost.
    fn single_node<'a>(&self, document: &'a Value) -> Option<&'a Value> {
        let mut node = document;
        for segment in &self.inner.query.segments {
            node = match segment {
                Segment::Selector(Selector::Name(name)) => node.as_object()?.get(name)?,
                Segment::Selector(Selector::Index(index)) => {
                    let items = node.as_array()?;
                    let at = match usize::try_from(*index) {
                        Ok(at) => at,
                        // From the end: -1 is the last item.
                        Err(_) => items.len().checked_sub(index.unsigned_abs() as usize)?,
                    };
                    items.get(at)?
                }
                // Not reached: a singular path has names and indexes only.
                _ => return self.library_nodes(document).into_iter().next(),
            };
        }
        Some(node)
    }

    /// The same selection as a jq filter, for guides that read responses in the shell:
    /// `$.accounts[0].account_id` → `.accounts[0].account_id`, `$.accounts[*].id` →
    /// `.accounts[].id` (one output per node), `$..id` → `.. | objects | select(has("id")) |
    /// .id`. Filters, unions, stepped slices and descendant wildcards have no simple jq
    /// equivalent here: `None`.
    pub fn to_jq(&self) -> Option<String> {
        // Stages of a jq pipeline; names, indexes and wildcards extend the last one.
        let mut stages: Vec<String> = vec![String::new()];
        for segment in &self.inner.query.segments {
            match segment {
                Segment::Selector(selector) => {
                    let stage = stages.last_mut()?;
                    stage.push_str(&jq_selector(selector, stage.is_empty())?);
                }
                Segment::Descendant(inner) => match inner.as_ref() {
                    Segment::Selector(Selector::Name(name)) => {
                        let key = serde_json::to_string(name).ok()?;
                        if stages.last().is_some_and(String::is_empty) {
                            stages.pop();
                        }
                        stages.push("..".to_owned());
                        stages.push("objects".to_owned());
                        stages.push(format!("select(has({key}))"));
                        stages.push(jq_selector(&Selector::Name(name.clone()), true)?);
                    }
                    _ => return None,
                },
                Segment::Selectors(_) => return None,
            }
        }
        let stages: Vec<String> = stages
            .into_iter()
            .map(|s| if s.is_empty() { ".".to_owned() } else { s })
            .collect();
        Some(stages.join(" | "))
    }

    /// The member names the path ends with, skipping trailing index, slice and wildcard
    /// selectors: `$.token.access_token` → `["access_token"]`, `$.codes[0]` → `["codes"]`,
    /// `$..['code','state']` → `["code", "state"]`. Used to spot secret fields.
    pub fn last_names(&self) -> Vec<&str> {
        for segment in self.inner.query.segments.iter().rev() {
            let names = segment_names(segment);
            if !names.is_empty() {
                return names;
            }
        }
        Vec::new()
    }
}

/// One selector as a jq path step; `first` when nothing precedes it in its stage (jq then
/// needs the leading `.`: `.[0]`, `.[]`).
fn jq_selector(selector: &Selector, first: bool) -> Option<String> {
    let dot = if first { "." } else { "" };
    Some(match selector {
        Selector::Name(name) => {
            let plain = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if plain {
                format!(".{name}")
            } else {
                format!("{dot}[{}]", serde_json::to_string(name).ok()?)
            }
        }
        Selector::Index(index) => format!("{dot}[{index}]"),
        Selector::Wildcard => format!("{dot}[]"),
        Selector::Slice(start, end, None | Some(1)) => {
            let bound = |b: &Option<i64>| b.map(|n| n.to_string()).unwrap_or_default();
            format!("{dot}[{}:{}][]", bound(start), bound(end))
        }
        Selector::Slice(..) | Selector::Filter(_) => return None,
    })
}

fn segment_names(segment: &Segment) -> Vec<&str> {
    match segment {
        Segment::Descendant(inner) => segment_names(inner),
        Segment::Selector(Selector::Name(name)) => vec![name.as_str()],
        Segment::Selector(_) => Vec::new(),
        Segment::Selectors(selectors) => selectors
            .iter()
            .filter_map(|s| match s {
                Selector::Name(name) => Some(name.as_str()),
                _ => None,
            })
            .collect(),
    }
}

fn syntax_error(error: jsonpath_rust::parser::errors::JsonPathError) -> JsonPathSyntaxError {
    use jsonpath_rust::parser::errors::JsonPathError;
    match error {
        JsonPathError::PestError(pest) => {
            // pest's own Display is a multi-line snippet; the diagnostic draws its own, so keep
            // the one-line message and the column. The column is only reachable through the
            // `line_col` enum, which would need pest as a direct dependency to name; its Debug
            // form (`Pos((1, 3))` / `Span((1, 3), (1, 5))`) carries the same numbers.
            let numbers: Vec<usize> = format!("{:?}", pest.line_col)
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            JsonPathSyntaxError {
                message: pest.variant.message().into_owned(),
                column: numbers.get(1).copied(),
            }
        }
        other => JsonPathSyntaxError {
            message: other.to_string(),
            column: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(text: &str) -> JsonPathQuery {
        JsonPathQuery::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn jq_filters_select_what_the_path_selects() {
        for (path, jq) in [
            ("$", "."),
            ("$.access_token", ".access_token"),
            ("$.accounts[1].account_id", ".accounts[1].account_id"),
            ("$.accounts[*].account_id", ".accounts[].account_id"),
            ("$['a b'][-1]", r#".["a b"][-1]"#),
            ("$.results[0:2].id", ".results[0:2][].id"),
            ("$..iban", r#".. | objects | select(has("iban")) | .iban"#),
            (
                "$.a..iban",
                r#".a | .. | objects | select(has("iban")) | .iban"#,
            ),
        ] {
            assert_eq!(q(path).to_jq().as_deref(), Some(jq), "{path}");
        }
        for path in ["$.a[?@.b == 1]", "$['a','b']", "$.a[::2]", "$..*"] {
            assert_eq!(q(path).to_jq(), None, "{path}");
        }
    }

    #[test]
    fn singular_queries_are_names_and_indexes_only() {
        for path in ["$", "$.a", "$.a.b[0]", "$['a'][-1]", "$.a[\"b c\"]"] {
            assert!(q(path).is_singular(), "{path}");
        }
        for path in [
            "$.a[*]",
            "$.a.*",
            "$..a",
            "$.a[0:2]",
            "$.a[0,1]",
            "$.a[?@.b == 1]",
        ] {
            assert!(!q(path).is_singular(), "{path}");
        }
    }

    #[test]
    fn selects_single_node_or_absent() {
        let doc = json!({"a": {"b": [10, 20]}, "n": null});
        assert_eq!(
            q("$.a.b[1]").select(&doc),
            Selection::Single(Some(&json!(20)))
        );
        assert_eq!(
            q("$.a.b[-1]").select(&doc),
            Selection::Single(Some(&json!(20)))
        );
        assert_eq!(q("$.a.c").select(&doc), Selection::Single(None));
        assert_eq!(q("$.a.b[5]").select(&doc), Selection::Single(None));
        // A present null is a node, not an absence.
        assert_eq!(q("$.n").select(&doc), Selection::Single(Some(&Value::Null)));
    }

    #[test]
    fn selects_every_node_of_non_singular_paths() {
        let doc = json!({"accounts": [{"id": "a"}, {"id": "b"}], "empty": []});
        let ids = q("$.accounts[*].id").select(&doc);
        assert_eq!(ids, Selection::Nodes(vec![&json!("a"), &json!("b")]));
        assert_eq!(q("$.empty[*]").select(&doc), Selection::Nodes(vec![]));
        assert_eq!(q("$.nope[*]").select(&doc), Selection::Nodes(vec![]));
        let filtered = q("$.accounts[?@.id == 'b'].id").select(&doc);
        assert_eq!(filtered, Selection::Nodes(vec![&json!("b")]));
    }

    #[test]
    fn singular_paths_select_what_the_library_selects() {
        let doc = json!({
            "a": {"b": [10, {"c": "deep"}, null], "b c": 1, "é": 2},
            "list": [[1, 2], [3]],
            "s": "text",
            "n": null
        });
        for path in [
            "$",
            "$.a",
            "$.a.b",
            "$.a.b[0]",
            "$.a.b[1].c",
            "$.a.b[2]",
            "$.a.b[3]",
            "$.a.b[-1]",
            "$.a.b[-3]",
            "$.a.b[-4]",
            "$.a['b c']",
            "$.a['é']",
            "$.list[1][0]",
            "$.list[0][-1]",
            "$.s[0]",
            "$.s.x",
            "$.n",
            "$.n.x",
            "$[0]",
            "$.a.b.c",
            "$.missing",
            "$.a.b[-9007199254740991]",
            "$.a.b[9007199254740991]",
        ] {
            let query = q(path);
            assert!(query.is_singular(), "{path}");
            let library = query.library_nodes(&doc);
            assert_eq!(query.nodes(&doc), library, "{path}");
            let first = library.into_iter().next();
            assert_eq!(query.select(&doc), Selection::Single(first), "{path}");
        }
    }

    #[test]
    fn invalid_paths_explain_themselves() {
        let err = JsonPathQuery::parse("$.a[").unwrap_err();
        assert!(err.message.contains("expected"), "{err:?}");
        // Column 5: the end of input, where a selector was expected.
        assert_eq!(err.column, Some(5), "{err:?}");
        let err = JsonPathQuery::parse("accounts").unwrap_err();
        assert!(err.message.contains("starts with `$`"), "{err:?}");
    }

    #[test]
    fn last_names_skip_trailing_indexes() {
        assert_eq!(q("$.token.access_token").last_names(), ["access_token"]);
        assert_eq!(q("$.codes[0]").last_names(), ["codes"]);
        assert_eq!(q("$..['code','state']").last_names(), ["code", "state"]);
        assert!(q("$[0]").last_names().is_empty());
    }
}

#[cfg(test)]
mod odd_inputs {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_paths_neither_panic_nor_hang() {
        let doc = json!({"a": [1, 2, 3, {"b": [1, {"c": 2}]}], "s": "text", "n": null});
        for path in [
            "$[-9007199254740991]",
            "$.a[-9007199254740991]",
            "$.a[9007199254740991]",
            "$.a[0:3:0]",
            "$.a[::-1]",
            "$.a[-9007199254740991:9007199254740991:-9007199254740991]",
            "$.a[9007199254740991:-9007199254740991:9007199254740991]",
            "$..*",
            "$..[*]",
            "$.a[?length(@) > 1]",
            "$.a[?@ > 1e308]",
            "$.a[?match(@.b, '[')]",
            "$.a[?search(@, '(')]",
            "$.s[0]",
            "$.n.x",
            "$['\\u00e9']",
        ] {
            if let Ok(query) = JsonPathQuery::parse(path) {
                let _ = query.select(&doc);
                let _ = query.last_names();
            }
        }
        for path in [
            "",
            "$$",
            "$.",
            "$[",
            "$[9999999999999999999]",
            "$.a[?@.b ==]",
            "$\u{0}",
        ] {
            assert!(JsonPathQuery::parse(path).is_err(), "{path:?}");
        }
    }
}
