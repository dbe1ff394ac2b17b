//! Live threads (DESIGN S7): an open thread page hears about new and changed posts through
//! Server-Sent Events and fetches each changed post, rendered for its reader, as an HTML
//! fragment; an open space page hears about new and busier threads the same way. Without
//! JavaScript the pages still work by reloading.
//!
//! Decisions:
//! - An event carries ids only (`{"post": 42}`), never content: each tab fetches the post
//!   through the same authorisation as the page, so a hidden post or a space someone just
//!   left reveals nothing.
//! - One broadcast channel per thread with listeners, dropped when the last listener goes.
//!   A slow client that falls more than [`BACKLOG`] events behind is told to reload.
//! - Several nodes on one PostgreSQL hear each other: each event is also announced with
//!   `pg_notify` (tagged with the node's random id) and every node's [`relay`] delivers the
//!   other nodes' events to its own listeners. On SQLite there is one process and no relay.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::Stream;
use peerlab_store::{Store, Written};
use tokio::sync::broadcast;

/// Events a listener may fall behind before it is told to reload.
const BACKLOG: usize = 256;

/// What a page listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Thread(i64),
    Space(i64),
}

/// Something changed in a thread of a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub space_id: i64,
    pub thread_id: i64,
    /// The post that changed; `None` when the thread itself did (locked, unlocked).
    pub post_id: Option<i64>,
}

impl Event {
    pub fn post(space_id: i64, w: Written) -> Self {
        Event {
            space_id,
            thread_id: w.thread_id,
            post_id: Some(w.post_id),
        }
    }

    pub fn thread(space_id: i64, thread_id: i64) -> Self {
        Event {
            space_id,
            thread_id,
            post_id: None,
        }
    }
}

/// The listeners of every open thread and space page in this process.
#[derive(Clone)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<Topic, broadcast::Sender<Event>>>>,
    /// This node's id in announcements, so that it ignores its own.
    node: Arc<str>,
    /// The database other nodes listen on, when it is shared.
    shared: Option<Store>,
}

impl Hub {
    pub fn new(store: &Store) -> Self {
        Hub {
            channels: Arc::default(),
            node: crate::auth::new_secret()[..12].into(),
            shared: store.shared().then(|| store.clone()),
        }
    }

    /// Tells the thread's listeners and its space's listeners, on every node.
    pub fn publish(&self, event: Event) {
        self.deliver(event);
        if let Some(store) = &self.shared {
            let store = store.clone();
            let payload = format!(
                "{} {} {} {}",
                self.node,
                event.space_id,
                event.thread_id,
                event.post_id.unwrap_or(0)
            );
            tokio::spawn(async move {
                if let Err(e) = store.announce(&payload).await {
                    tracing::warn!(error = %e, "could not announce a live update to other nodes");
                }
            });
        }
    }

    /// Tells this process's listeners.
    fn deliver(&self, event: Event) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for topic in [Topic::Thread(event.thread_id), Topic::Space(event.space_id)] {
            if let Some(tx) = channels.get(&topic) {
                // No receiver left is not an error: the last tab just closed.
                let _ = tx.send(event);
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
}

/// One listener; dropping it drops the topic's channel when it was the last.
pub struct Subscription {
    hub: Hub,
    topic: Topic,
    rx: broadcast::Receiver<Event>,
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

/// Delivers the other nodes' events to this node's listeners, for as long as the server
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
    loop {
        match listener.next().await {
            Ok(payload) => {
                let mut parts = payload.split(' ');
                let node = parts.next().unwrap_or_default();
                let mut num = || parts.next().and_then(|p| p.parse::<i64>().ok());
                if let (false, Some(space_id), Some(thread_id), Some(post)) =
                    (node == &*hub.node, num(), num(), num())
                {
                    hub.deliver(Event {
                        space_id,
                        thread_id,
                        post_id: (post != 0).then_some(post),
                    });
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "live updates from other nodes interrupted");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The SSE response for one listener. A thread page gets `post` events with `{"post": id}`
/// and `thread` events when the thread itself changed; a space page gets `item` events with
/// `{"thread": id}` when a thread is new or has new activity. Either gets `reload` when it
/// fell behind.
pub fn stream(sub: Subscription) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let events = futures_util::stream::unfold(sub, |mut sub| async move {
        let event = match (sub.topic, sub.rx.recv().await) {
            (Topic::Space(_), Ok(e)) => SseEvent::default()
                .event("item")
                .data(format!("{{\"thread\":{}}}", e.thread_id)),
            (
                _,
                Ok(Event {
                    post_id: Some(id), ..
                }),
            ) => SseEvent::default()
                .event("post")
                .data(format!("{{\"post\":{id}}}")),
            (_, Ok(Event { post_id: None, .. })) => SseEvent::default().event("thread").data("{}"),
            (_, Err(broadcast::error::RecvError::Lagged(_))) => {
                SseEvent::default().event("reload").data("{}")
            }
            (_, Err(broadcast::error::RecvError::Closed)) => return None,
        };
        Some((Ok(event), sub))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
