//! Build contexts: declared by workflows, Makefiles, scripts and bake files,
//! inferred from the Dockerfile's sources (and the install's manifests), and
//! the precedence between them.

use dockopt::contexts::ContextSource;
use dockopt::report::{JsonFile, JsonReport};
use dockopt::runner::FileStatus;

use crate::support::Scratch;

const PKG: &str = "{\"name\":\"x\",\"version\":\"1.0.0\"}";
const NPM_DOCKER: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";

/// A repository (`.git`) with an npm project at the root and its Dockerfile in `docker/`.
fn repo() -> Scratch {
    let s = Scratch::empty();
    std::fs::create_dir_all(s.path(".git")).unwrap();
    s.write("package.json", PKG);
    s.write("package-lock.json", "{}");
    s.write("server.js", "console.log(1);\n");
    s.write(".dockerignore", "node_modules\n");
    s.write("docker/Dockerfile", NPM_DOCKER);
    s
}

fn report(s: &Scratch, args: &[&str]) -> JsonReport {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let out = s.run(&all);
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\nstdout: {}\nstderr: {}", out.stdout, out.stderr))
}

fn file<'a>(r: &'a JsonReport, path: &str) -> &'a JsonFile {
    r.files.iter().find(|f| f.path == path).unwrap_or_else(|| {
        panic!(
            "{path} not in {:?}",
            r.files.iter().map(|f| &f.path).collect::<Vec<_>>()
        )
    })
}

/// Context (as shown), source and detail of `path` in a run over `.`.
fn context_of(s: &Scratch, path: &str) -> (String, ContextSource, String) {
    let r = report(s, &["."]);
    let f = file(&r, path);
    (
        f.context.clone().unwrap_or_default(),
        f.context_source,
        f.context_detail.clone().unwrap_or_default(),
    )
}

#[test]
fn workflow_build_push_action_names_the_context() {
    let s = repo();
    // The Dockerfile's directory would do for its sources: only the workflow says `.`.
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: ./docker/Dockerfile\n          push: false\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Workflow));
    assert_eq!(
        detail,
        ".github/workflows/ci.yml: job `image` step 2: docker/build-push-action context=. file=./docker/Dockerfile"
    );
}

#[test]
fn workflow_run_step_in_its_working_directory() {
    let s = repo();
    s.write("svc/api/Dockerfile", NPM_DOCKER);
    s.write(
        ".github/workflows/build.yaml",
        "jobs:\n  b:\n    defaults:\n      run:\n        working-directory: svc\n    steps:\n      - run: |\n          echo building\n          docker build \\\n            -t api -f api/Dockerfile ${{ github.workspace }}\n",
    );
    let (ctx, src, detail) = context_of(&s, "svc/api/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src),
        (".", ContextSource::Workflow),
        "{detail}"
    );
    assert!(
        detail
            .starts_with(".github/workflows/build.yaml: job `b` step 1: run line 2: docker build"),
        "{detail}"
    );
}

#[test]
fn makefile_recipe_with_variables() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "Makefile",
        "DOCKERFILE ?= docker/Dockerfile\nIMAGE = app:$(shell git rev-parse HEAD)\n\nimage:\n\t@$(DOCKER) version\n\tdocker build -t $(IMAGE) -f $(DOCKERFILE) .\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src, detail.as_str()),
        (".", ContextSource::Script, "Makefile:6")
    );
}

#[test]
fn shell_script_run_from_the_repository_root() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "scripts/build.sh",
        "#!/bin/sh\nset -e\n# docker build -f nowhere/Dockerfile .\nsudo docker buildx build --platform linux/amd64 \\\n  --file docker/Dockerfile --push .\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src, detail.as_str()),
        (".", ContextSource::Script, "scripts/build.sh:4")
    );
}

#[test]
fn script_lines_with_unknown_variables_are_skipped() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "build.sh",
        "docker build -f docker/Dockerfile \"$CTX\"\npodman build -f $DF .\n",
    );
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src),
        ("docker", ContextSource::DockerfileDir)
    );
}

#[test]
fn bake_target_context_and_dockerfile() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "docker-bake.hcl",
        "variable \"DOCKER_DIR\" { default = \"docker\" }\ntarget \"base\" {\n  context = \".\"\n}\ntarget \"app\" {\n  inherits = [\"base\"]\n  dockerfile = \"${DOCKER_DIR}/Dockerfile\"\n  tags = [\"app:latest\"]\n}\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src, detail.as_str()),
        (".", ContextSource::Bake, "docker-bake.hcl target `app`")
    );
}

