//! What slice a run asks for (`--directions`, `--slice-size`, `--slice-around`,
//! `--slice-range`, or a scene's `[slice]`): the request read and checked, the plane chosen
//! before the training (so the GPU records every trail projected onto it) and the extent.
//!
//! The plane's origin is the centre model's parameters, final or initial: the f64 twin trains
//! that one particle on the CPU (its final point and, for `pca`, its whole trajectory), so
//! the GPU run that follows records its trails on a plane already known. The GPU's own run of
//! that particle ends within f32 rounding of the twin's, not exactly on it.
//!
//! With `params:` directions the origin has the two named parameters at 0, so a and b are
//! those parameters' values (the others stay at the centre model's): for a two-parameter
//! model, the exact loss surface J(w1, w2).

use std::path::PathBuf;

use super::slice::{Directions, Plane, Slice, principal_components, unit};
use super::{ModelProblem, Training, Trajectory};
use crate::optim::OptimizerSpec;

/// Most grid points a side.
pub const MAX_SLICE_SIDE: u32 = 1024;

/// A slice as the flags ask for it.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceRequest {
    pub directions: Directions,
    pub size: [u32; 2],
    /// Centred on the final (else initial) parameters of particle `particle`.
    pub final_point: bool,
    pub particle: usize,
    /// (a range, b range) when given.
    pub range: Option<([f64; 2], [f64; 2])>,
    pub outputs: Vec<PathBuf>,
}

/// The flags as written (`--directions`, `--slice-size`, `--slice-around`, `--slice-range`).
#[derive(Clone, Debug, Default)]
pub struct SliceFlags<'a> {
    pub directions: Option<&'a str>,
    pub size: Option<&'a str>,
    pub around: Option<&'a str>,
    pub range: Option<&'a str>,
}

