//! The approval pages: an account's drafts and reply drafts with their voice
//! score, guardrail findings, schedule and conversation, and the forms to
//! approve, edit, reject and (re)schedule them.
//!
//! Every form carries a CSRF token bound to the session cookie and is
//! checked before anything is read; every decision goes through the
//! pipeline, which checks the person's role and organisation and records
//! them. An edit is checked against the network's text budget before it is
//! saved: a text that is too long comes back in the form with the problem
//! next to it, and nothing is written. The pages work without JavaScript; a
//! small inline script only counts characters while typing.

use std::collections::HashMap;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use content_pipeline::{Actor, Error as PipelineError, Operation, ReviewItem, ReviewQueue, When};
use http::StatusCode;
use http::header::{self, HeaderValue};
use serde::Serialize;
use store_traits::{AccountFilter, AccountId, Draft, DraftId, DraftState};

use crate::pages::{render, with_header};
use crate::paths;
use crate::problems::{CSRF, ErrorPage, INTERNAL, NOT_FOUND, UNAUTHENTICATED};
use crate::session::SessionId;
use crate::state::{AppState, Context};

/// Decisions shown per draft (the newest).
const DECISIONS_SHOWN: usize = 4;

// ------------------------------------------------------------------ views

#[derive(Serialize)]
struct AccountsView {
    accounts: Vec<AccountRow>,
    connect: Option<String>,
}

#[derive(Serialize)]
struct AccountRow {
    username: String,
    display_name: Option<String>,
    status: &'static str,
    href: String,
}

#[derive(Serialize)]
struct QueueView {
    username: String,
    display_name: Option<String>,
    account_status: &'static str,
    time_zone: String,
    limit_name: String,
    max_length: usize,
    notice: Option<&'static str>,
    csrf: String,
    read_only: bool,
    accounts_href: String,
    sections: Vec<SectionView>,
    total: usize,
}

#[derive(Serialize)]
struct SectionView {
    key: &'static str,
    title: &'static str,
    hint: &'static str,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    anchor: String,
    kind: &'static str,
    state: &'static str,
    state_label: &'static str,
    created: String,
    text: String,
    length: usize,
    over: bool,
    voice: Option<u8>,
    needs_review: bool,
    findings: Vec<String>,
    scheduled: Option<String>,
    schedule_value: String,
    parts: Vec<PartView>,
    media: Vec<String>,
    context: Option<ContextView>,
    decisions: Vec<DecisionView>,
    actions: Actions,
    form: FormView,
}

#[derive(Serialize)]
struct PartView {
    number: usize,
    text: String,
}

#[derive(Serialize)]
struct ContextView {
    kind: &'static str,
    root_text: Option<String>,
    earlier: Vec<MessageView>,
    message: Option<MessageView>,
}

#[derive(Serialize)]
struct MessageView {
    author: String,
    text: String,
}

#[derive(Serialize)]
struct DecisionView {
    kind: &'static str,
    actor: String,
    at: String,
    reason: Option<String>,
}

#[derive(Serialize, Default)]
struct Actions {
    approve: Option<String>,
    edit: Option<String>,
    reject: Option<String>,
    schedule: Option<String>,
}

/// What a form shows again after a refusal: the values sent and the
/// problems, next to their field.
#[derive(Serialize, Default, Clone)]
struct FormView {
    text: String,
    text_errors: Vec<String>,
    reason: String,
    reason_errors: Vec<String>,
    at: String,
    at_errors: Vec<String>,
}

/// A refused form, for the draft it concerns.
struct Refused {
    draft_id: DraftId,
    form: FormView,
}

// ------------------------------------------------------------------ helpers

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

