//! Replies: `/replies`, `/conversation`, `/pending_replies`, `/{user}/replies`,
//! hide/unhide (`manage_reply`), approvals (`manage_pending_reply`) and `/mentions`.

use serde_json::json;

use crate::context::{Call, Ctx, Reply};
use crate::errors::ApiError;
use crate::fields::Unknown;
use crate::ledger::Operation;
use crate::oauth;
use crate::paging;
use crate::params::Params;
use crate::posts::{can_see, direct_replies, list_response, media_fields};
use crate::state::{Approval, World};
use crate::webhooks::mentioned_user_ids;

fn target_post(w: &World, id: &str, viewer: &str, method: &str) -> Result<u64, ApiError> {
    let num: u64 = id.parse().map_err(|_| ApiError::unsupported(method, id))?;
    match w.posts.get(&num) {
        Some(p) if can_see(w, p, viewer) => Ok(num),
        _ => Err(ApiError::unsupported(method, id)),
    }
}

/// `reverse` (default true = newest first) decides the order.
fn ordered(mut ids: Vec<u64>, p: &Params) -> Result<(Vec<u64>, bool), ApiError> {
    let newest_first = p.bool("reverse", true)?;
    ids.sort_unstable();
    if newest_first {
        ids.reverse();
    }
    Ok((ids, newest_first))
}

/// `GET /{media}/replies`: direct replies.
pub(crate) fn replies(w: &mut World, p: &Params, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_read_replies")?;
    let post = target_post(w, id, &auth.user_id, "get")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let (ids, desc) = ordered(direct_replies(w, post, &auth.user_id), p)?;
    Ok(Reply::Json(list_response(
        w,
        &ids,
        &req,
        desc,
        &auth.user_id,
        &sel,
        p,
        ctx,
    )))
}

/// `GET /{media}/conversation`: every reply below the post, flattened.
pub(crate) fn conversation(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    id: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_read_replies")?;
    let post = target_post(w, id, &auth.user_id, "get")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let mut all = Vec::new();
    let mut frontier = vec![post];
    while let Some(cur) = frontier.pop() {
        for r in direct_replies(w, cur, &auth.user_id) {
            if !all.contains(&r) {
                all.push(r);
                frontier.push(r);
            }
        }
    }
    let (ids, desc) = ordered(all, p)?;
    Ok(Reply::Json(list_response(
        w,
        &ids,
        &req,
        desc,
        &auth.user_id,
        &sel,
        p,
        ctx,
    )))
}

/// `GET /{media}/pending_replies`.
pub(crate) fn pending(w: &mut World, p: &Params, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_read_replies")?;
    let post = target_post(w, id, &auth.user_id, "get")?;
    if w.posts.get(&post).is_none_or(|x| x.owner != auth.user_id) {
        return Err(ApiError::unsupported("get", id));
    }
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let filter = match p.non_empty("approval_status") {
        None => None,
        Some("pending") => Some(Approval::Pending),
        Some("ignored") => Some(Approval::Ignored),
        Some(_) => {
            return Err(ApiError::param(
                "Param approval_status must be one of {pending, ignored}",
            ));
        }
    };
    let all: Vec<u64> = w
        .posts
        .values()
        .filter(|r| r.root == Some(post) || r.content.reply_to == Some(post))
        .filter(|r| match (r.approval, filter) {
            (Some(a @ (Approval::Pending | Approval::Ignored)), None) => a != Approval::Approved,
            (Some(a), Some(f)) => a == f,
            _ => false,
        })
        .map(|r| r.id)
        .collect();
    let (ids, desc) = ordered(all, p)?;
    Ok(Reply::Json(list_response(
        w,
        &ids,
        &req,
        desc,
        &auth.user_id,
        &sel,
        p,
        ctx,
    )))
}

