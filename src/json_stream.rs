//! JSON documents written while their longest array is still being made:
//! a bulk run's JSON `files` and SARIF `results` are serialized one result
//! at a time as the results come, by serde itself (so the bytes are those
//! of serializing the whole array at once), instead of held until the end.

use std::cell::RefCell;
use std::io::Write;

use serde::{Serialize, Serializer};

/// Serializes as an array the items of an iterator, pulled as they are
/// written. It can be serialized once.
pub struct SeqFrom<I>(RefCell<Option<I>>);

impl<I> SeqFrom<I> {
    pub fn new(items: I) -> SeqFrom<I> {
        SeqFrom(RefCell::new(Some(items)))
    }
}

impl<I> Serialize for SeqFrom<I>
where
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        let items = items.ok_or_else(|| serde::ser::Error::custom("array serialized twice"))?;
        s.collect_seq(items)
    }
}

/// Serializes what `make` returns when it is reached: a value that comes
/// after the array it is computed from (the JSON `summary`).
pub struct Later<F>(pub F);

impl<F, T> Serialize for Later<F>
where
    F: Fn() -> T,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.0)().serialize(s)
    }
}

/// Write `value` as pretty JSON and a newline to `out`, buffered.
pub fn write_pretty<W: Write, T: Serialize>(out: W, value: &T) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Doc<F, S> {
        files: F,
        summary: S,
    }

    /// Streamed and whole give the same bytes, empty arrays included.
    #[test]
    fn streamed_arrays_serialize_as_whole_ones() {
        for n in [0usize, 1, 3] {
            let items: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"path": format!("a{i}"), "findings": [i, {"x": []}]}))
                .collect();
            let whole = serde_json::to_string_pretty(&Doc {
                files: &items,
                summary: serde_json::json!({"files": n}),
            })
            .unwrap();
            let count = std::cell::Cell::new(0);
            let streamed = Doc {
                files: SeqFrom::new(items.iter().inspect(|_| count.set(count.get() + 1))),
                summary: Later(|| serde_json::json!({"files": count.get()})),
            };
            let mut out = Vec::new();
            write_pretty(&mut out, &streamed).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("{whole}\n"),
                "{n} items"
            );
        }
    }
}
