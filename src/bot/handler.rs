//! Gateway events in, coaching out: the serenity event handler.

use std::sync::Arc;

use serenity::all::{
    ChannelId, Context, EventHandler, GuildChannel, GuildId, Interaction, Message, MessageId,
    MessageUpdateEvent, Ready,
};
use serenity::async_trait;

use super::state::State;
use super::{coach, commands};

pub struct Handler {
    pub state: Arc<State>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
    }

    async fn message(&self, ctx: Context, msg: Message) {
        coach::on_message(&ctx, &self.state, &msg).await;
    }

    async fn message_update(
        &self,
        ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        coach::on_edit(&ctx, &self.state, &event).await;
    }

    async fn message_delete(
        &self,
        _ctx: Context,
        channel: ChannelId,
        message: MessageId,
        _guild: Option<GuildId>,
    ) {
        coach::on_delete(&self.state, channel.get(), message.get()).await;
    }

    async fn message_delete_bulk(
        &self,
        _ctx: Context,
        channel: ChannelId,
        messages: Vec<MessageId>,
        _guild: Option<GuildId>,
    ) {
        for message in messages {
            coach::on_delete(&self.state, channel.get(), message.get()).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        commands::on_interaction(&ctx, &self.state, &interaction).await;
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        // A channel moved to another category: forget its remembered parent.
        self.state
            .parents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&new.id.get());
    }
}
