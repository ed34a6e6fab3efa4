//! [`Spool`]: a report file's scenarios, kept on disk until the run ends. Each finished
//! scenario is rendered into its part of the report at once and appended to an unnamed
//! temporary file (gone with the process, whatever happens to it), so a report of 20,000
//! scenarios holds a few words per scenario in memory, not the scenarios.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Rendered parts of a report, each with what the report needs to know of it in memory
/// (`M`: its place in the plan, its outcome...).
pub struct Spool<M> {
    file: Option<BufWriter<File>>,
    parts: Vec<Part<M>>,
    len: u64,
    /// The first write that failed: the report fails with it at the end.
    failed: Option<io::Error>,
}

/// One rendered part: its metadata and where its bytes are.
pub struct Part<M> {
    pub meta: M,
    offset: u64,
    len: usize,
}

impl<M> Default for Spool<M> {
    fn default() -> Self {
        Spool {
            file: None,
            parts: Vec::new(),
            len: 0,
            failed: None,
        }
    }
}

impl<M> Spool<M> {
    /// A spool with its file open already: a run that later runs out of file descriptors
    /// still has somewhere to keep its report.
    pub fn open() -> Self {
        let mut spool = Spool::default();
        match tempfile::tempfile() {
            Ok(file) => spool.file = Some(BufWriter::new(file)),
            Err(e) => spool.failed = Some(e),
        }
        spool
    }

    /// Keeps `bytes` on disk and `meta` in memory. A failure is kept for [`Spool::finish`].
    pub fn push(&mut self, meta: M, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => match tempfile::tempfile() {
                Ok(file) => self.file.insert(BufWriter::new(file)),
                Err(e) => {
                    self.failed = Some(e);
                    return;
                }
            },
        };
        match file.write_all(bytes) {
            Ok(()) => {
                self.parts.push(Part {
                    meta,
                    offset: self.len,
                    len: bytes.len(),
                });
                self.len += bytes.len() as u64;
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// Records a failure to render a part, for [`Spool::finish`].
    pub fn fail(&mut self, e: io::Error) {
        self.failed.get_or_insert(e);
    }

    /// Every part kept, for the report to order; and a reader of their bytes. Fails with the
    /// first write that failed.
    pub fn finish(&mut self) -> io::Result<(&mut [Part<M>], SpoolReader)> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let file = match self.file.take() {
            Some(file) => Some(file.into_inner().map_err(io::IntoInnerError::into_error)?),
            None => None,
        };
        Ok((&mut self.parts, SpoolReader { file }))
    }
}

/// Reads the bytes of spooled parts back.
pub struct SpoolReader {
    file: Option<File>,
}

impl SpoolReader {
    /// The bytes of `part`.
    pub fn read<M>(&mut self, part: &Part<M>) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; part.len];
        if part.len > 0 {
            let file = self
                .file
                .as_mut()
                .ok_or_else(|| io::Error::other("empty spool"))?;
            file.seek(SeekFrom::Start(part.offset))?;
            file.read_exact(&mut bytes)?;
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_in_the_order_the_report_chooses() {
        let mut spool = Spool::default();
        spool.push(2, b"second");
        spool.push(1, b"first");
        spool.push(3, b"");
        let (parts, mut reader) = spool.finish().unwrap();
        parts.sort_by_key(|p| p.meta);
        let texts: Vec<Vec<u8>> = parts.iter().map(|p| reader.read(p).unwrap()).collect();
        assert_eq!(texts, [b"first".to_vec(), b"second".to_vec(), Vec::new()]);
    }
}
