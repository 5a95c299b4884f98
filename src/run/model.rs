//! A model training run from the command line: every optimizer group from every
//! initialisation, trained on the GPU, then the per-step export (`--export`), the final
//! parameters (`--export-params`) and a summary per group.

use std::path::Path;

use super::csv::{CsvExport, status_name};
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED};
use crate::gpu::model_sim::{ModelSetup, ModelSimError, Trained, train};
use crate::model::ModelProblem;
use crate::model::slice::Plane;
use crate::optim::OptimizerSpec;

/// What to run and write.
pub struct ModelRun<'a> {
    pub problem: &'a ModelProblem,
    pub optimizers: &'a [OptimizerSpec],
    /// One label per group, as the export names it.
    pub labels: &'a [String],
    pub steps: u32,
    pub tol: f64,
    pub seed: u64,
    pub export: Option<&'a Path>,
    /// Record every Nth step (the export's rows, the trails); 0 records none.
    pub record_every: u32,
    pub export_params: Option<&'a Path>,
    /// The plane trails are projected onto (`--slice`); else they hold p0 and p1.
    pub plane: Option<&'a Plane>,
    /// Per optimizer as written: its description and how many groups it stands for (a
    /// sweep's are summed up in one line).
    pub sweeps: Vec<(String, usize)>,
}

impl ModelRun<'_> {
    pub fn particles(&self) -> usize {
        self.optimizers.len() * self.problem.inits.len()
    }

    /// Trains (calling `progress` with the particles done) and writes what was asked for.
    pub fn run(&self, gpu: &Gpu, progress: &mut dyn FnMut(usize)) -> Result<Trained, String> {
        let setup = ModelSetup {
            problem: self.problem,
            optimizers: self.optimizers,
            steps: self.steps,
            tol: self.tol,
            seed: self.seed,
            record_every: self.record_every,
            plane: self.plane,
            keep_parameters: true,
        };
        let trained = train(gpu, &setup, progress).map_err(|e: ModelSimError| e.to_string())?;
        if let Some(path) = self.export {
            self.write_export(path, &trained)
                .map_err(|e| format!("--export: {e}"))?;
        }
        if let Some(path) = self.export_params {
            self.write_params(path, &trained)
                .map_err(|e| format!("--export-params: {e}"))?;
        }
        Ok(trained)
    }

    /// Step-major, then group, then initialisation, as the surface export: x and y are the
    /// first two parameters.
    fn write_export(&self, path: &Path, trained: &Trained) -> std::io::Result<()> {
        let per_group = self.problem.inits.len();
        let mut csv = CsvExport::create(path)?;
        let slots = trained.trails.first().map_or(0, Vec::len);
        for slot in 0..slots {
            let step = slot as u32 * self.record_every;
            for (i, trail) in trained.trails.iter().enumerate() {
                let p = trail[slot];
                csv.row(
                    &self.labels[i / per_group],
                    (i % per_group) as u32,
                    step,
                    p.pos,
                    p.loss,
                    p.status,
                )?;
            }
        }
        csv.finish()?;
        Ok(())
    }

    /// `optimizer,particle,loss,status,p0,p1,...` after the last step, one row per particle.
    fn write_params(&self, path: &Path, trained: &Trained) -> std::io::Result<()> {
        let per_group = self.problem.inits.len();
        let columns: Vec<String> = (0..self.problem.model.parameter_count())
            .map(|k| format!("p{k}"))
            .collect();
        let header = format!("optimizer,particle,loss,status,{}", columns.join(","));
        let mut csv = CsvExport::with_header(path, &header)?;
        for (i, params) in trained.parameters.iter().enumerate() {
            let m = trained.meta[i];
            let values: Vec<String> = params.iter().map(|v| v.to_string()).collect();
            csv.labelled_row(
                &self.labels[i / per_group],
                format_args!(
                    ",{},{},{},{}",
                    i % per_group,
                    m.loss,
                    status_name(m.status),
                    values.join(",")
                ),
            )?;
        }
        csv.finish()?;
        Ok(())
    }

    /// Each model's accuracy on the data after the last step (f64, from its f32 parameters);
    /// None for a regression loss.
    pub fn accuracies(&self, trained: &Trained) -> Vec<Option<f64>> {
        let problem = self.problem.problem();
        trained
            .parameters
            .iter()
            .map(|theta| {
                let theta: Vec<f64> = theta.iter().map(|&v| f64::from(v)).collect();
                problem.accuracy(&theta)
            })
            .collect()
    }

    /// Per group: converged, diverged and running counts, best and median final loss of the
    /// non-diverged, and (for classifiers) their median accuracy on the data.
    pub fn summary(&self, trained: &Trained) -> String {
        self.summary_with(trained, &self.accuracies(trained))
    }

    /// [`Self::summary`] with the accuracies already computed.
    pub fn summary_with(&self, trained: &Trained, accuracies: &[Option<f64>]) -> String {
        let per_group = self.problem.inits.len();
        // One line per group, but a large sweep's groups in one line.
        let mut lines: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        let mut group = 0;
        for (label, count) in &self.sweeps {
            if *count > 16 {
                lines.push((
                    format!("{label} ({} groups)", crate::numbers::count(*count as u64)),
                    group * per_group..(group + count) * per_group,
                ));
            } else {
                for g in group..(group + count).min(self.labels.len()) {
                    lines.push((self.labels[g].clone(), g * per_group..(g + 1) * per_group));
                }
            }
            group += count;
        }
        let mut out = String::new();
        for (label, range) in lines {
            let per_group = range.len();
            let metas = &trained.meta[range.clone()];
            let count = |s: u32| metas.iter().filter(|m| m.status == s).count();
            let (converged, diverged) = (count(STATUS_CONVERGED), count(STATUS_DIVERGED));
            let mut losses: Vec<f64> = metas
                .iter()
                .filter(|m| m.status != STATUS_DIVERGED)
                .map(|m| f64::from(m.loss))
                .collect();
            losses.sort_by(f64::total_cmp);
            let mut line = format!(
                "{label}: {} model(s): {converged} converged, {diverged} diverged, {} running",
                per_group,
                per_group - converged - diverged
            );
            if let (Some(best), Some(median)) = (losses.first(), losses.get(losses.len() / 2)) {
                line.push_str(&format!("; loss best {best:.6}, median {median:.6}"));
            }
            let mut accuracy: Vec<f64> = range
                .filter(|&i| trained.meta[i].status != STATUS_DIVERGED)
                .filter_map(|i| accuracies[i])
                .collect();
            accuracy.sort_by(f64::total_cmp);
            if let Some(median) = accuracy.get(accuracy.len() / 2) {
                line.push_str(&format!("; median accuracy {:.1}%", 100.0 * median));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}
