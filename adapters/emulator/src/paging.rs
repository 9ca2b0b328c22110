//! Cursor pagination and the `since`/`until` rules shared by every list endpoint, as the
//! list parameters of <https://developers.facebook.com/docs/threads/reference/user> give
//! them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::params::Params;
use crate::timestamps::parse_time_param;

/// Earliest accepted `since` (2023-07-05).
pub(crate) const MIN_SINCE: i64 = 1_688_540_400;

/// A parsed page request.
#[derive(Debug, Clone)]
pub(crate) struct PageReq {
    pub(crate) limit: usize,
    pub(crate) before: Option<u64>,
    pub(crate) after: Option<u64>,
    pub(crate) since: Option<i64>,
    pub(crate) until: Option<i64>,
}

pub(crate) fn cursor(id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("emu-cursor:{id}"))
}

fn decode_cursor(raw: &str) -> Result<u64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw.trim().trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("emu-cursor:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::param("Invalid cursor"))
}

/// Reads `limit`, `before`, `after`, `since` and `until`.
pub(crate) fn page_req(p: &Params, now: i64) -> Result<PageReq, ApiError> {
    let limit = match p.non_empty("limit") {
        None => 25,
        Some(v) => {
            let n: i64 = v
                .parse()
                .map_err(|_| ApiError::param("Param limit must be a non-negative integer"))?;
            if n < 0 {
                return Err(ApiError::param(
                    "Param limit must be a non-negative integer",
                ));
            }
            n.min(100) as usize
        }
    };
    let before = p.non_empty("before").map(decode_cursor).transpose()?;
    let after = p.non_empty("after").map(decode_cursor).transpose()?;
    if before.is_some() && after.is_some() {
        return Err(ApiError::param(
            "The parameters before and after cannot be used together",
        ));
    }
    let parse = |name: &str| -> Result<Option<i64>, ApiError> {
        p.non_empty(name)
            .map(|v| {
                parse_time_param(v).ok_or_else(|| {
                    ApiError::param(format!("Param {name} must be a Unix timestamp or a date"))
                })
            })
            .transpose()
    };
    let since = parse("since")?;
    let until = parse("until")?;
    if let Some(s) = since
        && s < MIN_SINCE
    {
        return Err(ApiError::param(format!(
            "Param since must be greater than or equal to {MIN_SINCE}"
        )));
    }
    if let Some(u) = until
        && u > now
    {
        return Err(ApiError::param(
            "Param until must be less than or equal to the current time",
        ));
    }
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(ApiError::param("Param since must be less than until"));
    }
    Ok(PageReq {
        limit,
        before,
        after,
        since,
        until,
    })
}

impl PageReq {
    pub(crate) fn in_range(&self, ts: i64) -> bool {
        self.since.is_none_or(|s| ts >= s) && self.until.is_none_or(|u| ts <= u)
    }
}

/// One page cut out of an ordered id list.
pub(crate) struct Page {
    pub(crate) ids: Vec<u64>,
    pub(crate) more_before: bool,
    pub(crate) more_after: bool,
}

/// Cuts a page from `ids`, which are ordered by id descending when `desc`, ascending
/// otherwise (so a cursor's position survives deletions).
pub(crate) fn cut(ids: &[u64], req: &PageReq, desc: bool) -> Page {
    let comes_after = |id: u64, c: u64| if desc { id < c } else { id > c };
    let (start, end) = if let Some(c) = req.after {
        let start = ids
            .iter()
            .position(|id| comes_after(*id, c))
            .unwrap_or(ids.len());
        (start, (start + req.limit).min(ids.len()))
    } else if let Some(c) = req.before {
        let end = ids
            .iter()
            .position(|id| !comes_after(c, *id))
            .unwrap_or(ids.len());
        (end.saturating_sub(req.limit), end)
    } else {
        (0, req.limit.min(ids.len()))
    };
    Page {
        ids: ids[start..end].to_vec(),
        more_before: start > 0,
        more_after: end < ids.len(),
    }
}

/// `{"data": [...], "paging": {...}}`. `next`/`previous` links repeat the request's query
/// with the new cursor, as Graph does.
pub(crate) fn envelope(data: Vec<Value>, page: &Page, p: &Params, base: &str) -> Value {
    let mut out = json!({ "data": data });
    if let (Some(first), Some(last)) = (page.ids.first(), page.ids.last()) {
        let mut paging = json!({
            "cursors": {"before": cursor(*first), "after": cursor(*last)}
        });
        let link = |key: &str, c: &str| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form_urlencoded::parse(p.query.as_bytes()) {
                if k != "before" && k != "after" {
                    q.append_pair(&k, &v);
                }
            }
            q.append_pair(key, c);
            format!("{base}{}?{}", p.path, q.finish())
        };
        if page.more_after {
            paging["next"] = json!(link("after", &cursor(*last)));
        }
        if page.more_before {
            paging["previous"] = json!(link("before", &cursor(*first)));
        }
        out["paging"] = paging;
    }
    out
}

/// Like [`cut`], for lists in an arbitrary order: cursors are located by exact position
/// (an unknown cursor starts from the beginning).
pub(crate) fn cut_positional(ids: &[u64], req: &PageReq) -> Page {
    let pos = |c: u64| ids.iter().position(|id| *id == c);
    let (start, end) = if let Some(c) = req.after {
        let start = pos(c).map_or(0, |i| i + 1);
        (start, (start + req.limit).min(ids.len()))
    } else if let Some(c) = req.before {
        let end = pos(c).unwrap_or(0);
        (end.saturating_sub(req.limit), end)
    } else {
        (0, req.limit.min(ids.len()))
    };
    Page {
        ids: ids[start..end].to_vec(),
        more_before: start > 0,
        more_after: end < ids.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(limit: usize, before: Option<u64>, after: Option<u64>) -> PageReq {
        PageReq {
            limit,
            before,
            after,
            since: None,
            until: None,
        }
    }

    #[test]
    fn walks_forward_and_back() {
        let ids: Vec<u64> = (1..=10).rev().collect();
        let p1 = cut(&ids, &req(4, None, None), true);
        assert_eq!(p1.ids, vec![10, 9, 8, 7]);
        assert!(p1.more_after && !p1.more_before);
        let p2 = cut(&ids, &req(4, None, Some(7)), true);
        assert_eq!(p2.ids, vec![6, 5, 4, 3]);
        let p3 = cut(&ids, &req(4, None, Some(3)), true);
        assert_eq!(p3.ids, vec![2, 1]);
        assert!(!p3.more_after);
        let back = cut(&ids, &req(4, Some(6), None), true);
        assert_eq!(back.ids, vec![10, 9, 8, 7]);
        let asc: Vec<u64> = (1..=5).collect();
        assert_eq!(cut(&asc, &req(2, None, Some(2)), false).ids, vec![3, 4]);
        assert_eq!(cut(&asc, &req(2, Some(4), None), false).ids, vec![2, 3]);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&cursor(42)).ok(), Some(42));
        assert!(decode_cursor("garbage!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("other:1")).is_err());
    }
}
