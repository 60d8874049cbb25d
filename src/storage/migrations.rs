//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! Migration `i` (0-based) in [`MIGRATIONS`] brings the schema from version
//! `i` to version `i + 1`. Never edit a shipped migration: append a new one.

use rusqlite::{Connection, TransactionBehavior};

/// SQL batches, one per schema version (index 0 creates version 1).
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1: initial schema.
    r#"
    -- What guild admins changed with commands; config-file values are the defaults.
    CREATE TABLE guild_settings (
        guild_id          INTEGER PRIMARY KEY,
        delivery          TEXT,
        cooldown_minutes  INTEGER CHECK (cooldown_minutes IS NULL OR cooldown_minutes >= 0)
    ) STRICT;

    -- Watched-channel overrides: 'add' = watched in addition to config,
    -- 'remove' = not watched although config lists it.
    CREATE TABLE guild_channels (
        guild_id    INTEGER NOT NULL,
        channel_id  INTEGER NOT NULL,
        op          TEXT NOT NULL CHECK (op IN ('add', 'remove')),
        PRIMARY KEY (guild_id, channel_id)
    ) STRICT, WITHOUT ROWID;

    -- Agent-role overrides, same semantics as guild_channels.
    CREATE TABLE guild_roles (
        guild_id  INTEGER NOT NULL,
        role_id   INTEGER NOT NULL,
        op        TEXT NOT NULL CHECK (op IN ('add', 'remove')),
        PRIMARY KEY (guild_id, role_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE guild_disabled_rules (
        guild_id  INTEGER NOT NULL,
        rule_id   TEXT NOT NULL,
        PRIMARY KEY (guild_id, rule_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE agent_prefs (
        guild_id      INTEGER NOT NULL,
        user_id       INTEGER NOT NULL,
        paused_until  INTEGER,
        PRIMARY KEY (guild_id, user_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE events (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id       INTEGER NOT NULL,
        channel_id     INTEGER NOT NULL,
        message_id     INTEGER NOT NULL,
        agent_id       INTEGER NOT NULL,
        rule_id        TEXT NOT NULL,
        category       TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('avoid', 'praise')),
        at             INTEGER NOT NULL,
        delivery       TEXT NOT NULL,
        dm_channel_id  INTEGER,
        dm_message_id  INTEGER,
        text           TEXT,
        status         TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'corrected', 'withdrawn')),
        corrected_at   INTEGER,
        withdrawn_at   INTEGER
    ) STRICT;

    -- Edits and deletions look events up by message.
    CREATE INDEX events_by_message ON events (channel_id, message_id);
    -- Stats scan a guild's events since a time.
    CREATE INDEX events_by_guild_time ON events (guild_id, at);
    -- Per-message hot path: last delivered avoid event for (guild, agent, rule).
    -- The WHERE clause must stay identical to the one in Storage::last_coached.
    CREATE INDEX events_last_coached ON events (guild_id, agent_id, rule_id, at)
        WHERE kind = 'avoid' AND delivery NOT IN ('cooldown', 'none');

    -- One vote per user per event; a second click replaces the first.
    CREATE TABLE feedback (
        event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        user_id   INTEGER NOT NULL,
        kind      TEXT NOT NULL CHECK (kind IN ('helpful', 'not_relevant')),
        at        INTEGER NOT NULL,
        PRIMARY KEY (event_id, user_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE suggestions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id    INTEGER REFERENCES events (id) ON DELETE SET NULL,
        guild_id    INTEGER NOT NULL,
        rule_id     TEXT NOT NULL,
        user_id     INTEGER NOT NULL,
        text        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'rejected')),
        decided_by  INTEGER,
        decided_at  INTEGER
    ) STRICT;

    CREATE INDEX suggestions_by_guild_status ON suggestions (guild_id, status);
    "#,
];

/// The schema version this build creates and understands.
pub(crate) const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// Outcome of [`migrate`] that the caller turns into a `StorageError`.
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// The file was written by a newer build of Tact.
    TooNew { found: u32 },
    /// SQLite failed; the `&str` says during what.
    Sqlite(&'static str, rusqlite::Error),
}

/// Reads `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// Applies every pending migration in one IMMEDIATE transaction; returns the
/// version the database was at before (equal to [`LATEST_VERSION`] if nothing ran).
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, MigrateError> {
    let current =
        user_version(conn).map_err(|e| MigrateError::Sqlite("reading schema version", e))?;
    if current > LATEST_VERSION {
        return Err(MigrateError::TooNew { found: current });
    }
    if current == LATEST_VERSION {
        // Up to date: take no write lock, so opening never waits on a writer.
        return Ok(current);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| MigrateError::Sqlite("starting schema migration", e))?;
    // Another process may have migrated between our read and the lock.
    let current =
        user_version(&tx).map_err(|e| MigrateError::Sqlite("reading schema version", e))?;
    if current > LATEST_VERSION {
        return Err(MigrateError::TooNew { found: current });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)
            .map_err(|e| MigrateError::Sqlite("applying schema migration", e))?;
        tracing::info!(version = i + 1, "applied storage schema migration");
    }
    tx.pragma_update(None, "user_version", LATEST_VERSION)
        .map_err(|e| MigrateError::Sqlite("writing schema version", e))?;
    tx.commit()
        .map_err(|e| MigrateError::Sqlite("committing schema migration", e))?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_reaches_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(user_version(&conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(user_version(&conn).unwrap(), LATEST_VERSION);
        // Second run is a no-op.
        assert_eq!(migrate(&mut conn).unwrap(), LATEST_VERSION);
        assert_eq!(user_version(&conn).unwrap(), LATEST_VERSION);
    }

    #[test]
    fn newer_version_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
        match migrate(&mut conn) {
            Err(MigrateError::TooNew { found }) => assert_eq!(found, LATEST_VERSION + 1),
            other => panic!("expected TooNew, got {other:?}"),
        }
    }

    #[test]
    fn failed_migration_rolls_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A table that collides with the migration makes it fail half-way.
        conn.execute_batch("CREATE TABLE feedback (x INTEGER);")
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(MigrateError::Sqlite(..))));
        assert_eq!(user_version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'guild_settings'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "partial migration must be rolled back");
    }
}
