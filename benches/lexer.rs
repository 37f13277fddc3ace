//! Lexer throughput benchmark (not a test; DESIGN.md §5: at least 100 MB/s
//! on one core).
//!
//! Run with `cargo bench --bench lexer` (needs `harness = false` for this
//! target in Cargo.toml). Everything is generated in memory from a fixed
//! seed, so runs are comparable:
//!
//! - one large Dockerfile (default 64 MB, LF) and its CRLF twin, parsed with
//!   `dockopt::syntax::parse`, then tokenised with `Dockerfile::tokens`;
//! - many small (1–3 KB) Dockerfiles parsed in a loop (files/s).
//!
//! Each measurement is the best of N runs on the calling thread (one core).
//! Environment knobs: `DOCKOPT_BENCH_MB` (size of the large file, default
//! 64), `DOCKOPT_BENCH_RUNS` (default 5), `DOCKOPT_BENCH_SMALL` (number of
//! small files, default 5000), `DOCKOPT_BENCH_SEED`, and for profiling
//! `DOCKOPT_BENCH_ONLY=parse|parse-crlf|tokens|small` (one case, no checks).

use std::hint::black_box;
use std::time::{Duration, Instant};

use dockopt::syntax::{parse, Dockerfile};

/// The same allocator as the `dockopt` binary (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The lexer goal, in MB/s (1 MB = 10^6 bytes).
const GOAL_MB_S: f64 = 100.0;

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a non-negative integer, got {v:?}")),
        Err(_) => default,
    }
}

/// SplitMix64: small, fast, deterministic; no dependency needed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

const IMAGES: &[&str] = &[
    "node:20",
    "node:20-alpine",
    "python:3.12-slim",
    "golang:1.22",
    "rust:1.80",
    "debian:bookworm-slim",
    "ubuntu:24.04",
    "alpine:3.20",
    "eclipse-temurin:21-jre",
    "mcr.microsoft.com/dotnet/sdk:8.0",
    "gcr.io/distroless/static-debian12",
    "ruby:3.3",
    "php:8.3-fpm",
];

const PACKAGES: &[&str] = &[
    "ca-certificates",
    "curl",
    "git",
    "build-essential",
    "libpq-dev",
    "openssl",
    "tzdata",
    "unzip",
    "gnupg",
    "procps",
    "libssl-dev",
    "pkg-config",
    "python3-dev",
    "locales",
];

const INSTALLS: &[&str] = &[
    "npm ci --omit=dev",
    "npm install",
    "yarn install --frozen-lockfile",
    "pnpm install --frozen-lockfile",
    "pip install --no-cache-dir -r requirements.txt",
    "pip install --upgrade pip setuptools wheel",
    "poetry install --no-root --only main",
    "cargo build --release --locked",
    "go mod download",
    "bundle install --jobs 4",
    "composer install --no-dev --no-scripts",
    "dotnet restore",
];

const BUILDS: &[&str] = &[
    "npm run build",
    "python -m compileall -q app",
    "go build -trimpath -o /out/app ./cmd/app",
    "cargo test --release",
    "make -j\"$(nproc)\" install",
    "rm -rf /tmp/* /var/tmp/*",
    "find . -name '*.pyc' -delete",
    "chmod +x /usr/local/bin/entrypoint.sh",
];

const COMMENTS: &[&str] = &[
    "# Install system dependencies",
    "# syntax-looking comment = not a directive after the first instruction",
    "# Copy the manifests first so the install layer stays cached",
    "#   TODO: pin this image by digest",
    "## build stage ##",
    "# ünïcödé comment: Ωμέγα, 日本語",
];

