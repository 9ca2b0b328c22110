//! Media insights (`/{media}/insights`) and user insights (`/{user}/threads_insights`).

use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::ApiError;
use crate::metrics;
use crate::oauth;
use crate::params::Params;
use crate::rng::mix;
use crate::state::{Post, ReadType, World};
use crate::timestamps::format_timestamp;
use crate::validation;

/// Earliest accepted insights timestamp (2024-04-13).
const MIN_INSIGHTS: i64 = 1_712_991_600;

const MEDIA_METRICS: &[&str] = &["views", "likes", "replies", "reposts", "quotes", "shares"];
const USER_METRICS: &[&str] = &[
    "views",
    "likes",
    "replies",
    "reposts",
    "quotes",
    "clicks",
    "followers_count",
    "follower_demographics",
];

fn title(metric: &str) -> &'static str {
    match metric {
        "views" => "Views",
        "likes" => "Likes",
        "replies" => "Replies",
        "reposts" => "Reposts",
        "quotes" => "Quotes",
        "shares" => "Shares",
        "clicks" => "Clicks",
        "followers_count" => "Followers count",
        _ => "Follower demographics",
    }
}

fn metrics_param(p: &Params, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let raw = p.required("metric")?;
    let mut out = Vec::new();
    for (i, m) in raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if !allowed.contains(&m) {
            return Err(ApiError::param(format!(
                "metric[{i}] must be one of the following values: {}",
                allowed.join(", ")
            )));
        }
        if !out.iter().any(|x| x == m) {
            out.push(m.to_owned());
        }
    }
    if out.is_empty() {
        return Err(ApiError::param("The parameter metric is required"));
    }
    Ok(out)
}

/// `GET /{media}/insights?metric=...`.
pub(crate) fn media(w: &mut World, p: &Params, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.require("threads_manage_insights")?;
    let num: u64 = id.parse().map_err(|_| ApiError::unsupported("get", id))?;
    let post = match w.posts.get(&num) {
        Some(x) if x.owner == auth.user_id => x.clone(),
        _ => return Err(ApiError::unsupported("get", id)),
    };
    let list = metrics_param(p, MEDIA_METRICS)?;
    if post.read_type == ReadType::RepostFacade {
        return Ok(Reply::Json(json!({"data": []})));
    }
    let now = w.now();
    let mut data = Vec::new();
    for m in &list {
        let value = match m.as_str() {
            "views" => metrics::views_at(w, &post, now),
            "likes" => metrics::likes_at(w, &post, now),
            "replies" => metrics::replies_count(w, &post, i64::MIN, i64::MAX),
            "reposts" => metrics::reposts_count(w, &post, i64::MIN, i64::MAX),
            "quotes" => metrics::quotes_count(w, &post, i64::MIN, i64::MAX),
            _ => metrics::shares_at(w, &post, now),
        };
        data.push(json!({
            "name": m,
            "period": "lifetime",
            "values": [{"value": value}],
            "title": title(m),
            "description": format!("The number of {m} on your post."),
            "id": format!("{id}/insights/{m}/lifetime"),
        }));
    }
    Ok(Reply::Json(json!({"data": data})))
}

fn unix_param(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    p.non_empty(name)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::param(format!("Param {name} must be a Unix timestamp")))
        })
        .transpose()
}

/// `total` spread over `keys` by seeded weights; the parts add up to
/// `total` exactly (what rounding down leaves goes to the largest remainders).
fn split(total: u64, keys: &[&str], salt: u64) -> Vec<Value> {
    let weights: Vec<u64> = (0..keys.len())
        .map(|i| 1 + mix(salt.wrapping_add(i as u64)) % 20)
        .collect();
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut parts: Vec<u64> = weights.iter().map(|wt| total * wt / sum).collect();
    let mut by_remainder: Vec<usize> = (0..keys.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse((total * weights[i]) % sum));
    let short = total - parts.iter().sum::<u64>();
    for &i in by_remainder
        .iter()
        .take(usize::try_from(short).unwrap_or(usize::MAX))
    {
        parts[i] += 1;
    }
    keys.iter()
        .zip(parts)
        .map(|(k, part)| json!({"dimension_values": [k], "value": part}))
        .collect()
}

