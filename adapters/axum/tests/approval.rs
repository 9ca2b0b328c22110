//! The approval pages over HTTP: what they show, each decision, the text
//! budget on edits, and who may post what (401, 403, CSRF).

mod common;

use common::{
    Answer, Browser, COMMENT_TEXT, FLAGGED_TEXT, Harness, PENDING_TEXT, Populated, csrf_of,
    unescaped,
};
use store_traits::{DecisionKind, Draft, DraftId, DraftState};

fn queue_url(h: &Harness, p: &Populated) -> String {
    h.url(&format!("/approval/{}", p.account))
}

fn action_url(h: &Harness, p: &Populated, draft: DraftId, action: &str) -> String {
    h.url(&format!("/approval/{}/drafts/{draft}/{action}", p.account))
}

async fn draft(h: &Harness, id: DraftId) -> Draft {
    h.pipeline.draft(id).await.expect("draft")
}

/// Opens the queue in `browser` as `actor`; returns the page and its CSRF token.
async fn open(h: &Harness, p: &Populated, browser: &Browser, actor: &str) -> (Answer, String) {
    let page = browser.get(&queue_url(h, p), Some(actor)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = csrf_of(&page.body);
    (page, csrf)
}

/// Where a decision redirects: the queue, with a notice, at the draft.
fn assert_done(p: &Populated, answer: &Answer, done: &str, draft: DraftId) {
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.location(),
        format!("/threads/approval/{}?done={done}#draft-{draft}", p.account)
    );
}

#[tokio::test]
async fn the_page_shows_each_draft_with_what_a_reviewer_needs() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (page, _) = open(&h, &p, &browser, "editor:ed").await;
    let body = unescaped(&page.body);

    // Headers of every page.
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'nonce-"));
    assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert!(page.header("x-request-id").is_some());
    let cookie = page.header("set-cookie").expect("a session cookie");
    assert!(cookie.contains("HttpOnly"));

    assert!(body.contains("Review @ana"));
    assert!(body.contains("Signed in as <b>ed</b>"));
    assert!(
        body.contains("Limit 500 characters per post (Threads)"),
        "{body}"
    );
    // The sections, and every draft in its own.
    assert!(body.contains("Waiting for approval") && body.contains("Scheduled"));
    for d in [&p.pending, &p.flagged, &p.reply, &p.scheduled] {
        assert!(body.contains(&format!("id=\"draft-{}\"", d.id)), "{d:?}");
        assert!(body.contains(&d.text), "{}", d.text);
    }
    assert!(body.contains(PENDING_TEXT) && body.contains(FLAGGED_TEXT));
    // The voice score, the guardrail findings, the slot.
    assert!(body.contains("Voice match"));
    assert!(body.contains("<meter"));
    let findings = p
        .flagged
        .quality
        .as_ref()
        .expect("quality")
        .findings
        .clone();
    assert!(!findings.is_empty());
    for f in &findings {
        assert!(body.contains(f.as_str()), "finding {f:?} shown");
    }
    assert!(
        body.contains("Goes out <b>Thu 5 Mar 2026, 10:30</b>"),
        "{body}"
    );
    // A reply shows the comment it answers.
    assert!(body.contains("Answering @linen_person"));
    assert!(body.contains(COMMENT_TEXT));
    // Forms for each decision, each with the CSRF field.
    for action in ["approve", "edit", "reject"] {
        assert!(
            body.contains(&format!(
                "action=\"/threads/approval/{}/drafts/{}/{action}\"",
                p.account, p.pending.id
            )),
            "{action}"
        );
    }
    assert!(body.contains(&format!(
        "action=\"/threads/approval/{}/drafts/{}/schedule\"",
        p.account, p.scheduled.id
    )));
    let forms = page.body.matches("<form method=\"post\"").count();
    let tokens = page.body.matches("name=\"csrf\"").count();
    assert!(
        forms >= 10 && forms == tokens,
        "{forms} forms, {tokens} tokens"
    );

    // The accounts page links here.
    let index = browser.get(&h.url("/approval"), Some("editor:ed")).await;
    assert_eq!(index.status, 200);
    assert!(unescaped(&index.body).contains(&format!("href=\"/threads/approval/{}\"", p.account)));
}

