//! Presets for the ruby_php_dotnet_elixir ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/ruby_php_dotnet_elixir/), snapshots in snapshots/ruby_php_dotnet_elixir/.
