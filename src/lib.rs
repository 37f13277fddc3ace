//! dockopt: rewrites Dockerfiles so dependency installs stay cached.
//!
//! Pipeline: bytes → [`syntax`] → [`model`] → [`rules`] → [`edit`] →
//! [`engine`] (apply to a fixed point) → [`report`].

pub mod cli;
pub mod color;
pub mod compose;
pub mod config;
pub mod configs;
pub mod context;
pub mod context_reads;
pub mod contexts;
pub mod declared;
pub mod diff;
pub mod edit;
pub mod effects;
pub mod engine;
pub mod fixwrite;
pub mod fsutil;
pub mod gate;
pub mod ignore_change;
pub mod ignore_merge;
pub mod images;
pub mod input;
pub mod inspect;
pub mod jobs;
pub mod json_stream;
pub mod left_alone;
pub mod links;
pub mod model;
pub mod origin;
pub mod patch;
pub mod paths;
pub mod preset;
pub mod progress;
pub mod readers;
pub mod rebase;
pub mod replay;
pub mod report;
pub mod rules;
pub mod runner;
pub mod sarif;
pub mod sharing;
pub mod shell;
pub mod shellint;
pub mod siblings;
pub mod stale;
pub mod stream;
pub mod suggest;
pub mod suppress;
pub mod syntax;
pub mod walk;

pub use cli::run;
