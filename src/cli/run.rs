//! `tact run` and `tact config check`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Args;

use crate::config::{self, Config, DEFAULT_CONFIG_FILE};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The configuration file (default ./config.toml; defaults are used when it does not exist).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn load(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    let loaded = match path {
        Some(p) => Config::load(p),
        None => Config::load_or_default(DEFAULT_CONFIG_FILE),
    };
    loaded.map_err(|problems| anyhow!("the configuration has problems:\n{problems}\n(run `tact config check` after fixing them)"))
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = load(args.config.as_ref())?;
    init_logging(&config.log_level);
    let token = config::resolve_token(&config, std::env::var(config::TOKEN_ENV).ok())
        .map_err(|e| anyhow!("{e}"))?;
    let api_url = config::resolve_api_url(&config, std::env::var(config::API_URL_ENV).ok());
    // Before any thread starts: two arenas are enough for a bot whose work is mostly waiting.
    crate::bot::memory::limit_arenas(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(crate::bot::run(config, token, api_url, shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(default_filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

#[derive(Debug, Args)]
pub struct ConfigCheckArgs {
    /// The configuration file to check (default ./config.toml).
    file: Option<PathBuf>,
}

pub fn config_check(args: ConfigCheckArgs) -> anyhow::Result<ExitCode> {
    let path = args
        .file
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    match Config::load(&path) {
        Ok(c) => {
            outln!(
                "{}: OK ({} guild section(s); rules {}; database {})",
                path.display(),
                c.guilds.len(),
                c.rules_dir.display(),
                c.database.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            outln!("{problems}");
            outln!(
                "{} problem(s) in {}",
                problems.problems.len(),
                path.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}
