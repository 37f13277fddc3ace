#!/bin/sh
# rustc wrapper (.cargo/config.toml): `rustc ARGS...` unchanged, except the
# optimized (`-C opt-level=3`: release, bench, profiling) build of the
# `dockopt` binary for Linux, which gets a static, non-PIE link:
# `-C target-feature=+crt-static -C relocation-model=static`. Library,
# tests, proc-macros, build scripts and dev builds are not touched.
static=no
case " $* " in
*" --crate-name dockopt "*" --crate-type bin "*" -C opt-level=3 "*)
    case " $* " in
    *" --target "*-linux-gnu*) static=yes ;;
    *" --target "*) ;;
    *) [ "$(uname -s)" = Linux ] && static=yes ;;
    esac
    ;;
esac
if [ "$static" = yes ]; then
    exec "$@" -C target-feature=+crt-static -C relocation-model=static
fi
exec "$@"
