//! Who signs the patches: `--from`, else user.name/user.email from git's
//! configuration (the tree's repository first, then the user's).

use anyhow::{bail, Result};
use git2::{Config, Repository};

pub fn identity(from: Option<&str>, repo: Option<&Repository>) -> Result<String> {
    if let Some(from) = from {
        if !from.contains('<') || !from.ends_with('>') {
            bail!("--from must look like 'Name <email>', not '{from}'");
        }
        return super::mail::mailbox(from).map_err(|e| anyhow::anyhow!("--from: {e}"));
    }
    let config = match repo {
        Some(repo) => repo.config(),
        None => Config::open_default(),
    }
    .map_err(|e| {
        anyhow::anyhow!(
            "git's configuration could not be read for user.name/user.email ({}): pass \
             --from 'Name <email>', or make it readable",
            e.message()
        )
    })?;
    let name = config.get_string("user.name").ok();
    let email = config.get_string("user.email").ok();
    match (name, email) {
        (Some(name), Some(email)) => super::mail::mailbox(&format!("{name} <{email}>"))
            .map_err(|e| anyhow::anyhow!("git's user.name/user.email: {e}; pass --from")),
        _ => bail!(
            "no identity to sign the patches with: set git's user.name and \
             user.email, or pass --from 'Name <email>'"
        ),
    }
}
