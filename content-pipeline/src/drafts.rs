//! Drafts: written by a person or the model, checked, approved or rejected,
//! edited with history, scheduled.

use chrono::{DateTime, TimeDelta, Utc};
use persona_core::{Guardrails, Persona, PromptEngine, StyleProfile, Violation};
use serde::{Deserialize, Serialize};
use store_traits::{
    AccountId, Decision, DecisionKind, Draft, DraftFilter, DraftId, DraftKind, DraftMedia,
    DraftQuality, DraftState, FenceToken, RecordKind, SourceId,
};
use tracing::debug;

use crate::actor::Actor;
use crate::config::ApprovalMode;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::Task;
use crate::pipeline::Pipeline;
use crate::roles::Operation;
use crate::schedule::{When, next_free_slot, resolve_local};

/// Writes that race a person's edit are retried this many times.
const CAS_ATTEMPTS: u32 = 10;

/// A draft written by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewDraft {
    /// The account it will be published on.
    pub account_id: AccountId,
    /// Post, reply or quote.
    pub kind: DraftKind,
    /// The text.
    pub text: String,
    /// Media, in order.
    pub media: Vec<DraftMedia>,
    /// A topic tag.
    pub topic_tag: Option<String>,
    /// The network's id of the post replied to or quoted.
    pub target: Option<String>,
    /// The source it was made from.
    pub source_id: Option<SourceId>,
}

impl NewDraft {
    /// A top-level post.
    pub fn post(account_id: AccountId, text: impl Into<String>) -> Self {
        Self {
            account_id,
            kind: DraftKind::Post,
            text: text.into(),
            media: Vec::new(),
            topic_tag: None,
            target: None,
            source_id: None,
        }
    }

    /// A reply to the network's post `to`.
    pub fn reply(account_id: AccountId, to: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            kind: DraftKind::Reply,
            target: Some(to.into()),
            ..Self::post(account_id, text)
        }
    }

    /// A quote of the network's post `of`.
    pub fn quote(account_id: AccountId, of: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            kind: DraftKind::Quote,
            target: Some(of.into()),
            ..Self::post(account_id, text)
        }
    }

    /// Adds media.
    pub fn media(mut self, media: Vec<DraftMedia>) -> Self {
        self.media = media;
        self
    }

    /// Sets the topic tag.
    pub fn topic_tag(mut self, tag: impl Into<String>) -> Self {
        self.topic_tag = Some(tag.into());
        self
    }

    /// Records the source.
    pub fn source(mut self, source_id: SourceId) -> Self {
        self.source_id = Some(source_id);
        self
    }
}

/// A draft to be written by the model in the account's voice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GenerateRequest {
    /// The account.
    pub account_id: Option<AccountId>,
    /// What to write about (a post from a topic).
    pub topic: Option<String>,
    /// Material to remix (an article's text); takes precedence over `topic`.
    pub source_text: Option<String>,
    /// The source's URL, shown in the prompt.
    pub source_url: Option<String>,
    /// The source's title.
    pub source_title: Option<String>,
    /// The stored source, recorded on the draft. A draft made from a
    /// stored source is refused when it nearly duplicates a recent draft or
    /// post of the account.
    pub source_id: Option<SourceId>,
    /// A named remix template to write with instead of the default `remix`
    /// prompt (see [`RemixTemplates`](crate::sources::RemixTemplates)).
    pub template: Option<String>,
}

impl GenerateRequest {
    /// A post about `topic`.
    pub fn topic(account_id: AccountId, topic: impl Into<String>) -> Self {
        Self {
            account_id: Some(account_id),
            topic: Some(topic.into()),
            ..Self::default()
        }
    }

    /// A post remixing `text`.
    pub fn remix(account_id: AccountId, text: impl Into<String>) -> Self {
        Self {
            account_id: Some(account_id),
            source_text: Some(text.into()),
            ..Self::default()
        }
    }

