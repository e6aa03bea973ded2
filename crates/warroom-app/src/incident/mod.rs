//! An incident: declaring and changing it, its todos and their escalation,
//! stakeholder updates and the notification outbox, and what is written
//! about it (report, postmortem, performance).

pub(crate) mod change;
pub(crate) mod declare;
pub(crate) mod document;
pub(crate) mod escalation;
pub(crate) mod performance;
pub(crate) mod postmortem;
pub(crate) mod report;
pub(crate) mod todos;
pub(crate) mod updates;
pub(crate) mod views;
