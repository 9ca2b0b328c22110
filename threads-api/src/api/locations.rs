//! Location tagging: `GET /location_search` and `GET /{location-id}`.
//!
//! Needs `threads_location_tagging`; without approval only the query
//! "Menlo Park" works. Quota: 500 searches per rolling 24 hours. Tag a found
//! place on a post with
//! [`ContainerRequest::location`](crate::model::ContainerRequest::location).

use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::ids::LocationId;
use crate::model::{DataList, Fields, Location, LocationField};
use crate::validation::{Reason, ValidationError};

impl AccountClient {
    /// Place search and lookup.
    pub fn locations(&self) -> LocationsHandler {
        LocationsHandler {
            account: self.clone(),
        }
    }
}

/// Location operations, authenticated as one account.
#[derive(Debug, Clone)]
pub struct LocationsHandler {
    account: AccountClient,
}

impl LocationsHandler {
    /// Searches places by text, by coordinates, or both.
    ///
    /// ```no_run
    /// # use threads_api::AccountClient;
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let places = account
    ///     .locations()
    ///     .search()
    ///     .query("Menlo Park")
    ///     .coordinates(37.4848, -122.1484)
    ///     .send()
    ///     .await?;
    /// # let _ = places; Ok(()) }
    /// ```
    pub fn search(&self) -> LocationSearch {
        LocationSearch {
            account: self.account.clone(),
            query: None,
            latitude: None,
            longitude: None,
            fields: Fields::of(LocationField::ALL),
        }
    }

    /// One place by ID, with every location field.
    pub fn get(&self, id: &LocationId) -> GetLocation {
        GetLocation {
            account: self.account.clone(),
            id: id.clone(),
            fields: Fields::of(LocationField::ALL),
        }
    }
}

/// Builder of `GET /location_search`. Created by [`LocationsHandler::search`].
///
/// Needs a query, or coordinates, or both; `latitude` and `longitude` go
/// together (−90..=90 and −180..=180). The text is sent as `q` (the guide,
/// the Postman collection and other clients use `q`; one reference page says
/// `query`).
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct LocationSearch {
    account: AccountClient,
    query: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    fields: Fields,
}

impl LocationSearch {
    /// The search text (`q`).
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Both coordinates, in degrees.
    pub fn coordinates(mut self, latitude: f64, longitude: f64) -> Self {
        self.latitude = Some(latitude);
        self.longitude = Some(longitude);
        self
    }

    /// Only the latitude (must be paired with [`longitude`](Self::longitude)).
    pub fn latitude(mut self, latitude: f64) -> Self {
        self.latitude = Some(latitude);
        self
    }

    /// Only the longitude (must be paired with [`latitude`](Self::latitude)).
    pub fn longitude(mut self, longitude: f64) -> Self {
        self.longitude = Some(longitude);
        self
    }

    /// Replaces the field selection (default: every [`LocationField`]).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = fields;
        self
    }

    /// Checks the parameter combination.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the offending parameter.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(q) = &self.query
            && q.trim().is_empty()
        {
            return Err(ValidationError::new(
                "q",
                Reason::TooShort { min: 1, actual: 0 },
            ));
        }
        match (self.latitude, self.longitude) {
            (Some(_), None) => {
                return Err(ValidationError::new(
                    "longitude",
                    Reason::Required {
                        when: "with latitude",
                    },
                ));
            }
            (None, Some(_)) => {
                return Err(ValidationError::new(
                    "latitude",
                    Reason::Required {
                        when: "with longitude",
                    },
                ));
            }
            (Some(lat), Some(lon)) => {
                check_degrees("latitude", lat, 90.0)?;
                check_degrees("longitude", lon, 180.0)?;
            }
            (None, None) if self.query.is_none() => {
                return Err(ValidationError::new(
                    "q",
                    Reason::Required {
                        when: "unless latitude and longitude are given",
                    },
                ));
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Sends the request. The result is not paginated.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) (see
    /// [`validate`](Self::validate)); any request error.
    pub async fn send(self) -> Result<Vec<Location>> {
        self.validate()?;
        let spec = RequestSpec::get(["location_search"])
            .query_opt("q", self.query.clone())
            .query_opt("latitude", self.latitude.map(|v| v.to_string()))
            .query_opt("longitude", self.longitude.map(|v| v.to_string()))
            .query_opt(
                "fields",
                (!self.fields.is_empty()).then(|| self.fields.render()),
            )
            .token(&self.account.token);
        let list: DataList<Location> = self.account.client.send(spec).await?;
        Ok(list.data)
    }
}

fn check_degrees(field: &'static str, value: f64, max: f64) -> Result<(), ValidationError> {
    if value.is_finite() && (-max..=max).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Reason::Invalid {
                message: format!("{value} is not within -{max}..={max} degrees"),
            },
        ))
    }
}

/// Builder of `GET /{location-id}`. Created by [`LocationsHandler::get`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct GetLocation {
    account: AccountClient,
    id: LocationId,
    fields: Fields,
}

impl GetLocation {
    /// Replaces the field selection (default: every [`LocationField`]).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = fields;
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Any request error.
    pub async fn send(self) -> Result<Location> {
        let spec = RequestSpec::get([self.id.as_str()])
            .query_opt(
                "fields",
                (!self.fields.is_empty()).then(|| self.fields.render()),
            )
            .token(&self.account.token);
        self.account.client.send(spec).await
    }
}

awaitable!(LocationSearch => Vec<Location>);
awaitable!(GetLocation => Location);
