//! e2e fixtures for the ruby_php_dotnet_elixir ecosystems (tests/e2e/fixtures/).
