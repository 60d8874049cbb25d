//! A local Discord stand-in for end-to-end tests of a serenity 0.12.5 / poise 0.7.1 bot.
//!
//! One axum server on 127.0.0.1:0 emulates both halves of Discord that the real serenity client
//! talks to:
//! - the REST API under `/api/v10/...` (give `api_url()` to `HttpBuilder::proxy()` together with
//!   `ratelimiter_disabled(true)`: serenity only honours the proxy when its limiter is off). Every
//!   request is recorded (`requests`, `wait_for`) and answered with JSON that serenity 0.12.5
//!   deserializes; `respond_once`/`respond_always` override answers (e.g. 403/50007 on a DM).
//! - the gateway websocket at `ws://127.0.0.1:PORT/gateway` (returned by `GET /gateway`): HELLO,
//!   IDENTIFY -> READY + one GUILD_CREATE per added guild, heartbeat ACKs, RESUME -> replay of the
//!   missed dispatches + RESUMED, close codes, op 7 / op 9. Dispatches are filtered by the
//!   IDENTIFY intents as Discord does (guild message content is blanked without MESSAGE_CONTENT),
//!   and the bot's own REST messages come back as MESSAGE_CREATE/UPDATE/DELETE.
//!
//! Single shard only. Payload builders (`guild`, `member`, `message`, `interaction_*`, ...) produce
//! complete objects; `dispatch` panics if serenity 0.12.5 could not deserialize the event (the
//! real client turns an incomplete known event into `Event::Unknown` and drops it, DEBUG log only).
//!
//! Usage: `let stub = DiscordStub::start().await; stub.add_guild(guild(..));`, build the client with
//! `HttpBuilder::new(token).proxy(stub.api_url()).ratelimiter_disabled(true).build()` and
//! `ClientBuilder::new_with_http(http, intents)`, spawn `client.start()`, `stub.wait_ready(..)`,
//! then `stub.dispatch(..)` events and `stub.wait_for(..)` the bot's REST calls.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};

/// Default snowflakes of the bot's user and application (distinct on purpose: a bot that mixes
/// them up fails against the stub).
pub const DEFAULT_BOT_USER_ID: u64 = 1_100_000_000_000_000_001;
pub const DEFAULT_APPLICATION_ID: u64 = 1_100_000_000_000_000_002;
/// Owner of the application (`GET /oauth2/applications/@me`), used by poise's owner lookup.
pub const DEFAULT_OWNER_ID: u64 = 1_100_000_000_000_000_003;
/// Owner of every guild built by [`guild`]: nobody the tests play, so no test user silently gets
/// the owner's implicit ADMINISTRATOR.
pub const GUILD_OWNER_ID: u64 = 1_100_000_000_000_000_004;

/// Permission bits (Discord's numbering).
pub mod perms {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const MANAGE_THREADS: u64 = 1 << 34;
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    /// What @everyone gets in guilds built by [`super::guild`], and the default `permissions`
    /// of an [`super::Invoker`] and of `app_permissions`.
    pub const DEFAULT: u64 = ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS;
}

/// Gateway intent bits the stub enforces.
pub mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub const GUILD_MESSAGE_TYPING: u64 = 1 << 11;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub const DIRECT_MESSAGE_TYPING: u64 = 1 << 14;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// Knobs of [`DiscordStub::start_with`]; `StubConfig::default()` is what [`DiscordStub::start`]
/// uses.
#[derive(Clone, Debug)]
pub struct StubConfig {
    /// Sent in HELLO (ms). serenity heartbeats once per interval after IDENTIFY.
    pub heartbeat_interval_ms: u64,
    pub bot_user_id: u64,
    pub bot_username: String,
    pub application_id: u64,
    pub owner_id: u64,
    /// Drop / trim dispatches as Discord does for the intents sent in IDENTIFY.
    pub enforce_intents: bool,
    /// Send the bot's own REST-created/edited/deleted channel messages back as dispatches.
    pub echo_bot_messages: bool,
    /// `dispatch` panics when serenity 0.12.5 cannot deserialize the event.
    pub validate_dispatches: bool,
}

impl Default for StubConfig {
    fn default() -> Self {
        StubConfig {
            heartbeat_interval_ms: 45_000,
            bot_user_id: DEFAULT_BOT_USER_ID,
            bot_username: "tact-test-bot".to_string(),
            application_id: DEFAULT_APPLICATION_ID,
            owner_id: DEFAULT_OWNER_ID,
            enforce_intents: true,
            echo_bot_messages: true,
            validate_dispatches: true,
        }
    }
}

/// One REST request the stub received (and what it answered).
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Position in `requests()` (0-based, in arrival order).
    pub index: usize,
    /// Upper case: "GET", "POST", ...
    pub method: String,
    /// Percent-decoded, without the `/api/v10` prefix and the query, e.g. `/channels/5/messages`.
    pub path: String,
    /// Raw query string without the leading `?` and serenity's leading `&` ("" if none).
    pub query: String,
    /// JSON body (for multipart requests: the `payload_json` part); `Value::Null` if none,
    /// `Value::String` if the body was not JSON.
    pub body: Value,
    /// The `Authorization` header (serenity sends `Bot <token>`).
    pub authorization: Option<String>,
    pub received_at: Instant,
    pub status: u16,
    /// What the stub answered (`Value::Null` for 204).
    pub response: Value,
}

impl Recorded {
    /// `true` if method matches (case-insensitive) and path is exactly `path`.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// Value of a query parameter, if present.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| percent_decode(v))
        })
    }
}

/// A cheap-to-clone handle on a running stub. The server stops when the last handle is dropped
/// (or when the test's runtime ends).
#[derive(Clone)]
pub struct DiscordStub {
    inner: Arc<Inner>,
    _server: Arc<ServerGuard>,
}

struct ServerGuard(tokio::task::JoinHandle<()>);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Inner {
    cfg: StubConfig,
    addr: SocketAddr,
    state: Mutex<StubState>,
    /// Bumped on every state change; waiters re-check their condition on each bump.
    changed: watch::Sender<u64>,
    ack_heartbeats: AtomicBool,
}

enum Out {
    Text(String),
    /// Close with a code (or just drop the socket if `None`), then acknowledge.
    Close(Option<u16>, Option<oneshot::Sender<()>>),
}

struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Out>,
    /// IDENTIFY/RESUME done on this socket: dispatches go out immediately.
    live: bool,
}

struct Session {
    id: String,
    seq: u64,
    intents: u64,
    /// Every dispatch of the session: (seq, event, data), for RESUME replays.
    log: Vec<(u64, String, Value)>,
    /// Highest seq written to a live socket.
    sent_upto: u64,
}

#[derive(Clone)]
struct InteractionInfo {
    channel_id: u64,
    guild_id: Option<u64>,
    /// For component interactions: the message carrying the component (target of type 7).
    message_id: Option<u64>,
}

struct Override {
    method: String,
    prefix: String,
    status: u16,
    body: Value,
    once: bool,
}

#[derive(Default)]
struct StubState {
    next_id: u64,
    requests: Vec<Recorded>,
    overrides: Vec<Override>,
    guilds: Vec<Value>,
    dm_channels: HashMap<u64, u64>,
    /// DM channels and threads created over REST.
    channels: HashMap<u64, Value>,
    users: HashMap<u64, Value>,
    messages: HashMap<u64, Value>,
    interactions: HashMap<String, InteractionInfo>,
    /// interaction token -> id of its original response message.
    originals: HashMap<String, u64>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    // gateway
    conn: Option<Conn>,
    next_conn: u64,
    session: Option<Session>,
    sessions_started: u64,
    /// Dispatches made before any session existed; sent after the next READY.
    pending: Vec<(String, Value)>,
    identify_count: usize,
    resume_count: usize,
    heartbeat_count: usize,
    connection_count: usize,
    identifies: Vec<Value>,
    received: Vec<Value>,
    /// Dispatches not delivered because of the session's intents.
    filtered: Vec<(String, Value)>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, StubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn ws_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    fn bot_user(&self) -> Value {
        user(self.cfg.bot_user_id, &self.cfg.bot_username, true)
    }
}

impl DiscordStub {
    /// Starts a stub with `StubConfig::default()` on 127.0.0.1:0.
    pub async fn start() -> DiscordStub {
        Self::start_with(StubConfig::default()).await
    }

    pub async fn start_with(cfg: StubConfig) -> DiscordStub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("discord_stub: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("discord_stub: local_addr");
        let (changed, _) = watch::channel(0u64);
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let first_id = ((now_ms as u64).saturating_sub(1_420_070_400_000)) << 22;
        let mut state = StubState {
            next_id: first_id,
            ..Default::default()
        };
        state.users.insert(
            cfg.bot_user_id,
            user(cfg.bot_user_id, &cfg.bot_username, true),
        );
        let inner = Arc::new(Inner {
            cfg,
            addr,
            state: Mutex::new(state),
            changed,
            ack_heartbeats: AtomicBool::new(true),
        });
        let app = Router::new()
            .route("/gateway", get(gateway_handler))
            .route("/", get(gateway_handler))
            .fallback(rest_handler)
            .with_state(inner.clone());
        // TCP_NODELAY on every accepted socket (axum::serve leaves Nagle on). With Nagle, a
        // gateway frame written while an earlier one is still unacknowledged waits in the
        // stand-in's send buffer until the bot's kernel sends its delayed ACK (40 ms on Linux):
        // a stream of small one-way frames, like 500 MESSAGE_CREATE/s, then stalls for ~40 ms
        // at a time, depending only on frame sizes. That delay would be the stand-in's, not
        // the bot's; Discord's own sockets are not ours to emulate here.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        DiscordStub {
            inner,
            _server: Arc::new(ServerGuard(server)),
        }
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy()`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// `ws://127.0.0.1:PORT/gateway` (what `GET /gateway` answers).
    pub fn gateway_url(&self) -> String {
        self.inner.ws_url()
    }

