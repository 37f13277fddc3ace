//! How many worker threads: `-j N` checked when parsed, then capped at the
//! number of files (a thread with nothing to do still costs a stack).

/// More threads than this is never useful for reading Dockerfiles.
pub const MAX_JOBS: usize = 256;

/// The clap value parser of `-j`: a whole number from 1 to [`MAX_JOBS`].
pub fn parse(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of threads (1 to {MAX_JOBS})"))?;
    match n {
        0 => Err(format!(
            "0 threads cannot do any work: give 1 to {MAX_JOBS}, or leave out -j for one per CPU"
        )),
        n if n > MAX_JOBS => Err(format!(
            "{n} threads is more than the {MAX_JOBS} dockopt allows; leave out -j for one per CPU"
        )),
        n => Ok(n),
    }
}

/// Threads asked for, or one per CPU.
pub fn wanted(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, MAX_JOBS)
}

/// Worker threads for `files` files: no more than there are files.
pub fn pool_size(jobs: Option<usize>, files: usize) -> usize {
    wanted(jobs).min(files).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_nonsense() {
        assert_eq!(parse("4"), Ok(4));
        assert!(parse("0").unwrap_err().contains("0 threads"));
        assert!(parse("1000000").unwrap_err().contains("more than the 256"));
        assert!(parse("-3").unwrap_err().contains("not a number"));
        assert!(parse("many").is_err());
    }

    #[test]
    fn pool_is_capped_at_the_number_of_files() {
        assert_eq!(pool_size(Some(64), 3), 3);
        assert_eq!(pool_size(Some(2), 300), 2);
        assert_eq!(pool_size(Some(8), 0), 1);
        assert!(pool_size(None, 10_000) <= MAX_JOBS);
    }
}