impl SliceRequest {
    /// Reads the flags for `problem`'s model, whose run has `particles` particles; each error
    /// names its flag.
    pub fn parse(
        flags: &SliceFlags<'_>,
        outputs: &[PathBuf],
        problem: &ModelProblem,
        particles: usize,
    ) -> Result<Self, String> {
        for path in outputs {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if !matches!(ext.as_deref(), Some("png" | "csv")) {
                return Err(format!(
                    "--slice {}: give a .png (a map) or a .csv file",
                    path.display()
                ));
            }
        }
        let model = &problem.model;
        let directions = match flags.directions {
            Some(text) => Directions::parse(text, model).map_err(|e| format!("--directions: {e}"))?,
            None if model.parameter_count() == 2 => Directions::Params(0, 1),
            None => Directions::Random { seed: 0 },
        };
        let size = match flags.size {
            None => [81, 81],
            Some(text) => {
                let parts: Vec<&str> = text.split(['x', 'X']).collect();
                let side = |s: &str| {
                    s.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|v| (2..=MAX_SLICE_SIDE).contains(v))
                };
                match parts.as_slice() {
                    [c, r] => match (side(c), side(r)) {
                        (Some(c), Some(r)) => [c, r],
                        _ => {
                            return Err(format!(
                                "--slice-size {text:?}: each side is a whole number from 2 to {MAX_SLICE_SIDE}"
                            ));
                        }
                    },
                    _ => return Err(format!("--slice-size {text:?}: expected COLSxROWS, e.g. 201x201")),
                }
            }
        };
        let (final_point, particle) = match flags.around {
            None => (true, 0),
            Some(text) => {
                let (which, k) = text.trim().split_once(':').unwrap_or((text.trim(), "0"));
                let final_point = match which {
                    "final" => true,
                    "initial" => false,
                    _ => {
                        return Err(format!(
                            "--slice-around {text:?}: expected final or initial, then :K"
                        ));
                    }
                };
                let k: usize = k
                    .trim()
                    .parse()
                    .map_err(|_| format!("--slice-around {text:?}: '{k}' is not a particle number"))?;
                if k >= particles {
                    return Err(format!(
                        "--slice-around {text:?}: the run has {particles} particle(s), 0 to {}",
                        particles - 1
                    ));
                }
                (final_point, k)
            }
        };
        let range = flags.range.map(parse_range).transpose()?;
        Ok(Self {
            directions,
            size,
            final_point,
            particle,
            range,
            outputs: outputs.to_vec(),
        })
    }

    /// The plane, from the centre particle's twin run, with the centre's (a, b) and a line
    /// that says what it is.
    pub fn plane(
        &self,
        problem: &ModelProblem,
        optimizers: &[OptimizerSpec],
        steps: u32,
        tol: f64,
        seed: u64,
    ) -> Result<SlicePlane, String> {
        let training = Training {
            problem: problem.problem(),
            optimizers,
            inits: &problem.inits,
            steps,
            tol,
            seed,
        };
        let needs_run = self.final_point || self.directions == Directions::Pca;
        let trajectory = if needs_run {
            Some(training.one(self.particle)?)
        } else {
            None
        };
        let initial = &problem.inits[self.particle % problem.inits.len()];
        let centre = match (&trajectory, self.final_point) {
            (Some(t), true) => t.theta.last().cloned().unwrap_or_else(|| initial.clone()),
            _ => initial.clone(),
        };
        let count = centre.len();
        let model = &problem.model;
        let mut note = String::new();
        let (origin, d1, d2) = match &self.directions {
            Directions::Random { seed } => {
                let p = Plane::filter_normalized(model, &centre, *seed);
                (p.origin, p.d1, p.d2)
            }
            Directions::Pca => {
                let theta = &trajectory.as_ref().expect("pca runs the twin").theta;
                let ([d1, d2], shares) = principal_components(theta).ok_or_else(|| {
                    "--directions pca: the centre model's trajectory needs at least 3 distinct steps"
                        .to_string()
                })?;
                note = format!(
                    " (they explain {:.1}% and {:.1}% of its variance)",
                    100.0 * shares[0],
                    100.0 * shares[1]
                );
                (centre.clone(), d1, d2)
            }
            Directions::Params(i, j) => {
                let mut origin = centre.clone();
                origin[*i] = 0.0;
                origin[*j] = 0.0;
                (origin, unit(count, *i), unit(count, *j))
            }
        };
        if matches!(self.directions, Directions::Random { .. }) && d1.iter().chain(&d2).all(|&x| x == 0.0) {
            return Err("--directions random: the centre model's weights are all 0, so filter-normalized directions are too".into());
        }
        let line = format!(
            "slice: {}{note}, around particle {}'s {} parameters",
            self.directions.describe(model),
            self.particle,
            if self.final_point { "final" } else { "initial" }
        );
        let plane = Plane { origin, d1, d2 };
        let centre = plane.project(&centre);
        Ok(SlicePlane {
            plane,
            centre,
            line,
            centre_run: trajectory,
        })
    }

    /// The slice over its extent: as given; [-1, 1]^2 for random directions (Li et al.'s); else
    /// the box of `kept` (the trail points of models that did not diverge) and the plane's
    /// origin, with a tenth of its size as margin.
    pub fn slice(&self, plane: SlicePlane, kept: impl IntoIterator<Item = [f32; 2]>) -> Slice {
        let (a, b) = self.range.unwrap_or_else(|| match self.directions {
            Directions::Random { .. } => ([-1.0, 1.0], [-1.0, 1.0]),
            _ => {
                let mut lo = [f64::INFINITY; 2];
                let mut hi = [f64::NEG_INFINITY; 2];
                let mut take = |p: [f64; 2]| {
                    for c in 0..2 {
                        if p[c].is_finite() {
                            lo[c] = lo[c].min(p[c]);
                            hi[c] = hi[c].max(p[c]);
                        }
                    }
                };
                take(plane.centre);
                for p in kept {
                    take([f64::from(p[0]), f64::from(p[1])]);
                }
                let side = |c: usize| {
                    if lo[c] > hi[c] {
                        return [-1.0, 1.0];
                    }
                    let margin = ((hi[c] - lo[c]) * 0.1).max(1e-3 * (1.0 + hi[c].abs().max(lo[c].abs())));
                    [lo[c] - margin, hi[c] + margin]
                };
                (side(0), side(1))
            }
        });
        Slice {
            plane: plane.plane,
            centre: plane.centre,
            a,
            b,
            cols: self.size[0],
            rows: self.size[1],
        }
    }
}

/// The flags of a slice and the `[slice]` keys that give the same values in a scene file.
const SCENE_KEYS: [(&str, &str); 4] = [
    ("--directions", "directions"),
    ("--slice-size", "size"),
    ("--slice-around", "around"),
    ("--slice-range", "range"),
];

/// An error of [`SliceRequest::parse`] about a value a scene's `[slice]` gave: the flag it
/// names and the message with the table's key in its place (`[slice] size "1x1": ...`).
pub fn scene_key_error(e: &str) -> Option<(&'static str, String)> {
    SCENE_KEYS.iter().find_map(|(flag, key)| {
        e.strip_prefix(flag)
            .map(|rest| (*flag, format!("[slice] {key}{rest}")))
    })
}

/// A slice's plane, where its centre model lies on it, and a line that says what it is.
#[derive(Clone, Debug)]
pub struct SlicePlane {
    pub plane: Plane,
    pub centre: [f64; 2],
    pub line: String,
    /// The twin's run of the centre particle, when the plane needed it (around its final
    /// parameters, or along its trajectory's principal components).
    pub centre_run: Option<Trajectory>,
}