    pub fn bot_user_id(&self) -> u64 {
        self.inner.cfg.bot_user_id
    }

    pub fn application_id(&self) -> u64 {
        self.inner.cfg.application_id
    }

    pub fn config(&self) -> &StubConfig {
        &self.inner.cfg
    }

    /// Adds a guild (e.g. from [`guild`]). Announced by GUILD_CREATE after READY, or at once if
    /// the session is live (as when the bot joins a guild). The bot's own member is added if
    /// missing. Its members and channels also answer `GET /guilds/..`, `GET /channels/{id}`.
    pub fn add_guild(&self, mut guild: Value) {
        let bot = bot_member(self.inner.cfg.bot_user_id, &self.inner.cfg.bot_username);
        let bot_id = self.inner.cfg.bot_user_id.to_string();
        if let Some(members) = guild.get_mut("members").and_then(Value::as_array_mut) {
            if !members.iter().any(|m| m["user"]["id"] == bot_id.as_str()) {
                members.push(bot);
            }
            let n = members.len();
            guild["member_count"] = json!(n);
        }
        let mut st = self.inner.lock();
        learn_users_from_guild(&mut st, &guild);
        let gid = id_of(&guild["id"]);
        st.guilds.retain(|g| id_of(&g["id"]) != gid);
        st.guilds.push(guild.clone());
        if st.conn.as_ref().is_some_and(|c| c.live) && st.session.is_some() {
            dispatch_locked(
                &self.inner,
                &mut st,
                "GUILD_CREATE",
                guild_create_payload(&guild),
            );
        }
        drop(st);
        self.inner.bump();
    }

    /// Adds a member (from [`member`]) to an added guild: `GET /guilds/{g}/members/{u}` finds it
    /// and later GUILD_CREATEs include it. Dispatches nothing (send GUILD_MEMBER_ADD yourself).
    pub fn add_member(&self, guild_id: u64, member: Value) {
        let mut st = self.inner.lock();
        if let Some(user) = member.get("user") {
            st.users.insert(id_of(&user["id"]), user.clone());
        }
        let uid = member["user"]["id"].clone();
        if let Some(g) = st.guilds.iter_mut().find(|g| id_of(&g["id"]) == guild_id) {
            if let Some(members) = g["members"].as_array_mut() {
                members.retain(|m| m["user"]["id"] != uid);
                members.push(member);
                let n = members.len();
                g["member_count"] = json!(n);
            }
        }
        drop(st);
        self.inner.bump();
    }

    /// The DM channel id the stub answers for `POST /users/@me/channels {recipient_id}`
    /// (allocated now if needed, stable afterwards): lets a test prepare `respond_once` for it.
    pub fn dm_channel_id(&self, user_id: u64) -> u64 {
        let mut st = self.inner.lock();
        dm_channel_for(&mut st, user_id)
    }

    /// A fresh snowflake (greater than every id the stub handed out before).
    pub fn next_id(&self) -> u64 {
        next_id(&mut self.inner.lock())
    }

    /// `true` once the shard is connected with a live session: IDENTIFY answered by READY and
    /// the GUILD_CREATEs, or RESUME answered by the replay and RESUMED. After `disconnect`, it
    /// waits for the reconnection.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_state(timeout, |st| {
            st.conn.as_ref().is_some_and(|c| c.live).then_some(())
        })
        .await
        .is_some()
    }

    /// Waits until at least `n` RESUMEs were answered.
    pub async fn wait_resumed(&self, n: usize, timeout: Duration) -> bool {
        self.wait_state(timeout, |st| {
            (st.resume_count >= n && st.conn.as_ref().is_some_and(|c| c.live)).then_some(())
        })
        .await
        .is_some()
    }

    /// Waits until at least `n` IDENTIFYs were answered with READY and the session is live.
    pub async fn wait_identified(&self, n: usize, timeout: Duration) -> bool {
        self.wait_state(timeout, |st| {
            (st.identify_count >= n && st.conn.as_ref().is_some_and(|c| c.live)).then_some(())
        })
        .await
        .is_some()
    }

    /// Waits until at least `n` heartbeats (op 1) were received.
    pub async fn wait_heartbeats(&self, n: usize, timeout: Duration) -> bool {
        self.wait_state(timeout, |st| (st.heartbeat_count >= n).then_some(()))
            .await
            .is_some()
    }

    /// Sends `{"op":0,"s":next_seq,"t":event,"d":data}` to the shard. While the shard is
    /// disconnected the event is kept and replayed on RESUME (as Discord does); before the first
    /// IDENTIFY it is sent right after READY and the GUILD_CREATEs. With `enforce_intents`, it
    /// is dropped (or its content blanked) if the IDENTIFY intents don't cover it.
    /// Panics if serenity 0.12.5 cannot deserialize it (see `validate_dispatches`).
    pub async fn dispatch(&self, event: &str, data: Value) {
        if self.inner.cfg.validate_dispatches {
            if let Err(e) = validate_dispatch(event, &data) {
                panic!(
                    "discord_stub: serenity 0.12.5 cannot deserialize this {event}: {e}\n{data:#}"
                );
            }
        }
        self.dispatch_unchecked(event, data).await;
    }

    /// `dispatch` without the deserialization check (to test how the bot copes with junk).
    pub async fn dispatch_unchecked(&self, event: &str, data: Value) {
        let mut st = self.inner.lock();
        observe_event(&self.inner, &mut st, event, &data);
        if st.session.is_some() {
            dispatch_locked(&self.inner, &mut st, event, data);
        } else {
            st.pending.push((event.to_string(), data));
        }
        drop(st);
        self.inner.bump();
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().requests.clone()
    }

    /// Number of REST requests so far: `r.index >= mark` selects the later ones.
    pub fn request_count(&self) -> usize {
        self.inner.lock().requests.len()
    }

    /// The first recorded request (past or future) matching `pred`, or `None` after `timeout`.
    pub async fn wait_for(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Option<Recorded> {
        self.wait_state(timeout, |st| st.requests.iter().find(|r| pred(r)).cloned())
            .await
    }

    /// `true` once at least `n` recorded requests match `pred`; `false` after `timeout`.
    pub async fn wait_for_count(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        n: usize,
        timeout: Duration,
    ) -> bool {
        self.wait_state(timeout, |st| {
            (st.requests.iter().filter(|r| pred(r)).count() >= n).then_some(())
        })
        .await
        .is_some()
    }

    /// Answers the next request with this method whose path (without `/api/v10`) starts with
    /// `path_prefix` with `status` and `body` (no body if `status` is 204 or `body` is Null).
    /// The request is still recorded. Overrides are consumed in the order they were added.
    pub fn respond_once(&self, method: &str, path_prefix: &str, status: u16, body: Value) {
        self.add_override(method, path_prefix, status, body, true);
    }

    /// Like `respond_once`, for every matching request until `clear_overrides`.
    pub fn respond_always(&self, method: &str, path_prefix: &str, status: u16, body: Value) {
        self.add_override(method, path_prefix, status, body, false);
    }

    pub fn clear_overrides(&self) {
        self.inner.lock().overrides.clear();
    }

    fn add_override(&self, method: &str, prefix: &str, status: u16, body: Value, once: bool) {
        self.inner.lock().overrides.push(Override {
            method: method.to_ascii_uppercase(),
            prefix: prefix.to_string(),
            status,
            body,
            once,
        });
    }

    /// Ends the current gateway socket: with a close frame carrying `close_code`, or (`None`)
    /// by dropping the TCP connection. Returns once the socket is closed. Dispatches made until
    /// the client RESUMEs are replayed then. (serenity: 4000/drop -> RESUME; 4004, 4010-4014 ->
    /// the shard stops; 4007/4009 -> new IDENTIFY.)
    pub async fn disconnect(&self, close_code: Option<u16>) {
        let conn = self.inner.lock().conn.take();
        self.inner.bump();
        if let Some(conn) = conn {
            let (ack_tx, ack_rx) = oneshot::channel();
            if conn.tx.send(Out::Close(close_code, Some(ack_tx))).is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(5), ack_rx).await;
            }
        }
    }

    /// Sends op 9 INVALID_SESSION. `false` makes serenity IDENTIFY again (its shard queuer
    /// waits 5 s between IDENTIFYs); the old session's undelivered dispatches follow the new
    /// READY.
    pub async fn invalidate_session(&self, resumable: bool) {
        let mut st = self.inner.lock();
        if let Some(conn) = st.conn.as_mut() {
            let _ = conn
                .tx
                .send(Out::Text(json!({"op": 9, "d": resumable}).to_string()));
            // Later dispatches wait for the RESUME / new IDENTIFY.
            conn.live = false;
        }
        drop(st);
        self.inner.bump();
    }

    /// Sends op 7 RECONNECT: serenity reconnects and RESUMEs.
    pub async fn request_reconnect(&self) {
        let mut st = self.inner.lock();
        if let Some(conn) = st.conn.as_mut() {
            let _ = conn
                .tx
                .send(Out::Text(json!({"op": 7, "d": null}).to_string()));
            conn.live = false;
        }
        drop(st);
        self.inner.bump();
    }

    /// Whether heartbeats get an op 11 ACK (default true). serenity reconnects (RESUME) when a
    /// heartbeat interval passes without ACK.
    pub fn set_heartbeat_ack(&self, ack: bool) {
        self.inner.ack_heartbeats.store(ack, Ordering::SeqCst);
    }

    pub fn identify_count(&self) -> usize {
        self.inner.lock().identify_count
    }

    pub fn resume_count(&self) -> usize {
        self.inner.lock().resume_count
    }

    pub fn heartbeat_count(&self) -> usize {
        self.inner.lock().heartbeat_count
    }

    /// Number of websocket connections accepted so far.
    pub fn connection_count(&self) -> usize {
        self.inner.lock().connection_count
    }

    /// `intents` of the last IDENTIFY.
    pub fn identify_intents(&self) -> Option<u64> {
        self.inner
            .lock()
            .identifies
            .last()
            .and_then(|d| d["intents"].as_u64())
    }

    /// `d` of every IDENTIFY, in order (parsed loosely: `presence.since` is a serde-serialized
    /// SystemTime struct, not a number).
    pub fn identify_payloads(&self) -> Vec<Value> {
        self.inner.lock().identifies.clone()
    }

    /// Every frame the client sent on the gateway (all ops), in order.
    pub fn gateway_frames(&self) -> Vec<Value> {
        self.inner.lock().received.clone()
    }

    /// Dispatches dropped (or, for message events, sent with blanked content) because of the
    /// session's intents: (event, original data).
    pub fn filtered_dispatches(&self) -> Vec<(String, Value)> {
        self.inner.lock().filtered.clone()
    }

    /// A message known to the stub (dispatched MESSAGE_CREATEs and the bot's REST messages,
    /// with edits applied).
    pub fn stored_message(&self, id: u64) -> Option<Value> {
        self.inner.lock().messages.get(&id).cloned()
    }

    /// The original response of an interaction (after callback type 4/5, or edits of it).
    pub fn interaction_original(&self, token: &str) -> Option<Value> {
        let st = self.inner.lock();
        st.originals
            .get(token)
            .and_then(|id| st.messages.get(id))
            .cloned()
    }

    /// Commands registered by PUT/POST, with their ids (`None`: global ones).
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        let st = self.inner.lock();
        match guild_id {
            None => st.global_commands.clone(),
            Some(g) => st.guild_commands.get(&g).cloned().unwrap_or_default(),
        }
    }

    async fn wait_state<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&StubState) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.changed.subscribe();
        loop {
            rx.mark_unchanged();
            if let Some(v) = check(&self.inner.lock()) {
                return Some(v);
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return check(&self.inner.lock());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway

async fn gateway_handler(State(inner): State<Arc<Inner>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| handle_socket(inner, socket))
}

async fn handle_socket(inner: Arc<Inner>, mut ws: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let conn_id = {
        let mut st = inner.lock();
        st.next_conn += 1;
        st.connection_count += 1;
        let id = st.next_conn;
        if let Some(old) = st.conn.replace(Conn {
            id,
            tx: tx.clone(),
            live: false,
        }) {
            let _ = old.tx.send(Out::Close(None, None));
        }
        id
    };
    inner.bump();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": inner.cfg.heartbeat_interval_ms}});
    let mut ack: Option<oneshot::Sender<()>> = None;
    if ws
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_ok()
    {
        loop {
            tokio::select! {
                incoming = ws.recv() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        handle_client_frame(&inner, conn_id, &tx, text.as_str());
                    }
                    Some(Ok(WsMessage::Binary(_) | WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                },
                out = rx.recv() => match out {
                    Some(Out::Text(text)) => {
                        if ws.send(WsMessage::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                    Some(Out::Close(code, done)) => {
                        ack = done;
                        if let Some(code) = code {
                            let frame = CloseFrame { code, reason: "stub disconnect".into() };
                            if ws.send(WsMessage::Close(Some(frame))).await.is_ok() {
                                // Wait for the client's close reply so that it reads our frame
                                // before the TCP connection goes away.
                                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                                    while let Some(Ok(m)) = ws.recv().await {
                                        if matches!(m, WsMessage::Close(_)) {
                                            break;
                                        }
                                    }
                                })
                                .await;
                            }
                        }
                        break;
                    }
                    None => break,
                },
            }
        }
    }
    drop(ws);
    {
        let mut st = inner.lock();
        if st.conn.as_ref().is_some_and(|c| c.id == conn_id) {
            st.conn = None;
        }
    }
    inner.bump();
    if let Some(ack) = ack {
        let _ = ack.send(());
    }
}

fn handle_client_frame(inner: &Inner, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, text: &str) {
    let frame: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({"raw": text}));
    let op = frame["op"].as_u64();
    let d = frame["d"].clone();
    let mut st = inner.lock();
    st.received.push(frame);
    let current = st.conn.as_ref().is_some_and(|c| c.id == conn_id);
    match op {
        Some(1) => {
            st.heartbeat_count += 1;
            if inner.ack_heartbeats.load(Ordering::SeqCst) {
                let _ = tx.send(Out::Text(json!({"op": 11}).to_string()));
            }
        }
        Some(2) if current => identify(inner, &mut st, d),
        Some(6) if current => resume(inner, &mut st, &d),
        _ => {}
    }
    drop(st);
    inner.bump();
}

