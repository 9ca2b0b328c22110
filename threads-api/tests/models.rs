//! Every example response of the fact sheet, stored in `tests/fixtures/`,
//! decodes into the typed models with the expected values.

use chrono::{DateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use threads_api::Page;
use threads_api::api::media::Deleted;
use threads_api::ids::{ContainerId, LocationId, MediaId, UserId};
use threads_api::model::*;
use threads_api::oauth::{AppAccessToken, TokenInfo};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    let body = fixture(name);
    let de = &mut serde_json::Deserializer::from_str(&body);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(s: &str) -> DateTime<Utc> {
    threads_api::model::time::parse(s).expect("valid test timestamp")
}

#[test]
fn every_fixture_is_valid_json() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            count += 1;
        }
    }
    assert!(count >= 38, "expected every fixture, found {count}");
}

#[test]
fn profile() {
    let p: Profile = decode("profile.json");
    assert_eq!(p.id, UserId::new("1234567"));
    assert_eq!(p.username.as_deref(), Some("threadsapitestuser"));
    assert_eq!(p.name.as_deref(), Some("Threads API Test User"));
    assert_eq!(
        p.threads_biography.as_deref(),
        Some("This is my Threads bio.")
    );
    assert_eq!(p.is_verified, Some(false));
    assert!(
        p.threads_profile_picture_url
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(p.recently_searched_keywords, None);
    assert!(p.extra.is_empty());
}

#[test]
fn profile_recently_searched_keywords_are_milliseconds() {
    let p: Profile = decode("profile_recently_searched_keywords.json");
    let kws = p.recently_searched_keywords.unwrap();
    assert_eq!(kws.len(), 2);
    assert_eq!(kws[0].query, "some keyword");
    assert_eq!(
        kws[0].timestamp,
        Some(Utc.timestamp_opt(1_735_707_600, 0).unwrap())
    );
    assert_eq!(p.is_eligible_for_geo_gating, Some(true));
}

#[test]
fn user_threads_page() {
    let page: Page<Media> = decode("user_threads.json");
    assert_eq!(page.data.len(), 4);
    assert_eq!(
        page.cursors.after.as_deref(),
        Some("QVFIUmZA0MGRoa3NZAM3FBbGlEQXFrRnEyaGJs")
    );

    let text = &page.data[0];
    assert_eq!(text.media_type, Some(MediaType::TextPost));
    assert_eq!(text.media_product_type, Some(MediaProductType::Threads));
    assert_eq!(
        text.owner.as_ref().and_then(Owner::user_id),
        Some(&UserId::new("1234567"))
    );
    assert_eq!(text.timestamp, Some(at("2023-10-17T05:42:03Z")));
    assert_eq!(text.reply_audience, Some(ReplyAudience::Everyone));
    assert_eq!(text.topic_tag.as_deref(), Some("Rust"));
    assert_eq!(text.has_replies, Some(true));

    let carousel = &page.data[1];
    assert_eq!(carousel.media_type, Some(MediaType::CarouselAlbum));
    assert_eq!(
        carousel.children_ids(),
        vec![
            &MediaId::new("18031391408218293"),
            &MediaId::new("18031391408218294")
        ]
    );
    assert_eq!(carousel.is_spoiler_media, Some(true));
    assert_eq!(
        carousel.allowlisted_country_codes.as_deref(),
        Some(&["US".to_owned(), "CA".to_owned()][..])
    );

    let repost = &page.data[2];
    assert!(repost.is_repost());
    assert_eq!(
        repost.reposted_post.as_ref().map(|r| r.id.as_str()),
        Some("18031391408210000")
    );

    let video = &page.data[3];
    assert_eq!(video.media_type, Some(MediaType::Video));
    assert_eq!(video.is_quote_post, Some(true));
    assert_eq!(video.quoted_post.as_ref().unwrap().id, "18031391408210001");
    let loc = video.location.as_ref().unwrap();
    assert_eq!(loc.id, LocationId::new("7640348500"));
    assert_eq!(loc.latitude, Some(37.4848));
    assert_eq!(loc.postal_code.as_deref(), Some("94025"));
    // Unknown fields are kept, not rejected.
    assert_eq!(video.extra["some_future_field"]["x"], 1);
}

#[test]
fn media_text_features() {
    let m: Media = decode("media_text_features.json");
    assert_eq!(
        m.link_attachment_url.as_deref(),
        Some("https://example.com/story")
    );
    assert!(m.gif_url.unwrap().contains("giphy"));
    assert_eq!(m.text_entities, Some(vec![TextEntity::spoiler(9, 17)]));
    let att = m.text_attachment.unwrap();
    assert_eq!(att.plaintext, "Chapter one. It was a dark night.");
    assert_eq!(
        att.link_attachment_url.as_deref(),
        Some("https://example.com/ch1")
    );
    assert_eq!(
        att.text_with_styling_info,
        vec![
            StyledRange::new(0, 11, [TextStyle::Bold, TextStyle::Italic]),
            StyledRange::new(13, 6, [TextStyle::Highlight]),
        ]
    );
}

#[test]
fn text_entities_also_decode_as_a_bare_list() {
    let m: Media = serde_json::from_str(
        r#"{"id":"1","text_entities":[{"entity_type":"SPOILER","offset":0,"length":2}]}"#,
    )
    .unwrap();
    assert_eq!(m.text_entities, Some(vec![TextEntity::spoiler(0, 2)]));
}

#[test]
fn poll_results() {
    let m: Media = decode("media_poll.json");
    let poll = m.poll_attachment.unwrap();
    assert_eq!(poll.option_a.as_deref(), Some("Tabs"));
    assert_eq!(poll.option_d.as_deref(), Some("Neither"));
    assert_eq!(poll.option_d_votes_percentage, Some(0.55));
    assert_eq!(poll.total_votes, Some(100));
    assert_eq!(
        poll.expiration_timestamp,
        Some(at("2025-01-01T23:00:00+0000"))
    );
}

#[test]
fn replies_page() {
    let page: Page<Media> = decode("replies.json");
    let r = &page.data[0];
    assert_eq!(r.text.as_deref(), Some("First Reply"));
    assert_eq!(r.is_reply, Some(true));
    assert_eq!(r.hide_status, Some(HideStatus::NotHushed));
    assert_eq!(r.root_post.as_ref().unwrap().id, "18048791587018172");
    assert_eq!(r.replied_to.as_ref().unwrap().id, "18048791587018172");
    assert_eq!(page.cursors.before.as_deref(), Some("QVFIUkFyQ0"));
}

#[test]
fn pending_replies_page() {
    let page: Page<Media> = decode("pending_replies.json");
    assert_eq!(
        page.data[0].reply_approval_status,
        Some(ReplyApprovalStatus::Pending)
    );
    assert_eq!(page.data[0].hide_status, Some(HideStatus::Hidden));
    assert_eq!(
        page.data[1].reply_approval_status,
        Some(ReplyApprovalStatus::Ignored)
    );
}

#[test]
fn keyword_search_reads_text_as_text_post() {
    let page: Page<Media> = decode("keyword_search.json");
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].media_type, Some(MediaType::TextPost));
    assert_eq!(page.data[0].owner, None);
    assert_eq!(page.cursors.after, None);
}

