//! Layer compression: chosen by media type, confirmed by magic bytes.

use flate2::bufread::MultiGzDecoder;
use std::io::{self, BufRead, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// What the media type declares; `Ok(None)` when it does not say (docker-archive layers).
    pub fn from_media_type(media_type: &str) -> Result<Option<Compression>, String> {
        let mt = media_type.trim();
        if mt.ends_with("+encrypted") {
            return Err(format!("encrypted layers ({mt}) cannot be scanned"));
        }
        if mt.ends_with("+gzip") || mt.ends_with(".tar.gzip") {
            Ok(Some(Compression::Gzip))
        } else if mt.ends_with("+zstd") || mt.ends_with(".tar.zstd") {
            Ok(Some(Compression::Zstd))
        } else if mt.ends_with(".tar") || mt.ends_with("layer.v1.tar") {
            Ok(Some(Compression::None))
        } else {
            Err(format!("unsupported layer media type `{mt}`"))
        }
    }

    /// What the first bytes say.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Decides the compression of a layer: the media type's word, checked against the magic bytes.
/// An empty blob counts as an (empty) uncompressed tar.
pub fn detect(media_type: Option<&str>, head: &[u8]) -> Result<Compression, String> {
    let sniffed = Compression::sniff(head);
    match media_type
        .map(Compression::from_media_type)
        .transpose()?
        .flatten()
    {
        None => Ok(sniffed),
        Some(declared) if declared == sniffed || head.is_empty() => Ok(declared),
        Some(declared) => Err(format!(
            "media type says {} but the content is {}",
            declared.name(),
            match sniffed {
                Compression::None => "not compressed".to_string(),
                other => format!("{}-compressed", other.name()),
            }
        )),
    }
}

/// A decompressing reader that can give back its source, so the caller can drain and verify
/// the compressed stream after the tar ends.
pub enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(Box<MultiGzDecoder<R>>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Decoder<R> {
    pub fn new(compression: Compression, source: R) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Decoder::Plain(source),
            Compression::Gzip => Decoder::Gzip(Box::new(MultiGzDecoder::new(source))),
            Compression::Zstd => {
                let mut d = zstd::stream::read::Decoder::with_buffer(source)?;
                // 2^27 = 128 MiB window: zstd's own default cap; bounds memory on hostile frames.
                d.window_log_max(27)?;
                Decoder::Zstd(d)
            }
        })
    }

    pub fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_and_magic_must_agree() {
        let gz = [0x1f, 0x8b, 8, 0];
        let tar = *b"etc/";
        assert_eq!(
            detect(Some("application/vnd.oci.image.layer.v1.tar+gzip"), &gz),
            Ok(Compression::Gzip)
        );
        assert_eq!(
            detect(
                Some("application/vnd.docker.image.rootfs.diff.tar.gzip"),
                &gz
            ),
            Ok(Compression::Gzip)
        );
        assert_eq!(detect(None, &tar), Ok(Compression::None));
        let err = detect(Some("application/vnd.oci.image.layer.v1.tar+zstd"), &gz).unwrap_err();
        assert!(
            err.contains("media type says zstd but the content is gzip-compressed"),
            "{err}"
        );
        assert!(
            detect(
                Some("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"),
                &gz
            )
            .is_err()
        );
        assert!(detect(Some("text/plain"), &tar).is_err());
    }
}