fn identify(inner: &Inner, st: &mut StubState, d: Value) {
    st.identify_count += 1;
    let intents = d["intents"].as_u64().unwrap_or(0);
    let shard = match d.get("shard") {
        Some(s) if s.is_array() => s.clone(),
        _ => json!([0, 1]),
    };
    st.identifies.push(d);
    // Undelivered dispatches of an old session (Discord would drop them; tests prefer not to).
    let mut carry: Vec<(String, Value)> = Vec::new();
    if let Some(old) = st.session.take() {
        carry.extend(
            old.log
                .into_iter()
                .filter(|(s, _, _)| *s > old.sent_upto)
                .map(|(_, t, d)| (t, d)),
        );
    }
    carry.append(&mut st.pending);
    st.sessions_started += 1;
    let session_id = format!("stub-session-{}", st.sessions_started);
    st.session = Some(Session {
        id: session_id.clone(),
        seq: 0,
        intents,
        log: Vec::new(),
        sent_upto: 0,
    });
    if let Some(conn) = st.conn.as_mut() {
        conn.live = true;
    }
    let unavailable: Vec<Value> = st
        .guilds
        .iter()
        .map(|g| json!({"id": g["id"].clone(), "unavailable": true}))
        .collect();
    let ready = json!({
        "v": 10,
        "user": {
            "id": inner.cfg.bot_user_id.to_string(),
            "username": inner.cfg.bot_username,
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "system": false,
            "mfa_enabled": true,
            "verified": true,
            "email": null,
            "flags": 0,
            "public_flags": 0,
        },
        "guilds": unavailable,
        "session_id": session_id,
        "resume_gateway_url": inner.ws_url(),
        "shard": shard,
        "application": {"id": inner.cfg.application_id.to_string(), "flags": 1 << 19 | 1 << 23},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["local"],
        "auth_session_id_hash": "stub",
        "user_settings": {},
        "_trace": ["[\"discord-stub\",{\"micros\":0}]"],
    });
    dispatch_locked(inner, st, "READY", ready);
    let guilds: Vec<Value> = st.guilds.iter().map(guild_create_payload).collect();
    for g in guilds {
        dispatch_locked(inner, st, "GUILD_CREATE", g);
    }
    for (t, d) in carry {
        dispatch_locked(inner, st, &t, d);
    }
}

fn resume(inner: &Inner, st: &mut StubState, d: &Value) {
    st.resume_count += 1;
    let wanted = d["session_id"].as_str().unwrap_or_default();
    let client_seq = d["seq"].as_u64().unwrap_or(0);
    let Some(conn) = st.conn.as_mut() else { return };
    let Some(session) = st.session.as_mut().filter(|s| s.id == wanted) else {
        let _ = conn
            .tx
            .send(Out::Text(json!({"op": 9, "d": false}).to_string()));
        return;
    };
    for (seq, t, data) in session.log.iter().filter(|(s, _, _)| *s > client_seq) {
        let _ = conn.tx.send(Out::Text(frame_text(*seq, t, data)));
    }
    session.sent_upto = session.seq;
    conn.live = true;
    dispatch_locked(
        inner,
        st,
        "RESUMED",
        json!({"_trace": ["[\"discord-stub\",{\"micros\":0}]"]}),
    );
}

fn frame_text(seq: u64, t: &str, d: &Value) -> String {
    json!({"op": 0, "s": seq, "t": t, "d": d}).to_string()
}

/// Assigns the next seq, logs the dispatch for replays and sends it if the socket is live.
/// Requires a session (READY/RESUMED/GUILD_CREATE bypass the intent filter).
fn dispatch_locked(inner: &Inner, st: &mut StubState, t: &str, d: Value) {
    let Some(session) = st.session.as_mut() else {
        st.pending.push((t.to_string(), d));
        return;
    };
    let d = if inner.cfg.enforce_intents {
        match apply_intents(inner, session.intents, t, &d) {
            Filtered::Keep => d,
            Filtered::Trimmed(trimmed) => {
                st.filtered.push((t.to_string(), d));
                trimmed
            }
            Filtered::Drop => {
                st.filtered.push((t.to_string(), d));
                return;
            }
        }
    } else {
        d
    };
    session.seq += 1;
    let seq = session.seq;
    if let Some(conn) = st.conn.as_ref().filter(|c| c.live) {
        if conn.tx.send(Out::Text(frame_text(seq, t, &d))).is_ok() {
            session.sent_upto = seq;
        }
    }
    session.log.push((seq, t.to_string(), d));
}

enum Filtered {
    Keep,
    Trimmed(Value),
    Drop,
}

