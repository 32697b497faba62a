//! Resource limits for hostile input. Every limit has a default and a command-line flag.

/// Bounds applied while reading an image. Defaults follow the documented contract.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total uncompressed layer bytes per image (decompression bombs stop here).
    pub max_image_bytes: u64,
    /// Bytes of any manifest, index or config JSON document.
    pub max_json_bytes: u64,
    /// Number of layers in one image.
    pub max_layers: usize,
    /// Bytes read from one file whose contents a check asked for.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_image_bytes: 64 << 30,
            max_json_bytes: 8 << 20,
            max_layers: 1000,
            max_file_bytes: 1 << 20,
        }
    }
}

/// Parses sizes such as `64GiB`, `8MiB`, `512k`, `1000` (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size (try 512MiB, 64GiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{text}`: unknown size unit (use KiB, MiB, GiB, TiB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Renders a byte count for messages: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("64GiB"), Ok(64 << 30));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999T").is_err());
    }

    #[test]
    fn bytes_render_readably() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
