//! `docker-daemon:NAME[:TAG|@DIGEST]` (or an image id): the image streamed out of the local
//! daemon (`docker save` through the API) into a private, unlinked spool file, then read like a
//! docker-archive — so results, reference included, are those of scanning the saved archive.

use super::archive::TarStore;
use super::{Resolved, Transport, docker_archive};
use crate::docker_api::Connection;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::oci::platform::Platform;
use std::io::{Seek, SeekFrom};
use std::path::Path;

pub(super) fn open(
    name: &str,
    conn: &Connection,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    let mut spool = tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    conn.export_image(name, &mut spool, limits.max_image_bytes)?;
    spool
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::io("spool file", e))?;
    let store = TarStore::from_file(spool, format!("docker-daemon:{name}"), limits)?;
    let mut resolved = docker_archive::from_store(store, Path::new(name), None, platform, limits)?;
    resolved.transport = Transport::DockerDaemon;
    Ok(resolved)
}
