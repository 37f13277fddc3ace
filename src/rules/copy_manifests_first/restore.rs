//! A later copy that brings again what the source copy C brings, at the
//! same place: `ADD . /app` then `COPY ./requirements.txt
//! /app/requirements.txt`. Every path it writes, C writes with the same
//! bytes, owner and mode (the same context file, through the same ignore
//! file, with the same `--chown` and `--chmod`), so running C after it
//! instead of before leaves the same files: it commutes with C and stays
//! where it is. Only its other effects (the directories it makes) are then
//! checked against C.

use crate::model::clean_rel;

use super::paths::{CopyMap, ImagePath};
use crate::rules::RuleContext;
use crate::syntax::Keyword;

/// Does instruction `xi`, a COPY or ADD between C (instruction `copy`,
/// mapped by `map`) and the install, bring only what C brings at the same
/// paths, with the same metadata?
pub fn brings_the_same(rc: &RuleContext, xi: usize, copy: usize, map: CopyMap) -> bool {
    let m = rc.model;
    let (x, c) = (m.ins[xi], m.ins[copy]);
    let Some(ctx) = rc.ctx else { return false };
    let Some(v) = m.copy_view(xi) else {
        return false;
    };
    let (Some(sources), Some(dest), Some(dest_abs)) = (&v.sources, &v.dest, &v.dest_abs) else {
        return false;
    };
    let [s] = sources.as_slice() else {
        return false;
    };
    let plain_flags = x
        .flags
        .iter()
        .all(|f| matches!(f.name.as_str(), "chown" | "chmod" | "link" | "exclude"));
    let same_owner = ["chown", "chmod"].iter().all(|f| x.flag(f) == c.flag(f));
    if v.from.is_some() || v.heredoc || !plain_flags || !same_owner {
        return false;
    }
    if s.contains(['*', '?', '[']) || s.contains("://") {
        return false;
    }
    let rel = clean_rel(s);
    // A named source is followed through links, where C keeps the link.
    if linked(ctx, &rel) {
        return false;
    }
    let target = if ctx.is_dir(&rel) {
        dest_abs.clone()
    } else if ctx.is_file(&rel) && x.kind == Keyword::Copy {
        // ADD of a file would unpack an archive.
        let base = rel.rsplit('/').next().unwrap_or(&rel);
        match super::paths::dest_names_dir(dest) {
            true => super::paths::resolve(dest_abs, base),
            false => dest_abs.clone(),
        }
    } else {
        return false;
    };
    map.to_context(&ImagePath::new(&target))
        .is_some_and(|back| back.as_str() == rel)
}

/// Is `rel`, or a directory on its way, a symbolic link in the context?
fn linked(ctx: &crate::context::BuildContext, rel: &str) -> bool {
    let mut prefix = String::new();
    rel.split('/').any(|part| {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        ctx.is_symlink(&prefix)
    })
}
