//! e2e fixtures for the javascript ecosystems (tests/e2e/fixtures/).