#[test]
fn mentions_page() {
    let page: Page<Media> = decode("mentions.json");
    assert_eq!(page.data[0].media_type, Some(MediaType::Image));
    assert_eq!(page.data[0].username.as_deref(), Some("friend"));
}

#[test]
fn ghost_posts_page() {
    let page: Page<Media> = decode("ghost_posts.json");
    assert_eq!(
        page.data[0].ghost_post_status,
        Some(GhostPostStatus::Active)
    );
    assert_eq!(
        page.data[0].ghost_post_expiration_timestamp,
        Some(at("2025-12-16T10:00:00+0000"))
    );
    assert_eq!(
        page.data[1].ghost_post_status,
        Some(GhostPostStatus::Archived)
    );
}

#[test]
fn containers_and_publishing() {
    #[derive(serde::Deserialize)]
    struct Id {
        id: ContainerId,
    }
    let c: Id = decode("container_created.json");
    assert_eq!(c.id.as_str(), "17889615691921648");
    let p: Id = decode("publish.json");
    assert_eq!(MediaId::from(p.id).as_str(), "18031391408218291");
    let r: Id = decode("repost.json");
    assert_eq!(r.id.as_str(), "18045712345678901");

    let s: ContainerStatus = decode("container_status_finished.json");
    assert!(s.is_ready());
    let s: ContainerStatus = decode("container_status_error.json");
    assert_eq!(s.status, Some(ContainerState::Error));
    assert_eq!(
        s.error_message,
        Some(ContainerErrorCode::FailedDownloadingVideo)
    );
}

#[test]
fn delete_and_success() {
    let d: Deleted = decode("delete.json");
    assert!(d.success);
    assert_eq!(d.deleted_id, Some(MediaId::new("1234567")));
    let s: threads_api::api::Success = decode("success.json");
    assert!(s.success);
}

#[test]
fn profile_lookup() {
    let p: PublicProfile = decode("profile_lookup.json");
    assert_eq!(p.username.as_deref(), Some("meta"));
    assert_eq!(p.is_verified, Some(true));
    assert_eq!(p.follower_count, Some(1_234_567));
    assert_eq!(p.replies_count, Some(340));
    assert_eq!(p.views_count, Some(987_654));
}

