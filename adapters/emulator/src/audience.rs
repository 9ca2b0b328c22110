//! Who may reply to a post: the follow graph and the post's `reply_control`
//! (stored upper-case as `reply_audience`).

use crate::state::{Post, World};
use crate::webhooks::mentioned_user_ids;

/// Whether `replier` may reply to `target` under its `reply_audience`. The author may
/// always reply to their own post; unknown audiences allow everyone.
pub(crate) fn may_reply(w: &World, target: &Post, replier: &str) -> bool {
    if target.owner == replier {
        return true;
    }
    match target.content.reply_audience.as_str() {
        "ACCOUNTS_YOU_FOLLOW" => w.follows(&target.owner, replier),
        "FOLLOWERS_ONLY" => w.follows(replier, &target.owner),
        "MENTIONED_ONLY" => target
            .content
            .text
            .as_deref()
            .is_some_and(|t| mentioned_user_ids(w, t).iter().any(|id| id == replier)),
        "PARENT_POST_AUTHOR_ONLY" => false,
        _ => true,
    }
}
