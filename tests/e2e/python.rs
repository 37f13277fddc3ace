//! e2e fixtures for the python ecosystems (tests/e2e/fixtures/).
