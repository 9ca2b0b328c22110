//! The account's own profile: `GET /{user}` (or `/me`).
//!
//! Only the token owner's profile can be read this way; other public profiles are
//! reached through profile discovery (`/profile_lookup`).

use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::model::{Fields, Profile, ProfileField, SearchedKeyword};

impl AccountClient {
    /// The account's profile.
    pub fn profile(&self) -> ProfileHandler {
        ProfileHandler {
            account: self.clone(),
        }
    }
}

/// Profile operations of one account.
#[derive(Debug, Clone)]
pub struct ProfileHandler {
    account: AccountClient,
}

impl ProfileHandler {
    /// Reads the profile, by default with [`ProfileField::BASIC`] (id, username, name,
    /// picture, biography, verification).
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, model::{Fields, ProfileField}};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let profile = account
    ///     .profile()
    ///     .get()
    ///     .fields(Fields::of([ProfileField::Username, ProfileField::IsEligibleForGeoGating]))
    ///     .send()
    ///     .await?;
    /// # let _ = profile; Ok(()) }
    /// ```
    pub fn get(&self) -> GetProfile {
        GetProfile {
            account: self.account.clone(),
            fields: None,
        }
    }

    /// The keywords the user searched recently (`fields=recently_searched_keywords`),
    /// newest first as Meta returns them.
    ///
    /// # Errors
    /// Any request error.
    pub async fn recently_searched_keywords(&self) -> Result<Vec<SearchedKeyword>> {
        let profile = self
            .get()
            .fields(Fields::of([ProfileField::RecentlySearchedKeywords]))
            .send()
            .await?;
        Ok(profile.recently_searched_keywords.unwrap_or_default())
    }
}

/// Builder of `GET /{user}`. Created by [`ProfileHandler::get`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct GetProfile {
    account: AccountClient,
    /// The selection; `None` is [`ProfileField::BASIC`], built only when the request is
    /// sent without an explicit selection.
    fields: Option<Fields>,
}

impl GetProfile {
    /// Replaces the field selection (empty: only `id`).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Selects every documented profile field.
    pub fn all_fields(self) -> Self {
        self.fields(Fields::of(ProfileField::ALL))
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Any request error.
    pub async fn send(self) -> Result<Profile> {
        let fields = self
            .fields
            .unwrap_or_else(|| Fields::of(ProfileField::BASIC));
        let mut spec = RequestSpec::get([self.account.user_id.as_str()]);
        if !fields.is_empty() {
            spec = spec.query("fields", fields.render());
        }
        self.account
            .client
            .send(spec.token(&self.account.token))
            .await
    }
}

awaitable!(GetProfile => Profile);