/// The real-world shape: a Dockerfile in `docker/` with `COPY . .` and
/// `RUN npm ci` meant for the repository root. Nothing declares the context;
/// in `docker/` the install's manifests are missing (so the original build
/// could not work there), at the root they are: the context is inferred and
/// the file is now rewritten, with the manifests copied from the root.
#[test]
fn inferred_from_the_manifests_the_file_now_gets_the_rewrite() {
    let s = repo();
    let r = report(&s, &["."]);
    let f = file(&r, "docker/Dockerfile");
    assert_eq!(f.context_source, ContextSource::Inferred);
    assert_eq!(f.context.as_deref(), Some("."));
    assert_eq!(
        f.context_detail.as_deref(),
        Some("the install's manifests are missing from docker and found in .")
    );
    assert_eq!(f.status, FileStatus::Changed);
    crate::snapshot!(
        "contexts",
        "inferred_repo_root_npm",
        f.diff.clone().unwrap()
    );
    // Without the inference (the old default: its directory) it was refused.
    let r = report(&s, &["--context", "docker", "docker/Dockerfile"]);
    let old = &r.files[0];
    assert_eq!(old.status, FileStatus::LeftAlone);
    assert_eq!(
        old.findings[0].reason.as_ref().unwrap().kind,
        dockopt::rules::RefusalKind::MissingManifest
    );
}

#[test]
fn inferred_from_copy_sources_in_docker_and_lib_demo() {
    let s = repo();
    s.write(
        "docker/Dockerfile",
        "FROM nginx\nCOPY docker/nginx.conf /etc/nginx/nginx.conf\nCOPY static/*.html /usr/share/nginx/html/\n",
    );
    s.write("docker/nginx.conf", "events {}\n");
    s.write("static/index.html", "<p>hi</p>\n");
    s.write(
        "lib/demo/Dockerfile",
        "FROM python:3.12\nWORKDIR /srv\nCOPY . .\nCOPY lib/demo/requirements.txt ./\nRUN pip install -r requirements.txt\n",
    );
    s.write("lib/demo/requirements.txt", "flask\n");
    let r = report(&s, &["."]);
    let d = file(&r, "docker/Dockerfile");
    assert_eq!(d.context_source, ContextSource::Inferred);
    assert_eq!(d.context.as_deref(), Some("."));
    assert_eq!(
        d.context_detail.as_deref(),
        Some("every COPY/ADD source is in . (line 2: `docker/nginx.conf` is not in the Dockerfile's directory)")
    );
    let l = file(&r, "lib/demo/Dockerfile");
    assert_eq!(l.context_source, ContextSource::Inferred);
    assert_eq!(
        l.context.as_deref(),
        Some("."),
        "lib/ lacks lib/demo/requirements.txt"
    );
}

#[test]
fn inference_respects_each_candidates_ignore_file() {
    let s = repo();
    s.write(
        "docker/Dockerfile",
        "FROM nginx\nCOPY docker/nginx.conf /etc/nginx/nginx.conf\n",
    );
    s.write("docker/nginx.conf", "events {}\n");
    // The root context excludes docker/: no candidate holds the source.
    s.write(".dockerignore", "docker\n");
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src),
        ("docker", ContextSource::DockerfileDir)
    );
    // A Dockerfile-specific ignore file wins over the root one, in every candidate.
    s.write("docker/Dockerfile.dockerignore", "node_modules\n");
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Inferred));
}

#[test]
fn inference_stops_at_the_repository_root() {
    let s = Scratch::empty();
    s.write("package.json", PKG);
    s.write("package-lock.json", "{}");
    std::fs::create_dir_all(s.path("repo/.git")).unwrap();
    s.write("repo/docker/Dockerfile", NPM_DOCKER);
    let (ctx, src, _) = context_of(&s, "repo/docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src),
        ("repo/docker", ContextSource::DockerfileDir),
        "the manifests above the repository root are not its context"
    );
    // Without a .git, the top is the working directory.
    std::fs::remove_dir(s.path("repo/.git")).unwrap();
    let (ctx, src, _) = context_of(&s, "repo/docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Inferred));
}

#[test]
fn declared_sources_beat_inference_and_explicit_ones_beat_declared() {
    let s = repo();
    // A workflow building docker/Dockerfile in docker/ (it would fail: that is their business).
    s.write(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - uses: docker/build-push-action@v5\n        with:\n          context: docker\n",
    );
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), ("docker", ContextSource::Workflow));
    // compose beats the workflow
    s.write(
        "compose.yaml",
        "services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Compose));
    assert!(
        detail.starts_with("compose.yaml service `app`; chosen over disagreeing declarations: .github/workflows/ci.yml: job `a` step 1: docker/build-push-action context=docker file=(default) says docker"),
        "{detail}"
    );
    // dockopt.toml beats compose, --context beats everything
    s.write(
        "dockopt.toml",
        "[contexts]\n\"docker/Dockerfile\" = \"docker\"\n",
    );
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), ("docker", ContextSource::Config));
    let r = report(&s, &["--context", ".", "docker/Dockerfile"]);
    assert_eq!(r.files[0].context_source, ContextSource::Flag);
}