#[test]
fn media_insights() {
    let r: InsightsResponse = decode("media_insights.json");
    assert_eq!(r.total(MediaMetric::Likes), Some(100));
    assert_eq!(r.total(MediaMetric::Replies), Some(7));
    let likes = r.metric("likes").unwrap();
    assert_eq!(likes.period, Some(Period::Lifetime));
    assert_eq!(likes.title.as_deref(), Some("Likes"));
    assert_eq!(
        likes.id.as_deref(),
        Some("18031391408218291/insights/likes/lifetime")
    );
    let empty: InsightsResponse = decode("media_insights_repost.json");
    assert!(empty.data.is_empty());
}

#[test]
fn user_insights_all_forms() {
    let r: InsightsResponse = decode("user_insights.json");
    let views = r.metric(UserMetric::Views).unwrap();
    let values = views.values.as_ref().unwrap();
    assert_eq!(values[1].value, 12);
    assert_eq!(values[1].end_time, Some(at("2024-06-02T07:00:00+0000")));
    assert_eq!(r.total(UserMetric::Views), Some(22));
    assert_eq!(r.total(UserMetric::Likes), Some(42));
    let clicks = r
        .metric(UserMetric::Clicks)
        .unwrap()
        .link_total_values
        .as_ref()
        .unwrap();
    assert_eq!(clicks[0].link_url, "https://example.com/a");
    assert_eq!(r.total(UserMetric::Clicks), Some(7));
    assert_eq!(r.total(UserMetric::FollowersCount), Some(1500));
    assert!(r.paging.unwrap().next.unwrap().contains("since=1717286400"));
}

#[test]
fn follower_demographics() {
    let r: InsightsResponse = decode("follower_demographics.json");
    let m = r.metric(UserMetric::FollowerDemographics).unwrap();
    let b = &m.breakdowns()[0];
    assert_eq!(
        b.dimension_keys,
        vec![DemographicBreakdown::Country.to_string()]
    );
    assert_eq!(b.results[0].dimension_values, vec!["US".to_owned()]);
    assert_eq!(b.results[0].value, 900);
    assert_eq!(m.total(), Some(1000));
}

#[test]
fn publishing_limit() {
    let r: PublishingLimits = decode("publishing_limit.json");
    let l = r.limit().unwrap();
    assert_eq!(l.quota_usage, Some(0));
    assert_eq!(l.config.unwrap().quota_total, 250);
    assert_eq!(l.config.unwrap().quota_duration, 86_400);
    assert_eq!(l.remaining_posts(), Some(250));
    assert_eq!(l.remaining_replies(), Some(1000));
    assert_eq!(l.remaining_deletes(), Some(100));
    assert_eq!(l.remaining_location_searches(), Some(500));
}

#[test]
fn locations() {
    #[derive(serde::Deserialize)]
    struct List {
        data: Vec<Location>,
    }
    let r: List = decode("location_search.json");
    assert_eq!(r.data[0].address.as_deref(), Some("1 Hacker Way"));
    // One documented example sends the id as a number.
    assert_eq!(r.data[1].id, LocationId::new("108424279189115"));
    assert_eq!(r.data[1].postal_code, None);
    let l: Location = decode("location.json");
    assert_eq!(l.longitude, Some(-122.1484));
}

#[test]
fn oembed() {
    let o: OEmbed = decode("oembed.json");
    assert_eq!(o.kind.as_deref(), Some("rich"));
    assert_eq!(o.version.as_deref(), Some("1.0"));
    assert!(o.html.contains("embed.js"));
    assert_eq!(o.provider_name.as_deref(), Some("Threads"));
    assert_eq!(o.width, Some(658));
}

#[test]
fn token_responses() {
    #[derive(serde::Deserialize)]
    struct CodeExchange {
        user_id: UserId,
    }
    // The code exchange sends user_id as a bare JSON number.
    let c: CodeExchange = decode("oauth_code_exchange.json");
    assert_eq!(c.user_id.as_str(), "17841405793187218");

    #[derive(serde::Deserialize)]
    struct LongLived {
        token_type: String,
        expires_in: u64,
    }
    let l: LongLived = decode("long_lived_token.json");
    assert_eq!((l.token_type.as_str(), l.expires_in), ("bearer", 5_183_944));
    let r: LongLived = decode("refresh_token.json");
    assert_eq!(r.expires_in, 5_184_000);

    let app: AppAccessToken = decode("app_access_token.json");
    assert_eq!(app.token_type.as_deref(), Some("bearer"));
    // The token itself never shows in Debug output.
    assert!(!format!("{app:?}").contains("abcd1234"));

    #[derive(serde::Deserialize)]
    struct Debug {
        data: TokenInfo,
    }
    let d: Debug = decode("debug_token.json");
    assert!(d.data.is_valid);
    assert_eq!(d.data.application.as_deref(), Some("My Threads App"));
    assert_eq!(d.data.user_id, Some(UserId::new("17841405793187218")));
    assert_eq!(d.data.scopes.len(), 2);
}

