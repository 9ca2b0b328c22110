//! The user profile (`GET /me`) and the publishing quota (`threads_publishing_limit`).

use serde_json::{Map, Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::ApiError;
use crate::fields;
use crate::oauth::{self, Auth};
use crate::params::Params;
use crate::state::{Quota, World};

/// `GET /me` (or the caller's own id). The `id` is always included.
pub(crate) fn get_profile(w: &World, p: &Params, auth: &Auth) -> Result<Reply, ApiError> {
    let sel = fields::parse(p.get("fields"), &["id"])?;
    fields::check(&sel, fields::USER)?;
    let u = w
        .users
        .get(&auth.user_id)
        .ok_or_else(|| ApiError::unsupported("get", &auth.user_id))?;
    let mut m = Map::new();
    for f in &sel {
        let v = match f.name.as_str() {
            "id" => json!(u.id),
            "username" => json!(u.username),
            "name" => json!(u.name),
            "threads_profile_picture_url" => json!(u.picture_url),
            "threads_biography" => json!(u.biography),
            "is_verified" => json!(u.is_verified),
            "is_eligible_for_geo_gating" => json!(u.geo_gating),
            "recently_searched_keywords" => Value::Array(
                u.recent_searches
                    .iter()
                    .map(|(q, ms)| json!({"query": q, "timestamp": ms}))
                    .collect(),
            ),
            _ => continue,
        };
        m.insert(f.name.clone(), v);
    }
    // Graph returns a node's id whatever the selection.
    m.entry("id").or_insert_with(|| json!(u.id));
    Ok(Reply::Json(Value::Object(m)))
}

const LIMIT_FIELDS: &[&str] = &[
    "quota_usage",
    "config",
    "reply_quota_usage",
    "reply_config",
    "delete_quota_usage",
    "delete_config",
    "location_search_quota_usage",
    "location_search_config",
];

/// `GET /{user}/threads_publishing_limit`.
pub(crate) fn publishing_limit(
    w: &mut World,
    p: &Params,
    ctx: &Ctx,
    user: &str,
) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(user, "get")?;
    let sel = fields::parse(p.get("fields"), &["quota_usage"])?;
    fields::check(&sel, LIMIT_FIELDS)?;
    let mut m = Map::new();
    for f in &sel {
        let (scope, quota) = match f.name.as_str() {
            "quota_usage" | "config" => ("threads_content_publish", Quota::Posts),
            "reply_quota_usage" | "reply_config" => ("threads_manage_replies", Quota::Replies),
            "delete_quota_usage" | "delete_config" => ("threads_delete", Quota::Deletes),
            _ => ("threads_location_tagging", Quota::LocationSearch),
        };
        auth.require(scope)?;
        let v = if f.name.ends_with("config") {
            json!({"quota_total": quota.total(), "quota_duration": 86_400})
        } else {
            json!(w.quota_usage(&auth.user_id, quota))
        };
        m.insert(f.name.clone(), v);
    }
    Ok(Reply::Json(json!({"data": [Value::Object(m)]})))
}
