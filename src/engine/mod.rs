//! Selection, policy and the pipelines: from models to a [`Report`], the one path the CLI, the
//! pre-push hook and `stevedore serve` all take.

mod pipeline;
mod policy;
mod report;
mod unmatched;

pub use pipeline::*;
pub use policy::*;
pub use report::*;
pub use unmatched::Unmatched;