fn apply_intents(inner: &Inner, intents: u64, t: &str, d: &Value) -> Filtered {
    use self::intents as i;
    let in_guild = !d["guild_id"].is_null();
    let needed = match t {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => {
            if in_guild {
                i::GUILD_MESSAGES
            } else {
                i::DIRECT_MESSAGES
            }
        }
        "MESSAGE_REACTION_ADD"
        | "MESSAGE_REACTION_REMOVE"
        | "MESSAGE_REACTION_REMOVE_ALL"
        | "MESSAGE_REACTION_REMOVE_EMOJI" => {
            if in_guild {
                i::GUILD_MESSAGE_REACTIONS
            } else {
                i::DIRECT_MESSAGE_REACTIONS
            }
        }
        "TYPING_START" => {
            if in_guild {
                i::GUILD_MESSAGE_TYPING
            } else {
                i::DIRECT_MESSAGE_TYPING
            }
        }
        "GUILD_MEMBER_ADD" | "GUILD_MEMBER_UPDATE" | "GUILD_MEMBER_REMOVE" => i::GUILD_MEMBERS,
        "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "CHANNEL_DELETE" | "THREAD_CREATE"
        | "THREAD_UPDATE" | "THREAD_DELETE" | "GUILD_ROLE_CREATE" | "GUILD_ROLE_UPDATE"
        | "GUILD_ROLE_DELETE" | "GUILD_UPDATE" | "GUILD_DELETE" => i::GUILDS,
        _ => 0,
    };
    if intents & needed != needed {
        return Filtered::Drop;
    }
    let carries_content = matches!(t, "MESSAGE_CREATE" | "MESSAGE_UPDATE");
    if !carries_content || !in_guild || intents & i::MESSAGE_CONTENT != 0 {
        return Filtered::Keep;
    }
    // Without MESSAGE_CONTENT, guild messages arrive without content unless the bot wrote them
    // or they mention it.
    let bot = inner.cfg.bot_user_id.to_string();
    let by_bot = d["author"]["id"] == bot.as_str();
    let mentions_bot = d["mentions"]
        .as_array()
        .is_some_and(|m| m.iter().any(|u| u["id"] == bot.as_str()));
    if by_bot || mentions_bot {
        return Filtered::Keep;
    }
    let mut trimmed = d.clone();
    for (key, empty) in [
        ("content", json!("")),
        ("embeds", json!([])),
        ("attachments", json!([])),
        ("components", json!([])),
    ] {
        if trimmed.get(key).is_some() {
            trimmed[key] = empty;
        }
    }
    if let Some(obj) = trimmed.as_object_mut() {
        obj.remove("poll");
    }
    if trimmed == *d {
        Filtered::Keep
    } else {
        Filtered::Trimmed(trimmed)
    }
}

/// Side effects of a test's dispatch on what REST later answers.
fn observe_event(inner: &Inner, st: &mut StubState, t: &str, d: &Value) {
    match t {
        "MESSAGE_CREATE" => {
            if let Some(author) = d.get("author").filter(|a| a.is_object()) {
                let uid = id_of(&author["id"]);
                if uid != inner.cfg.bot_user_id {
                    st.users.insert(uid, author.clone());
                    if d["guild_id"].is_null() {
                        learn_dm_channel(st, id_of(&d["channel_id"]), uid);
                    }
                }
            }
            // A message in a guild channel the stub was never told about: it exists now.
            if let Some(gid) = opt_id(&d["guild_id"]) {
                let cid = id_of(&d["channel_id"]);
                if cid != 0 && find_channel(st, cid).is_none() {
                    st.channels
                        .insert(cid, channel(cid, gid, 0, None, &format!("text-{cid}")));
                }
            }
            st.messages.insert(id_of(&d["id"]), d.clone());
        }
        "MESSAGE_UPDATE" => {
            let id = id_of(&d["id"]);
            if let Some(stored) = st.messages.get_mut(&id) {
                merge(stored, d);
            }
        }
        "MESSAGE_DELETE" => {
            st.messages.remove(&id_of(&d["id"]));
        }
        "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "THREAD_CREATE" | "THREAD_UPDATE" => {
            let cid = id_of(&d["id"]);
            if cid != 0 {
                let mut c = d.clone();
                if let Some(obj) = c.as_object_mut() {
                    obj.remove("newly_created");
                }
                st.channels.insert(cid, c);
            }
        }
        "CHANNEL_DELETE" | "THREAD_DELETE" => {
            st.channels.remove(&id_of(&d["id"]));
        }
        "INTERACTION_CREATE" => {
            let token = d["token"].as_str().unwrap_or_default().to_string();
            let info = InteractionInfo {
                channel_id: id_of(&d["channel_id"]),
                guild_id: opt_id(&d["guild_id"]),
                message_id: opt_id(&d["message"]["id"]),
            };
            if info.guild_id.is_none() {
                learn_dm_channel(st, info.channel_id, id_of(&d["user"]["id"]));
            }
            st.interactions.insert(token, info);
            for user in [&d["user"], &d["member"]["user"]] {
                if user.is_object() {
                    st.users.insert(id_of(&user["id"]), user.clone());
                }
            }
            if let Some(msg) = d.get("message").filter(|m| m.is_object()) {
                st.messages
                    .entry(id_of(&msg["id"]))
                    .or_insert_with(|| msg.clone());
            }
        }
        _ => {}
    }
}

/// A DM the test made up (message or interaction in a channel the stub never handed out)
/// exists from then on, as it would on Discord.
fn learn_dm_channel(st: &mut StubState, channel_id: u64, user_id: u64) {
    if channel_id == 0 || user_id == 0 || find_channel(st, channel_id).is_some() {
        return;
    }
    st.dm_channels.entry(user_id).or_insert(channel_id);
    let obj = dm_channel_obj(st, channel_id, user_id);
    st.channels.insert(channel_id, obj);
}

fn guild_create_payload(guild: &Value) -> Value {
    let mut g = guild.clone();
    g["unavailable"] = json!(false);
    g
}

fn learn_users_from_guild(st: &mut StubState, guild: &Value) {
    for m in guild["members"].as_array().into_iter().flatten() {
        if m["user"].is_object() {
            st.users.insert(id_of(&m["user"]["id"]), m["user"].clone());
        }
    }
}

