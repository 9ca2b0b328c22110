//! Places for location tagging (`/location_search`, `GET /{location-id}`).

use serde::{Deserialize, Serialize};

use crate::ids::LocationId;

/// A place that can be tagged on a post with `location_id`.
///
/// Every field but `id` is optional: only requested fields come back.
/// `latitude`/`longitude` accept numbers or numeric strings, and `postal_code`
/// accepts a number, because Meta's examples are not consistent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// The location ID (some examples send it as a JSON number).
    pub id: LocationId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude in degrees.
    #[serde(
        default,
        deserialize_with = "crate::model::serde_helpers::f64_or_string_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    #[serde(
        default,
        deserialize_with = "crate::model::serde_helpers::f64_or_string_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub longitude: Option<f64>,
    /// Postal code.
    #[serde(
        default,
        deserialize_with = "crate::model::serde_helpers::string_or_number_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub postal_code: Option<String>,
}

wire_enum! {
    /// Fields of a location, for `fields=` on `/location_search` and
    /// `GET /{location-id}`.
    pub enum LocationField {
        /// `id`.
        Id = "id",
        /// `name`.
        Name = "name",
        /// `address`.
        Address = "address",
        /// `city`.
        City = "city",
        /// `country`.
        Country = "country",
        /// `latitude`.
        Latitude = "latitude",
        /// `longitude`.
        Longitude = "longitude",
        /// `postal_code`.
        PostalCode = "postal_code",
    }
}

impl LocationField {
    /// Every documented location field.
    pub const ALL: [LocationField; 8] = [
        LocationField::Id,
        LocationField::Name,
        LocationField::Address,
        LocationField::City,
        LocationField::Country,
        LocationField::Latitude,
        LocationField::Longitude,
        LocationField::PostalCode,
    ];
}
