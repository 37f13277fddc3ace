//! One integration-test binary (see Cargo.toml `autotests = false`).

mod bulk;
mod syntax;
mod support;
mod rewrite;
mod cli;
