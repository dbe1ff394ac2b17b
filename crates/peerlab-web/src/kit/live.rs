//! Live updates (DESIGN S7) for any page: a page subscribes to a [`Topic`] (a thread, a
//! space, and — as features arrive — a session, an agenda board, a cohort) and hears each
//! [`Message`] published to it as a Server-Sent Event. `app.js` has one loader, driven by
//! attributes on the page, that fetches what changed as an HTML fragment. Without
//! JavaScript the pages still work by reloading.
//!
//! Decisions:
//! - A message carries ids only (`post` with `{"post": 42}`), never content: each tab
//!   fetches what changed through the same authorisation as the page, so a hidden post or a
//!   space someone just left reveals nothing.
//! - One broadcast channel per topic with listeners, dropped when the last listener goes.
//!   A slow client that falls more than [`BACKLOG`] messages behind is told to `reload`.
//! - Several nodes on one PostgreSQL hear each other: each message is also announced with
//!   `pg_notify` (tagged with the node's random id) and every node's [`relay`] delivers the
//!   other nodes' messages to its own listeners. On SQLite there is one process and no relay.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::Stream;
use peerlab_store::Store;
use tokio::sync::{broadcast, watch};

/// Messages a listener may fall behind before it is told to reload.
const BACKLOG: usize = 256;

/// What a page listens to. The name is part of the cross-node announcement, so a variant's
/// name never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Thread(peerlab_store::ThreadId),
    Space(peerlab_store::SpaceId),
}

impl Topic {
    fn encode(self) -> String {
        match self {
            Topic::Thread(id) => format!("thread:{id}"),
            Topic::Space(id) => format!("space:{id}"),
        }
    }

    fn decode(s: &str) -> Option<Topic> {
        let (kind, id) = s.split_once(':')?;
        match kind {
            "thread" => Some(Topic::Thread(id.parse().ok()?)),
            "space" => Some(Topic::Space(id.parse().ok()?)),
            _ => None,
        }
    }
}

/// One event for the listeners of a topic: the SSE event name and a small JSON object of
/// ids (never content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub name: Arc<str>,
    pub data: Arc<str>,
}

impl Message {
    /// A message whose data is `{"key": id, …}`.
    pub fn ids(name: &str, ids: &[(&str, i64)]) -> Self {
        let fields: Vec<String> = ids.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        Message {
            name: name.into(),
            data: format!("{{{}}}", fields.join(",")).into(),
        }
    }
}

/// The listeners of every open live page in this process.
#[derive(Clone)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<Topic, broadcast::Sender<Message>>>>,
    /// This node's id in announcements, so that it ignores its own.
    node: Arc<str>,
    /// The database other nodes listen on, when it is shared.
    shared: Option<Store>,
    /// Becomes true once this node hears other nodes (its `LISTEN` is in effect), or at once
    /// when there are no other nodes to hear.
    relaying: watch::Sender<bool>,
}

impl Hub {
    pub fn new(store: &Store) -> Self {
        let shared = store.shared().then(|| store.clone());
        Hub {
            channels: Arc::default(),
            node: crate::kit::secret::new_secret()[..12].into(),
            relaying: watch::Sender::new(shared.is_none()),
            shared,
        }
    }

    /// Tells each topic's listeners its message, on every node.
    pub fn publish(&self, messages: &[(Topic, Message)]) {
        self.deliver(messages.iter().cloned());
        if let Some(store) = &self.shared {
            let store = store.clone();
            // One announcement per message: `node topic name data` (the data has no spaces).
            let payloads: Vec<String> = messages
                .iter()
                .map(|(t, m)| format!("{} {} {} {}", self.node, t.encode(), m.name, m.data))
                .collect();
            tokio::spawn(async move {
                for payload in payloads {
                    if let Err(e) = store.announce(&payload).await {
                        tracing::warn!(error = %e, "could not announce a live update to other nodes");
                    }
                }
            });
        }
    }

    /// Tells this process's listeners.
    fn deliver(&self, messages: impl Iterator<Item = (Topic, Message)>) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for (topic, message) in messages {
            if let Some(tx) = channels.get(&topic) {
                // No receiver left is not an error: the last tab just closed.
                let _ = tx.send(message);
            }
        }
    }

    pub fn subscribe(&self, topic: Topic) -> Subscription {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let rx = channels
            .entry(topic)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe();
        Subscription {
            hub: self.clone(),
            topic,
            rx,
        }
    }

    /// Listeners now, for tests and the benchmark.
    pub fn listeners(&self, topic: Topic) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&topic).map_or(0, |tx| tx.receiver_count())
    }

    /// Waits until this node hears the other nodes' messages (at once on SQLite), so a test
    /// or a caller can publish from another node knowing it will be heard.
    pub async fn relaying(&self) {
        let mut rx = self.relaying.subscribe();
        // An error means the hub is gone; nothing is left to wait for.
        let _ = rx.wait_for(|ready| *ready).await;
    }
}

/// One listener; dropping it drops the topic's channel when it was the last.
pub struct Subscription {
    hub: Hub,
    topic: Topic,
    rx: broadcast::Receiver<Message>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut channels = self.hub.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = channels.get(&self.topic) {
            // This receiver is still counted until it drops, after this body.
            if tx.receiver_count() <= 1 {
                channels.remove(&self.topic);
            }
        }
    }
}

/// Delivers the other nodes' messages to this node's listeners, for as long as the server
/// runs; returns at once on SQLite.
pub async fn relay(hub: Hub) {
    let Some(store) = hub.shared.clone() else {
        return;
    };
    let mut listener = match store.listen().await {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "live updates from other nodes are off: cannot listen");
            return;
        }
    };
    hub.relaying.send_replace(true);
    loop {
        match listener.next().await {
            Ok(payload) => {
                let mut parts = payload.splitn(4, ' ');
                let (Some(node), Some(topic), Some(name), Some(data)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                if node == &*hub.node {
                    continue;
                }
                if let Some(topic) = Topic::decode(topic) {
                    let message = Message {
                        name: name.into(),
                        data: data.into(),
                    };
                    hub.deliver(std::iter::once((topic, message)));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "live updates from other nodes interrupted");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The SSE response for one listener: each message as an event of its name, and `reload`
/// when the listener fell behind.
pub fn stream(sub: Subscription) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let events = futures_util::stream::unfold(sub, |mut sub| async move {
        let event = match sub.rx.recv().await {
            Ok(m) => SseEvent::default().event(&*m.name).data(&*m.data),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                SseEvent::default().event("reload").data("{}")
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event), sub))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
