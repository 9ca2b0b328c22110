//! Remixing a source into a draft through named, customisable prompt
//! templates: [`RemixTemplates`] and [`Pipeline::remix_source`].

use std::collections::BTreeMap;

use persona_core::PromptEngine;
use store_traits::{SourceId, SourceKind, SourceStatus};

use super::error::SourceError;
use crate::actor::Actor;
use crate::drafts::{Drafted, GenerateRequest};
use crate::error::Result;
use crate::pipeline::Pipeline;

/// One practical takeaway from the source.
const TAKEAWAY: &str = r#"{{ task_header }}
Write one post that gives {{ persona.name }}'s readers the single most practical takeaway of the source below, as advice they can act on today, between {{ min_chars }} and {{ max_chars }} characters. Do not invent facts that are not in the source.{% if task.url %} The post may end with this link: {{ task.url }}{% endif %}

{% if task.title %}
Source title: {{ task.title }}
{% endif %}
Source (data):
{{ task.source }}
{% if examples %}

Earlier posts by {{ persona.name }}, for voice only (data; do not copy them):
{% for example in examples %}
{{ example }}
{% endfor %}
{% endif %}"#;

/// The source's point, then a question to the readers.
const QUESTION: &str = r#"{{ task_header }}
Write one post that states the main point of the source below in {{ persona.name }}'s own words and ends with one open question to the readers about it, between {{ min_chars }} and {{ max_chars }} characters. Do not invent facts that are not in the source.{% if task.url %} The post may end with this link: {{ task.url }}{% endif %}

{% if task.title %}
Source title: {{ task.title }}
{% endif %}
Source (data):
{{ task.source }}
{% if examples %}

Earlier posts by {{ persona.name }}, for voice only (data; do not copy them):
{% for example in examples %}
{{ example }}
{% endfor %}
{% endif %}"#;

/// Named prompt templates for remixing a source into a post.
///
/// Each is a minijinja template for persona-core's `remix` prompt: it sees
/// `persona`, `task` (`task.source`, `task.url`, `task.title`, the source
/// text already fenced as data), `examples`, `min_chars`, `max_chars`,
/// `max_hashtags`, `language_name`, `data_notice` and `task_header` (see
/// [`persona_core::prompt`]). Without a name, [`Pipeline::remix_source`]
/// uses persona-core's own `remix` template.
///
/// Built in: `takeaway` (one practical takeaway) and `question` (the main
/// point, then a question to the readers). [`insert`](Self::insert) adds a
/// template or replaces one (built-ins included); each is compiled and
/// test-rendered first, so a broken template is refused when it is added,
/// not when a draft is written.
///
/// ```
/// use content_pipeline::sources::RemixTemplates;
///
/// let mut templates = RemixTemplates::new();
/// templates
///     .insert(
///         "listicle",
///         "{{ task_header }}\nTurn the source into three short tips, at most {{ max_chars }} characters.\n\n{{ task.source }}",
///     )
///     .unwrap();
/// assert!(templates.get("listicle").is_some());
/// assert!(templates.insert("broken", "{% if %}").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemixTemplates {
    templates: BTreeMap<String, String>,
}

impl Default for RemixTemplates {
    fn default() -> Self {
        Self::new()
    }
}

impl RemixTemplates {
    /// The built-in templates (`takeaway`, `question`).
    pub fn new() -> Self {
        let templates = [("takeaway", TAKEAWAY), ("question", QUESTION)]
            .into_iter()
            .map(|(name, source)| (name.to_owned(), source.to_owned()))
            .collect();
        Self { templates }
    }

    /// No templates at all (only persona-core's default `remix` prompt).
    pub fn empty() -> Self {
        Self {
            templates: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) the template `name`, after compiling and
    /// test-rendering it. A blank name is refused.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        source: impl Into<String>,
    ) -> Result<(), persona_core::Error> {
        let name = name.into();
        let source = source.into();
        if name.trim().is_empty() {
            return Err(persona_core::Error::UnknownTemplate { name });
        }
        PromptEngine::new().override_template("remix", &source)?;
        self.templates.insert(name, source);
        Ok(())
    }

    /// The template's source.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.templates.get(name).map(String::as_str)
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.templates.keys().map(String::as_str)
    }
}

impl Pipeline {
    /// The named remix templates this pipeline knows.
    pub fn remix_templates(&self) -> &RemixTemplates {
        &self.inner.remix_templates
    }

    /// The prompt engine for one generation: the pipeline's own when nothing
    /// differs, else a fresh one with the account's examples and, for a
    /// named template, that template as the `remix` prompt.
    pub(crate) fn prompt_engine_for(
        &self,
        template: Option<&str>,
        examples: &[String],
    ) -> Result<Option<PromptEngine>> {
        if template.is_none() && examples.is_empty() {
            return Ok(None);
        }
        let mut engine = PromptEngine::new()
            .with_limits(self.inner.publisher.text_limits())
            .with_examples(examples.to_vec());
        if let Some(name) = template {
            let source = self.inner.remix_templates.get(name).ok_or_else(|| {
                SourceError::UnknownTemplate {
                    name: name.to_owned(),
                }
            })?;
            engine.override_template("remix", source)?;
        }
        Ok(Some(engine))
    }

    /// Writes a draft from a ready source, in the account's voice, through
    /// [`generate_draft`](Pipeline::generate_draft): with the named template
    /// (see [`RemixTemplates`]), or persona-core's default `remix` prompt
    /// when `template` is `None`. The source's text, link and title go into
    /// the prompt as data; the draft records the source.
    ///
    /// Refused with [`Error::Source`](crate::Error::Source):
    /// [`NearDuplicate`](SourceError::NearDuplicate) when the text written
    /// is nearly the same as a recent draft or post of the account (nothing
    /// is stored; the error names that draft),
    /// [`UnknownTemplate`](SourceError::UnknownTemplate),
    /// [`NotReady`](SourceError::NotReady) for a pending or failed source,
    /// [`WrongKind`](SourceError::WrongKind) for a feed (its items are
    /// sources of their own).
    pub async fn remix_source(
        &self,
        source_id: SourceId,
        template: Option<&str>,
        actor: &Actor,
    ) -> Result<Drafted> {
        let source = self.require_source(source_id).await?;
        if source.kind == SourceKind::Feed {
            return Err(SourceError::WrongKind {
                source_id,
                kind: source.kind,
                operation: "remix",
            }
            .into());
        }
        let text = source
            .content
            .as_deref()
            .or(source.summary.as_deref())
            .filter(|t| !t.trim().is_empty());
        let (SourceStatus::Ready, Some(text)) = (source.status, text) else {
            return Err(SourceError::NotReady {
                source_id,
                status: source.status,
            }
            .into());
        };
        if let Some(name) = template
            && self.inner.remix_templates.get(name).is_none()
        {
            return Err(SourceError::UnknownTemplate {
                name: name.to_owned(),
            }
            .into());
        }
        let mut request = GenerateRequest::remix(source.account_id, text).source(source.id);
        request.source_title = source.title.clone();
        request.source_url = source.url.clone();
        request.template = template.map(str::to_owned);
        self.generate_draft(request, actor).await
    }
}
