//! Presets for the javascript ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/javascript/), snapshots in snapshots/javascript/.