#[tokio::test]
async fn a_draft_text_with_markup_is_shown_as_text() {
    let h = Harness::new().await;
    let account = h.connect("ana").await;
    h.pending_post(account, "<script>alert('x')</script> & <b>bold</b>")
        .await;
    let page = Browser::new()
        .get(&h.url(&format!("/approval/{account}")), Some("editor:ed"))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<b>bold</b>"));
    assert!(page.body.contains("&lt;script&gt;alert"));
}

#[tokio::test]
async fn approving_a_draft_records_who_approved_it() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (_, csrf) = open(&h, &p, &browser, "editor:ed").await;

    let answer = browser
        .post_form(
            &action_url(&h, &p, p.pending.id, "approve"),
            Some("editor:ed"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_done(&p, &answer, "approved", p.pending.id);
    let approved = draft(&h, p.pending.id).await;
    assert_eq!(approved.state, DraftState::Approved);
    let last = approved.decisions.last().expect("a decision");
    assert_eq!(
        (last.kind, last.actor.as_str()),
        (DecisionKind::Approved, "user:ed")
    );

    // The page it lands on says so and lists the draft as approved.
    let page = browser
        .get(&h.url(&answer.location()[NEST_LEN..]), Some("editor:ed"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Approved. Schedule it when you are ready.")
    );
    assert!(page.body.contains("Approved, not scheduled"));

    // Approving it again is refused: it is no longer waiting.
    let again = browser
        .post_form(
            &action_url(&h, &p, p.pending.id, "approve"),
            Some("editor:ed"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("The draft changed"));
}

/// `/threads` prefix of the redirect locations.
const NEST_LEN: usize = common::NEST.len();

#[tokio::test]
async fn an_edit_over_the_text_budget_is_shown_with_its_problem_and_nothing_is_saved() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (_, csrf) = open(&h, &p, &browser, "editor:ed").await;
    let url = action_url(&h, &p, p.pending.id, "edit");

    // 501 letters.
    let long = format!("Too long {}", "a".repeat(492));
    let answer = browser
        .post_form(&url, Some("editor:ed"), &[("csrf", &csrf), ("text", &long)])
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("501 characters, counted the way Threads counts them"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("1 over the limit of 500"));
    assert!(answer.body.contains("nothing was saved"));
    // The text sent comes back in the form, marked invalid, the form open.
    assert!(answer.body.contains(&long));
    assert!(answer.body.contains("aria-invalid=\"true\""));
    assert!(
        answer
            .body
            .contains(&format!("<details open id=\"edit-{}\"", p.pending.id))
    );
    let unchanged = draft(&h, p.pending.id).await;
    assert_eq!(unchanged.text, PENDING_TEXT);
    assert!(
        unchanged
            .decisions
            .iter()
            .all(|d| d.kind != DecisionKind::Edited)
    );

    // 130 emoji are 130 characters to a person but 520 to Threads.
    let emoji = "🍞".repeat(130);
    let answer = browser
        .post_form(
            &url,
            Some("editor:ed"),
            &[("csrf", &csrf), ("text", &emoji)],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("520 characters"), "{}", answer.body);
    assert_eq!(draft(&h, p.pending.id).await.text, PENDING_TEXT);

    // An empty text is refused too.
    let answer = browser
        .post_form(&url, Some("editor:ed"), &[("csrf", &csrf), ("text", "  ")])
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("The text cannot be empty."));

    // A text that fits is saved (line breaks as the browser sends them).
    let answer = browser
        .post_form(
            &url,
            Some("editor:ed"),
            &[
                ("csrf", &csrf),
                ("text", "Rye week starts Monday.\r\nOne loaf a day."),
            ],
        )
        .await;
    assert_done(&p, &answer, "edited", p.pending.id);
    let edited = draft(&h, p.pending.id).await;
    assert_eq!(edited.text, "Rye week starts Monday.\nOne loaf a day.");
    assert_eq!(edited.state, DraftState::PendingApproval);
    let last = edited.decisions.last().expect("decision");
    assert_eq!(
        (last.kind, last.actor.as_str()),
        (DecisionKind::Edited, "user:ed")
    );
}

#[tokio::test]
async fn rejecting_needs_a_reason_and_keeps_it() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (_, csrf) = open(&h, &p, &browser, "editor:ed").await;
    let url = action_url(&h, &p, p.reply.id, "reject");

    let answer = browser
        .post_form(&url, Some("editor:ed"), &[("csrf", &csrf), ("reason", " ")])
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("Give a reason"));
    assert_eq!(
        draft(&h, p.reply.id).await.state,
        DraftState::PendingApproval
    );

    let answer = browser
        .post_form(
            &url,
            Some("editor:ed"),
            &[
                ("csrf", &csrf),
                ("reason", "We answer flour questions in the FAQ post."),
            ],
        )
        .await;
    assert_done(&p, &answer, "rejected", p.reply.id);
    let rejected = draft(&h, p.reply.id).await;
    assert_eq!(rejected.state, DraftState::Rejected);
    let last = rejected.decisions.last().expect("decision");
    assert_eq!(last.kind, DecisionKind::Rejected);
    assert_eq!(last.actor, "user:ed");
    assert_eq!(
        last.reason.as_deref(),
        Some("We answer flour questions in the FAQ post.")
    );
    // Gone from the page.
    let (page, _) = open(&h, &p, &browser, "editor:ed").await;
    assert!(!page.body.contains(&format!("id=\"draft-{}\"", p.reply.id)));
}

