//! Zooming into a sweep map: the ranges of a zoom from a sweep's ranges to target ranges,
//! frame by frame, as Sohl-Dickstein's notebook moves between two views
//! (`interpolate_history`): on each axis (in log for a log range) the width shrinks
//! geometrically, `w(a) = w0 (w1 / w0)^a`, about the one point that stays put on the screen,
//! so the target grows steadily from where it sits in the first frame to the whole last one.
//! The first frame is the sweep's own ranges and the last the target's, exactly.

use crate::optim::OptimizerSpec;
use crate::sweep::{ParamRange, Spacing};

/// One axis of `--zoom-to`: a swept parameter and the range it ends at.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoomAxis {
    pub param: String,
    pub to: [f64; 2],
}

/// Parses `PARAM=FROM..TO[,PARAM=FROM..TO]`; the message names the part at fault.
pub fn parse_zoom(text: &str) -> Result<Vec<ZoomAxis>, String> {
    let mut out: Vec<ZoomAxis> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((param, range)) = part.split_once('=') else {
            return Err(format!("'{part}': expected PARAM=FROM..TO, e.g. lr=0.5..0.52"));
        };
        let Some((a, b)) = range.split_once("..") else {
            return Err(format!("'{part}': expected FROM..TO after '{}='", param.trim()));
        };
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("'{part}': '{}' is not a finite number", s.trim()))
        };
        let (a, b) = (number(a)?, number(b)?);
        if a == b {
            return Err(format!("'{part}': the range is empty"));
        }
        let param = param.trim().to_ascii_lowercase();
        if out.iter().any(|z| z.param == param) {
            return Err(format!("'{part}': {param} is given twice"));
        }
        out.push(ZoomAxis { param, to: [a, b] });
    }
    if out.is_empty() {
        return Err("expected PARAM=FROM..TO[,PARAM=FROM..TO]".into());
    }
    Ok(out)
}

/// Which optimizer of `optimizers` a zoom applies to (the first whose sweep has every named
/// parameter), checked: each end inside what its range allows (positive for a log range).
pub fn zoom_optimizer(optimizers: &[OptimizerSpec], zoom: &[ZoomAxis]) -> Result<usize, String> {
    let k = optimizers
        .iter()
        .position(|o| zoom.iter().all(|z| o.sweep.iter().any(|a| a.param == z.param)))
        .ok_or_else(|| {
            let swept: Vec<String> = optimizers
                .iter()
                .flat_map(|o| o.sweep.iter().map(|a| a.param.to_string()))
                .collect();
            let named: Vec<&str> = zoom.iter().map(|z| z.param.as_str()).collect();
            if swept.is_empty() {
                "no optimizer sweeps a parameter: a zoom moves a sweep map's ranges".to_string()
            } else {
                format!(
                    "no optimizer sweeps {} (swept: {})",
                    named.join(" and "),
                    swept.join(", ")
                )
            }
        })?;
    for z in zoom {
        let axis = optimizers[k].sweep.iter().find(|a| a.param == z.param).unwrap();
        let what = || format!("{}={}..{}", z.param, z.to[0], z.to[1]);
        let range = ParamRange::new(z.to[0], z.to[1], axis.range.count, axis.range.spacing)
            .map_err(|m| format!("{}: {m}", what()))?;
        // The parameter's own rule (torch's: beta1 below 1, lr not negative, ...).
        optimizers[k]
            .clone()
            .set_range(&z.param, range)
            .map_err(|e| format!("{}: {e}", what()))?;
    }
    Ok(k)
}

/// The range at `alpha` (0: `from`, 1: `to`, exactly) of a zoom from `from` to the ends `to`.
pub fn zoom_range(from: &ParamRange, to: [f64; 2], alpha: f64) -> ParamRange {
    if alpha <= 0.0 {
        return *from;
    }
    let log = from.spacing == Spacing::Log;
    let into = |v: f64| if log { v.ln() } else { v };
    let out = |v: f64| if log { v.exp() } else { v };
    if alpha >= 1.0 {
        return ParamRange {
            from: to[0],
            to: to[1],
            ..*from
        };
    }
    let (a0, b0) = (into(from.from), into(from.to));
    let (a1, b1) = (into(to[0]), into(to[1]));
    let (w0, w1) = (b0 - a0, b1 - a1);
    let (c0, c1) = (0.5 * (a0 + b0), 0.5 * (a1 + b1));
    let r = w1 / w0;
    let (c, w) = if (r - 1.0).abs() < 1e-12 {
        (c0 + alpha * (c1 - c0), w0)
    } else {
        // The fixed point: c(a) = c* + (c0 - c*) r^a passes through c0 and c1.
        let gamma = r.powf(alpha);
        let fixed = (c1 - c0 * r) / (1.0 - r);
        (fixed + (c0 - fixed) * gamma, w0 * gamma)
    };
    ParamRange {
        from: out(c - 0.5 * w),
        to: out(c + 0.5 * w),
        ..*from
    }
}

