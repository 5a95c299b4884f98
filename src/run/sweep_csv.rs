//! `--sweep-csv`: one row per optimizer group and start with the final state,
//! `optimizer,<swept parameters>,start,x,y,loss,steps,status`.
//!
//! `optimizer` is the spec as given (ranges included, quoted when it has commas); there is one
//! column per parameter any optimizer of the scene sweeps, named as the parameter, holding the
//! group's value (empty for an optimizer without that parameter). `start` is the start-point
//! index, `steps` the steps the particle took (where it converged or diverged, else the run's
//! steps), `status` converged, diverged or running. Written under a temporary name and renamed
//! when whole, like every export.

use std::io::Write;
use std::path::Path;

use crate::gpu::gpu_data::Particle;
use crate::run::csv::status_name;
use crate::scene::Scene;

/// The swept parameters of `scene`, in order of first appearance.
pub fn swept_params(scene: &Scene) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for axis in scene.optimizers.iter().flat_map(|o| &o.sweep) {
        if !out.contains(&axis.param.as_str()) {
            out.push(&axis.param);
        }
    }
    out
}

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes the rows for `particles` (group-major, `per_group` starts per group) to `out`.
pub fn write_rows(
    scene: &Scene,
    particles: &[Particle],
    per_group: usize,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    let params = swept_params(scene);
    let mut header = String::from("optimizer");
    for p in &params {
        header.push(',');
        header.push_str(p);
    }
    header.push_str(",start,x,y,loss,steps,status");
    writeln!(out, "{header}")?;
    let per_group = per_group.max(1);
    let mut group = 0usize;
    let mut rows = 0;
    let mut line = String::with_capacity(160);
    for spec in &scene.optimizers {
        let label = quoted(&spec.label);
        for g in 0..spec.group_count() {
            // The group's values straight from its ranges (no spec per row).
            let at = crate::sweep::indices(&spec.sweep, g);
            let mut values = String::new();
            for p in &params {
                values.push(',');
                let swept = spec.sweep.iter().zip(&at).find(|(a, _)| a.param == *p);
                let value = match swept {
                    Some((a, &i)) => Some(crate::numbers::as_f32_decimal(a.range.value(i))),
                    None if spec.param_names().contains(p) || spec.sets_surface(p) => spec.number(p),
                    None => None,
                };
                if let Some(v) = value {
                    values.push_str(&format!("{v}"));
                }
            }
            for s in 0..per_group {
                let Some(q) = particles.get(group * per_group + s) else {
                    continue;
                };
                use std::fmt::Write as _;
                line.clear();
                let _ = writeln!(
                    line,
                    "{label}{values},{s},{},{},{},{},{}",
                    q.pos[0],
                    q.pos[1],
                    q.loss,
                    q.step,
                    status_name(q.status)
                );
                out.write_all(line.as_bytes())?;
                rows += 1;
            }
            group += 1;
        }
    }
    Ok(rows)
}

/// Writes the sweep CSV of `particles` to `path`, whole or not at all; returns the rows written.
pub fn write_sweep_csv(
    scene: &Scene,
    particles: &[Particle],
    per_group: usize,
    path: &Path,
) -> std::io::Result<u64> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let partial = path.with_file_name(name);
    let annotate =
        |e: std::io::Error, p: &Path| std::io::Error::new(e.kind(), format!("{}: {e}", p.display()));
    let result = (|| {
        let file = std::fs::File::create(&partial)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let rows = write_rows(scene, particles, per_group, &mut out)?;
        out.flush()?;
        Ok(rows)
    })();
    match result {
        Ok(rows) => {
            std::fs::rename(&partial, path).map_err(|e| annotate(e, path))?;
            Ok(rows)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(annotate(e, &partial))
        }
    }
}
