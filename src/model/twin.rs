//! The f64 twin of `shaders/model.wgsl`: a model's forward pass, loss and gradient
//! (backpropagation written out, as torch's autograd computes it for Linear layers, the
//! activations and `torch.nn.functional`'s losses), and whole training runs with the
//! shader's step rules.
//!
//! Per point, with z_l = W_l a_(l-1) + b_l and a_l = act(z_l) (none after the last layer):
//! - mse: (z - y)^2, dz = 2 (z - y) / n
//! - bce: max(z, 0) - z y + log1p(exp(-|z|)) (torch's stable form), dz = (sigmoid(z) - y) / n
//! - ce: logsumexp(z) - z_y, dz = (softmax(z) - onehot(y)) / n
//!
//! and the loss is the sum over the n points divided by n (torch's mean).
//!
//! Step rules of a model particle (the shader's too): step 0 records the initial parameters,
//! their loss on all the data and the gradient of step 1's batch. Step t applies the optimizer
//! to every pair of parameters (`optim::step` on (p_2j, p_2j+1): every torch rule is
//! elementwise, so pairs give torch's update exactly; an odd count gets one zero pad), with
//! gradient noise drawn per pair and the schedule's lr of step t. The result is kept only if
//! every parameter, the loss on all data and the next batch's gradient are finite; otherwise
//! the particle is diverged and keeps its last finite state. A step shorter than `tol`
//! (Euclidean over all parameters) converges it.

use super::data::Data;
use super::spec::{Activation, Loss, Model};
use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use crate::optim::{self, OptimizerSpec};
use crate::regression::Batches;
use crate::step_tables::{StepInputs, group_tables};

/// The model, its loss and data: everything a loss and gradient depend on.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    pub model: &'a Model,
    pub loss: Loss,
    pub data: &'a Data,
}

fn activate(a: Activation, z: f64) -> f64 {
    match a {
        Activation::Tanh => z.tanh(),
        Activation::Relu => z.max(0.0),
        Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        Activation::Identity => z,
    }
}

/// d act / dz from the activation's output (torch's backward formulas: tanh 1 - a^2, sigmoid
/// a (1 - a), relu 1 where the input was above 0).
fn activate_grad(a: Activation, out: f64) -> f64 {
    match a {
        Activation::Tanh => 1.0 - out * out,
        Activation::Relu => f64::from(u8::from(out > 0.0)),
        Activation::Sigmoid => out * (1.0 - out),
        Activation::Identity => 1.0,
    }
}

