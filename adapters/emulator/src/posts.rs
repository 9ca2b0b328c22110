//! Published media: the read model (field rendering with nested expansion), `GET /{id}`,
//! user post lists, ghost posts, delete, repost and oEmbed.

use serde_json::{Map, Value, json};

use crate::context::{Call, Ctx, Reply};
use crate::errors::ApiError;
use crate::fields::{self, Field, Kind, Unknown};
use crate::ledger::Operation;
use crate::oauth::{self, Auth};
use crate::paging;
use crate::params::Params;
use crate::rng::mix;
use crate::state::{Approval, Content, Post, Quota, ReadType, World};
use crate::timestamps::format_timestamp;
use crate::webhooks::{self, permalink};

const SHORTCODE_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A shortcode derived from the id (unique because ids are).
pub(crate) fn shortcode(id: u64) -> String {
    let mut n = mix(id) & 0xFFFF_FFFF_0000_0000 | (id & 0xFFFF_FFFF);
    let mut s = String::with_capacity(11);
    for _ in 0..11 {
        s.push(SHORTCODE_ALPHABET[(n % 64) as usize] as char);
        n /= 64;
    }
    s
}

/// Whether `viewer` may see `post`.
pub(crate) fn can_see(w: &World, post: &Post, viewer: &str) -> bool {
    if post.owner == viewer {
        return true;
    }
    if !w.is_public(&post.owner) {
        return false;
    }
    if post.content.is_ghost && ghost_archived(w, post) {
        return false;
    }
    match post.approval {
        Some(Approval::Pending) | Some(Approval::Ignored) => {
            // The owner of the post that was replied to sees pending replies.
            post.root
                .and_then(|r| w.posts.get(&r))
                .is_some_and(|r| r.owner == viewer)
        }
        _ => true,
    }
}

pub(crate) fn ghost_archived(w: &World, post: &Post) -> bool {
    post.content.is_ghost && w.now() >= post.timestamp + 86_400
}

/// Replies of `parent` visible to `viewer`, excluding unapproved ones.
pub(crate) fn direct_replies(w: &World, parent: u64, viewer: &str) -> Vec<u64> {
    w.posts
        .values()
        .filter(|r| r.content.reply_to == Some(parent))
        .filter(|r| !matches!(r.approval, Some(Approval::Pending | Approval::Ignored)))
        .filter(|r| can_see(w, r, viewer))
        .map(|r| r.id)
        .collect()
}

/// Hide status of a reply: its own, or that of the top-level reply above it.
pub(crate) fn hide_status(w: &World, post: &Post) -> &'static str {
    let mut cur = post;
    for _ in 0..64 {
        if let Some(h) = cur.hide {
            return h;
        }
        match cur.content.reply_to.and_then(|id| w.posts.get(&id)) {
            Some(parent) if parent.is_reply() => cur = parent,
            _ => break,
        }
    }
    "NOT_HUSHED"
}

fn id_obj(id: u64) -> Value {
    json!({"id": id.to_string()})
}

/// A referenced post: `{id}` by default, or an expansion with the media fields.
fn reference(w: &World, id: u64, sub: Option<&Vec<Field>>, viewer: &str, depth: usize) -> Value {
    match (sub, w.posts.get(&id)) {
        (Some(sel), Some(p)) if can_see(w, p, viewer) && depth < 3 => {
            render(w, p, viewer, sel, depth + 1)
        }
        _ => id_obj(id),
    }
}

fn poll_value(w: &World, post: &Post, sub: Option<&Vec<Field>>) -> Option<Value> {
    let poll = post.content.poll.as_ref()?;
    let age_min = ((w.now() - post.timestamp).max(0) / 60) as u64;
    let total = (age_min.min(24 * 60) * (1 + mix(post.id) % 5)) / 3;
    let weights: Vec<u64> = (0..poll.options.len())
        .map(|i| 1 + mix(post.id.wrapping_add(i as u64 + 1)) % 9)
        .collect();
    let sum: u64 = weights.iter().sum();
    let letters = ["a", "b", "c", "d"];
    let mut m = Map::new();
    for (i, opt) in poll.options.iter().enumerate() {
        m.insert(format!("option_{}", letters[i]), json!(opt));
        let pct = if total == 0 {
            0.0
        } else {
            (weights[i] as f64 / sum as f64 * 100.0).round() / 100.0
        };
        m.insert(
            format!("option_{}_votes_percentage", letters[i]),
            json!(pct),
        );
    }
    m.insert("total_votes".into(), json!(total));
    m.insert(
        "expiration_timestamp".into(),
        json!(format_timestamp(poll.expires_at)),
    );
    Some(select(m, sub))
}