/// `spec` with its swept ranges at `alpha` of the zoom.
pub fn zoomed(spec: &OptimizerSpec, zoom: &[ZoomAxis], alpha: f64) -> OptimizerSpec {
    let mut out = spec.clone();
    for axis in &mut out.sweep {
        if let Some(z) = zoom.iter().find(|z| z.param == axis.param) {
            axis.range = zoom_range(&axis.range, z.to, alpha);
        }
    }
    out
}

/// Frames per halving of a range in a zoom video (Sohl-Dickstein's videos).
pub const FRAMES_PER_HALVING: f64 = 60.0;

/// A zoom's frames at [`FRAMES_PER_HALVING`]: by the axis that shrinks the most (at least 2).
pub fn default_frames(spec: &OptimizerSpec, zoom: &[ZoomAxis]) -> u32 {
    let halvings = zoom
        .iter()
        .filter_map(|z| {
            let axis = spec.sweep.iter().find(|a| a.param == z.param)?;
            let width = |a: f64, b: f64| match axis.range.spacing {
                Spacing::Log => (b.ln() - a.ln()).abs(),
                Spacing::Linear => (b - a).abs(),
            };
            Some(
                (width(axis.range.from, axis.range.to) / width(z.to[0], z.to[1]))
                    .log2()
                    .abs(),
            )
        })
        .fold(0.0, f64::max);
    ((halvings * FRAMES_PER_HALVING).ceil() as u32 + 1).clamp(2, 100_000)
}

/// The fraction of the zoom frame `k` of `frames` is at.
pub fn frame_alpha(k: u32, frames: u32) -> f64 {
    if frames <= 1 {
        return 1.0;
    }
    f64::from(k) / f64::from(frames - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooms_start_and_end_exactly_and_shrink_geometrically() {
        let from = ParamRange::new(1e-3, 1e6, 64, Spacing::Log).unwrap();
        let to = [0.5, 0.52];
        assert_eq!(zoom_range(&from, to, 0.0), from);
        let end = zoom_range(&from, to, 1.0);
        assert_eq!((end.from, end.to, end.count), (0.5, 0.52, 64));
        // Halfway, the log-width is the geometric mean of the two.
        let mid = zoom_range(&from, to, 0.5);
        let w = |r: &ParamRange| r.to.ln() - r.from.ln();
        let want = (w(&from) * (0.52f64.ln() - 0.5f64.ln())).sqrt();
        assert!((w(&mid) - want).abs() < 1e-9 * want, "{} vs {want}", w(&mid));
        // The target stays inside every frame.
        for k in 0..=20 {
            let r = zoom_range(&from, to, f64::from(k) / 20.0);
            assert!(
                r.from <= 0.5 * (1.0 + 1e-12) && r.to >= 0.52 * (1.0 - 1e-12),
                "{k}: {r:?}"
            );
        }
        // Linear ranges zoom linearly; equal widths pan.
        let lin = ParamRange::new(0.0, 1.0, 8, Spacing::Linear).unwrap();
        let pan = zoom_range(&lin, [1.0, 2.0], 0.25);
        assert!((pan.from - 0.25).abs() < 1e-12 && (pan.to - 1.25).abs() < 1e-12);
    }

    #[test]
    fn zoom_targets_parse_and_say_what_is_wrong() {
        let z = parse_zoom("lr_layer0=0.51..0.52, LR_layer1=1.8..1.81").unwrap();
        assert_eq!(
            z[1],
            ZoomAxis {
                param: "lr_layer1".into(),
                to: [1.8, 1.81]
            }
        );
        assert!(parse_zoom("lr=1").unwrap_err().contains("FROM..TO"));
        assert!(parse_zoom("lr=1..x").unwrap_err().contains("'x'"));
        assert!(parse_zoom("lr=1..1").unwrap_err().contains("empty"));
        assert!(parse_zoom("lr=1..2,lr=2..3").unwrap_err().contains("twice"));
        let spec: OptimizerSpec = "sgd:lr=1e-3..1:8:log,momentum=0..0.9:8".parse().unwrap();
        let zoom = parse_zoom("lr=0.1..0.2").unwrap();
        assert_eq!(zoom_optimizer(std::slice::from_ref(&spec), &zoom), Ok(0));
        let e = zoom_optimizer(
            std::slice::from_ref(&spec),
            &parse_zoom("beta1=0.1..0.2").unwrap(),
        );
        assert!(e.unwrap_err().contains("swept: lr, momentum"));
        let e = zoom_optimizer(std::slice::from_ref(&spec), &parse_zoom("lr=-1..0.2").unwrap());
        assert!(e.unwrap_err().contains("log range"));
        let adam: OptimizerSpec = "adam:beta1=0.5..0.9:8,lr=1e-3..1:8:log".parse().unwrap();
        let e = zoom_optimizer(
            std::slice::from_ref(&adam),
            &parse_zoom("beta1=0.9..1.2").unwrap(),
        );
        assert!(e.unwrap_err().contains("beta1"), "torch's rule for beta1");
    }
}