impl Problem<'_> {
    /// Every layer's outputs for one point (input first; the last holds the logits).
    fn forward(&self, theta: &[f64], x: &[f64]) -> Vec<Vec<f64>> {
        let m = self.model;
        let mut acts = vec![x.to_vec()];
        let layers: Vec<_> = m.layers().collect();
        let (g_in, g_out) = m.gains();
        for (l, layer) in layers.iter().enumerate() {
            let prev = &acts[l];
            let last = l + 1 == layers.len();
            let scale = m.layer_scale(l);
            let out: Vec<f64> = (0..layer.outputs)
                .map(|o| {
                    let row = &theta[layer.weight + o * layer.inputs..][..layer.inputs];
                    let mut z = if m.bias { theta[layer.bias + o] } else { 0.0 };
                    for (w, a) in row.iter().zip(prev) {
                        z += w * a;
                    }
                    let z = z * scale;
                    if last {
                        z
                    } else {
                        g_out * activate(m.activation, g_in * z)
                    }
                })
                .collect();
            acts.push(out);
        }
        acts
    }

    /// One point's loss and d loss / d logits (before dividing by n).
    fn point_loss(&self, z: &[f64], y: f64) -> (f64, Vec<f64>) {
        match self.loss {
            Loss::Mse => {
                let d = z[0] - y;
                (d * d, vec![2.0 * d])
            }
            Loss::Bce => {
                let z = z[0];
                let loss = z.max(0.0) - z * y + (-z.abs()).exp().ln_1p();
                (loss, vec![1.0 / (1.0 + (-z).exp()) - y])
            }
            Loss::Ce => {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                let lse = max + sum.ln();
                let class = y as usize;
                let grad = z
                    .iter()
                    .enumerate()
                    .map(|(k, v)| (v - lse).exp() - f64::from(u8::from(k == class)))
                    .collect();
                (lse - z[class], grad)
            }
        }
    }

    /// The model's outputs (logits) at input `x`.
    pub fn predict(&self, theta: &[f64], x: &[f64]) -> Vec<f64> {
        self.forward(theta, x).pop().unwrap_or_default()
    }

    /// The mean loss over all the data at `theta`.
    pub fn loss(&self, theta: &[f64]) -> f64 {
        let n = self.data.len();
        let sum: f64 = (0..n)
            .map(|i| {
                let acts = self.forward(theta, self.data.point(i));
                self.point_loss(acts.last().unwrap(), self.data.y[i]).0
            })
            .sum();
        sum / n as f64
    }

    /// The gradient of the mean loss over `points` (all the data when None).
    pub fn gradient(&self, theta: &[f64], points: Option<&[usize]>) -> Vec<f64> {
        let all: Vec<usize>;
        let points = match points {
            Some(p) => p,
            None => {
                all = (0..self.data.len()).collect();
                &all
            }
        };
        let m = self.model;
        let layers: Vec<_> = m.layers().collect();
        let (g_in, g_out) = m.gains();
        let inv_n = 1.0 / points.len() as f64;
        let mut grad = vec![0.0; m.parameter_count()];
        for &i in points {
            let acts = self.forward(theta, self.data.point(i));
            let (_, dz) = self.point_loss(acts.last().unwrap(), self.data.y[i]);
            let mut delta: Vec<f64> = dz.iter().map(|d| d * inv_n).collect();
            for l in (0..layers.len()).rev() {
                let layer = layers[l];
                let input = &acts[l];
                // d loss / d (W a + b): the layer's scale is exactly 1 without meanfield.
                let scale = m.layer_scale(l);
                for d in &mut delta {
                    *d *= scale;
                }
                for o in 0..layer.outputs {
                    for k in 0..layer.inputs {
                        grad[layer.weight + o * layer.inputs + k] += delta[o] * input[k];
                    }
                    if m.bias {
                        grad[layer.bias + o] += delta[o];
                    }
                }
                if l > 0 {
                    delta = (0..layer.inputs)
                        .map(|k| {
                            let mut s = 0.0;
                            for o in 0..layer.outputs {
                                s += theta[layer.weight + o * layer.inputs + k] * delta[o];
                            }
                            s * (g_out * g_in * activate_grad(m.activation, input[k] / g_out))
                        })
                        .collect();
                }
            }
        }
        grad
    }

    /// The fraction of points classified right (bce: logit > 0 is class 1; ce: the largest
    /// logit), or None for mse.
    pub fn accuracy(&self, theta: &[f64]) -> Option<f64> {
        if self.loss == Loss::Mse {
            return None;
        }
        let n = self.data.len();
        let right = (0..n)
            .filter(|&i| {
                let acts = self.forward(theta, self.data.point(i));
                let z = acts.last().unwrap();
                let class = match self.loss {
                    Loss::Bce => f64::from(u8::from(z[0] > 0.0)),
                    _ => {
                        let best = (0..z.len()).fold(0, |b, k| if z[k] > z[b] { k } else { b });
                        best as f64
                    }
                };
                class == self.data.y[i]
            })
            .count();
        Some(right as f64 / n as f64)
    }
}

/// A training run of many particles: every optimizer group from every initialisation.
pub struct Training<'a> {
    pub problem: Problem<'a>,
    /// One per group (sweeps expanded).
    pub optimizers: &'a [OptimizerSpec],
    pub inits: &'a [Vec<f64>],
    pub steps: u32,
    pub tol: f64,
    /// Gradient noise and mini-batch shuffling.
    pub seed: u64,
}

