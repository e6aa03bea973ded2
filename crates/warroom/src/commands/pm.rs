use anyhow::Result;
use warroom_app::App;

use crate::cli::PmCommand;
use crate::output::json;

pub fn run(app: &App, cmd: &PmCommand, as_json: bool) -> Result<()> {
    match cmd {
        PmCommand::Report { team, kind, output } => {
            let path = app.write_report(team, kind, output.as_deref())?;
            if as_json {
                json(&serde_json::json!({ "path": path }))
            } else {
                println!("{}", path.display());
                Ok(())
            }
        }
    }
}
