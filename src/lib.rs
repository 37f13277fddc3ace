//! dockopt: rewrites Dockerfiles so dependency installs stay cached.
//!
//! Pipeline: bytes → [`syntax`] → model → rules → edits → apply → report.

pub mod cli;
pub mod inspect;
pub mod input;
pub mod syntax;

pub use cli::run;
