//! Pull requests through the GitHub REST API, which GitHub Enterprise,
//! Gitea and Forgejo also serve: find the open one for a branch, create it,
//! or update it; add labels and request reviewers. The token goes only into
//! the Authorization header: never into an error, a log or a file.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where the forge is and who asks.
#[derive(Clone)]
pub struct ForgeAccess {
    /// `https://api.github.com`, or an Enterprise/Gitea/Forgejo API root.
    pub api_url: String,
    /// `owner/name`.
    pub repo: String,
    pub token: String,
}

impl std::fmt::Debug for ForgeAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgeAccess")
            .field("api_url", &self.api_url)
            .field("repo", &self.repo)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{what}: HTTP {status}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: {message}")]
    Http { what: String, message: String },
    #[error("no token for the forge: set GITHUB_TOKEN or GH_TOKEN, or log in with gh")]
    NoToken,
}

/// Where pull requests are opened: the API root and the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeTarget {
    pub api_url: String,
    /// `owner/name`.
    pub repo: String,
}

/// The pull-request side of a forge. The app's rules (refused without a
/// check, one pull request, what is recorded) are tested against a fake of
/// it; [`GitHubApi`] is tested for real against a server on 127.0.0.1.
/// The token stays inside the implementation: the app never holds it.
pub trait PullRequests: Send + Sync {
    /// Whether a pull request could be opened at all (a token is at hand),
    /// asked before anything is pushed.
    fn ready(&self) -> Result<(), ForgeError>;
    /// Opens the pull request for `draft.head`, or updates the open one.
    fn open(
        &self,
        target: &ForgeTarget,
        draft: &PullRequestDraft,
    ) -> Result<(PullRequest, Opened), ForgeError>;
    /// Labels the pull request and asks the reviewers.
    fn expedite(
        &self,
        target: &ForgeTarget,
        pr: &PullRequest,
        labels: &[String],
        reviewers: &[String],
    ) -> Result<(), ForgeError>;
}

/// The GitHub REST API, with the person's own token (looked up once).
#[derive(Default)]
pub struct GitHubApi {
    token: std::sync::OnceLock<Option<String>>,
}

impl GitHubApi {
    fn client(&self, target: &ForgeTarget) -> Result<Forge, ForgeError> {
        let token = self
            .token
            .get_or_init(token_from_environment)
            .clone()
            .ok_or(ForgeError::NoToken)?;
        Forge::new(ForgeAccess {
            api_url: target.api_url.clone(),
            repo: target.repo.clone(),
            token,
        })
    }
}

impl PullRequests for GitHubApi {
    fn ready(&self) -> Result<(), ForgeError> {
        match self.token.get_or_init(token_from_environment) {
            Some(_) => Ok(()),
            None => Err(ForgeError::NoToken),
        }
    }

    fn open(
        &self,
        target: &ForgeTarget,
        draft: &PullRequestDraft,
    ) -> Result<(PullRequest, Opened), ForgeError> {
        self.client(target)?.open(draft)
    }

    fn expedite(
        &self,
        target: &ForgeTarget,
        pr: &PullRequest,
        labels: &[String],
        reviewers: &[String],
    ) -> Result<(), ForgeError> {
        self.client(target)?.expedite(pr, labels, reviewers)
    }
}

/// A pull request as the forge knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub html_url: String,
}

/// What a pull request says.
#[derive(Debug, Clone, Serialize)]
pub struct PullRequestDraft {
    pub title: String,
    pub body: String,
    /// The branch with the fix.
    pub head: String,
    pub base: String,
}

/// Whether the pull request was opened now or was already open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Opened {
    Created,
    Updated,
    /// A dry run: the branch was pushed, nothing was sent to the forge.
    NotOpened,
}

pub struct Forge {
    access: ForgeAccess,
    client: reqwest::blocking::Client,
}