/// Keeps only the `sub` fields of an object (all when `sub` is `None`). The selection was
/// matched against the object's fields beforehand ([`fields::resolve`]).
fn select(m: Map<String, Value>, sub: Option<&Vec<Field>>) -> Value {
    match sub {
        None => Value::Object(m),
        Some(sel) => {
            let mut out = Map::new();
            for f in sel {
                if let Some(v) = m.get(&f.name) {
                    out.insert(f.name.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

/// Like [`select`], for a node: Graph always returns a node's `id`, even when the
/// selection leaves it out.
pub(crate) fn select_node(m: Map<String, Value>, sub: Option<&Vec<Field>>) -> Value {
    let id = m.get("id").cloned();
    let mut v = select(m, sub);
    if let (Value::Object(out), Some(id)) = (&mut v, id) {
        out.entry("id").or_insert(id);
    }
    v
}

pub(crate) fn location_value(w: &World, id: u64) -> Option<Map<String, Value>> {
    let l = w.locations.get(&id)?;
    let mut m = Map::new();
    m.insert("id".into(), json!(l.id.to_string()));
    m.insert("name".into(), json!(l.name));
    m.insert("address".into(), json!(l.address));
    m.insert("city".into(), json!(l.city));
    m.insert("country".into(), json!(l.country));
    m.insert("latitude".into(), json!(l.latitude));
    m.insert("longitude".into(), json!(l.longitude));
    m.insert("postal_code".into(), json!(l.postal_code));
    Some(m)
}

/// Renders `post` for `viewer` with the selected fields (already matched against the media
/// fields by [`fields::resolve`]). Fields that do not apply to this post or this viewer are
/// left out, as Graph does; `id` is always included, as Graph does for every node.
pub(crate) fn render(w: &World, post: &Post, viewer: &str, sel: &[Field], depth: usize) -> Value {
    let c = &post.content;
    let author = w.users.get(&post.owner);
    let username = author.map(|u| u.username.clone()).unwrap_or_default();
    let mut m = Map::new();
    for f in sel {
        let sub = f.sub.as_ref();
        let v: Option<Value> = match f.name.as_str() {
            "id" => Some(json!(post.id.to_string())),
            "media_product_type" => Some(json!("THREADS")),
            "media_type" => Some(json!(post.read_type.as_str())),
            "media_url" => match post.read_type {
                ReadType::Image => c.image_url.clone().map(Value::from),
                ReadType::Video => c.video_url.clone().map(Value::from),
                _ => None,
            },
            "permalink" => (post.owner == viewer || w.is_public(&post.owner))
                .then(|| json!(permalink(&username, &post.shortcode))),
            "owner" => {
                (post.owner == viewer && !post.is_reply()).then(|| json!({"id": post.owner}))
            }
            "username" => Some(json!(username)),
            "text" => c.text.clone().map(Value::from),
            "timestamp" => Some(json!(format_timestamp(post.timestamp))),
            "shortcode" => Some(json!(post.shortcode)),
            "thumbnail_url" => (post.read_type == ReadType::Video).then(|| {
                json!(format!(
                    "https://scontent.emulator.invalid/v/t51/{}_thumb.jpg",
                    post.id
                ))
            }),
            "children" => {
                if post.read_type == ReadType::CarouselAlbum {
                    let mut data = Vec::new();
                    for id in &c.children {
                        data.push(reference(w, *id, sub, viewer, depth));
                    }
                    Some(json!({"data": data}))
                } else {
                    None
                }
            }
            "is_quote_post" => Some(json!(c.quote_post_id.is_some())),
            "quoted_post" => c.quote_post_id.map(|q| reference(w, q, sub, viewer, depth)),
            "reposted_post" => post.reposted.map(|r| reference(w, r, sub, viewer, depth)),
            "alt_text" => c.alt_text.clone().map(Value::from),
            "link_attachment_url" => c
                .link_attachment
                .clone()
                .or_else(|| {
                    c.text_attachment
                        .as_ref()
                        .and_then(|t| t.get("link_attachment_url"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .map(Value::from),
            "has_replies" => Some(json!(!direct_replies(w, post.id, viewer).is_empty())),
            "is_reply" => Some(json!(post.is_reply())),
            "is_reply_owned_by_me" => post.is_reply().then(|| json!(post.owner == viewer)),
            "root_post" => post.root.map(|r| reference(w, r, sub, viewer, depth)),
            "replied_to" => c.reply_to.map(|r| reference(w, r, sub, viewer, depth)),
            "hide_status" => post.is_reply().then(|| json!(hide_status(w, post))),
            "reply_audience" => (post.owner == viewer && post.read_type != ReadType::RepostFacade)
                .then(|| json!(c.reply_audience)),
            "reply_approval_status" => match post.approval {
                Some(Approval::Pending) => Some(json!("pending")),
                Some(Approval::Ignored) => Some(json!("ignored")),
                _ => None,
            },
            "gif_url" => c.gif_url.clone().map(Value::from),
            "poll_attachment" => poll_value(w, post, sub),
            "topic_tag" => c.topic_tag.clone().map(Value::from),
            "is_spoiler_media" => Some(json!(c.is_spoiler_media)),
            "text_entities" => (!c.text_entities.is_empty()).then(|| {
                let data: Vec<Value> = c
                    .text_entities
                    .iter()
                    .map(|(t, o, l)| json!({"entity_type": t, "offset": o, "length": l}))
                    .collect();
                json!({"data": data})
            }),
            "text_attachment" => match &c.text_attachment {
                Some(Value::Object(o)) => Some(select(o.clone(), sub)),
                _ => None,
            },
            "location_id" => c.location_id.map(|l| json!(l.to_string())),
            "location" => c
                .location_id
                .and_then(|l| location_value(w, l))
                .map(|loc| match sub {
                    None => json!({"id": loc.get("id").cloned().unwrap_or(Value::Null)}),
                    Some(_) => select_node(loc, sub),
                }),
            "allowlisted_country_codes" => {
                (post.owner == viewer && !c.allowlisted.is_empty()).then(|| json!(c.allowlisted))
            }
            "ghost_post_status" => c.is_ghost.then(|| {
                json!(if ghost_archived(w, post) {
                    "ARCHIVED"
                } else {
                    "ACTIVE"
                })
            }),
            "ghost_post_expiration_timestamp" => c
                .is_ghost
                .then(|| json!(format_timestamp(post.timestamp + 86_400))),
            "is_verified" => author.map(|u| json!(u.is_verified)),
            "profile_picture_url" => author.map(|u| json!(u.picture_url)),
            _ => None,
        };
        if let Some(v) = v {
            m.insert(f.name.clone(), v);
        }
    }
    m.entry("id").or_insert_with(|| json!(post.id.to_string()));
    Value::Object(m)
}

/// Parses `fields` for media objects and enforces the `reply_audience` scope. `GET
/// /{media-id}` passes [`Unknown::Fail`]: a name that is no media field at all fails with
/// code 100. The list endpoints pass [`Unknown::Skip`]: unknown names are left out instead,
/// as is everything in `omit` (fields the endpoint never returns). Media fields that do
/// not apply to a post are left out by [`render`] in both cases.
pub(crate) fn media_fields(
    p: &Params,
    auth: &Auth,
    unknown: Unknown,
    omit: &[&str],
) -> Result<Vec<Field>, ApiError> {
    let sel = fields::parse(p.get("fields"), &["id"])?;
    let sel = fields::resolve(sel, Kind::Media, unknown, omit)?;
    if fields::has(&sel, "reply_audience") {
        auth.require("threads_read_replies")?;
    }
    Ok(sel)
}

/// Renders a page of posts.
#[allow(clippy::too_many_arguments)] // all borrowed context of one list call
pub(crate) fn list_response(
    w: &World,
    ids: &[u64],
    req: &paging::PageReq,
    desc: bool,
    viewer: &str,
    sel: &[Field],
    p: &Params,
    ctx: &Ctx,
) -> Value {
    let page = paging::cut(ids, req, desc);
    let data = page
        .ids
        .iter()
        .filter_map(|id| w.posts.get(id))
        .map(|post| render(w, post, viewer, sel, 0))
        .collect();
    paging::envelope(data, &page, p, &ctx.base_url)
}

/// `GET /{id}`: a post, a container, a location, or the caller's own profile.
pub(crate) fn get_object(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    id: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    if id == "me" || w.users.contains_key(id) {
        auth.user_segment(id, "get")?;
        return crate::profile::get_profile(w, p, &auth);
    }
    let num: u64 = id.parse().map_err(|_| ApiError::unsupported("get", id))?;
    if let Some(post) = w.posts.get(&num) {
        if !can_see(w, post, &auth.user_id) {
            return Err(ApiError::unsupported("get", id));
        }
        let sel = media_fields(p, &auth, Unknown::Fail, &[])?;
        return Ok(Reply::Json(render(w, post, &auth.user_id, &sel, 0)));
    }
    if let Some(c) = w.containers.get(&num) {
        if c.owner != auth.user_id {
            return Err(ApiError::unsupported("get", id));
        }
        let sel = fields::parse(p.get("fields"), &["id", "status"])?;
        fields::check(&sel, fields::CONTAINER)?;
        let status = w.container_status(c);
        let mut m = Map::new();
        for f in &sel {
            match f.name.as_str() {
                "id" => {
                    m.insert("id".into(), json!(id));
                }
                "status" => {
                    m.insert("status".into(), json!(status.as_str()));
                }
                "error_message" if status == crate::state::Status::Error => {
                    let e = w.container_error(c).unwrap_or_else(|| "UNKNOWN".into());
                    m.insert("error_message".into(), json!(e));
                }
                _ => {}
            }
        }
        m.entry("id").or_insert_with(|| json!(id));
        return Ok(Reply::Json(Value::Object(m)));
    }
    if w.locations.contains_key(&num) {
        let sel = fields::parse(p.get("fields"), &["id"])?;
        let sel = fields::resolve(sel, Kind::Location, Unknown::Fail, &[])?;
        let loc = location_value(w, num).unwrap_or_default();
        return Ok(Reply::Json(select_node(loc, Some(&sel))));
    }
    Err(ApiError::unsupported("get", id))
}

/// `GET /{user}/threads`.
pub(crate) fn list_threads(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    user: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(user, "get")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let ids: Vec<u64> = w
        .posts
        .values()
        .rev()
        .filter(|x| x.owner == auth.user_id && !x.is_reply() && !x.is_carousel_child)
        .filter(|x| !ghost_archived(w, x))
        .filter(|x| req.in_range(x.timestamp))
        .map(|x| x.id)
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

/// `GET /{user}/ghost_posts`.
pub(crate) fn ghost_posts(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    user: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(user, "get")?;
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    let ids: Vec<u64> = w
        .posts
        .values()
        .rev()
        .filter(|x| x.owner == auth.user_id && x.content.is_ghost)
        .filter(|x| req.in_range(x.timestamp))
        .map(|x| x.id)
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

/// `DELETE /{media}`.
pub(crate) fn delete(w: &mut World, p: &Params, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let result = (|| {
        auth.require("threads_delete")?;
        let num: u64 = id
            .parse()
            .map_err(|_| ApiError::unsupported("delete", id))?;
        let post = match w.posts.get(&num) {
            Some(x) if x.owner == auth.user_id && !x.is_carousel_child => x.clone(),
            _ => return Err(ApiError::unsupported("delete", id)),
        };
        w.quota_take(&auth.user_id, Quota::Deletes)?;
        for child in &post.content.children {
            w.posts.remove(child);
        }
        w.posts.remove(&num);
        webhooks::on_deleted(w, &post);
        Ok(num)
    })();
    ctx.record(
        w,
        Call::new(Operation::Delete, &auth.user_id, Some(id)),
        &result,
    );
    let num = result?;
    Ok(Reply::Json(
        json!({"success": true, "deleted_id": num.to_string()}),
    ))
}

/// `POST /{media}/repost`.
pub(crate) fn repost(w: &mut World, p: &Params, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let result = (|| {
        auth.require("threads_content_publish")?;
        let num: u64 = id.parse().map_err(|_| ApiError::unsupported("post", id))?;
        let target = match w.posts.get(&num) {
            Some(x) if can_see(w, x, &auth.user_id) && !x.is_carousel_child => x.clone(),
            _ => return Err(ApiError::unsupported("post", id)),
        };
        let original = target.reposted.unwrap_or(target.id);
        if w.posts
            .values()
            .any(|x| x.owner == auth.user_id && x.reposted == Some(original))
        {
            return Err(ApiError::param("This post has already been reposted"));
        }
        let new_id = w.new_id();
        let now = w.now();
        let mut content = Content::text_only("");
        content.text = None;
        w.posts.insert(
            new_id,
            Post {
                id: new_id,
                owner: auth.user_id.clone(),
                content,
                read_type: ReadType::RepostFacade,
                reposted: Some(original),
                timestamp: now,
                shortcode: shortcode(new_id),
                root: None,
                hide: None,
                approval: None,
                is_carousel_child: false,
            },
        );
        Ok(new_id)
    })();
    ctx.record(
        w,
        Call::new(Operation::Repost, &auth.user_id, Some(id)),
        &result,
    );
    Ok(Reply::Json(json!({"id": result?.to_string()})))
}

/// `GET /oembed?url=...` (no token needed; 1,000 calls per hour).
pub(crate) fn oembed(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    let url = p.required("url")?.to_owned();
    let maxwidth = match p.non_empty("maxwidth") {
        None => 658,
        Some(v) => {
            let n: i64 = v
                .parse()
                .map_err(|_| ApiError::param("Param maxwidth must be an integer"))?;
            if !(320..=658).contains(&n) {
                return Err(ApiError::param(
                    "Param maxwidth must be between 320 and 658",
                ));
            }
            n
        }
    };
    let now = w.now();
    while w.oembed_calls.front().is_some_and(|t| *t <= now - 3_600) {
        w.oembed_calls.pop_front();
    }
    if w.oembed_calls.len() >= 1_000 {
        return Err(crate::errors::ApiError::graph(
            crate::errors::ErrorType::OAuth,
            4,
            "Application request limit reached (oEmbed: 1,000 calls per hour)",
        )
        .transient(true));
    }
    w.oembed_calls.push_back(now);
    let code = parse_permalink(&url)
        .ok_or_else(|| ApiError::param("Param url must be a Threads post URL"))?;
    let post = w
        .posts
        .values()
        .find(|x| x.shortcode == code && !x.is_carousel_child)
        .cloned()
        .ok_or_else(|| ApiError::param("The post could not be found"))?;
    let author_public = w.is_public(&post.owner);
    if !author_public || !post.content.allowlisted.is_empty() || post.content.is_ghost {
        return Err(ApiError::param(
            "This post cannot be embedded (private, geo-gated or unavailable)",
        ));
    }
    let username = w.username_of(&post.owner);
    let link = permalink(&username, &post.shortcode);
    let text = post.content.text.clone().unwrap_or_default();
    let html = format!(
        "<blockquote class=\"text-post-media\" data-text-post-permalink=\"{link}\" data-text-post-version=\"0\" id=\"ig-tp-{code}\" style=\"max-width:{maxwidth}px;\"><a href=\"{link}\">{}</a></blockquote>\n<script async src=\"https://www.threads.com/embed.js\"></script>",
        html_escape(&text)
    );
    Ok(Reply::Json(json!({
        "type": "rich",
        "version": "1.0",
        "html": html,
        "provider_name": "Threads",
        "provider_url": "https://www.threads.com/",
        "width": maxwidth,
    })))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Extracts the shortcode of `https://www.threads.com/@user/post/{code}/`,
/// `https://www.threads.com/t/{code}/` (threads.net too).
pub(crate) fn parse_permalink(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.trim_start_matches("www.");
    if host != "threads.com" && host != "threads.net" {
        return None;
    }
    let path = path.split(['?', '#']).next()?;
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [user, "post", code] if user.starts_with('@') => Some((*code).to_owned()),
        ["t", code] => Some((*code).to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalink_forms() {
        assert_eq!(
            parse_permalink("https://www.threads.com/@alice/post/ABC123/").as_deref(),
            Some("ABC123")
        );
        assert_eq!(
            parse_permalink("https://threads.net/t/XYZ").as_deref(),
            Some("XYZ")
        );
        assert_eq!(parse_permalink("https://example.com/@a/post/X"), None);
        assert_eq!(parse_permalink("not a url"), None);
    }

    #[test]
    fn shortcodes_are_distinct() {
        let a = shortcode(17_841_400_000_000_001);
        let b = shortcode(17_841_400_000_000_002);
        assert_ne!(a, b);
        assert_eq!(a.len(), 11);
    }
}
