//! rpm's sqlite database: package headers, read without an rpm library.

use super::Package;
use std::collections::BTreeMap;

/// An rpm header blob: NAME (1000), VERSION (1001), RELEASE (1002), SIZE (1009).
pub(super) fn parse_rpm_header(blob: &[u8]) -> Option<Package> {
    let be32 = |at: usize| {
        blob.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let entries = be32(0)? as usize;
    let data_len = be32(4)? as usize;
    let data_start = 8usize.checked_add(entries.checked_mul(16)?)?;
    let data = blob.get(data_start..data_start.checked_add(data_len)?)?;
    let mut fields: BTreeMap<u32, (u32, usize)> = BTreeMap::new();
    for i in 0..entries.min(10_000) {
        let at = 8 + i * 16;
        fields.insert(be32(at)?, (be32(at + 4)?, be32(at + 8)? as usize));
    }
    let string = |tag: u32| -> Option<String> {
        let (_, off) = fields.get(&tag)?;
        let rest = data.get(*off..)?;
        let end = rest.iter().position(|b| *b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let size = fields.get(&1009).and_then(|(_, off)| {
        let b = data.get(*off..*off + 4)?;
        Some(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    });
    let version = match (string(1001), string(1002)) {
        (Some(v), Some(r)) => format!("{v}-{r}"),
        (Some(v), None) => v,
        _ => String::new(),
    };
    Some(Package {
        name: string(1000)?,
        version,
        installed_size: size,
    })
}

/// Reads an rpm sqlite database through a private temp file (sqlite needs a file).
pub(super) fn parse_rpm_sqlite(bytes: &[u8]) -> Result<Vec<Package>, String> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| e.to_string())?;
    let conn = rusqlite::Connection::open_with_flags(
        tmp.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for row in rows {
        let blob = row.map_err(|e| e.to_string())?;
        if let Some(p) = parse_rpm_header(&blob) {
            out.push(p);
        }
    }
    Ok(out)
}
