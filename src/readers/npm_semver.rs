//! Whether a version satisfies an npm range, for the simple forms only
//! (node-semver): `1.2.3`, `=1.2.3`, `^`, `~`, `>`, `>=`, `<`, `<=`, x-ranges
//! (`1.x`, `1.2`, `*`, ``), space-joined comparators and `||`. Anything else
//! (hyphen ranges, tags, aliases, git or file specs, a prerelease version
//! against a range) is `None`: not judged.

/// A version's numbers; `None` with a prerelease or build part, or not a version.
fn version(v: &str) -> Option<[u64; 3]> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let mut parts = v.split('.');
    let mut out = [0u64; 3];
    for slot in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 15 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// A partial version (`1`, `1.2`, `1.x`, `*`): the numbers given.
fn partial(v: &str) -> Option<Vec<u64>> {
    let v = v.strip_prefix('v').unwrap_or(v);
    if matches!(v, "" | "*" | "x" | "X") {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for p in v.split('.') {
        if matches!(p, "x" | "X" | "*") {
            break;
        }
        if p.is_empty() || p.len() > 15 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if out.len() == 3 {
            return None;
        }
        out.push(p.parse().ok()?);
    }
    (v.split('.').count() <= 3).then_some(out)
}

/// `[lo, hi)` of the versions a comparator allows (`hi` `None`: unbounded).
type Bounds = ([u64; 3], bool, Option<([u64; 3], bool)>);

fn pad(p: &[u64]) -> [u64; 3] {
    [
        p.first().copied().unwrap_or(0),
        p.get(1).copied().unwrap_or(0),
        p.get(2).copied().unwrap_or(0),
    ]
}

/// The smallest version above every version matching partial `p`.
fn above(p: &[u64]) -> Option<[u64; 3]> {
    match p.len() {
        0 => None,
        1 => Some([p[0] + 1, 0, 0]),
        2 => Some([p[0], p[1] + 1, 0]),
        _ => Some([p[0], p[1], p[2] + 1]),
    }
}

/// One comparator as bounds: (low, low inclusive, high and high inclusive).
fn comparator(c: &str) -> Option<Bounds> {
    let zero = [0, 0, 0];
    let (op, rest) = ["<=", ">=", "<", ">", "=", "^", "~"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim_start())))
        .unwrap_or(("", c));
    let p = partial(rest)?;
    let lo = pad(&p);
    Some(match op {
        "" | "=" => (lo, true, above(&p).map(|h| (h, false))),
        ">=" => (lo, true, None),
        ">" => match above(&p) {
            Some(h) => (h, true, None),
            None => return Some(([u64::MAX; 3], true, Some((zero, false)))), // `>*`: nothing
        },
        "<" => (zero, true, Some((lo, false))),
        "<=" => (zero, true, above(&p).map(|h| (h, false))),
        "~" => (lo, true, above(&p[..p.len().min(2)]).map(|h| (h, false))),
        "^" => {
            // The first non-zero number given is the one that may not change.
            let keep = p.iter().position(|n| *n != 0).map_or(p.len(), |i| i + 1);
            (lo, true, above(&p[..keep.min(p.len())]).map(|h| (h, false)))
        }
        _ => return None,
    })
}

fn within(v: [u64; 3], b: &Bounds) -> bool {
    let (lo, lo_in, hi) = b;
    let low_ok = if *lo_in { v >= *lo } else { v > *lo };
    let high_ok = match hi {
        None => true,
        Some((h, true)) => v <= *h,
        Some((h, false)) => v < *h,
    };
    low_ok && high_ok
}

/// Does `v` satisfy `range`? `None` when not judged.
pub fn satisfies(v: &str, range: &str) -> Option<bool> {
    let v = version(v)?;
    let range = range.trim();
    if range.contains(" - ") || range.contains(':') || range.contains('/') {
        return None;
    }
    let mut any = false;
    for alt in range.split("||") {
        let mut all = true;
        let words: Vec<&str> = alt.split_whitespace().collect();
        // `>= 1.2.3`: an operator apart from its version.
        let mut joined: Vec<String> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if matches!(w, "<" | "<=" | ">" | ">=" | "=" | "^" | "~") && i + 1 < words.len() {
                joined.push(format!("{w}{}", words[i + 1]));
                i += 2;
            } else {
                joined.push(w.to_string());
                i += 1;
            }
        }
        if joined.is_empty() {
            joined.push(String::new());
        }
        for c in &joined {
            let c = c.strip_prefix("~>").map_or(c.clone(), |r| format!("~{r}"));
            all &= within(v, &comparator(&c)?);
        }
        any |= all;
    }
    Some(any)
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn simple_ranges() {
        let yes = |v: &str, r: &str| assert_eq!(satisfies(v, r), Some(true), "{v} {r}");
        let no = |v: &str, r: &str| assert_eq!(satisfies(v, r), Some(false), "{v} {r}");
        yes("1.2.3", "1.2.3");
        no("1.2.2", "1.2.3");
        yes("1.9.0", "^1.2.3");
        no("2.0.0", "^1.2.3");
        no("1.2.2", "^1.2.3");
        yes("0.2.9", "^0.2.3");
        no("0.3.0", "^0.2.3");
        no("0.0.4", "^0.0.3");
        yes("1.2.9", "~1.2.3");
        no("1.3.0", "~1.2.3");
        yes("1.5.0", "1.x");
        yes("1.2.7", "1.2");
        yes("7.0.0", "*");
        yes("7.0.0", "");
        yes("2.0.0", ">=1.0.0 <3");
        no("3.0.0", ">=1.0.0 <3");
        yes("3.1.0", "^1.0.0 || ^3.0.0");
        yes("1.0.1", ">= 1.0.0");
        no("1.0.0", ">1.0.0");
        yes("1.0.0", "<=1.0.0");
        assert_eq!(satisfies("1.0.0-beta.1", "^1.0.0"), None);
        assert_eq!(satisfies("1.0.0", "1.0.0 - 2.0.0"), None);
        assert_eq!(satisfies("1.0.0", "latest"), None);
        assert_eq!(satisfies("1.0.0", "github:a/b"), None);
    }
}
