//! Calendar days as `YYYY-MM-DD` text: today (UTC) and validation. Days compare as strings.

/// Today in UTC as `YYYY-MM-DD` (civil-from-days, proleptic Gregorian).
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    day_of(i64::try_from(secs).unwrap_or(0))
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS` (UTC).
pub(crate) fn utc_timestamp(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        day_of(secs),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// The UTC day of a Unix time, `YYYY-MM-DD`.
fn day_of(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Checks a `YYYY-MM-DD` date.
pub(crate) fn valid_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && text[5..7]
            .parse::<u8>()
            .is_ok_and(|m| (1..=12).contains(&m))
        && text[8..10]
            .parse::<u8>()
            .is_ok_and(|d| (1..=31).contains(&d))
}
