//! Whether a version satisfies an npm range, for the simple forms only
//! (node-semver): `1.2.3`, `=1.2.3`, `^`, `~`, `>`, `>=`, `<`, `<=`, x-ranges
//! (`1.x`, `1.2`, `*`, ``), hyphen ranges, space-joined comparators and
//! `||`, with prerelease versions (`1.0.0-beta.2`) on either side. Anything
//! else (tags, git or file specs) is `None`: not judged. Aliases
//! (`npm:name@range`) are unwrapped by the caller, which checks the name.

use std::cmp::Ordering;

/// A version: its numbers and its prerelease identifiers (build metadata dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    nums: [u64; 3],
    pre: Vec<String>,
}

/// node-semver's precedence: numbers, then a prerelease below none, then
/// identifier by identifier (numeric ones numerically and below
/// alphanumeric ones), a shorter list of equal identifiers first.
fn cmp(a: &Version, b: &Version) -> Ordering {
    a.nums
        .cmp(&b.nums)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => x.cmp(y),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}

fn number(p: &str) -> Option<u64> {
    if p.is_empty() || p.len() > 15 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if p.len() > 1 && p.starts_with('0') {
        return None;
    }
    p.parse().ok()
}

/// `1.2.3-beta.1+build` without its build part: the prerelease identifiers.
fn split_pre(v: &str) -> Option<(&str, Vec<String>)> {
    let v = v.split('+').next().unwrap_or(v);
    match v.split_once('-') {
        None => Some((v, Vec::new())),
        Some((core, pre)) => {
            let ids: Vec<String> = pre.split('.').map(str::to_string).collect();
            let ok = ids.iter().all(|i| {
                !i.is_empty() && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            ok.then_some((core, ids))
        }
    }
}

/// A full version; `None` when not one.
fn version(v: &str) -> Option<Version> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let (core, pre) = split_pre(v)?;
    let mut parts = core.split('.');
    let mut nums = [0u64; 3];
    for slot in &mut nums {
        *slot = number(parts.next()?)?;
    }
    parts.next().is_none().then_some(Version { nums, pre })
}

/// A partial version (`1`, `1.2`, `1.x`, `*`, `1.2.3-rc.1`): the numbers
/// given, and the prerelease of a full one.
fn partial(v: &str) -> Option<(Vec<u64>, Vec<String>)> {
    let v = v.strip_prefix('v').unwrap_or(v);
    if matches!(v, "" | "*" | "x" | "X") {
        return Some((Vec::new(), Vec::new()));
    }
    let (core, pre) = split_pre(v)?;
    let mut out = Vec::new();
    for p in core.split('.') {
        if matches!(p, "x" | "X" | "*") {
            break;
        }
        if out.len() == 3 {
            return None;
        }
        out.push(number(p)?);
    }
    if core.split('.').count() > 3 || (!pre.is_empty() && out.len() < 3) {
        return None;
    }
    Some((out, pre))
}

/// What a comparator allows: a low bound (inclusive or not), a high bound
/// (inclusive or not; `None`: unbounded). A high bound made by raising a
/// number (`^1.2.3` is `<2.0.0-0`) excludes that version's prereleases.
#[derive(Debug)]
struct Bounds {
    lo: Version,
    lo_in: bool,
    hi: Option<(Version, bool)>,
    /// The version the comparator names, when it has a prerelease.
    pre_tuple: Option<[u64; 3]>,
}

fn pad(p: &[u64]) -> [u64; 3] {
    [
        p.first().copied().unwrap_or(0),
        p.get(1).copied().unwrap_or(0),
        p.get(2).copied().unwrap_or(0),
    ]
}

/// The smallest version above every version matching partial `p`, as
/// `X.Y.Z-0` (below all of that version's prereleases).
fn above(p: &[u64]) -> Option<Version> {
    let nums = match p.len() {
        0 => return None,
        1 => [p[0] + 1, 0, 0],
        2 => [p[0], p[1] + 1, 0],
        _ => [p[0], p[1], p[2] + 1],
    };
    Some(Version {
        nums,
        pre: vec!["0".to_string()],
    })
}

/// One comparator as bounds.
fn comparator(c: &str) -> Option<Bounds> {
    let (op, rest) = ["<=", ">=", "<", ">", "=", "^", "~"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim_start())))
        .unwrap_or(("", c));
    let (p, pre) = partial(rest)?;
    let named = Version {
        nums: pad(&p),
        pre: pre.clone(),
    };
    let zero = Version {
        nums: [0, 0, 0],
        pre: vec!["0".to_string()],
    };
    let pre_tuple = (!pre.is_empty()).then_some(named.nums);
    let exact = p.len() == 3;
    let bounds = |lo: Version, lo_in: bool, hi: Option<(Version, bool)>| Bounds {
        lo,
        lo_in,
        hi,
        pre_tuple,
    };
    Some(match op {
        "" | "=" if exact => bounds(named.clone(), true, Some((named, true))),
        "" | "=" => bounds(named, true, above(&p).map(|h| (h, false))),
        ">=" => bounds(named, true, None),
        ">" if exact => bounds(named, false, None),
        ">" => match above(&p) {
            Some(h) => bounds(h, true, None),
            // `>*`: nothing.
            None => bounds(named.clone(), false, Some((zero, false))),
        },
        "<" if p.is_empty() => bounds(zero.clone(), true, Some((zero, false))),
        "<" => {
            // `<1.2.3` is `<1.2.3-0` unless it names a prerelease itself.
            let hi = if pre.is_empty() {
                Version {
                    pre: vec!["0".to_string()],
                    ..named
                }
            } else {
                named
            };
            bounds(zero, true, Some((hi, false)))
        }
        "<=" if exact => bounds(zero, true, Some((named, true))),
        "<=" => bounds(zero, true, above(&p).map(|h| (h, false))),
        "~" => bounds(named, true, above(&p[..p.len().min(2)]).map(|h| (h, false))),
        "^" => {
            // The first non-zero number given is the one that may not change.
            let keep = p.iter().position(|n| *n != 0).map_or(p.len(), |i| i + 1);
            bounds(
                named,
                true,
                above(&p[..keep.min(p.len())]).map(|h| (h, false)),
            )
        }
        _ => return None,
    })
}

