//! Runs the real `tact run` binary against the local Discord stand-in.
//!
//! The bot is configured exactly as a user would: a config file whose `[discord] api_url`
//! points at the stand-in, the token in `DISCORD_TOKEN`, the shipped rules folder.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::discord_stub::DiscordStub;

pub const TOKEN: &str = "test-token";

/// A running `tact run`.
pub struct Bot {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    logs: Arc<Mutex<String>>,
}

/// The shipped rules folder.
pub fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// Writes `config.toml` (global settings from `extra`, then `[discord]` pointing at the stub,
/// then `guilds`: `[[guild]]` sections) and starts the bot; waits until it is connected.
pub async fn start(stub: &DiscordStub, extra: &str, guilds: &str) -> Bot {
    let bot = spawn(stub, extra, guilds, &[]);
    if !stub.wait_ready(Duration::from_secs(30)).await {
        panic!(
            "the bot did not connect to the stand-in; its log:\n{}",
            bot.logs()
        );
    }
    bot
}

/// Writes the config and spawns the bot without waiting (for startup error tests).
pub fn spawn(stub: &DiscordStub, extra: &str, guilds: &str, env: &[(&str, &str)]) -> Bot {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = if extra.contains("rules_dir") {
        String::new()
    } else {
        format!("rules_dir = {:?}\n", rules_dir().display().to_string())
    };
    let config = format!(
        "{rules}database = \"tact.db\"\nlog_level = \"info,tact=debug\"\n{extra}\n\n[discord]\napi_url = {:?}\n\n{guilds}\n",
        stub.api_url()
    );
    std::fs::write(dir.path().join("config.toml"), config).expect("write config");
    // TACT_BOT_WRAPPER="heaptrack -o /tmp/bot" runs the bot under a profiler (diagnosis only).
    let mut cmd = match std::env::var("TACT_BOT_WRAPPER") {
        Ok(w) if !w.trim().is_empty() => {
            let mut parts = w.split_whitespace();
            let mut c = Command::new(parts.next().expect("wrapper"));
            c.args(parts).arg(env!("CARGO_BIN_EXE_tact"));
            c
        }
        _ => Command::new(env!("CARGO_BIN_EXE_tact")),
    };
    cmd.arg("run")
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .env("DISCORD_TOKEN", TOKEN)
        .env_remove("TACT_DISCORD_API_URL")
        .env("RUST_LOG", "info,tact=debug,serenity=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn tact run");
    let logs = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = Arc::clone(&logs);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    Bot {
        child: Some(child),
        dir,
        logs,
    }
}

impl Bot {
    /// Everything the bot logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("tact.db")
    }

    /// The bot's database, opened beside the running bot (WAL allows it).
    pub fn db(&self) -> tact::storage::Storage {
        tact::storage::Storage::open(&self.db_path()).expect("open the bot's database")
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                // Let the log reader drain.
                std::thread::sleep(Duration::from_millis(50));
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for a graceful exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.pid();
        Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .expect("kill -TERM");
        match self.wait_exit(Duration::from_secs(20)) {
            Some(status) => status,
            None => panic!(
                "the bot did not stop within 20 s of SIGTERM; log:\n{}",
                self.logs()
            ),
        }
    }

    /// Peak resident memory (VmHWM) of the bot process, in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
