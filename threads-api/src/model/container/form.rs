//! The wire encoding of a [`ContainerRequest`]: the form parameters of
//! `POST /{threads-user-id}/threads`.

use serde::Serialize;

use crate::ids::{ContainerId, LocationId, MediaId};
use crate::model::container::{ContainerRequest, ReplyControl};

impl ContainerRequest {
    /// The exact wire parameters, in a stable order: object parameters as
    /// JSON strings, lists comma-separated, `media_type` upper-case,
    /// `reply_control` lower-case, flags as `"true"` (only when set).
    pub fn to_form(&self) -> Vec<(&'static str, String)> {
        let mut form: Vec<(&'static str, String)> = Vec::new();
        form.push(("media_type", self.media_type.as_str().to_owned()));
        let mut opt = |key: &'static str, value: Option<&str>| {
            if let Some(v) = value {
                form.push((key, v.to_owned()));
            }
        };
        opt("text", self.text.as_deref());
        opt("image_url", self.image_url.as_deref());
        opt("video_url", self.video_url.as_deref());
        opt(
            "reply_to_id",
            self.reply_to_id.as_ref().map(MediaId::as_str),
        );
        opt(
            "reply_control",
            self.reply_control.as_ref().map(ReplyControl::as_str),
        );
        opt(
            "quote_post_id",
            self.quote_post_id.as_ref().map(MediaId::as_str),
        );
        opt("link_attachment", self.link_attachment.as_deref());
        opt("alt_text", self.alt_text.as_deref());
        opt(
            "location_id",
            self.location_id.as_ref().map(LocationId::as_str),
        );
        opt("topic_tag", self.topic_tag.as_deref());
        if !self.children.is_empty() {
            let ids: Vec<&str> = self.children.iter().map(ContainerId::as_str).collect();
            form.push(("children", ids.join(",")));
        }
        if !self.allowlisted_country_codes.is_empty() {
            let codes: Vec<String> = self
                .allowlisted_country_codes
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect();
            form.push(("allowlisted_country_codes", codes.join(",")));
        }
        if let Some(poll) = &self.poll_attachment {
            form.push(("poll_attachment", to_json(poll)));
        }
        if let Some(gif) = &self.gif_attachment {
            form.push(("gif_attachment", to_json(gif)));
        }
        if !self.text_entities.is_empty() {
            form.push(("text_entities", to_json(&self.text_entities)));
        }
        if let Some(att) = &self.text_attachment {
            form.push(("text_attachment", to_json(att)));
        }
        for (key, set) in [
            ("is_carousel_item", self.is_carousel_item),
            ("auto_publish_text", self.auto_publish_text),
            ("is_spoiler_media", self.is_spoiler_media),
            ("is_ghost_post", self.is_ghost_post),
            ("enable_reply_approvals", self.enable_reply_approvals),
            ("crossreshare_to_ig", self.crossreshare_to_ig),
            (
                "crossreshare_to_ig_dark_mode",
                self.crossreshare_to_ig_dark_mode,
            ),
        ] {
            if set {
                form.push((key, "true".to_owned()));
            }
        }
        form
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // These types are plain structs of strings, integers and string enums,
    // whose serialization cannot fail.
    serde_json::to_string(value).expect("attachment types always serialize to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GifAttachment, GifProvider, TextAttachment, TextStyle};

    #[test]
    fn form_encoding() {
        let req = ContainerRequest::text("Hello")
            .reply_to("111")
            .reply_control(ReplyControl::ParentPostAuthorOnly)
            .quote("222")
            .link_attachment("https://l.x")
            .allowlisted_country_codes(["us", "CA"])
            .location("333")
            .topic_tag("Rust")
            .gif_attachment(GifAttachment::new("abc", GifProvider::Tenor))
            .spoiler(0, 2)
            .auto_publish_text(true)
            .reply_approvals(true)
            .crossreshare_to_ig(true)
            .crossreshare_to_ig_dark_mode(true);
        let form = req.to_form();
        let want: Vec<(&str, &str)> = vec![
            ("media_type", "TEXT"),
            ("text", "Hello"),
            ("reply_to_id", "111"),
            ("reply_control", "parent_post_author_only"),
            ("quote_post_id", "222"),
            ("link_attachment", "https://l.x"),
            ("location_id", "333"),
            ("topic_tag", "Rust"),
            ("allowlisted_country_codes", "US,CA"),
            ("gif_attachment", r#"{"gif_id":"abc","provider":"TENOR"}"#),
            (
                "text_entities",
                r#"[{"entity_type":"SPOILER","offset":0,"length":2}]"#,
            ),
            ("auto_publish_text", "true"),
            ("enable_reply_approvals", "true"),
            ("crossreshare_to_ig", "true"),
            ("crossreshare_to_ig_dark_mode", "true"),
        ];
        let got: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, want);

        let carousel = ContainerRequest::carousel(["1", "2", "3"]).spoiler_media(true);
        assert_eq!(
            carousel.to_form(),
            vec![
                ("media_type", "CAROUSEL".to_owned()),
                ("children", "1,2,3".to_owned()),
                ("is_spoiler_media", "true".to_owned()),
            ]
        );
        let item = ContainerRequest::video("https://v.x/a.mp4")
            .carousel_item(true)
            .alt_text("a cat");
        assert_eq!(
            item.to_form(),
            vec![
                ("media_type", "VIDEO".to_owned()),
                ("video_url", "https://v.x/a.mp4".to_owned()),
                ("alt_text", "a cat".to_owned()),
                ("is_carousel_item", "true".to_owned()),
            ]
        );
        let att = ContainerRequest::text("t").text_attachment(
            TextAttachment::new("Bold start")
                .style(0, 4, [TextStyle::Bold, TextStyle::Underline])
                .link("https://x.y"),
        );
        assert_eq!(
            att.to_form()[2],
            (
                "text_attachment",
                r#"{"plaintext":"Bold start","link_attachment_url":"https://x.y","text_with_styling_info":[{"offset":0,"length":4,"styling_info":["bold","underline"]}]}"#.to_owned()
            )
        );
    }
}
