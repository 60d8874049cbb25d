//! Shared support for the integration tests.

pub mod bot;
pub mod discord_stub;