fn input_value(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

fn state_label(state: DraftState) -> &'static str {
    match state {
        DraftState::Draft => "Draft",
        DraftState::PendingApproval => "Waiting for approval",
        DraftState::Approved => "Approved",
        DraftState::Scheduled => "Scheduled",
        DraftState::Missed => "Missed its slot",
        DraftState::Failed => "Publishing failed",
        _ => "Other",
    }
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "approved" => "Approved. Schedule it when you are ready.",
        "edited" => "Saved. The new text was checked again.",
        "unchanged" => "Nothing changed: the text is the same.",
        "rejected" => "Rejected. The reason is kept with the decision.",
        "scheduled" => "Scheduled.",
        _ => return None,
    })
}

/// A network's name for people (`threads` -> `Threads`).
fn network_name(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

// ------------------------------------------------------------------ pages

/// `GET /approval`: the accounts the person may review.
pub(crate) async fn index(State(state): State<AppState>, ctx: Context) -> Response {
    let chrome = ctx.chrome();
    let Some(actor) = &ctx.actor else {
        return UNAUTHENTICATED.page(&chrome);
    };
    if let Err(e) = actor.ensure(Operation::View) {
        return ErrorPage::from(PipelineError::from(e)).page(&chrome);
    }
    let accounts = match state
        .pipeline
        .store()
        .list_accounts(&AccountFilter::default())
        .await
    {
        Ok(accounts) => accounts,
        Err(e) => return ErrorPage::from(PipelineError::from(e)).page(&chrome),
    };
    let view = AccountsView {
        accounts: accounts
            .into_iter()
            .filter(|a| actor.may_act_in(a.org_id.as_ref()))
            .map(|a| AccountRow {
                href: ctx.href(&format!("{}/{}", paths::APPROVAL, a.id)),
                username: a.username,
                display_name: a.display_name,
                status: a.status.as_str(),
            })
            .collect(),
        connect: actor
            .may(Operation::Connect)
            .then(|| ctx.href(paths::OAUTH_START)),
    };
    render(StatusCode::OK, "accounts.html", &view, &chrome)
}

/// `GET /approval/{account_id}`.
pub(crate) async fn queue(
    State(state): State<AppState>,
    ctx: Context,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let chrome = ctx.chrome();
    let Some(actor) = ctx.actor.clone() else {
        return UNAUTHENTICATED.page(&chrome);
    };
    let Ok(account_id) = AccountId::from_str(&account) else {
        return NOT_FOUND.page(&chrome);
    };
    let (session, cookie) = match state.sessions.current_or_new(ctx.session.as_ref()) {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a session id");
            return INTERNAL.page(&chrome);
        }
    };
    let done = query_value(query.as_deref(), "done");
    let response = show(
        &state,
        &ctx,
        &actor,
        account_id,
        &session,
        done.as_deref().and_then(notice),
        None,
    )
    .await;
    with_header(response, header::SET_COOKIE, cookie)
}