#[tokio::test]
async fn scheduling_and_rescheduling_check_the_time() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (_, csrf) = open(&h, &p, &browser, "editor:ed").await;
    let url = action_url(&h, &p, p.scheduled.id, "schedule");

    for (value, error) in [
        ("2026-03-01T10:00", "Pick a time in the future"),
        ("next tuesday", "Enter a date and time"),
    ] {
        let answer = browser
            .post_form(
                &url,
                Some("editor:ed"),
                &[("csrf", &csrf), ("at", value), ("slot", "at")],
            )
            .await;
        assert_eq!(answer.status, 422, "{value}: {}", answer.body);
        assert!(answer.body.contains(error), "{value}");
        assert_eq!(
            draft(&h, p.scheduled.id).await.scheduled_at,
            p.scheduled.scheduled_at
        );
    }

    let answer = browser
        .post_form(
            &url,
            Some("editor:ed"),
            &[("csrf", &csrf), ("at", "2026-03-06T08:15"), ("slot", "at")],
        )
        .await;
    assert_done(&p, &answer, "scheduled", p.scheduled.id);
    let moved = draft(&h, p.scheduled.id).await;
    assert_eq!(moved.state, DraftState::Scheduled);
    assert_eq!(
        moved.scheduled_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-06T08:15:00+00:00")
    );

    // Approve the waiting post, then let the posting windows pick its slot.
    browser
        .post_form(
            &action_url(&h, &p, p.pending.id, "approve"),
            Some("editor:ed"),
            &[("csrf", &csrf)],
        )
        .await;
    let answer = browser
        .post_form(
            &action_url(&h, &p, p.pending.id, "schedule"),
            Some("editor:ed"),
            &[("csrf", &csrf), ("at", ""), ("slot", "next")],
        )
        .await;
    assert_done(&p, &answer, "scheduled", p.pending.id);
    let slotted = draft(&h, p.pending.id).await;
    assert_eq!(slotted.state, DraftState::Scheduled);
    assert!(
        slotted.scheduled_at.is_some_and(|t| t >= common::start()),
        "{:?}",
        slotted.scheduled_at
    );
}

