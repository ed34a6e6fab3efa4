//! Reads by hand the YAML most scenario files are written in: block mappings and sequences
//! (compact and indentless ones too), flow collections on one line, plain and quoted
//! scalars on one line, literal and folded block scalars as mapping values, and comments.
//!
//! libyaml spends about 120,000 instructions on a 400-byte scenario file (buffers set up
//! per file, every character decoded into a queue of tokens), a fifth of that building the
//! JSON value; reading and building it here takes about 30,000. It reads only what it is
//! sure of: a tab, a carriage return, a document marker, a multi-line scalar or flow, a block
//! scalar other than a mapping's value (or with an indentation indicator or `+`), an anchor,
//! a tag, an escape other than the common ones, a duplicate key, and every error make
//! [`read`] return `None`, and libyaml reads the file. Tests hold it to serde_yaml_ng's
//! values on chosen and generated documents.

use serde_json::{Map, Value, map::Entry};

use super::{MAX_DEPTH, resolve_plain};

/// The document `text` holds, when it is written in the subset read here.
pub(super) fn read(text: &str) -> Option<Value> {
    let lines = significant_lines(text)?;
    let first = lines.first()?;
    let mut reader = Reader {
        text,
        lines: &lines,
        at: 0,
    };
    let value = reader.node(first.indent, first.text, 0)?;
    // A line left over is less indented than the first: not one document.
    (reader.at == lines.len()).then_some(value)
}

/// A line with something on it besides spaces and a comment.
struct Line<'a> {
    /// Where the line starts in the document.
    start: usize,
    /// Spaces before `text`.
    indent: usize,
    text: &'a str,
}

/// The lines that hold nodes; `None` when the text has anything the reader leaves to
/// libyaml: a character YAML treats specially or refuses (tabs, carriage returns and other
/// controls, a byte order mark, Unicode line separators), a document marker or a directive.
fn significant_lines(text: &str) -> Option<Vec<Line<'_>>> {
    // Folded without stopping early, so that the compiler checks many bytes at a time.
    let unusual = text.bytes().fold(false, |found, b| {
        found | (b < b' ' && b != b'\n') | (b > b'~')
    });
    if unusual
        && !text.chars().all(|c| match c {
            '\n' | ' '..='~' => true,
            c => !c.is_ascii() && printable(c),
        })
    {
        return None;
    }
    let mut lines = Vec::with_capacity(32);
    let mut start = 0;
    for line in text.split('\n') {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if !(content.is_empty() || content.starts_with('#')) {
            if indent == 0
                && (marker(content, "---") || marker(content, "...") || content.starts_with('%'))
            {
                return None;
            }
            lines.push(Line {
                start,
                indent,
                text: content,
            });
        }
        start += line.len() + 1;
    }
    Some(lines)
}

