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
    flag || spec
        .keeps_lock_env
        .iter()
        .any(|v| matches!(input.site.var(v), Some(Some(value)) if is_true(value)))
}

/// A variable's value that tools read as true: set, not empty, not `false`
/// or `0` (ci-info takes any `CI` but `false`; `0` is left out to be safe:
/// Yarn reads `YARN_ENABLE_IMMUTABLE_INSTALLS=0` as false).
fn is_true(value: &str) -> bool {
    !matches!(value.to_ascii_lowercase().as_str(), "" | "false" | "0")
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
        for v in ["", "false", "0", "False"] {
            assert!(!is_true(v), "{v}");
        }
    }
}
