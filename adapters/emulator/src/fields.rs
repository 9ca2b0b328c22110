//! Field selection: parsing `fields=id,text,poll_attachment{option_a,total_votes}` and
//! matching the names against the fields of the object asked for — strictly (an unknown
//! name fails with code 100) for single objects, leniently (unknown names are dropped) for
//! the media lists.

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

/// What happens to a name that is not a field of the object it is asked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknown {
    /// Fail with code 100 "Tried accessing nonexisting field (name)": `GET /{media-id}`.
    Fail,
    /// Leave it out of the answer: the list endpoints.
    Skip,
}

/// The kinds of object a selection can reach, each with its field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Media,
    Poll,
    Location,
    TextAttachment,
}

impl Kind {
    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Media => MEDIA,
            Self::Poll => POLL,
            Self::Location => LOCATION,
            Self::TextAttachment => TEXT_ATTACHMENT,
        }
    }

    /// The kind a field expands into with `field{...}`, if it is an object.
    fn nested(self, name: &str) -> Option<Kind> {
        match (self, name) {
            (
                Self::Media,
                "children" | "quoted_post" | "reposted_post" | "root_post" | "replied_to",
            ) => Some(Self::Media),
            (Self::Media, "poll_attachment") => Some(Self::Poll),
            (Self::Media, "location") => Some(Self::Location),
            (Self::Media, "text_attachment") => Some(Self::TextAttachment),
            _ => None,
        }
    }
}

/// Matches a selection against the fields of `kind`, nested expansions included: a name
/// that is not a field fails or is dropped as `unknown` says, and `omit` (fields the
/// endpoint never returns) is dropped at the top level. Whether a field *applies* to a
/// given object (`media_url` on a text post, `owner` on someone else's post) is the
/// renderer's business: it leaves such fields out.
pub(crate) fn resolve(
    sel: Vec<Field>,
    kind: Kind,
    unknown: Unknown,
    omit: &[&str],
) -> Result<Vec<Field>, ApiError> {
    let mut out = Vec::with_capacity(sel.len());
    for f in sel {
        if !kind.names().contains(&f.name.as_str()) {
            match unknown {
                Unknown::Fail => return Err(ApiError::nonexisting_field(&f.name)),
                Unknown::Skip => continue,
            }
        }
        if omit.contains(&f.name.as_str()) {
            continue;
        }
        let sub = match (f.sub, kind.nested(&f.name)) {
            (Some(sub), Some(inner)) => Some(resolve(sub, inner, unknown, &[])?),
            (sub, _) => sub,
        };
        out.push(Field { name: f.name, sub });
    }
    Ok(out)
}

/// Every field of a Threads media object, as the reference pages list them across
/// `GET /{media-id}`, the user and reply lists and `/pending_replies`
/// (<https://developers.facebook.com/docs/threads/reference/media-retrieval>,
/// <https://developers.facebook.com/docs/threads/threads-media>,
/// <https://developers.facebook.com/docs/threads/reply-management>). Which of them an
/// answer carries depends on the post: the renderer leaves out those that do not apply.
pub(crate) const MEDIA: &[&str] = &[
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
    "reply_approval_status",
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

/// Fields of a text attachment.
pub(crate) const TEXT_ATTACHMENT: &[&str] =
    &["plaintext", "link_attachment_url", "text_with_styling_info"];

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

    #[test]
    fn unknown_names_fail_or_are_skipped() {
        let f = parse(Some("id,status,quoted_post{text,nope}"), &["id"]).expect("ok");
        let e = resolve(f.clone(), Kind::Media, Unknown::Fail, &[])
            .expect_err("status is not a media field");
        assert!(e.to_body("t").contains("nonexisting field (status)"));
        let kept = resolve(f, Kind::Media, Unknown::Skip, &[]).expect("lenient");
        let names: Vec<&str> = kept.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "quoted_post"]);
        let sub = kept[1].sub.as_ref().expect("expansion kept");
        assert_eq!(sub.len(), 1, "the unknown nested name is dropped: {sub:?}");
    }

    #[test]
    fn nested_names_are_checked_against_the_nested_object() {
        let f = parse(Some("poll_attachment{total_votes,text}"), &["id"]).expect("ok");
        let e = resolve(f, Kind::Media, Unknown::Fail, &[]).expect_err("text is no poll field");
        assert!(e.to_body("t").contains("nonexisting field (text)"));
        let f = parse(Some("location{name,city},text{x}"), &["id"]).expect("ok");
        assert!(
            resolve(f, Kind::Media, Unknown::Fail, &[]).is_ok(),
            "scalar subs pass"
        );
    }

    #[test]
    fn omitted_fields_are_dropped_even_when_strict() {
        let f = parse(Some("id,owner,text"), &["id"]).expect("ok");
        let kept = resolve(f, Kind::Media, Unknown::Fail, &["owner"]).expect("ok");
        assert!(!has(&kept, "owner") && has(&kept, "text"));
    }
}
