#!/usr/bin/env python3
"""Generate a git repository with a long history for `dockopt replay`.

Writes a `git fast-import` stream (no checkouts, so 1,000 commits of a
10,000-file tree take a couple of seconds) into a new repository:

  - commit 1 adds FILES files under src/ (100 per directory), package.json,
    package-lock.json, a Dockerfile (`COPY . .` then `RUN npm ci`) and
    .dockerignore;
  - each later commit changes 1-5 random files under src/; every
    MANIFEST_EVERY-th commit also changes package.json and the lockfile.

The work tree is then checked out once (dockopt reads the current Dockerfile
and context from it; replay itself never checks out anything).

Usage: gen_history.py DIR [--commits N] [--files N] [--manifest-every K] [--seed S]
"""

import argparse
import os
import random
import subprocess
import sys

DOCKERFILE = """FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
CMD ["node", "src/index.js"]
"""


def blob(out, data):
    data = data.encode()
    out.write(b"blob\n")
    out.write(b"data %d\n" % len(data))
    out.write(data)
    out.write(b"\n")


def commit(out, n, msg, files):
    out.write(b"commit refs/heads/main\n")
    stamp = 1_700_000_000 + n * 3600
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % stamp)
    m = msg.encode()
    out.write(b"data %d\n%s\n" % (len(m), m))
    for path, data in files:
        d = data.encode()
        out.write(b"M 100644 inline %s\n" % path.encode())
        out.write(b"data %d\n" % len(d))
        out.write(d)
        out.write(b"\n")
    out.write(b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--manifest-every", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
    src = [f"src/d{i // 100:03}/f{i % 100:02}.js" for i in range(a.files)]
    p = subprocess.Popen(
        ["git", "-C", a.dir, "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    out = p.stdin
    first = [(f, f"// {f}\nexport const v = 0;\n") for f in src]
    first += [
        ("package.json", '{"name": "bench", "version": "0.0.0"}\n'),
        ("package-lock.json", '{"lockfileVersion": 3, "v": 0}\n'),
        ("Dockerfile", DOCKERFILE),
        (".dockerignore", "node_modules\n.git\n"),
    ]
    commit(out, 0, "initial", first)
    for n in range(1, a.commits):
        files = [(f, f"// {f}\nexport const v = {n};\n") for f in rng.sample(src, rng.randint(1, 5))]
        if n % a.manifest_every == 0:
            files.append(("package.json", f'{{"name": "bench", "version": "0.0.{n}"}}\n'))
            files.append(("package-lock.json", f'{{"lockfileVersion": 3, "v": {n}}}\n'))
        commit(out, n, f"change {n}", files)
    out.close()
    if p.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", a.dir, "checkout", "-q", "main"], check=True)


if __name__ == "__main__":
    main()
