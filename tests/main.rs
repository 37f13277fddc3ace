//! One integration-test binary (see Cargo.toml `autotests = false`).

mod bulk;
mod bytes;
mod cli;
mod contexts;
mod e2e;
mod eco_go_jvm;
mod eco_javascript;
mod eco_python;
mod eco_ruby_php_dotnet_elixir;
/// One test per rule fixture directory (build.rs, tests/support/case.rs).
mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixture_tests.rs"));
}
mod exported;
mod gate;
mod properties;
mod readers;
mod reliability;
mod replay;
mod rewrite;
mod shellint;
mod siblings;
mod stream;
mod support;
mod syntax;
