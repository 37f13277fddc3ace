//! Presets for the go_jvm ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/go_jvm/), snapshots in snapshots/go_jvm/.
