//! `--weights FILE`: how long each step takes, to turn re-run counts into
//! minutes.
//!
//! The file is TOML, every time in seconds:
//!
//! ```toml
//! default = 2          # any step not listed (default 0)
//! install = 95         # the recognised install step, unless listed by text
//! [steps]              # by the instruction as the report prints it
//! "RUN npm run build" = 40
//! "COPY . ." = 1
//! ```
//!
//! A file's cost under one version is the sum over its steps of re-runs
//! times seconds; the saving is the original's cost minus the rewritten
//! file's. Steps are looked up by text in each version, so a RUN the rewrite
//! split is priced by its parts.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    #[serde(default)]
    pub default: f64,
    pub install: Option<f64>,
    #[serde(default)]
    pub steps: BTreeMap<String, f64>,
}

impl Weights {
    pub fn load(path: &Path) -> Result<Weights> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read weights", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}: bad weights file", path.display()))
    }

    pub fn parse(text: &str) -> Result<Weights> {
        let mut w: Weights = toml::from_str(text)?;
        w.steps = w
            .steps
            .into_iter()
            .map(|(k, v)| (super::steps::one_line(&k), v))
            .collect();
        let all = w
            .steps
            .values()
            .chain([&w.default])
            .chain(w.install.as_ref());
        for v in all {
            if !v.is_finite() || *v < 0.0 {
                bail!("step times must be seconds, 0 or more (found {v})");
            }
        }
        Ok(w)
    }

    /// Seconds for a step with this text; `is_install` for the install step.
    pub fn seconds(&self, text: &str, is_install: bool) -> f64 {
        if let Some(s) = self.steps.get(text) {
            return *s;
        }
        match (is_install, self.install) {
            (true, Some(s)) => s,
            _ => self.default,
        }
    }

    /// Seconds spent re-running: Σ count × seconds.
    pub fn cost<'a>(&self, steps: impl Iterator<Item = (&'a str, bool, usize)>) -> f64 {
        steps
            .map(|(text, install, n)| n as f64 * self.seconds(text, install))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_order_and_cost() {
        let w = Weights::parse(
            "default = 1\ninstall = 60\n[steps]\n\"RUN  npm run build\" = 30\n\"RUN npm ci\" = 90\n",
        )
        .unwrap();
        assert_eq!(w.seconds("RUN npm ci", true), 90.0, "by text first");
        assert_eq!(w.seconds("RUN pip install x", true), 60.0);
        assert_eq!(
            w.seconds("RUN npm run build", false),
            30.0,
            "blanks collapsed"
        );
        assert_eq!(w.seconds("COPY . .", false), 1.0);
        let c = w.cost([("RUN npm ci", true, 2), ("COPY . .", false, 10)].into_iter());
        assert_eq!(c, 190.0);
    }

    #[test]
    fn rejects_negative_and_unknown_keys() {
        assert!(Weights::parse("default = -1\n").is_err());
        assert!(Weights::parse("defualt = 1\n").is_err());
        assert!(Weights::parse("[steps]\n\"RUN x\" = \"slow\"\n").is_err());
    }
}
