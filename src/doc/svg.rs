//! The diagrams as inline SVG for HTML guides: drawn here, with no script, no font and no
//! file from anywhere, so a page shows them offline and under a strict content policy.
//! Text widths are estimated from character counts (the page's sans-serif at 13px is about
//! 7.2px a character); columns widen until every label fits between its ends.

use std::fmt::Write as _;

use super::diagram::{Item, Lifecycle, Party, Sequence};
use crate::html::escape;

const CHAR: f64 = 7.2;
const MARGIN: f64 = 16.0;
const BOX_H: f64 = 32.0;
const ROW: f64 = 36.0;
const FONT: &str = "font-family=\"system-ui, sans-serif\" font-size=\"13\"";

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR
}

fn open(out: &mut String, width: f64, height: f64, title: &str, class: &str) {
    let _ = write!(
        out,
        "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" style=\"max-width:100%;height:auto\">\n<title>{}</title>\n",
        escape(title)
    );
}

/// A sequence diagram: a box per party, its lifeline, then each row.
pub fn sequence(sequence: &Sequence, title: &str) -> String {
    let parties = sequence.parties();
    if parties.is_empty() {
        return String::new();
    }
    let col = |p: &Party| parties.iter().position(|x| x == p).unwrap_or(0);
    let box_w: Vec<f64> = parties
        .iter()
        .map(|p| (text_width(&p.label()) + 24.0).max(90.0))
        .collect();
    let mut gaps: Vec<f64> = box_w
        .windows(2)
        .map(|w| w[0] / 2.0 + w[1] / 2.0 + 24.0)
        .collect();
    let mut messages = Vec::new();
    flatten(&sequence.items, &mut messages);
    for (from, to, text) in &messages {
        let (a, b) = (col(from).min(col(to)), col(from).max(col(to)));
        if a == b {
            continue;
        }
        let need = text_width(text) + 24.0;
        let have: f64 = gaps[a..b].iter().sum();
        if have < need {
            gaps[b - 1] += need - have;
        }
    }
    let mut centers = vec![MARGIN + box_w[0] / 2.0];
    for gap in &gaps {
        let last = *centers.last().unwrap_or(&0.0);
        centers.push(last + gap);
    }
    let width = centers.last().unwrap_or(&0.0) + box_w.last().unwrap_or(&0.0) / 2.0 + MARGIN;
    let rows_height = height_of(&sequence.items);
    let top = MARGIN + BOX_H + 12.0;
    let height = top + rows_height + 12.0;

    let mut out = String::new();
    open(&mut out, width, height, title, "sequence");
    let _ = writeln!(
        out,
        "<rect width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    for (i, party) in parties.iter().enumerate() {
        let (x, w) = (centers[i], box_w[i]);
        let _ = writeln!(
            out,
            "<line class=\"lifeline\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#9a9aa0\" stroke-dasharray=\"4 4\"/>",
            MARGIN + BOX_H,
            height - 8.0
        );
        let _ = writeln!(
            out,
            "<g class=\"party\"><rect x=\"{:.1}\" y=\"{MARGIN}\" width=\"{w:.1}\" height=\"{BOX_H}\" rx=\"4\" fill=\"#eef1f8\" stroke=\"#4a5a8a\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
            x - w / 2.0,
            MARGIN + BOX_H / 2.0 + 4.5,
            escape(&party.label())
        );
    }
    let mut y = top;
    let layout = Layout {
        centers: &centers,
        col: &col,
        width,
    };
    draw(&mut out, &sequence.items, &layout, &mut y);
    out.push_str("</svg>");
    out
}

struct Layout<'a> {
    centers: &'a [f64],
    col: &'a dyn Fn(&Party) -> usize,
    width: f64,
}

fn flatten<'a>(items: &'a [Item], out: &mut Vec<(&'a Party, &'a Party, &'a str)>) {
    for item in items {
        match item {
            Item::Message { from, to, text, .. } => out.push((from, to, text)),
            Item::Note(_) => {}
            Item::Loop { items, .. } => flatten(items, out),
        }
    }
}

fn height_of(items: &[Item]) -> f64 {
    items
        .iter()
        .map(|item| match item {
            Item::Message { .. } => ROW,
            Item::Note(_) => ROW,
            Item::Loop { items, .. } => 30.0 + height_of(items) + 10.0,
        })
        .sum()
}