#[test]
fn disagreeing_declarations_pick_by_kind_then_file_and_say_so() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "Makefile",
        "image:\n\tdocker build -f docker/Dockerfile docker\n",
    );
    s.write("build.sh", "docker build -f docker/Dockerfile .\n");
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    // Two scripts: the first by path (Makefile < build.sh in byte order) wins.
    assert_eq!((ctx.as_str(), src), ("docker", ContextSource::Script));
    assert_eq!(
        detail,
        "Makefile:2; chosen over disagreeing declarations: build.sh:1 says ."
    );
    // A bake file outranks scripts.
    s.write(
        "docker-bake.hcl",
        "target \"default\" {\n  dockerfile = \"docker/Dockerfile\"\n}\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Bake));
    assert_eq!(
        detail,
        "docker-bake.hcl target `default`; chosen over disagreeing declarations: Makefile:2 says docker"
    );
}

/// Declarations are found for a Dockerfile named on the command line too
/// (the walk did not cover the repository).
#[test]
fn declarations_for_a_single_file_argument() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "ci/build.sh",
        "cd \"$(dirname \"$0\")/..\"\ndocker build -f docker/Dockerfile \"$(pwd)\"\n",
    );
    let r = report(&s, &["docker/Dockerfile"]);
    assert_eq!(r.files[0].context_source, ContextSource::Script);
    assert_eq!(r.files[0].context_detail.as_deref(), Some("ci/build.sh:2"));
}

/// npm scripts are a common place for the build command (as in uptime-kuma:
/// `docker buildx build -f docker/dockerfile ... .`).
#[test]
fn package_json_scripts_declare_the_context() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        "package.json",
        "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"test\":\"node t.js\",\"build-docker\":\"npm run build && docker buildx build -f docker/Dockerfile --platform linux/amd64 -t x:nightly --target nightly . --push\"}}",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src, detail.as_str()),
        (
            ".",
            ContextSource::Script,
            "package.json scripts.build-docker"
        )
    );
}

/// A wildcard source needs one match; a URL source proves nothing either way.
#[test]
fn wildcard_sources_need_one_match_and_urls_are_not_checked() {
    let s = repo();
    s.write(
        "docker/Dockerfile",
        "FROM node:20\nWORKDIR /app\nADD https://example.com/tool.tgz /opt/\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Inferred));
    assert_eq!(
        detail,
        "every COPY/ADD source is in . (line 4: `package*.json` is not in the Dockerfile's directory)"
    );
    // One match in docker/ is enough to keep the Dockerfile's directory.
    s.write("docker/package-extra.json", "{}");
    let (ctx, src, _) = context_of(&s, "docker/Dockerfile");
    assert_eq!(
        (ctx.as_str(), src),
        ("docker", ContextSource::DockerfileDir)
    );
}

#[test]
fn gitlab_ci_script_lines() {
    let s = repo();
    s.write("docker/package.json", PKG);
    s.write("docker/package-lock.json", "{}");
    s.write(
        ".gitlab-ci.yml",
        "stages: [build]\nvariables:\n  IMAGE: x\nbuild-image:\n  stage: build\n  script:\n    - docker login -u u -p p\n    - docker build -t $IMAGE -f docker/Dockerfile $CI_PROJECT_DIR\n",
    );
    let (ctx, src, detail) = context_of(&s, "docker/Dockerfile");
    assert_eq!((ctx.as_str(), src), (".", ContextSource::Workflow));
    assert_eq!(
        detail,
        ".gitlab-ci.yml: job `build-image`: docker build -t $IMAGE -f docker/Dockerfile $CI_PROJECT_DIR"
    );
}
