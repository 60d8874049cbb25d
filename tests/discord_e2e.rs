//! End to end: the real `tact run` (serenity client and all) against a local Discord stand-in
//! that speaks gateway v10 and the REST routes the bot calls. Assertions are on the REST
//! requests the stand-in recorded.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::bot::{self, Bot};
use support::discord_stub::{self as stub, DiscordStub, Recorded};

const GUILD: u64 = 100_000_000_000_000_001;
const OTHER_GUILD: u64 = 100_000_000_000_000_002;
const CATEGORY: u64 = 200_000_000_000_000_100;
const SUPPORT: u64 = 200_000_000_000_000_001;
const IN_CATEGORY: u64 = 200_000_000_000_000_101;
const UNWATCHED: u64 = 200_000_000_000_000_002;
const COACH: u64 = 200_000_000_000_000_003;
const AGENT_ROLE: u64 = 300_000_000_000_000_001;
const AGENT: u64 = 400_000_000_000_000_001;
const AGENT2: u64 = 400_000_000_000_000_002;
const CUSTOMER: u64 = 400_000_000_000_000_003;
const OTHER_BOT: u64 = 400_000_000_000_000_004;

const FLAGGED_FR: &str =
    "Bonjour, désolé mais ce n’est pas de mon ressort, voyez avec la comptabilité.";
const FLAGGED_EN: &str = "Sorry, that's not my department, you'll have to call billing.";
const CLEAN: &str =
    "Bonjour Mme Tremblay, je m'occupe de votre commande et je reviens vers vous avant midi.";
const WAIT: Duration = Duration::from_secs(10);

fn guild_toml(extra: &str) -> String {
    format!(
        "[[guild]]\nid = {GUILD}\nchannels = [{SUPPORT}]\ncategories = [{CATEGORY}]\nagent_roles = [{AGENT_ROLE}]\ncooldown_minutes = 10\n{extra}\n"
    )
}

async fn setup(extra: &str, guild_extra: &str) -> (DiscordStub, Bot) {
    let stub = DiscordStub::start().await;
    stub.add_guild(stub::guild(
        GUILD,
        "Support",
        &[
            (CATEGORY, 4, None),
            (SUPPORT, 0, None),
            (IN_CATEGORY, 0, Some(CATEGORY)),
            (UNWATCHED, 0, None),
            (COACH, 0, None),
        ],
        &[AGENT_ROLE],
    ));
    let bot = bot::start(&stub, extra, &guild_toml(guild_extra)).await;
    (stub, bot)
}

static NEXT: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(500_000_000_000_000_000);

