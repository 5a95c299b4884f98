//! torch's scheduler mechanics, replayed in f64: a parameter group the schedulers read and
//! write, and schedulers with torch's `last_epoch`, `_step_count`, `get_lr` and the rest (see
//! the module documentation of [`crate::schedule`]).

use super::Schedule;
use super::catalogue::Kind;

/// Which optimizer value the momentum column of a [`Sequence`] sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cycled {
    /// SGD's and RMSprop's `momentum`.
    Momentum,
    /// `betas[0]` of Adam, AdamW, NAdam, RAdam and Lion.
    Beta1,
}

/// What the schedulers read of an optimizer: torch's `param_group` before any scheduler ran.
/// The optimizer side builds it (`From<&OptimizerSpec>`), so schedules know no optimizer type.
#[derive(Clone, Copy, Debug)]
pub struct ParamGroup<'a> {
    /// The optimizer's name, for messages.
    pub name: &'a str,
    pub lr: f64,
    /// `momentum`, or `betas[0]`: the value named by `cycled`.
    pub momentum: f64,
    /// The value torch's schedulers cycle for this optimizer; None: it has neither.
    pub cycled: Option<Cycled>,
}

/// The learning rate of every optimizer step (index t - 1 for step t), and the momentum or
/// beta1 when a scheduler cycles it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub lr: Vec<f64>,
    pub momentum: Option<(Cycled, Vec<f64>)>,
}

/// torch's `param_group`: the values schedulers read and write.
#[derive(Clone, Debug)]
struct Group {
    lr: f64,
    initial_lr: Option<f64>,
    max_lr: f64,
    min_lr: f64,
    momentum: f64,
    max_momentum: f64,
    base_momentum: f64,
    cycled: bool,
}

/// One torch scheduler object.
struct Runner<'a> {
    s: &'a Schedule,
    last_epoch: i64,
    step_count: u32,
    is_initial: bool,
    base_lr: f64,
    // CyclicLR
    max_lr: f64,
    total_size: f64,
    step_ratio: f64,
    base_momentum: f64,
    max_momentum: f64,
    // CosineAnnealingWarmRestarts
    t_i: i64,
    t_cur: i64,
    // OneCycleLR: (end_step, start, end) with start/end naming group values
    total_steps: i64,
    phases: Vec<(f64, Level, Level, Level, Level)>,
    // SequentialLR
    children: Vec<Runner<'a>>,
}

#[derive(Clone, Copy)]
enum Level {
    InitialLr,
    MaxLr,
    MinLr,
    MaxMomentum,
    BaseMomentum,
}

impl Level {
    fn of(self, g: &Group) -> f64 {
        match self {
            Level::InitialLr => g.initial_lr.unwrap_or(g.lr),
            Level::MaxLr => g.max_lr,
            Level::MinLr => g.min_lr,
            Level::MaxMomentum => g.max_momentum,
            Level::BaseMomentum => g.base_momentum,
        }
    }
}

struct Ctx<'a> {
    spec: &'a ParamGroup<'a>,
    steps: u32,
}