fn draw(out: &mut String, items: &[Item], layout: &Layout<'_>, y: &mut f64) {
    for item in items {
        match item {
            Item::Message {
                from,
                to,
                text,
                answer,
            } => {
                let x1 = layout.centers[(layout.col)(from)];
                let x2 = layout.centers[(layout.col)(to)];
                let line_y = *y + 24.0;
                let dash = if *answer {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                };
                let dir = if x2 >= x1 { 1.0 } else { -1.0 };
                let tip = x2 - dir * 1.0;
                let _ = writeln!(
                    out,
                    "<g class=\"message{}\"><line x1=\"{x1:.1}\" y1=\"{line_y:.1}\" x2=\"{:.1}\" y2=\"{line_y:.1}\" stroke=\"#1d1d1f\" stroke-width=\"1.3\"{dash}/><polygon points=\"{tip:.1},{line_y:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"#1d1d1f\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
                    if *answer { " answer" } else { "" },
                    tip - dir * 8.0,
                    tip - dir * 9.0,
                    line_y - 4.5,
                    tip - dir * 9.0,
                    line_y + 4.5,
                    (x1 + x2) / 2.0,
                    line_y - 7.0,
                    escape(text)
                );
                *y += ROW;
            }
            Item::Note(text) => {
                let w = (text_width(text) + 24.0).max(layout.width * 0.5);
                let x = (layout.width - w) / 2.0;
                let _ = writeln!(
                    out,
                    "<g class=\"note\"><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"26\" fill=\"#fff8d6\" stroke=\"#b59a2a\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
                    *y + 5.0,
                    layout.width / 2.0,
                    *y + 22.5,
                    escape(text)
                );
                *y += ROW;
            }
            Item::Loop { label, items } => {
                let start = *y;
                let inner = height_of(items);
                let h = 30.0 + inner + 6.0;
                let x = MARGIN / 2.0;
                let w = layout.width - MARGIN;
                let tab = text_width(label) + 16.0;
                let _ = writeln!(
                    out,
                    "<g class=\"loop\"><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"none\" stroke=\"#4a5a8a\"/><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{tab:.1}\" height=\"20\" fill=\"#eef1f8\" stroke=\"#4a5a8a\"/><text x=\"{:.1}\" y=\"{:.1}\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
                    start + 4.0,
                    start + 4.0,
                    x + 8.0,
                    start + 18.5,
                    escape(label)
                );
                *y += 30.0;
                draw(out, items, layout, y);
                *y = start + h + 4.0;
            }
        }
    }
}

/// The lifecycle: a box per status in the order first reached, an arrow per transition
/// (forward ones between neighbours straight, the others as arcs below).
pub fn lifecycle(lifecycle: &Lifecycle, title: &str) -> String {
    let statuses = lifecycle.statuses();
    if statuses.is_empty() {
        return String::new();
    }
    let index = |s| statuses.iter().position(|x| *x == s).unwrap_or(0);
    let box_w: Vec<f64> = statuses
        .iter()
        .map(|s| text_width(s.name()) + 24.0)
        .collect();
    let mut gaps = vec![0.0; statuses.len()];
    // gaps[i]: the space left of status i (gaps[0] after the start dot).
    for (from, to, why) in &lifecycle.transitions {
        let i = index(*to);
        let neighbour = match from {
            None => i == 0,
            Some(f) => index(*f) + 1 == i,
        };
        if neighbour {
            gaps[i] = f64::max(gaps[i], text_width(why) + 24.0);
        }
    }
    for g in gaps.iter_mut() {
        *g = g.max(60.0);
    }
    let mid = 40.0 + 18.0;
    let mut lefts = Vec::new();
    let mut x = MARGIN + 12.0;
    for (i, w) in box_w.iter().enumerate() {
        x += gaps[i];
        lefts.push(x);
        x += w;
    }
    let arcs: Vec<_> = lifecycle
        .transitions
        .iter()
        .filter(|(from, to, _)| match from {
            None => false,
            Some(f) => index(*f) + 1 != index(*to),
        })
        .collect();
    let width = x + MARGIN;
    let height = mid + 18.0 + 16.0 + arcs.len() as f64 * 34.0 + 12.0;
    let mut out = String::new();
    open(&mut out, width, height, title, "lifecycle");
    let _ = writeln!(
        out,
        "<rect width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "<circle cx=\"{:.1}\" cy=\"{mid:.1}\" r=\"6\" fill=\"#1d1d1f\"/>",
        MARGIN + 6.0
    );
    for (i, status) in statuses.iter().enumerate() {
        let _ = writeln!(
            out,
            "<g class=\"status\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"36\" rx=\"18\" fill=\"#eef1f8\" stroke=\"#4a5a8a\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
            lefts[i],
            mid - 18.0,
            box_w[i],
            lefts[i] + box_w[i] / 2.0,
            mid + 4.5,
            escape(status.name())
        );
    }
    let mut arc = 0;
    for (from, to, why) in &lifecycle.transitions {
        let t = index(*to);
        let (x1, neighbour) = match from {
            None => (MARGIN + 12.0, t == 0),
            Some(f) => {
                let f = index(*f);
                (lefts[f] + box_w[f], f + 1 == t)
            }
        };
        if neighbour {
            let x2 = lefts[t];
            let _ = writeln!(
                out,
                "<g class=\"transition\"><line x1=\"{x1:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\" stroke=\"#1d1d1f\" stroke-width=\"1.3\"/><polygon points=\"{x2:.1},{mid:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"#1d1d1f\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
                x2 - 8.0,
                x2 - 9.0,
                mid - 4.5,
                x2 - 9.0,
                mid + 4.5,
                (x1 + x2) / 2.0,
                mid - 8.0,
                escape(why)
            );
        } else {
            arc += 1;
            let f = from.map(index).unwrap_or(0);
            let start = lefts[f] + box_w[f] / 2.0;
            let end = lefts[t] + box_w[t] / 2.0;
            let bottom = mid + 18.0;
            let depth = bottom + arc as f64 * 34.0;
            let _ = writeln!(
                out,
                "<g class=\"transition\"><path d=\"M {start:.1} {bottom:.1} C {start:.1} {depth:.1}, {end:.1} {depth:.1}, {end:.1} {:.1}\" fill=\"none\" stroke=\"#1d1d1f\" stroke-width=\"1.3\"/><polygon points=\"{end:.1},{bottom:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"#1d1d1f\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} fill=\"#1d1d1f\">{}</text></g>",
                bottom + 8.0,
                end - 4.5,
                bottom + 9.0,
                end + 4.5,
                bottom + 9.0,
                (start + end) / 2.0,
                depth - 2.0,
                escape(why)
            );
        }
    }
    out.push_str("</svg>");
    out
}