fn within(v: &Version, b: &Bounds) -> bool {
    let low_ok = match cmp(v, &b.lo) {
        Ordering::Greater => true,
        Ordering::Equal => b.lo_in,
        Ordering::Less => false,
    };
    let high_ok = match &b.hi {
        None => true,
        Some((h, inclusive)) => match cmp(v, h) {
            Ordering::Less => true,
            Ordering::Equal => *inclusive,
            Ordering::Greater => false,
        },
    };
    low_ok && high_ok
}

/// Does `v` satisfy one `||` alternative? A prerelease version only when
/// some comparator names a prerelease of the same numbers (node-semver).
fn satisfies_set(v: &Version, alt: &str) -> Option<bool> {
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
    let mut all = true;
    let mut pre_allowed = v.pre.is_empty();
    for c in &joined {
        let c = c.strip_prefix("~>").map_or(c.clone(), |r| format!("~{r}"));
        let b = comparator(&c)?;
        pre_allowed |= b.pre_tuple == Some(v.nums);
        all &= within(v, &b);
    }
    Some(all && pre_allowed)
}

/// A hyphen range `A - B` as comparators: `>=A <=B` (node-semver: a
/// partial `B` allows every version it names, `2.x - 6.x` is `>=2.0.0 <7.0.0-0`).
fn hyphen(alt: &str) -> Option<String> {
    let (a, b) = alt.split_once(" - ")?;
    let (a, b) = (a.trim(), b.trim());
    if a.contains(char::is_whitespace) || b.contains(char::is_whitespace) {
        return None;
    }
    Some(format!(">={a} <={b}"))
}

/// Does `v` satisfy `range`? `None` when not judged.
pub fn satisfies(v: &str, range: &str) -> Option<bool> {
    let v = version(v)?;
    let range = range.trim();
    if range.contains(':') || range.contains('/') {
        return None;
    }
    let mut any = false;
    for alt in range.split("||") {
        let alt = match alt.contains(" - ") {
            true => hyphen(alt)?,
            false => alt.to_string(),
        };
        any |= satisfies_set(&v, &alt)?;
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
        yes("1.5.0", "1.0.0 - 2.0.0");
        yes("2.0.0", "1.0.0 - 2.0.0");
        no("2.0.1", "1.0.0 - 2.0.0");
        yes("6.9.0", "2.x - 6.x");
        no("7.0.0", "2.x - 6.x");
        no("1.9.9", "2.x - 6.x");
        assert_eq!(satisfies("1.0.0", "latest"), None);
        assert_eq!(satisfies("1.0.0", "github:a/b"), None);
    }

    /// node-semver's prerelease rules (its test fixtures `range-include` and
    /// `range-exclude`, the cases with a prerelease).
    #[test]
    fn prereleases() {
        let yes = |v: &str, r: &str| assert_eq!(satisfies(v, r), Some(true), "{v} {r}");
        let no = |v: &str, r: &str| assert_eq!(satisfies(v, r), Some(false), "{v} {r}");
        // A prerelease satisfies only a set naming a prerelease of its numbers.
        no("1.0.0-beta.1", "^1.0.0");
        no("1.2.3-alpha", ">1.0.0");
        yes("1.0.0-beta.2", "^1.0.0-beta.2");
        yes("1.0.0-beta.10", "^1.0.0-beta.2");
        no("1.0.0-beta.1", "^1.0.0-beta.2");
        no("1.0.1-beta.3", "^1.0.0-beta.2");
        yes("1.0.1", "^1.0.0-beta.2");
        yes("1.9.0", "^1.0.0-beta.2");
        no("2.0.0-alpha", "^1.0.0-beta.2");
        yes("8.3.0", "^8.0.0 || ^8.0.0-alpha.0");
        yes("8.0.0-alpha.5", "^8.0.0 || ^8.0.0-alpha.0");
        yes("4.0.0-beta.11", "4.0.0-beta.11");
        no("4.0.0-beta.12", "4.0.0-beta.11");
        no("4.0.0", "4.0.0-beta.11");
        yes("1.2.3-beta.4", ">=1.2.3-beta.2 <1.2.4");
        // Precedence of identifiers.
        yes("1.0.0-alpha.beta", ">1.0.0-alpha.1");
        yes("1.0.0-rc.1", ">1.0.0-beta.11");
        no("1.0.0-alpha", ">1.0.0-alpha");
        yes("1.0.0-alpha.1", ">1.0.0-alpha");
        // `<2.0.0` excludes 2.0.0's prereleases (`<2.0.0-0`).
        no("2.0.0-rc.1", "<2.0.0");
        yes("1.2.3", "1.2.3+build.5");
        yes("1.2.3+build.7", "1.2.3");
    }
}
