//! Audits of a running daemon and its containers: the Engine API's answers (`docker_api`) turned
//! into the same models the static inputs produce.

pub(crate) mod containers;
pub(crate) mod daemon;