#[tokio::test]
async fn nobody_signed_in_is_401_and_a_role_or_organisation_that_does_not_allow_it_is_403() {
    let h = Harness::new().await;
    let p = h.populate().await;

    // Nobody signed in.
    let stranger = Browser::new();
    for url in [h.url("/approval"), queue_url(&h, &p)] {
        let page = stranger.get(&url, None).await;
        assert_eq!(page.status, 401, "{url}");
        assert!(page.body.contains("Sign in first"));
        assert!(!page.body.contains(PENDING_TEXT));
    }

    // A viewer reads, without forms, and cannot decide.
    let viewer = Browser::new();
    let (page, csrf) = {
        let page = viewer.get(&queue_url(&h, &p), Some("viewer:vic")).await;
        assert_eq!(page.status, 200);
        // The viewer's page has no decision forms; take a token for its
        // session from an editor's view of the same session.
        let editor_page = viewer.get(&queue_url(&h, &p), Some("editor:ed")).await;
        let csrf = csrf_of(&editor_page.body);
        (page, csrf)
    };
    assert!(page.body.contains("your role does not allow decisions"));
    assert!(!page.body.contains("<form method=\"post\""));
    assert!(page.body.contains(PENDING_TEXT));
    for (action, form) in [
        ("approve", vec![("csrf", csrf.as_str())]),
        (
            "edit",
            vec![("csrf", csrf.as_str()), ("text", "viewer was here")],
        ),
        ("reject", vec![("csrf", csrf.as_str()), ("reason", "no")]),
        ("reject", vec![("csrf", csrf.as_str()), ("reason", "")]),
    ] {
        let answer = viewer
            .post_form(
                &action_url(&h, &p, p.pending.id, action),
                Some("viewer:vic"),
                &form,
            )
            .await;
        assert_eq!(answer.status, 403, "{action}: {}", answer.body);
        assert!(answer.body.contains("Not allowed"));
    }
    let answer = viewer
        .post_form(
            &action_url(&h, &p, p.pending.id, "approve"),
            None,
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(answer.status, 401);

    // An editor of another organisation sees nothing of the account.
    let outsider = Browser::new();
    let page = outsider
        .get(&queue_url(&h, &p), Some("editor:eve@other-org"))
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(!page.body.contains(PENDING_TEXT));
    let index = outsider
        .get(&h.url("/approval"), Some("editor:eve@other-org"))
        .await;
    assert_eq!(index.status, 200);
    assert!(!index.body.contains("@ana"));

    // Unknown account, malformed id, a draft of another account.
    let editor = Browser::new();
    let (_, csrf) = open(&h, &p, &editor, "editor:ed").await;
    for url in [
        h.url(&format!("/approval/{}", store_traits::AccountId::new())),
        h.url("/approval/not-an-id"),
    ] {
        let page = editor.get(&url, Some("editor:ed")).await;
        assert_eq!(page.status, 404, "{url}");
    }
    let foreign = h.url(&format!(
        "/approval/{}/drafts/{}/approve",
        store_traits::AccountId::new(),
        p.pending.id
    ));
    let answer = editor
        .post_form(&foreign, Some("editor:ed"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 404);
    let unknown = action_url(&h, &p, p.pending.id, "publish-now");
    let answer = editor
        .post_form(&unknown, Some("editor:ed"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 404);

    let untouched = draft(&h, p.pending.id).await;
    assert_eq!(untouched.state, DraftState::PendingApproval);
    assert_eq!(untouched.text, PENDING_TEXT);
    assert!(untouched.decisions.iter().all(|d| d.actor != "user:vic"));
}

#[tokio::test]
async fn a_form_without_the_session_csrf_token_is_refused() {
    let h = Harness::new().await;
    let p = h.populate().await;
    let browser = Browser::new();
    let (_, csrf) = open(&h, &p, &browser, "editor:ed").await;
    let other = Browser::new();
    let (_, other_csrf) = open(&h, &p, &other, "editor:ed").await;
    assert_ne!(csrf, other_csrf, "tokens are per session");
    let url = action_url(&h, &p, p.pending.id, "approve");

    let mut altered = csrf.clone();
    let last = altered.pop().expect("a character");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("missing", vec![]),
        ("empty", vec![("csrf", "")]),
        ("another session's", vec![("csrf", other_csrf.as_str())]),
        ("altered", vec![("csrf", altered.as_str())]),
        ("not base64", vec![("csrf", "<script>")]),
    ];
    for (name, form) in cases {
        let answer = browser.post_form(&url, Some("editor:ed"), &form).await;
        assert_eq!(answer.status, 403, "{name}: {}", answer.body);
        assert!(answer.body.contains("The form has expired"), "{name}");
    }
    // The right token without the cookie it was made for.
    let cookieless = Browser::new();
    let answer = cookieless
        .post_form(&url, Some("editor:ed"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 403);
    // Edits and rejections are checked the same way.
    for (action, form) in [
        ("edit", vec![("text", "forged edit")]),
        ("reject", vec![("reason", "forged")]),
    ] {
        let answer = browser
            .post_form(
                &action_url(&h, &p, p.pending.id, action),
                Some("editor:ed"),
                &form,
            )
            .await;
        assert_eq!(answer.status, 403, "{action}");
    }

    let untouched = draft(&h, p.pending.id).await;
    assert_eq!(untouched.state, DraftState::PendingApproval);
    assert_eq!(untouched.text, PENDING_TEXT);
    assert_eq!(
        untouched.decisions, p.pending.decisions,
        "no decision recorded"
    );

    // And the right token in the right session works.
    let answer = browser
        .post_form(&url, Some("editor:ed"), &[("csrf", &csrf)])
        .await;
    assert_done(&p, &answer, "approved", p.pending.id);
}
