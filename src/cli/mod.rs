//! The `tact` command line: a thin layer over the engine, the rules folder and the bot.

/// `println!` that returns the write error (a closed pipe) instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?;
    }};
}

mod check;
mod export;
mod rules;
mod run;
mod style;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::{Lang, LangChoice};

#[derive(Debug, Parser)]
#[command(
    name = "tact",
    version,
    about = "Real-time, private coaching for customer-support agents"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Coach messages read from files or stdin, one message per line (exit 1 when something
    /// should be coached, 2 on errors).
    Check(check::CheckArgs),
    /// List, show, validate and test the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Run the Discord bot (token in DISCORD_TOKEN).
    Run(run::RunArgs),
    /// Check the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `tact rules ...`: the folder's commands, and `export` (a guild's accepted alternatives).
#[derive(Debug, Subcommand)]
enum RulesCommand {
    #[command(flatten)]
    Folder(rules::RulesCommand),
    /// Export a guild's accepted alternatives as TOML, to merge into the rules folder.
    Export(export::ExportArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Report every problem of a configuration file, with its key and line (exit 1 on problems).
    Check(run::ConfigCheckArgs),
}

/// `--lang fr|en|auto`.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum LangArg {
    #[default]
    Auto,
    Fr,
    En,
}

impl LangArg {
    fn choice(self) -> LangChoice {
        match self {
            LangArg::Auto => LangChoice::Auto,
            LangArg::Fr => LangChoice::Only(Lang::Fr),
            LangArg::En => LangChoice::Only(Lang::En),
        }
    }

    fn lang(self) -> Option<Lang> {
        match self {
            LangArg::Auto => None,
            LangArg::Fr => Some(Lang::Fr),
            LangArg::En => Some(Lang::En),
        }
    }
}

fn default_rules() -> PathBuf {
    PathBuf::from("rules")
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Rules(RulesCommand::Folder(cmd)) => rules::run(cmd),
        Command::Rules(RulesCommand::Export(args)) => export::run(args),
        Command::Run(args) => run::run(args),
        Command::Config(ConfigCommand::Check(args)) => run::config_check(args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`tact rules list | head`): nothing left to say.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tact: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
