//! [`Probe`]: a hook at each step of the publishing protocol.
//!
//! For metrics, tracing beyond the built-in spans, and crash tests: the
//! workspace's chaos test installs a probe that kills its worker process at a
//! chosen step, to prove that a crash between any two steps neither loses nor
//! repeats a post.

use std::fmt;

/// A step of the publishing protocol, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// A worker claimed a job and is about to run it.
    Claimed,
    /// The network created a container; its id is not recorded yet.
    ContainerCreated,
    /// The container id is recorded in the ledger.
    ContainerRecorded,
    /// `PublishSent` is recorded and the lease re-checked: the publish call is next.
    BeforePublish,
    /// The network answered the publish call; the answer is not recorded yet.
    AfterPublish,
    /// The ledger says published; the draft, quota and job are not updated yet.
    PublishRecorded,
    /// Everything is recorded; the job is about to be completed.
    Finished,
    /// An answer to a reply or mention is stored as a draft; the message does
    /// not point at it yet (subject: the message's post id).
    AnswerDrafted,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Claimed,
        Step::ContainerCreated,
        Step::ContainerRecorded,
        Step::BeforePublish,
        Step::AfterPublish,
        Step::PublishRecorded,
        Step::Finished,
        Step::AnswerDrafted,
    ];

    /// The step's name (`"before_publish"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Claimed => "claimed",
            Step::ContainerCreated => "container_created",
            Step::ContainerRecorded => "container_recorded",
            Step::BeforePublish => "before_publish",
            Step::AfterPublish => "after_publish",
            Step::PublishRecorded => "publish_recorded",
            Step::Finished => "finished",
            Step::AnswerDrafted => "answer_drafted",
        }
    }

    /// Parses [`as_str`](Step::as_str) names.
    pub fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Called synchronously at each [`Step`] with the subject's id (a draft id).
/// Keep it fast; it runs on the worker's task.
pub trait Probe: Send + Sync + fmt::Debug {
    /// The pipeline reached `step` for `subject`.
    fn at(&self, step: Step, subject: &str);
}
