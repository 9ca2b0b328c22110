//! Deterministic engagement numbers that grow with virtual time. Views and likes are derived
//! from the post id, its author's followers and its age; replies, reposts and quotes are
//! counted from the emulator's real data.

use crate::rng::mix;
use crate::state::{Post, ReadType, World};

/// Views of `post` at time `at`.
pub(crate) fn views_at(w: &World, post: &Post, at: i64) -> u64 {
    if at <= post.timestamp || post.read_type == ReadType::RepostFacade {
        return 0;
    }
    let followers = w.users.get(&post.owner).map_or(0, |u| u.followers);
    let base = 5 + mix(post.id) % 60 + followers / 20;
    let age_min = ((at - post.timestamp) / 60) as f64;
    (base as f64 * (1.0 + age_min).ln()) as u64
}

/// Likes of `post` at time `at`.
pub(crate) fn likes_at(w: &World, post: &Post, at: i64) -> u64 {
    views_at(w, post, at) * (2 + mix(post.id ^ 0x11) % 8) / 100
}

/// Shares of `post` at time `at`.
pub(crate) fn shares_at(w: &World, post: &Post, at: i64) -> u64 {
    views_at(w, post, at) / 150
}

/// Link clicks of `post` at time `at`.
pub(crate) fn clicks_at(w: &World, post: &Post, at: i64) -> u64 {
    views_at(w, post, at) / 25
}

/// Replies counted for insights: all below a root post, direct ones on a reply.
pub(crate) fn replies_count(w: &World, post: &Post, since: i64, until: i64) -> u64 {
    w.posts
        .values()
        .filter(|r| {
            if post.is_reply() {
                r.content.reply_to == Some(post.id)
            } else {
                r.root == Some(post.id)
            }
        })
        .filter(|r| r.timestamp >= since && r.timestamp <= until)
        .count() as u64
}

/// Reposts of `post` in the range.
pub(crate) fn reposts_count(w: &World, post: &Post, since: i64, until: i64) -> u64 {
    w.posts
        .values()
        .filter(|r| r.reposted == Some(post.id) && r.timestamp >= since && r.timestamp <= until)
        .count() as u64
}

/// Quotes of `post` in the range.
pub(crate) fn quotes_count(w: &World, post: &Post, since: i64, until: i64) -> u64 {
    w.posts
        .values()
        .filter(|r| {
            r.content.quote_post_id == Some(post.id) && r.timestamp >= since && r.timestamp <= until
        })
        .count() as u64
}
