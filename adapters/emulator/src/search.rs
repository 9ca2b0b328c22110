//! Keyword and tag search, profile discovery (`profile_lookup`, `profile_posts`) and
//! location search.

use serde_json::{Map, Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::ApiError;
use crate::fields::{self, Kind, Unknown};
use crate::metrics;
use crate::oauth;
use crate::paging;
use crate::params::Params;
use crate::posts::{
    can_see, ghost_archived, list_response, location_value, media_fields, render, select_node,
};
use crate::state::{Quota, ReadType, World};

/// Fields `/keyword_search` never returns: "The owner field is excluded and will not be
/// returned" (<https://developers.facebook.com/docs/threads/keyword-search>).
const SEARCH_OMITS: &[&str] = &["owner"];

/// Accounts standard access can resolve with profile discovery.
const OFFICIAL: &[&str] = &["meta", "threads", "instagram", "facebook"];

fn advanced(w: &World, app_id: &str) -> bool {
    w.apps.get(app_id).is_none_or(|a| a.advanced_access)
}

/// `GET /keyword_search`.
pub(crate) fn keyword_search(w: &mut World, p: &Params, ctx: &Ctx) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_keyword_search")?;
    let q = p.required("q")?.to_owned();
    let recent = match p.non_empty("search_type").unwrap_or("TOP") {
        "TOP" => false,
        "RECENT" => true,
        _ => {
            return Err(ApiError::param(
                "Param search_type must be one of {TOP, RECENT}",
            ));
        }
    };
    let tag_mode = match p.non_empty("search_mode").unwrap_or("KEYWORD") {
        "KEYWORD" => false,
        "TAG" => true,
        _ => {
            return Err(ApiError::param(
                "Param search_mode must be one of {KEYWORD, TAG}",
            ));
        }
    };
    let media = match p.non_empty("media_type") {
        None => None,
        Some("TEXT") => Some(ReadType::TextPost),
        Some("IMAGE") => Some(ReadType::Image),
        Some("VIDEO") => Some(ReadType::Video),
        Some(_) => {
            return Err(ApiError::param(
                "Param media_type must be one of {TEXT, IMAGE, VIDEO}",
            ));
        }
    };
    let author = match p.non_empty("author_username") {
        None => None,
        Some(name) => {
            if name.starts_with('@') {
                return Err(ApiError::param(
                    "Param author_username must not start with @",
                ));
            }
            Some(
                w.user_by_name(name)
                    .map(|u| u.id.clone())
                    .unwrap_or_default(),
            )
        }
    };
    let sel = media_fields(p, &auth, Unknown::Skip, SEARCH_OMITS)?;
    let req = paging::page_req(p, w.now())?;
    w.quota_check(&auth.user_id, Quota::KeywordSearch)?;
    let own_only = !advanced(w, &auth.app_id);
    let needle = q.to_lowercase();
    let sensitive = w.sensitive.iter().any(|s| needle.contains(s.as_str()));
    let tag = needle.trim_start_matches('#').to_owned();
    let viewer = auth.user_id.clone();
    let mut hits: Vec<(u64, u64)> = w
        .posts
        .values()
        .filter(|x| !x.is_carousel_child && x.read_type != ReadType::RepostFacade)
        .filter(|x| w.is_public(&x.owner) || x.owner == viewer)
        .filter(|x| !own_only || x.owner == viewer)
        .filter(|x| can_see(w, x, &viewer) && !ghost_archived(w, x))
        .filter(|x| media.is_none_or(|m| x.read_type == m))
        .filter(|x| author.as_ref().is_none_or(|a| &x.owner == a))
        .filter(|x| req.in_range(x.timestamp))
        .filter(|_| !sensitive)
        .filter(|x| {
            if tag_mode {
                x.content
                    .topic_tag
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase() == tag)
            } else {
                x.content
                    .text
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(&needle))
            }
        })
        .map(|x| (x.id, metrics::likes_at(w, x, w.now())))
        .collect();
    if recent {
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
    } else {
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    }
    let ids: Vec<u64> = hits.into_iter().map(|(id, _)| id).collect();
    if !ids.is_empty() {
        w.quota_record(&auth.user_id, Quota::KeywordSearch);
    }
    let now_ms = w.now() * 1000;
    if let Some(u) = w.users.get_mut(&viewer) {
        u.recent_searches.retain(|(k, _)| *k != q);
        u.recent_searches.push_front((q.clone(), now_ms));
        u.recent_searches.truncate(20);
    }
    let page = paging::cut_positional(&ids, &req);
    let data = page
        .ids
        .iter()
        .filter_map(|id| w.posts.get(id))
        .map(|post| render(w, post, &viewer, &sel, 0))
        .collect();
    Ok(Reply::Json(paging::envelope(data, &page, p, &ctx.base_url)))
}

fn discoverable(w: &World, app_id: &str, username: &str) -> Result<String, ApiError> {
    let not_found = || {
        ApiError::param(format!(
            "The profile @{username} cannot be found or is not eligible for discovery (public, at least 100 followers)"
        ))
    };
    let name = username.trim_start_matches('@');
    if !advanced(w, app_id) && !OFFICIAL.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(not_found());
    }
    let u = w.user_by_name(name).ok_or_else(not_found)?;
    if u.is_private || u.followers < 100 {
        return Err(not_found());
    }
    Ok(u.id.clone())
}

const LOOKUP_FIELDS: &[&str] = &[
    "username",
    "name",
    "profile_picture_url",
    "biography",
    "is_verified",
    "follower_count",
    "likes_count",
    "quotes_count",
    "replies_count",
    "reposts_count",
    "views_count",
];

