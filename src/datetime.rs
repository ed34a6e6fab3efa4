//! Dates and times as responses carry them and scenarios compare them: RFC 3339 instants
//! (`2024-05-01T12:00:00Z`, any offset, any fraction of a second), calendar dates
//! (`2024-05-01`, midnight UTC) and Unix seconds. One reading for the template filters
//! (`date_add`, `timestamp`, ...) and the `before` / `after` / `at` matchers, so that a value
//! a filter computed compares the way a response's does. Built on `time`, which obflow
//! already uses for its clocks (minijinja-contrib's date filters only format; obflow needs
//! to read, add and compare too).

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// A moment read from a value, and whether it was written as a calendar date (results
/// computed from one are written as one too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub at: OffsetDateTime,
    pub date_only: bool,
}

impl Moment {
    /// Reads text: RFC 3339, or `YYYY-MM-DD`; a number of Unix seconds as text too.
    pub fn parse(text: &str) -> Result<Moment, String> {
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Moment {
                at,
                date_only: false,
            });
        }
        let date_format = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(date) = Date::parse(text, &date_format) {
            return Ok(Moment {
                at: PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc(),
                date_only: true,
            });
        }
        if let Ok(seconds) = text.parse::<i64>() {
            return Moment::unix(seconds);
        }
        Err(format!(
            "`{text}` is not a date: write RFC 3339 (`2024-05-01T12:00:00Z`), `2024-05-01`, or Unix seconds"
        ))
    }

    /// Reads a JSON value: text as [`Moment::parse`], a whole number as Unix seconds.
    pub fn from_json(value: &serde_json::Value) -> Result<Moment, String> {
        match value {
            serde_json::Value::String(text) => Moment::parse(text),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(seconds) => Moment::unix(seconds),
                None => Err(format!("{n} is not a whole number of Unix seconds")),
            },
            other => Err(format!("{other} is not a date")),
        }
    }

    fn unix(seconds: i64) -> Result<Moment, String> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .map(|at| Moment {
                at,
                date_only: false,
            })
            .map_err(|_| format!("{seconds} is out of the range of dates"))
    }

    /// The moment `by` later (or earlier, with `later` false).
    pub fn shifted(self, by: Duration, later: bool) -> Result<Moment, String> {
        let by = time::Duration::try_from(by).map_err(|e| e.to_string())?;
        let at = match later {
            true => self.at.checked_add(by),
            false => self.at.checked_sub(by),
        };
        at.map(|at| Moment { at, ..self })
            .ok_or_else(|| "the date would be out of range".to_owned())
    }

    /// Written back: `YYYY-MM-DD` for a calendar date, RFC 3339 in UTC otherwise (whole
    /// seconds without a fraction, as TrueLayer and the mock write them).
    pub fn to_text(self) -> String {
        let utc = self.at.to_offset(time::UtcOffset::UTC);
        let text = match self.date_only {
            true => utc.date().to_string(),
            false => utc.format(&Rfc3339).unwrap_or_default(),
        };
        if text.is_empty() {
            return utc.unix_timestamp().to_string();
        }
        text
    }

    pub fn unix_timestamp(self) -> i64 {
        self.at.unix_timestamp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_reads_as_one_moment() {
        let z = Moment::parse("2024-05-01T12:00:00Z").unwrap();
        let offset = Moment::parse("2024-05-01T13:00:00.000+01:00").unwrap();
        assert_eq!(z.at, offset.at);
        assert_eq!(Moment::parse("1714564800").unwrap().at, z.at);
        let day = Moment::parse("2024-05-01").unwrap();
        assert!(day.date_only);
        assert_eq!(day.to_text(), "2024-05-01");
        assert!(Moment::parse("May 1st").unwrap_err().contains("not a date"));
    }

    #[test]
    fn shifting_keeps_the_form() {
        let created = Moment::parse("2024-01-01T10:30:00+00:00").unwrap();
        let expires = created.shifted(Duration::from_secs(90 * 86_400), true);
        assert_eq!(expires.unwrap().to_text(), "2024-03-31T10:30:00Z");
        let day = Moment::parse("2024-03-01").unwrap();
        let back = day.shifted(Duration::from_secs(86_400), false).unwrap();
        assert_eq!(back.to_text(), "2024-02-29");
    }
}
