#!/usr/bin/env python3
"""Generate a corpus of small repositories with Dockerfiles and build contexts.

Used by bench/bulk.sh (DESIGN.md §4 "Benchmark", §5 targets). Deterministic for
a given --seed. Each repository is a directory `ROOT/rNNNNN-KIND/` holding one or
more Dockerfiles and the files their build context needs (manifests, lockfiles,
sources, sometimes `node_modules/` and a `.dockerignore`).

Kinds (weights in KINDS):
  npm-classic      COPY . . then RUN npm ci / npm install (+ build step)
  npm-modules      same, with a node_modules/ dir in the context (some ignored)
  npm-optimized    manifests already copied first: nothing to change
  pip-includes     COPY . /srv; pip install -r with -r/-c includes
  pip-source       pip install . (needs the source: left alone)
  cargo            multi-stage cargo build --release
  nothing          no package-manager install at all
  multi-stage      node build stage + nginx runtime, several Dockerfiles
  monorepo         services/*/Dockerfile with per-service contexts

With --git each repository gets a minimal `.git` (HEAD, config, empty refs
and objects), as in a tree of real checkouts; without it the tree has no
`.git` and dockopt treats the whole tree as one repository.

Prints a one-line JSON summary on stdout (files, bytes, dockerfiles, kinds).
"""

import argparse
import json
import os
import random
import sys

KINDS = [
    ("npm-classic", 22),
    ("npm-modules", 10),
    ("npm-optimized", 12),
    ("pip-includes", 14),
    ("pip-source", 5),
    ("cargo", 8),
    ("nothing", 14),
    ("multi-stage", 8),
    ("monorepo", 7),
]

NODE_IMAGES = ["node:20", "node:20-alpine", "node:18-bullseye-slim", "node:22-slim"]
PY_IMAGES = ["python:3.12-slim", "python:3.11", "python:3.12-alpine"]
NPM_DEPS = [
    "express", "lodash", "axios", "react", "react-dom", "dotenv", "cors", "pg",
    "mongoose", "jsonwebtoken", "bcrypt", "uuid", "winston", "zod", "chalk",
    "commander", "dayjs", "ws", "helmet", "morgan", "typescript", "vite",
]
PY_DEPS = [
    "flask", "django", "requests", "numpy", "pandas", "gunicorn", "psycopg2-binary",
    "sqlalchemy", "pydantic", "fastapi", "uvicorn", "celery", "redis", "boto3",
    "pytest", "black", "httpx", "jinja2", "click", "rich",
]
CRATES = ["serde", "tokio", "anyhow", "clap", "regex", "reqwest", "tracing", "rand"]


