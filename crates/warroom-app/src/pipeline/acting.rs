//! What an agent may do from its pane with the pipeline: check and propose
//! its own team's fix. Another team's branch, and forcing a pull request
//! past its checks, are a person's call.

use warroom_model::AgentId;
use warroom_store::{AgentRecord, TeamRecord};

use crate::{App, AppError};

impl App {
    /// The agent running this command (from `WARROOM_AGENT_ID`), refused
    /// unless it belongs to `team`; `None` for a person.
    pub(crate) fn agent_acting_on(
        &self,
        team: &TeamRecord,
        what: &str,
    ) -> Result<Option<AgentRecord>, AppError> {
        let Some(raw) = &self.agent_id else {
            return Ok(None);
        };
        let id: AgentId = raw.parse().map_err(|_| {
            AppError::bad_input(format!("WARROOM_AGENT_ID={raw:?} is not an agent id"))
        })?;
        let agent = self
            .store()
            .agent(id)?
            .ok_or_else(|| AppError::bad_input(format!("WARROOM_AGENT_ID={raw} names no agent")))?;
        if agent.team_id != team.id {
            return Err(AppError::bad_input(format!(
                "agent {} may {what} only for its own team, not {}",
                agent.id, team.name
            ))
            .hint("ask the incident commander to run it"));
        }
        Ok(Some(agent))
    }
}