/// `GET /{user}/replies`: replies the user wrote.
pub(crate) fn user_replies(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    user: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(user, "get")?;
    auth.require("threads_read_replies")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let ids: Vec<u64> = w
        .posts
        .values()
        .rev()
        .filter(|r| r.owner == auth.user_id && r.is_reply())
        .filter(|r| req.in_range(r.timestamp))
        .map(|r| r.id)
        .collect();
    Ok(Reply::Json(list_response(
        w,
        &ids,
        &req,
        true,
        &auth.user_id,
        &sel,
        p,
        ctx,
    )))
}

/// `POST /{reply}/manage_reply` with `hide=true|false`.
pub(crate) fn manage_reply(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    id: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let result = (|| {
        auth.require("threads_manage_replies")?;
        let num = target_post(w, id, &auth.user_id, "post")?;
        let hide = p
            .non_empty("hide")
            .ok_or_else(|| ApiError::param("The parameter hide is required"))
            .and_then(|_| p.bool("hide", false))?;
        let reply = w
            .posts
            .get(&num)
            .cloned()
            .ok_or_else(|| ApiError::unsupported("post", id))?;
        let (Some(root), Some(parent)) = (reply.root, reply.content.reply_to) else {
            return Err(ApiError::param("Only replies can be hidden"));
        };
        if root != parent {
            return Err(ApiError::param("Only top-level replies can be hidden"));
        }
        if w.posts.get(&root).is_none_or(|r| r.owner != auth.user_id) {
            return Err(ApiError::param(
                "You can only hide replies to your own posts",
            ));
        }
        if let Some(r) = w.posts.get_mut(&num) {
            r.hide = Some(if hide { "HIDDEN" } else { "UNHUSHED" });
        }
        Ok(num)
    })();
    ctx.record(
        w,
        Call::new(Operation::ManageReply, &auth.user_id, Some(id)),
        &result,
    );
    result?;
    Ok(Reply::Json(json!({"success": true})))
}

/// `POST /{reply}/manage_pending_reply` with `approve=true|false`.
pub(crate) fn manage_pending(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    id: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let result = (|| {
        auth.require("threads_manage_replies")?;
        let num = target_post(w, id, &auth.user_id, "post")?;
        let approve = p
            .non_empty("approve")
            .ok_or_else(|| ApiError::param("The parameter approve is required"))
            .and_then(|_| p.bool("approve", false))?;
        let reply = w
            .posts
            .get(&num)
            .cloned()
            .ok_or_else(|| ApiError::unsupported("post", id))?;
        let owner_ok = reply
            .root
            .and_then(|r| w.posts.get(&r))
            .is_some_and(|r| r.owner == auth.user_id);
        if !owner_ok || !matches!(reply.approval, Some(Approval::Pending | Approval::Ignored)) {
            return Err(ApiError::param("This reply is not awaiting approval"));
        }
        if let Some(r) = w.posts.get_mut(&num) {
            r.approval = Some(if approve {
                Approval::Approved
            } else {
                Approval::Ignored
            });
        }
        Ok(num)
    })();
    ctx.record(
        w,
        Call::new(Operation::ManagePendingReply, &auth.user_id, Some(id)),
        &result,
    );
    result?;
    Ok(Reply::Json(json!({"success": true})))
}

/// `GET /{user}/mentions`: public posts that mention the user.
pub(crate) fn mentions(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    user: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(user, "get")?;
    auth.require("threads_manage_mentions")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let me = auth.user_id.clone();
    let ids: Vec<u64> = w
        .posts
        .values()
        .rev()
        .filter(|x| x.owner != me && w.is_public(&x.owner) && !x.is_carousel_child)
        .filter(|x| can_see(w, x, &me))
        .filter(|x| req.in_range(x.timestamp))
        .filter(|x| {
            x.content
                .text
                .as_deref()
                .is_some_and(|t| t.contains('@') && mentioned_user_ids(w, t).contains(&me))
        })
        .map(|x| x.id)
        .collect();
    Ok(Reply::Json(list_response(
        w, &ids, &req, true, &me, &sel, p, ctx,
    )))
}
