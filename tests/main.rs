//! One integration-test binary (see Cargo.toml `autotests = false`).

mod syntax;
