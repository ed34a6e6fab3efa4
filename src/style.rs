//! Terminal colours, decided once per run from `--color`, `NO_COLOR` and whether the stream
//! is a terminal. Everything that prints styled text takes a [`Palette`].

use std::fmt;
use std::io::IsTerminal;

use anstyle::{AnsiColor, Effects, Style};

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream. `auto` colours terminals unless `NO_COLOR` is set
    /// (to anything non-empty, per no-color.org).
    pub fn enabled(self, stream_is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    pub fn for_stdout(self) -> Palette {
        Palette::new(self.enabled(std::io::stdout().is_terminal()))
    }

    pub fn for_stderr(self) -> Palette {
        Palette::new(self.enabled(std::io::stderr().is_terminal()))
    }
}

/// A style that may be switched off.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    style: Style,
    on: bool,
}

impl Paint {
    pub fn paint<'a>(&self, text: &'a str) -> Painted<'a> {
        Painted { paint: *self, text }
    }
}

pub struct Painted<'a> {
    paint: Paint,
    text: &'a str,
}

impl fmt::Display for Painted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.paint.on {
            write!(
                f,
                "{}{}{}",
                self.paint.style.render(),
                self.text,
                self.paint.style.render_reset()
            )
        } else {
            f.write_str(self.text)
        }
    }
}

/// The styles obflow prints with.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub enabled: bool,
    pub error: Paint,
    pub pass: Paint,
    pub skip: Paint,
    pub bold: Paint,
    pub dim: Paint,
    pub gutter: Paint,
    pub help: Paint,
    pub added: Paint,
    pub removed: Paint,
}

impl Palette {
    pub fn new(enabled: bool) -> Palette {
        let p = |style: Style| Paint { style, on: enabled };
        Palette {
            enabled,
            error: p(Style::new()
                .fg_color(Some(AnsiColor::Red.into()))
                .effects(Effects::BOLD)),
            pass: p(Style::new()
                .fg_color(Some(AnsiColor::Green.into()))
                .effects(Effects::BOLD)),
            skip: p(Style::new().fg_color(Some(AnsiColor::Yellow.into()))),
            bold: p(Style::new().effects(Effects::BOLD)),
            dim: p(Style::new().effects(Effects::DIMMED)),
            gutter: p(Style::new()
                .fg_color(Some(AnsiColor::Blue.into()))
                .effects(Effects::BOLD)),
            help: p(Style::new()
                .fg_color(Some(AnsiColor::Cyan.into()))
                .effects(Effects::BOLD)),
            added: p(Style::new().fg_color(Some(AnsiColor::Green.into()))),
            removed: p(Style::new().fg_color(Some(AnsiColor::Red.into()))),
        }
    }

    pub fn plain() -> Palette {
        Palette::new(false)
    }
}

/// `text` with every control character but newline and tab written as an escape
/// (`\u{1b}`): text from a server or a scenario file must not move the cursor, retitle the
/// window or clear the screen of whoever reads obflow's output in a terminal. Bidirectional
/// overrides are escaped too: they would make a line read other than it is.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
