//! The `dockopt` binary: parse arguments, run, print the error chain.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <dockopt::cli::Args as clap::Parser>::parse();
    match dockopt::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("dockopt: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
