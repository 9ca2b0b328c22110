//! Locations: `GET /location_search` and `GET /{location-id}`.

mod common;

use common::{QueryKeys, TOKEN, account, fixture, json, server};
use threads_api::Error;
use threads_api::ids::LocationId;
use threads_api::model::{Fields, LocationField};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const ALL_FIELDS: &str = "id,name,address,city,country,latitude,longitude,postal_code";

#[tokio::test]
async fn search_by_query_and_coordinates() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/location_search"))
        .and(query_param("q", "Menlo Park"))
        .and(query_param("latitude", "37.4848"))
        .and(query_param("longitude", "-122.1484"))
        .and(query_param("fields", ALL_FIELDS))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec![
            "q",
            "latitude",
            "longitude",
            "fields",
            "access_token",
        ]))
        .respond_with(json(200, &fixture("location_search.json")))
        .expect(1)
        .mount(&server)
        .await;
    let places = account(&server)
        .locations()
        .search()
        .query("Menlo Park")
        .coordinates(37.4848, -122.1484)
        .send()
        .await
        .unwrap();
    assert_eq!(places.len(), 2);
    assert_eq!(places[0].name.as_deref(), Some("Menlo Park"));
    assert_eq!(places[0].postal_code.as_deref(), Some("94025"));
    assert_eq!(places[1].id, LocationId::new("108424279189115"));
}

#[tokio::test]
async fn search_by_coordinates_only_with_custom_fields() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/location_search"))
        .and(query_param("latitude", "0"))
        .and(query_param("longitude", "180"))
        .and(query_param("fields", "id,name"))
        .and(QueryKeys(vec![
            "latitude",
            "longitude",
            "fields",
            "access_token",
        ]))
        .respond_with(json(200, r#"{"data":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let places = account(&server)
        .locations()
        .search()
        .latitude(0.0)
        .longitude(180.0)
        .fields(Fields::of([LocationField::Id, LocationField::Name]))
        .send()
        .await
        .unwrap();
    assert!(places.is_empty());
}

#[tokio::test]
async fn invalid_searches_are_not_sent() {
    let server = server().await;
    let acc = account(&server);
    let search = || acc.locations().search();
    let cases = [
        (search(), "q"),
        (search().query("  "), "q"),
        (search().latitude(1.0), "longitude"),
        (search().query("x").longitude(1.0), "latitude"),
        (search().coordinates(90.5, 0.0), "latitude"),
        (search().coordinates(0.0, -180.5), "longitude"),
        (search().coordinates(f64::NAN, 0.0), "latitude"),
    ];
    for (req, field) in cases {
        let err = req.send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation(v) if v.field == field),
            "{field}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_location_by_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/7640348500"))
        .and(query_param("fields", ALL_FIELDS))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(200, &fixture("location.json")))
        .expect(1)
        .mount(&server)
        .await;
    let place = account(&server)
        .locations()
        .get(&LocationId::new("7640348500"))
        .await
        .unwrap();
    assert_eq!(place.address.as_deref(), Some("1 Hacker Way"));
    assert_eq!(place.latitude, Some(37.4848));
}