/// Renders an account's queue, with a refused form shown again if any.
async fn show(
    state: &AppState,
    ctx: &Context,
    actor: &Actor,
    account_id: AccountId,
    session: &SessionId,
    notice: Option<&'static str>,
    refused: Option<Refused>,
) -> Response {
    let chrome = ctx.chrome();
    let Some(csrf) = &state.csrf else {
        return INTERNAL.page(&chrome);
    };
    let queue = match state.pipeline.review_queue(account_id, actor).await {
        Ok(queue) => queue,
        Err(e) => return ErrorPage::from(&e).page(&chrome),
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = queue_view(
        state,
        ctx,
        actor,
        queue,
        csrf.token(session),
        notice,
        refused,
    );
    render(status, "approval.html", &view, &chrome)
}

fn queue_view(
    state: &AppState,
    ctx: &Context,
    actor: &Actor,
    queue: ReviewQueue,
    csrf: String,
    notice: Option<&'static str>,
    mut refused: Option<Refused>,
) -> QueueView {
    let limits = state.pipeline.publisher().text_limits();
    let tz = queue.time_zone;
    let now = state.pipeline.clock().now();
    let account_href = ctx.href(&format!("{}/{}", paths::APPROVAL, queue.account.id));
    let mut sections = vec![
        SectionView {
            key: "pending",
            title: "Waiting for approval",
            hint: "Read each draft, then approve it, edit it or reject it with a reason.",
            items: Vec::new(),
        },
        SectionView {
            key: "approved",
            title: "Approved, not scheduled",
            hint: "Pick a time, or let the next free slot of the posting windows decide.",
            items: Vec::new(),
        },
        SectionView {
            key: "scheduled",
            title: "Scheduled",
            hint: "These go out at their time. Move them, edit them or take them back.",
            items: Vec::new(),
        },
        SectionView {
            key: "attention",
            title: "Needs attention",
            hint: "These missed their time or failed to publish. Schedule them again or reject them.",
            items: Vec::new(),
        },
    ];
    let total = queue.items.len();
    let default_at = {
        let next_hour = now + TimeDelta::hours(1);
        next_hour
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .unwrap_or(next_hour)
    };
    for item in queue.items {
        let ReviewItem {
            draft,
            followers,
            context,
            ..
        } = item;
        let section = match draft.state {
            DraftState::Draft | DraftState::PendingApproval => 0,
            DraftState::Approved => 1,
            DraftState::Scheduled => 2,
            _ => 3,
        };
        let form = match refused.take() {
            Some(r) if r.draft_id == draft.id => r.form,
            other => {
                refused = other;
                FormView {
                    text: draft.text.clone(),
                    ..FormView::default()
                }
            }
        };
        let view = item_view(
            &draft,
            followers,
            context,
            form,
            actor,
            &account_href,
            tz,
            default_at,
            &|text| limits.length(text),
            limits.max_length,
        );
        sections[section].items.push(view);
    }
    QueueView {
        username: queue.account.username,
        display_name: queue.account.display_name,
        account_status: queue.account.status.as_str(),
        time_zone: tz.name().to_owned(),
        limit_name: network_name(&queue.limit_name),
        max_length: queue.max_length,
        notice,
        csrf,
        read_only: !actor.may(Operation::Approve),
        accounts_href: ctx.href(paths::APPROVAL),
        sections,
        total,
    }
}

#[allow(clippy::too_many_arguments)]
fn item_view(
    draft: &Draft,
    followers: Vec<Draft>,
    context: Option<content_pipeline::ReplyContext>,
    mut form: FormView,
    actor: &Actor,
    account_href: &str,
    tz: Tz,
    default_at: DateTime<Utc>,
    measure: &dyn Fn(&str) -> usize,
    max_length: usize,
) -> ItemView {
    let action = |name: &str, operation: Operation, allowed: bool| {
        (allowed && actor.may(operation))
            .then(|| format!("{account_href}/drafts/{}/{name}", draft.id))
    };
    let decidable = matches!(draft.state, DraftState::Draft | DraftState::PendingApproval);
    let schedulable = draft.parent_draft_id.is_none()
        && matches!(
            draft.state,
            DraftState::Approved | DraftState::Scheduled | DraftState::Missed | DraftState::Failed
        );
    if form.at.is_empty() {
        form.at = input_value(draft.scheduled_at.unwrap_or(default_at), tz);
    }
    let quality = draft.quality.clone().unwrap_or_default();
    let length = measure(&form.text);
    ItemView {
        id: draft.id.to_string(),
        anchor: format!("draft-{}", draft.id),
        kind: draft.kind.as_str(),
        state: draft.state.as_str(),
        state_label: state_label(draft.state),
        created: local(draft.created_at, tz),
        text: draft.text.clone(),
        length,
        over: length > max_length,
        voice: quality
            .voice_score
            .filter(|v| v.is_finite())
            .map(|v| (v.clamp(0.0, 1.0) * 100.0).round() as u8),
        needs_review: quality.needs_review,
        findings: quality.findings,
        scheduled: draft.scheduled_at.map(|at| local(at, tz)),
        schedule_value: form.at.clone(),
        parts: followers
            .into_iter()
            .enumerate()
            .map(|(i, d)| PartView {
                number: i + 2,
                text: d.text,
            })
            .collect(),
        media: draft
            .media
            .iter()
            .map(|m| match &m.alt_text {
                Some(alt) => format!("{:?}: {alt}", m.kind).to_lowercase(),
                None => format!("{:?}", m.kind).to_lowercase(),
            })
            .collect(),
        context: context.map(|c| ContextView {
            kind: c.conversation.kind.as_str(),
            root_text: c.root_text,
            earlier: c
                .earlier
                .into_iter()
                .map(|m| MessageView {
                    author: m.author_username,
                    text: m.text,
                })
                .collect(),
            message: c.message.map(|m| MessageView {
                author: m.author_username,
                text: m.text,
            }),
        }),
        decisions: draft
            .decisions
            .iter()
            .rev()
            .take(DECISIONS_SHOWN)
            .map(|d| DecisionView {
                kind: d.kind.as_str(),
                actor: d.actor.strip_prefix("user:").unwrap_or(&d.actor).to_owned(),
                at: local(d.at, tz),
                reason: d
                    .reason
                    .clone()
                    .filter(|_| d.kind == store_traits::DecisionKind::Rejected),
            })
            .collect(),
        actions: Actions {
            approve: action("approve", Operation::Approve, decidable),
            edit: action("edit", Operation::EditDraft, true),
            reject: action("reject", Operation::Reject, true),
            schedule: action("schedule", Operation::Schedule, schedulable),
        },
        form,
    }
}

// ------------------------------------------------------------------ decisions

/// The decisions a form can post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decide {
    Approve,
    Edit,
    Reject,
    Schedule,
}

