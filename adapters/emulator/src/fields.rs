//! Field selection: parsing `fields=id,text,poll_attachment{option_a,total_votes}` and
//! checking names against each endpoint's allow-list.

use crate::errors::ApiError;

/// One selected field, possibly with a nested selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) sub: Option<Vec<Field>>,
}

/// Parses a `fields` value. An absent or empty value gives `default`.
pub(crate) fn parse(value: Option<&str>, default: &[&str]) -> Result<Vec<Field>, ApiError> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default
            .iter()
            .map(|n| Field {
                name: (*n).to_owned(),
                sub: None,
            })
            .collect());
    };
    let chars: Vec<char> = raw.chars().collect();
    let mut pos = 0;
    let list = parse_list(&chars, &mut pos, 0)?;
    if pos != chars.len() {
        return Err(ApiError::param(format!("Syntax error in fields: '{raw}'")));
    }
    Ok(list)
}

fn parse_list(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Field>, ApiError> {
    if depth > 4 {
        return Err(ApiError::param("Field expansion is nested too deeply"));
    }
    let mut out = Vec::new();
    loop {
        while *pos < chars.len() && chars[*pos].is_whitespace() {
            *pos += 1;
        }
        let start = *pos;
        while *pos < chars.len() && (chars[*pos].is_ascii_alphanumeric() || chars[*pos] == '_') {
            *pos += 1;
        }
        let name: String = chars[start..*pos].iter().collect();
        if name.is_empty() {
            return Err(ApiError::param(
                "Syntax error in fields: expected a field name",
            ));
        }
        while *pos < chars.len() && chars[*pos].is_whitespace() {
            *pos += 1;
        }
        let mut sub = None;
        if *pos < chars.len() && chars[*pos] == '{' {
            *pos += 1;
            let inner = parse_list(chars, pos, depth + 1)?;
            if *pos >= chars.len() || chars[*pos] != '}' {
                return Err(ApiError::param("Syntax error in fields: missing '}'"));
            }
            *pos += 1;
            sub = Some(inner);
        }
        if !out.iter().any(|f: &Field| f.name == name) {
            out.push(Field { name, sub });
        }
        while *pos < chars.len() && chars[*pos].is_whitespace() {
            *pos += 1;
        }
        if *pos < chars.len() && chars[*pos] == ',' {
            *pos += 1;
            continue;
        }
        return Ok(out);
    }
}

/// Fails with "Tried accessing nonexisting field" for the first name not in `allowed`.
pub(crate) fn check(fields: &[Field], allowed: &[&str]) -> Result<(), ApiError> {
    for f in fields {
        if !allowed.contains(&f.name.as_str()) {
            return Err(ApiError::nonexisting_field(&f.name));
        }
    }
    Ok(())
}

pub(crate) fn has(fields: &[Field], name: &str) -> bool {
    fields.iter().any(|f| f.name == name)
}

/// Media fields readable with `GET /{media-id}`.
pub(crate) const MEDIA_GET: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "owner",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "alt_text",
    "link_attachment_url",
    "has_replies",
    "is_reply",
    "is_reply_owned_by_me",
    "root_post",
    "replied_to",
    "hide_status",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "poll_attachment",
    "topic_tag",
    "is_spoiler_media",
    "text_entities",
    "text_attachment",
    "location_id",
    "location",
    "allowlisted_country_codes",
    "ghost_post_status",
    "ghost_post_expiration_timestamp",
    "is_verified",
    "profile_picture_url",
];

/// Fields of `GET /{user}/threads` (and `/ghost_posts`): no reply-only fields.
pub(crate) const USER_THREADS: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "owner",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "alt_text",
    "link_attachment_url",
    "has_replies",
    "is_reply",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "poll_attachment",
    "topic_tag",
    "is_spoiler_media",
    "text_entities",
    "text_attachment",
    "location_id",
    "location",
    "allowlisted_country_codes",
    "ghost_post_status",
    "ghost_post_expiration_timestamp",
    "is_verified",
    "profile_picture_url",
];

/// Fields of the reply listings (`/replies`, `/conversation`, `/{user}/replies`).
pub(crate) const REPLIES: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "has_replies",
    "root_post",
    "replied_to",
    "is_reply",
    "is_reply_owned_by_me",
    "hide_status",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "topic_tag",
    "is_verified",
    "profile_picture_url",
];

/// `/pending_replies` adds `reply_approval_status`.
pub(crate) const PENDING: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "has_replies",
    "root_post",
    "replied_to",
    "is_reply",
    "is_reply_owned_by_me",
    "hide_status",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "topic_tag",
    "is_verified",
    "profile_picture_url",
    "reply_approval_status",
];

/// `/keyword_search`: the reference page's list (never `owner`).
pub(crate) const SEARCH: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "alt_text",
    "link_attachment_url",
    "has_replies",
    "is_reply",
    "root_post",
    "replied_to",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "poll_attachment",
    "topic_tag",
];

