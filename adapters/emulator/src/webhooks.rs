//! Webhook events: the payloads Threads sends for `publish`, `replies`, `mentions` and
//! `delete` (the envelope `{app_id, topic, target_id, time, subscription_id, has_uid_field,
//! values: {value, field}}`), queued for every subscribed app that the user authorized with
//! the field's scope, and the retry schedule of failed deliveries.
//!
//! Events are queued inside the world when they happen. They go out when
//! [`crate::Admin::deliver_webhooks`] is called, or automatically (a background task) when
//! the emulator was built with [`DeliveryMode::Automatic`](crate::DeliveryMode). A failed
//! delivery is retried on the emulator's clock: again at the next delivery pass, then after
//! 1 min, 5 min, 30 min, 2 h, 6 h and every 12 h, and dropped 36 h after the event. Advance
//! the clock and deliver again to drive retries without waiting.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::state::{Post, World};
use crate::timestamps::format_timestamp;
use crate::webhook_queue::{
    BACKOFF, DeliveryRecord, GIVE_UP_AFTER, Outgoing, PendingDelivery, signature_header,
};

/// The public URL of a post.
pub(crate) fn permalink(username: &str, shortcode: &str) -> String {
    format!("https://www.threads.com/@{username}/post/{shortcode}")
}

fn topic_of(field: &str) -> &'static str {
    match field {
        "replies" | "delete" => "moderate",
        _ => "interaction",
    }
}

fn required_scope(field: &str) -> &'static str {
    match field {
        "replies" => "threads_read_replies",
        "mentions" => "threads_manage_mentions",
        "delete" => "threads_delete",
        _ => "threads_basic",
    }
}

/// Queues `value` for every app subscribed to `field` that `user_id` has authorized with
/// the scopes the field needs.
pub(crate) fn enqueue(w: &mut World, field: &str, user_id: &str, target_id: &str, value: Value) {
    let now = w.now();
    let mut targets = Vec::new();
    for (app_id, sub) in &w.webhooks.subs {
        if !sub.fields.contains(field) {
            continue;
        }
        let Some(granted) = w.grants.get(&(app_id.clone(), user_id.to_owned())) else {
            continue;
        };
        if !granted.contains("threads_basic") || !granted.contains(required_scope(field)) {
            continue;
        }
        let mut v = value.clone();
        if field == "mentions"
            && !granted.contains("threads_read_replies")
            && let Some(o) = v.as_object_mut()
        {
            for k in ["has_replies", "is_reply", "replied_to", "root_post"] {
                o.remove(k);
            }
        }
        targets.push((app_id.clone(), sub.id.clone(), v));
    }
    for (app_id, sub_id, v) in targets {
        w.webhooks.next_event += 1;
        let body = json!({
            "app_id": app_id,
            "topic": topic_of(field),
            "target_id": target_id,
            "time": now,
            "subscription_id": sub_id,
            "has_uid_field": false,
            "values": {"value": v, "field": field},
        })
        .to_string();
        let id = w.webhooks.next_event;
        w.webhooks.pending.push_back(PendingDelivery {
            id,
            app_id,
            field: field.to_owned(),
            body,
            attempts: 0,
            due: now,
            created: now,
        });
    }
}

fn author_extras(w: &World, owner: &str, v: &mut serde_json::Map<String, Value>) {
    if let Some(u) = w.users.get(owner) {
        v.insert("is_verified".into(), json!(u.is_verified));
        v.insert("profile_picture_url".into(), json!(u.picture_url));
    }
}

/// Events for a newly published post: `publish` for its author, `replies` for the root
/// post's owner, `mentions` for every public mention.
pub(crate) fn on_published(w: &mut World, post_id: u64) {
    let Some(p) = w.posts.get(&post_id).cloned() else {
        return;
    };
    let username = w.username_of(&p.owner);
    let link = permalink(&username, &p.shortcode);
    let ts = format_timestamp(p.timestamp);
    let publish = json!({
        "id": p.id.to_string(),
        "media_type": p.read_type.as_str(),
        "permalink": link,
        "timestamp": ts,
        "username": username,
    });
    enqueue(w, "publish", &p.owner.clone(), &p.id.to_string(), publish);

    if let (Some(parent), Some(root)) = (p.content.reply_to, p.root) {
        let root_owner = w.posts.get(&root).map(|r| r.owner.clone());
        if let Some(root_owner) = root_owner
            && root_owner != p.owner
            && w.is_public(&root_owner)
        {
            let mut v = serde_json::Map::new();
            v.insert("id".into(), json!(p.id.to_string()));
            v.insert("username".into(), json!(username));
            v.insert(
                "text".into(),
                json!(p.content.text.clone().unwrap_or_default()),
            );
            v.insert("media_type".into(), json!(p.read_type.as_str()));
            v.insert("permalink".into(), json!(link));
            v.insert("replied_to".into(), json!({"id": parent.to_string()}));
            v.insert(
                    "root_post".into(),
                    json!({"id": root.to_string(), "owner_id": root_owner, "username": w.username_of(&root_owner)}),
                );
            v.insert("shortcode".into(), json!(p.shortcode));
            v.insert("timestamp".into(), json!(ts));
            author_extras(w, &p.owner, &mut v);
            enqueue(
                w,
                "replies",
                &root_owner,
                &root.to_string(),
                Value::Object(v),
            );
        }
    }

    if w.is_public(&p.owner) {
        let text = p.content.text.clone().unwrap_or_default();
        for mentioned in mentioned_user_ids(w, &text) {
            if mentioned == p.owner {
                continue;
            }
            let v = mention_value(w, &p, &username, &link, &ts);
            enqueue(w, "mentions", &mentioned, &mentioned.clone(), v);
        }
    }
}