/// `GET /profile_lookup?username=...`.
pub(crate) fn profile_lookup(w: &mut World, p: &Params, ctx: &Ctx) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_profile_discovery")?;
    let username = p.required("username")?.to_owned();
    let sel = fields::parse(p.get("fields"), LOOKUP_FIELDS)?;
    fields::check(&sel, LOOKUP_FIELDS)?;
    w.quota_check(&auth.user_id, Quota::ProfileLookup)?;
    let target = discoverable(w, &auth.app_id, &username)?;
    w.quota_record(&auth.user_id, Quota::ProfileLookup);
    let now = w.now();
    let week = now - 7 * 86_400;
    let u = w
        .users
        .get(&target)
        .cloned()
        .ok_or_else(|| ApiError::param("Unknown user"))?;
    let posts: Vec<_> = w
        .posts
        .values()
        .filter(|x| x.owner == target && !x.is_carousel_child)
        .collect();
    let sum = |f: &dyn Fn(&crate::state::Post) -> u64| posts.iter().map(|x| f(x)).sum::<u64>();
    let mut all = Map::new();
    all.insert("username".into(), json!(u.username));
    all.insert("name".into(), json!(u.name));
    all.insert("profile_picture_url".into(), json!(u.picture_url));
    all.insert("biography".into(), json!(u.biography));
    all.insert("is_verified".into(), json!(u.is_verified));
    all.insert("follower_count".into(), json!(u.followers));
    all.insert(
        "likes_count".into(),
        json!(sum(
            &|x| metrics::likes_at(w, x, now).saturating_sub(metrics::likes_at(w, x, week))
        )),
    );
    all.insert(
        "quotes_count".into(),
        json!(sum(&|x| metrics::quotes_count(w, x, week, now))),
    );
    all.insert(
        "replies_count".into(),
        json!(sum(&|x| metrics::replies_count(w, x, week, now))),
    );
    all.insert(
        "reposts_count".into(),
        json!(sum(&|x| metrics::reposts_count(w, x, week, now))),
    );
    all.insert(
        "views_count".into(),
        json!(sum(
            &|x| metrics::views_at(w, x, now).saturating_sub(metrics::views_at(w, x, week))
        )),
    );
    let mut out = Map::new();
    for f in &sel {
        if let Some(v) = all.get(&f.name) {
            out.insert(f.name.clone(), v.clone());
        }
    }
    Ok(Reply::Json(Value::Object(out)))
}

/// `GET /profile_posts?username=...`.
pub(crate) fn profile_posts(w: &mut World, p: &Params, ctx: &Ctx) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_profile_discovery")?;
    let username = p.required("username")?.to_owned();
    let sel = media_fields(p, &auth, Unknown::Skip, &[])?;
    let req = paging::page_req(p, w.now())?;
    w.quota_check(&auth.user_id, Quota::ProfileLookup)?;
    let target = discoverable(w, &auth.app_id, &username)?;
    w.quota_record(&auth.user_id, Quota::ProfileLookup);
    let ids: Vec<u64> = w
        .posts
        .values()
        .rev()
        .filter(|x| x.owner == target && !x.is_reply() && !x.is_carousel_child)
        .filter(|x| !x.content.is_ghost && x.content.allowlisted.is_empty())
        .filter(|x| req.in_range(x.timestamp))
        .map(|x| x.id)
        .collect();
    let viewer = auth.user_id.clone();
    Ok(Reply::Json(list_response(
        w, &ids, &req, true, &viewer, &sel, p, ctx,
    )))
}

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().asin()
}

/// `GET /location_search?q=|query=&latitude=&longitude=`.
pub(crate) fn location_search(w: &mut World, p: &Params, ctx: &Ctx) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_location_tagging")?;
    let query = p
        .non_empty("q")
        .or_else(|| p.non_empty("query"))
        .map(str::to_lowercase);
    let coord = |name: &str, max: f64| -> Result<Option<f64>, ApiError> {
        p.non_empty(name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && x.abs() <= max)
                    .ok_or_else(|| {
                        ApiError::param(format!("Param {name} must be a number within ±{max}"))
                    })
            })
            .transpose()
    };
    let lat = coord("latitude", 90.0)?;
    let lon = coord("longitude", 180.0)?;
    let point = match (lat, lon) {
        (Some(a), Some(b)) => Some((a, b)),
        (None, None) => None,
        _ => {
            return Err(ApiError::param(
                "latitude and longitude must be sent together",
            ));
        }
    };
    if query.is_none() && point.is_none() {
        return Err(ApiError::param(
            "Send q (or query), or latitude and longitude",
        ));
    }
    let sel = fields::parse(p.get("fields"), fields::LOCATION)?;
    let sel = fields::resolve(sel, Kind::Location, Unknown::Fail, &[])?;
    w.quota_take(&auth.user_id, Quota::LocationSearch)?;
    let restricted = !advanced(w, &auth.app_id);
    let mut hits: Vec<(f64, u64)> = w
        .locations
        .values()
        .filter(|l| {
            query.as_ref().is_none_or(|q| {
                l.name.to_lowercase().contains(q)
                    || l.city.to_lowercase().contains(q)
                    || l.address.to_lowercase().contains(q)
            })
        })
        .filter(|_| !restricted || query.as_deref() == Some("menlo park"))
        .filter_map(|l| match point {
            None => Some((0.0, l.id)),
            Some(pt) => {
                let d = distance_km(pt, (l.latitude, l.longitude));
                (d <= 50.0).then_some((d, l.id))
            }
        })
        .collect();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let data: Vec<Value> = hits
        .into_iter()
        .take(25)
        .filter_map(|(_, id)| location_value(w, id))
        .map(|m| select_node(m, Some(&sel)))
        .collect();
    Ok(Reply::Json(json!({"data": data})))
}
