//! Media containers: creation with every validation rule, the status state machine
//! (IN_PROGRESS → FINISHED → PUBLISHED, ERROR, EXPIRED after 24 h) on the emulator's clock,
//! and `threads_publish`.

use serde_json::{Value, json};

use crate::context::{Call, Ctx, Reply};
use crate::errors::{ApiError, ErrorType};
use crate::ledger::Operation;
use crate::media::{MediaKind, PendingFetch};
use crate::oauth::{self, Auth};
use crate::params::Params;
use crate::posts::{can_see, shortcode};
use crate::state::{
    Approval, Container, Content, Poll, Post, Quota, RepublishBehaviour, Status, World, WriteType,
};
use crate::validation::{self, threads_text_length};
use crate::webhooks;

fn thapi(code: &str, user_msg: &str) -> ApiError {
    ApiError::graph(ErrorType::ThApi, 100, code).user("Invalid post", user_msg)
}

fn parse_media_type(v: &str) -> Result<WriteType, ApiError> {
    match v.to_ascii_uppercase().as_str() {
        "TEXT" => Ok(WriteType::Text),
        "IMAGE" => Ok(WriteType::Image),
        "VIDEO" => Ok(WriteType::Video),
        "CAROUSEL" => Ok(WriteType::Carousel),
        _ => Err(ApiError::param(
            "Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}",
        )),
    }
}

fn parse_url(p: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match p.non_empty(name) {
        None => Ok(None),
        Some(u) => {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() > 8
                && !u.contains(char::is_whitespace);
            if ok {
                Ok(Some(u.to_owned()))
            } else {
                Err(ApiError::param(format!("Param {name} must be a valid URL")))
            }
        }
    }
}

fn parse_id(p: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    p.non_empty(name)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::param(format!("Param {name} must be a valid ID")))
        })
        .transpose()
}

fn json_param(p: &Params, name: &str) -> Result<Option<Value>, ApiError> {
    p.non_empty(name)
        .map(|v| {
            serde_json::from_str::<Value>(v)
                .map_err(|_| ApiError::param(format!("Param {name} must be a JSON-encoded object")))
        })
        .transpose()
}

fn parse_poll(v: &Value, now: i64) -> Result<Poll, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::param("Param poll_attachment must be a JSON object"))?;
    let mut options = Vec::new();
    for (i, key) in ["option_a", "option_b", "option_c", "option_d"]
        .iter()
        .enumerate()
    {
        match obj.get(*key) {
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if !(1..=25).contains(&n) {
                    return Err(ApiError::param(format!(
                        "Poll option {key} must be 1 to 25 characters"
                    )));
                }
                if options.len() != i {
                    return Err(ApiError::param(format!(
                        "Poll option {key} cannot be used without the options before it"
                    )));
                }
                options.push(s.clone());
            }
            Some(_) => {
                return Err(ApiError::param(format!(
                    "Poll option {key} must be a string"
                )));
            }
            None => {}
        }
    }
    for k in obj.keys() {
        if !["option_a", "option_b", "option_c", "option_d"].contains(&k.as_str()) {
            return Err(ApiError::param(format!("Unknown poll_attachment key {k}")));
        }
    }
    if options.len() < 2 {
        return Err(ApiError::param("A poll needs 2 to 4 options"));
    }
    Ok(Poll {
        options,
        expires_at: now + 86_400,
    })
}

fn num_field(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn parse_entities(v: &Value) -> Result<Vec<(String, u64, u64)>, ApiError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::param("Param text_entities must be a JSON array"))?;
    if arr.len() > 10 {
        return Err(ApiError::param(
            "A post can have at most 10 spoiler entities",
        ));
    }
    let mut out = Vec::new();
    for e in arr {
        let t = e.get("entity_type").and_then(Value::as_str).unwrap_or("");
        if !t.eq_ignore_ascii_case("spoiler") {
            return Err(ApiError::param("text_entities entity_type must be SPOILER"));
        }
        let (Some(offset), Some(length)) = (num_field(e.get("offset")), num_field(e.get("length")))
        else {
            return Err(ApiError::param(
                "text_entities need a non-negative offset and length",
            ));
        };
        if length == 0 {
            return Err(ApiError::param("text_entities length must be positive"));
        }
        out.push(("SPOILER".to_owned(), offset, length));
    }
    Ok(out)
}