fn mention_value(w: &World, p: &Post, username: &str, link: &str, ts: &str) -> Value {
    let mut v = serde_json::Map::new();
    v.insert("id".into(), json!(p.id.to_string()));
    if let Some(a) = &p.content.alt_text {
        v.insert("alt_text".into(), json!(a));
    }
    if let Some(g) = &p.content.gif_url {
        v.insert("gif_url".into(), json!(g));
    }
    let has_replies = w.posts.values().any(|r| r.content.reply_to == Some(p.id));
    v.insert("has_replies".into(), json!(has_replies));
    v.insert(
        "is_quote_post".into(),
        json!(p.content.quote_post_id.is_some()),
    );
    v.insert("is_reply".into(), json!(p.is_reply()));
    v.insert("media_product_type".into(), json!("THREADS"));
    v.insert("media_type".into(), json!(p.read_type.as_str()));
    v.insert("permalink".into(), json!(link));
    v.insert("shortcode".into(), json!(p.shortcode));
    v.insert(
        "text".into(),
        json!(p.content.text.clone().unwrap_or_default()),
    );
    v.insert("timestamp".into(), json!(ts));
    v.insert("username".into(), json!(username));
    if let Some(q) = p.content.quote_post_id {
        v.insert("quoted_post".into(), json!({"id": q.to_string()}));
    }
    if let Some(r) = p.content.reply_to {
        v.insert("replied_to".into(), json!({"id": r.to_string()}));
    }
    if let Some(r) = p.root {
        v.insert("root_post".into(), json!({"id": r.to_string()}));
    }
    if let Some(u) = p
        .content
        .image_url
        .as_ref()
        .or(p.content.video_url.as_ref())
    {
        v.insert("media_url".into(), json!(u));
    }
    author_extras(w, &p.owner, &mut v);
    Value::Object(v)
}

/// Ids of users mentioned as `@username` in `text`.
pub(crate) fn mentioned_user_ids(w: &World, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('@') {
        let rest = &text[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            continue;
        }
        if let Some(u) = w.user_by_name(name)
            && !out.contains(&u.id)
        {
            out.push(u.id.clone());
        }
    }
    out
}

/// The `delete` event for a post that was just removed.
pub(crate) fn on_deleted(w: &mut World, p: &Post) {
    let now = w.now();
    let v = json!({
        "id": p.id.to_string(),
        "owner": {"owner_id": p.owner},
        "deleted_at": format_timestamp(now),
        "timestamp": format_timestamp(p.timestamp),
        "username": w.username_of(&p.owner),
    });
    enqueue(w, "delete", &p.owner.clone(), &p.id.to_string(), v);
}

/// Takes every due delivery out of the queue.
pub(crate) fn take_due(w: &mut World) -> Vec<Outgoing> {
    let now = w.now();
    let mut out = Vec::new();
    let mut keep = VecDeque::new();
    while let Some(p) = w.webhooks.pending.pop_front() {
        if p.due > now {
            keep.push_back(p);
            continue;
        }
        let (Some(sub), Some(app)) = (w.webhooks.subs.get(&p.app_id), w.apps.get(&p.app_id)) else {
            continue;
        };
        let url = sub.callback_url.clone();
        let secret = sub.secret.as_deref().unwrap_or(&app.secret);
        let signature = signature_header(secret, p.body.as_bytes());
        let duplicate = if w.webhooks.duplicate_next > 0 {
            w.webhooks.duplicate_next -= 1;
            true
        } else {
            w.webhooks.duplicate_rate > 0.0 && w.fault_rng.next_f64() < w.webhooks.duplicate_rate
        };
        out.push(Outgoing {
            pending: p,
            url,
            signature,
            duplicate,
        });
    }
    w.webhooks.pending = keep;
    out
}

/// Records the outcome of one delivery and reschedules failures. Returns whether it was
/// delivered, and whether it was dropped.
pub(crate) fn settle(
    w: &mut World,
    mut o: Outgoing,
    status: Option<u16>,
    dup_status: Option<Option<u16>>,
) -> (bool, bool) {
    let now = w.now();
    o.pending.attempts += 1;
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let rec = DeliveryRecord {
        event_id: o.pending.id,
        app_id: o.pending.app_id.clone(),
        field: o.pending.field.clone(),
        body: o.pending.body.clone(),
        signature: o.signature.clone(),
        attempt: o.pending.attempts,
        status,
        delivered,
        duplicate: false,
        at: now,
    };
    w.webhooks.record(rec.clone());
    if let Some(ds) = dup_status {
        w.webhooks.record(DeliveryRecord {
            status: ds,
            delivered: ds.is_some_and(|s| (200..300).contains(&s)),
            duplicate: true,
            ..rec
        });
    }
    if delivered {
        return (true, false);
    }
    if now - o.pending.created >= GIVE_UP_AFTER {
        return (false, true);
    }
    let idx = (o.pending.attempts as usize - 1).min(BACKOFF.len() - 1);
    o.pending.due = now + BACKOFF[idx];
    w.webhooks.pending.push_back(o.pending);
    (false, false)
}