    /// Sets the source's URL and title.
    pub fn from_url(mut self, url: impl Into<String>, title: Option<String>) -> Self {
        self.source_url = Some(url.into());
        self.source_title = title;
        self
    }

    /// Records the stored source.
    pub fn source(mut self, source_id: SourceId) -> Self {
        self.source_id = Some(source_id);
        self
    }

    /// Writes with the named remix template.
    pub fn template(mut self, name: impl Into<String>) -> Self {
        self.template = Some(name.into());
        self
    }
}

/// One text the model offered, with how it scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Candidate {
    /// The text as written.
    pub text: String,
    /// How well it matches the account's voice (0..1), when a style profile exists.
    pub voice_score: Option<f64>,
    /// What the guardrails found.
    pub findings: Vec<String>,
}

/// A stored draft and, for long texts, the reply-chain parts that follow it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Drafted {
    /// The draft (the chain's first part).
    pub draft: Draft,
    /// Parts 2.. of a reply chain, in order (empty for a single post).
    pub followers: Vec<Draft>,
    /// Every candidate the model offered, best first (empty for a person's text).
    pub candidates: Vec<Candidate>,
}

impl Drafted {
    /// Every draft, first part first.
    pub fn all(&self) -> impl Iterator<Item = &Draft> {
        std::iter::once(&self.draft).chain(self.followers.iter())
    }
}

/// The persona document the pipeline stores per account: the persona, the
/// style profile measured from past posts, and a few example posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonaDocument {
    /// The persona.
    pub persona: Persona,
    /// The measured style, when past posts were available.
    #[serde(default)]
    pub style: Option<StyleProfile>,
    /// Example posts for few-shot prompting.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A text checked and, if too long, split.
struct Prepared {
    parts: Vec<String>,
    findings: Vec<String>,
    needs_review: bool,
}

/// A violation of the persona's length range (not of the network's budget).
fn persona_length(v: &Violation) -> bool {
    matches!(
        v,
        Violation::TooShort { .. }
            | Violation::TooLong {
                budget: persona_core::Budget::Persona,
                ..
            }
    )
}

fn describe(violations: &[Violation]) -> Vec<String> {
    violations.iter().map(ToString::to_string).collect()
}

impl Pipeline {
    fn guardrails(&self, persona: &Persona) -> Result<Guardrails> {
        Ok(Guardrails::new(
            persona,
            self.inner.publisher.text_limits(),
        )?)
    }