#[test]
fn error_bodies() {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        code: i64,
        #[serde(default)]
        error_subcode: Option<i64>,
        #[serde(rename = "type")]
        kind: String,
    }
    let e: Envelope = decode("error_nonexisting_field.json");
    assert_eq!(
        (e.error.code, e.error.kind.as_str()),
        (100, "THApiException")
    );
    let e: Envelope = decode("error_media_not_found.json");
    assert_eq!((e.error.code, e.error.error_subcode), (24, Some(4_279_009)));

    #[derive(serde::Deserialize)]
    struct Flat {
        error_type: String,
        code: i64,
        error_message: String,
    }
    let f: Flat = decode("oauth_code_exchange_error.json");
    assert_eq!((f.error_type.as_str(), f.code), ("OAuthException", 400));
    assert!(f.error_message.contains("already used"));
}

#[test]
fn unknown_enum_values_are_kept() {
    let m: Media = serde_json::from_str(
        r#"{"id":"1","media_type":"HOLOGRAM","hide_status":"SHADOWED","reply_audience":"NOBODY"}"#,
    )
    .unwrap();
    assert_eq!(m.media_type, Some(MediaType::Unknown("HOLOGRAM".into())));
    assert_eq!(m.hide_status, Some(HideStatus::Unknown("SHADOWED".into())));
    assert_eq!(
        serde_json::to_value(&m).unwrap()["reply_audience"],
        serde_json::json!("NOBODY")
    );
}

#[test]
fn decode_errors_name_the_path() {
    let body = r#"{"data":[{"id":"1"},{"id":"2","timestamp":"yesterday"}]}"#;
    let de = &mut serde_json::Deserializer::from_str(body);
    let err = serde_path_to_error::deserialize::<_, Page<Media>>(de).unwrap_err();
    assert_eq!(err.path().to_string(), "data[1].timestamp");
}

#[test]
fn media_round_trips_through_serde() {
    let page: Page<Media> = decode("user_threads.json");
    for m in &page.data {
        let json = serde_json::to_string(m).unwrap();
        let back: Media = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, m);
    }
}

mod properties {
    use proptest::prelude::*;
    use threads_api::model::{ContainerRequest, PollAttachment, TextAttachment, TextEntity};
    use threads_api::text::{TEXT_LIMIT, threads_text_len};
    use threads_api::validation::Reason;

    fn form_value(req: &ContainerRequest, key: &str) -> Option<String> {
        req.to_form()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn text_limit_matches_the_budget(text in "\\PC{1,520}") {
            let too_long = ContainerRequest::text(text.clone())
                .validation_errors()
                .iter()
                .any(|e| e.field == "text" && matches!(e.reason, Reason::TooLong { .. }));
            prop_assert_eq!(too_long, threads_text_len(&text) > TEXT_LIMIT);
        }

        #[test]
        fn json_params_round_trip(
            a in "\\PC{0,30}",
            b in "\\PC{0,30}",
            c in proptest::option::of("\\PC{0,30}"),
            plain in "\\PC{0,50}",
            link in proptest::option::of("https://[a-z]{1,10}\\.example/[a-z0-9]{0,8}"),
            offset in 0u64..1000,
            length in 0u64..1000,
        ) {
            let mut poll = PollAttachment::new(a, b);
            poll.option_c = c;
            let mut att = TextAttachment::new(plain);
            att.link_attachment_url = link;
            let req = ContainerRequest::text("t")
                .poll_attachment(poll.clone())
                .text_attachment(att.clone())
                .spoiler(offset, length);
            // Validation never panics, whatever the values.
            let _ = req.validation_errors();
            let poll_json = form_value(&req, "poll_attachment").unwrap();
            prop_assert_eq!(serde_json::from_str::<PollAttachment>(&poll_json).unwrap(), poll);
            let att_json = form_value(&req, "text_attachment").unwrap();
            prop_assert_eq!(serde_json::from_str::<TextAttachment>(&att_json).unwrap(), att);
            let ents_json = form_value(&req, "text_entities").unwrap();
            prop_assert_eq!(
                serde_json::from_str::<Vec<TextEntity>>(&ents_json).unwrap(),
                vec![TextEntity::spoiler(offset, length)]
            );
        }
    }
}