/// Characters beyond ASCII that are ordinary text to libyaml.
fn printable(c: char) -> bool {
    matches!(c, '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// Whether `text` starts with the document marker `marker` (`---`, `...`).
fn marker(text: &str, marker: &str) -> bool {
    text.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// Reads block nodes line by line. Each method is given where its node starts: the column
/// and the rest of the current line from there (after `- ` in `- a: 1`, the mapping starts
/// at `a`), and leaves `at` on the first line it did not read.
struct Reader<'l, 'a> {
    text: &'a str,
    lines: &'l [Line<'a>],
    at: usize,
}

impl<'a> Reader<'_, 'a> {
    /// A block sequence, block mapping or single-line node starting at `column`.
    fn node(&mut self, column: usize, text: &'a str, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        if entry_dash(text) {
            return self.sequence(column, text, depth);
        }
        if key(text)?.is_some() {
            return self.mapping(column, text, depth);
        }
        let value = inline(text, depth)?;
        self.at += 1;
        Some(value)
    }

    /// The node of an entry whose value is not on its line (`key:`, `-`): the more
    /// indented lines below, or `null` when there are none.
    fn value_below(&mut self, column: usize, depth: usize) -> Option<Value> {
        self.at += 1;
        match self.lines.get(self.at) {
            Some(next) if next.indent > column => self.node(next.indent, next.text, depth + 1),
            _ => Some(Value::Null),
        }
    }

    fn sequence(&mut self, column: usize, mut text: &'a str, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        loop {
            let after_dash = &text[1..];
            let item = after_dash.trim_start_matches(' ');
            let value = if item.is_empty() || item.starts_with('#') {
                self.value_below(column, depth)?
            } else {
                // `- a: 1`, `- - x`, `- x`: a node that starts on the dash's line.
                let item_column = column + 1 + (after_dash.len() - item.len());
                self.node(item_column, item, depth + 1)?
            };
            items.push(value);
            match self.lines.get(self.at) {
                Some(next) if next.indent == column && entry_dash(next.text) => text = next.text,
                Some(next) if next.indent > column => return None,
                _ => return Some(Value::Array(items)),
            }
        }
    }

    fn mapping(&mut self, column: usize, mut text: &'a str, depth: usize) -> Option<Value> {
        let mut entries = Map::new();
        loop {
            let (key, after) = key(text)??;
            let after = after.trim_start_matches(' ');
            let value = if after.is_empty() || after.starts_with('#') {
                match self.lines.get(self.at + 1) {
                    // An indentless sequence: `key:` with its `- ` entries below, at the
                    // key's own column.
                    Some(next) if next.indent == column && entry_dash(next.text) => {
                        self.at += 1;
                        self.sequence(column, next.text, depth + 1)?
                    }
                    _ => self.value_below(column, depth)?,
                }
            } else if after.starts_with(['|', '>']) {
                self.block_scalar(column, after)?
            } else {
                let value = inline(after, depth + 1)?;
                self.at += 1;
                value
            };
            match entries.entry(key) {
                Entry::Vacant(entry) => entry.insert(value),
                // serde_yaml_ng says where both keys are.
                Entry::Occupied(_) => return None,
            };
            match self.lines.get(self.at) {
                Some(next) if next.indent == column => text = next.text,
                Some(next) if next.indent > column => return None,
                _ => return Some(Value::Object(entries)),
            }
        }
    }
}

impl Reader<'_, '_> {
    /// The literal (`|`) or folded (`>`) scalar whose header ends the current line, the
    /// value of a key at `column`; `at` moves past its lines. Leading blank lines, an
    /// indentation indicator, keeping trailing lines (`+`), a whitespace-only line longer
    /// than the indentation and, when folded, a more indented line are left to libyaml.
    fn block_scalar(&mut self, column: usize, header: &str) -> Option<Value> {
        let folded = header.starts_with('>');
        let (strip, rest) = match header[1..].strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, &header[1..]),
        };
        let comment = rest.trim_start_matches(' ');
        if !(comment.is_empty() || (comment.starts_with('#') && comment.len() < rest.len())) {
            return None;
        }
        let header_line = self.lines[self.at].start;
        let body_start = header_line + self.text[header_line..].find('\n')? + 1;
        let mut end = body_start;
        let mut indent = None;
        let mut value = String::new();
        let mut blank_lines = 0;
        for raw in self.text[body_start..].split_inclusive('\n') {
            let line = raw.strip_suffix('\n');
            let text = line.unwrap_or(raw);
            let content = text.trim_start_matches(' ');
            let spaces = text.len() - content.len();
            let n = match indent {
                None if content.is_empty() || spaces <= column => return None,
                None => *indent.insert(spaces),
                Some(n) if !content.is_empty() && spaces < n => break,
                Some(n) if content.is_empty() && spaces > n => return None,
                Some(n) => n,
            };
            // A last line without a line break changes chomping: left to libyaml.
            line?;
            end += raw.len();
            if content.is_empty() {
                blank_lines += 1;
                continue;
            }
            let content = &text[n..];
            if folded && content.starts_with(' ') {
                return None;
            }
            if !value.is_empty() || blank_lines > 0 {
                // Folding joins lines with a space, and keeps the breaks of blank lines.
                let breaks = if folded { blank_lines } else { blank_lines + 1 };
                if breaks == 0 {
                    value.push(' ');
                }
                value.extend(std::iter::repeat_n('\n', breaks));
            }
            value.push_str(content);
            blank_lines = 0;
        }
        // An empty scalar (no line more indented than the key) is left to libyaml.
        indent?;
        if !strip {
            value.push('\n');
        }
        while self.lines.get(self.at).is_some_and(|line| line.start < end) {
            self.at += 1;
        }
        Some(Value::String(value))
    }
}