/// Checks that serenity 0.12.5 deserializes the dispatch as its shard would. Beware: serenity
/// does not reject a known event whose payload is incomplete: `Event`'s `#[serde(untagged)]
/// Unknown` variant swallows it, and the shard drops `Event::Unknown` with only a DEBUG log. So
/// an event that ends up as `Event::Unknown` is an error here.
pub fn validate_dispatch(event: &str, data: &Value) -> Result<(), String> {
    use serenity::model::event::{Event, GatewayEvent};
    let frame = json!({"op": 0, "s": 1, "t": event, "d": data});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => Err(precise_error(event, data)
            .unwrap_or_else(|| {
                "serenity 0.12.5 reads it as Event::Unknown (an incomplete payload or an event \
                 type it does not know) and drops it with only a DEBUG log"
                    .to_string()
            })),
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// The serde error for the common events (`Event::Unknown` hides it).
fn precise_error(event: &str, data: &Value) -> Option<String> {
    use serenity::model::event as ev;
    macro_rules! de {
        ($t:ty) => {
            serde_json::from_value::<$t>(data.clone())
                .err()
                .map(|e| e.to_string())
        };
    }
    match event {
        "READY" => de!(ev::ReadyEvent),
        "GUILD_CREATE" => de!(ev::GuildCreateEvent),
        "GUILD_MEMBER_ADD" => de!(ev::GuildMemberAddEvent),
        "GUILD_MEMBER_UPDATE" => de!(ev::GuildMemberUpdateEvent),
        "GUILD_MEMBER_REMOVE" => de!(ev::GuildMemberRemoveEvent),
        "CHANNEL_CREATE" => de!(ev::ChannelCreateEvent),
        "THREAD_CREATE" => de!(ev::ThreadCreateEvent),
        "MESSAGE_CREATE" => de!(ev::MessageCreateEvent),
        "MESSAGE_UPDATE" => de!(ev::MessageUpdateEvent),
        "MESSAGE_DELETE" => de!(ev::MessageDeleteEvent),
        "MESSAGE_REACTION_ADD" => de!(ev::ReactionAddEvent),
        "TYPING_START" => de!(ev::TypingStartEvent),
        "INTERACTION_CREATE" => de!(ev::InteractionCreateEvent),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// REST

async fn rest_handler(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_path = uri.path();
    let api_path = ["/api/v10", "/api/v9", "/api"].iter().find_map(|p| {
        raw_path
            .strip_prefix(p)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    let path = percent_decode(api_path.unwrap_or(raw_path));
    let query = uri
        .query()
        .unwrap_or_default()
        .trim_start_matches('&')
        .to_string();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let json_body = parse_body(content_type, &body);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let method_s = method.as_str().to_ascii_uppercase();

    let mut st = inner.lock();
    let overridden = st
        .overrides
        .iter()
        .position(|o| o.method == method_s && path.starts_with(&o.prefix))
        .map(|i| {
            if st.overrides[i].once {
                let o = st.overrides.remove(i);
                (o.status, o.body)
            } else {
                (st.overrides[i].status, st.overrides[i].body.clone())
            }
        });
    let (status, response) = match overridden {
        Some(answer) => answer,
        None if api_path.is_some() => route(&inner, &mut st, &method_s, &path, &query, &json_body),
        None => (404, json!({"code": 0, "message": "unknown route"})),
    };
    let index = st.requests.len();
    st.requests.push(Recorded {
        index,
        method: method_s,
        path,
        query,
        body: json_body,
        authorization,
        received_at: Instant::now(),
        status,
        response: response.clone(),
    });
    drop(st);
    inner.bump();

    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == 204 || response.is_null() {
        code.into_response()
    } else {
        (
            code,
            [(header::CONTENT_TYPE, "application/json")],
            response.to_string(),
        )
            .into_response()
    }
}

fn not_found(code: u32, message: &str) -> (u16, Value) {
    (404, json!({"code": code, "message": message}))
}

fn route(
    inner: &Inner,
    st: &mut StubState,
    method: &str,
    path: &str,
    query: &str,
    body: &Value,
) -> (u16, Value) {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let num = |s: &str| s.parse::<u64>().ok();
    let query_limit = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("limit="))
        .and_then(|v| v.parse::<usize>().ok());
    match (method, segs.as_slice()) {
        ("GET", ["gateway"]) => (200, json!({"url": inner.ws_url()})),
        ("GET", ["gateway", "bot"]) => (
            200,
            json!({
                "url": inner.ws_url(),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1},
            }),
        ),
        ("GET", ["users", "@me"]) => {
            let mut u = inner.bot_user();
            u["verified"] = json!(true);
            u["mfa_enabled"] = json!(true);
            u["email"] = Value::Null;
            (200, u)
        }
        ("GET", ["users", id]) => match num(id) {
            Some(id) => (200, user_obj(st, id)),
            None => not_found(10013, "Unknown User"),
        },
        ("GET", ["oauth2", "applications", "@me"]) => (200, application_info(inner)),
        ("POST", ["users", "@me", "channels"]) => {
            let Some(recipient) = opt_id(&body["recipient_id"]) else {
                return (400, json!({"code": 50035, "message": "Invalid Form Body"}));
            };
            let cid = dm_channel_for(st, recipient);
            (200, dm_channel_obj(st, cid, recipient))
        }
        ("GET", ["channels", cid]) => match num(cid).and_then(|c| find_channel(st, c)) {
            Some(c) => (200, c),
            None => not_found(10003, "Unknown Channel"),
        },
        ("POST", ["channels", cid, "messages"]) => {
            let Some(cid) = num(cid).filter(|c| find_channel(st, *c).is_some()) else {
                return not_found(10003, "Unknown Channel");
            };
            let id = next_id(st);
            let msg = bot_message(inner, st, id, cid, body);
            st.messages.insert(id, msg.clone());
            echo(inner, st, "MESSAGE_CREATE", cid, msg.clone());
            (200, msg)
        }
        ("GET", ["channels", _, "messages", mid]) => {
            match num(mid).and_then(|m| st.messages.get(&m).cloned()) {
                Some(m) => (200, m),
                None => not_found(10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", cid, "messages", mid]) => {
            let (Some(cid), Some(mid)) = (num(cid), num(mid)) else {
                return not_found(10008, "Unknown Message");
            };
            let bot = inner.cfg.bot_user_id.to_string();
            let changes_text = ["content", "embeds", "components", "attachments"]
                .iter()
                .any(|k| body.get(*k).is_some());
            match st.messages.get(&mid) {
                None => return not_found(10008, "Unknown Message"),
                Some(m) if changes_text && m["author"]["id"] != bot.as_str() => {
                    return (
                        403,
                        json!({"code": 50005, "message": "Cannot edit a message authored by another user"}),
                    );
                }
                Some(_) => {}
            }
            let Some(msg) = edit_message(st, mid, body) else {
                return not_found(10008, "Unknown Message");
            };
            echo(inner, st, "MESSAGE_UPDATE", cid, msg.clone());
            (200, msg)
        }
        ("DELETE", ["channels", cid, "messages", mid]) => {
            let (Some(cid), Some(mid)) = (num(cid), num(mid)) else {
                return not_found(10008, "Unknown Message");
            };
            if st.messages.remove(&mid).is_none() {
                return not_found(10008, "Unknown Message");
            }
            let mut d = json!({"id": mid.to_string(), "channel_id": cid.to_string()});
            if let Some(g) = guild_of_channel(st, cid) {
                d["guild_id"] = json!(g.to_string());
            }
            if inner.cfg.echo_bot_messages {
                dispatch_locked(inner, st, "MESSAGE_DELETE", d);
            }
            (204, Value::Null)
        }
        ("PUT" | "DELETE", ["channels", _, "messages", _, "reactions", ..]) => (204, Value::Null),
        ("PUT" | "DELETE", ["channels", cid, "thread-members", _]) => {
            match num(cid).and_then(|c| find_channel(st, c)) {
                Some(_) => (204, Value::Null),
                None => not_found(10003, "Unknown Channel"),
            }
        }
        ("GET", ["channels", cid, "thread-members", uid]) => {
            let uid = match *uid {
                "@me" => inner.cfg.bot_user_id.to_string(),
                other => other.to_string(),
            };
            let member = json!({"id": cid, "user_id": uid, "join_timestamp": now_ts(), "flags": 0});
            (200, member)
        }
        ("GET", ["channels", cid, "messages"]) => {
            let cid = num(cid).unwrap_or(0);
            let mut list: Vec<&Value> = st
                .messages
                .values()
                .filter(|m| id_of(&m["channel_id"]) == cid)
                .collect();
            list.sort_by_key(|m| std::cmp::Reverse(id_of(&m["id"])));
            let limit = query_limit.unwrap_or(50);
            (
                200,
                Value::Array(list.into_iter().take(limit).cloned().collect()),
            )
        }
        ("POST", ["channels", _, "typing"]) => (204, Value::Null),
        ("POST", ["channels", cid, "threads"]) => match num(cid) {
            Some(cid) => {
                let id = next_id(st);
                let kind = body["type"].as_u64().unwrap_or(12);
                create_thread(inner, st, id, cid, kind, body)
            }
            None => not_found(10003, "Unknown Channel"),
        },
        ("POST", ["channels", cid, "messages", mid, "threads"]) => match (num(cid), num(mid)) {
            // Discord gives a thread started from a message the message's id.
            (Some(cid), Some(mid)) => {
                let kind = if find_channel(st, cid).is_some_and(|c| c["type"] == 5) {
                    10
                } else {
                    11
                };
                create_thread(inner, st, mid, cid, kind, body)
            }
            _ => not_found(10003, "Unknown Channel"),
        },
        ("POST", ["interactions", _, token, "callback"]) => {
            interaction_callback(inner, st, token, body)
        }
        ("POST", ["webhooks", app, token]) if num(app) == Some(inner.cfg.application_id) => {
            let Some(info) = st.interactions.get(*token).cloned() else {
                return not_found(10015, "Unknown Webhook");
            };
            let id = next_id(st);
            let msg = webhook_message(inner, st, id, &info, body, 0);
            st.messages.insert(id, msg.clone());
            (200, msg)
        }
        ("GET" | "PATCH" | "DELETE", ["webhooks", app, token, "messages", which])
            if num(app) == Some(inner.cfg.application_id) =>
        {
            let mid = if *which == "@original" {
                st.originals.get(*token).copied()
            } else {
                num(which).filter(|m| st.messages.contains_key(m))
            };
            let Some(mid) = mid else {
                return not_found(10008, "Unknown Message");
            };
            match method {
                "GET" => (200, st.messages.get(&mid).cloned().unwrap_or(Value::Null)),
                "PATCH" => match edit_message(st, mid, body) {
                    Some(msg) => (200, msg),
                    None => not_found(10008, "Unknown Message"),
                },
                _ => {
                    st.messages.remove(&mid);
                    (204, Value::Null)
                }
            }
        }
        ("PUT", ["applications", _, "commands"]) => {
            let cmds = register_commands(inner, st, None, body);
            st.global_commands = cmds.clone();
            (200, Value::Array(cmds))
        }
        ("PUT", ["applications", _, "guilds", g, "commands"]) => {
            let gid = num(g).unwrap_or(0);
            let cmds = register_commands(inner, st, Some(gid), body);
            st.guild_commands.insert(gid, cmds.clone());
            (200, Value::Array(cmds))
        }
        ("POST", ["applications", _, "commands"]) => {
            let cmd = register_commands(inner, st, None, &json!([body])).remove(0);
            let name = cmd["name"].clone();
            st.global_commands.retain(|c| c["name"] != name);
            st.global_commands.push(cmd.clone());
            (201, cmd)
        }
        ("POST", ["applications", _, "guilds", g, "commands"]) => {
            let gid = num(g).unwrap_or(0);
            let cmd = register_commands(inner, st, Some(gid), &json!([body])).remove(0);
            let list = st.guild_commands.entry(gid).or_default();
            list.retain(|c| c["name"] != cmd["name"]);
            list.push(cmd.clone());
            (201, cmd)
        }
        ("GET", ["applications", _, "commands"]) => (200, Value::Array(st.global_commands.clone())),
        ("GET", ["applications", _, "guilds", g, "commands"]) => {
            let list = num(g)
                .and_then(|g| st.guild_commands.get(&g).cloned())
                .unwrap_or_default();
            (200, Value::Array(list))
        }
        ("GET", ["guilds", g]) => match num(g).and_then(|g| find_guild(st, g)) {
            Some(g) => (200, partial_guild(g)),
            None => not_found(10004, "Unknown Guild"),
        },
        ("GET", ["guilds", g, "channels"]) => match num(g).and_then(|g| find_guild(st, g)) {
            Some(g) => (200, g["channels"].clone()),
            None => not_found(10004, "Unknown Guild"),
        },
        ("GET", ["guilds", g, "roles"]) => match num(g).and_then(|g| find_guild(st, g)) {
            Some(g) => (200, g["roles"].clone()),
            None => not_found(10004, "Unknown Guild"),
        },
        ("GET", ["guilds", g, "members"]) => match num(g).and_then(|g| find_guild(st, g)) {
            Some(g) => (200, g["members"].clone()),
            None => not_found(10004, "Unknown Guild"),
        },
        ("GET", ["guilds", g, "members", uid]) => {
            let found = num(g).and_then(|g| find_guild(st, g)).and_then(|g| {
                g["members"]
                    .as_array()
                    .and_then(|ms| ms.iter().find(|m| m["user"]["id"] == *uid).cloned())
            });
            match found {
                Some(m) => (200, m),
                None => not_found(10007, "Unknown Member"),
            }
        }
        _ => (404, json!({"code": 0, "message": "unknown route"})),
    }
}

fn echo(inner: &Inner, st: &mut StubState, t: &str, channel_id: u64, msg: Value) {
    if !inner.cfg.echo_bot_messages {
        return;
    }
    let mut d = msg;
    if let Some(g) = guild_of_channel(st, channel_id) {
        d["guild_id"] = json!(g.to_string());
        let mut m = bot_member(inner.cfg.bot_user_id, &inner.cfg.bot_username);
        if let Some(obj) = m.as_object_mut() {
            obj.remove("user");
        }
        d["member"] = m;
    }
    if st.session.is_some() {
        dispatch_locked(inner, st, t, d);
    }
}

fn interaction_callback(
    inner: &Inner,
    st: &mut StubState,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let Some(info) = st.interactions.get(token).cloned() else {
        return not_found(10062, "Unknown interaction");
    };
    let data = &body["data"];
    match body["type"].as_u64() {
        Some(4) => {
            let id = next_id(st);
            let msg = webhook_message(inner, st, id, &info, data, 20);
            st.messages.insert(id, msg);
            st.originals.insert(token.to_string(), id);
        }
        Some(5) => {
            let id = next_id(st);
            let flags = data["flags"].as_u64().unwrap_or(0) | 128; // LOADING
            let msg = webhook_message(inner, st, id, &info, &json!({"flags": flags}), 20);
            st.messages.insert(id, msg);
            st.originals.insert(token.to_string(), id);
        }
        Some(7) => {
            if let Some(mid) = info.message_id {
                edit_message(st, mid, data);
                st.originals.insert(token.to_string(), mid);
            }
        }
        Some(6) => {
            if let Some(mid) = info.message_id {
                st.originals.insert(token.to_string(), mid);
            }
        }
        Some(1 | 8 | 9 | 10 | 12) => {}
        _ => return (400, json!({"code": 50035, "message": "Invalid Form Body"})),
    }
    (204, Value::Null)
}

fn register_commands(
    inner: &Inner,
    st: &mut StubState,
    guild: Option<u64>,
    body: &Value,
) -> Vec<Value> {
    let mut out = Vec::new();
    for cmd in body.as_array().into_iter().flatten() {
        let mut c = cmd.clone();
        let id = next_id(st);
        let version = next_id(st);
        c["id"] = json!(id.to_string());
        c["application_id"] = json!(inner.cfg.application_id.to_string());
        c["version"] = json!(version.to_string());
        c["guild_id"] = guild.map_or(Value::Null, |g| json!(g.to_string()));
        if c["type"].is_null() {
            c["type"] = json!(1);
        }
        if c["description"].is_null() {
            c["description"] = json!("");
        }
        if c.get("default_member_permissions").is_none() {
            c["default_member_permissions"] = Value::Null;
        }
        if c["nsfw"].is_null() {
            c["nsfw"] = json!(false);
        }
        out.push(c);
    }
    out
}

fn create_thread(
    inner: &Inner,
    st: &mut StubState,
    id: u64,
    parent: u64,
    kind: u64,
    body: &Value,
) -> (u16, Value) {
    let Some(guild_id) = guild_of_channel(st, parent) else {
        return not_found(10003, "Unknown Channel");
    };
    let now = now_ts();
    let thread = json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": guild_id.to_string(),
        "parent_id": parent.to_string(),
        "owner_id": inner.cfg.bot_user_id.to_string(),
        "name": body["name"].as_str().unwrap_or("thread"),
        "last_message_id": null,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": body["rate_limit_per_user"].as_u64().unwrap_or(0),
        "flags": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": body["auto_archive_duration"].as_u64().unwrap_or(4320),
            "archive_timestamp": now,
            "locked": false,
            "create_timestamp": now,
            "invitable": body["invitable"].as_bool().unwrap_or(true),
        },
        "member": {"id": id.to_string(), "user_id": inner.cfg.bot_user_id.to_string(), "join_timestamp": now, "flags": 0},
        "applied_tags": [],
    });
    st.channels.insert(id, thread.clone());
    if inner.cfg.echo_bot_messages && st.session.is_some() {
        let mut d = thread.clone();
        d["newly_created"] = json!(true);
        dispatch_locked(inner, st, "THREAD_CREATE", d);
    }
    (201, thread)
}

// ---------------------------------------------------------------------------------------------
// State helpers

fn next_id(st: &mut StubState) -> u64 {
    st.next_id += 1;
    st.next_id
}

fn dm_channel_for(st: &mut StubState, user_id: u64) -> u64 {
    if let Some(c) = st.dm_channels.get(&user_id) {
        return *c;
    }
    let cid = next_id(st);
    st.dm_channels.insert(user_id, cid);
    let obj = dm_channel_obj(st, cid, user_id);
    st.channels.insert(cid, obj);
    cid
}

fn dm_channel_obj(st: &StubState, cid: u64, recipient: u64) -> Value {
    json!({
        "id": cid.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user_obj(st, recipient)],
    })
}

fn user_obj(st: &StubState, id: u64) -> Value {
    st.users
        .get(&id)
        .cloned()
        .unwrap_or_else(|| user(id, &format!("user{id}"), false))
}

fn find_guild(st: &StubState, gid: u64) -> Option<&Value> {
    st.guilds.iter().find(|g| id_of(&g["id"]) == gid)
}

fn find_channel(st: &StubState, cid: u64) -> Option<Value> {
    if let Some(c) = st.channels.get(&cid) {
        return Some(c.clone());
    }
    st.guilds.iter().find_map(|g| {
        ["channels", "threads"].iter().find_map(|key| {
            g[*key]
                .as_array()?
                .iter()
                .find(|c| id_of(&c["id"]) == cid)
                .map(|c| {
                    let mut c = c.clone();
                    c["guild_id"] = g["id"].clone();
                    c
                })
        })
    })
}

fn guild_of_channel(st: &StubState, cid: u64) -> Option<u64> {
    find_channel(st, cid).and_then(|c| opt_id(&c["guild_id"]))
}

fn partial_guild(g: &Value) -> Value {
    let mut g = g.clone();
    if let Some(obj) = g.as_object_mut() {
        for key in [
            "channels",
            "members",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "lazy",
        ] {
            obj.remove(key);
        }
    }
    g
}

fn application_info(inner: &Inner) -> Value {
    json!({
        "id": inner.cfg.application_id.to_string(),
        "name": inner.cfg.bot_username,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "flags": 1 << 19 | 1 << 23,
        "owner": user(inner.cfg.owner_id, "owner", false),
        "team": null,
        "bot": user(inner.cfg.bot_user_id, &inner.cfg.bot_username, true),
        "hook": true,
        "is_monetized": false,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    })
}

/// The message Discord returns for `POST /channels/{id}/messages` by the bot.
fn bot_message(inner: &Inner, st: &StubState, id: u64, channel_id: u64, body: &Value) -> Value {
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let mut msg = base_message(id, channel_id, inner.bot_user(), &content);
    fill_from_body(&mut msg, body);
    let reply_to = opt_id(&body["message_reference"]["message_id"]);
    if let Some(reply_to) = reply_to {
        let mut reference = body["message_reference"].clone();
        reference["type"] = json!(0);
        if reference["channel_id"].is_null() {
            reference["channel_id"] = json!(channel_id.to_string());
        }
        if let Some(g) = guild_of_channel(st, channel_id) {
            reference["guild_id"] = json!(g.to_string());
        }
        msg["type"] = json!(19);
        msg["message_reference"] = reference;
        msg["referenced_message"] = st.messages.get(&reply_to).cloned().unwrap_or(Value::Null);
    }
    let replied_user = msg["referenced_message"]["author"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok());
    set_mentions(
        st,
        &mut msg,
        &content,
        body.get("allowed_mentions"),
        replied_user,
    );
    msg
}

fn webhook_message(
    inner: &Inner,
    st: &StubState,
    id: u64,
    info: &InteractionInfo,
    body: &Value,
    kind: u64,
) -> Value {
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let mut msg = base_message(id, info.channel_id, inner.bot_user(), &content);
    msg["type"] = json!(kind);
    msg["webhook_id"] = json!(inner.cfg.application_id.to_string());
    msg["application_id"] = json!(inner.cfg.application_id.to_string());
    fill_from_body(&mut msg, body);
    set_mentions(st, &mut msg, &content, body.get("allowed_mentions"), None);
    msg
}

fn base_message(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": now_ts(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    })
}

fn fill_from_body(msg: &mut Value, body: &Value) {
    if let Some(embeds) = body["embeds"].as_array() {
        let embeds: Vec<Value> = embeds
            .iter()
            .map(|e| {
                let mut e = e.clone();
                if e.get("type").is_none() {
                    e["type"] = json!("rich");
                }
                e
            })
            .collect();
        msg["embeds"] = Value::Array(embeds);
    }
    if let Some(components) = body.get("components").filter(|c| c.is_array()) {
        msg["components"] = components.clone();
    }
    if let Some(flags) = body["flags"].as_u64() {
        msg["flags"] = json!(flags);
    }
    if let Some(tts) = body["tts"].as_bool() {
        msg["tts"] = json!(tts);
    }
    if !body["nonce"].is_null() {
        msg["nonce"] = body["nonce"].clone();
    }
    if let Some(atts) = body["attachments"].as_array() {
        let atts: Vec<Value> = atts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let name = a["filename"].as_str().unwrap_or("file").to_string();
                let id = 1_000_000 + i as u64;
                json!({
                    "id": id.to_string(),
                    "filename": name,
                    "size": 0,
                    "url": format!("https://cdn.discordapp.com/attachments/0/{id}/{name}"),
                    "proxy_url": format!("https://media.discordapp.net/attachments/0/{id}/{name}"),
                    "content_type": null,
                })
            })
            .collect();
        msg["attachments"] = Value::Array(atts);
    }
}

