//! The Discord bot: `tact run`.
//!
//! - [`handler`]: gateway events in;
//! - [`watch`]: which channels and members are watched;
//! - [`coach`]: the coaching flow (new messages, edits, deletions);
//! - [`card`]: the coaching note's embeds;
//! - [`delivery`]: where a DM is sent (and the fallbacks);
//! - [`state`]: what the running bot shares; [`i18n`]: its own words in French and English.

pub mod card;
pub mod coach;
pub mod commands;
pub mod delivery;
pub mod handler;
pub mod i18n;
pub mod memory;
pub mod state;
pub mod watch;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder};
use serenity::cache::Settings as CacheSettings;
use serenity::gateway::GatewayError;

use crate::config::Config;
use crate::rules_dir;
use crate::storage::Storage;
use state::State;

/// What the bot asks Discord for: guild messages and their content (privileged).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// How long shutdown waits for coaching in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the bot until `shutdown` resolves (Ctrl-C / SIGTERM in `tact run`) or Discord ends the
/// session for good. `api_url` points REST calls and gateway discovery at another address (an
/// HTTP rate-limit proxy, or a local Discord stand-in in tests).
pub async fn run(
    config: Config,
    token: String,
    api_url: Option<String>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let report = rules_dir::load(&config.rules_dir)?;
    for e in &report.errors {
        tracing::error!(problem = %e, "rule problem: the file is left out until it is fixed");
    }
    tracing::info!(rules = report.engine.rules().len(), dir = %config.rules_dir.display(), "rules loaded");
    memory::return_freed();
    let storage = if config.database.as_os_str() == ":memory:" {
        Storage::open_in_memory()
    } else {
        Storage::open(&config.database)
    }
    .with_context(|| format!("cannot open the database {}", config.database.display()))?;
    let database = config.database.clone();
    let state = Arc::new(State::new(config, report.engine, storage));
    if database.as_os_str() != ":memory:" {
        spawn_checkpointer(&state, &database);
    }
    state.restore_cooldowns();

    let mut http = HttpBuilder::new(&token);
    if let Some(url) = &api_url {
        // serenity applies the proxy only with its own rate limiter off; the proxy (or the
        // stand-in) owns rate limits then.
        http = http.proxy(url.as_str()).ratelimiter_disabled(true);
        tracing::info!(api_url = %url, "Discord API at a custom address");
    }
    let http = http.build();
    match http.get_current_user().await {
        Ok(me) => tracing::info!(bot = %me.name, id = me.id.get(), "token accepted"),
        Err(e) if delivery_status(&e) == Some(401) => bail!(
            "Discord refused the token (401 Unauthorized). Copy the bot token again from the Discord developer portal (Applications > your app > Bot > Reset Token) into DISCORD_TOKEN or token_file."
        ),
        Err(e) => return Err(e).context("cannot reach Discord to check the token"),
    }

    // Tact reads guilds and channels from the cache, never users: do not keep every author.
    let mut cache = CacheSettings::default();
    cache.cache_users = false;
    let mut client = ClientBuilder::new_with_http(http, intents())
        .cache_settings(cache)
        .event_handler(handler::Handler {
            state: Arc::clone(&state),
        })
        .framework(commands::framework(Arc::clone(&state)))
        .await
        .context("cannot build the Discord client")?;
    let _rules_watcher =
        commands::reload::spawn_watcher(Arc::clone(&state), Arc::clone(&client.http));
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: closing the gateway, finishing coaching in flight");
        shards.shutdown_all().await;
    });
    let result = client.start().await;

    if !state.wait_idle(DRAIN_TIMEOUT).await {
        tracing::warn!("shutdown: some coaching was still in flight after {DRAIN_TIMEOUT:?}");
    }
    if let Err(e) = state.db(|db| db.checkpoint()) {
        tracing::warn!(error = %e, "cannot flush the database on shutdown");
    }
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(())
        }
        Err(serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents)) => bail!(
            "Discord closed the connection (4014 disallowed intents): the bot may not read message content. In the Discord developer portal, open Applications > your app > Bot, turn on \"Message Content Intent\" under Privileged Gateway Intents, save, and start Tact again."
        ),
        Err(serenity::Error::Gateway(GatewayError::InvalidAuthentication)) => {
            bail!("Discord rejected the token on the gateway (4004 authentication failed); reset the bot token and update DISCORD_TOKEN or token_file.")
        }
        Err(e) => Err(e).context("the Discord connection failed"),
    }
}

/// Log pages after which a commit checkpoints by itself: only a safety cap, for when the
/// background checkpoints cannot complete (e.g. a long read in another process).
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// How often the write-ahead log is copied back into the database file (and so, at most, about
/// how much log accumulates).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Keeps SQLite's checkpoints (which fsync) off the per-message path. Each round:
/// 1. a second connection copies the log into the database and syncs both (a PASSIVE checkpoint:
///    the bulk of the work, beside the coaching writes, which it never blocks);
/// 2. the main connection checkpoints what was committed meanwhile, a few pages, holding the
///    storage lock so that no commit runs: the checkpoint completes, and the next commit starts
///    the log again from its beginning.
///
/// Without step 2, under sustained writes a passive checkpoint never finds the log fully copied
/// and the log never restarts; the first commit past the automatic threshold then copies and
/// fsyncs tens of megabytes of log while every coaching waits for the storage lock (measured
/// at 500 messages/s: 20-38 ms every ~10,000 log pages, i.e. every ~4 s).
fn spawn_checkpointer(state: &Arc<State>, path: &std::path::Path) {
    let background = match Storage::open(path) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "no background checkpoints; commits will checkpoint");
            return;
        }
    };
    if let Err(e) = state.db(|db| db.set_auto_checkpoint(WRITER_CHECKPOINT_PAGES)) {
        tracing::warn!(error = %e, "cannot raise the automatic checkpoint threshold");
        return;
    }
    let background = Arc::new(std::sync::Mutex::new(background));
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let db = Arc::clone(&background);
            let bulk = tokio::task::spawn_blocking(move || {
                db.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .checkpoint_passive()
            })
            .await;
            match bulk {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "background checkpoint failed");
                    continue;
                }
                Err(_) => continue,
            }
            if let Err(e) = state.db_blocking(|db| db.checkpoint_passive()).await {
                tracing::warn!(error = %e, "checkpoint failed");
            }
        }
    });
}

/// The HTTP status of a failed Discord request.
fn delivery_status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.status_code.as_u16())
        }
        _ => None,
    }
}
