//! Installs that rewrite a stale lock (preset key `rewrites-stale`). In the
//! original order the install runs after the source copy, so the image holds
//! the lock the install wrote; moved before the copy as is, the copy puts
//! the context's old lock back over it, and the image differs. The readers
//! prove a lock in sync (`npm_lock`, `yarn_lock`, `pnpm_lock`, ...); this
//! module holds what they share: which lock an install form may rewrite, and
//! the refusal.

use super::{join, ReadInput, Refusal, RefuseKind};

/// The lock the install may rewrite: the first of the form's
/// `rewrites-stale` present in the install's directory. `None` when the form
/// keeps the lock (a `keeps-lock-with` flag, a `keeps-lock-env` variable set
/// to a true value) or runs again after the source copy (a deps-only form
/// without its `unless-flag`: the second run rewrites the old lock the same
/// way the original did).
pub(super) fn lock_to_check(input: &ReadInput) -> Option<String> {
    let (_, spec) = input.site.preset.as_ref()?;
    if spec.rewrites_stale.is_empty() || keeps_lock(input) {
        return None;
    }
    if let Some(d) = &spec.deps_only {
        let unless: Vec<&str> = d.unless_flag.iter().map(String::as_str).collect();
        if !input.site.has_flag(&unless) {
            return None;
        }
    }
    spec.rewrites_stale
        .iter()
        .map(|f| join(input.dir, f))
        .find(|f| input.ctx.is_file(f))
        .filter(|f| brought_back(input, f))
}

/// Does the source copy bring `lock` back after the install? Not when the
/// install runs above the directory the copy fills and the lock lies outside
/// what it copies (`COPY package*.json ./` + `COPY src ./src` + `npm
/// install`): the lock the install rewrites stays, in either order.
fn brought_back(input: &ReadInput, lock: &str) -> bool {
    match &input.site.copy_brings {
        Some(dir) => crate::paths::CtxPath::new(lock).is_under(dir),
        None => true,
    }
}

/// The refusal for an install whose lock dockopt has no proof for (`uv
/// sync` moved as is): `None` when the form cannot rewrite a lock.
pub(super) fn unproven(input: &ReadInput, cmd: &str, manifest: &str) -> Option<Refusal> {
    let lock = lock_to_check(input)?;
    let why = format!("dockopt cannot prove it in sync with {manifest}");
    Some(refusal(input, &lock, &why, cmd)).map(|mut r| {
        r.text = r.text.replacen(" is stale (", " may be stale (", 1);
        r
    })
}

/// Does the install form keep the lock as it is?
fn keeps_lock(input: &ReadInput) -> bool {
    let Some((_, spec)) = input.site.preset.as_ref() else {
        return false;
    };
    let flag = spec
        .keeps_lock_with
        .iter()
        .any(|k| match k.split_once('=') {
            Some((name, value)) => input
                .site
                .flags
                .iter()
                .any(|(f, v)| f == name && v.as_deref() == Some(value)),
            None => input
                .site
                .flags
                .iter()
                .any(|(f, v)| f == k && matches!(v.as_deref(), None | Some("true"))),
        });
    if flag {
        return true;
    }
    // One variable of the list set to a value not read as true (or unknown)
    // voids the others: ci-info reads `CI=false BUILD_NUMBER=1` as not CI
    // (measured: pnpm 9 then rewrote a stale lock).
    let set: Vec<Option<&str>> = spec
        .keeps_lock_env
        .iter()
        .filter_map(|v| input.site.var(v))
        .collect();
    set.iter().any(|v| v.is_some_and(is_true)) && set.iter().all(|v| v.is_some_and(is_true))
}

/// A variable's value that every tool reads as true: `1`, `true`, `yes`,
/// `on` (any case). Tools differ on the rest: uv reads `UV_FROZEN=no` or
/// `off` as false (measured: uv 0.5 then rewrote a stale uv.lock), ci-info
/// any `CI` but `false` as true; taking fewer values as true only refuses
/// more.
fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// The refusal for a stale `lock`: `why` says what proves it stale (or what
/// keeps dockopt from proving it in sync), `cmd` is the install.
pub(super) fn refusal(input: &ReadInput, lock: &str, why: &str, cmd: &str) -> Refusal {
    let advice = input
        .site
        .preset
        .as_ref()
        .and_then(|(_, spec)| spec.stale_advice.as_deref())
        .unwrap_or("commit the lock the install writes");
    Refusal {
        kind: RefuseKind::WritesProject,
        text: format!(
            "{lock} is stale ({why}): `{cmd}` rewrites it, and the source copy would then put the old one back ({advice})"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::is_true;

    #[test]
    fn truthy_values() {
        for v in ["true", "1", "yes", "TRUE"] {
            assert!(is_true(v), "{v}");
        }
        for v in ["", "false", "0", "False", "no", "off", "n", "f", "ci"] {
            assert!(!is_true(v), "{v}");
        }
    }
}
