//! What an agent may do from its pane with the pipeline: check and propose
//! its own team's fix. Another team's branch, and forcing a pull request
//! past its checks, are a person's call.

use warroom_store::{AgentRecord, TeamRecord};

use crate::{App, AppError};

impl App {
    /// The agent running this command, refused unless it belongs to
    /// `team`; `None` for a person.
    pub(crate) fn agent_acting_on(
        &self,
        team: &TeamRecord,
        what: &str,
    ) -> Result<Option<AgentRecord>, AppError> {
        let Some(agent) = self.acting_agent()? else {
            return Ok(None);
        };
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