/// `- ` (or a lone `-`): a block sequence entry.
fn entry_dash(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// The key of a block mapping entry that `text` starts with, and what follows its `:`.
/// `Some(None)` when `text` is not a mapping entry; `None` when it is something the reader
/// leaves to libyaml.
fn key(text: &str) -> Option<Option<(String, &str)>> {
    if text.starts_with(['[', '{']) {
        // A flow collection as a key is left to libyaml (by `inline`, which finds a `:`
        // after the collection).
        return Some(None);
    }
    if text.starts_with(['"', '\'']) {
        let (key, end) = quoted(text, 0)?;
        let after = &text[end..];
        return Some(
            after
                .strip_prefix(':')
                .filter(|rest| rest.is_empty() || rest.starts_with(' '))
                .map(|rest| (key, rest)),
        );
    }
    let (scalar, end) = plain(text, 0, Context::Block)?;
    match text.as_bytes().get(end) {
        // A key `a  :` is left to libyaml, and so is one long enough that libyaml might
        // refuse it (it allows 1024 characters).
        Some(b':') if scalar.len() == end && end <= 1000 => {
            Some(Some((scalar.to_owned(), &text[end + 1..])))
        }
        Some(b':') => None,
        _ => Some(None),
    }
}

/// A node that must end on its line (with at most a comment after it): a flow collection,
/// a quoted scalar or a plain one.
fn inline(text: &str, depth: usize) -> Option<Value> {
    let (value, end) = match text.as_bytes()[0] {
        b'[' | b'{' => flow(text, 0, depth)?,
        b'"' | b'\'' => {
            let (string, end) = quoted(text, 0)?;
            (Value::String(string), end)
        }
        _ => {
            let (scalar, end) = plain(text, 0, Context::Block)?;
            if text.as_bytes().get(end) == Some(&b':') {
                // `a: b: c`: libyaml's error to report.
                return None;
            }
            return resolve_plain(scalar);
        }
    };
    let rest = &text[end..];
    let after = rest.trim_start_matches(' ');
    (after.is_empty() || (after.starts_with('#') && after.len() < rest.len())).then_some(value)
}

/// Where a plain scalar is: in a flow collection, `,[]{}` end it too.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Block,
    Flow,
}

/// The plain scalar starting at `start` (trailing spaces trimmed) and where its scanning
/// stopped: at the end of the line, at a comment, at `: ` (or a `:` ending the line), and
/// in a flow at `,[]{}` or any `:` (a flow's `a:b` is left to libyaml). `None` when
/// `text[start..]` cannot start a plain scalar here, or starts one this reader leaves to
/// libyaml.
fn plain(text: &str, start: usize, context: Context) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let first = *bytes.get(start)?;
    match first {
        // In a flow, libyaml takes `?` and `:` for indicators whatever follows.
        b'?' | b':' if context == Context::Flow => return None,
        b'-' | b'?' | b':' => {
            // `- x`, `? x`, `: x` are indicators; `-1`, `:x` are scalars.
            let next = *bytes.get(start + 1)?;
            if matches!(next, b' ' | b',' | b'[' | b']' | b'{' | b'}' | b'#') {
                return None;
            }
        }
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' => return None,
        _ => {}
    }
    let end = match context {
        // A plain scalar in a block runs to the end of its line unless `: ` or ` #` ends
        // it: look for those with memchr rather than byte by byte.
        Context::Block => {
            let mut from = start;
            loop {
                let Some(found) = memchr::memchr2(b':', b'#', &bytes[from..]) else {
                    break bytes.len();
                };
                let at = from + found;
                let ends = match bytes[at] {
                    b':' => matches!(bytes.get(at + 1), None | Some(b' ')),
                    // Not the first byte: that was checked above.
                    _ => bytes[at - 1] == b' ',
                };
                if ends {
                    break at;
                }
                from = at + 1;
            }
        }
        Context::Flow => {
            let mut at = start;
            while at < bytes.len() {
                match bytes[at] {
                    b':' | b',' | b'[' | b']' | b'{' | b'}' => break,
                    b'#' if bytes[at - 1] == b' ' => break,
                    _ => at += 1,
                }
            }
            at
        }
    };
    Some((text[start..end].trim_end_matches(' '), end))
}

