//! One integration-test binary (see Cargo.toml `autotests = false`).

mod bulk;
mod properties;
mod e2e;
mod syntax;
mod support;
mod rewrite;
mod cli;
mod eco_javascript;
mod eco_python;
mod eco_go_jvm;
mod eco_ruby_php_dotnet_elixir;