impl Forge {
    pub fn new(access: ForgeAccess) -> Result<Self, ForgeError> {
        crate::notify::install_crypto();
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ForgeError::Http {
                what: "building the HTTP client".into(),
                message: e.to_string(),
            })?;
        Ok(Self { access, client })
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/repos/{}{path}",
            self.access.api_url.trim_end_matches('/'),
            self.access.repo
        )
    }

    fn send<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, ForgeError> {
        let response = request
            .bearer_auth(&self.access.token)
            .header("Accept", "application/vnd.github+json")
            .send()
            .map_err(|e| ForgeError::Http {
                what: what.to_owned(),
                // reqwest's errors name the URL, never the headers.
                message: e.to_string(),
            })?;
        let status = response.status();
        let text = response.text().unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(ForgeError::Status {
                what: what.to_owned(),
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_str(&text).map_err(|e| ForgeError::Http {
            what: what.to_owned(),
            message: format!("unexpected answer: {e}"),
        })
    }

    /// Opens the pull request, or updates the one already open for the
    /// branch: never a second one.
    pub fn open(&self, draft: &PullRequestDraft) -> Result<(PullRequest, Opened), ForgeError> {
        let owner = self.access.repo.split('/').next().unwrap_or_default();
        let head = format!("{owner}:{}", draft.head);
        let list = reqwest::Url::parse_with_params(
            &self.url("/pulls"),
            &[("state", "open"), ("head", head.as_str())],
        )
        .map_err(|e| ForgeError::Http {
            what: "the forge's address".into(),
            message: e.to_string(),
        })?;
        let open: Vec<PullRequest> =
            self.send("looking for an open pull request", self.client.get(list))?;
        match open.into_iter().next() {
            Some(existing) => {
                let updated = self.send(
                    "updating the pull request",
                    self.client
                        .patch(self.url(&format!("/pulls/{}", existing.number)))
                        .json(&serde_json::json!({ "title": draft.title, "body": draft.body })),
                )?;
                Ok((updated, Opened::Updated))
            }
            None => {
                let created = self.send(
                    "opening the pull request",
                    self.client.post(self.url("/pulls")).json(draft),
                )?;
                Ok((created, Opened::Created))
            }
        }
    }

    /// Labels the pull request and asks the reviewers, for an expedited
    /// review.
    pub fn expedite(
        &self,
        pr: &PullRequest,
        labels: &[String],
        reviewers: &[String],
    ) -> Result<(), ForgeError> {
        if !labels.is_empty() {
            let _: serde_json::Value = self.send(
                "labelling the pull request",
                self.client
                    .post(self.url(&format!("/issues/{}/labels", pr.number)))
                    .json(&serde_json::json!({ "labels": labels })),
            )?;
        }
        if !reviewers.is_empty() {
            let _: serde_json::Value = self.send(
                "requesting reviewers",
                self.client
                    .post(self.url(&format!("/pulls/{}/requested_reviewers", pr.number)))
                    .json(&serde_json::json!({ "reviewers": reviewers })),
            )?;
        }
        Ok(())
    }
}

/// The token a person would use: `GITHUB_TOKEN`, `GH_TOKEN`, or what
/// `gh auth token` prints when `gh` is installed.
pub fn token_from_environment() -> Option<String> {
    for var in ["GITHUB_TOKEN", "GH_TOKEN"] {
        if let Some(token) = std::env::var(var).ok().filter(|t| !t.trim().is_empty()) {
            return Some(token.trim().to_owned());
        }
    }
    let out = std::process::Command::new("gh")
        .args(["auth", "token"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !token.is_empty()).then_some(token)
}

/// `owner/name` from a remote's URL (`git@github.com:acme/auth.git`,
/// `https://github.com/acme/auth`, `ssh://git@host/acme/auth.git`).
pub fn repo_from_remote(url: &str) -> Option<String> {
    let path = if let Some((_, rest)) = url.split_once("://") {
        rest.split_once('/')?.1
    } else {
        url.split_once(':')?.1
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let mut parts = path.rsplitn(3, '/');
    let name = parts.next()?;
    let owner = parts.next()?;
    (!owner.is_empty() && !name.is_empty()).then(|| format!("{owner}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repo_is_read_from_every_remote_form() {
        for (url, repo) in [
            ("git@github.com:acme/auth.git", "acme/auth"),
            ("https://github.com/acme/auth", "acme/auth"),
            ("https://ghe.example/acme/auth.git/", "acme/auth"),
            ("ssh://git@gitea.example:2222/acme/auth.git", "acme/auth"),
        ] {
            assert_eq!(repo_from_remote(url).as_deref(), Some(repo), "{url}");
        }
        assert_eq!(repo_from_remote("/srv/git/auth.git"), None);
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let access = ForgeAccess {
            api_url: "http://127.0.0.1:1".into(),
            repo: "acme/auth".into(),
            token: "ghp_SECRETSECRETSECRET".into(),
        };
        assert!(!format!("{access:?}").contains("SECRET"));
    }
}