/// One particle's run: loss and status after each step 0..=steps, and its parameters at each.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub loss: Vec<f64>,
    pub status: Vec<u32>,
    pub theta: Vec<Vec<f64>>,
}

impl Trajectory {
    /// The loss before each step (after steps 0..steps-1), infinite once the run diverged:
    /// what Sohl-Dickstein's trainability score reads (`crate::outcome::trainability`).
    pub fn losses_before_steps(&self) -> Vec<f64> {
        let steps = self.loss.len().saturating_sub(1);
        self.loss[..steps]
            .iter()
            .zip(&self.status)
            .map(|(&l, &s)| if s == STATUS_DIVERGED { f64::INFINITY } else { l })
            .collect()
    }
}

/// The mini-batches of `spec`'s group, if it has a batch size.
pub fn group_batches(spec: &OptimizerSpec, n: usize, seed: u64, steps: u32) -> Option<Batches> {
    let size = spec.params.batch_size as usize;
    (size != 0).then(|| Batches::new(n, size, seed, steps))
}

impl Training<'_> {
    /// Every particle's trajectory, group-major as on the GPU.
    pub fn run(&self) -> Result<Vec<Trajectory>, String> {
        let key = crate::noise::key(self.seed);
        let mut out = Vec::with_capacity(self.optimizers.len() * self.inits.len());
        for spec in self.optimizers {
            let mut plain = spec.clone();
            plain.params.batch_size = 0.0;
            let tables = group_tables(&plain, self.steps, &StepInputs::default())?;
            let batches = group_batches(spec, self.problem.data.len(), self.seed, self.steps);
            for init in self.inits {
                let particle = out.len() as u32;
                out.push(self.trajectory(spec, &tables, batches.as_ref(), key, particle, init));
            }
        }
        Ok(out)
    }

    /// Particle `index` of the group-major order alone (its noise lane as in a whole run).
    pub fn one(&self, index: usize) -> Result<Trajectory, String> {
        let per_group = self.inits.len();
        let spec = self
            .optimizers
            .get(index / per_group.max(1))
            .ok_or_else(|| format!("there is no particle {index}"))?;
        let mut plain = spec.clone();
        plain.params.batch_size = 0.0;
        let tables = group_tables(&plain, self.steps, &StepInputs::default())?;
        let batches = group_batches(spec, self.problem.data.len(), self.seed, self.steps);
        let key = crate::noise::key(self.seed);
        let init = &self.inits[index % per_group];
        Ok(self.trajectory(spec, &tables, batches.as_ref(), key, index as u32, init))
    }

    fn trajectory(
        &self,
        spec: &OptimizerSpec,
        tables: &crate::step_tables::GroupTables,
        batches: Option<&Batches>,
        key: [u32; 2],
        particle: u32,
        init: &[f64],
    ) -> Trajectory {
        let p = &self.problem;
        let count = init.len();
        let pairs = count.div_ceil(2);
        let mut theta = offset_init(p.model, spec, init);
        theta.resize(2 * pairs, 0.0);
        // Each parameter's layer, for its group's learning rate (pads take the last layer's).
        let layer: Vec<usize> = (0..2 * pairs)
            .map(|k| p.model.layer_of(k.min(count - 1)))
            .collect();
        let layer_lrs = spec.params.has_layer_lrs();
        // The batch of 0-based step k; all the data after the last step (whose gradient only
        // decides whether the last step is kept).
        let batch_of = |k: u32| -> Option<Vec<usize>> {
            let b = batches?;
            (k < self.steps).then(|| b.of_step(k as usize).collect())
        };
        let pad = |g: Vec<f64>| {
            let mut g = g;
            g.resize(2 * pairs, 0.0);
            g
        };
        let mut loss = p.loss(&theta[..count]);
        let mut grad = pad(p.gradient(&theta[..count], batch_of(0).as_deref()));
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let mut status = if loss.is_finite() && finite(&grad) {
            STATUS_RUNNING
        } else {
            STATUS_DIVERGED
        };
        let mut states = vec![optim::init_state(spec); pairs];
        let mut o = spec.clone();
        let noise = spec.params.grad_noise;
        let mut step = 0u32;
        let mut out = Trajectory {
            loss: vec![loss],
            status: vec![status],
            theta: vec![theta[..count].to_vec()],
        };
        for _ in 1..=self.steps {
            if status == STATUS_RUNNING {
                let t = step + 1;
                tables.apply(&mut o, t);
                step = t;
                let mut trial = theta.clone();
                let mut trial_states = states.clone();
                let mut moved2 = 0.0;
                for j in 0..pairs {
                    let mut g = [grad[2 * j], grad[2 * j + 1]];
                    if noise != 0.0 {
                        let z = crate::noise::normal2_at(key, particle, t, j as u32);
                        g = [g[0] + noise * z[0], g[1] + noise * z[1]];
                    }
                    let pos = [theta[2 * j], theta[2 * j + 1]];
                    let next = if layer_lrs {
                        step_by_layer(
                            &o,
                            &mut trial_states[j],
                            t,
                            pos,
                            g,
                            [layer[2 * j], layer[2 * j + 1]],
                        )
                    } else {
                        optim::step(&o, &mut trial_states[j], t, pos, g)
                    };
                    moved2 += (next[0] - pos[0]).powi(2) + (next[1] - pos[1]).powi(2);
                    trial[2 * j] = next[0];
                    trial[2 * j + 1] = next[1];
                }
                let mut ok = finite(&trial);
                let mut next = None;
                if ok {
                    let l = p.loss(&trial[..count]);
                    let g = pad(p.gradient(&trial[..count], batch_of(t).as_deref()));
                    ok = l.is_finite() && finite(&g);
                    next = Some((l, g));
                }
                match next {
                    Some((l, g)) if ok => {
                        theta = trial;
                        states = trial_states;
                        loss = l;
                        grad = g;
                        if moved2.sqrt() < self.tol {
                            status = STATUS_CONVERGED;
                        }
                    }
                    _ => status = STATUS_DIVERGED,
                }
            }
            out.loss.push(loss);
            out.status.push(status);
            out.theta.push(theta[..count].to_vec());
        }
        out
    }
}