impl<'a> Runner<'a> {
    fn blank(s: &'a Schedule) -> Self {
        Self {
            s,
            last_epoch: -1,
            step_count: 0,
            is_initial: false,
            base_lr: 0.0,
            max_lr: 0.0,
            total_size: 1.0,
            step_ratio: 0.5,
            base_momentum: 0.0,
            max_momentum: 0.0,
            t_i: 1,
            t_cur: -1,
            total_steps: 0,
            phases: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The constructor: its own setup, then `LRScheduler.__init__` (or SequentialLR's).
    fn construct(s: &'a Schedule, g: &mut Group, ctx: &Ctx<'_>) -> Result<Self, String> {
        let mut r = Runner::blank(s);
        match s.kind {
            Kind::Sequential => {
                for c in s.children() {
                    let child = Runner::construct(c, g, ctx)?;
                    r.children.push(child);
                }
                r.last_epoch = 0;
                // Reset learning rates back to initial values, undo the children's steps, and
                // perform the initial step of the first one only.
                g.lr = g.initial_lr.unwrap_or(g.lr);
                for c in &mut r.children {
                    c.last_epoch -= 1;
                }
                r.children[0].initial_step(g)?;
                return Ok(r);
            }
            Kind::Cyclic => {
                let base_lr = s.num("base_lr").unwrap_or(ctx.spec.lr);
                g.lr = base_lr;
                r.max_lr = s.n("max_lr");
                let up = s.n("step_size_up");
                let down = s.num("step_size_down").unwrap_or(up);
                r.total_size = up + down;
                r.step_ratio = up / r.total_size;
                if s.flag("cycle_momentum") {
                    r.base_momentum = s.n("base_momentum");
                    r.max_momentum = s.n("max_momentum");
                    g.momentum = r.max_momentum;
                    g.max_momentum = r.max_momentum;
                    g.base_momentum = r.base_momentum;
                    g.cycled = true;
                }
                r.init(g)?;
                r.base_lr = base_lr;
                return Ok(r);
            }
            Kind::OneCycle => {
                r.total_steps = match (s.num("total_steps"), s.num("epochs"), s.num("steps_per_epoch")) {
                    (Some(t), _, _) => t as i64,
                    (None, Some(e), Some(p)) => (e * p) as i64,
                    _ => i64::from(ctx.steps),
                };
                let total = r.total_steps as f64;
                let pct = s.n("pct_start");
                use Level::*;
                r.phases = if s.flag("three_phase") {
                    vec![
                        (pct * total - 1.0, InitialLr, MaxLr, MaxMomentum, BaseMomentum),
                        (
                            2.0 * pct * total - 2.0,
                            MaxLr,
                            InitialLr,
                            BaseMomentum,
                            MaxMomentum,
                        ),
                        (total - 1.0, InitialLr, MinLr, MaxMomentum, MaxMomentum),
                    ]
                } else {
                    vec![
                        (pct * total - 1.0, InitialLr, MaxLr, MaxMomentum, BaseMomentum),
                        (total - 1.0, MaxLr, MinLr, BaseMomentum, MaxMomentum),
                    ]
                };
                let max_lr = s.n("max_lr");
                let initial = max_lr / s.n("div_factor");
                g.initial_lr = Some(initial);
                g.max_lr = max_lr;
                g.min_lr = initial / s.n("final_div_factor");
                if s.flag("cycle_momentum") {
                    g.momentum = s.n("max_momentum");
                    g.max_momentum = s.n("max_momentum");
                    g.base_momentum = s.n("base_momentum");
                    g.cycled = true;
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                r.t_i = s.n("T_0") as i64;
                r.t_cur = -1;
            }
            _ => {}
        }
        r.init(g)?;
        Ok(r)
    }

    /// `LRScheduler.__init__` with last_epoch = -1.
    fn init(&mut self, g: &mut Group) -> Result<(), String> {
        let initial = *g.initial_lr.get_or_insert(g.lr);
        self.base_lr = initial;
        self.last_epoch = -1;
        self.initial_step(g)
    }

    fn initial_step(&mut self, g: &mut Group) -> Result<(), String> {
        self.step_count = 0;
        self.is_initial = true;
        let r = self.step(g);
        self.is_initial = false;
        r
    }

    fn step(&mut self, g: &mut Group) -> Result<(), String> {
        match self.s.kind {
            Kind::Sequential => {
                self.last_epoch += 1;
                let milestones = self.s.list("milestones");
                let idx = milestones.partition_point(|&m| i64::from(m) <= self.last_epoch);
                let at_milestone = idx > 0 && i64::from(milestones[idx - 1]) == self.last_epoch;
                let child = &mut self.children[idx];
                if at_milestone {
                    child.update_lr(g, Some(0))
                } else {
                    child.step(g)
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                // CosineAnnealingWarmRestarts.step(epoch=None); it does not count _step_count.
                let t_0 = self.s.n("T_0") as i64;
                let t_mult = self.s.n("T_mult") as i64;
                let epoch = if self.last_epoch < 0 {
                    self.t_i = t_0;
                    self.t_cur = 0;
                    0
                } else {
                    self.t_cur += 1;
                    if self.t_cur >= self.t_i {
                        self.t_cur %= self.t_i;
                        self.t_i *= t_mult;
                    }
                    self.last_epoch + 1
                };
                self.last_epoch = epoch;
                g.lr = self.get_lr(g)?;
                Ok(())
            }
            _ => {
                self.step_count += 1;
                self.update_lr(g, None)
            }
        }
    }

    /// `LRScheduler._update_lr`: the chained form, or the closed form when given an epoch.
    fn update_lr(&mut self, g: &mut Group, epoch: Option<i64>) -> Result<(), String> {
        let lr = match epoch {
            None => {
                self.last_epoch += 1;
                self.get_lr(g)?
            }
            Some(e) => {
                self.last_epoch = e;
                match self.closed_form() {
                    Some(lr) => lr,
                    None => self.get_lr(g)?,
                }
            }
        };
        g.lr = lr;
        Ok(())
    }

    /// `get_lr`: torch's chainable form (it reads the group's current lr).
    fn get_lr(&self, g: &mut Group) -> Result<f64, String> {
        let s = self.s;
        let e = self.last_epoch;
        let ef = e as f64;
        let lr = g.lr;
        Ok(match s.kind {
            Kind::Step => {
                let size = s.n("step_size") as i64;
                if e == 0 || e.rem_euclid(size) != 0 {
                    lr
                } else {
                    lr * s.n("gamma")
                }
            }
            Kind::MultiStep => {
                let count = s
                    .list("milestones")
                    .iter()
                    .filter(|&&m| i64::from(m) == e)
                    .count();
                if count == 0 {
                    lr
                } else {
                    lr * s.n("gamma").powf(count as f64)
                }
            }
            Kind::Constant => {
                let factor = s.n("factor");
                if e == 0 {
                    lr * factor
                } else if e != s.n("total_iters") as i64 {
                    lr
                } else {
                    lr * (1.0 / factor)
                }
            }
            Kind::Linear => {
                let (start, end, total) = (s.n("start_factor"), s.n("end_factor"), s.n("total_iters"));
                if e == 0 {
                    lr * start
                } else if self.is_initial || ef > total {
                    lr
                } else {
                    lr * (1.0 + (end - start) / (total * start + (ef - 1.0) * (end - start)))
                }
            }
            Kind::Exponential => {
                if self.is_initial {
                    lr
                } else {
                    lr * s.n("gamma")
                }
            }
            Kind::Polynomial => {
                let total = s.n("total_iters");
                if self.is_initial || ef > total {
                    lr
                } else {
                    let decay = ((1.0 - ef / total) / (1.0 - (ef - 1.0) / total)).powf(s.n("power"));
                    lr * decay
                }
            }
            Kind::CosineAnnealing => {
                let (t_max, eta_min) = (s.n("T_max"), s.n("eta_min"));
                let pi = std::f64::consts::PI;
                if self.is_initial {
                    lr
                } else if self.step_count == 1 && e > 0 {
                    eta_min + (self.base_lr - eta_min) * (1.0 + (ef * pi / t_max).cos()) / 2.0
                } else if (e - 1 - t_max as i64).rem_euclid(2 * t_max as i64) == 0 {
                    lr + (self.base_lr - eta_min) * (1.0 - (pi / t_max).cos()) / 2.0
                } else {
                    (1.0 + (pi * ef / t_max).cos()) / (1.0 + (pi * (ef - 1.0) / t_max).cos()) * (lr - eta_min)
                        + eta_min
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                let eta_min = s.n("eta_min");
                let pi = std::f64::consts::PI;
                eta_min
                    + (self.base_lr - eta_min) * (1.0 + (pi * self.t_cur as f64 / self.t_i as f64).cos())
                        / 2.0
            }
            Kind::Cyclic => {
                let cycle = (1.0 + ef / self.total_size).floor();
                let x = 1.0 + ef / self.total_size - cycle;
                let scale_factor = if x <= self.step_ratio {
                    x / self.step_ratio
                } else {
                    (x - 1.0) / (self.step_ratio - 1.0)
                };
                // triangular and triangular2 scale by cycle, exp_range by iteration.
                let scale = match s.choice("mode") {
                    "triangular2" => 1.0 / 2f64.powf(cycle - 1.0),
                    "exp_range" => s.n("gamma").powf(ef),
                    _ => 1.0,
                };
                let base_height = (self.max_lr - self.base_lr) * scale_factor;
                let lr = self.base_lr + base_height * scale;
                if s.flag("cycle_momentum") {
                    let base_height = (self.max_momentum - self.base_momentum) * scale_factor;
                    g.momentum = self.max_momentum - base_height * scale;
                }
                lr
            }
            Kind::OneCycle => {
                if e > self.total_steps {
                    return Err(format!(
                        "OneCycleLR: torch raises \"Tried to step {e} times. The specified number of total \
                         steps is {}\": the run has more steps than total_steps",
                        self.total_steps
                    ));
                }
                let linear = s.choice("anneal_strategy") == "linear";
                let anneal = |start: f64, end: f64, pct: f64| {
                    if linear {
                        (end - start) * pct + start
                    } else {
                        let cos_out = (std::f64::consts::PI * pct).cos() + 1.0;
                        end + (start - end) / 2.0 * cos_out
                    }
                };
                let mut start_step = 0.0;
                let mut out = lr;
                for (i, &(end_step, lr0, lr1, m0, m1)) in self.phases.iter().enumerate() {
                    if ef <= end_step || i == self.phases.len() - 1 {
                        if end_step == start_step {
                            return Err(format!(
                                "OneCycleLR: a phase of zero length (pct_start * total_steps = {}): torch \
                                 divides by zero",
                                s.n("pct_start") * self.total_steps as f64
                            ));
                        }
                        let pct = (ef - start_step) / (end_step - start_step);
                        out = anneal(lr0.of(g), lr1.of(g), pct);
                        if s.flag("cycle_momentum") {
                            g.momentum = anneal(m0.of(g), m1.of(g), pct);
                        }
                        break;
                    }
                    start_step = end_step;
                }
                out
            }
            Kind::Sequential => lr,
        })
    }

    /// `_get_closed_form_lr`, for the schedulers that have one.
    fn closed_form(&self) -> Option<f64> {
        let s = self.s;
        let e = self.last_epoch;
        let ef = e as f64;
        let base = self.base_lr;
        Some(match s.kind {
            Kind::Step => base * s.n("gamma").powf(e.div_euclid(s.n("step_size") as i64) as f64),
            Kind::MultiStep => {
                let below = s
                    .list("milestones")
                    .iter()
                    .filter(|&&m| i64::from(m) <= e)
                    .count();
                base * s.n("gamma").powf(below as f64)
            }
            Kind::Constant => {
                let f = s.n("factor");
                let after = if ef >= s.n("total_iters") { 1.0 } else { 0.0 };
                base * (f + after * (1.0 - f))
            }
            Kind::Linear => {
                let (start, end, total) = (s.n("start_factor"), s.n("end_factor"), s.n("total_iters"));
                base * (start + (end - start) * total.min(ef) / total)
            }
            Kind::Exponential => base * s.n("gamma").powf(ef),
            Kind::Polynomial => {
                let total = s.n("total_iters");
                base * (1.0 - total.min(ef) / total).powf(s.n("power"))
            }
            Kind::CosineAnnealing => {
                let (t_max, eta_min) = (s.n("T_max"), s.n("eta_min"));
                eta_min + (base - eta_min) * (1.0 + (std::f64::consts::PI * ef / t_max).cos()) / 2.0
            }
            _ => return None,
        })
    }
}

/// The schedule's learning rate (and cycled momentum or beta1) for each of `steps` optimizer
/// steps of the optimizer of `group`, as torch computes them; an error where torch would raise.
pub fn sequence<'a>(
    schedule: &Schedule,
    group: impl Into<ParamGroup<'a>>,
    steps: u32,
) -> Result<Sequence, String> {
    let group = group.into();
    let spec = &group;
    schedule.check_group(spec)?;
    let slot = spec.cycled;
    let mut g = Group {
        lr: spec.lr,
        initial_lr: None,
        max_lr: 0.0,
        min_lr: 0.0,
        momentum: spec.momentum,
        max_momentum: 0.0,
        base_momentum: 0.0,
        cycled: false,
    };
    let ctx = Ctx { spec, steps };
    let mut runner = Runner::construct(schedule, &mut g, &ctx)?;
    let mut lr = Vec::with_capacity(steps as usize);
    let mut momentum = Vec::with_capacity(steps as usize);
    for t in 1..=steps {
        if t > 1 {
            runner.step(&mut g)?;
        }
        lr.push(g.lr);
        momentum.push(g.momentum);
    }
    // The scheduler step after the last optimizer step, as in torch's loop.
    runner.step(&mut g)?;
    Ok(Sequence {
        lr,
        momentum: match (g.cycled, slot) {
            (true, Some(which)) => Some((which, momentum)),
            _ => None,
        },
    })
}
