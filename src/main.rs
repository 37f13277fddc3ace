//! The `dockopt` binary: parse arguments, run, print the error chain.

use std::process::ExitCode;

/// mimalloc: the lexer and rules allocate many small strings and vectors;
/// with the system allocator, allocation was ~45% of parse time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = <dockopt::cli::Args as clap::Parser>::parse();
    match dockopt::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`dockopt ... | head`) is not an error worth a message.
            let broken_pipe = err.chain().any(|e| {
                let io = e.downcast_ref::<std::io::Error>().map(|e| e.kind());
                let json = e
                    .downcast_ref::<serde_json::Error>()
                    .and_then(|e| e.io_error_kind());
                io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("dockopt: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