fn edit_message(st: &mut StubState, mid: u64, body: &Value) -> Option<Value> {
    let mut msg = st.messages.get(&mid)?.clone();
    if let Some(content) = body["content"].as_str() {
        msg["content"] = json!(content);
        let replied = msg["referenced_message"]["author"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok());
        set_mentions(st, &mut msg, content, body.get("allowed_mentions"), replied);
    }
    let mut partial = body.clone();
    if let Some(obj) = partial.as_object_mut() {
        obj.retain(|k, _| {
            matches!(
                k.as_str(),
                "embeds" | "components" | "flags" | "attachments"
            )
        });
    }
    fill_from_body(&mut msg, &partial);
    if let Some(flags) = msg["flags"].as_u64() {
        msg["flags"] = json!(flags & !128); // no longer LOADING once edited
    }
    msg["edited_timestamp"] = json!(now_ts());
    st.messages.insert(mid, msg.clone());
    Some(msg)
}

/// Fills `mentions`/`mention_roles`/`mention_everyone` as Discord would, honouring
/// `allowed_mentions` (absent: everything in the text pings).
fn set_mentions(
    st: &StubState,
    msg: &mut Value,
    content: &str,
    allowed: Option<&Value>,
    replied_user: Option<u64>,
) {
    let (users, roles, everyone) = parse_mentions(content);
    let parse_has = |what: &str| {
        allowed.is_none_or(|a| {
            a["parse"]
                .as_array()
                .is_some_and(|p| p.iter().any(|v| v == what))
        })
    };
    let listed = |key: &str, id: u64| {
        allowed.is_some_and(|a| {
            a[key]
                .as_array()
                .is_some_and(|l| l.iter().any(|v| id_of(v) == id))
        })
    };
    let mut pinged: Vec<u64> = users
        .into_iter()
        .filter(|u| parse_has("users") || listed("users", *u))
        .collect();
    if let Some(r) = replied_user {
        let ping_reply = allowed.is_none_or(|a| a["replied_user"].as_bool().unwrap_or(false));
        if ping_reply && !pinged.contains(&r) {
            pinged.push(r);
        }
    }
    let roles: Vec<Value> = roles
        .into_iter()
        .filter(|r| parse_has("roles") || listed("roles", *r))
        .map(|r| json!(r.to_string()))
        .collect();
    msg["mentions"] = Value::Array(pinged.into_iter().map(|u| user_obj(st, u)).collect());
    msg["mention_roles"] = Value::Array(roles);
    msg["mention_everyone"] = json!(everyone && parse_has("everyone"));
}

