//! Who may do what: the [`Operation`]s, the one permission table that
//! decides them per [`Role`], and the organisation rule (documented on
//! [`Operation`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use store_traits::{Account, OrgId};

use crate::actor::{Actor, Role};

/// Something a person (or the system) triggers, and who may: the one
/// permission table that decides it per [`Role`], and the organisation rule.
///
/// # The permission table
///
/// `✓` allowed, `–` refused. The *system* column is [`Actor::system`]: the
/// pipeline acting on its own (the worker, sweeps, automatic approval,
/// answers to comments, Meta's callbacks, retention).
///
/// | operation | owner | admin | editor | viewer | system |
/// |---|---|---|---|---|---|
/// | view | ✓ | ✓ | ✓ | ✓ | ✓ |
/// | create_draft | ✓ | ✓ | ✓ | – | ✓ |
/// | edit_draft | ✓ | ✓ | ✓ | – | – |
/// | approve | ✓ | ✓ | ✓ | – | ✓ |
/// | reject | ✓ | ✓ | ✓ | – | – |
/// | schedule | ✓ | ✓ | ✓ | – | ✓ |
/// | moderate | ✓ | ✓ | ✓ | – | ✓ |
/// | edit_persona | ✓ | ✓ | – | – | ✓ |
/// | change_policy | ✓ | ✓ | – | – | – |
/// | connect | ✓ | ✓ | – | – | ✓ |
/// | disconnect | ✓ | ✓ | – | – | ✓ |
/// | pause | ✓ | ✓ | – | – | – |
/// | export | ✓ | ✓ | – | – | – |
/// | delete_account | ✓ | – | – | – | ✓ |
///
/// Why these rules:
/// * **Owner**: everything; the only person who may delete an account, the
///   one operation that cannot be undone (every draft, persona, conversation
///   and audit record of the account goes).
/// * **Admin**: runs the accounts for the owner: connects and disconnects
///   them, pauses them, shapes the voice (persona) and the policies, and
///   answers data requests (export). Everything an admin does can be undone
///   or repeated; deletion cannot, so it stays with the owner.
/// * **Editor**: the day-to-day content work: writes, edits, approves,
///   rejects and schedules drafts, and moderates replies (hide, show,
///   approve a reply waiting for approval). An editor does not change the persona
///   (it changes every future text) nor touch the connection or the data as
///   a whole.
/// * **Viewer**: reads only.
/// * **System**: exactly what the pipeline does by itself: drafts answers to
///   comments, hides abusive replies, approves automatically (only what the approval policy and
///   the guardrails allow), schedules, bootstraps and tunes personas,
///   disconnects on Meta's deauthorize callback and deletes on Meta's
///   data-deletion callback or for retention. It also connects an account
///   when a login request names no person (a single-operator deployment, or
///   a host that decides itself who may start a login). It never edits a
///   person's text, rejects, pauses, exports or changes a policy.
///
/// A person without a role (an [`Actor`] built with `role: None` and an id
/// other than `"system"`) may do nothing.
///
/// # The organisation rule
///
/// An account belongs to at most one organisation (`Account::org_id`). A
/// person may act on an account only in the account's organisation: the
/// actor's `org_id` must equal the account's (`None` equals `None`, the
/// single-tenant case). A person of organisation A is refused on accounts of
/// B and on accounts without an organisation; a person without an
/// organisation is refused on accounts that have one. The system actor acts
/// on every account.
///
/// # Where the checks run
///
/// Every person-triggered operation of [`Pipeline`](crate::Pipeline) checks
/// its actor first, before it reads further or writes anything, and a
/// refusal writes nothing (no audit event either; it is logged at `warn`).
/// What is allowed leaves an audit event naming the actor:
///
/// | operation | checked by |
/// |---|---|
/// | create_draft | [`create_draft`](crate::Pipeline::create_draft), [`generate_draft`](crate::Pipeline::generate_draft), [`submit`](crate::Pipeline::submit), [`add_text_source`](crate::Pipeline::add_text_source), [`add_url_source`](crate::Pipeline::add_url_source), [`add_feed`](crate::Pipeline::add_feed), [`remix_source`](crate::Pipeline::remix_source) |
/// | edit_draft | [`edit`](crate::Pipeline::edit) |
/// | approve | [`approve`](crate::Pipeline::approve) |
/// | reject | [`reject`](crate::Pipeline::reject) |
/// | schedule | [`schedule`](crate::Pipeline::schedule) |
/// | moderate | [`moderate`](crate::Pipeline::moderate) |
/// | edit_persona | [`update_persona`](crate::Pipeline::update_persona), [`apply_best_hours`](crate::Pipeline::apply_best_hours) |
/// | connect | [`start_connect`](crate::Pipeline::start_connect), [`finish_connect`](crate::Pipeline::finish_connect) (the actor travels in the signed OAuth state) |
/// | disconnect | [`disconnect`](crate::Pipeline::disconnect) |
/// | pause | [`set_paused`](crate::Pipeline::set_paused) |
/// | export | [`export_account`](crate::Pipeline::export_account) |
/// | delete_account | [`delete_account`](crate::Pipeline::delete_account) |
/// | view, change_policy | no pipeline operation: reads take no actor, and policies are fixed when the pipeline is built; hosts check these themselves with [`Actor::may`] or [`Actor::ensure`] |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// Read drafts, accounts, insights.
    View,
    /// Write a draft (by hand or with the model) and send it for approval.
    CreateDraft,
    /// Change a draft's text.
    EditDraft,
    /// Approve a draft.
    Approve,
    /// Reject a draft.
    Reject,
    /// Schedule (or reschedule) a draft.
    Schedule,
    /// Hide, show or approve a reply under one of the account's posts.
    Moderate,
    /// Change an account's persona.
    EditPersona,
    /// Change a policy (approval modes, limits, retention).
    ChangePolicy,
    /// Connect (or reconnect) an account.
    Connect,
    /// Disconnect an account.
    Disconnect,
    /// Pause or resume an account.
    Pause,
    /// Export every record of an account.
    Export,
    /// Delete an account and every record of it.
    DeleteAccount,
}