fn parse_text_attachment(v: &Value, has_link_attachment: bool) -> Result<Value, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::param("Param text_attachment must be a JSON object"))?;
    let plain = obj
        .get("plaintext")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::param("text_attachment.plaintext is required"))?;
    let plain_len = plain.chars().count();
    if plain_len > 10_000 {
        return Err(ApiError::param(
            "text_attachment.plaintext must be at most 10000 characters",
        ));
    }
    if obj.contains_key("link_attachment_url") && has_link_attachment {
        return Err(ApiError::param(
            "text_attachment.link_attachment_url cannot be used together with link_attachment",
        ));
    }
    if let Some(styles) = obj.get("text_with_styling_info") {
        let arr = styles
            .as_array()
            .ok_or_else(|| ApiError::param("text_with_styling_info must be an array"))?;
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        for s in arr {
            let (Some(o), Some(l)) = (num_field(s.get("offset")), num_field(s.get("length")))
            else {
                return Err(ApiError::param(
                    "text_with_styling_info needs offset and length",
                ));
            };
            if o + l > plain_len as u64 {
                return Err(ApiError::param(
                    "text_with_styling_info range is outside plaintext",
                ));
            }
            let list = s
                .get("styling_info")
                .and_then(Value::as_array)
                .ok_or_else(|| ApiError::param("styling_info must be an array"))?;
            for st in list {
                let ok = st.as_str().is_some_and(|x| {
                    ["bold", "italic", "highlight", "underline", "strikethrough"].contains(&x)
                });
                if !ok {
                    return Err(ApiError::param("Unknown styling_info value"));
                }
            }
            if ranges.iter().any(|(ro, rl)| o < ro + rl && *ro < o + l) {
                return Err(ApiError::param(
                    "text_with_styling_info ranges must not overlap",
                ));
            }
            ranges.push((o, l));
        }
    }
    Ok(v.clone())
}

fn reply_control(v: &str) -> Result<String, ApiError> {
    match v {
        "everyone"
        | "accounts_you_follow"
        | "mentioned_only"
        | "parent_post_author_only"
        | "followers_only" => Ok(v.to_ascii_uppercase()),
        _ => Err(ApiError::param(
            "Param reply_control must be one of {everyone, accounts_you_follow, mentioned_only, parent_post_author_only, followers_only}",
        )),
    }
}

