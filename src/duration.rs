//! Durations as scenarios write them: `500ms`, `30s`, `6m`, `1h`, `90d`, or a bare number of
//! seconds. Used for timeouts, retry intervals and `wait`, in files, flags and templates;
//! every one is read here and range-checked, so none can overflow a timer or a clock.

use std::time::Duration;

use serde_json::Value;

/// The longest duration obflow takes: a hundred years. A longer one is surely a mistake, and
/// timers and clocks need room to add a duration to the current time.
pub const MAX: Duration = Duration::from_secs(100 * 365 * 86_400);

/// A duration written as text (`10s`) or as a number of seconds.
pub fn from_value(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(secs) => seconds(secs, &n.to_string()),
            None => Err(format!("`{n}` is not a duration")),
        },
        Value::String(s) => parse_duration(s),
        other => Err(format!("`{other}` is not a duration (write e.g. `10s`)")),
    }
}

/// Parses `10s`, `1.5s`, `250ms`, `6m`, `2h`, `30d`, `1h30m`, or a number of seconds.
/// The longest a request may wait for its answer: a server that has said nothing for ten
/// minutes is not going to, and a scenario must not hold a run for longer.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A request's `timeout`, at most [`MAX_REQUEST_TIMEOUT`].
pub fn request_timeout(value: &Value) -> Result<Duration, String> {
    at_most(
        value,
        MAX_REQUEST_TIMEOUT,
        "a request timeout",
        "for an answer",
    )
}

/// `value` as a duration no longer than `max`; the error names `what` and what obflow waits
/// `for`.
fn at_most(value: &Value, max: Duration, what: &str, waits_for: &str) -> Result<Duration, String> {
    let duration = from_value(value)?;
    if duration > max {
        return Err(format!(
            "{what} of {} is longer than the {} obflow waits {waits_for}",
            format_duration(duration),
            format_duration(max)
        ));
    }
    Ok(duration)
}

/// The longest `await_code` waits for a person to log in (`listen`, `prompt`).
pub const MAX_LOGIN_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// An `await_code` `timeout`, at most [`MAX_LOGIN_TIMEOUT`].
pub fn login_timeout(value: &Value) -> Result<Duration, String> {
    at_most(value, MAX_LOGIN_TIMEOUT, "a login timeout", "for a person")
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return seconds(secs, text);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` has a number without a unit"))?;
        if num_len == 0 {
            return Err(format!("`{text}` is not a duration"));
        }
        let value: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match rest[..unit_len].trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            other => {
                return Err(format!(
                    "`{text}` has an unknown unit `{other}` (use ms, s, m, h or d)"
                ));
            }
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    seconds(total, text)
}

fn seconds(secs: f64, text: &str) -> Result<Duration, String> {
    if secs.is_nan() {
        return Err(format!("`{text}` is not a duration"));
    }
    if secs.is_sign_negative() {
        return Err(format!("`{text}` is negative; a duration is 0 or more"));
    }
    // `try_`: a huge number (`1e300`) or NaN is an error, not a panic.
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if d <= MAX => Ok(d),
        _ => Err(format!(
            "`{text}` is longer than 100 years, the longest duration obflow takes"
        )),
    }
}

/// Formats a duration the way a person reads it: `12ms`, `1.2s`, `6m`, `90d`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if d.as_secs() < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if d.as_secs() % 86_400 == 0 {
        format!("{}d", d.as_secs() / 86_400)
    } else if d.as_secs() % 3600 == 0 {
        format!("{}h", d.as_secs() / 3600)
    } else if d.as_secs() % 60 == 0 {
        format!("{}m", d.as_secs() / 60)
    } else {
        format!("{}s", d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_is_range_checked() {
        use serde_json::json;
        assert_eq!(from_value(&json!(1.5)), Ok(Duration::from_millis(1500)));
        assert_eq!(
            from_value(&json!("90d")),
            Ok(Duration::from_secs(90 * 86_400))
        );
        assert_eq!(from_value(&json!(0)), Ok(Duration::ZERO));
        for bad in [
            json!(1e20),
            json!(-5),
            json!("1e300"),
            json!("99999999999d"),
            json!("NaN"),
            json!("inf"),
            json!("-1s"),
            json!(true),
        ] {
            assert!(from_value(&bad).is_err(), "{bad}");
        }
        assert_eq!(from_value(&json!("36500d")), Ok(MAX));
        assert!(parse_duration("36501d").is_err());
    }

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("6m"), Ok(Duration::from_secs(360)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("1e300").is_err());
        assert!(parse_duration("99999999999999999999999d").is_err());
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_duration(Duration::from_millis(12)), "12ms");
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(360)), "6m");
        assert_eq!(format_duration(Duration::from_secs(86_400 * 30)), "30d");
    }
}
