//! The diagrams as Mermaid, which GitHub and most Markdown viewers draw from a fenced
//! ```` ```mermaid ```` block: a `sequenceDiagram` of the steps and a `stateDiagram-v2` of
//! the connection's lifecycle.

use super::diagram::{Item, Lifecycle, Sequence};

pub fn sequence(sequence: &Sequence) -> String {
    let mut out = String::from("sequenceDiagram\n");
    for party in sequence.parties() {
        let keyword = if party == super::diagram::Party::User {
            "actor"
        } else {
            "participant"
        };
        let label = party.label();
        if label == party.id() {
            out.push_str(&format!("    {keyword} {}\n", party.id()));
        } else {
            out.push_str(&format!(
                "    {keyword} {} as {}\n",
                party.id(),
                escape(&label)
            ));
        }
    }
    let parties = sequence.parties();
    let span = match (parties.first(), parties.last()) {
        (Some(first), Some(last)) if first != last => format!("{},{}", first.id(), last.id()),
        (Some(one), _) => one.id(),
        _ => "App".to_owned(),
    };
    items(&mut out, &sequence.items, &span, 1);
    out.trim_end().to_owned()
}

fn items(out: &mut String, items: &[Item], span: &str, depth: usize) {
    let indent = "    ".repeat(depth);
    for item in items {
        match item {
            Item::Message {
                from,
                to,
                text,
                answer,
            } => {
                let arrow = if *answer { "-->>" } else { "->>" };
                out.push_str(&format!(
                    "{indent}{}{arrow}{}: {}\n",
                    from.id(),
                    to.id(),
                    escape(text)
                ));
            }
            Item::Note(text) => {
                out.push_str(&format!("{indent}Note over {span}: {}\n", escape(text)));
            }
            Item::Loop {
                label,
                items: inner,
            } => {
                out.push_str(&format!("{indent}loop {}\n", escape(label)));
                self::items(out, inner, span, depth + 1);
                out.push_str(&format!("{indent}end\n"));
            }
        }
    }
}

pub fn lifecycle(lifecycle: &Lifecycle) -> String {
    let mut out = String::from("stateDiagram-v2\n    direction LR\n");
    for (from, to, why) in &lifecycle.transitions {
        let from = from.map_or("[*]", |s| s.name());
        out.push_str(&format!("    {from} --> {}: {}\n", to.name(), escape(why)));
    }
    out.trim_end().to_owned()
}

/// Text Mermaid shows as written: `;` would end the statement and `#` start an entity,
/// and angle brackets would be read as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::diagram::{Item, Party, Sequence};
    use super::*;

    #[test]
    fn special_characters_are_entities() {
        assert_eq!(escape("a; b #1 <c>"), "a#59; b #35;1 #lt;c#gt;");
    }

    #[test]
    fn notes_span_every_party() {
        let s = Sequence {
            items: vec![
                Item::call(Party::App, Party::User, "link"),
                Item::Note("1 hour passes".into()),
                Item::call(Party::App, Party::DataApi, "GET"),
            ],
        };
        let text = sequence(&s);
        assert!(
            text.contains("    Note over User,Data: 1 hour passes"),
            "{text}"
        );
        assert!(text.contains("    actor User\n"), "{text}");
        assert!(
            text.contains("    participant Data as Data API\n"),
            "{text}"
        );
    }
}
