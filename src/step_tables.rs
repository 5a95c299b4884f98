//! What an optimizer group reads per step besides the surface: its learning rate (and cycled
//! momentum / beta1) from a schedule, and its mini-batch gradient in a linear-regression scene.
//! Both are the same for every particle of a group, so they are computed once, in f64, here:
//! the f64 reference uses them as they are, the GPU as f32 tables it indexes by step. The
//! gradient noise, which differs per particle, is drawn where it is used (`crate::noise`).

use crate::optim::OptimizerSpec;
use crate::regression::Regression;
use crate::schedule::{Sequence, sequence};

/// The run-wide inputs of the per-step tables.
#[derive(Clone, Copy, Debug, Default)]
pub struct StepInputs<'a> {
    /// The scene's seed (`[starts] seed`): gradient noise and mini-batch shuffling.
    pub seed: u64,
    /// A linear-regression scene's data, for mini-batches.
    pub regression: Option<&'a Regression>,
}

/// One group's tables over `steps` steps (index t - 1 for step t).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupTables {
    pub schedule: Option<Sequence>,
    /// `[a11, a12, a21, a22, c1, c2]`: the batch gradient A p + c.
    pub batches: Option<Vec<[f64; 6]>>,
}

/// Most steps a per-step table may have: 2^24 rows of (lr, momentum) in f32 fill the 128 MiB
/// of one storage binding that every adapter offers. Checked before anything is tabulated.
pub const MAX_TABLE_STEPS: u32 = 1 << 24;

/// The tables of `spec` for a run of `steps` steps; an error when its schedule fails (as torch
/// would raise), it asks for mini-batches outside a linear-regression scene, or the run is
/// longer than a table may be ([`MAX_TABLE_STEPS`]).
pub fn group_tables(
    spec: &OptimizerSpec,
    steps: u32,
    inputs: &StepInputs<'_>,
) -> Result<GroupTables, String> {
    if (spec.schedule.is_some() || spec.params.batch_size != 0.0) && steps > MAX_TABLE_STEPS {
        return Err(format!(
            "a {} tabulates one row per step: at most {MAX_TABLE_STEPS} steps, got {steps}",
            if spec.schedule.is_some() {
                "schedule"
            } else {
                "mini-batch run"
            }
        ));
    }
    let schedule = match &spec.schedule {
        Some(s) => Some(sequence(s, spec, steps)?),
        None => None,
    };
    let batches = match (spec.params.batch_size as usize, inputs.regression) {
        (0, _) => None,
        (size, Some(r)) => Some(r.data.batch_gradients(size, inputs.seed, steps, r.fixed_slope)),
        (_, None) => {
            return Err(format!(
                "{}: batch_size needs a linear-regression scene ([surface.regression]), whose loss is a sum over data points",
                spec.name
            ));
        }
    };
    Ok(GroupTables { schedule, batches })
}

impl GroupTables {
    /// The optimizer of step t (1-based): `spec` with the scheduled lr and momentum / beta1.
    pub fn apply(&self, spec: &mut OptimizerSpec, t: u32) {
        if let Some(s) = &self.schedule {
            let k = (t - 1) as usize;
            spec.params.lr = s.lr[k];
            match &s.momentum {
                Some((crate::schedule::Cycled::Momentum, m)) => spec.params.momentum = m[k],
                Some((crate::schedule::Cycled::Beta1, m)) => spec.params.beta1 = m[k],
                None => {}
            }
        }
    }

    /// The mini-batch gradient of step t at `p`, if the group has mini-batches.
    pub fn batch_grad(&self, t: u32, p: [f64; 2]) -> Option<[f64; 2]> {
        let a = self.batches.as_ref()?[(t - 1) as usize];
        Some([a[0] * p[0] + a[1] * p[1] + a[4], a[2] * p[0] + a[3] * p[1] + a[5]])
    }
}
