//! The golden-image comparator shared by the render tests.
//!
//! A frame matches its golden when at most [`BUDGET`] of its pixels differ by more than
//! [`THRESHOLD`] (max over RGB) from every pixel in the 3x3 neighbourhood of the same place in
//! the other image, both ways: a one-pixel shift or LLVM rounding passes, a missing trail
//! fails (tests/render_golden.rs tests the comparator itself). A missing golden fails unless
//! `UPDATE_GOLDEN=1`; on a failure `NAME.new.png` and `NAME.diff.png` land beside the golden.

use std::path::{Path, PathBuf};

use image::{Rgba, RgbaImage};

/// Largest per-channel difference that still counts as the same colour.
pub const THRESHOLD: u8 = 16;
/// Fraction of pixels allowed to differ (0.05%: 86 pixels at 480x360).
pub const BUDGET: f64 = 0.0005;

pub struct Comparison {
    pub failing: usize,
    pub total: usize,
    pub diff: RgbaImage,
}

impl Comparison {
    pub fn passes(&self) -> bool {
        (self.failing as f64) <= BUDGET * self.total as f64
    }
}

pub fn delta(a: &Rgba<u8>, b: &Rgba<u8>) -> u8 {
    (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0)
}

/// Whether `image` has a pixel within THRESHOLD of `color` in the 3x3 block around (x, y).
pub fn near(image: &RgbaImage, x: u32, y: u32, color: &Rgba<u8>) -> bool {
    let (w, h) = image.dimensions();
    for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
        for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
            if delta(image.get_pixel(xx, yy), color) <= THRESHOLD {
                return true;
            }
        }
    }
    false
}

pub fn compare(expected: &RgbaImage, actual: &RgbaImage) -> Comparison {
    assert_eq!(expected.dimensions(), actual.dimensions(), "image sizes differ");
    let (w, h) = actual.dimensions();
    let mut diff = RgbaImage::new(w, h);
    let mut failing = 0;
    for y in 0..h {
        for x in 0..w {
            let a = actual.get_pixel(x, y);
            let e = expected.get_pixel(x, y);
            let bad = !near(expected, x, y, a) || !near(actual, x, y, e);
            let grey = (u16::from(a[0]) + u16::from(a[1]) + u16::from(a[2])) / 3;
            let faded = (128 + grey / 2) as u8;
            diff.put_pixel(
                x,
                y,
                if bad {
                    failing += 1;
                    Rgba([255, 0, 0, 255])
                } else {
                    Rgba([faded, faded, faded, 255])
                },
            );
        }
    }
    Comparison {
        failing,
        total: (w * h) as usize,
        diff,
    }
}

/// Compares with `dir/NAME.png`; `update` writes it instead.
pub fn check_golden(dir: &Path, name: &str, actual: &RgbaImage, update: bool) -> Result<(), String> {
    let path = dir.join(format!("{name}.png"));
    let new_path = dir.join(format!("{name}.new.png"));
    if update {
        actual.save(&path).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let Ok(expected) = image::open(&path) else {
        actual.save(&new_path).map_err(|e| e.to_string())?;
        return Err(format!(
            "no golden image {}; wrote {} (run with UPDATE_GOLDEN=1 on lavapipe to accept it)",
            path.display(),
            new_path.display()
        ));
    };
    let cmp = compare(&expected.to_rgba8(), actual);
    if cmp.passes() {
        return Ok(());
    }
    actual.save(&new_path).map_err(|e| e.to_string())?;
    let diff_path = dir.join(format!("{name}.diff.png"));
    cmp.diff.save(&diff_path).map_err(|e| e.to_string())?;
    Err(format!(
        "{name}: {} of {} pixels differ (budget {:.0}); see {} and {}",
        cmp.failing,
        cmp.total,
        BUDGET * cmp.total as f64,
        new_path.display(),
        diff_path.display()
    ))
}

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

pub fn assert_golden(name: &str, actual: &RgbaImage) {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    if let Err(e) = check_golden(&golden_dir(), name, actual, update) {
        panic!("{e}");
    }
}
