//! Load test (ignored by default): 10,000 messages through the local Discord stand-in into a
//! real `tact run`, paced at 500 messages/s. Reports messages/s, p50/p99 latency from
//! MESSAGE_CREATE sent to the coaching DM received, lost messages, and the bot's peak memory.
//!
//! Run it (release build, as in production):
//!     cargo test --release --locked --test load_e2e -- --ignored --nocapture

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use support::bot;
use support::discord_stub::{self as stub, DiscordStub};

const GUILD: u64 = 100_000_000_000_000_001;
const SUPPORT: u64 = 200_000_000_000_000_001;
const MESSAGES: usize = 10_000;
const RATE: u64 = 500;

fn corpus() -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for lang in ["fr", "en"] {
        let path = format!("{}/tests/corpus/{lang}.jsonl", env!("CARGO_MANIFEST_DIR"));
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push((
                v["label"] == "flag",
                v["text"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "load test: run with --ignored (see the file's doc)"]
async fn ten_thousand_messages_at_500_per_second() {
    // The stand-in's own check that serenity can parse each event is not needed here: the
    // payloads come from the same builders the end-to-end tests validate.
    let stub = DiscordStub::start_with(stub::StubConfig {
        validate_dispatches: false,
        ..Default::default()
    })
    .await;
    stub.add_guild(stub::guild(GUILD, "Support", &[(SUPPORT, 0, None)], &[]));
    let guilds = format!("[[guild]]\nid = {GUILD}\nchannels = [{SUPPORT}]\n");
    let bot = bot::start(&stub, "", &guilds).await;

    // Which corpus messages the shipped rules coach (what the bot should DM about).
    let engine = tact::rules_dir::load(&bot::rules_dir()).unwrap().engine;
    let corpus = corpus();
    let flagged_text: Vec<bool> = corpus
        .iter()
        .map(|(_, t)| {
            engine
                .check(t, &Default::default())
                .iter()
                .any(|h| h.is_avoid())
        })
        .collect();

    let idle_kib = bot.peak_rss_kib().unwrap_or(0);
    // One agent per message, so cooldowns never hide a coaching: every flagged message must
    // produce exactly one DM.
    // DM channel -> (when its message was sent, message id).
    let mut sent_at: HashMap<u64, (Instant, u64)> = HashMap::new();
    let mut sent_wall: HashMap<u64, std::time::SystemTime> = HashMap::new();
    let mut expected = 0usize;
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    for i in 0..MESSAGES {
        tick.tick().await;
        let k = i % corpus.len();
        let agent = 600_000_000_000_000_000 + i as u64;
        let id = 700_000_000_000_000_000 + i as u64;
        let dm = stub.dm_channel_id(agent);
        let msg = stub::message(
            id,
            SUPPORT,
            Some(GUILD),
            agent,
            "agent",
            false,
            &corpus[k].1,
            Some(&[]),
        );
        if flagged_text[k] {
            expected += 1;
            sent_at.insert(dm, (Instant::now(), id));
            sent_wall.insert(id, std::time::SystemTime::now());
        }
        stub.dispatch("MESSAGE_CREATE", msg).await;
    }
    let sending = start.elapsed();
    // Wait for the last DMs.
    let deadline = Instant::now() + Duration::from_secs(30);
    let count = |stub: &DiscordStub| {
        stub.requests()
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.starts_with("/channels/")
                    && r.path.ends_with("/messages")
            })
            .count()
    };
    while count(&stub) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut latencies: Vec<Duration> = Vec::new();
    let mut timeline: Vec<(Duration, Duration, u64)> = Vec::new();
    let mut dms = 0;
    for r in stub.requests() {
        if r.method != "POST" || !r.path.ends_with("/messages") {
            continue;
        }
        let channel: u64 = r
            .path
            .split('/')
            .nth(2)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if let Some((sent, id)) = sent_at.get(&channel) {
            dms += 1;
            latencies.push(r.received_at.duration_since(*sent));
            timeline.push((
                sent.duration_since(start),
                r.received_at.duration_since(*sent),
                *id,
            ));
        }
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let peak_kib = bot.peak_rss_kib().unwrap_or(0);
    // The bot's own handling time (event received -> note delivered), from its log.
    let mut handling: Vec<u64> = bot
        .logs()
        .lines()
        .filter(|l| l.contains("agent coached"))
        .filter_map(|l| {
            l.split("handling_us=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    handling.sort_unstable();
    // Gateway delay: from the test's send to the handler's start (log time minus handling).
    let mut gateway: Vec<f64> = Vec::new();
    // Message id -> (gateway delay, bot handling) in ms, to break the slow ones down.
    let mut breakdown: HashMap<u64, (f64, f64)> = HashMap::new();
    for l in bot.logs().lines().filter(|l| l.contains("agent coached")) {
        let field = |name: &str| {
            l.split(&format!("{name}="))
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        };
        let (Some(msg), Some(h)) = (field("message_id"), field("handling_us")) else {
            continue;
        };
        let Some(ts) = l.split_whitespace().next() else {
            continue;
        };
        let Ok(at) = chrono_like(ts) else { continue };
        if let Some(sent) = sent_wall.get(&msg) {
            let start = at - Duration::from_micros(h);
            if let Ok(d) = start.duration_since(*sent) {
                gateway.push(d.as_secs_f64() * 1000.0);
                breakdown.insert(msg, (d.as_secs_f64() * 1000.0, h as f64 / 1000.0));
            }
        }
    }
    // When the slow ones happened (seconds into the run), to tell warm-up from steady state,
    // and where the time went: gateway (send -> handler start) and bot (handler -> DM sent).
    let slow: Vec<String> = timeline
        .iter()
        .filter(|(_, l, _)| *l > Duration::from_millis(5))
        .map(|(t, l, id)| {
            let parts = breakdown
                .get(id)
                .map(|(g, h)| format!(" (gateway {g:.1} bot {h:.1})"))
                .unwrap_or_default();
            format!(
                "{:.2}s:{:.1}ms{parts}",
                t.as_secs_f64(),
                l.as_secs_f64() * 1000.0
            )
        })
        .collect();
    println!(
        "load: {} coachings over 5 ms: {}",
        slow.len(),
        slow.join(" ")
    );
    gateway.sort_by(|a, b| a.total_cmp(b));
    let gpct = |p: f64| {
        gateway
            .get(((gateway.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    if gateway.is_empty() {
        println!(
            "load: sample log line: {:?}",
            bot.logs().lines().find(|l| l.contains("agent coached"))
        );
    }
    println!(
        "load: gateway delay (send -> handler start) p50 {:.2} ms p99 {:.2} ms over {}",
        gpct(0.5),
        gpct(0.99),
        gateway.len()
    );
    if handling.is_empty() {
        println!(
            "load: no handling times in the bot's log; sample: {:?}",
            bot.logs().lines().rev().take(3).collect::<Vec<_>>()
        );
    }
    let hpct = |p: f64| {
        handling
            .get(((handling.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let rate = MESSAGES as f64 / sending.as_secs_f64();
    let report = serde_json::json!({
        "messages": MESSAGES,
        "rate_msgs_per_s": rate,
        "flagged": expected,
        "dms": dms,
        "lost": expected as i64 - dms as i64,
        "p50_ms": pct(0.50).as_secs_f64() * 1000.0,
        "p99_ms": pct(0.99).as_secs_f64() * 1000.0,
        "max_ms": latencies.last().unwrap().as_secs_f64() * 1000.0,
        "bot_handling_p50_ms": hpct(0.50),
        "bot_handling_p99_ms": hpct(0.99),
        "gateway_p50_ms": gpct(0.50),
        "gateway_p99_ms": gpct(0.99),
        "peak_rss_mib": peak_kib as f64 / 1024.0,
        "idle_rss_mib": idle_kib as f64 / 1024.0,
        "wal_mib": std::fs::metadata(bot.dir.path().join("tact.db-wal")).map_or(0, |m| m.len()) as f64 / (1024.0 * 1024.0),
    });
    println!("load: {report:#}");
    std::fs::create_dir_all(format!("{}/target", env!("CARGO_MANIFEST_DIR"))).ok();
    std::fs::write(
        format!("{}/target/load-metrics.json", env!("CARGO_MANIFEST_DIR")),
        report.to_string(),
    )
    .unwrap();
    assert_eq!(dms, expected, "no coaching lost");
}

/// Parses the bot log's RFC 3339 UTC timestamp (`2026-11-23T14:31:55.282223Z`).
fn chrono_like(ts: &str) -> Result<std::time::SystemTime, ()> {
    let ts = ts.strip_suffix('Z').ok_or(())?;
    let (date, time) = ts.split_once('T').ok_or(())?;
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().map_err(|_| ()))
        .collect::<Result<_, _>>()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms
        .split(':')
        .map(|x| x.parse().map_err(|_| ()))
        .collect::<Result<_, _>>()?;
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m, day) = (d[0] - i64::from(d[1] <= 2), d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2];
    let micros: u64 = format!("{frac:0<6}")[..6].parse().map_err(|_| ())?;
    Ok(std::time::UNIX_EPOCH + Duration::from_secs(secs as u64) + Duration::from_micros(micros))
}
