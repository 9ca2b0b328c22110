//! Criterion benchmarks for the threads-toolkit workspace.
//!
//! The benchmarks live in `benches/benches/`; run them with
//! `cargo bench -p threads-benches` (or `--bench <name>` for one).
