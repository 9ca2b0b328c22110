//! Locations against the emulator: search by name and by coordinates, reading one
//! location, the coordinates rule checked client-side, and tagging a post with a location.

mod common;

use threads_api::Error;
use threads_api::ids::LocationId;
use threads_api::model::{ContainerRequest, Fields, MediaField};
use threads_emulator::LocationSpec;

use common::env;

#[tokio::test]
async fn location_search_and_tagging() {
    let env = env().await;
    let park = env.admin().add_location(LocationSpec {
        name: "Menlo Park Visitor Center".into(),
        address: "1 Hacker Way".into(),
        city: "Menlo Park".into(),
        country: "US".into(),
        latitude: 37.4848,
        longitude: -122.1484,
        postal_code: "94025".into(),
    });
    env.admin().add_location(LocationSpec {
        name: "Louvre".into(),
        city: "Paris".into(),
        country: "FR".into(),
        latitude: 48.8606,
        longitude: 2.3376,
        ..LocationSpec::default()
    });
    let locations = env.account.locations();
    let found = locations
        .search()
        .query("menlo")
        .send()
        .await
        .expect("search");
    assert!(found.iter().any(|l| l.id.as_str() == park), "{found:?}");
    let mentions_menlo = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|n| n.to_lowercase().contains("menlo"))
    };
    assert!(
        found
            .iter()
            .all(|l| mentions_menlo(&l.name) || mentions_menlo(&l.city)),
        "only matching locations: {found:?}"
    );
    assert!(
        found.iter().all(|l| l.name.as_deref() != Some("Louvre")),
        "{found:?}"
    );
    let near = locations
        .search()
        .coordinates(48.86, 2.34)
        .send()
        .await
        .expect("search by coordinates");
    assert_eq!(near.first().and_then(|l| l.name.as_deref()), Some("Louvre"));
    let one = locations
        .get(&LocationId::new(park.clone()))
        .send()
        .await
        .expect("location");
    assert_eq!(one.city.as_deref(), Some("Menlo Park"));
    assert_eq!(one.latitude, Some(37.4848));
    let bad = locations
        .search()
        .latitude(10.0)
        .send()
        .await
        .expect_err("latitude without longitude");
    assert!(matches!(bad, Error::Validation(_)), "{bad:?}");

    // Tag a post with the location and read it back.
    let post = env
        .publish_steps(ContainerRequest::text("at the park").location(park.clone()))
        .await;
    let read = env
        .account
        .posts()
        .get(&post)
        .fields(
            Fields::new()
                .field(MediaField::Id)
                .field(MediaField::LocationId)
                .nested(MediaField::Location, ["id", "name"]),
        )
        .send()
        .await
        .expect("read");
    assert_eq!(
        read.location_id.as_ref().map(|l| l.as_str()),
        Some(park.as_str())
    );
    assert_eq!(
        read.location.and_then(|l| l.name).as_deref(),
        Some("Menlo Park Visitor Center")
    );
}