fn next_id() -> u64 {
    NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

/// An agent's message in a channel of the test guild; returns its id.
async fn say(stub: &DiscordStub, channel: u64, author: u64, roles: &[u64], text: &str) -> u64 {
    let id = next_id();
    stub.dispatch(
        "MESSAGE_CREATE",
        stub::message(
            id,
            channel,
            Some(GUILD),
            author,
            "agent",
            false,
            text,
            Some(roles),
        ),
    )
    .await;
    id
}

fn dm_posts(stub: &DiscordStub, user: u64) -> Vec<Recorded> {
    let path = format!("/channels/{}/messages", stub.dm_channel_id(user));
    stub.requests()
        .into_iter()
        .filter(|r| r.is("POST", &path))
        .collect()
}

async fn wait_dm(stub: &DiscordStub, user: u64, n: usize) -> Vec<Recorded> {
    let path = format!("/channels/{}/messages", stub.dm_channel_id(user));
    let ok = stub.wait_for_count(|r| r.is("POST", &path), n, WAIT).await;
    assert!(
        ok,
        "expected {n} DM(s) to {user}; requests: {:#?}",
        stub.requests()
            .iter()
            .map(|r| (&r.method, &r.path))
            .collect::<Vec<_>>()
    );
    dm_posts(stub, user)
}

/// Lets in-flight events settle (negative assertions need the bot to have had its chance).
async fn settle(stub: &DiscordStub) {
    // A flagged message from a second agent acts as a barrier: once its DM is out, the events
    // dispatched before it have been handled too.
    let before = dm_posts(stub, AGENT2).len();
    say(
        stub,
        SUPPORT,
        AGENT2,
        &[AGENT_ROLE],
        &format!("{FLAGGED_EN} ({})", next_id()),
    )
    .await;
    let path = format!("/channels/{}/messages", stub.dm_channel_id(AGENT2));
    assert!(
        stub.wait_for_count(|r| r.is("POST", &path), before + 1, WAIT)
            .await
            || before >= 3,
        "barrier DM not sent"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The coaching events of a message once their delivery is recorded (not `pending`).
async fn events_of(bot: &Bot, channel: u64, message: u64) -> Vec<tact::storage::Event> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let events = bot.db().events_for_message(channel, message).unwrap();
        if (!events.is_empty() && events.iter().all(|e| e.delivery != "pending"))
            || std::time::Instant::now() > deadline
        {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn embed_text(body: &Value) -> String {
    body["embeds"].to_string()
}

fn assert_quiet(r: &Recorded) {
    let am = &r.body["allowed_mentions"];
    assert!(
        am.is_object(),
        "{} {} has no allowed_mentions: {}",
        r.method,
        r.path,
        r.body
    );
    assert_eq!(
        am["parse"],
        json!([]),
        "{} {}: {}",
        r.method,
        r.path,
        r.body
    );
    assert!(
        am.get("users").is_none_or(|u| u == &json!([])),
        "{}",
        r.body
    );
    assert!(
        am.get("roles").is_none_or(|u| u == &json!([])),
        "{}",
        r.body
    );
    assert_ne!(am.get("replied_user"), Some(&json!(true)), "{}", r.body);
}

/// Every message the bot sent or edited disables mentions.
fn assert_all_quiet(stub: &DiscordStub) {
    let sent: Vec<Recorded> = stub
        .requests()
        .into_iter()
        .filter(|r| {
            (r.method == "POST" || r.method == "PATCH")
                && r.path.contains("/messages")
                && !r.path.contains("/threads")
        })
        .collect();
    assert!(!sent.is_empty());
    for r in &sent {
        assert_quiet(r);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flagged_message_gets_exactly_one_private_dm_with_an_alternative() {
    let (stub, bot) = setup("", "").await;
    assert_eq!(
        stub.identify_intents()
            .map(|i| i & stub::intents::MESSAGE_CONTENT != 0),
        Some(true),
        "MESSAGE_CONTENT requested"
    );
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let dms = wait_dm(&stub, AGENT, 1).await;
    let open = stub
        .requests()
        .into_iter()
        .find(|r| r.is("POST", "/users/@me/channels"))
        .expect("DM channel opened");
    assert_eq!(
        open.body["recipient_id"]
            .as_str()
            .map(str::to_string)
            .or(open.body["recipient_id"].as_u64().map(|v| v.to_string())),
        Some(AGENT.to_string())
    );
    let body = &dms[0].body;
    let embeds = embed_text(body);
    let engine = tact::rules_dir::load(&bot::rules_dir()).unwrap().engine;
    let hits = engine.check(FLAGGED_FR, &Default::default());
    let hit = hits.iter().find(|h| h.is_avoid()).expect("a hit");
    assert!(
        hit.rule
            .alternatives
            .iter()
            .any(|a| embeds.contains(&a.replace('"', "\\\""))),
        "an alternative is in the DM: {embeds}"
    );
    assert!(
        embeds.contains(&format!(
            "https://discord.com/channels/{GUILD}/{SUPPORT}/{id}"
        )),
        "a link to the message: {embeds}"
    );
    assert!(embeds.contains("de mon ressort"), "the excerpt: {embeds}");
    assert_eq!(
        body["components"][0]["components"].as_array().map(Vec::len),
        Some(3),
        "feedback buttons"
    );
    // Nothing was posted in the customer's channel.
    assert!(!stub
        .requests()
        .iter()
        .any(|r| r.is("POST", &format!("/channels/{SUPPORT}/messages"))));
    settle(&stub).await;
    assert_eq!(dm_posts(&stub, AGENT).len(), 1, "exactly one DM");
    let events = events_of(&bot, SUPPORT, id).await;
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e.delivery == "dm" && e.text.is_none()),
        "{events:?}"
    );
    assert_all_quiet(&stub);
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_unwatched_bot_and_non_agent_messages_get_nothing() {
    let (stub, _bot) = setup("", "").await;
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], CLEAN).await;
    say(&stub, UNWATCHED, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    say(&stub, SUPPORT, CUSTOMER, &[], FLAGGED_FR).await;
    let id = next_id();
    stub.dispatch(
        "MESSAGE_CREATE",
        stub::message(
            id,
            SUPPORT,
            Some(GUILD),
            OTHER_BOT,
            "otherbot",
            true,
            FLAGGED_FR,
            Some(&[AGENT_ROLE]),
        ),
    )
    .await;
    // The bot's own messages come back too; a quoted phrase is not said to a customer.
    say(
        &stub,
        SUPPORT,
        AGENT,
        &[AGENT_ROLE],
        "> ce n'est pas de mon ressort\nJe m'en occupe tout de suite.",
    )
    .await;
    settle(&stub).await;
    assert!(dm_posts(&stub, AGENT).is_empty(), "no DM to the agent");
    assert!(dm_posts(&stub, CUSTOMER).is_empty(), "no DM to a non-agent");
    assert!(dm_posts(&stub, OTHER_BOT).is_empty(), "no DM to a bot");
}

#[tokio::test(flavor = "multi_thread")]
async fn threads_and_category_channels_are_watched() {
    let (stub, _bot) = setup("", "").await;
    say(&stub, IN_CATEGORY, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    wait_dm(&stub, AGENT, 1).await;
    // A thread created in the support channel after startup: the bot learns its parent.
    let thread = stub.next_id();
    stub.dispatch(
        "THREAD_CREATE",
        stub::channel(thread, GUILD, 11, Some(SUPPORT), "question"),
    )
    .await;
    say(&stub, thread, AGENT, &[AGENT_ROLE], FLAGGED_EN).await;
    wait_dm(&stub, AGENT, 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cooldown_holds_and_a_burst_never_becomes_a_burst_of_dms() {
    let (stub, bot) = setup("", "").await;
    let first = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    wait_dm(&stub, AGENT, 1).await;
    let second = say(
        &stub,
        SUPPORT,
        AGENT,
        &[AGENT_ROLE],
        "Encore une fois, ce n'est pas de mon ressort.",
    )
    .await;
    for i in 0..20 {
        say(
            &stub,
            SUPPORT,
            AGENT,
            &[AGENT_ROLE],
            &format!("{FLAGGED_EN} #{i}"),
        )
        .await;
    }
    settle(&stub).await;
    let dms = dm_posts(&stub, AGENT).len();
    assert!(
        dms <= tact::bot::state::BURST_PER_MINUTE,
        "{dms} DMs for a burst of 22 messages"
    );
    assert!(events_of(&bot, SUPPORT, first)
        .await
        .iter()
        .any(|e| e.delivery == "dm"));
    let again = events_of(&bot, SUPPORT, second).await;
    assert!(
        again
            .iter()
            .any(|e| e.rule_id.contains("ressort") && e.delivery == "cooldown"),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_that_removes_the_phrase_updates_the_dm() {
    let (stub, bot) = setup("", "").await;
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let dm = wait_dm(&stub, AGENT, 1).await.remove(0);
    let note_id = dm.response["id"].as_str().expect("note id").to_string();
    // An embed-only (partial) update is ignored.
    stub.dispatch(
        "MESSAGE_UPDATE",
        stub::message_update(id, SUPPORT, Some(GUILD), None),
    )
    .await;
    // The agent rewrites the message.
    stub.dispatch(
        "MESSAGE_UPDATE",
        stub::message_update(
            id,
            SUPPORT,
            Some(GUILD),
            Some("Bonjour, je transmets à la comptabilité et je suis votre dossier."),
        ),
    )
    .await;
    let path = format!("/channels/{}/messages/{note_id}", stub.dm_channel_id(AGENT));
    let edit = stub
        .wait_for(|r| r.is("PATCH", &path), WAIT)
        .await
        .unwrap_or_else(|| {
            panic!(
                "the DM is not edited; requests {:#?}\nlog:\n{}",
                stub.requests()
                    .iter()
                    .map(|r| (&r.method, &r.path, r.status))
                    .collect::<Vec<_>>(),
                bot.logs()
            )
        });
    assert!(embed_text(&edit.body).contains("Corrigé"), "{}", edit.body);
    assert_quiet(&edit);
    let events = events_of(&bot, SUPPORT, id).await;
    assert!(events.iter().any(|e| e.status == "corrected"), "{events:?}");
    // Deleting the message withdraws what is left.
    let id2 = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_EN).await;
    wait_dm(&stub, AGENT, 2).await;
    stub.dispatch(
        "MESSAGE_DELETE",
        stub::message_delete(id2, SUPPORT, Some(GUILD)),
    )
    .await;
    let mut withdrawn = false;
    for _ in 0..100 {
        if bot
            .db()
            .events_for_message(SUPPORT, id2)
            .unwrap()
            .iter()
            .any(|e| e.status == "withdrawn")
        {
            withdrawn = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(withdrawn, "deleting the message withdraws its coaching");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_that_adds_a_phrase_is_coached() {
    let (stub, _bot) = setup("", "").await;
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], CLEAN).await;
    let mut update = stub::message_update(id, SUPPORT, Some(GUILD), Some(FLAGGED_FR));
    update["author"] = stub::user(AGENT, "agent", false);
    update["member"] = json!({"roles": [AGENT_ROLE.to_string()], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0});
    stub.dispatch("MESSAGE_UPDATE", update).await;
    wait_dm(&stub, AGENT, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_dm_falls_back_to_the_coach_channel_then_to_a_reaction() {
    let (stub, bot) = setup("", &format!("coach_channel = {COACH}")).await;
    let dm_path = format!("/channels/{}/messages", stub.dm_channel_id(AGENT));
    stub.respond_once(
        "POST",
        &dm_path,
        403,
        json!({"code": 50007, "message": "Cannot send messages to this user"}),
    );
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let post = stub
        .wait_for(
            |r| r.is("POST", &format!("/channels/{COACH}/messages")),
            WAIT,
        )
        .await
        .expect("posted in the coach channel");
    assert!(
        post.body["content"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("<@{AGENT}>")),
        "{}",
        post.body
    );
    assert_quiet(&post);
    let events = events_of(&bot, SUPPORT, id).await;
    assert!(
        events.iter().all(|e| e.delivery == "dm_fallback_channel"),
        "{events:?}"
    );
    // One attempt only: no retry loop.
    assert_eq!(
        stub.requests()
            .iter()
            .filter(|r| r.is("POST", &dm_path))
            .count(),
        1
    );
    drop(bot);

    // Without a coach channel: a reaction on the message.
    let (stub, bot) = setup("", "").await;
    let dm_path = format!("/channels/{}/messages", stub.dm_channel_id(AGENT));
    stub.respond_once(
        "POST",
        &dm_path,
        403,
        json!({"code": 50007, "message": "Cannot send messages to this user"}),
    );
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let react = stub
        .wait_for(
            |r| {
                r.method == "PUT"
                    && r.path
                        .starts_with(&format!("/channels/{SUPPORT}/messages/{id}/reactions/"))
            },
            WAIT,
        )
        .await
        .expect("a reaction as the last fallback");
    assert!(react.path.ends_with("/@me"));
    let events = events_of(&bot, SUPPORT, id).await;
    assert!(
        events.iter().all(|e| e.delivery == "dm_fallback_react"),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_delivery_modes_never_correct_in_public() {
    // react
    let (stub, _bot) = setup("", "delivery = \"react\"").await;
    let id = say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    stub.wait_for(
        |r| {
            r.method == "PUT"
                && r.path
                    .starts_with(&format!("/channels/{SUPPORT}/messages/{id}/reactions/"))
        },
        WAIT,
    )
    .await
    .expect("reaction");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(dm_posts(&stub, AGENT).is_empty());
    assert!(
        !stub
            .requests()
            .iter()
            .any(|r| r.is("POST", &format!("/channels/{SUPPORT}/messages"))),
        "nothing public"
    );
    // reply: a private thread with the agent
    let (stub, _bot) = setup("", "delivery = \"reply\"").await;
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let thread = stub
        .wait_for(
            |r| r.is("POST", &format!("/channels/{SUPPORT}/threads")),
            WAIT,
        )
        .await
        .expect("private thread");
    assert_eq!(
        thread.body["type"],
        json!(12),
        "a private thread: {}",
        thread.body
    );
    let thread_id = thread.response["id"].as_str().unwrap().to_string();
    stub.wait_for(
        |r| r.method == "PUT" && r.path == format!("/channels/{thread_id}/thread-members/{AGENT}"),
        WAIT,
    )
    .await
    .expect("agent added");
    let note = stub
        .wait_for(
            |r| r.is("POST", &format!("/channels/{thread_id}/messages")),
            WAIT,
        )
        .await
        .expect("note in the thread");
    assert_quiet(&note);
    assert!(
        !stub
            .requests()
            .iter()
            .any(|r| r.is("POST", &format!("/channels/{SUPPORT}/messages"))),
        "nothing public"
    );
    // coach_channel (team leads only)
    let (stub, _bot) = setup(
        "",
        &format!("delivery = \"coach_channel\"\ncoach_channel = {COACH}"),
    )
    .await;
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    let post = stub
        .wait_for(
            |r| r.is("POST", &format!("/channels/{COACH}/messages")),
            WAIT,
        )
        .await
        .expect("coach channel");
    assert_quiet(&post);
}

#[tokio::test(flavor = "multi_thread")]
async fn mentions_in_echoed_text_never_ping() {
    let (stub, _bot) = setup("", "").await;
    say(
        &stub,
        SUPPORT,
        AGENT,
        &[AGENT_ROLE],
        "@everyone <@&300000000000000001> ce n'est pas de mon ressort <@400000000000000003> @here",
    )
    .await;
    let dm = wait_dm(&stub, AGENT, 1).await.remove(0);
    assert_quiet(&dm);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_disconnect_is_survived() {
    let (stub, _bot) = setup("", "").await;
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    wait_dm(&stub, AGENT, 1).await;
    stub.disconnect(Some(4000)).await;
    assert!(
        stub.wait_resumed(1, Duration::from_secs(20)).await,
        "the client resumes"
    );
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_EN).await;
    wait_dm(&stub, AGENT, 2).await;
    // A dropped socket (no close frame) too.
    stub.disconnect(None).await;
    assert!(
        stub.wait_resumed(2, Duration::from_secs(20)).await,
        "the client resumes again"
    );
    say(
        &stub,
        SUPPORT,
        AGENT,
        &[AGENT_ROLE],
        "Comme je vous l'ai déjà dit, il faut redémarrer.",
    )
    .await;
    wait_dm(&stub, AGENT, 3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn other_guilds_and_unconfigured_guilds_are_not_watched() {
    let (stub, _bot) = setup("", "").await;
    stub.add_guild(stub::guild(
        OTHER_GUILD,
        "Other",
        &[(SUPPORT + 50, 0, None)],
        &[],
    ));
    let id = next_id();
    stub.dispatch(
        "MESSAGE_CREATE",
        stub::message(
            id,
            SUPPORT + 50,
            Some(OTHER_GUILD),
            AGENT,
            "agent",
            false,
            FLAGGED_FR,
            Some(&[]),
        ),
    )
    .await;
    settle(&stub).await;
    assert!(dm_posts(&stub, AGENT).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_shuts_down_gracefully() {
    let (stub, mut bot) = setup("", "").await;
    say(&stub, SUPPORT, AGENT, &[AGENT_ROLE], FLAGGED_FR).await;
    wait_dm(&stub, AGENT, 1).await;
    let status = bot.terminate();
    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        bot.logs()
    );
    assert!(bot.logs().contains("stopped"), "{}", bot.logs());
    // Storage was flushed: the event is in the database file.
    let db = tact::storage::Storage::open(&bot.db_path()).unwrap();
    let stats = db.stats(GUILD, 0).unwrap();
    assert!(stats.total_avoid >= 1);
    // The log never contains message text above debug level.
    assert!(
        !bot.logs()
            .lines()
            .any(|l| (l.contains(" INFO ") || l.contains(" WARN ")) && l.contains("ressort")),
        "{}",
        bot.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn startup_errors_are_clear_and_exit_non_zero() {
    let stub = DiscordStub::start().await;
    // Missing token.
    let mut b = bot::spawn(&stub, "", "", &[("DISCORD_TOKEN", "")]);
    let status = b.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(!status.success());
    assert!(b.logs().contains("DISCORD_TOKEN"), "{}", b.logs());
    // Invalid token.
    stub.respond_once(
        "GET",
        "/users/@me",
        401,
        json!({"code": 0, "message": "401: Unauthorized"}),
    );
    let mut b = bot::spawn(&stub, "", "", &[]);
    let status = b.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(!status.success());
    assert!(b.logs().contains("refused the token"), "{}", b.logs());
    // Unreadable rules folder.
    let mut b = bot::spawn(&stub, "rules_dir = \"/nonexistent/rules\"", "", &[]);
    let status = b.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(!status.success());
    assert!(b.logs().contains("/nonexistent/rules"), "{}", b.logs());
    // Bad config.
    let mut b = bot::spawn(&stub, "delivery = \"email\"", "", &[]);
    let status = b.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(!status.success());
    assert!(b.logs().contains("delivery"), "{}", b.logs());
}

#[tokio::test(flavor = "multi_thread")]
async fn message_content_intent_refused_says_how_to_enable_it() {
    let stub = DiscordStub::start().await;
    let mut b = bot::start(&stub, "", "").await;
    stub.disconnect(Some(4014)).await;
    let status = b.wait_exit(Duration::from_secs(15)).expect("exits");
    assert!(!status.success());
    assert!(b.logs().contains("Message Content Intent"), "{}", b.logs());
}
