//! End to end: slash commands, the context menu, autocompletion, buttons and the modal, driven
//! through INTERACTION_CREATE on the local Discord stand-in against the real `tact run`.
//! Assertions are on the interaction callbacks (`POST /interactions/{id}/{token}/callback`),
//! the bot's other REST calls, and the bot's database.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::bot::{self, Bot};
use support::discord_stub::{self as stub, perms, DiscordStub, Invoker, Recorded};
use tact::engine::{CheckOptions, Engine, LangChoice};

const GUILD: u64 = 110_000_000_000_000_001;
const OTHER_GUILD: u64 = 110_000_000_000_000_002;
const SUPPORT: u64 = 210_000_000_000_000_001;
const OTHER_SUPPORT: u64 = 210_000_000_000_000_002;
const LOG: u64 = 210_000_000_000_000_003;
const NEW_CHANNEL: u64 = 210_000_000_000_000_004;
const AGENT_ROLE: u64 = 310_000_000_000_000_001;
const ADMIN_ROLE: u64 = 310_000_000_000_000_002;
const NEW_ROLE: u64 = 310_000_000_000_000_003;
const AGENT: u64 = 410_000_000_000_000_001;
const AGENT2: u64 = 410_000_000_000_000_002;
const ADMIN: u64 = 410_000_000_000_000_003;
const MEMBER: u64 = 410_000_000_000_000_004;
const WAIT: Duration = Duration::from_secs(15);

/// Only the "not my department" rule flags this (checked by `ressort_rule`).
const RESSORT: &str = "Désolé, ce n'est pas de mon ressort.";
const CLEAN_FR: &str = "Bonjour, je m'occupe de votre commande et je reviens vers vous avant midi.";

fn guilds(guild_extra: &str) -> String {
    format!(
        "[[guild]]\nid = {GUILD}\nchannels = [{SUPPORT}]\nagent_roles = [{AGENT_ROLE}]\ncooldown_minutes = 0\nlog_channel = {LOG}\nadmin_role = {ADMIN_ROLE}\n{guild_extra}\n\n[[guild]]\nid = {OTHER_GUILD}\nchannels = [{OTHER_SUPPORT}]\ncooldown_minutes = 0\n"
    )
}

struct Env {
    stub: DiscordStub,
    bot: Bot,
}

/// The stand-in with two guilds, and the bot; `extra` are global config lines, `discord`
/// lines of the `[discord]` table, `guild_extra` lines of the first guild's section.
async fn setup_with(extra: &str, discord: &str, guild_extra: &str) -> Env {
    let stub = DiscordStub::start().await;
    stub.add_guild(stub::guild(
        GUILD,
        "Support",
        &[(SUPPORT, 0, None), (LOG, 0, None), (NEW_CHANNEL, 0, None)],
        &[AGENT_ROLE, ADMIN_ROLE, NEW_ROLE],
    ));
    stub.add_guild(stub::guild(
        OTHER_GUILD,
        "Other",
        &[(OTHER_SUPPORT, 0, None)],
        &[],
    ));
    // `bot::start` writes the guild sections right after `[discord]`: lines before the first
    // `[[guild]]` belong to that table.
    let bot = bot::start(&stub, extra, &format!("{discord}\n{}", guilds(guild_extra))).await;
    Env { stub, bot }
}

async fn setup() -> Env {
    setup_with("", "", "").await
}

fn agent(locale: &str) -> Invoker {
    Invoker::guild(AGENT, "agent", GUILD, SUPPORT)
        .roles(&[AGENT_ROLE])
        .locale(locale)
}

fn admin(locale: &str) -> Invoker {
    Invoker::guild(ADMIN, "admin", GUILD, SUPPORT)
        .permissions(perms::DEFAULT | perms::MANAGE_GUILD)
        .locale(locale)
}

fn engine() -> Engine {
    tact::rules_dir::load(&bot::rules_dir())
        .expect("rules")
        .engine
}

/// The id of the rule `RESSORT` hits, checking it is the only one.
fn ressort_rule(engine: &Engine) -> String {
    let hits: Vec<String> = engine
        .check(
            RESSORT,
            &CheckOptions {
                lang: LangChoice::All,
                ..Default::default()
            },
        )
        .into_iter()
        .filter(|h| h.is_avoid())
        .map(|h| h.rule.id.clone())
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "the test text should hit exactly one rule: {hits:?}"
    );
    hits[0].clone()
}

/// The bot's answer to one interaction.
struct Answer {
    /// Callback type: 4 message, 5 deferred (then `data` is the follow-up), 7 update, 8
    /// autocomplete, 9 modal.
    kind: u64,
    data: Value,
    callback: Recorded,
    token: String,
}

impl Answer {
    /// Every string of the answer (content, embeds, components), for text assertions.
    fn text(&self) -> String {
        let mut out = String::new();
        strings(&self.data, &mut out);
        out
    }

    fn assert_private(&self) {
        assert!(
            matches!(self.kind, 4 | 5),
            "a message answer: {}",
            self.callback.body
        );
        let flags = self.data["flags"].as_u64().unwrap_or(0);
        assert_eq!(flags & 64, 64, "ephemeral: {}", self.data);
        assert_quiet(&self.data);
    }
}

fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn assert_quiet(body: &Value) {
    let am = &body["allowed_mentions"];
    assert!(am.is_object(), "no allowed_mentions: {body}");
    assert_eq!(am["parse"], json!([]), "{body}");
    assert!(am.get("users").is_none_or(|u| u == &json!([])), "{body}");
    assert!(am.get("roles").is_none_or(|u| u == &json!([])), "{body}");
    assert_ne!(am.get("replied_user"), Some(&json!(true)), "{body}");
}

impl Env {
    fn app(&self) -> u64 {
        self.stub.application_id()
    }

    /// Dispatches the interaction built by `payload` (given a fresh id) and waits for the answer.
    async fn interact(&self, payload: impl FnOnce(u64) -> Value) -> Answer {
        let id = self.stub.next_id();
        self.stub.dispatch("INTERACTION_CREATE", payload(id)).await;
        self.answer(id).await
    }

    async fn answer(&self, id: u64) -> Answer {
        let token = stub::interaction_token(id);
        let path = format!("/interactions/{id}/{token}/callback");
        let callback = self
            .stub
            .wait_for(|r| r.is("POST", &path), WAIT)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no answer to interaction {id}; bot log:\n{}",
                    self.bot.logs()
                )
            });
        assert!(callback.status < 300, "callback refused: {callback:?}");
        let kind = callback.body["type"].as_u64().expect("callback type");
        let mut data = callback.body["data"].clone();
        if kind == 5 {
            let follow = format!("/webhooks/{}/{token}", self.app());
            let original = format!("{follow}/messages/@original");
            let r = self
                .stub
                .wait_for(|r| r.is("POST", &follow) || r.is("PATCH", &original), WAIT)
                .await
                .unwrap_or_else(|| {
                    panic!(
                        "no follow-up to deferred interaction {id}; bot log:\n{}",
                        self.bot.logs()
                    )
                });
            let flags = data["flags"].clone();
            data = r.body.clone();
            if data["flags"].is_null() {
                data["flags"] = flags;
            }
        }
        Answer {
            kind,
            data,
            callback,
            token,
        }
    }

    async fn command(&self, who: &Invoker, data: Value) -> Answer {
        let app = self.app();
        self.interact(|id| stub::interaction_command(app, id, who, data))
            .await
    }

    /// Clicks a button of `message` (a message object as the stand-in stores it).
    async fn click(&self, who: &Invoker, message: Value, custom_id: &str) -> Answer {
        let app = self.app();
        self.interact(|id| {
            stub::interaction_component(app, id, who, message, stub::button_data(custom_id))
        })
        .await
    }

    /// The message an answer created (an ephemeral reply), as the stand-in stores it.
    fn original(&self, answer: &Answer) -> Value {
        self.stub
            .interaction_original(&answer.token)
            .expect("the answer's message")
    }

    /// An agent's message in a guild channel.
    async fn say(&self, guild: u64, channel: u64, author: u64, roles: &[u64], text: &str) -> u64 {
        let id = self.stub.next_id();
        self.stub
            .dispatch(
                "MESSAGE_CREATE",
                stub::message(
                    id,
                    channel,
                    Some(guild),
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

    fn dm_posts(&self, user: u64) -> Vec<Recorded> {
        let path = format!("/channels/{}/messages", self.stub.dm_channel_id(user));
        self.stub
            .requests()
            .into_iter()
            .filter(|r| r.is("POST", &path))
            .collect()
    }

    async fn wait_dm(&self, user: u64, n: usize) -> Vec<Recorded> {
        let path = format!("/channels/{}/messages", self.stub.dm_channel_id(user));
        if !self
            .stub
            .wait_for_count(|r| r.is("POST", &path), n, WAIT)
            .await
        {
            panic!(
                "expected {n} DM(s) to {user}; bot log:\n{}",
                self.bot.logs()
            );
        }
        self.dm_posts(user)
    }

    /// Lets events in flight settle: a flagged message from another agent of the other guild
    /// is a barrier (once its DM is out, what was dispatched before it has been handled).
    async fn settle(&self) {
        let before = self.dm_posts(AGENT2).len();
        self.say(
            OTHER_GUILD,
            OTHER_SUPPORT,
            AGENT2,
            &[],
            &format!("Sorry, that's not my department. ({})", self.stub.next_id()),
        )
        .await;
        self.wait_dm(AGENT2, before + 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn tact(sub: &str, options: Value) -> Value {
    stub::slash_data(
        "tact",
        json!([{"name": sub, "type": 1, "options": options}]),
    )
}

fn tact_admin(path: &[&str], options: Value) -> Value {
    match path {
        [sub] => stub::slash_data(
            "tact-admin",
            json!([{"name": sub, "type": 1, "options": options}]),
        ),
        [group, sub] => stub::slash_data(
            "tact-admin",
            json!([{"name": group, "type": 2, "options": [{"name": sub, "type": 1, "options": options}]}]),
        ),
        _ => panic!("bad command path"),
    }
}

fn text_opt(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn commands_are_registered_globally_bilingual_with_admin_permissions() {
    let env = setup().await;
    let path = format!("/applications/{}/commands", env.app());
    let put = env
        .stub
        .wait_for(|r| r.is("PUT", &path), WAIT)
        .await
        .expect("global registration");
    let commands = put.body.as_array().expect("a list of commands");
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tact", "Coach this message", "tact-admin"]);
    let tact = &commands[0];
    assert!(
        tact["description_localizations"]["fr"].is_string(),
        "{tact}"
    );
    let check = &tact["options"][0];
    assert_eq!(
        (check["name"].as_str(), check["type"].as_u64()),
        (Some("check"), Some(1))
    );
    assert_eq!(check["name_localizations"]["fr"], "verifier");
    assert_eq!(check["options"][0]["type"], 3, "text is a string option");
    assert_eq!(commands[1]["type"], 3);
    assert_eq!(
        commands[1]["name_localizations"]["fr"],
        "Coacher ce message"
    );
    let admin = &commands[2];
    assert_eq!(admin["default_member_permissions"], "32", "Manage Server");
    assert!(!env
        .stub
        .requests()
        .iter()
        .any(|r| r.path.contains("/guilds/") && r.path.ends_with("/commands")));
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_are_registered_in_the_development_guilds() {
    let env = setup_with("", &format!("dev_guilds = [{GUILD}]"), "").await;
    let path = format!("/applications/{}/guilds/{GUILD}/commands", env.app());
    let put = env
        .stub
        .wait_for(|r| r.is("PUT", &path), WAIT)
        .await
        .expect("guild registration");
    assert_eq!(put.body.as_array().map(Vec::len), Some(3));
    let global = format!("/applications/{}/commands", env.app());
    assert!(
        !env.stub.requests().iter().any(|r| r.is("PUT", &global)),
        "nothing global"
    );
    assert_eq!(env.stub.registered_commands(Some(GUILD)).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_coaches_a_draft_privately_in_the_users_language() {
    let env = setup().await;
    let engine = engine();
    let rule = ressort_rule(&engine);
    let alternatives = &engine.rule(&rule).unwrap().alternatives;

    let fr = env
        .command(
            &agent("fr"),
            tact("check", json!([text_opt("text", RESSORT)])),
        )
        .await;
    fr.assert_private();
    let text = fr.text();
    assert!(
        text.contains("Une tournure à revoir"),
        "French answer: {text}"
    );
    assert!(
        text.contains("**ce n'est pas de mon ressort**") || text.contains("**pas de mon ressort**"),
        "the hit highlighted: {text}"
    );
    assert!(text.contains("À la place"), "{text}");
    assert!(
        alternatives.iter().any(|a| text.contains(a.as_str())),
        "an alternative: {text}"
    );
    assert!(text.contains(&rule), "{text}");

    let en = env
        .command(
            &agent("en-US"),
            tact("check", json!([text_opt("text", RESSORT)])),
        )
        .await;
    en.assert_private();
    assert!(
        en.text().contains("One phrase worth rewording"),
        "English answer: {}",
        en.text()
    );
    assert!(en.text().contains("Instead"), "{}", en.text());

    let clean = env
        .command(
            &agent("fr"),
            tact("check", json!([text_opt("text", CLEAN_FR)])),
        )
        .await;
    clean.assert_private();
    assert!(clean.text().contains("Rien à redire"), "{}", clean.text());
    assert!(clean.data["embeds"].as_array().is_none_or(Vec::is_empty));
    let clean_en = env
        .command(
            &agent("en-GB"),
            tact("check", json!([text_opt("text", CLEAN_FR)])),
        )
        .await;
    assert!(
        clean_en.text().contains("Nothing to change"),
        "{}",
        clean_en.text()
    );

    // A swap rule's hit comes with the reworded draft.
    let swap = engine
        .rules()
        .iter()
        .find(|r| {
            r.swap
                && r.kind == tact::engine::Kind::Avoid
                && engine
                    .check(&r.examples_flag[0], &CheckOptions::default())
                    .iter()
                    .any(|h| h.rule.id == r.id)
        })
        .expect("a swap rule");
    let draft = &swap.examples_flag[0];
    let reworded = env
        .command(
            &agent("en-US"),
            tact("check", json!([text_opt("text", draft)])),
        )
        .await;
    let expected = engine
        .check(draft, &CheckOptions::default())
        .into_iter()
        .find(|h| h.rule.id == swap.id)
        .unwrap()
        .rewrite
        .unwrap();
    assert!(
        reworded.text().contains("Your draft, reworded"),
        "{}",
        reworded.text()
    );
    assert!(
        reworded.text().contains(&expected)
            || engine.check(draft, &CheckOptions::default()).len() > 1,
        "{}",
        reworded.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn coach_this_message_works_on_an_existing_message() {
    let env = setup().await;
    let rule = ressort_rule(&engine());
    let id = env.stub.next_id();
    let message = stub::message(
        id,
        SUPPORT,
        Some(GUILD),
        AGENT2,
        "colleague",
        false,
        RESSORT,
        Some(&[AGENT_ROLE]),
    );
    let answer = env
        .command(
            &agent("fr"),
            stub::message_context_data("Coach this message", &message),
        )
        .await;
    answer.assert_private();
    let text = answer.text();
    assert!(text.contains(&rule), "{text}");
    assert!(
        text.contains(&format!(
            "https://discord.com/channels/{GUILD}/{SUPPORT}/{id}"
        )),
        "a link to the message: {text}"
    );
    assert!(text.contains("tournure"), "French: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn instead_rule_and_autocomplete_find_rules_by_phrase() {
    let env = setup().await;
    let engine = engine();
    let rule = ressort_rule(&engine);
    let alternatives = &engine.rule(&rule).unwrap().alternatives;

    // Accents and apostrophes do not matter.
    let answer = env
        .command(
            &agent("fr"),
            tact(
                "instead",
                json!([text_opt("phrase", "c’est pas mon RAYON")]),
            ),
        )
        .await;
    answer.assert_private();
    let text = answer.text();
    assert!(text.contains("Plutôt que"), "French: {text}");
    assert!(
        alternatives.iter().all(|a| text.contains(a.as_str())),
        "every alternative: {text}"
    );
    let none = env
        .command(
            &agent("en-US"),
            tact("instead", json!([text_opt("phrase", "zzqx wibble")])),
        )
        .await;
    assert!(none.text().contains("No rule matches"), "{}", none.text());

    // Autocomplete on ids and phrases (type 8).
    let app = env.app();
    let who = agent("fr");
    let complete = env
        .interact(|id| {
            stub::interaction_autocomplete(
                app,
                id,
                &who,
                stub::autocomplete_data("tact", json!([{"name": "rule", "type": 1, "options": [{"name": "id", "type": 3, "value": "ressort", "focused": true}]}])),
            )
        })
        .await;
    assert_eq!(complete.kind, 8, "{}", complete.callback.body);
    let choices = complete.data["choices"].as_array().expect("choices");
    assert!(!choices.is_empty() && choices.len() <= 25);
    assert!(
        choices.iter().any(|c| c["value"] == rule.as_str()),
        "{choices:?}"
    );
    assert!(choices
        .iter()
        .all(|c| c["name"].as_str().unwrap().chars().count() <= 100));

    let shown = env
        .command(
            &agent("en-US"),
            tact("rule", json!([text_opt("id", &rule)])),
        )
        .await;
    shown.assert_private();
    let text = shown.text();
    let r = engine.rule(&rule).unwrap();
    assert!(text.contains(&r.why), "why: {text}");
    assert!(text.contains(&r.examples_flag[0]), "examples: {text}");
    assert!(
        text.contains("Instead") && text.contains("ownership"),
        "{text}"
    );
    let missing = env
        .command(
            &agent("fr"),
            tact("rule", json!([text_opt("id", "no-such-rule")])),
        )
        .await;
    assert!(
        missing.text().contains("Aucune règle"),
        "{}",
        missing.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_are_browsed_page_by_page_with_buttons() {
    let env = setup().await;
    let engine = engine();
    let first = env.command(&agent("en-US"), tact("rules", json!([]))).await;
    first.assert_private();
    assert!(
        first
            .text()
            .contains(&format!("Rules ({})", engine.rules().len())),
        "{}",
        first.text()
    );
    assert!(first.text().contains("Page 1/"), "{}", first.text());
    let buttons = first.data["components"][0]["components"]
        .as_array()
        .expect("buttons");
    assert_eq!(buttons.len(), 2);
    assert_eq!(buttons[0]["disabled"], true, "no previous page");
    let next = buttons[1]["custom_id"].as_str().unwrap().to_string();
    let page2 = env
        .click(&agent("en-US"), env.original(&first), &next)
        .await;
    assert_eq!(page2.kind, 7, "the message is updated in place");
    assert!(page2.text().contains("Page 2/"), "{}", page2.text());
    assert_quiet(&page2.data);

    // Filters: French ownership rules (the language is an integer choice: 0 = fr).
    let fr = env
        .command(
            &agent("fr"),
            tact(
                "rules",
                json!([text_opt("category", "ownership"), {"name": "lang", "type": 4, "value": 0}]),
            ),
        )
        .await;
    let count = engine
        .rules()
        .iter()
        .filter(|r| r.category == "ownership" && r.lang == tact::engine::Lang::Fr)
        .count();
    assert!(
        fr.text().contains(&format!("Règles ({count})")),
        "{}",
        fr.text()
    );
    assert!(fr.text().contains("prise en charge"), "{}", fr.text());
    for r in engine
        .rules()
        .iter()
        .filter(|r| r.lang != tact::engine::Lang::Fr || r.category != "ownership")
    {
        assert!(
            !fr.text().contains(&format!("`{}`", r.id)),
            "{} is filtered out: {}",
            r.id,
            fr.text()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_pauses_and_resumes_their_coaching() {
    let env = setup().await;
    let bad = env
        .command(
            &agent("fr"),
            tact("pause", json!([text_opt("duration", "bientôt")])),
        )
        .await;
    assert!(bad.text().contains("non comprise"), "{}", bad.text());
    let paused = env
        .command(
            &agent("fr"),
            tact("pause", json!([text_opt("duration", "2h")])),
        )
        .await;
    paused.assert_private();
    assert!(
        paused.text().contains("en pause jusqu'au <t:"),
        "{}",
        paused.text()
    );
    let until = env
        .bot
        .db()
        .paused_until(GUILD, AGENT)
        .unwrap()
        .expect("paused");
    let now = tact::bot::state::unix_now();
    assert!(
        (now + 7100..=now + 7300).contains(&until),
        "{until} vs {now}"
    );

    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.settle().await;
    assert!(env.dm_posts(AGENT).is_empty(), "no coaching while paused");

    let resumed = env
        .command(&agent("en-US"), tact("resume", json!([])))
        .await;
    resumed.assert_private();
    assert!(resumed.text().contains("back on"), "{}", resumed.text());
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.wait_dm(AGENT, 1).await;

    let forever = env.command(&agent("en-US"), tact("pause", json!([]))).await;
    assert!(
        forever.text().contains("until you turn it back on"),
        "{}",
        forever.text()
    );
    assert_eq!(
        env.bot.db().paused_until(GUILD, AGENT).unwrap(),
        Some(tact::storage::PAUSED_UNTIL_RESUMED)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn coaching_dm_buttons_record_feedback_and_suggestions_flow_to_the_admins() {
    let env = setup().await;
    let engine = engine();
    let rule = ressort_rule(&engine);
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    let dm = env.wait_dm(AGENT, 1).await.remove(0);
    let buttons: Vec<String> = dm.body["components"][0]["components"]
        .as_array()
        .expect("buttons on the coaching DM")
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(buttons.len(), 3, "{buttons:?}");
    let event: i64 = buttons[0].rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(
        buttons,
        [
            format!("tact:fb:helpful:{event}"),
            format!("tact:fb:not_relevant:{event}"),
            format!("tact:suggest:{event}")
        ]
    );
    let note = env
        .stub
        .stored_message(dm.response["id"].as_str().unwrap().parse().unwrap())
        .expect("the DM");
    let in_dm = Invoker::dm(AGENT, "agent", env.stub.dm_channel_id(AGENT)).locale("fr");

    // "Helpful", then changing one's mind: one vote per person, stored with the rule.
    let helpful = env.click(&in_dm, note.clone(), &buttons[0]).await;
    helpful.assert_private();
    assert!(helpful.text().contains("Merci"), "{}", helpful.text());
    let stats = env.bot.db().stats(GUILD, 0).unwrap();
    assert_eq!((stats.helpful, stats.not_relevant), (1, 0));
    let not_relevant = env
        .click(&in_dm.clone().locale("en-US"), note.clone(), &buttons[1])
        .await;
    assert!(
        not_relevant.text().contains("not relevant here"),
        "{}",
        not_relevant.text()
    );
    let ranking = env.bot.db().feedback_ranking(GUILD, 0).unwrap();
    assert_eq!(
        (
            ranking[0].rule_id.as_str(),
            ranking[0].not_relevant,
            ranking[0].helpful
        ),
        (rule.as_str(), 1, 0)
    );

    // "Suggest a better alternative" opens a modal (type 9).
    let modal = env.click(&in_dm, note.clone(), &buttons[2]).await;
    assert_eq!(modal.kind, 9, "{}", modal.callback.body);
    assert_eq!(modal.data["custom_id"], format!("tact:suggest:{event}"));
    assert_eq!(modal.data["title"], "Proposer une meilleure formulation");
    let input = &modal.data["components"][0]["components"][0];
    assert_eq!(
        (input["type"].as_u64(), input["style"].as_u64()),
        (Some(4), Some(2)),
        "{input}"
    );
    let field = input["custom_id"].as_str().unwrap().to_string();

    // A suggestion that Tact itself would flag is refused, with the reason.
    let app = env.app();
    let submit = |text: &str, who: &Invoker| {
        let data = stub::modal_data(&format!("tact:suggest:{event}"), &[(field.as_str(), text)]);
        let who = who.clone();
        move |id| stub::interaction_modal_submit(app, id, &who, data)
    };
    let flagged = "Ce n'est pas mon problème, voyez avec la comptabilité.";
    let refused = env.interact(submit(flagged, &in_dm)).await;
    refused.assert_private();
    assert!(
        refused.text().contains("serait elle-même signalée"),
        "{}",
        refused.text()
    );
    assert!(env.bot.db().pending_suggestions(GUILD).unwrap().is_empty());

    let good = "Je transmets votre demande à la comptabilité et je reviens vers vous dès que j'ai leur réponse.";
    let all = CheckOptions {
        lang: LangChoice::All,
        ..Default::default()
    };
    assert!(
        !engine.check(good, &all).iter().any(|h| h.is_avoid()),
        "the test's good alternative must pass every rule"
    );
    let thanks = env.interact(submit(good, &in_dm)).await;
    thanks.assert_private();
    assert!(thanks.text().contains(&rule), "{}", thanks.text());
    let pending = env.bot.db().pending_suggestions(GUILD).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].rule_id.as_str(),
            pending[0].text.as_str(),
            pending[0].user
        ),
        (rule.as_str(), good, AGENT)
    );

    // The admin sees the ranking and the proposal, and accepts it.
    let feedback = env
        .command(&admin("fr"), tact_admin(&["feedback"], json!([])))
        .await;
    feedback.assert_private();
    let text = feedback.text();
    assert!(
        text.contains(&format!("`{rule}` · pas pertinent 1/1 (100 %)")),
        "{text}"
    );
    assert!(text.contains(good), "{text}");
    let accept = format!("tact:sug:accept:{}", pending[0].id);
    assert!(
        feedback.data["components"].to_string().contains(&accept),
        "{}",
        feedback.data["components"]
    );
    // Not for a member without Manage Server.
    let member = Invoker::guild(MEMBER, "member", GUILD, SUPPORT).locale("en-US");
    let denied = env.click(&member, env.original(&feedback), &accept).await;
    assert!(
        denied.text().contains("For server admins only"),
        "{}",
        denied.text()
    );
    assert_eq!(env.bot.db().pending_suggestions(GUILD).unwrap().len(), 1);
    let accepted = env
        .click(&admin("fr"), env.original(&feedback), &accept)
        .await;
    assert_eq!(
        accepted.kind, 7,
        "the feedback view is updated: {}",
        accepted.callback.body
    );
    assert!(accepted.text().contains("acceptée"), "{}", accepted.text());
    assert!(
        accepted.text().contains("Aucune proposition en attente"),
        "{}",
        accepted.text()
    );
    assert_eq!(
        env.bot.db().overlay(GUILD).unwrap(),
        [(rule.clone(), good.to_string())]
    );

    // The accepted alternative shows in this guild's coaching.
    let check = env
        .command(
            &agent("fr"),
            tact("check", json!([text_opt("text", RESSORT)])),
        )
        .await;
    assert!(check.text().contains(good), "{}", check.text());
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    let second = env.wait_dm(AGENT, 2).await.remove(1);
    let mut second_text = String::new();
    strings(&second.body["embeds"], &mut second_text);
    assert!(
        second_text.contains(good),
        "the coaching DM shows the team's alternative: {second_text}"
    );

    // ... and is exported for the rules folder.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tact"))
        .args(["rules", "export", "--guild", &GUILD.to_string(), "--config"])
        .arg(env.bot.dir.path().join("config.toml"))
        .output()
        .expect("tact rules export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml_text = String::from_utf8(out.stdout).unwrap();
    assert!(toml_text.contains("How to merge"), "{toml_text}");
    let parsed: toml::Value = toml::from_str(&toml_text).expect("valid TOML");
    assert_eq!(parsed["rule"][0]["id"].as_str(), Some(rule.as_str()));
    assert_eq!(parsed["rule"][0]["alternatives"][0].as_str(), Some(good));
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_are_refused_without_manage_server_or_the_admin_role() {
    let env = setup().await;
    let member = Invoker::guild(MEMBER, "member", GUILD, SUPPORT).locale("fr");
    let rule = ressort_rule(&engine());
    let refused = env
        .command(
            &member,
            tact_admin(&["rules", "disable"], json!([text_opt("rule", &rule)])),
        )
        .await;
    refused.assert_private();
    assert!(
        refused.text().contains("Réservé aux admins du serveur"),
        "{}",
        refused.text()
    );
    assert!(
        env.bot
            .db()
            .guild_settings(GUILD)
            .unwrap()
            .disabled_rules
            .is_empty(),
        "nothing changed"
    );
    let en = env
        .command(
            &member.clone().locale("en-US"),
            tact_admin(&["stats"], json!([])),
        )
        .await;
    assert!(
        en.text().contains("For server admins only"),
        "{}",
        en.text()
    );

    // The configured admin role is enough; so is Administrator.
    let with_role = member.clone().roles(&[ADMIN_ROLE]).locale("en-US");
    let ok = env
        .command(
            &with_role,
            tact_admin(&["rules", "disable"], json!([text_opt("rule", &rule)])),
        )
        .await;
    assert!(
        ok.text().contains("is disabled in this server"),
        "{}",
        ok.text()
    );
    let administrator = member
        .clone()
        .permissions(perms::DEFAULT | perms::ADMINISTRATOR)
        .locale("en-US");
    let ok = env
        .command(
            &administrator,
            tact_admin(&["rules", "enable"], json!([text_opt("rule", &rule)])),
        )
        .await;
    assert!(
        ok.text().contains("is enabled in this server"),
        "{}",
        ok.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_rule_stops_coaching_in_its_guild_only() {
    let env = setup().await;
    let rule = ressort_rule(&engine());
    let disabled = env
        .command(
            &admin("fr"),
            tact_admin(&["rules", "disable"], json!([text_opt("rule", &rule)])),
        )
        .await;
    disabled.assert_private();
    assert!(
        disabled.text().contains("désactivée sur ce serveur"),
        "{}",
        disabled.text()
    );
    assert_eq!(
        env.bot.db().guild_settings(GUILD).unwrap().disabled_rules,
        std::slice::from_ref(&rule)
    );

    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.say(OTHER_GUILD, OTHER_SUPPORT, AGENT, &[], RESSORT)
        .await;
    let dms = env.wait_dm(AGENT, 1).await;
    env.settle().await;
    assert_eq!(
        env.dm_posts(AGENT).len(),
        1,
        "coached in the other guild only"
    );
    assert!(
        dms[0].body["embeds"][0]["url"]
            .as_str()
            .unwrap()
            .contains(&OTHER_GUILD.to_string()),
        "{}",
        dms[0].body
    );

    // The admin's test shows the disabled rule, and why it was set aside.
    let test = env
        .command(
            &admin("en-US"),
            tact_admin(&["rules", "test"], json!([text_opt("text", RESSORT)])),
        )
        .await;
    test.assert_private();
    assert!(
        test.text().contains(&rule) && test.text().contains("rule disabled in this server"),
        "{}",
        test.text()
    );

    // Enabled again: coached again, at once.
    let enabled = env
        .command(
            &admin("en-US"),
            tact_admin(&["rules", "enable"], json!([text_opt("rule", &rule)])),
        )
        .await;
    assert!(
        enabled.text().contains("is enabled in this server"),
        "{}",
        enabled.text()
    );
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.wait_dm(AGENT, 2).await;

    // An `unless` exception, explained.
    let unless = "Ce n'est pas de mon ressort, mais je vais vérifier avec le service concerné.";
    let test = env
        .command(
            &admin("fr"),
            tact_admin(&["rules", "test"], json!([text_opt("text", unless)])),
        )
        .await;
    assert!(
        test.text()
            .contains("écartée : exception « mais je vais vérifier"),
        "{}",
        test.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delivery_cooldown_channels_roles_and_stats() {
    let env = setup().await;
    // coach_channel needs a configured coach channel.
    let refused = env
        .command(
            &admin("fr"),
            tact_admin(
                &["delivery"],
                json!([{"name": "mode", "type": 4, "value": 3}]),
            ),
        )
        .await;
    assert!(
        refused.text().contains("pas de salon des coachs"),
        "{}",
        refused.text()
    );
    let react = env
        .command(
            &admin("en-US"),
            tact_admin(
                &["delivery"],
                json!([{"name": "mode", "type": 4, "value": 2}]),
            ),
        )
        .await;
    assert!(react.text().contains("reaction"), "{}", react.text());
    assert_eq!(
        env.bot
            .db()
            .guild_settings(GUILD)
            .unwrap()
            .delivery
            .as_deref(),
        Some("react")
    );
    let id = env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.stub
        .wait_for(
            |r| {
                r.method == "PUT"
                    && r.path
                        .starts_with(&format!("/channels/{SUPPORT}/messages/{id}/reactions/"))
            },
            WAIT,
        )
        .await
        .expect("the new delivery applies at once");

    let cooldown = env
        .command(
            &admin("fr"),
            tact_admin(
                &["cooldown"],
                json!([{"name": "minutes", "type": 4, "value": 45}]),
            ),
        )
        .await;
    assert!(cooldown.text().contains("45 min"), "{}", cooldown.text());
    assert_eq!(
        env.bot.db().guild_settings(GUILD).unwrap().cooldown_minutes,
        Some(45)
    );

    // Channels: resolved data comes with the option, as Discord sends it.
    let mut data = tact_admin(
        &["channels", "add"],
        json!([{"name": "channel", "type": 7, "value": NEW_CHANNEL.to_string()}]),
    );
    data["resolved"] = json!({"channels": {NEW_CHANNEL.to_string(): {"id": NEW_CHANNEL.to_string(), "name": "new", "type": 0, "permissions": "0"}}});
    let added = env.command(&admin("en-US"), data).await;
    assert!(
        added
            .text()
            .contains(&format!("<#{NEW_CHANNEL}> is now watched")),
        "{}",
        added.text()
    );
    assert_eq!(
        env.bot.db().guild_settings(GUILD).unwrap().channels_added,
        [NEW_CHANNEL]
    );
    env.say(GUILD, NEW_CHANNEL, AGENT2, &[AGENT_ROLE], RESSORT)
        .await;
    env.stub
        .wait_for(
            |r| {
                r.method == "PUT"
                    && r.path
                        .starts_with(&format!("/channels/{NEW_CHANNEL}/messages/"))
            },
            WAIT,
        )
        .await
        .expect("the new channel is watched");
    let mut data = tact_admin(
        &["channels", "remove"],
        json!([{"name": "channel", "type": 7, "value": SUPPORT.to_string()}]),
    );
    data["resolved"] = json!({"channels": {SUPPORT.to_string(): {"id": SUPPORT.to_string(), "name": "support", "type": 0, "permissions": "0"}}});
    let removed = env.command(&admin("fr"), data).await;
    assert!(
        removed.text().contains("n'est plus surveillé"),
        "{}",
        removed.text()
    );
    assert_eq!(
        env.bot.db().guild_settings(GUILD).unwrap().channels_removed,
        [SUPPORT]
    );

    // Roles.
    let mut data = tact_admin(
        &["roles", "add"],
        json!([{"name": "role", "type": 8, "value": NEW_ROLE.to_string()}]),
    );
    data["resolved"] = json!({"roles": {NEW_ROLE.to_string(): stub::role(NEW_ROLE, "new", 0, 3)}});
    let role = env.command(&admin("en-US"), data).await;
    assert!(
        role.text().contains(&format!("<@&{NEW_ROLE}>")),
        "{}",
        role.text()
    );
    assert_eq!(
        env.bot.db().guild_settings(GUILD).unwrap().roles_added,
        [NEW_ROLE]
    );

    // Stats: numbers only, never message text.
    let stats = env
        .command(
            &admin("fr"),
            tact_admin(&["stats"], json!([{"name": "days", "type": 4, "value": 7}])),
        )
        .await;
    stats.assert_private();
    let text = stats.text();
    assert!(text.contains("Statistiques des 7 derniers jours"), "{text}");
    assert!(text.contains("Tournures à éviter repérées : 2"), "{text}");
    assert!(text.contains(&ressort_rule(&engine())), "{text}");
    assert!(!text.contains("ressort."), "no message text: {text}");
}

/// A copy of the shipped rules without the files that currently have problems.
fn good_rules_copy(to: &Path) -> Engine {
    let report = tact::rules_dir::load(&bot::rules_dir()).unwrap();
    for lang in ["fr", "en"] {
        std::fs::create_dir_all(to.join(lang)).unwrap();
        for entry in std::fs::read_dir(bot::rules_dir().join(lang)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") && !report.skipped.contains(&path) {
                std::fs::copy(&path, to.join(lang).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    tact::rules_dir::load(to).unwrap().engine
}

/// The French ownership rules' file (it holds the rule `RESSORT` hits).
fn ownership_file(dir: &Path) -> std::path::PathBuf {
    dir.join("fr").join("ownership.toml")
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_keeps_the_last_good_rules_on_errors_and_reports_file_and_line() {
    let rules = tempfile::tempdir().unwrap();
    let engine = good_rules_copy(rules.path());
    let rule = ressort_rule(&engine);
    let env = setup_with(
        &format!("rules_dir = {:?}", rules.path().display().to_string()),
        "",
        "",
    )
    .await;

    // Break the file that holds the rule: an unknown severity, on a known line.
    let file = ownership_file(rules.path());
    let original = std::fs::read_to_string(&file).unwrap();
    let broken = format!("{original}\n[[rule]]\nid = \"fr-broken\"\nseverity = \"enorme\"\n");
    let line = broken
        .lines()
        .position(|l| l.starts_with("severity = \"enorme\""))
        .unwrap()
        + 1;
    std::fs::write(&file, &broken).unwrap();
    let answer = env
        .command(&admin("en-US"), tact_admin(&["reload"], json!([])))
        .await;
    answer.assert_private();
    let text = answer.text();
    assert!(text.contains("Reload refused"), "{text}");
    assert!(
        text.contains(&format!("previous rules ({} rules)", engine.rules().len())),
        "{text}"
    );
    let dir_name = rules
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(
        text.contains(&format!("{dir_name}/fr/ownership.toml:{line}")),
        "file and line of the problem: {text}"
    );
    // The previous rules keep coaching, including those of the broken file.
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    let dm = env.wait_dm(AGENT, 1).await.remove(0);
    assert!(dm.body["embeds"].to_string().contains(&rule), "{}", dm.body);

    // Fixed, with one rule reworded: the reload says what changed.
    let why = &engine.rule(&rule).unwrap().why;
    let reworded = original.replacen(
        why.as_str(),
        "Le client veut que quelqu'un prenne sa demande en charge.",
        1,
    );
    assert_ne!(reworded, original);
    std::fs::write(&file, &reworded).unwrap();
    let answer = env
        .command(&admin("fr"), tact_admin(&["reload"], json!([])))
        .await;
    let mut text = answer.text();
    assert!(text.contains("Règles rechargées"), "{text}");
    if text.contains("Aucun changement") {
        // The folder watcher reloaded the change first: it posted what changed in the log
        // channel (in the guild's language, French by default).
        let post = env
            .stub
            .wait_for(
                |r| {
                    r.is("POST", &format!("/channels/{LOG}/messages"))
                        && r.body.to_string().contains("Modifiées (1)")
                },
                WAIT,
            )
            .await
            .expect("the watcher's reload report");
        text.clear();
        strings(&post.body, &mut text);
    }
    assert!(
        text.contains("Modifiées (1)") && text.contains(&rule),
        "{text}"
    );
    assert!(
        text.contains("Ajoutées (0)") && text.contains("Retirées (0)"),
        "{text}"
    );
    let check = env
        .command(
            &agent("fr"),
            tact("check", json!([text_opt("text", RESSORT)])),
        )
        .await;
    assert!(
        check.text().contains("prenne sa demande en charge"),
        "the new rules are in use: {}",
        check.text()
    );
}

/// Needs the watcher started by `tact run` (`commands::reload::spawn_watcher`).
#[tokio::test(flavor = "multi_thread")]
async fn the_rules_folder_is_watched_and_problems_are_posted_to_the_log_channel() {
    let rules = tempfile::tempdir().unwrap();
    let engine = good_rules_copy(rules.path());
    let rule = ressort_rule(&engine);
    let env = setup_with(
        &format!("rules_dir = {:?}", rules.path().display().to_string()),
        "",
        "",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let file = ownership_file(rules.path());
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{original}\n[[rule]\n")).unwrap();
    let post = env
        .stub
        .wait_for(|r| r.is("POST", &format!("/channels/{LOG}/messages")), WAIT)
        .await
        .unwrap_or_else(|| panic!("a post in the log channel; bot log:\n{}", env.bot.logs()));
    assert_quiet(&post.body);
    let mut text = String::new();
    strings(&post.body, &mut text);
    assert!(text.contains("fr/ownership.toml:"), "{text}");
    assert!(
        text.contains("Rechargement refusé"),
        "in the guild's language (fr by default): {text}"
    );
    // The bot's log is read by a thread: give it a moment.
    let deadline = std::time::Instant::now() + WAIT;
    while !env.bot.logs().contains("ownership.toml") && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(env.bot.logs().contains("ownership.toml"), "logged too");
    // Still coaching with the previous rules.
    env.say(GUILD, SUPPORT, AGENT, &[AGENT_ROLE], RESSORT).await;
    env.wait_dm(AGENT, 1).await;

    // Without the rule's file at all: picked up within seconds, the rule no longer coaches.
    std::fs::remove_file(&file).unwrap();
    let mut gone = false;
    for _ in 0..60 {
        let check = env
            .command(
                &agent("fr"),
                tact("check", json!([text_opt("text", RESSORT)])),
            )
            .await;
        if !check.text().contains(&rule) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        gone,
        "the removal was picked up; bot log:\n{}",
        env.bot.logs()
    );
}
