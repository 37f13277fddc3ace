//! One integration-test binary (see Cargo.toml `autotests = false`).

mod bulk;
mod syntax;
