//! Presets for the python ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/python/), snapshots in snapshots/python/.