/// (user ids, role ids, @everyone/@here) mentioned in a message text.
fn parse_mentions(content: &str) -> (Vec<u64>, Vec<u64>, bool) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let (is_role, body) = match rest.strip_prefix('&') {
            Some(b) => (true, b),
            None => (false, rest.strip_prefix('!').unwrap_or(rest)),
        };
        let digits: String = body.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && body[digits.len()..].starts_with('>') {
            if let Ok(id) = digits.parse::<u64>() {
                let list = if is_role { &mut roles } else { &mut users };
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
    }
    let everyone = content.contains("@everyone") || content.contains("@here");
    (users, roles, everyone)
}

fn merge(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

fn id_of(v: &Value) -> u64 {
    opt_id(v).unwrap_or(0)
}

fn opt_id(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn now_ts() -> Value {
    serde_json::to_value(serenity::model::Timestamp::now()).unwrap_or(Value::Null)
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// JSON body, or the `payload_json` part of a multipart body (messages with files).
fn parse_body(content_type: &str, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| {
            rest.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
        })
    {
        let boundary = boundary.trim_matches('"');
        let text = String::from_utf8_lossy(body);
        for part in text.split(&format!("--{boundary}")) {
            if let Some((headers, content)) = part.split_once("\r\n\r\n") {
                if headers.contains("name=\"payload_json\"") {
                    let content = content.trim_end_matches("\r\n");
                    return serde_json::from_str(content).unwrap_or_else(|_| json!(content));
                }
            }
        }
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

// ---------------------------------------------------------------------------------------------
// Payload builders (complete objects as Discord sends them; all checked against serenity 0.12.5)

/// A user object.
pub fn user(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "avatar_decoration_data": null,
        "banner": null,
        "accent_color": null,
        "bot": bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
    })
}

/// A role (`colors` is mandatory for serenity 0.12.5).
pub fn role(id: u64, name: &str, permissions: u64, position: u16) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "description": null,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
        "tags": {},
    })
}

/// A guild channel (kind: 0 text, 2 voice, 4 category, 5 announcement, 13 stage, 15 forum), or a
/// thread (10 announcement, 11 public, 12 private; owner [`GUILD_OWNER_ID`]) as THREAD_CREATE
/// carries it (in GUILD_CREATE, threads go in the guild's `threads`).
pub fn channel(id: u64, guild_id: u64, kind: u8, parent_id: Option<u64>, name: &str) -> Value {
    let mut c = json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": guild_id.to_string(),
        "name": name,
        "position": 0,
        "parent_id": parent_id.map(|p| p.to_string()),
        "permission_overwrites": [],
        "nsfw": false,
        "flags": 0,
    });
    match kind {
        0 | 5 | 15 => {
            c["topic"] = Value::Null;
            c["last_message_id"] = Value::Null;
            c["rate_limit_per_user"] = json!(0);
        }
        2 | 13 => {
            c["bitrate"] = json!(64000);
            c["user_limit"] = json!(0);
            c["rtc_region"] = Value::Null;
            c["last_message_id"] = Value::Null;
            c["rate_limit_per_user"] = json!(0);
        }
        _ => {}
    }
    if matches!(kind, 10..=12) {
        // A thread (THREAD_CREATE payload or an entry of the guild's `threads`).
        if let Some(obj) = c.as_object_mut() {
            obj.remove("position");
            obj.remove("permission_overwrites");
        }
        c["owner_id"] = json!(GUILD_OWNER_ID.to_string());
        c["last_message_id"] = Value::Null;
        c["rate_limit_per_user"] = json!(0);
        c["message_count"] = json!(0);
        c["member_count"] = json!(1);
        c["total_message_sent"] = json!(0);
        c["applied_tags"] = json!([]);
        c["thread_metadata"] = json!({
            "archived": false,
            "auto_archive_duration": 4320,
            "archive_timestamp": "2024-01-01T00:00:00.000000+00:00",
            "locked": false,
            "create_timestamp": "2024-01-01T00:00:00.000000+00:00",
            "invitable": kind == 12,
        });
    }
    if kind == 15 {
        c["available_tags"] = json!([]);
        c["default_reaction_emoji"] = Value::Null;
        c["default_sort_order"] = Value::Null;
        c["default_forum_layout"] = json!(0);
        c["default_thread_rate_limit_per_user"] = json!(0);
    }
    c
}

