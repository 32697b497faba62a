//! The leaf every image layer stands on: content digests, layer compression, platforms, blob
//! descriptors and the media types of the OCI and Docker image formats. Nothing here knows where
//! an image comes from (`source/`) or what is in it (`image/`).

pub mod blob;
pub mod compression;
pub mod digest;
pub mod media;
pub mod platform;

pub use blob::BlobSpec;
pub use digest::Digest;
pub use platform::Platform;