impl Operation {
    /// Every operation, in the order of the permission table.
    pub const ALL: [Operation; 14] = [
        Operation::View,
        Operation::CreateDraft,
        Operation::EditDraft,
        Operation::Approve,
        Operation::Reject,
        Operation::Schedule,
        Operation::Moderate,
        Operation::EditPersona,
        Operation::ChangePolicy,
        Operation::Connect,
        Operation::Disconnect,
        Operation::Pause,
        Operation::Export,
        Operation::DeleteAccount,
    ];

    /// The operation as text (`"approve"`, `"delete_account"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::CreateDraft => "create_draft",
            Self::EditDraft => "edit_draft",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Schedule => "schedule",
            Self::Moderate => "moderate",
            Self::EditPersona => "edit_persona",
            Self::ChangePolicy => "change_policy",
            Self::Connect => "connect",
            Self::Disconnect => "disconnect",
            Self::Pause => "pause",
            Self::Export => "export",
            Self::DeleteAccount => "delete_account",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the permission table.
struct Grant {
    operation: Operation,
    owner: bool,
    admin: bool,
    editor: bool,
    viewer: bool,
    system: bool,
}

const fn grant(operation: Operation, [owner, admin, editor, viewer, system]: [bool; 5]) -> Grant {
    Grant {
        operation,
        owner,
        admin,
        editor,
        viewer,
        system,
    }
}

const Y: bool = true;
const N: bool = false;

/// The permission table (the docs of [`Operation`] show the same table).
/// Columns: owner, admin, editor, viewer, system.
const PERMISSIONS: [Grant; 14] = [
    grant(Operation::View, [Y, Y, Y, Y, Y]),
    grant(Operation::CreateDraft, [Y, Y, Y, N, Y]),
    grant(Operation::EditDraft, [Y, Y, Y, N, N]),
    grant(Operation::Approve, [Y, Y, Y, N, Y]),
    grant(Operation::Reject, [Y, Y, Y, N, N]),
    grant(Operation::Schedule, [Y, Y, Y, N, Y]),
    grant(Operation::Moderate, [Y, Y, Y, N, Y]),
    grant(Operation::EditPersona, [Y, Y, N, N, Y]),
    grant(Operation::ChangePolicy, [Y, Y, N, N, N]),
    grant(Operation::Connect, [Y, Y, N, N, Y]),
    grant(Operation::Disconnect, [Y, Y, N, N, Y]),
    grant(Operation::Pause, [Y, Y, N, N, N]),
    grant(Operation::Export, [Y, Y, N, N, N]),
    grant(Operation::DeleteAccount, [Y, N, N, N, Y]),
];

/// Why an actor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Denial {
    /// The actor's role (or lack of one) does not allow the operation.
    Role,
    /// The account belongs to another organisation than the actor's.
    Organisation,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Role => "the role does not allow it",
            Self::Organisation => "the account belongs to another organisation",
        })
    }
}