/// A particle's starting parameters: `init` with the group's `init_offset` added to every
/// weight of the first layer.
pub fn offset_init(model: &Model, spec: &OptimizerSpec, init: &[f64]) -> Vec<f64> {
    let mut theta = init.to_vec();
    let offset = spec.params.init_offset;
    if offset != 0.0
        && let Some(first) = model.layers().next()
    {
        for w in &mut theta[first.weight..first.weight + first.inputs * first.outputs] {
            *w += offset;
        }
    }
    theta
}

/// One optimizer step of a pair whose parameters take their layers' learning rates (torch's
/// parameter groups): every rule is elementwise, so a pair split across two layers is
/// stepped once with each rate, each parameter kept from its own (the shader does the same).
fn step_by_layer(
    o: &OptimizerSpec,
    state: &mut optim::OptState,
    t: u32,
    pos: [f64; 2],
    g: [f64; 2],
    layers: [usize; 2],
) -> [f64; 2] {
    let with = |l: usize| {
        let mut spec = o.clone();
        spec.params.lr = o.params.layer_lr(l);
        spec
    };
    if layers[0] == layers[1] {
        return optim::step(&with(layers[0]), state, t, pos, g);
    }
    let mut second = *state;
    let a = optim::step(&with(layers[0]), state, t, pos, g);
    let b = optim::step(&with(layers[1]), &mut second, t, pos, g);
    state.take_second(&second);
    [a[0], b[1]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::data::Generator;
    use crate::model::spec::ModelSpec;

    fn central_difference(p: &Problem<'_>, theta: &[f64], k: usize) -> f64 {
        let h = 1e-6;
        let mut a = theta.to_vec();
        let mut b = theta.to_vec();
        a[k] += h;
        b[k] -= h;
        (p.loss(&a) - p.loss(&b)) / (2.0 * h)
    }

    /// The twin's gradients equal finite differences for every activation, loss and bias
    /// setting, on a two-hidden-layer network.
    #[test]
    fn gradients_equal_finite_differences() {
        for loss in Loss::ALL {
            for activation in Activation::ALL {
                for (bias, meanfield) in [(true, false), (false, false), (false, true), (true, true)] {
                    let outputs = if loss == Loss::Ce { 3 } else { 1 };
                    let model = Model {
                        sizes: vec![2, 5, 4, outputs],
                        activation,
                        bias,
                        meanfield,
                    };
                    let data = match loss {
                        Loss::Ce => Generator::parse("blobs:n=12,classes=3").unwrap().generate(),
                        Loss::Bce => Generator::parse("two-moons:n=12,noise=0.2").unwrap().generate(),
                        Loss::Mse => Generator::parse("teacher:n=12,d=2").unwrap().generate(),
                    };
                    let p = Problem {
                        model: &model,
                        loss,
                        data: &data,
                    };
                    // Inits away from relu's kink: finite differences straddle it otherwise.
                    let theta = &super::super::init::torch_default(&model, 1, 3)[0];
                    let g = p.gradient(theta, None);
                    for (k, gk) in g.iter().enumerate() {
                        let fd = central_difference(&p, theta, k);
                        assert!(
                            (gk - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                            "{} {} bias={bias} meanfield={meanfield} p{k}: {gk} vs {fd}",
                            loss.name(),
                            activation.name()
                        );
                    }
                }
            }
        }
    }

    /// bce's stable form equals the textbook -y log s - (1 - y) log(1 - s) where both are
    /// finite; ce equals -log softmax.
    #[test]
    fn losses_equal_their_textbook_forms() {
        let model = ModelSpec::parse("logistic").unwrap().resolve(1);
        let data = Data {
            features: 1,
            x: vec![0.5, -2.0],
            y: vec![1.0, 0.0],
        };
        let p = Problem {
            model: &model,
            loss: Loss::Bce,
            data: &data,
        };
        let theta = [1.5, -0.25];
        let s = |z: f64| 1.0 / (1.0 + (-z).exp());
        let z = [1.5 * 0.5 - 0.25, 1.5 * -2.0 - 0.25];
        let expect = (-(s(z[0]).ln()) - (1.0 - s(z[1])).ln()) / 2.0;
        assert!((p.loss(&theta) - expect).abs() < 1e-12);
        let ce_model = ModelSpec::parse("mlp:1-3:identity").unwrap().resolve(1);
        let ce_data = Data {
            features: 1,
            x: vec![1.0],
            y: vec![2.0],
        };
        let pc = Problem {
            model: &ce_model,
            loss: Loss::Ce,
            data: &ce_data,
        };
        let theta = [0.1, 0.2, 0.3, 0.0, 0.0, 0.0];
        let lse = (0.1f64.exp() + 0.2f64.exp() + 0.3f64.exp()).ln();
        assert!((pc.loss(&theta) - (lse - 0.3)).abs() < 1e-12);
    }

    /// Plain gradient descent on a model is theta - lr * gradient, step after step.
    #[test]
    fn sgd_training_is_gradient_steps() {
        let model = ModelSpec::parse("mlp:2-3-1").unwrap().resolve(2);
        let data = Generator::parse("two-moons:n=20").unwrap().generate();
        let problem = Problem {
            model: &model,
            loss: Loss::Bce,
            data: &data,
        };
        let init = super::super::init::torch_default(&model, 1, 0);
        let spec = "sgd:lr=0.5".parse::<OptimizerSpec>().unwrap();
        let runs = Training {
            problem,
            optimizers: std::slice::from_ref(&spec),
            inits: &init,
            steps: 3,
            tol: 0.0,
            seed: 0,
        }
        .run()
        .unwrap();
        let mut theta = init[0].clone();
        for s in 1..=3 {
            let g = problem.gradient(&theta, None);
            for (t, g) in theta.iter_mut().zip(g) {
                *t -= 0.5 * g;
            }
            assert_eq!(runs[0].theta[s], theta);
            assert_eq!(runs[0].loss[s], problem.loss(&theta));
        }
        assert!(runs[0].loss[3] < runs[0].loss[0]);
    }

    /// The mean-field network is the notebook's `net`: for one hidden layer of width n,
    /// output = W1 tanh(sqrt(2) W0 x / sqrt(n)) / n.
    #[test]
    fn meanfield_forward_is_the_notebooks_net() {
        let model = ModelSpec::parse("mlp:3-3-1:tanh:nobias:meanfield")
            .unwrap()
            .resolve(3);
        let theta: Vec<f64> = (0..12).map(|k| 0.3 * k as f64 - 1.1).collect();
        let x = [0.4, -1.2, 0.7];
        let data = Data {
            features: 3,
            x: x.to_vec(),
            y: vec![0.0],
        };
        let p = Problem {
            model: &model,
            loss: Loss::Mse,
            data: &data,
        };
        let n = 3.0f64;
        let hidden: Vec<f64> = (0..3)
            .map(|o| {
                let z: f64 = (0..3).map(|k| theta[o * 3 + k] * x[k]).sum::<f64>() / n.sqrt();
                (std::f64::consts::SQRT_2 * z).tanh()
            })
            .collect();
        let out: f64 = (0..3).map(|k| theta[9 + k] * hidden[k]).sum::<f64>() / n;
        assert!((p.predict(&theta, &x)[0] - out).abs() < 1e-14);
    }

    /// Layer learning rates are torch's parameter groups: each parameter steps at its layer's
    /// rate, also in the pair that straddles two layers; the offset moves the first layer's
    /// weights only.
    #[test]
    fn layer_learning_rates_and_the_offset_follow_parameter_groups() {
        // mlp:2-3-1 with biases: layer 0 has 9 parameters, so pair 4 is (b0[2], w1[0,0]).
        let model = ModelSpec::parse("mlp:2-3-1").unwrap().resolve(2);
        let data = Generator::parse("teacher:n=10,d=2").unwrap().generate();
        let problem = Problem {
            model: &model,
            loss: Loss::Mse,
            data: &data,
        };
        let init = super::super::init::torch_default(&model, 1, 2);
        for text in [
            "sgd:lr=0.1,lr_layer0=0.3,lr_layer1=0.05,init_offset=0.25",
            "adam:lr=0.01,lr_layer1=0.2",
        ] {
            let spec: OptimizerSpec = text.parse().unwrap();
            let run = Training {
                problem,
                optimizers: std::slice::from_ref(&spec),
                inits: &init,
                steps: 3,
                tol: 0.0,
                seed: 0,
            }
            .run()
            .unwrap();
            let mut theta = offset_init(&model, &spec, &init[0]);
            assert_eq!(run[0].theta[0], theta);
            // One state per parameter, stepped alone (both lanes the same parameter).
            let mut states = vec![optim::init_state(&spec); theta.len()];
            for t in 1..=3 {
                let g = problem.gradient(&theta, None);
                for k in 0..theta.len() {
                    let mut one = spec.clone();
                    one.params.lr = spec.params.layer_lr(model.layer_of(k));
                    theta[k] = optim::step(&one, &mut states[k], t, [theta[k]; 2], [g[k]; 2])[0];
                }
                for (a, b) in run[0].theta[t as usize].iter().zip(&theta) {
                    assert!((a - b).abs() < 1e-15, "{text} step {t}: {a} vs {b}");
                }
            }
        }
        assert_eq!(model.layer_of(8), 0);
        assert_eq!(model.layer_of(9), 1);
        let too_deep: OptimizerSpec = "sgd:lr_layer2=0.1".parse().unwrap();
        let e = model.check_optimizer(&too_deep).unwrap_err();
        assert!(e.contains("lr_layer2") && e.contains("2 layers"), "{e}");
    }
}
