//! Shared helpers for the emulator's integration tests: plain reqwest + serde_json.
#![allow(dead_code)]

use secrecy::ExposeSecret;
use serde_json::Value;
use threads_emulator::{
    Admin, AppInfo, AppSpec, Emulator, RunningEmulator, TokenSpec, UserInfo, UserSpec,
};

pub(crate) const REDIRECT: &str = "https://app.example/callback";

pub(crate) struct Env {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub app: AppInfo,
    pub user: UserInfo,
    pub token: String,
}

pub(crate) async fn env() -> Env {
    env_with(Emulator::builder().seed(1)).await
}

pub(crate) async fn env_with(b: threads_emulator::EmulatorBuilder) -> Env {
    let emu = b.start().await.expect("emulator starts");
    let admin = emu.admin().clone();
    let app = admin
        .create_app(AppSpec {
            name: "Test App".into(),
            redirect_uris: vec![REDIRECT.into()],
            ..AppSpec::default()
        })
        .expect("app");
    let user = admin
        .create_user(UserSpec {
            username: "alice".into(),
            followers: 500,
            geo_gating: true,
            ..UserSpec::default()
        })
        .expect("user");
    let token = admin
        .mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })
        .expect("token")
        .access_token
        .expose_secret()
        .to_owned();
    Env {
        emu,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        app,
        user,
        token,
    }
}

pub(crate) async fn read(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, v)
}

pub(crate) fn code(v: &Value) -> i64 {
    v["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error code in {v}"))
}

pub(crate) fn subcode(v: &Value) -> Option<i64> {
    v["error"]["error_subcode"].as_i64()
}

impl Env {
    pub(crate) fn admin(&self) -> &Admin {
        self.emu.admin()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    pub(crate) async fn get(&self, path: &str, q: &[(&str, &str)]) -> (u16, Value) {
        self.get_as(&self.token, path, q).await
    }

    pub(crate) async fn get_as(&self, token: &str, path: &str, q: &[(&str, &str)]) -> (u16, Value) {
        let res = self
            .http
            .get(self.url(path))
            .query(q)
            .query(&[("access_token", token)])
            .send()
            .await
            .expect("request");
        read(res).await
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.post_as(&self.token, path, form).await
    }

    pub(crate) async fn post_as(
        &self,
        token: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("access_token", token));
        let res = self
            .http
            .post(self.url(path))
            .form(&f)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    pub(crate) async fn delete(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .delete(self.url(path))
            .query(&[("access_token", self.token.as_str())])
            .send()
            .await
            .expect("request");
        read(res).await
    }

    /// A token for another user (all scopes unless given).
    pub(crate) fn token_for(&self, user_id: &str, scopes: Option<&[&str]>) -> String {
        self.admin()
            .mint_token(TokenSpec {
                app_id: self.app.id.clone(),
                user_id: user_id.into(),
                scopes: scopes.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
                long_lived: true,
                ..TokenSpec::default()
            })
            .expect("token")
            .access_token
            .expose_secret()
            .to_owned()
    }

    pub(crate) fn user(&self, name: &str, followers: u64) -> UserInfo {
        self.admin()
            .create_user(UserSpec {
                username: name.into(),
                followers,
                ..UserSpec::default()
            })
            .expect("user")
    }

    /// Creates and publishes a text post; returns the media id.
    pub(crate) async fn publish_text(&self, text: &str) -> String {
        self.publish_text_as(&self.token, text, &[]).await
    }

    pub(crate) async fn publish_text_as(
        &self,
        token: &str,
        text: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let mut form = vec![("media_type", "TEXT"), ("text", text)];
        form.extend_from_slice(extra);
        let (s, v) = self.post_as(token, "/v1.0/me/threads", &form).await;
        assert_eq!(s, 200, "create failed: {v}");
        let cid = v["id"].as_str().expect("container id").to_owned();
        let (s, v) = self
            .post_as(token, "/v1.0/me/threads_publish", &[("creation_id", &cid)])
            .await;
        assert_eq!(s, 200, "publish failed: {v}");
        v["id"].as_str().expect("media id").to_owned()
    }
}