/// A flow collection starting at `start` (`[` or `{`), ending on the same line: its value
/// and the index just past its closing bracket.
fn flow(text: &str, start: usize, depth: usize) -> Option<(Value, usize)> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let bytes = text.as_bytes();
    let close = if bytes[start] == b'[' { b']' } else { b'}' };
    let mut at = skip_spaces(bytes, start + 1);
    let mut items = Vec::new();
    let mut entries = Map::new();
    if bytes.get(at) == Some(&close) {
        at += 1;
    } else {
        loop {
            if close == b']' {
                let (value, end) = flow_node(text, at, depth + 1)?;
                items.push(value);
                at = end;
            } else {
                let (key, end) = match bytes.get(at)? {
                    b'"' | b'\'' => quoted(text, at)?,
                    _ => {
                        let (scalar, end) = plain(text, at, Context::Flow)?;
                        // `{a : b}` is left to libyaml.
                        if scalar.is_empty() || at + scalar.len() != end {
                            return None;
                        }
                        (scalar.to_owned(), end)
                    }
                };
                // `key: value`, the colon right after the key and a space after it.
                if !text[end..].starts_with(": ") {
                    return None;
                }
                let (value, end) = flow_node(text, skip_spaces(bytes, end + 2), depth + 1)?;
                match entries.entry(key) {
                    Entry::Vacant(entry) => entry.insert(value),
                    Entry::Occupied(_) => return None,
                };
                at = end;
            }
            at = skip_spaces(bytes, at);
            match bytes.get(at)? {
                b',' => {
                    at = skip_spaces(bytes, at + 1);
                    // `[a, ]`: a trailing comma is left to libyaml.
                    if bytes.get(at) == Some(&close) {
                        return None;
                    }
                }
                c if *c == close => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    let value = if close == b']' {
        Value::Array(items)
    } else {
        Value::Object(entries)
    };
    Some((value, at))
}

/// A node inside a flow collection, at `start`, and the index just past it.
fn flow_node(text: &str, start: usize, depth: usize) -> Option<(Value, usize)> {
    match text.as_bytes().get(start)? {
        b'[' | b'{' => flow(text, start, depth),
        b'"' | b'\'' => {
            let (string, end) = quoted(text, start)?;
            Some((Value::String(string), end))
        }
        _ => {
            let (scalar, end) = plain(text, start, Context::Flow)?;
            if scalar.is_empty() {
                return None;
            }
            Some((resolve_plain(scalar)?, end))
        }
    }
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// The single- or double-quoted scalar at `start`, ending on the same line, and the index
/// just past its closing quote. Double quotes take the escapes `\" \\ \/ \n \t \uXXXX`;
/// any other is left to libyaml.
fn quoted(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut value = String::new();
    let mut run = start + 1;
    let mut at = run;
    loop {
        let b = *bytes.get(at)?;
        if b == quote {
            value.push_str(&text[run..at]);
            if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') {
                // `''` is a single quote.
                value.push('\'');
                at += 2;
                run = at;
                continue;
            }
            return Some((value, at + 1));
        }
        if b == b'\\' && quote == b'"' {
            value.push_str(&text[run..at]);
            let (c, len) = match *bytes.get(at + 1)? {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'n' => ('\n', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let hex = text.get(at + 2..at + 6)?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 6)
                }
                _ => return None,
            };
            value.push(c);
            at += len;
            run = at;
            continue;
        }
        at += 1;
    }
}
