//! e2e fixtures for the go_jvm ecosystems (tests/e2e/fixtures/).
