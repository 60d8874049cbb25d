//! Tact: real-time, private coaching for customer-support agents on Discord.
//!
//! - [`engine`]: the pure coaching engine (normalization, rules, matching, suggestions);
//! - [`rules_dir`]: reading a rules folder from disk;
//! - [`config`]: the configuration file;
//! - [`storage`]: the embedded SQLite database;
//! - [`cli`]: the `tact` command line.

pub mod bot;
pub mod cli;
pub mod config;
pub mod engine;
pub mod rules_dir;
pub mod storage;