    /// Checks a text against the network's budget and the persona.
    ///
    /// * Longer than one post allows: split into a reply chain at sentence
    ///   boundaries ([`persona_core::split_into_chain`], measured the
    ///   network's way), every part checked before anything is stored. The
    ///   persona's length range does not apply to the parts of a chain (it
    ///   describes single posts); every other rule does.
    /// * Otherwise repairs that keep the meaning are applied (invisible
    ///   characters, whitespace, extra tags, links or mentions that are not
    ///   allowed). A repair that shortened the text by dropping sentences is
    ///   kept as a proposal but sends the draft to a person.
    /// * What cannot be repaired is kept as a finding and sends the draft to a
    ///   person. Nothing is ever cut mid-sentence.
    fn prepare(&self, persona: &Persona, text: &str) -> Result<Prepared> {
        let rails = self.guardrails(persona)?;
        let violations = rails.check_post(text);
        if violations.is_empty() {
            return Ok(Prepared {
                parts: vec![text.to_owned()],
                findings: Vec::new(),
                needs_review: false,
            });
        }
        let limits = rails.limits().clone();
        if limits.length(text) > limits.max_length {
            let max_parts = self.inner.config.generation.max_chain_parts as usize;
            match persona_core::split_into_chain(text, &limits, max_parts) {
                Ok(parts) => {
                    let mut findings = vec![format!(
                        "split into a reply chain of {} parts: the text is longer than one post",
                        parts.len()
                    )];
                    let mut needs_review = false;
                    for (i, part) in parts.iter().enumerate() {
                        let real: Vec<Violation> = rails
                            .check_post(part)
                            .into_iter()
                            .filter(|v| !persona_length(v))
                            .collect();
                        if !real.is_empty() {
                            needs_review = true;
                            findings.extend(real.iter().map(|v| format!("part {}: {v}", i + 1)));
                        }
                    }
                    return Ok(Prepared {
                        parts,
                        findings,
                        needs_review,
                    });
                }
                Err(e) => {
                    let mut findings = describe(&violations);
                    findings.push(format!("cannot be split into a reply chain: {e}"));
                    return Ok(Prepared {
                        parts: vec![text.to_owned()],
                        findings,
                        needs_review: true,
                    });
                }
            }
        }
        match rails.repair_post(text) {
            Ok(checked) => {
                let shortened = checked
                    .repairs
                    .iter()
                    .any(|r| matches!(r, persona_core::Repair::Trimmed { .. }));
                let findings = checked
                    .repairs
                    .iter()
                    .map(|r| format!("repaired: {r:?}"))
                    .collect();
                Ok(Prepared {
                    parts: vec![checked.text],
                    findings,
                    needs_review: shortened,
                })
            }
            Err(persona_core::Error::Rejected { violations }) => Ok(Prepared {
                parts: vec![text.to_owned()],
                findings: describe(&violations),
                needs_review: true,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The account's active persona document and its id (a default persona,
    /// without id, if it has none).
    pub(crate) async fn persona_document(
        &self,
        account_id: AccountId,
    ) -> Result<(Option<store_traits::PersonaId>, PersonaDocument)> {
        match self.inner.persona(account_id).await? {
            Some((record, doc)) => Ok((Some(record.id), doc)),
            None => Ok((
                None,
                PersonaDocument {
                    persona: Persona::new("default"),
                    style: None,
                    examples: Vec::new(),
                },
            )),
        }
    }

    /// Stores a draft a person wrote: checked against the network's budget and
    /// the persona, split into a reply chain if it is longer than one post,
    /// then submitted for approval (approved at once when the kind's mode is
    /// automatic and nothing needs a person). Needs
    /// [`Operation::CreateDraft`] on the account.
    pub async fn create_draft(&self, new: NewDraft, actor: &Actor) -> Result<Drafted> {
        self.inner
            .authorize(actor, Operation::CreateDraft, new.account_id)
            .await?;
        if new.text.trim().is_empty() && new.media.is_empty() {
            return Err(Error::InvalidInput("a draft needs text or media".into()));
        }
        crate::media::check_attachments(&new.media)?;
        if matches!(new.kind, DraftKind::Reply | DraftKind::Quote) && new.target.is_none() {
            return Err(Error::InvalidInput(format!(
                "a {} needs the id of the post it answers or quotes",
                new.kind
            )));
        }
        let (persona_id, doc) = self.persona_document(new.account_id).await?;
        let prepared = if new.text.trim().is_empty() {
            Prepared {
                parts: vec![String::new()],
                findings: Vec::new(),
                needs_review: false,
            }
        } else {
            self.prepare(&doc.persona, &new.text)?
        };
        let voice = doc.style.as_ref().map(|s| s.voice_score(&new.text).total);
        self.store_drafts(new, persona_id, prepared, voice, Vec::new(), actor)
            .await
    }

    /// Writes a draft with the model in the account's voice: several candidates
    /// ([`GenerationPolicy::candidates`](crate::config::GenerationPolicy::candidates)),
    /// ranked (guardrail-clean first, then by voice score), the best one
    /// checked, split into a reply chain if too long, stored and submitted for
    /// approval. A draft with findings always goes to a person.
    ///
    /// With a `template`, the named remix template writes the prompt
    /// ([`Error::Source`] with `UnknownTemplate` if there is none). With a
    /// `source_id`, the chosen text is refused with [`Error::Source`]
    /// (`NearDuplicate`, naming the draft) when it nearly duplicates a recent
    /// draft or post of the account; nothing is stored then.
    ///
    /// Needs [`Operation::CreateDraft`] on the account, checked before the
    /// model is asked.
    pub async fn generate_draft(&self, request: GenerateRequest, actor: &Actor) -> Result<Drafted> {
        actor.ensure(Operation::CreateDraft)?;
        let account_id = request
            .account_id
            .ok_or_else(|| Error::InvalidInput("a generate request needs an account".into()))?;
        self.inner
            .authorize(actor, Operation::CreateDraft, account_id)
            .await?;
        let (persona_id, doc) = self.persona_document(account_id).await?;
        let task = match (&request.source_text, &request.topic) {
            (Some(source), _) => {
                let mut remix = persona_core::RemixTask::new(source.clone());
                if let Some(url) = &request.source_url {
                    remix = remix.url(url.clone());
                }
                if let Some(title) = &request.source_title {
                    remix = remix.title(title.clone());
                }
                persona_core::Task::Remix(remix)
            }
            (None, Some(topic)) => persona_core::Task::post(topic.clone()),
            (None, None) => {
                return Err(Error::InvalidInput(
                    "a generate request needs a topic or a source text".into(),
                ));
            }
        };
        let engine: PromptEngine;
        let prompts = match self.prompt_engine_for(request.template.as_deref(), &doc.examples)? {
            None => &self.inner.prompts,
            Some(built) => {
                engine = built;
                &engine
            }
        };
        let prompt = prompts.render(&doc.persona, &task)?;
        let n = self.inner.config.generation.candidates.max(1);
        let mut scored: Vec<(Candidate, bool)> = Vec::with_capacity(n as usize);
        for k in 0..n {
            let mut request = prompt.to_request();
            if k > 0 {
                let system = request.system.take().unwrap_or_default();
                request = request.system(format!(
                    "{system}\n\nThis is version {} of {n}: word it differently from the other versions.",
                    k + 1
                ));
            }
            let completion = self.inner.llm.complete(&request).await?;
            let text = completion.text.trim().to_owned();
            let rails = self.guardrails(&doc.persona)?;
            let mut violations = rails.check_post(&text);
            // A completion cut by the token limit is cut off, whatever it ends with.
            let cut = completion.finish_reason == persona_core::FinishReason::Length;
            if cut {
                violations.push(Violation::Truncated {
                    ending: "the model stopped at its length limit".into(),
                });
            }
            let clean = !cut && (violations.is_empty() || rails.repair_post(&text).is_ok());
            scored.push((
                Candidate {
                    voice_score: doc.style.as_ref().map(|s| s.voice_score(&text).total),
                    findings: describe(&violations),
                    text,
                },
                clean,
            ));
        }
        scored.sort_by(|(a, a_clean), (b, b_clean)| {
            b_clean.cmp(a_clean).then_with(|| {
                b.voice_score
                    .unwrap_or(0.0)
                    .total_cmp(&a.voice_score.unwrap_or(0.0))
            })
        });
        let candidates: Vec<Candidate> = scored.into_iter().map(|(c, _)| c).collect();
        let best = candidates
            .first()
            .filter(|c| !c.text.is_empty())
            .ok_or_else(|| Error::NoUsableText {
                reason: "the model returned nothing".into(),
            })?;
        debug!(candidates = candidates.len(), voice = ?best.voice_score, "draft generated");
        if request.source_id.is_some() {
            self.refuse_near_duplicate(account_id, &best.text).await?;
        }
        let prepared = self.prepare(&doc.persona, &best.text)?;
        let mut new = NewDraft::post(account_id, best.text.clone());
        new.source_id = request.source_id;
        let voice = best.voice_score;
        self.store_drafts(new, persona_id, prepared, voice, candidates, actor)
            .await
    }

    async fn store_drafts(
        &self,
        new: NewDraft,
        persona_id: Option<store_traits::PersonaId>,
        prepared: Prepared,
        voice_score: Option<f64>,
        candidates: Vec<Candidate>,
        actor: &Actor,
    ) -> Result<Drafted> {
        let now = self.inner.now();
        let quality = DraftQuality {
            voice_score,
            findings: prepared.findings.clone(),
            needs_review: prepared.needs_review,
        };
        let mut drafts: Vec<Draft> = Vec::with_capacity(prepared.parts.len());
        for (i, text) in prepared.parts.iter().enumerate() {
            let mut d = Draft::new(
                new.account_id,
                if i == 0 { new.kind } else { DraftKind::Reply },
                text.clone(),
                now,
            );
            d.persona_id = persona_id;
            d.source_id = new.source_id;
            d.quality = Some(quality.clone());
            if i == 0 {
                d.media = new.media.clone();
                d.topic_tag = new.topic_tag.clone();
                d.reply_to_id = new.target.clone();
            } else {
                d.parent_draft_id = Some(drafts[i - 1].id);
            }
            drafts.push(d);
        }
        if drafts.len() > 1 {
            let ids: Vec<DraftId> = drafts[1..].iter().map(|d| d.id).collect();
            drafts[0].chain = ids;
        }
        // Followers first: the root, which names them, is written last, so a
        // reader never sees a chain pointing at a missing part.
        for d in drafts.iter().skip(1) {
            self.inner.store.insert_draft(d).await?;
        }
        self.inner.store.insert_draft(&drafts[0]).await?;
        let root = drafts[0].clone();
        self.inner
            .record(
                actor,
                Event::DraftCreated {
                    draft_id: root.id,
                    account_id: root.account_id,
                    parts: drafts.len(),
                },
            )
            .await?;
        let root_id = root.id;
        self.submit_draft(root, actor).await?;
        let draft = self.require_draft(root_id).await?;
        let mut followers = Vec::new();
        for id in &draft.chain {
            followers.push(self.require_draft(*id).await?);
        }
        Ok(Drafted {
            draft,
            followers,
            candidates,
        })
    }

    pub(crate) async fn require_draft(&self, id: DraftId) -> Result<Draft> {
        self.inner
            .store
            .get_draft(id)
            .await?
            .ok_or_else(|| store_traits::Error::not_found(RecordKind::Draft, id).into())
    }

    /// Reads a draft.
    pub async fn draft(&self, id: DraftId) -> Result<Draft> {
        self.require_draft(id).await
    }

    /// Sends a draft (and its chain) for approval: approved at once by the
    /// system when the kind's mode is automatic and nothing needs a person,
    /// otherwise pending approval. Needs [`Operation::CreateDraft`].
    pub async fn submit(&self, draft_id: DraftId, actor: &Actor) -> Result<Draft> {
        let draft = self
            .authorized_draft(actor, Operation::CreateDraft, draft_id)
            .await?;
        self.submit_draft(draft, actor).await
    }

    /// [`submit`](Self::submit), the actor already checked.
    async fn submit_draft(&self, draft: Draft, actor: &Actor) -> Result<Draft> {
        let mode = match draft.kind {
            DraftKind::Reply => self.inner.config.approval.replies,
            _ => self.inner.config.approval.posts,
        };
        let needs_person = draft.quality.as_ref().is_some_and(|q| q.needs_review);
        let automatic = mode == ApprovalMode::Automatic && !needs_person;
        let (to, decider) = if automatic {
            (DraftState::Approved, Actor::system())
        } else {
            (DraftState::PendingApproval, actor.clone())
        };
        let kind = if automatic {
            DecisionKind::Approved
        } else {
            DecisionKind::Submitted
        };
        // An automatic approval is the system's decision; the note keeps the
        // person who sent the draft.
        let note = (automatic && !actor.is_system())
            .then(|| format!("submitted by {}", actor.audit_name()));
        self.decide_chain(draft, &[DraftState::Draft], to, kind, note, &decider)
            .await
    }

    /// Checks the actor's role, reads the draft, checks the actor may act on
    /// its account, and returns it.
    async fn authorized_draft(
        &self,
        actor: &Actor,
        operation: Operation,
        draft_id: DraftId,
    ) -> Result<Draft> {
        actor.ensure(operation)?;
        let draft = self.require_draft(draft_id).await?;
        self.inner
            .authorize(actor, operation, draft.account_id)
            .await?;
        Ok(draft)
    }

    /// Approves a draft (and its chain). The person's id is recorded in the
    /// draft's decisions and the audit trail. Needs [`Operation::Approve`].
    pub async fn approve(&self, draft_id: DraftId, actor: &Actor) -> Result<Draft> {
        let draft = self
            .authorized_draft(actor, Operation::Approve, draft_id)
            .await?;
        self.decide_chain(
            draft,
            &[DraftState::Draft, DraftState::PendingApproval],
            DraftState::Approved,
            DecisionKind::Approved,
            None,
            actor,
        )
        .await
    }

    /// Rejects a draft (and its chain) with a reason. A scheduled draft is
    /// taken off the schedule. Needs [`Operation::Reject`].
    pub async fn reject(&self, draft_id: DraftId, actor: &Actor, reason: &str) -> Result<Draft> {
        actor.ensure(Operation::Reject)?;
        if reason.trim().is_empty() {
            return Err(Error::InvalidInput("a rejection needs a reason".into()));
        }
        let draft = self
            .authorized_draft(actor, Operation::Reject, draft_id)
            .await?;
        self.decide_chain(
            draft,
            &[
                DraftState::Draft,
                DraftState::PendingApproval,
                DraftState::Approved,
                DraftState::Scheduled,
            ],
            DraftState::Rejected,
            DecisionKind::Rejected,
            Some(reason.to_owned()),
            actor,
        )
        .await
    }

    /// Applies a decision to a draft and every part of its chain.
    async fn decide_chain(
        &self,
        root: Draft,
        from: &[DraftState],
        to: DraftState,
        kind: DecisionKind,
        reason: Option<String>,
        actor: &Actor,
    ) -> Result<Draft> {
        if !from.contains(&root.state) {
            return Err(Error::DraftState {
                draft_id: root.id,
                state: root.state,
                operation: kind.as_str(),
            });
        }
        let mut ids = vec![root.id];
        ids.extend(root.chain.iter().copied());
        let mut out = None;
        for id in ids {
            let now = self.inner.now();
            let reason = reason.clone();
            let changed = self
                .update_draft(id, None, |d| {
                    if !from.contains(&d.state) {
                        return Ok(false);
                    }
                    d.state = to;
                    if to == DraftState::Rejected {
                        d.scheduled_at = None;
                    }
                    d.decisions.push(Decision {
                        at: now,
                        actor: actor.audit_name(),
                        kind,
                        reason: reason.clone(),
                    });
                    Ok(true)
                })
                .await?;
            if let Some((before, after)) = changed {
                self.record_transition(actor, before, &after, reason)
                    .await?;
                if out.is_none() {
                    out = Some(after);
                }
            }
        }
        match out {
            Some(d) => Ok(d),
            None => self.require_draft(root.id).await,
        }
    }

    /// Replaces a draft's text, keeping the old one in its history. The new
    /// text is checked against the network's budget first: too long for one
    /// post is an error here (a person editing sees it at once). An approved
    /// or scheduled draft goes back to pending approval (a person must look at
    /// the new text), unless the kind's mode is automatic and it passes.
    /// Needs [`Operation::EditDraft`].
    pub async fn edit(&self, draft_id: DraftId, actor: &Actor, text: &str) -> Result<Draft> {
        let draft = self
            .authorized_draft(actor, Operation::EditDraft, draft_id)
            .await?;
        let editable = [
            DraftState::Draft,
            DraftState::PendingApproval,
            DraftState::Approved,
            DraftState::Scheduled,
            DraftState::Failed,
            DraftState::Missed,
        ];
        if !editable.contains(&draft.state) {
            return Err(Error::DraftState {
                draft_id,
                state: draft.state,
                operation: "edit",
            });
        }
        let (_, doc) = self.persona_document(draft.account_id).await?;
        let rails = self.guardrails(&doc.persona)?;
        let limits = rails.limits();
        if limits.length(text) > limits.max_length {
            return Err(Error::TextRejected {
                findings: vec![format!(
                    "length {} exceeds {}'s limit of {}",
                    limits.length(text),
                    limits.name(),
                    limits.max_length
                )],
            });
        }
        let violations = rails.check_post(text);
        let findings = describe(&violations);
        let voice = doc.style.as_ref().map(|s| s.voice_score(text).total);
        let now = self.inner.now();
        let mode = match draft.kind {
            DraftKind::Reply => self.inner.config.approval.replies,
            _ => self.inner.config.approval.posts,
        };
        let auto = mode == ApprovalMode::Automatic && findings.is_empty();
        let (before, after) = self
            .update_draft(draft_id, None, |d| {
                if !editable.contains(&d.state) {
                    return Err(Error::DraftState {
                        draft_id,
                        state: d.state,
                        operation: "edit",
                    });
                }
                d.edit_text(text, Some(actor.audit_name()), now);
                d.quality = Some(DraftQuality {
                    voice_score: voice,
                    findings: findings.clone(),
                    needs_review: !findings.is_empty(),
                });
                if matches!(d.state, DraftState::Approved | DraftState::Scheduled) && !auto {
                    d.state = DraftState::PendingApproval;
                }
                d.decisions.push(Decision {
                    at: now,
                    actor: actor.audit_name(),
                    kind: DecisionKind::Edited,
                    reason: None,
                });
                Ok(true)
            })
            .await?
            .ok_or_else(|| Error::InvalidInput("edit made no change".into()))?;
        self.inner
            .record(
                actor,
                Event::DraftEdited {
                    draft_id,
                    account_id: after.account_id,
                },
            )
            .await?;
        if before != after.state {
            self.record_transition(actor, before, &after, Some("edited".into()))
                .await?;
        }
        Ok(after)
    }

    /// Schedules an approved draft (and its chain): at an explicit time, at a
    /// local time in the persona's zone, now, or in the next free slot of the
    /// persona's posting windows. Rescheduling a scheduled draft, and
    /// scheduling a missed or failed one again, work the same way. Returns the
    /// draft with its `scheduled_at`. Needs [`Operation::Schedule`].
    pub async fn schedule(&self, draft_id: DraftId, when: When, actor: &Actor) -> Result<Draft> {
        let draft = self
            .authorized_draft(actor, Operation::Schedule, draft_id)
            .await?;
        let allowed = [
            DraftState::Approved,
            DraftState::Scheduled,
            DraftState::Missed,
            DraftState::Failed,
        ];
        if !allowed.contains(&draft.state) || draft.parent_draft_id.is_some() {
            return Err(Error::DraftState {
                draft_id,
                state: draft.state,
                operation: "schedule",
            });
        }
        let now = self.inner.now();
        let (_, doc) = self.persona_document(draft.account_id).await?;
        let at = match when {
            When::Now => now,
            When::At { at } => at,
            When::Local { at } => resolve_local(doc.persona.time_zone, at),
            When::NextSlot => {
                let taken = self.taken_slots(draft.account_id, draft_id).await?;
                let policy = &self.inner.config.slots;
                next_free_slot(
                    &doc.persona.posting_windows,
                    doc.persona.time_zone,
                    now,
                    &taken,
                    policy,
                )
                .ok_or(Error::NoFreeSlot {
                    horizon: now + policy.horizon,
                })?
            }
        };
        let mut ids = vec![draft_id];
        ids.extend(draft.chain.iter().copied());
        let mut root_after = None;
        for id in ids {
            let changed = self
                .update_draft(id, None, |d| {
                    if !allowed.contains(&d.state) {
                        return Ok(false);
                    }
                    d.state = DraftState::Scheduled;
                    d.scheduled_at = Some(at);
                    d.last_error = None;
                    d.decisions.push(Decision {
                        at: now,
                        actor: actor.audit_name(),
                        kind: DecisionKind::Scheduled,
                        reason: Some(at.to_rfc3339()),
                    });
                    Ok(true)
                })
                .await?;
            if let Some((before, after)) = changed {
                self.record_transition(
                    actor,
                    before,
                    &after,
                    Some(format!("for {}", at.to_rfc3339())),
                )
                .await?;
                if root_after.is_none() {
                    root_after = Some(after);
                }
            }
        }
        // The publish job: new, or moved to the new time if one is waiting.
        let inserted = self
            .enqueue(Task::Publish { draft_id }, draft.account_id, at)
            .await?;
        if let store_traits::Insertion::Existing(job) = inserted {
            let moved = job.state == store_traits::JobState::Queued && job.run_at != at;
            if moved && self.inner.store.cancel_job(job.id).await? {
                self.enqueue(Task::Publish { draft_id }, draft.account_id, at)
                    .await?;
            }
        }
        match root_after {
            Some(d) => Ok(d),
            None => self.require_draft(draft_id).await,
        }
    }

    /// Times the account's other posts hold (for the slot search): the
    /// scheduled time of posts still to go out, and the publishing time of
    /// posts that went out in the last day (a slot right after a post that
    /// was just published would break the spacing as surely as one next to
    /// a scheduled post).
    async fn taken_slots(
        &self,
        account_id: AccountId,
        except: DraftId,
    ) -> Result<Vec<DateTime<Utc>>> {
        let recent = self.inner.now() - TimeDelta::days(1);
        let drafts = self
            .inner
            .store
            .list_drafts(&DraftFilter {
                account_id: Some(account_id),
                states: vec![
                    DraftState::Scheduled,
                    DraftState::Publishing,
                    DraftState::PublishSent,
                    DraftState::Published,
                ],
                ..DraftFilter::default()
            })
            .await?;
        Ok(drafts
            .iter()
            .filter(|d| d.id != except && d.parent_draft_id.is_none())
            .filter_map(|d| match d.state {
                DraftState::Published => d.published_at.filter(|at| {
                    *at >= recent && matches!(d.kind, DraftKind::Post | DraftKind::Quote)
                }),
                _ => d.scheduled_at,
            })
            .collect())
    }

    /// Audits a draft's move from `from` to its current state.
    pub(crate) async fn record_transition(
        &self,
        actor: &Actor,
        from: DraftState,
        after: &Draft,
        note: Option<String>,
    ) -> Result<()> {
        self.inner
            .record(
                actor,
                Event::DraftTransition {
                    draft_id: after.id,
                    account_id: after.account_id,
                    from,
                    to: after.state,
                    note,
                },
            )
            .await
    }

    /// Reads a draft, lets `change` modify it, and writes it back with a
    /// compare-and-swap on its version (and `fence`, for workers), retrying if a
    /// concurrent write won. `change` returns `false` to write nothing. The
    /// store refuses a state change that is not an allowed transition
    /// ([`DraftState::can_become`]). Returns the state before and the stored
    /// draft, or `None` when nothing was written.
    pub(crate) async fn update_draft<F>(
        &self,
        draft_id: DraftId,
        fence: Option<FenceToken>,
        mut change: F,
    ) -> Result<Option<(DraftState, Draft)>>
    where
        F: FnMut(&mut Draft) -> Result<bool>,
    {
        for attempt in 1..=CAS_ATTEMPTS {
            let mut draft = self.require_draft(draft_id).await?;
            let before = draft.state;
            if !change(&mut draft)? {
                return Ok(None);
            }
            // The store decides the transition (after the fence), so a stale
            // worker learns that it is stale rather than that the state moved.
            draft.updated_at = self.inner.now();
            match self.inner.store.update_draft(&draft, fence).await {
                Ok(stored) => return Ok(Some((before, stored))),
                Err(e) if e.is_conflict() && attempt < CAS_ATTEMPTS => continue,
                Err(e) if e.is_stale_fence() => {
                    return Err(Error::Store(e));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::InvalidInput(format!(
            "draft {draft_id} kept changing under {CAS_ATTEMPTS} attempts to update it"
        )))
    }
}
