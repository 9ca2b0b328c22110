//! [`Actor`]: who triggers an operation.

use std::fmt;

use serde::{Deserialize, Serialize};
use store_traits::OrgId;

/// A person's role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// Owns the organisation: everything.
    Owner,
    /// Runs the accounts: everything but deleting an account.
    Admin,
    /// Writes, edits, approves, rejects and schedules drafts.
    Editor,
    /// Reads only.
    Viewer,
}

impl Role {
    /// The role as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// Reads a role's text (`"owner"`, `"admin"`, `"editor"`, `"viewer"`).
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did something: a person (with a role, in an organisation) or the
/// system itself (the worker, a sweep).
///
/// Every decision the pipeline records (approval, rejection, edit, schedule,
/// connect, disconnect, export, deletion) names its actor, in the draft's
/// decisions and in the audit trail. The host resolves people (it owns
/// login); the pipeline checks the role and organisation it is given against
/// its permission table (see [`Operation`](crate::Operation)) and records the
/// id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The host's id for the person, or `"system"`.
    pub id: String,
    /// The person's role (`None` for the system).
    pub role: Option<Role>,
    /// The organisation the person acts in.
    pub org_id: Option<OrgId>,
}

impl Actor {
    /// The pipeline itself.
    pub fn system() -> Self {
        Self {
            id: "system".to_owned(),
            role: None,
            org_id: None,
        }
    }

    /// A person with `role`.
    pub fn person(id: impl Into<String>, role: Role) -> Self {
        Self {
            id: id.into(),
            role: Some(role),
            org_id: None,
        }
    }

    /// Sets the organisation.
    pub fn in_org(mut self, org_id: OrgId) -> Self {
        self.org_id = Some(org_id);
        self
    }

    /// Whether this is the system rather than a person.
    pub fn is_system(&self) -> bool {
        self.role.is_none() && self.id == "system"
    }

    /// The form written into audit events and draft decisions:
    /// `"system"` or `"user:<id>"`.
    pub fn audit_name(&self) -> String {
        if self.is_system() {
            "system".to_owned()
        } else {
            format!("user:{}", self.id)
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.role {
            Some(role) => write!(f, "{} ({})", self.id, role.as_str()),
            None => f.write_str(&self.id),
        }
    }
}
