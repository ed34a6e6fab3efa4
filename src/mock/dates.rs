//! The dates the Data API reads: a transaction's timestamp, and the `from`/`to` bounds of a
//! transactions request. TrueLayer's examples write both with an offset (`...Z`), without one
//! (`2018-03-06T00:00:00`) and as a bare date (`2017-04-20`); all three are read, a time
//! without an offset as UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Unix seconds of `text`. A bare date is the start of that day, or with `end_of_day` its
/// last second (so `to=2024-03-02` includes the whole of the 2nd, as a reader expects).
pub fn parse_instant(text: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = PrimitiveDateTime::parse(text, naive) {
        return Some(t.assume_utc().unix_timestamp());
    }
    let naive_fraction =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    if let Ok(t) = PrimitiveDateTime::parse(text, naive_fraction) {
        return Some(t.assume_utc().unix_timestamp());
    }
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    let time = if end_of_day {
        Time::from_hms(23, 59, 59).ok()?
    } else {
        Time::MIDNIGHT
    };
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_instant;

    #[test]
    fn reads_the_three_spellings() {
        let day = parse_instant("2024-03-02", false).unwrap();
        assert_eq!(parse_instant("2024-03-02T00:00:00Z", false), Some(day));
        assert_eq!(parse_instant("2024-03-02T00:00:00", false), Some(day));
        assert_eq!(parse_instant("2024-03-02T01:00:00+01:00", false), Some(day));
        assert_eq!(parse_instant("2024-03-02", true), Some(day + 86_399));
        assert_eq!(parse_instant("2024-03-02T00:00:00.250", false), Some(day));
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "02/03/2024",
            "2024-03-02T25:00:00Z",
        ] {
            assert_eq!(parse_instant(bad, false), None, "{bad}");
        }
    }
}