/// Append one stage (several instructions) to `out`.
fn stage(rng: &mut Rng, out: &mut String, n: usize) {
    use std::fmt::Write as _;
    let image = rng.pick(IMAGES);
    if rng.chance(30) {
        let _ = writeln!(out, "FROM --platform=$BUILDPLATFORM {image} AS build{n}");
    } else if rng.chance(50) {
        let _ = writeln!(out, "from {image} as stage-{n}.v2");
    } else {
        let _ = writeln!(out, "FROM {image}");
    }
    let count = 6 + rng.below(10);
    for _ in 0..count {
        match rng.below(16) {
            0 => {
                let _ = writeln!(out, "{}", rng.pick(COMMENTS));
            }
            1 => out.push('\n'),
            2 => {
                let _ = writeln!(
                    out,
                    "ENV NODE_ENV=production \\\n    PATH=\"/app/node_modules/.bin:$PATH\" \\\n    LANG=C.UTF-8"
                );
            }
            3 => {
                let _ = writeln!(
                    out,
                    "ARG VERSION=1.{}.{} BUILD_DATE",
                    rng.below(20),
                    rng.below(9)
                );
            }
            4 => {
                let _ = writeln!(out, "WORKDIR /srv/app{}", rng.below(4));
            }
            5 => {
                // apt-get chain with continuations, an inline comment line
                // and an empty continuation line.
                out.push_str("RUN apt-get update \\\n");
                out.push_str(" && apt-get install -y --no-install-recommends \\\n");
                for _ in 0..2 + rng.below(5) {
                    let _ = writeln!(out, "      {} \\", rng.pick(PACKAGES));
                }
                if rng.chance(30) {
                    out.push_str("    # keep the image small\n");
                }
                if rng.chance(10) {
                    out.push_str("    \n");
                }
                out.push_str(" && rm -rf /var/lib/apt/lists/*\n");
            }
            6 => {
                let _ = writeln!(
                    out,
                    "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n    {} && {}",
                    rng.pick(INSTALLS),
                    rng.pick(BUILDS)
                );
            }
            7 => {
                let _ = writeln!(
                    out,
                    "RUN set -eux; \\\n\t{}; \\\n\t{} || true; \\\n\techo \"done $VERSION\" | tee /tmp/log",
                    rng.pick(INSTALLS),
                    rng.pick(BUILDS)
                );
            }
            8 => {
                let _ = writeln!(
                    out,
                    "COPY --chown=node:node --chmod=644 --link package*.json ./"
                );
            }
            9 => {
                let _ = writeln!(
                    out,
                    "COPY --from=build{} /out/app /usr/local/bin/app",
                    rng.below(8)
                );
            }
            10 => out.push_str("COPY . .\n"),
            11 => {
                out.push_str("RUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n");
            }
            12 => {
                out.push_str("COPY <<-\"CONF\" <<OTHER /etc/app/\n\tlisten 8080\n\tworkers 4\n\tCONF\nkey=value\nOTHER\n");
            }
            13 => {
                let _ = writeln!(out, "RUN {} && {}", rng.pick(INSTALLS), rng.pick(BUILDS));
            }
            14 => {
                let _ = writeln!(
                    out,
                    "LABEL org.opencontainers.image.source=\"https://example.com/r{}\" \\\n      maintainer=\"team@example.com\"",
                    rng.below(1000)
                );
            }
            _ => {
                let _ = writeln!(out, "EXPOSE {}/tcp", 3000 + rng.below(6000));
                let _ = writeln!(out, "HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1");
                let _ = writeln!(out, "USER 1000:1000");
                let _ = writeln!(out, "CMD [\"node\", \"server.js\", \"--port\", \"8080\"]");
            }
        }
    }
    if rng.chance(10) {
        out.push_str("ONBUILD COPY . /app/src\nSTOPSIGNAL SIGTERM\nENTRYPOINT [\"/usr/local/bin/entrypoint.sh\"]\n");
    }
}

/// A Dockerfile of at least `min_bytes` bytes, LF line endings.
fn dockerfile(rng: &mut Rng, min_bytes: usize) -> String {
    let mut out = String::with_capacity(min_bytes + 4096);
    out.push_str("# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n\n");
    let mut n = 0;
    while out.len() < min_bytes {
        stage(rng, &mut out, n);
        out.push('\n');
        n += 1;
    }
    out
}

fn to_crlf(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + s.len() / 16);
    for b in s.bytes() {
        if b == b'\n' {
            v.push(b'\r');
        }
        v.push(b);
    }
    v
}

/// Best wall-clock time of `runs` calls of `f`. The result is dropped
/// outside the timed region (freeing a large parse result is not lexing).
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            let out = black_box(f());
            let elapsed = t.elapsed();
            drop(out);
            elapsed
        })
        .min()
        .expect("at least one run")
}

fn mb_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn check_lossless(name: &str, src: &[u8], df: &Dockerfile) {
    let tokens = df.tokens(src);
    let mut pos = 0;
    for t in &tokens {
        assert_eq!(
            t.span.start, pos,
            "{name}: tokens do not cover the input at byte {pos}"
        );
        pos = t.span.end;
    }
    assert_eq!(
        pos,
        src.len(),
        "{name}: tokens stop at {pos} of {}",
        src.len()
    );
}

struct Row {
    name: String,
    bytes: usize,
    best: Duration,
}