/// A complete guild as in GUILD_CREATE: @everyone (id = guild id, [`perms::DEFAULT`]) plus
/// `roles` (named `role-{id}`, no permissions, positions 1..), channels `(id, kind, parent_id)`
/// named `{kind}-{id}`, no members (the stub adds the bot's on `add_guild`; add others with
/// `DiscordStub::add_member` or by pushing [`member`]s into `members`).
pub fn guild(id: u64, name: &str, channels: &[(u64, u8, Option<u64>)], roles: &[u64]) -> Value {
    let mut role_list = vec![role(id, "@everyone", perms::DEFAULT, 0)];
    role_list.extend(
        roles
            .iter()
            .enumerate()
            .map(|(i, r)| role(*r, &format!("role-{r}"), 0, i as u16 + 1)),
    );
    let channel_list: Vec<Value> = channels
        .iter()
        .enumerate()
        .map(|(i, (cid, kind, parent))| {
            let prefix = match kind {
                0 => "text",
                2 => "voice",
                4 => "category",
                5 => "news",
                13 => "stage",
                15 => "forum",
                _ => "channel",
            };
            let mut c = channel(*cid, id, *kind, *parent, &format!("{prefix}-{cid}"));
            c["position"] = json!(i);
            c
        })
        .collect();
    let mut g = json!({
        "id": id.to_string(),
        "name": name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": GUILD_OWNER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": role_list,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    // Split in two: one json! this large exceeds the default macro recursion limit.
    let gateway_only = json!({
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 0,
        "voice_states": [],
        "members": [],
        "channels": channel_list,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "lazy": true,
    });
    merge(&mut g, &gateway_only);
    g
}

/// A complete guild member (as in GUILD_CREATE and `GET /guilds/{g}/members/{u}`).
pub fn member(user_id: u64, username: &str, roles: &[u64]) -> Value {
    let mut m = partial_member(roles);
    m["user"] = user(user_id, username, false);
    m
}

fn bot_member(bot_id: u64, username: &str) -> Value {
    let mut m = partial_member(&[]);
    m["user"] = user(bot_id, username, true);
    m
}

fn partial_member(roles: &[u64]) -> Value {
    json!({
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "nick": null,
        "avatar": null,
        "banner": null,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
    })
}

/// A MESSAGE_CREATE payload. Guild messages (`guild_id` set) carry `guild_id` and the author's
/// partial `member` (roles from `member_roles`, empty if `None`); `<@id>`/`<@&id>`/@everyone in
/// `content` fill `mentions`/`mention_roles`/`mention_everyone`.
#[allow(clippy::too_many_arguments)]
pub fn message(
    id: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    author_id: u64,
    username: &str,
    bot: bool,
    content: &str,
    member_roles: Option<&[u64]>,
) -> Value {
    let mut msg = base_message(id, channel_id, user(author_id, username, bot), content);
    let (users, roles, everyone) = parse_mentions(content);
    msg["mentions"] = Value::Array(
        users
            .iter()
            .map(|u| user(*u, &format!("user{u}"), false))
            .collect(),
    );
    msg["mention_roles"] = Value::Array(roles.iter().map(|r| json!(r.to_string())).collect());
    msg["mention_everyone"] = json!(everyone);
    if let Some(g) = guild_id {
        msg["guild_id"] = json!(g.to_string());
        msg["member"] = partial_member(member_roles.unwrap_or(&[]));
    }
    msg
}

/// A partial MESSAGE_UPDATE (only `id`, `channel_id`, `guild_id` and, if given, `content` with
/// `edited_timestamp`): what arrives for e.g. embed-only updates.
pub fn message_update(
    id: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    content: Option<&str>,
) -> Value {
    let mut d = json!({"id": id.to_string(), "channel_id": channel_id.to_string()});
    if let Some(g) = guild_id {
        d["guild_id"] = json!(g.to_string());
    }
    if let Some(c) = content {
        d["content"] = json!(c);
        d["edited_timestamp"] = now_ts();
    }
    d
}

pub fn message_delete(id: u64, channel_id: u64, guild_id: Option<u64>) -> Value {
    let mut d = json!({"id": id.to_string(), "channel_id": channel_id.to_string()});
    if let Some(g) = guild_id {
        d["guild_id"] = json!(g.to_string());
    }
    d
}

/// Who triggers an interaction, and where.
#[derive(Clone, Debug)]
pub struct Invoker {
    pub user_id: u64,
    pub username: String,
    /// `None`: in a DM with the bot (`user` instead of `member`).
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub roles: Vec<u64>,
    /// `member.permissions` (what poise's `required_permissions` checks).
    pub permissions: u64,
    /// `app_permissions`: the bot's permissions in the channel.
    pub app_permissions: u64,
    pub locale: String,
}

impl Invoker {
    /// In a guild text channel, with [`perms::DEFAULT`] and locale "en-US".
    pub fn guild(user_id: u64, username: &str, guild_id: u64, channel_id: u64) -> Self {
        Invoker {
            user_id,
            username: username.to_string(),
            guild_id: Some(guild_id),
            channel_id,
            roles: Vec::new(),
            permissions: perms::DEFAULT,
            app_permissions: perms::DEFAULT,
            locale: "en-US".to_string(),
        }
    }

    /// In the bot's DM channel `channel_id` (see `DiscordStub::dm_channel_id`).
    pub fn dm(user_id: u64, username: &str, channel_id: u64) -> Self {
        Invoker {
            guild_id: None,
            ..Self::guild(user_id, username, 0, channel_id)
        }
    }

    pub fn permissions(mut self, permissions: u64) -> Self {
        self.permissions = permissions;
        self
    }

    pub fn app_permissions(mut self, permissions: u64) -> Self {
        self.app_permissions = permissions;
        self
    }

    pub fn roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }

    pub fn locale(mut self, locale: &str) -> Self {
        self.locale = locale.to_string();
        self
    }
}

/// The token the `interaction_*` builders give interaction `id` (callback path:
/// `/interactions/{id}/{token}/callback`, follow-ups: `/webhooks/{app}/{token}`).
pub fn interaction_token(id: u64) -> String {
    format!("stub-interaction-token-{id}")
}

fn interaction_base(app_id: u64, id: u64, kind: u8, who: &Invoker, data: Value) -> Value {
    let mut v = json!({
        "id": id.to_string(),
        "application_id": app_id.to_string(),
        "type": kind,
        "data": data,
        "channel_id": who.channel_id.to_string(),
        "token": interaction_token(id),
        "version": 1,
        "locale": who.locale,
        "app_permissions": who.app_permissions.to_string(),
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    match who.guild_id {
        Some(g) => {
            let mut m = member(who.user_id, &who.username, &who.roles);
            m["permissions"] = json!(who.permissions.to_string());
            v["guild_id"] = json!(g.to_string());
            v["guild_locale"] = json!("en-US");
            v["guild"] = json!({"id": g.to_string(), "locale": "en-US", "features": []});
            v["member"] = m;
            v["channel"] = json!({
                "id": who.channel_id.to_string(),
                "type": 0,
                "guild_id": g.to_string(),
                "name": format!("text-{}", who.channel_id),
                "permissions": who.permissions.to_string(),
                "flags": 0,
            });
            v["context"] = json!(0);
            v["authorizing_integration_owners"] = json!({"0": g.to_string()});
        }
        None => {
            let u = user(who.user_id, &who.username, false);
            v["user"] = u.clone();
            v["channel"] = json!({
                "id": who.channel_id.to_string(),
                "type": 1,
                "recipients": [u],
                "flags": 0,
            });
            v["context"] = json!(1);
            v["authorizing_integration_owners"] = json!({"0": "0"});
        }
    }
    v
}

/// INTERACTION_CREATE type 2 (slash command or context menu); `data` e.g. from [`slash_data`].
pub fn interaction_command(app_id: u64, id: u64, who: &Invoker, data: Value) -> Value {
    interaction_base(app_id, id, 2, who, data)
}

/// INTERACTION_CREATE type 3 on `message` (the bot message carrying the component, e.g.
/// `stub.stored_message(id)`); `data` from [`button_data`] / [`select_data`].
pub fn interaction_component(
    app_id: u64,
    id: u64,
    who: &Invoker,
    message: Value,
    data: Value,
) -> Value {
    let mut v = interaction_base(app_id, id, 3, who, data);
    v["message"] = message;
    v
}

/// INTERACTION_CREATE type 4; `data` from [`autocomplete_data`].
pub fn interaction_autocomplete(app_id: u64, id: u64, who: &Invoker, data: Value) -> Value {
    interaction_base(app_id, id, 4, who, data)
}

/// INTERACTION_CREATE type 5; `data` from [`modal_data`].
pub fn interaction_modal_submit(app_id: u64, id: u64, who: &Invoker, data: Value) -> Value {
    interaction_base(app_id, id, 5, who, data)
}

/// A stable fake command id for a command name (poise and serenity route by name).
pub fn command_id(name: &str) -> u64 {
    let hash = name.bytes().fold(1_469_598_103_934_665_603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
    });
    1_000_000_000_000_000_000 + hash % 100_000_000_000_000_000
}

/// `data` of a slash command; `options` as Discord sends them, e.g.
/// `json!([{"name": "text", "type": 3, "value": "hi"}])` (or a subcommand:
/// `[{"name": "sub", "type": 1, "options": [..]}]`).
pub fn slash_data(name: &str, options: Value) -> Value {
    json!({"id": command_id(name).to_string(), "name": name, "type": 1, "options": options})
}

/// `data` of an autocomplete request: `options` with one `"focused": true`, e.g.
/// `json!([{"name": "topic", "type": 3, "value": "ref", "focused": true}])`.
pub fn autocomplete_data(name: &str, options: Value) -> Value {
    slash_data(name, options)
}

/// `data` of a message context-menu command on `target` (a message object).
pub fn message_context_data(name: &str, target: &Value) -> Value {
    let tid = target["id"].clone();
    let mut resolved = serde_json::Map::new();
    resolved.insert(tid.as_str().unwrap_or_default().to_string(), target.clone());
    json!({
        "id": command_id(name).to_string(),
        "name": name,
        "type": 3,
        "target_id": tid,
        "resolved": {"messages": resolved},
    })
}

/// `data` of a user context-menu command on a user (with their member if `guild_roles` is set).
pub fn user_context_data(
    name: &str,
    target_id: u64,
    username: &str,
    guild_roles: Option<&[u64]>,
) -> Value {
    let key = target_id.to_string();
    let mut d = json!({
        "id": command_id(name).to_string(),
        "name": name,
        "type": 2,
        "target_id": key,
        "resolved": {"users": {key.clone(): user(target_id, username, false)}},
    });
    if let Some(roles) = guild_roles {
        let mut m = partial_member(roles);
        m["permissions"] = json!(perms::DEFAULT.to_string());
        d["resolved"]["members"] = json!({key: m});
    }
    d
}

/// `data` of a button press.
pub fn button_data(custom_id: &str) -> Value {
    json!({"custom_id": custom_id, "component_type": 2})
}

/// `data` of a string select menu choice.
pub fn select_data(custom_id: &str, values: &[&str]) -> Value {
    json!({"custom_id": custom_id, "component_type": 3, "values": values})
}

/// `data` of a modal submit: text inputs `(custom_id, value)`, one per action row.
pub fn modal_data(custom_id: &str, fields: &[(&str, &str)]) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
        .collect();
    json!({"custom_id": custom_id, "components": rows})
}