/// `A0:A1,B0:B1`.
fn parse_range(text: &str) -> Result<([f64; 2], [f64; 2]), String> {
    let bad = || {
        format!("--slice-range {text:?}: expected A0:A1,B0:B1 with A0 < A1 and B0 < B1, e.g. -1:1,-0.5:0.5")
    };
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let side = |s: &str| -> Result<[f64; 2], String> {
        let (lo, hi) = s.split_once(':').ok_or_else(bad)?;
        let (lo, hi): (f64, f64) = (
            lo.trim().parse().map_err(|_| bad())?,
            hi.trim().parse().map_err(|_| bad())?,
        );
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(bad());
        }
        Ok([lo, hi])
    };
    Ok((side(a)?, side(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProblemArgs;

    fn problem(model: &str) -> ModelProblem {
        let args = ProblemArgs {
            model: model.into(),
            data: "two-moons:n=20".into(),
            inits: Some(2),
            ..Default::default()
        };
        ModelProblem::resolve(&args, &|p| Err(std::io::Error::other(format!("no file {p}")))).unwrap()
    }

    fn parse(flags: SliceFlags<'_>, model: &str) -> Result<SliceRequest, String> {
        SliceRequest::parse(&flags, &[PathBuf::from("s.png")], &problem(model), 4)
    }

    #[test]
    fn defaults_and_errors_name_their_flags() {
        let r = parse(SliceFlags::default(), "mlp:2-3-1").unwrap();
        assert_eq!(
            (r.directions, r.size, r.final_point, r.particle),
            (Directions::Random { seed: 0 }, [81, 81], true, 0)
        );
        let r = parse(SliceFlags::default(), "mlp:2-1:nobias").unwrap();
        assert_eq!(
            r.directions,
            Directions::Params(0, 1),
            "two parameters: the exact surface"
        );
        let flags = SliceFlags {
            size: Some("201x101"),
            around: Some("initial:3"),
            range: Some("-2:1,-0.5:0.5"),
            ..Default::default()
        };
        let r = parse(flags, "mlp:2-3-1").unwrap();
        assert_eq!(
            (r.size, r.final_point, r.particle, r.range),
            ([201, 101], false, 3, Some(([-2.0, 1.0], [-0.5, 0.5])))
        );
        for (flags, want) in [
            (
                SliceFlags {
                    size: Some("2000x10"),
                    ..Default::default()
                },
                "--slice-size \"2000x10\": each side",
            ),
            (
                SliceFlags {
                    size: Some("81"),
                    ..Default::default()
                },
                "expected COLSxROWS",
            ),
            (
                SliceFlags {
                    around: Some("final:4"),
                    ..Default::default()
                },
                "4 particle(s), 0 to 3",
            ),
            (
                SliceFlags {
                    around: Some("middle"),
                    ..Default::default()
                },
                "expected final or initial",
            ),
            (
                SliceFlags {
                    range: Some("1:-1,0:1"),
                    ..Default::default()
                },
                "A0 < A1",
            ),
            (
                SliceFlags {
                    directions: Some("pcb"),
                    ..Default::default()
                },
                "--directions: unknown",
            ),
        ] {
            let e = parse(flags, "mlp:2-3-1").unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        let e = SliceRequest::parse(
            &SliceFlags::default(),
            &[PathBuf::from("s.jpg")],
            &problem("linear"),
            1,
        )
        .unwrap_err();
        assert!(e.contains(".png (a map) or a .csv"), "{e}");
    }

    #[test]
    fn named_parameters_put_a_and_b_at_their_values() {
        let p = problem("mlp:2-3-1");
        let flags = SliceFlags {
            directions: Some("params:w0[1,0],b1[0]"),
            around: Some("initial:1"),
            ..Default::default()
        };
        let r = SliceRequest::parse(&flags, &[PathBuf::from("s.csv")], &p, 2).unwrap();
        let specs: Vec<OptimizerSpec> = vec!["sgd:lr=0.1".parse().unwrap()];
        let SlicePlane {
            plane, centre, line, ..
        } = r.plane(&p, &specs, 5, 0.0, 0).unwrap();
        assert_eq!(centre, [p.inits[1][2], p.inits[1][12]]);
        assert!(
            line.contains("parameters w0[1,0] and b1[0]") && line.contains("particle 1's initial"),
            "{line}"
        );
        let theta = &p.inits[1];
        let [a, b] = plane.project(theta);
        assert!((a - theta[2]).abs() < 1e-12 && (b - theta[12]).abs() < 1e-12);
    }
}
