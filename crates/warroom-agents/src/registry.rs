//! The built-in agent registry (`registry.toml`), as a TOML table a
//! configuration layers its overrides on, and compiled.

use std::collections::BTreeMap;

use crate::profile::{AgentProfile, ProfileError, ProfileSpec};

pub const REGISTRY: &str = include_str!("registry.toml");

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("agent registry: {0}")]
    Toml(#[from] toml::de::Error),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// The built-in registry as a table (`cli -> profile spec`).
pub fn builtin_table() -> Result<toml::Table, RegistryError> {
    Ok(REGISTRY.parse()?)
}

/// Compiles a registry table (the built-in one with any overrides merged).
pub fn compile(table: toml::Table) -> Result<BTreeMap<String, AgentProfile>, RegistryError> {
    let specs: BTreeMap<String, ProfileSpec> = toml::Value::Table(table).try_into()?;
    specs
        .iter()
        .map(|(name, spec)| Ok((name.clone(), AgentProfile::compile(name, spec)?)))
        .collect()
}

/// The built-in registry, compiled.
pub fn builtin() -> Result<BTreeMap<String, AgentProfile>, RegistryError> {
    compile(builtin_table()?)
}
