//! Start maps and sweep maps written as PNG files: one file per optimizer (`path` itself for
//! one, `stem-1.ext`, `stem-2.ext`, ... for more), each whole or not at all.

use std::path::{Path, PathBuf};

use crate::capture::write_png_atomic;
use crate::gpu::Gpu;
use crate::outcome::start_map::{StartMap, grid_of, start_maps};
use crate::outcome::sweep_map::SweepMap;
use crate::run::{RunOptions, run_scene};
use crate::scene::Scene;

/// A map image and the name it is reported under.
pub trait MapImage {
    fn image(&self) -> &image::RgbaImage;
    fn label(&self) -> &str;
}

impl MapImage for StartMap {
    fn image(&self) -> &image::RgbaImage {
        &self.image
    }
    fn label(&self) -> &str {
        &self.optimizer
    }
}

impl MapImage for SweepMap {
    fn image(&self) -> &image::RgbaImage {
        &self.image
    }
    fn label(&self) -> &str {
        &self.title
    }
}

/// A file name per map: `path` itself for one, `stem-1.ext`, `stem-2.ext`, ... for more.
pub fn paths_for(path: &Path, maps: usize) -> Vec<PathBuf> {
    if maps <= 1 {
        return vec![path.to_path_buf()];
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let ext = path
        .extension()
        .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    (1..=maps)
        .map(|k| path.with_file_name(format!("{stem}-{k}{ext}")))
        .collect()
}

/// Writes `maps` as PNGs named by [`paths_for`], each whole or not at all; returns the files
/// written with their labels.
pub fn write_maps<M: MapImage>(maps: &[M], path: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut written = Vec::new();
    for (map, file) in maps.iter().zip(paths_for(path, maps.len())) {
        let image = map.image();
        write_png_atomic(&file, image.width(), image.height(), image.as_raw())?;
        written.push((file, map.label().to_string()));
    }
    Ok(written)
}

/// Runs `scene` to its end and writes each optimizer's start map as a PNG ([`paths_for`]);
/// returns the files written with their optimizer. A scene without a grid of starts is
/// refused before any GPU work.
pub fn write_start_maps(gpu: &Gpu, scene: &Scene, path: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    grid_of(scene).map_err(anyhow::Error::msg)?;
    let outcome = run_scene(gpu, scene, &RunOptions::default())?;
    let maps = start_maps(scene, &outcome.particles).map_err(anyhow::Error::msg)?;
    write_maps(&maps, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_optimizers_get_numbered_files() {
        let p = Path::new("out/map.png");
        assert_eq!(paths_for(p, 1), [p]);
        assert_eq!(
            paths_for(p, 2),
            [Path::new("out/map-1.png"), Path::new("out/map-2.png")]
        );
    }
}