/// A refused operation: who, what, and why. Carried by
/// [`Error::Forbidden`](crate::Error::Forbidden).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{actor} may not {operation}: {denial}")]
#[non_exhaustive]
pub struct Forbidden {
    /// The actor, as audit events name it (`"user:<id>"` or `"system"`).
    pub actor: String,
    /// The actor's role.
    pub role: Option<Role>,
    /// What was attempted.
    pub operation: Operation,
    /// Why it was refused.
    pub denial: Denial,
}

impl Actor {
    /// Whether the permission table lets this actor's role do `operation`
    /// (the organisation is not looked at; see [`Actor::may_act_in`]).
    /// The table is documented on [`Operation`].
    pub fn may(&self, operation: Operation) -> bool {
        let Some(row) = PERMISSIONS.iter().find(|g| g.operation == operation) else {
            return false;
        };
        match self.role {
            Some(Role::Owner) => row.owner,
            Some(Role::Admin) => row.admin,
            Some(Role::Editor) => row.editor,
            Some(Role::Viewer) => row.viewer,
            None => self.is_system() && row.system,
        }
    }

    /// Whether this actor may act on records of organisation `org` (the
    /// organisation rule documented on [`Operation`]).
    pub fn may_act_in(&self, org: Option<&OrgId>) -> bool {
        self.is_system() || self.org_id.as_ref() == org
    }

    /// [`Actor::may`], as a `Result` for `?`.
    pub fn ensure(&self, operation: Operation) -> Result<(), Forbidden> {
        if self.may(operation) {
            Ok(())
        } else {
            Err(self.refusal(operation, Denial::Role))
        }
    }

    /// Checks the role, then the organisation against `account`'s.
    pub fn ensure_on(&self, operation: Operation, account: &Account) -> Result<(), Forbidden> {
        self.ensure(operation)?;
        if self.may_act_in(account.org_id.as_ref()) {
            Ok(())
        } else {
            Err(self.refusal(operation, Denial::Organisation))
        }
    }

    fn refusal(&self, operation: Operation, denial: Denial) -> Forbidden {
        tracing::warn!(actor = %self, %operation, %denial, "operation refused");
        Forbidden {
            actor: self.audit_name(),
            role: self.role,
            operation,
            denial,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_operation_in_order() {
        let rows: Vec<Operation> = PERMISSIONS.iter().map(|g| g.operation).collect();
        assert_eq!(rows, Operation::ALL.to_vec());
    }

    #[test]
    fn a_person_without_a_role_may_do_nothing() {
        let nobody = Actor {
            id: "nobody".into(),
            role: None,
            org_id: None,
        };
        assert!(Operation::ALL.iter().all(|op| !nobody.may(*op)));
        assert!(nobody.ensure(Operation::View).is_err());
        assert!(Actor::system().may(Operation::View));
    }
}
