//! The physical floor of a scan: inflate gzip layer blobs to nowhere with the same inflater
//! stevedore uses (flate2 on zlib-rs), one after another, nothing else. With `--hash`, also
//! sha256 both the compressed and the uncompressed stream: the floor of a *verifying* pass.
//!
//! Usage: cargo run --release --example inflate_floor -- [--hash] BLOB...

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};

struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

struct HashSink(Sha256);

impl Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() -> io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let hash = args.first().is_some_and(|a| a == "--hash");
    if hash {
        args.remove(0);
    }
    let mut total = 0u64;
    for path in args {
        let file = File::open(&path)?;
        if hash {
            let raw = Hashing {
                inner: file,
                hasher: Sha256::new(),
            };
            let mut gz = MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, raw));
            let mut sink = HashSink(Sha256::new());
            total += io::copy(&mut gz, &mut sink)?;
            let _ = sink.0.finalize();
            let _ = gz.into_inner().into_inner().hasher.finalize();
        } else {
            let mut gz = MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, file));
            total += io::copy(&mut gz, &mut io::sink())?;
        }
    }
    eprintln!("inflated {total} bytes");
    Ok(())
}