/// `/{user}/mentions`: the media fields (facts §4.10), minus `owner`, which Graph only
/// returns on the caller's own top-level posts (a mention is always someone else's post).
pub(crate) const MENTIONS: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "alt_text",
    "link_attachment_url",
    "has_replies",
    "is_reply",
    "is_reply_owned_by_me",
    "root_post",
    "replied_to",
    "hide_status",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "poll_attachment",
    "topic_tag",
    "is_spoiler_media",
    "text_entities",
    "text_attachment",
    "location_id",
    "location",
    "allowlisted_country_codes",
    "ghost_post_status",
    "ghost_post_expiration_timestamp",
    "is_verified",
    "profile_picture_url",
];

/// `/profile_posts`: the user-posts fields minus `owner`.
pub(crate) const PROFILE_POSTS: &[&str] = &[
    "id",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "username",
    "text",
    "timestamp",
    "shortcode",
    "thumbnail_url",
    "children",
    "is_quote_post",
    "alt_text",
    "link_attachment_url",
    "has_replies",
    "is_reply",
    "reply_audience",
    "quoted_post",
    "reposted_post",
    "gif_url",
    "poll_attachment",
    "topic_tag",
    "is_spoiler_media",
    "text_entities",
    "text_attachment",
    "location_id",
    "location",
    "allowlisted_country_codes",
    "ghost_post_status",
    "ghost_post_expiration_timestamp",
    "is_verified",
    "profile_picture_url",
];

/// Fields of a media container (`GET /{container-id}`).
pub(crate) const CONTAINER: &[&str] = &["id", "status", "error_message"];

/// Fields of the user profile.
pub(crate) const USER: &[&str] = &[
    "id",
    "username",
    "name",
    "threads_profile_picture_url",
    "threads_biography",
    "is_verified",
    "recently_searched_keywords",
    "is_eligible_for_geo_gating",
];

/// Fields of a location.
pub(crate) const LOCATION: &[&str] = &[
    "id",
    "name",
    "address",
    "city",
    "country",
    "latitude",
    "longitude",
    "postal_code",
];

/// Fields of a poll attachment.
pub(crate) const POLL: &[&str] = &[
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_a_votes_percentage",
    "option_b_votes_percentage",
    "option_c_votes_percentage",
    "option_d_votes_percentage",
    "total_votes",
    "expiration_timestamp",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_used_when_absent() {
        let f = parse(None, &["id"]).expect("ok");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].name, "id");
    }

    #[test]
    fn nested_expansion() {
        let f = parse(
            Some("id, poll_attachment{option_a,total_votes},children{id,media_url}"),
            &["id"],
        )
        .expect("ok");
        assert_eq!(f.len(), 3);
        let poll = f[1].sub.as_ref().expect("nested");
        assert_eq!(poll[1].name, "total_votes");
        assert_eq!(f[2].sub.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn syntax_errors() {
        assert!(parse(Some("id,{x}"), &[]).is_err());
        assert!(parse(Some("a{b"), &[]).is_err());
        assert!(parse(Some("a}"), &[]).is_err());
        assert!(parse(Some("a,,b"), &[]).is_err());
        assert!(parse(Some("a{b{c{d{e{f{g}}}}}}"), &[]).is_err());
    }

    fn without<'a>(list: &[&'a str], drop: &[&str]) -> Vec<&'a str> {
        list.iter().copied().filter(|f| !drop.contains(f)).collect()
    }

    #[test]
    fn endpoint_lists_relate_as_the_facts_sheet_says() {
        let reply_only = [
            "is_reply_owned_by_me",
            "root_post",
            "replied_to",
            "hide_status",
        ];
        // User posts: the media fields minus the reply-only ones.
        assert_eq!(USER_THREADS, without(MEDIA_GET, &reply_only));
        // Profile posts: the user-post fields minus owner.
        assert_eq!(PROFILE_POSTS, without(USER_THREADS, &["owner"]));
        // Mentions: the media fields minus owner (never the caller's own post).
        assert_eq!(MENTIONS, without(MEDIA_GET, &["owner"]));
        // Pending replies: the reply list plus reply_approval_status.
        assert_eq!(
            without(PENDING, &["reply_approval_status"]),
            REPLIES.to_vec()
        );
        // Keyword search and the reply listings are narrower than the media fields.
        for f in SEARCH.iter().chain(REPLIES) {
            assert!(MEDIA_GET.contains(f), "{f}");
        }
        assert!(!SEARCH.contains(&"owner") && !REPLIES.contains(&"owner"));
    }

    #[test]
    fn unknown_field_is_rejected() {
        let f = parse(Some("id,status"), &["id"]).expect("ok");
        let e = check(&f, MEDIA_GET).expect_err("status is not a media field");
        assert!(e.to_body("t").contains("nonexisting field (status)"));
    }
}
