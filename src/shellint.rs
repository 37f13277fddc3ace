//! Shell integration: completion scripts (clap_complete) and the man page
//! (clap_mangen), both generated from the clap definition in `cli.rs`.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

/// `dockopt completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = crate::cli::Args::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dockopt", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(0)
}

/// `dockopt man`: the man page in roff.
pub fn man() -> Result<u8> {
    let cmd = crate::cli::Args::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(0)
}