fn main() {
    // `cargo bench` passes `--bench`; accept and ignore libtest-style args.
    let mb = env_usize("DOCKOPT_BENCH_MB", 64).max(1);
    let runs = env_usize("DOCKOPT_BENCH_RUNS", 5).max(1);
    let small_n = env_usize("DOCKOPT_BENCH_SMALL", 5000).max(1);
    let seed = env_usize("DOCKOPT_BENCH_SEED", 42) as u64;
    let mut rng = Rng(seed);

    let gen_start = Instant::now();
    let lf = dockerfile(&mut rng, mb * 1_000_000).into_bytes();
    let crlf = to_crlf(std::str::from_utf8(&lf).expect("generated text is UTF-8"));
    let small: Vec<Vec<u8>> = (0..small_n)
        .map(|_| {
            // Whole stages until the size target; each file stays in 1-3 KB.
            let target = 1000 + rng.below(2000);
            let mut s = String::with_capacity(3072);
            s.push_str("# syntax=docker/dockerfile:1\n");
            let mut n = 0;
            while s.len() < target {
                let mut st = String::new();
                stage(&mut rng, &mut st, n);
                if s.len() + st.len() <= 3000 {
                    s.push_str(&st);
                    n += 1;
                } else if s.len() >= 1000 {
                    break;
                }
            }
            if rng.chance(10) {
                to_crlf(&s)
            } else {
                s.into_bytes()
            }
        })
        .collect();
    let small_bytes: usize = small.iter().map(Vec::len).sum();
    let gen_time = gen_start.elapsed();

    // Profiling mode: run one case only, no sanity checks, no table.
    if let Ok(only) = std::env::var("DOCKOPT_BENCH_ONLY") {
        let best = match only.as_str() {
            "parse" => best_of(runs, || parse(black_box(&lf))),
            "parse-crlf" => best_of(runs, || parse(black_box(&crlf))),
            "tokens" => {
                let df = parse(&lf);
                best_of(runs, || df.tokens(black_box(&lf)))
            }
            "small" => best_of(runs, || {
                small
                    .iter()
                    .map(|f| parse(black_box(f)).items.len())
                    .sum::<usize>()
            }),
            other => panic!(
                "DOCKOPT_BENCH_ONLY: unknown case {other:?} (parse, parse-crlf, tokens, small)"
            ),
        };
        let bytes = match only.as_str() {
            "parse-crlf" => crlf.len(),
            "small" => small_bytes,
            _ => lf.len(),
        };
        println!(
            "{only}: best {:.1} ms, {:.1} MB/s",
            best.as_secs_f64() * 1e3,
            mb_s(bytes, best)
        );
        return;
    }

    // Sanity: the parse is lossless and finds what was generated.
    let df = parse(&lf);
    let instructions = df.instructions().count();
    let heredocs: usize = df.instructions().map(|i| i.heredocs.len()).sum();
    let lines = lf.iter().filter(|&&b| b == b'\n').count();
    check_lossless("LF", &lf, &df);
    drop(df);
    let df = parse(&crlf);
    assert_eq!(df.newline, "\r\n", "CRLF variant not detected as CRLF");
    assert_eq!(
        df.instructions().count(),
        instructions,
        "CRLF variant parses differently"
    );
    check_lossless("CRLF", &crlf, &df);
    drop(df);
    for (i, f) in small.iter().enumerate() {
        check_lossless(&format!("small #{i}"), f, &parse(f));
    }

    println!("dockopt lexer benchmark (one thread, best of {runs} runs)");
    println!(
        "size_of: Item {} B, Instruction {} B",
        std::mem::size_of::<dockopt::syntax::Item>(),
        std::mem::size_of::<dockopt::syntax::Instruction>()
    );
    println!(
        "input: {:.1} MB LF ({lines} lines, {instructions} instructions, {heredocs} heredocs), \
         {:.1} MB CRLF; {small_n} small files ({:.1} MB, avg {} B); generated in {:.2}s",
        lf.len() as f64 / 1e6,
        crlf.len() as f64 / 1e6,
        small_bytes as f64 / 1e6,
        small_bytes / small_n,
        gen_time.as_secs_f64(),
    );

    let mut rows: Vec<Row> = Vec::new();
    for (label, src) in [("LF", &lf), ("CRLF", &crlf)] {
        let best = best_of(runs, || parse(black_box(src)));
        rows.push(Row {
            name: format!("parse, {label}"),
            bytes: src.len(),
            best,
        });
        let df = parse(src);
        let best = best_of(runs, || df.tokens(black_box(src)));
        rows.push(Row {
            name: format!("tokens, {label}"),
            bytes: src.len(),
            best,
        });
        drop(df);
        let best = best_of(runs, || {
            let df = parse(black_box(src));
            let tokens = df.tokens(src);
            (df, tokens)
        });
        rows.push(Row {
            name: format!("parse + tokens, {label}"),
            bytes: src.len(),
            best,
        });
    }
    let small_best = best_of(runs, || {
        small
            .iter()
            .map(|f| parse(black_box(f)).items.len())
            .sum::<usize>()
    });
    rows.push(Row {
        name: format!("parse, {small_n} small files"),
        bytes: small_bytes,
        best: small_best,
    });

    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "case", "MB", "best ms", "MB/s"
    );
    for r in &rows {
        println!(
            "{:<28} {:>10.1} {:>10.1} {:>10.1}",
            r.name,
            r.bytes as f64 / 1e6,
            r.best.as_secs_f64() * 1e3,
            mb_s(r.bytes, r.best)
        );
    }
    let files_s = small_n as f64 / small_best.as_secs_f64();
    println!();
    println!(
        "small files: {files_s:.0} files/s ({:.1} µs/file)",
        1e6 / files_s
    );

    let parse_lf = mb_s(rows[0].bytes, rows[0].best);
    let parse_crlf = mb_s(rows[3].bytes, rows[3].best);
    let worst = parse_lf.min(parse_crlf);
    let verdict = if worst >= GOAL_MB_S { "met" } else { "MISSED" };
    println!("goal: parse >= {GOAL_MB_S:.0} MB/s on one core: {verdict} (worst of LF/CRLF: {worst:.1} MB/s)");
}
