//! Which messages Tact looks at: watched channels (and the threads and forum posts inside
//! them, and every channel of a watched category), from coached members only.

use serenity::all::{Channel, ChannelId, Context, GuildId, UserId};

use super::state::{Effective, State};

/// Whether `channel` is watched: itself, its parent (a thread's channel or a channel's
/// category) or its grandparent (a thread in a channel of a watched category).
pub async fn is_watched(
    ctx: &Context,
    state: &State,
    eff: &Effective,
    guild: u64,
    channel: u64,
) -> bool {
    if eff.watched.is_empty() {
        return false;
    }
    let mut current = channel;
    for _ in 0..3 {
        if eff.watched.contains(&current) {
            return true;
        }
        match parent(ctx, state, guild, current).await {
            Some(p) => current = p,
            None => return false,
        }
    }
    false
}

/// Whether a member with `roles` is coached in this guild.
pub fn is_agent(eff: &Effective, roles: &[u64]) -> bool {
    eff.agent_roles.is_empty() || roles.iter().any(|r| eff.agent_roles.contains(r))
}

/// The parent of a channel or thread: from memory, the cache, or Discord (remembered).
async fn parent(ctx: &Context, state: &State, guild: u64, channel: u64) -> Option<u64> {
    if let Some(p) = state
        .parents
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&channel)
    {
        return *p;
    }
    let cached: Option<Option<u64>> = ctx.cache.guild(GuildId::new(guild)).and_then(|g| {
        let id = ChannelId::new(channel);
        g.channels
            .get(&id)
            .map(|c| c.parent_id.map(|p| p.get()))
            .or_else(|| {
                g.threads
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| t.parent_id.map(|p| p.get()))
            })
    });
    let found = match cached {
        Some(p) => p,
        None => match ctx.http.get_channel(ChannelId::new(channel)).await {
            Ok(Channel::Guild(c)) => c.parent_id.map(|p| p.get()),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(guild, channel, error = %e, "cannot look up the channel's parent");
                return None;
            }
        },
    };
    state
        .parents
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(channel, found);
    found
}

/// A member's role ids, from the cache or Discord, when the event did not carry them.
pub async fn member_roles(ctx: &Context, guild: u64, user: u64) -> Option<Vec<u64>> {
    let cached: Option<Vec<u64>> = ctx.cache.guild(GuildId::new(guild)).and_then(|g| {
        g.members
            .get(&UserId::new(user))
            .map(|m| m.roles.iter().map(|r| r.get()).collect())
    });
    if cached.is_some() {
        return cached;
    }
    match ctx
        .http
        .get_member(GuildId::new(guild), UserId::new(user))
        .await
    {
        Ok(m) => Some(m.roles.iter().map(|r| r.get()).collect()),
        Err(e) => {
            tracing::warn!(guild, user, error = %e, "cannot look up the member's roles");
            None
        }
    }
}
