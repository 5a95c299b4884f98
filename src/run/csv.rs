//! Trajectory export: CSV rows streamed to disk as the simulation produces them.
//!
//! The file is written under a temporary name beside the target and renamed when complete,
//! so an interrupted or failed run never leaves a half-written CSV under the name asked for.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{RunError, TrajectorySink, group_labels};
use crate::gpu::gpu_data::Particle;
use crate::scene::Scene;

pub const CSV_HEADER: &str = "optimizer,particle,step,x,y,loss,status";

pub use crate::trajectory::status_name;

/// A CSV file being written; `finish` makes it appear under its real name.
pub struct CsvExport {
    path: PathBuf,
    partial: PathBuf,
    out: Option<BufWriter<File>>,
    line: String,
    pub rows: u64,
    /// Renamed into place: nothing to clean up.
    done: bool,
}

impl CsvExport {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Self::with_header(path, CSV_HEADER)
    }

    /// As [`Self::create`], with another header line.
    pub fn with_header(path: &Path, header: &str) -> std::io::Result<Self> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        let partial = path.with_file_name(name);
        let file = File::create(&partial).map_err(|e| annotate(e, &partial))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        writeln!(out, "{header}").map_err(|e| annotate(e, &partial))?;
        Ok(Self {
            path: path.to_path_buf(),
            partial,
            out: Some(out),
            line: String::with_capacity(128),
            rows: 0,
            done: false,
        })
    }

    /// Appends one row. `optimizer` is quoted when it holds a comma or a quote.
    pub fn row(
        &mut self,
        optimizer: &str,
        particle: u32,
        step: u32,
        pos: [f32; 2],
        loss: f32,
        status: u32,
    ) -> std::io::Result<()> {
        self.labelled_row(
            optimizer,
            format_args!(
                ",{particle},{step},{},{},{},{}",
                pos[0],
                pos[1],
                loss,
                status_name(status)
            ),
        )
    }

    /// Appends `label` (quoted when it holds a comma or a quote), then `rest` and a newline.
    pub fn labelled_row(&mut self, label: &str, rest: std::fmt::Arguments<'_>) -> std::io::Result<()> {
        use std::fmt::Write as _;
        self.line.clear();
        if label.contains([',', '"', '\n']) {
            self.line.push('"');
            self.line.push_str(&label.replace('"', "\"\""));
            self.line.push('"');
        } else {
            self.line.push_str(label);
        }
        let _ = self.line.write_fmt(rest);
        self.line.push('\n');
        let partial = &self.partial;
        match self.out.as_mut() {
            Some(out) => out
                .write_all(self.line.as_bytes())
                .map_err(|e| annotate(e, partial))?,
            None => return Err(std::io::Error::other("export already finished")),
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        if let Some(out) = self.out.take() {
            let file = out
                .into_inner()
                .map_err(|e| annotate(e.into_error(), &self.partial))?;
            file.sync_all().map_err(|e| annotate(e, &self.partial))?;
        }
        std::fs::rename(&self.partial, &self.path).map_err(|e| annotate(e, &self.path))?;
        self.done = true;
        Ok(self.path.clone())
    }
}

impl Drop for CsvExport {
    fn drop(&mut self) {
        // Not finished: an error or an interrupt. Leave nothing half-written behind.
        if !self.done {
            drop(self.out.take());
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn annotate(e: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// The CSV export as a sink.
pub struct CsvSink {
    csv: CsvExport,
    /// Per optimizer group (a sweep's groups each by their own values).
    labels: Vec<String>,
    per_group: u32,
}

impl CsvSink {
    /// Starts `path` (under a temporary name) for `scene`'s particles.
    pub fn create(path: &Path, scene: &Scene) -> Result<Self, RunError> {
        Ok(Self {
            csv: CsvExport::create(path)?,
            labels: group_labels(scene),
            // As the simulation groups them (a 1D surface's grid has one row whatever it says).
            per_group: scene.start_count().max(1) as u32,
        })
    }

    /// Renames the file into place; returns the rows written.
    pub fn finish(self) -> Result<u64, RunError> {
        let rows = self.csv.rows;
        self.csv.finish()?;
        Ok(rows)
    }
}

impl TrajectorySink for CsvSink {
    fn row(&mut self, i: usize, step: u32, p: &Particle) -> Result<(), RunError> {
        let i = i as u32;
        let label = &self.labels[(i / self.per_group) as usize];
        Ok(self
            .csv
            .row(label, i % self.per_group, step, p.pos, p.loss, p.status)?)
    }
}
