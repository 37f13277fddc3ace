//! Printing while a progress bar is on the terminal: results are printed as
//! they come (streamed), so every write clears the bar first and redraws it
//! after, instead of drawing over it.

use std::io::Write;

use indicatif::ProgressBar;

/// A writer that writes around `bar`.
pub struct AroundBar<'a, W: Write> {
    bar: &'a ProgressBar,
    inner: W,
}

impl<'a, W: Write> AroundBar<'a, W> {
    pub fn new(bar: &'a ProgressBar, inner: W) -> Self {
        AroundBar { bar, inner }
    }
}

impl<W: Write> Write for AroundBar<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bar.is_hidden() {
            return self.inner.write(buf);
        }
        let inner = &mut self.inner;
        self.bar.suspend(|| {
            let n = inner.write(buf)?;
            inner.flush()?;
            Ok(n)
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
