//! Where a DM is sent: delivering a coaching note the way the guild asked (DM, private thread,
//! reaction, team leads' channel), with fallbacks when Discord refuses. Nothing here retries
//! in a loop and nothing is ever posted publicly in the customer's channel.

use serenity::all::{
    ChannelId, ChannelType, CreateActionRow, CreateAllowedMentions, CreateEmbed, CreateMessage,
    CreateThread, Http, MessageId, ReactionType, UserId,
};

use super::i18n::{t, Text};
use super::state::{Effective, State};
use crate::config::Delivery;

/// Reaction used by the `react` delivery and as the last fallback.
pub const COACH_EMOJI: &str = "💡";
/// Reaction acknowledging good practice (`praise_reactions`).
pub const PRAISE_EMOJI: &str = "✨";
/// Discord's "Cannot send messages to this user".
const CANNOT_DM: isize = 50007;

/// No mention in anything the bot sends can ping anyone: echoed text stays inert.
pub fn quiet() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// The message being coached.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub guild: u64,
    pub channel: u64,
    pub message: u64,
    pub agent: u64,
}

/// How a note was delivered (stored with the coaching events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub how: &'static str,
    /// Where the note is, when it is a message the bot can edit later.
    pub note_channel: Option<u64>,
    pub note_message: Option<u64>,
}

impl Delivered {
    fn nothing() -> Delivered {
        Delivered {
            how: "none",
            note_channel: None,
            note_message: None,
        }
    }
}

/// Delivers the coaching note (`embeds` and their feedback `rows`) for `target`.
pub async fn deliver(
    http: &Http,
    state: &State,
    eff: &Effective,
    target: Target,
    embeds: Vec<CreateEmbed>,
    rows: Vec<CreateActionRow>,
) -> Delivered {
    let note = CreateMessage::new()
        .embeds(embeds.clone())
        .components(rows)
        .allowed_mentions(quiet());
    let settings = &eff.settings;
    let delivered = match settings.delivery {
        Delivery::Dm => dm_or_fallback(http, eff, target, note, embeds.clone()).await,
        Delivery::Reply => match private_thread(http, state, target).await {
            Ok(thread) => match ChannelId::new(thread)
                .send_message(http, note.clone())
                .await
            {
                Ok(m) => Delivered {
                    how: "reply",
                    note_channel: Some(thread),
                    note_message: Some(m.id.get()),
                },
                Err(e) => {
                    tracing::warn!(guild = target.guild, error = %e, "cannot post in the private coaching thread; sending a DM instead");
                    state
                        .threads
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(target.channel, target.agent));
                    dm_or_fallback(http, eff, target, note, embeds.clone()).await
                }
            },
            Err(e) => {
                tracing::warn!(guild = target.guild, error = %e, "cannot open a private coaching thread; sending a DM instead");
                dm_or_fallback(http, eff, target, note, embeds.clone()).await
            }
        },
        Delivery::React => {
            if react(http, target, COACH_EMOJI).await {
                Delivered {
                    how: "react",
                    note_channel: None,
                    note_message: None,
                }
            } else {
                Delivered::nothing()
            }
        }
        Delivery::CoachChannel => {
            match to_coach_channel(http, eff, target, embeds.clone(), false).await {
                Some(d) => d,
                None => Delivered::nothing(),
            }
        }
    };
    if settings.also_coach_channel
        && settings.delivery != Delivery::CoachChannel
        && delivered.how != "dm_fallback_channel"
    {
        to_coach_channel(http, eff, target, embeds, false).await;
    }
    delivered
}

async fn dm_or_fallback(
    http: &Http,
    eff: &Effective,
    target: Target,
    note: CreateMessage,
    embeds: Vec<CreateEmbed>,
) -> Delivered {
    let agent = UserId::new(target.agent);
    let sent = match agent.create_dm_channel(http).await {
        Ok(dm) => dm.id.send_message(http, note).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(m) => Delivered {
            how: "dm",
            note_channel: Some(m.channel_id.get()),
            note_message: Some(m.id.get()),
        },
        Err(e) => {
            let refused = discord_code(&e) == Some(CANNOT_DM);
            tracing::warn!(guild = target.guild, agent = target.agent, refused, error = %e, "cannot DM the agent; falling back");
            if let Some(mut d) = to_coach_channel(http, eff, target, embeds, true).await {
                d.how = "dm_fallback_channel";
                return d;
            }
            if react(http, target, COACH_EMOJI).await {
                return Delivered {
                    how: "dm_fallback_react",
                    note_channel: None,
                    note_message: None,
                };
            }
            Delivered::nothing()
        }
    }
}

/// Posts the note in the guild's coach channel, naming the agent without pinging them.
async fn to_coach_channel(
    http: &Http,
    eff: &Effective,
    target: Target,
    embeds: Vec<CreateEmbed>,
    dm_refused: bool,
) -> Option<Delivered> {
    let channel = eff.settings.coach_channel?;
    let lang = eff.settings.language;
    let mut content = format!("{} <@{}>", t(lang, Text::CoachChannelIntro), target.agent);
    if dm_refused {
        content.push(' ');
        content.push_str(t(lang, Text::DmRefused));
    }
    let msg = CreateMessage::new()
        .content(content)
        .embeds(embeds)
        .allowed_mentions(quiet());
    match ChannelId::new(channel).send_message(http, msg).await {
        Ok(m) => Some(Delivered {
            how: "coach_channel",
            note_channel: Some(channel),
            note_message: Some(m.id.get()),
        }),
        Err(e) => {
            tracing::warn!(guild = target.guild, channel, error = %e, "cannot post in the coach channel");
            None
        }
    }
}

/// Adds a reaction to the coached message; false when Discord refuses.
pub async fn react(http: &Http, target: Target, emoji: &str) -> bool {
    let reaction = ReactionType::Unicode(emoji.to_string());
    match http
        .create_reaction(
            ChannelId::new(target.channel),
            MessageId::new(target.message),
            &reaction,
        )
        .await
    {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(guild = target.guild, channel = target.channel, error = %e, "cannot add a reaction");
            false
        }
    }
}

/// The agent's private coaching thread in the message's channel (created once, reused).
async fn private_thread(http: &Http, state: &State, target: Target) -> serenity::Result<u64> {
    if let Some(&id) = state
        .threads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(target.channel, target.agent))
    {
        return Ok(id);
    }
    let thread = ChannelId::new(target.channel)
        .create_thread(
            http,
            CreateThread::new("Tact · coaching")
                .kind(ChannelType::PrivateThread)
                .invitable(false),
        )
        .await?;
    http.add_thread_channel_member(thread.id, UserId::new(target.agent))
        .await?;
    state
        .threads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((target.channel, target.agent), thread.id.get());
    Ok(thread.id.get())
}

/// Discord's JSON error code of a failed request, if any.
pub fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.error.code)
        }
        _ => None,
    }
}