impl Decide {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "approve" => Self::Approve,
            "edit" => Self::Edit,
            "reject" => Self::Reject,
            "schedule" => Self::Schedule,
            _ => return None,
        })
    }
}

/// What a decision led to: a redirect to the page with a notice, or the
/// page again with the form's problems.
enum Outcome {
    Done(&'static str),
    Refused(FormView),
}

/// `POST /approval/{account_id}/drafts/{draft_id}/{action}`.
pub(crate) async fn decide(
    State(state): State<AppState>,
    ctx: Context,
    Path((account, draft, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let chrome = ctx.chrome();
    let Some(actor) = ctx.actor.clone() else {
        return UNAUTHENTICATED.page(&chrome);
    };
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    // The CSRF check comes before anything is read or parsed further.
    let (Some(session), Some(csrf)) = (&ctx.session, &state.csrf) else {
        tracing::info!("form refused: no session cookie");
        return CSRF.page(&chrome);
    };
    if !form
        .get("csrf")
        .is_some_and(|token| csrf.verify(session, token))
    {
        tracing::info!("form refused: CSRF token missing or not for this session");
        return CSRF.page(&chrome);
    }
    let (Ok(account_id), Ok(draft_id), Some(action)) = (
        AccountId::from_str(&account),
        DraftId::from_str(&draft),
        Decide::parse(&action),
    ) else {
        return NOT_FOUND.page(&chrome);
    };
    let draft = match state.pipeline.draft(draft_id).await {
        Ok(draft) if draft.account_id == account_id => draft,
        Ok(_) => return NOT_FOUND.page(&chrome),
        Err(e) => return ErrorPage::from(&e).page(&chrome),
    };
    let outcome = match action {
        Decide::Approve => state
            .pipeline
            .approve(draft_id, &actor)
            .await
            .map(|_| Outcome::Done("approved")),
        Decide::Reject => reject(&state, &actor, &draft, &form).await,
        Decide::Edit => edit(&state, &actor, &draft, &form).await,
        Decide::Schedule => schedule(&state, &actor, &draft, &form).await,
    };
    match outcome {
        Ok(Outcome::Done(done)) => {
            tracing::info!(draft = %draft_id, action = ?action, actor = %actor.audit_name(), "decision recorded");
            see_other(&ctx.href(&format!(
                "{}/{account_id}?done={done}#draft-{draft_id}",
                paths::APPROVAL
            )))
        }
        Ok(Outcome::Refused(form)) => {
            show(
                &state,
                &ctx,
                &actor,
                account_id,
                session,
                None,
                Some(Refused { draft_id, form }),
            )
            .await
        }
        Err(e) => ErrorPage::from(&e).page(&chrome),
    }
}

fn field(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

async fn reject(
    state: &AppState,
    actor: &Actor,
    draft: &Draft,
    form: &HashMap<String, String>,
) -> Result<Outcome, PipelineError> {
    let reason = field(form, "reason").replace("\r\n", "\n");
    if reason.trim().is_empty() {
        // The role is checked first, so a viewer learns nothing about the form.
        actor.ensure(Operation::Reject)?;
        return Ok(Outcome::Refused(FormView {
            text: draft.text.clone(),
            reason,
            reason_errors: vec!["Give a reason: it is kept with the decision.".into()],
            ..FormView::default()
        }));
    }
    state
        .pipeline
        .reject(draft.id, actor, reason.trim())
        .await
        .map(|_| Outcome::Done("rejected"))
}

async fn edit(
    state: &AppState,
    actor: &Actor,
    draft: &Draft,
    form: &HashMap<String, String>,
) -> Result<Outcome, PipelineError> {
    actor.ensure(Operation::EditDraft)?;
    // Browsers send a textarea's line breaks as CRLF; the text is stored
    // (and measured) with plain line feeds.
    let text = field(form, "text").replace("\r\n", "\n");
    let refuse = |errors: Vec<String>| {
        Outcome::Refused(FormView {
            text: text.clone(),
            text_errors: errors,
            ..FormView::default()
        })
    };
    if text.trim().is_empty() {
        return Ok(refuse(vec!["The text cannot be empty.".into()]));
    }
    if text == draft.text {
        return Ok(Outcome::Done("unchanged"));
    }
    let check = state
        .pipeline
        .check_text(draft.account_id, &text, actor)
        .await?;
    if !check.fits {
        let over = check.length.saturating_sub(check.max_length);
        let name = network_name(state.pipeline.publisher().text_limits().name());
        return Ok(refuse(vec![format!(
            "{} characters, counted the way {name} counts them (emoji count as several): {over} over the limit of {}. Shorten it; nothing was saved.",
            check.length, check.max_length
        )]));
    }
    match state.pipeline.edit(draft.id, actor, &text).await {
        Ok(_) => Ok(Outcome::Done("edited")),
        Err(PipelineError::TextRejected { .. }) => Ok(refuse(vec![
            "The text is longer than one post allows. Shorten it; nothing was saved.".into(),
        ])),
        Err(e) => Err(e),
    }
}

/// Reads a `datetime-local` value (`2026-03-02T10:30`, seconds optional).
fn parse_local(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()
}

async fn schedule(
    state: &AppState,
    actor: &Actor,
    draft: &Draft,
    form: &HashMap<String, String>,
) -> Result<Outcome, PipelineError> {
    let when = if form.get("slot").is_some_and(|v| v == "next") {
        When::NextSlot
    } else {
        actor.ensure(Operation::Schedule)?;
        let value = field(form, "at");
        let refuse = |error: String| {
            Outcome::Refused(FormView {
                text: draft.text.clone(),
                at: value.clone(),
                at_errors: vec![error],
                ..FormView::default()
            })
        };
        let tz = state
            .pipeline
            .persona(draft.account_id)
            .await?
            .map_or(Tz::UTC, |doc| doc.persona.time_zone);
        let Some(at) = parse_local(&value) else {
            return Ok(refuse(format!("Enter a date and time ({}).", tz.name())));
        };
        if content_pipeline::schedule::resolve_local(tz, at) <= state.pipeline.clock().now() {
            return Ok(refuse(format!(
                "Pick a time in the future ({} time).",
                tz.name()
            )));
        }
        When::Local { at }
    };
    state
        .pipeline
        .schedule(draft.id, when, actor)
        .await
        .map(|_| Outcome::Done("scheduled"))
}
