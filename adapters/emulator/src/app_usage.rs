//! The `X-App-Usage` header: each call with a token counts against its app's rolling 24 h
//! budget, `4800 × impressions` calls with impressions at their floor of 10 (the formula of
//! <https://developers.facebook.com/docs/threads/overview#rate-limiting>). The header is
//! informative only; the emulator does not throttle on it.

use crate::oauth;
use crate::state::World;

/// Daily call budget per app (4,800 × the impressions floor of 10).
const CALL_BUDGET: u64 = 48_000;

/// Counts one call for the app owning `token` and returns the `X-App-Usage` value:
/// percentages of the rolling 24 h budget. `None` without a token or for an unknown one.
pub(crate) fn count_call(w: &mut World, token: Option<&str>) -> Option<String> {
    let token = token?;
    let app = match w.tokens.get(token) {
        Some(t) => t.app_id.clone(),
        None => oauth::app_token(w, token)?,
    };
    let hour = w.now().div_euclid(3_600);
    let buckets = w.app_calls.entry(app).or_default();
    match buckets.back_mut() {
        Some((h, n)) if *h == hour => *n += 1,
        _ => buckets.push_back((hour, 1)),
    }
    while buckets.front().is_some_and(|(h, _)| *h <= hour - 24) || buckets.len() > 24 {
        buckets.pop_front();
    }
    let calls: u64 = buckets.iter().map(|(_, n)| n).sum();
    let pct = (calls * 100 / CALL_BUDGET).min(100);
    Some(format!(
        "{{\"call_count\":{pct},\"total_cputime\":{},\"total_time\":{}}}",
        pct / 2,
        pct / 2
    ))
}
