//! The `dockopt` binary: parse arguments, run, print the error chain.

use std::process::ExitCode;

/// mimalloc: the lexer and rules allocate many small strings and vectors;
/// with the system allocator, allocation was ~45% of parse time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages: mimalloc asks for them on its arenas, and the
/// kernel then zeroes a whole 2 MiB page at each first touch (one per worker
/// thread's heap). That was about a third of a one-file run; a run touches
/// far less memory than that. (mimalloc's own switch, MIMALLOC_ALLOW_THP=0,
/// is read before `main`, so the process-wide prctl is set here.)
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    no_huge_pages();
    let args = <dockopt::cli::Args as clap::Parser>::parse();
    let code = match dockopt::run(args) {
        Ok(code) => code,
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
                0
            } else {
                eprintln!("dockopt: error: {err:#}");
                2
            }
        }
    };
    exit_now(code)
}

/// Ends the process without running the C library's exit handlers once
/// stdout is flushed (what Rust's own exit path would still do): mimalloc's
/// handler hands every freed page back to the kernel one `madvise` at a
/// time (14 calls and ~30,000 instructions in a one-file run) just before
/// the kernel drops the whole address space anyway. Everything else the run
/// holds (temporary files, threads, buffered writers) is dropped inside
/// `dockopt::run`.
fn exit_now(code: u8) -> ExitCode {
    #[cfg(target_os = "linux")]
    {
        use std::io::Write;
        // A flush error (closed pipe) is ignored, as at a normal exit.
        let _ = std::io::stdout().flush();
        // SAFETY: _exit only ends the process; stdout is flushed above and
        // stderr is unbuffered.
        unsafe { libc::_exit(i32::from(code)) }
    }
    #[cfg(not(target_os = "linux"))]
    ExitCode::from(code)
}