/// Validates the request and builds the container content.
fn build_content(w: &World, p: &Params, auth: &Auth) -> Result<Content, ApiError> {
    let media_type = parse_media_type(p.required("media_type")?)?;
    let is_text = media_type == WriteType::Text;
    let text = p.get("text").filter(|t| !t.is_empty()).map(str::to_owned);
    let mut c = Content::text_only("");
    c.media_type = media_type;
    c.text = text.clone();
    c.is_carousel_item = p.bool("is_carousel_item", false)?;
    if c.is_carousel_item && !matches!(media_type, WriteType::Image | WriteType::Video) {
        return Err(ApiError::param("Carousel items must be IMAGE or VIDEO"));
    }
    if let Some(t) = &text
        && threads_text_length(t) > 500
    {
        return Err(ApiError::param(
            "Param text must be at most 500 characters long.",
        ));
    }
    c.image_url = parse_url(p, "image_url")?;
    c.video_url = parse_url(p, "video_url")?;
    let gif = json_param(p, "gif_attachment")?;
    match media_type {
        WriteType::Text => {
            if text.is_none() && gif.is_none() {
                return Err(ApiError::param("Param text is required for TEXT posts"));
            }
        }
        WriteType::Image => {
            if c.image_url.is_none() {
                return Err(ApiError::param("Param image_url is required for IMAGE"));
            }
        }
        WriteType::Video => {
            if c.video_url.is_none() {
                return Err(ApiError::param("Param video_url is required for VIDEO"));
            }
        }
        WriteType::Carousel => {
            let raw = p.required("children")?;
            let mut ids = Vec::new();
            for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let id: u64 = part
                    .parse()
                    .map_err(|_| ApiError::param("Param children must be container IDs"))?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if !(2..=20).contains(&ids.len()) {
                return Err(ApiError::param("A carousel needs 2 to 20 children"));
            }
            for id in &ids {
                let child = w
                    .containers
                    .get(id)
                    .filter(|ch| ch.owner == auth.user_id)
                    .ok_or_else(|| {
                        ApiError::param(format!("Child container {id} was not found"))
                    })?;
                if !child.content.is_carousel_item {
                    return Err(ApiError::param(format!(
                        "Child container {id} was not created with is_carousel_item=true"
                    )));
                }
                if child.published.is_some() {
                    return Err(ApiError::param(format!(
                        "Child container {id} was already used"
                    )));
                }
            }
            c.children = ids;
        }
    }
    if let Some(a) = p.get("alt_text").filter(|a| !a.is_empty()) {
        if !matches!(media_type, WriteType::Image | WriteType::Video) {
            return Err(ApiError::param(
                "alt_text is only allowed on IMAGE and VIDEO",
            ));
        }
        if a.chars().count() > 1_000 {
            return Err(ApiError::param(
                "Param alt_text must be at most 1000 characters",
            ));
        }
        c.alt_text = Some(a.to_owned());
    }
    c.link_attachment = parse_url(p, "link_attachment")?;
    if c.link_attachment.is_some() && !is_text {
        return Err(ApiError::param(
            "link_attachment is only allowed on TEXT posts",
        ));
    }
    if let Some(g) = gif {
        if !is_text {
            return Err(ApiError::param(
                "gif_attachment is only allowed on TEXT posts",
            ));
        }
        let id = g
            .get("gif_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let provider = g.get("provider").and_then(Value::as_str).unwrap_or("");
        // Tenor was sunset on 2026-03-31.
        let tenor_ok = w.now() < 1_774_915_200;
        let Some(id) = id else {
            return Err(ApiError::param("gif_attachment.gif_id is required"));
        };
        let url = match provider {
            "GIPHY" => format!("https://media.giphy.com/media/{id}/giphy.gif"),
            "TENOR" if tenor_ok => format!("https://media.tenor.com/{id}/tenor.gif"),
            _ => return Err(ApiError::param("gif_attachment.provider must be GIPHY")),
        };
        c.gif_url = Some(url);
    }
    if let Some(v) = json_param(p, "poll_attachment")? {
        if !is_text {
            return Err(ApiError::param(
                "poll_attachment is only allowed on TEXT posts",
            ));
        }
        c.poll = Some(parse_poll(&v, w.now())?);
    }
    if let Some(v) = json_param(p, "text_attachment")? {
        if !is_text {
            return Err(ApiError::param(
                "text_attachment is only allowed on TEXT posts",
            ));
        }
        if c.poll.is_some() {
            return Err(ApiError::param(
                "text_attachment cannot be combined with a poll",
            ));
        }
        c.text_attachment = Some(parse_text_attachment(&v, c.link_attachment.is_some())?);
    }
    if let Some(v) = json_param(p, "text_entities")? {
        c.text_entities = parse_entities(&v)?;
    }
    c.is_spoiler_media = p.bool("is_spoiler_media", false)?;
    if c.is_spoiler_media && is_text {
        return Err(ApiError::param(
            "is_spoiler_media is only allowed on IMAGE, VIDEO and CAROUSEL",
        ));
    }
    // Links: unique URLs across text, link_attachment and text_attachment.
    let mut links = text.as_deref().map(validation::links).unwrap_or_default();
    if let Some(l) = &c.link_attachment {
        validation::push_link(&mut links, l);
    }
    if let Some(l) = c
        .text_attachment
        .as_ref()
        .and_then(|t| t.get("link_attachment_url"))
        .and_then(Value::as_str)
    {
        validation::push_link(&mut links, l);
    }
    if links.len() > 5 {
        return Err(thapi(
            "THREADS_API__LINK_LIMIT_EXCEEDED",
            "A post can contain at most 5 unique links.",
        ));
    }
    if let Some(tag) = p.get("topic_tag").filter(|t| !t.is_empty()) {
        if !validation::valid_topic_tag(tag) {
            return Err(ApiError::param(
                "Param topic_tag must be 1 to 50 characters and cannot contain '.' or '&'",
            ));
        }
        c.topic_tag = Some(tag.to_owned());
    } else {
        c.topic_tag = text.as_deref().and_then(validation::first_hashtag);
    }
    if let Some(rc) = p.non_empty("reply_control") {
        c.reply_audience = reply_control(rc)?;
    }
    c.quote_post_id = parse_id(p, "quote_post_id")?;
    if let Some(q) = c.quote_post_id {
        match w.posts.get(&q) {
            Some(post) if can_see(w, post, &auth.user_id) => {}
            _ => {
                return Err(ApiError::param(format!(
                    "The quoted post {q} does not exist"
                )));
            }
        }
    }
    c.location_id = parse_id(p, "location_id")?;
    if let Some(l) = c.location_id {
        auth.require("threads_location_tagging")?;
        if !w.locations.contains_key(&l) {
            return Err(ApiError::param(format!("Location {l} does not exist")));
        }
    }
    if let Some(codes) = p.non_empty("allowlisted_country_codes") {
        let eligible = w.users.get(&auth.user_id).is_some_and(|u| u.geo_gating);
        if !eligible {
            return Err(thapi(
                "THREADS_API__FEATURE_NOT_AVAILABLE",
                "This account cannot use geo-gating.",
            ));
        }
        let list: Vec<String> = codes
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if list.is_empty() || list.iter().any(|c| !validation::valid_country(c)) {
            return Err(thapi(
                "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES",
                "One or more country codes are not supported.",
            ));
        }
        c.allowlisted = list;
    }
    c.reply_to = parse_id(p, "reply_to_id")?;
    c.is_ghost = p.bool("is_ghost_post", false)?;
    c.reply_approvals = p.bool("enable_reply_approvals", false)?;
    if c.is_ghost {
        if !is_text {
            return Err(ApiError::param("Ghost posts must be TEXT posts"));
        }
        if c.reply_to.is_some() {
            return Err(ApiError::param("A ghost post cannot be a reply"));
        }
        if c.reply_approvals {
            return Err(ApiError::param("Ghost posts cannot use reply approvals"));
        }
    }
    c.crossreshare = p.bool("crossreshare_to_ig", false)?;
    if c.crossreshare || p.non_empty("crossreshare_to_ig_dark_mode").is_some() {
        auth.require("threads_share_to_instagram")?;
    }
    if let Some(target) = c.reply_to {
        auth.require("threads_manage_replies")?;
        let t = w
            .posts
            .get(&target)
            .filter(|t| can_see(w, t, &auth.user_id))
            .ok_or_else(|| {
                ApiError::param(format!("The post {target} to reply to does not exist"))
            })?;
        let root_owner = t
            .root
            .and_then(|r| w.posts.get(&r))
            .map(|r| r.owner.clone())
            .unwrap_or_else(|| t.owner.clone());
        if root_owner != auth.user_id
            && !auth.has("threads_keyword_search")
            && !auth.has("threads_manage_mentions")
        {
            return Err(ApiError::permission(
                "threads_keyword_search or threads_manage_mentions (to reply to posts you do not own)",
            ));
        }
        if t.owner != auth.user_id {
            let allowed = crate::audience::may_reply(w, t, &auth.user_id);
            if !allowed {
                return Err(ApiError::graph(
                    ErrorType::ThApi,
                    10,
                    "The author has limited who can reply to this post",
                ));
            }
        }
    }
    if p.bool("auto_publish_text", false)? && !is_text {
        return Err(ApiError::param(
            "auto_publish_text is only allowed on TEXT posts",
        ));
    }
    Ok(c)
}

/// `POST /{user}/threads`.
pub(crate) fn create(w: &mut World, p: &Params, ctx: &Ctx, user: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let text = p.get("text").map(str::to_owned);
    let reply_to = p.non_empty("reply_to_id").map(str::to_owned);
    let result = (|| {
        auth.user_segment(user, "post")?;
        auth.require("threads_content_publish")?;
        let content = build_content(w, p, &auth)?;
        let now = w.now();
        let d = w.config.delays;
        let delay = match content.media_type {
            WriteType::Text => d.text_secs,
            WriteType::Image => d.image_secs,
            WriteType::Video => d.video_secs,
            WriteType::Carousel => d.carousel_secs,
        };
        let id = w.new_id();
        if w.config.media_fetch == crate::media::MediaFetch::Fetch {
            let fetch = match content.media_type {
                WriteType::Image => content.image_url.clone().map(|u| (MediaKind::Image, u)),
                WriteType::Video => content.video_url.clone().map(|u| (MediaKind::Video, u)),
                _ => None,
            };
            if let Some((kind, url)) = fetch {
                w.pending_fetches.push(PendingFetch {
                    container: id,
                    kind,
                    url,
                });
            }
        }
        w.containers.insert(
            id,
            Container {
                owner: auth.user_id.clone(),
                content,
                created_at: now,
                ready_at: now + delay.max(0) + ctx.fx.stuck_secs,
                error: ctx.fx.container_error.clone(),
                published: None,
            },
        );
        w.housekeeping();
        Ok(id)
    })();
    ctx.record(
        w,
        Call {
            text: text.clone(),
            reply_to: reply_to.clone(),
            ..Call::new(Operation::CreateContainer, &auth.user_id, None)
        },
        &result,
    );
    let id = result?;
    if p.bool("auto_publish_text", false).unwrap_or(false) {
        let published = publish_container(w, &auth, id, ctx, true);
        ctx.record(
            w,
            Call {
                text,
                reply_to,
                ..Call::new(Operation::Publish, &auth.user_id, Some(&id.to_string()))
            },
            &published.as_ref().map(|(m, _)| *m).map_err(Clone::clone),
        );
        let (media, cross) = published?;
        return Ok(Reply::Json(publish_body(media, cross)));
    }
    Ok(Reply::Json(json!({"id": id.to_string()})))
}

fn publish_body(media: u64, crossreshare: bool) -> Value {
    let mut v = json!({"id": media.to_string()});
    if crossreshare {
        v["crossreshare_to_ig_status"] = json!("SUCCESS");
    }
    v
}

/// `POST /{user}/threads_publish`.
pub(crate) fn publish(w: &mut World, p: &Params, ctx: &Ctx, user: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    let creation = p.get("creation_id").map(str::to_owned);
    let (text, reply_to) = creation
        .as_deref()
        .and_then(|c| c.trim().parse::<u64>().ok())
        .and_then(|id| w.containers.get(&id))
        .map(|c| {
            (
                c.content.text.clone(),
                c.content.reply_to.map(|r| r.to_string()),
            )
        })
        .unwrap_or((None, None));
    let result = (|| {
        auth.user_segment(user, "post")?;
        auth.require("threads_content_publish")?;
        let raw = p.required("creation_id")?;
        let id: u64 = raw.parse().map_err(|_| ApiError::media_not_found(raw))?;
        publish_container(w, &auth, id, ctx, false)
    })();
    ctx.record(
        w,
        Call {
            text,
            reply_to,
            ..Call::new(Operation::Publish, &auth.user_id, creation.as_deref())
        },
        &result.as_ref().map(|(m, _)| *m).map_err(Clone::clone),
    );
    let (media, cross) = result?;
    Ok(Reply::Json(publish_body(media, cross)))
}

/// Publishes container `id`; returns the media id and whether it was cross-shared.
fn publish_container(
    w: &mut World,
    auth: &Auth,
    id: u64,
    ctx: &Ctx,
    auto: bool,
) -> Result<(u64, bool), ApiError> {
    let c = w
        .containers
        .get(&id)
        .filter(|c| c.owner == auth.user_id)
        .cloned()
        .ok_or_else(|| ApiError::media_not_found(&id.to_string()))?;
    if c.content.is_carousel_item {
        return Err(ApiError::param(
            "A carousel item cannot be published on its own; publish the CAROUSEL container",
        ));
    }
    let status = w.container_status(&c);
    let republish =
        status == Status::Published && w.config.republish == RepublishBehaviour::Duplicate;
    let ready = status == Status::Finished || (auto && status == Status::InProgress) || republish;
    if !ready || ctx.fx.spurious_not_found {
        return Err(ApiError::media_not_found(&id.to_string()));
    }
    let is_reply = c.content.reply_to.is_some();
    if is_reply {
        auth.require("threads_manage_replies")?;
    }
    let quota = if is_reply {
        Quota::Replies
    } else {
        Quota::Posts
    };
    w.quota_take(&auth.user_id, quota)?;
    let now = w.now();
    // Children first (carousel).
    let mut content = c.content.clone();
    let mut child_posts = Vec::new();
    for child_id in &c.content.children {
        let Some(child) = w.containers.get(child_id).cloned() else {
            continue;
        };
        let pid = w.new_id();
        let mut cc = child.content.clone();
        cc.is_spoiler_media |= c.content.is_spoiler_media;
        w.posts.insert(
            pid,
            Post {
                id: pid,
                owner: auth.user_id.clone(),
                read_type: cc.media_type.read(),
                content: cc,
                reposted: None,
                timestamp: now,
                shortcode: shortcode(pid),
                root: None,
                hide: None,
                approval: None,
                is_carousel_child: true,
            },
        );
        if let Some(ch) = w.containers.get_mut(child_id) {
            ch.published = Some(pid);
        }
        child_posts.push(pid);
    }
    content.children = child_posts;
    let post_id = w.new_id();
    let (root, approval) = match content.reply_to.and_then(|r| w.posts.get(&r)) {
        Some(parent) => {
            let root = parent.root.unwrap_or(parent.id);
            let root_post = w.posts.get(&root);
            let needs_approval =
                root_post.is_some_and(|r| r.content.reply_approvals && r.owner != auth.user_id);
            (Some(root), needs_approval.then_some(Approval::Pending))
        }
        None => (None, None),
    };
    let cross = content.crossreshare;
    w.posts.insert(
        post_id,
        Post {
            id: post_id,
            owner: auth.user_id.clone(),
            read_type: content.media_type.read(),
            content,
            reposted: None,
            timestamp: now,
            shortcode: shortcode(post_id),
            root,
            hide: None,
            approval,
            is_carousel_child: false,
        },
    );
    if let Some(c) = w.containers.get_mut(&id) {
        c.published = Some(post_id);
    }
    webhooks::on_published(w, post_id);
    Ok((post_id, cross))
}