/// `GET /{user}/threads_insights?metric=...&since=&until=`.
pub(crate) fn user(w: &mut World, p: &Params, ctx: &Ctx, seg: &str) -> Result<Reply, ApiError> {
    let auth = oauth::user_auth(w, p, &ctx.fx)?;
    auth.user_segment(seg, "get")?;
    auth.require("threads_manage_insights")?;
    let list = metrics_param(p, USER_METRICS)?;
    let now = w.now();
    let today = now - now.rem_euclid(86_400);
    let since = unix_param(p, "since")?.unwrap_or(today - 86_400);
    let until = unix_param(p, "until")?.unwrap_or(now);
    if since < MIN_INSIGHTS || until < MIN_INSIGHTS {
        return Err(ApiError::param(format!(
            "Param since and until must be at or after {MIN_INSIGHTS}"
        )));
    }
    if since >= until {
        return Err(ApiError::param("Param since must be less than until"));
    }
    let until = until.min(now);
    let uid = auth.user_id.clone();
    let followers = w.users.get(&uid).map_or(0, |u| u.followers);
    let own: Vec<Post> = w
        .posts
        .values()
        .filter(|x| x.owner == uid && !x.is_carousel_child)
        .cloned()
        .collect();
    let growth = |f: &dyn Fn(&Post, i64) -> u64, from: i64, to: i64| -> u64 {
        own.iter()
            .map(|x| f(x, to.max(from)).saturating_sub(f(x, from)))
            .sum()
    };
    let mut data = Vec::new();
    for m in &list {
        let mut entry = json!({
            "name": m,
            "period": "day",
            "title": title(m),
            "description": format!("The number of {m} of your profile."),
            "id": format!("{uid}/insights/{m}/day"),
        });
        match m.as_str() {
            "views" => {
                let mut values = Vec::new();
                let mut day = since - since.rem_euclid(86_400);
                while day < until && values.len() < 400 {
                    let end = day + 86_400;
                    let v = growth(
                        &|x, t| metrics::views_at(w, x, t),
                        day.max(since),
                        end.min(until),
                    );
                    values.push(json!({"value": v, "end_time": format_timestamp(end)}));
                    day = end;
                }
                entry["values"] = json!(values);
            }
            "likes" => {
                let v = growth(&|x, t| metrics::likes_at(w, x, t), since, until);
                entry["total_value"] = json!({"value": v});
            }
            "replies" => {
                // Top-level replies to the user's posts.
                let v = own
                    .iter()
                    .filter(|x| !x.is_reply())
                    .map(|x| {
                        w.posts
                            .values()
                            .filter(|r| r.content.reply_to == Some(x.id))
                            .filter(|r| r.timestamp >= since && r.timestamp <= until)
                            .count() as u64
                    })
                    .sum::<u64>();
                entry["total_value"] = json!({"value": v});
            }
            "reposts" => {
                let v = own
                    .iter()
                    .map(|x| metrics::reposts_count(w, x, since, until))
                    .sum::<u64>();
                entry["total_value"] = json!({"value": v});
            }
            "quotes" => {
                let v = own
                    .iter()
                    .map(|x| metrics::quotes_count(w, x, since, until))
                    .sum::<u64>();
                entry["total_value"] = json!({"value": v});
            }
            "clicks" => {
                let mut per_link: Vec<(String, u64)> = Vec::new();
                for x in &own {
                    let mut links = x
                        .content
                        .text
                        .as_deref()
                        .map(validation::links)
                        .unwrap_or_default();
                    if let Some(l) = &x.content.link_attachment {
                        validation::push_link(&mut links, l);
                    }
                    if links.is_empty() {
                        continue;
                    }
                    let clicks = metrics::clicks_at(w, x, until)
                        .saturating_sub(metrics::clicks_at(w, x, since));
                    for l in links {
                        match per_link.iter_mut().find(|(u, _)| *u == l) {
                            Some((_, v)) => *v += clicks,
                            None => per_link.push((l, clicks)),
                        }
                    }
                }
                entry["link_total_values"] = Value::Array(
                    per_link
                        .into_iter()
                        .map(|(u, v)| json!({"value": v, "link_url": u}))
                        .collect(),
                );
            }
            "followers_count" => {
                entry["total_value"] = json!({"value": followers});
            }
            _ => {
                let breakdown = p.required("breakdown").map_err(|_| {
                    ApiError::param(
                        "follower_demographics needs breakdown = country, city, age or gender",
                    )
                })?;
                let keys: &[&str] = match breakdown {
                    "country" => &["US", "BR", "IN", "GB", "MX", "DE", "JP", "FR"],
                    "city" => &[
                        "New York, New York",
                        "Los Angeles, California",
                        "London, England",
                        "São Paulo, São Paulo (state)",
                        "Mumbai, Maharashtra",
                    ],
                    "age" => &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
                    "gender" => &["F", "M", "U"],
                    _ => {
                        return Err(ApiError::param(
                            "Param breakdown must be exactly one of {country, city, age, gender}",
                        ));
                    }
                };
                if followers < 100 {
                    return Err(ApiError::param(
                        "follower_demographics is only available for profiles with at least 100 followers",
                    ));
                }
                let salt = mix(uid.parse::<u64>().unwrap_or(0) ^ breakdown.len() as u64);
                entry["period"] = json!("lifetime");
                entry["id"] = json!(format!("{uid}/insights/{m}/lifetime"));
                entry["total_value"] = json!({"breakdowns": [{
                    "dimension_keys": [breakdown],
                    "results": split(followers, keys, salt),
                }]});
            }
        }
        data.push(entry);
    }
    Ok(Reply::Json(json!({"data": data})))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_split_adds_up_to_the_total() {
        for total in [0, 1, 7, 100, 3_141, 1_000_003] {
            for salt in 0..20 {
                let parts = split(total, &["a", "b", "c", "d", "e", "f", "g"], salt);
                let sum: u64 = parts.iter().filter_map(|v| v["value"].as_u64()).sum();
                assert_eq!(sum, total, "total {total}, salt {salt}");
            }
        }
    }
}