class Gen:
    def __init__(self, root, rng, crlf_pct):
        self.root = root
        self.rng = rng
        self.crlf_pct = crlf_pct
        self.files = 0
        self.bytes = 0
        self.dockerfiles = 0

    def write(self, path, text, dockerfile=False):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if dockerfile and self.rng.randrange(100) < self.crlf_pct:
            text = text.replace("\n", "\r\n")
        data = text.encode()
        with open(path, "wb") as f:
            f.write(data)
        self.files += 1
        self.bytes += len(data)
        if dockerfile:
            self.dockerfiles += 1

    # ---- file contents -------------------------------------------------

    def js_source(self, name):
        r = self.rng
        lines = [f"// {name}: generated benchmark source", "'use strict';", ""]
        for dep in r.sample(NPM_DEPS, 3):
            lines.append(f"const {dep.replace('-', '_')} = require('{dep}');")
        lines.append("")
        for i in range(r.randint(4, 25)):
            lines += [
                f"function handler{i}(req, res) {{",
                f"  const value = req.query.v{i} || {r.randint(0, 999)};",
                "  if (!value) {",
                "    return res.status(400).json({ error: 'missing value' });",
                "  }",
                f"  return res.json({{ ok: true, id: {i}, value }});",
                "}",
                "",
            ]
        lines.append("module.exports = { " + ", ".join(f"handler{i}" for i in range(3)) + " };")
        return "\n".join(lines) + "\n"

    def package_json(self, name, scripts=None):
        r = self.rng
        deps = {d: f"^{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}" for d in r.sample(NPM_DEPS, r.randint(2, 8))}
        doc = {
            "name": name,
            "version": f"1.{r.randint(0, 9)}.0",
            "private": True,
            "main": "src/index.js",
            "scripts": scripts or {"start": "node src/index.js", "build": "node scripts/build.js", "test": "node --test"},
            "dependencies": deps,
            "devDependencies": {"eslint": "^8.57.0", "prettier": "^3.2.5"},
        }
        return json.dumps(doc, indent=2) + "\n", list(deps)

    def package_lock(self, name, deps):
        r = self.rng
        packages = {"": {"name": name, "version": "1.0.0", "dependencies": {d: "*" for d in deps}}}
        # Lockfiles are the big files of a node repo: transitive deps.
        for i in range(r.randint(20, 200)):
            dep = f"{r.choice(NPM_DEPS)}-dep{i}"
            packages[f"node_modules/{dep}"] = {
                "version": f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}",
                "resolved": f"https://registry.npmjs.org/{dep}/-/{dep}-1.0.0.tgz",
                "integrity": "sha512-" + "".join(r.choice("abcdefABCDEF0123456789+/") for _ in range(86)) + "==",
            }
        doc = {"name": name, "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}
        return json.dumps(doc, indent=2) + "\n"

    def py_source(self, i):
        r = self.rng
        lines = ['"""Generated benchmark module."""', "import os", "import sys", ""]
        for j in range(r.randint(3, 20)):
            lines += [
                f"def func_{i}_{j}(x):",
                f"    if x > {r.randint(0, 100)}:",
                f"        return x * {r.randint(2, 9)}",
                "    return os.environ.get('DEFAULT', x)",
                "",
            ]
        return "\n".join(lines) + "\n"

    def node_modules(self, d, deps):
        for dep in deps[:4]:
            self.write(f"{d}/node_modules/{dep}/package.json", json.dumps({"name": dep, "version": "1.0.0", "main": "index.js"}) + "\n")
            self.write(f"{d}/node_modules/{dep}/index.js", f"module.exports = require('./lib/{dep}');\n")
            self.write(f"{d}/node_modules/{dep}/lib/{dep}.js", self.js_source(dep))

    def node_repo_files(self, d, name, modules=False):
        pj, deps = self.package_json(name)
        self.write(f"{d}/package.json", pj)
        if self.rng.randrange(100) < 85:
            self.write(f"{d}/package-lock.json", self.package_lock(name, deps))
        if self.rng.randrange(100) < 10:
            self.write(f"{d}/.npmrc", "fund=false\naudit=false\n")
        self.write(f"{d}/src/index.js", self.js_source("index"))
        for i in range(self.rng.randint(1, 5)):
            self.write(f"{d}/src/routes/route{i}.js", self.js_source(f"route{i}"))
        self.write(f"{d}/scripts/build.js", "console.log('build');\n")
        self.write(f"{d}/README.md", f"# {name}\n\nGenerated for the dockopt benchmark.\n")
        if modules:
            self.node_modules(d, deps)
        return deps

    def header(self):
        r = self.rng
        out = []
        if r.randrange(100) < 25:
            out.append("# syntax=docker/dockerfile:1")
        if r.randrange(100) < 30:
            out.append("# Build the service image")
        return out

    def node_install(self):
        r = self.rng
        cmd = r.choice(["npm ci", "npm ci --omit=dev", "npm install", "npm install --production"])
        if r.randrange(100) < 40:
            cmd += " && npm run build"
        if r.randrange(100) < 15:
            cmd = "npm config set fund false && " + cmd
        return cmd

    # ---- repository kinds ---------------------------------------------

    def npm_classic(self, d, name, modules=False):
        r = self.rng
        self.node_repo_files(d, name, modules=modules)
        if modules:
            choice = r.randrange(3)
            if choice == 0:
                self.write(f"{d}/.dockerignore", "node_modules\nnpm-debug.log\n.git\n")
            elif choice == 1:
                self.write(f"{d}/.dockerignore", ".git\n*.md\n")
        elif r.randrange(100) < 40:
            self.write(f"{d}/.dockerignore", "**/node_modules\n.git\n")
        wd = r.choice(["/app", "/usr/src/app", "/srv/app"])
        lines = self.header() + [f"FROM {r.choice(NODE_IMAGES)}", f"WORKDIR {wd}"]
        if r.randrange(100) < 30:
            lines.append("ENV NODE_ENV=production")
        lines.append(r.choice(["COPY . .", f"COPY . {wd}", "COPY --chown=node:node . ."]))
        install = self.node_install()
        if r.randrange(100) < 30:
            parts = install.split(" && ")
            lines.append("RUN " + " \\\n    && ".join(parts))
        else:
            lines.append("RUN " + install)
        lines += ["EXPOSE 3000", 'CMD ["node", "src/index.js"]']
        self.write(f"{d}/Dockerfile", "\n".join(lines) + "\n", dockerfile=True)

    def npm_optimized(self, d, name):
        r = self.rng
        self.node_repo_files(d, name)
        self.write(f"{d}/.dockerignore", "node_modules\n.git\n")
        lines = self.header() + [
            f"FROM {r.choice(NODE_IMAGES)}",
            "WORKDIR /app",
            r.choice(["COPY package*.json ./", "COPY package.json package-lock.json ./"]),
            "RUN --mount=type=cache,target=/root/.npm npm ci" if r.randrange(2) else "RUN npm ci",
            "COPY . .",
            "RUN npm run build",
            "USER node",
            'CMD ["node", "src/index.js"]',
        ]
        self.write(f"{d}/Dockerfile", "\n".join(lines) + "\n", dockerfile=True)

    def pip_includes(self, d, name):
        r = self.rng
        base = r.sample(PY_DEPS, r.randint(3, 10))
        self.write(f"{d}/requirements/base.txt", "".join(f"{p}=={r.randint(0, 5)}.{r.randint(0, 20)}.{r.randint(0, 9)}\n" for p in base))
        extra = ["-r requirements/base.txt"]
        if r.randrange(100) < 40:
            self.write(f"{d}/requirements/constraints.txt", "urllib3<3\ncertifi>=2024.2.2\n")
            extra.append("-c requirements/constraints.txt")
        self.write(f"{d}/requirements.txt", "\n".join(extra + ["gunicorn==22.0.0"]) + "\n")
        self.write(f"{d}/app/__init__.py", "")
        for i in range(r.randint(1, 6)):
            self.write(f"{d}/app/mod{i}.py", self.py_source(i))
        self.write(f"{d}/app/__main__.py", "from app import mod0\nprint(mod0)\n")
        if r.randrange(100) < 50:
            self.write(f"{d}/.dockerignore", "__pycache__\n*.pyc\n.venv\n.git\n")
        wd = r.choice(["/srv", "/app", "/code"])
        install = r.choice([
            f"pip install --no-cache-dir -r {wd}/requirements.txt",
            "pip install -r requirements.txt",
            "pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt",
        ])
        if r.randrange(100) < 40:
            install += " && python -m compileall -q app"
        lines = self.header() + [
            f"FROM {r.choice(PY_IMAGES)}",
            "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1",
            f"WORKDIR {wd}",
            f"COPY . {wd}" if r.randrange(2) else "COPY . .",
            "RUN " + install,
            'CMD ["python", "-m", "app"]',
        ]
        self.write(f"{d}/Dockerfile", "\n".join(lines) + "\n", dockerfile=True)

    def pip_source(self, d, name):
        r = self.rng
        self.write(f"{d}/pyproject.toml", f'[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = ["requests", "click"]\n')
        self.write(f"{d}/src/{name.replace('-', '_')}/__init__.py", self.py_source(0))
        lines = self.header() + [
            f"FROM {r.choice(PY_IMAGES)}",
            "WORKDIR /app",
            "COPY . .",
            "RUN pip install --no-cache-dir .",
            f'ENTRYPOINT ["{name}"]',
        ]
        self.write(f"{d}/Dockerfile", "\n".join(lines) + "\n", dockerfile=True)

    def cargo(self, d, name):
        r = self.rng
        deps = r.sample(CRATES, r.randint(1, 5))
        self.write(f"{d}/Cargo.toml", f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
                   + "".join(f'{c} = "1"\n' for c in deps))
        self.write(f"{d}/Cargo.lock", "version = 3\n\n" + "".join(
            f'[[package]]\nname = "{c}"\nversion = "1.{i}.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
            f'checksum = "{r.getrandbits(256):064x}"\n\n' for i, c in enumerate(deps * 6)))
        self.write(f"{d}/src/main.rs", "fn main() {\n" + "".join(f'    println!("line {i}");\n' for i in range(r.randint(5, 60))) + "}\n")
        if r.randrange(2):
            self.write(f"{d}/.dockerignore", "target\n.git\n")
        lines = self.header() + [
            "FROM rust:1.80 AS build",
            "WORKDIR /src",
            "COPY . .",
            "RUN cargo build --release --locked",
            "",
            "FROM debian:bookworm-slim",
            f"COPY --from=build /src/target/release/{name} /usr/local/bin/{name}",
            f'CMD ["{name}"]',
        ]
        self.write(f"{d}/Dockerfile", "\n".join(lines) + "\n", dockerfile=True)

    def nothing(self, d, name):
        r = self.rng
        self.write(f"{d}/entrypoint.sh", "#!/bin/sh\nset -e\nexec \"$@\"\n")
        self.write(f"{d}/config/app.conf", "".join(f"key{i} = value{i}\n" for i in range(r.randint(5, 50))))
        lines = self.header() + [
            f"FROM {r.choice(['alpine:3.20', 'debian:bookworm-slim', 'ubuntu:24.04'])}",
            "RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates curl \\\n && rm -rf /var/lib/apt/lists/*"
            if r.randrange(2) else "RUN apk add --no-cache ca-certificates curl",
            "COPY entrypoint.sh /usr/local/bin/",
            "COPY config/ /etc/app/",
        ]
        if r.randrange(100) < 30:
            lines.append("RUN <<EOF\nset -e\nchmod +x /usr/local/bin/entrypoint.sh\nadduser -D app || useradd app\nEOF")
        lines += ["USER 1000", 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]', 'CMD ["sh"]']
        name_df = r.choice(["Dockerfile", "Dockerfile", "Containerfile", f"{name}.Dockerfile"])
        self.write(f"{d}/{name_df}", "\n".join(lines) + "\n", dockerfile=True)

    def multi_stage(self, d, name):
        r = self.rng
        self.node_repo_files(d, name, modules=r.randrange(100) < 30)
        self.write(f"{d}/.dockerignore", "node_modules\n.git\ndist\n")
        self.write(f"{d}/nginx.conf", "server {\n  listen 80;\n  root /usr/share/nginx/html;\n}\n")
        build = self.header() + [
            f"FROM {r.choice(NODE_IMAGES)} AS build",
            "WORKDIR /app",
            "COPY . .",
            "RUN npm ci && npm run build",
            "",
            "FROM nginx:1.27-alpine",
            "COPY nginx.conf /etc/nginx/conf.d/default.conf",
            "COPY --from=build /app/dist /usr/share/nginx/html",
        ]
        self.write(f"{d}/Dockerfile", "\n".join(build) + "\n", dockerfile=True)
        dev = [f"FROM {r.choice(NODE_IMAGES)}", "WORKDIR /app", "COPY package.json package-lock.json* ./",
               "RUN npm install", "COPY . .", 'CMD ["npm", "run", "dev"]']
        self.write(f"{d}/Dockerfile.dev", "\n".join(dev) + "\n", dockerfile=True)

    def monorepo(self, d, name):
        r = self.rng
        self.write(f"{d}/README.md", "# monorepo\n")
        self.write(f"{d}/.gitignore", "node_modules/\n__pycache__/\n")
        for svc in r.sample(["api", "web", "worker", "auth"], r.randint(2, 3)):
            sd = f"{d}/services/{svc}"
            if r.randrange(2):
                self.npm_classic(sd, f"{name}-{svc}", modules=r.randrange(100) < 20)
            else:
                self.pip_includes(sd, f"{name}-{svc}")


def git_dir(d):
    """A minimal `.git` (what marks a repository root; not counted as corpus
    files, and written without the rng so the corpus is the same)."""
    os.makedirs(f"{d}/.git/refs/heads", exist_ok=True)
    os.makedirs(f"{d}/.git/objects", exist_ok=True)
    with open(f"{d}/.git/HEAD", "w") as f:
        f.write("ref: refs/heads/main\n")
    with open(f"{d}/.git/config", "w") as f:
        f.write("[core]\n\trepositoryformatversion = 0\n\tbare = false\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="directory to create the corpus in (must be empty or absent)")
    ap.add_argument("-n", "--repos", type=int, default=10000, help="number of repositories (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--crlf-pct", type=int, default=5, help="percent of Dockerfiles written with CRLF (default 5)")
    ap.add_argument("--git", action="store_true",
                    help="give each repository a minimal .git directory (HEAD, config), so each is its own "
                         "repository as in a tree of checkouts; without it the whole tree is one repository")
    args = ap.parse_args()

    if os.path.exists(args.root) and os.listdir(args.root):
        sys.exit(f"gen_corpus: {args.root} is not empty")
    os.makedirs(args.root, exist_ok=True)
    rng = random.Random(args.seed)
    g = Gen(args.root, rng, args.crlf_pct)
    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    counts = {k: 0 for k in names}
    for i in range(args.repos):
        kind = rng.choices(names, weights)[0]
        counts[kind] += 1
        d = os.path.join(args.root, f"r{i:05d}-{kind}")
        name = f"svc{i}"
        if kind == "npm-classic":
            g.npm_classic(d, name)
        elif kind == "npm-modules":
            g.npm_classic(d, name, modules=True)
        elif kind == "npm-optimized":
            g.npm_optimized(d, name)
        elif kind == "pip-includes":
            g.pip_includes(d, name)
        elif kind == "pip-source":
            g.pip_source(d, name)
        elif kind == "cargo":
            g.cargo(d, name)
        elif kind == "nothing":
            g.nothing(d, name)
        elif kind == "multi-stage":
            g.multi_stage(d, name)
        else:
            g.monorepo(d, name)
        if args.git:
            git_dir(d)
    print(json.dumps({"repos": args.repos, "files": g.files, "bytes": g.bytes, "dockerfiles": g.dockerfiles, "kinds": counts}))


if __name__ == "__main__":
    main()
