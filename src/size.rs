//! Sizes as users write them: `1048576`, `512KiB`, `16MiB`, `1GiB` (KB, MB and GB mean the
//! same binary units). `--max-body` and a step's `max_body` are both read here, and shown
//! back the way they are written.

use serde_json::Value;

/// Parses a size: bytes, or a whole number with KiB, MiB or GiB. Zero is refused: a cap of
/// nothing would fail every step.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (write e.g. `16MiB`)"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "KB" | "K" => 1 << 10,
        "MiB" | "MB" | "M" => 1 << 20,
        "GiB" | "GB" | "G" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` is not a size unit (use KiB, MiB or GiB)"
            ));
        }
    };
    number
        .checked_mul(factor)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// A size from a scenario file: a whole number of bytes, or text [`parse_size`] reads.
pub fn from_value(value: &Value) -> Result<u64, String> {
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(bytes) if bytes > 0 => Ok(bytes),
            _ => Err(format!(
                "`{n}` is not a size (a whole number of bytes, or e.g. `64KiB`)"
            )),
        },
        Value::String(s) => parse_size(s),
        _ => Err("a size is a number of bytes or text such as `64KiB`".to_owned()),
    }
}

/// A size in the largest unit that divides it (`64KiB`, `16MiB`), else in bytes; what
/// [`parse_size`] reads back.
pub fn display(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (factor, unit) in UNITS {
        if bytes >= factor && bytes % factor == 0 {
            return format!("{}{unit}", bytes / factor);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_bytes_and_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size(" 16MiB "), Ok(16 << 20));
        assert_eq!(parse_size("1GB"), Ok(1 << 30));
        assert_eq!(from_value(&json!(65536)), Ok(65536));
        assert_eq!(from_value(&json!("64KiB")), Ok(65536));
    }

    #[test]
    fn refuses_what_is_not_a_size() {
        for text in [
            "",
            "0",
            "0KiB",
            "12 parsecs",
            "-1",
            "1.5MiB",
            "99999999999999GiB",
        ] {
            assert!(parse_size(text).is_err(), "{text}");
        }
        for value in [json!(0), json!(-5), json!(1.5), json!(true), json!([1])] {
            assert!(from_value(&value).is_err(), "{value}");
        }
    }

    #[test]
    fn displays_in_the_largest_whole_unit() {
        assert_eq!(display(65536), "64KiB");
        assert_eq!(display(16 << 20), "16MiB");
        assert_eq!(display(1000), "1000 bytes");
        assert_eq!(display(1536), "1536 bytes");
    }
}
