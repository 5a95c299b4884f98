//! The side panel: surface, optimizers with their torch.optim parameters, start points,
//! stopping rules, and the live loss plot. It edits a copy of the scene; a change that
//! validates becomes the new scene, one that does not is shown inline (at the offending
//! character for expressions) while the old scene keeps running.

use crate::app::loss::LossSample;
use crate::optim::{OPTIMIZER_NAMES, OptimizerSpec, Params};
use crate::render::overlay::plot_paint::simplify;
use crate::render::overlay::style::optimizer_color;
use crate::scene::{Scene, Starts};
use crate::schedule::{KINDS, Kind, Schedule, Value};
use crate::surfaces::{BUILT_INS, Surface};

/// Editable state of the panel.
pub struct Panel {
    surface_text: String,
    /// The surface's named parameters: an edited expression may use them.
    surface_params: Vec<crate::expr::SurfaceParam>,
    surface_error: Option<(String, usize)>,
    /// The surface that runs (what the other edits apply to while the expression is invalid).
    running: String,
    pub error: Option<String>,
    optimizers: Vec<OptimizerSpec>,
    add_name: String,
    starts: Starts,
    /// A model scene's seeded initialisations (None: from its init file).
    inits: Option<u32>,
    steps: u32,
    tol: f64,
}

/// Most initialisations the panel's slider offers.
const MAX_PANEL_INITS: u32 = 100_000;

const FLAGS: &[&str] = &[
    "nesterov",
    "maximize",
    "centered",
    "amsgrad",
    "decoupled_weight_decay",
];

fn param_value(p: &Params, key: &str) -> Option<f64> {
    p.number(key)
}

/// A schedule of `kind` with the values torch requires filled in for a run of `steps` steps
/// at learning rate `lr`: what the panel starts from when a scheduler is picked.
fn starter_schedule(kind: Kind, steps: u32, lr: f64) -> Schedule {
    let steps = f64::from(steps.max(2));
    let mut s = Schedule::with_defaults(kind);
    let quarter = (steps / 4.0).floor().max(1.0);
    match kind {
        Kind::Step => s.put("step_size", Value::Num(quarter)),
        Kind::MultiStep => s.put(
            "milestones",
            Value::List(vec![(steps / 2.0) as u32, (steps * 0.75) as u32]),
        ),
        Kind::Exponential => s.put("gamma", Value::Num(0.99)),
        Kind::CosineAnnealing => s.put("T_max", Value::Num(steps)),
        Kind::CosineAnnealingWarmRestarts => s.put("T_0", Value::Num(quarter)),
        Kind::OneCycle => s.put("max_lr", Value::Num(lr)),
        Kind::Cyclic => s.put("max_lr", Value::Num(lr * 4.0)),
        Kind::Sequential => {
            let warm = (steps / 10.0).floor().max(1.0);
            let mut linear = Schedule::with_defaults(Kind::Linear);
            linear.put("start_factor", Value::Num(0.01));
            linear.put("total_iters", Value::Num(warm));
            let mut cosine = Schedule::with_defaults(Kind::CosineAnnealing);
            cosine.put("T_max", Value::Num(steps - warm));
            s.put("schedulers", Value::Schedulers(vec![linear, cosine]));
            s.put("milestones", Value::List(vec![warm as u32]));
        }
        _ => {}
    }
    s
}

/// Number fields for a schedule's numeric keys (and its children's); returns whether one
/// changed and the first refused value.
fn schedule_fields(ui: &mut egui::Ui, s: &mut Schedule, id: &str) -> (bool, Option<String>) {
    let mut changed = false;
    let mut error = None;
    let keys: Vec<&'static str> = s.values.iter().map(|(k, _)| *k).collect();
    for key in keys {
        if let Some(mut v) = s.num(key) {
            let speed = (v.abs() * 0.01).max(1e-4);
            let r = ui.horizontal(|ui| {
                ui.label(format!("  {key}"));
                ui.add(egui::DragValue::new(&mut v).speed(speed))
            });
            if r.inner.changed() {
                match s.set_num(key, v) {
                    Ok(()) => changed = true,
                    Err(e) => error = Some(e),
                }
            }
        }
    }
    if let Some((_, Value::Schedulers(children))) = s.values.iter_mut().find(|(k, _)| *k == "schedulers") {
        for (i, c) in children.iter_mut().enumerate() {
            ui.label(format!("  then {}", c.kind.info().torch));
            let (ch, e) = schedule_fields(ui, c, &format!("{id}.{i}"));
            changed |= ch;
            error = error.or(e);
        }
    }
    (changed, error)
}

fn flag_value(p: &Params, key: &str) -> bool {
    match key {
        "nesterov" => p.nesterov,
        "maximize" => p.maximize,
        "centered" => p.centered,
        "amsgrad" => p.amsgrad,
        "decoupled_weight_decay" => p.decoupled_weight_decay,
        _ => false,
    }
}

/// Bytes a run takes on the GPU: particle state plus whole trails, or, in the map layout,
/// which draws no paths, a start and an end per particle (as `World::new` plans them).
pub fn memory_estimate(particles: u64, steps: u32, map_layout: bool) -> u64 {
    let points = if map_layout { 2 } else { u64::from(steps) + 1 };
    particles * 48 + particles * points * 16
}

impl Panel {
    pub fn from_scene(scene: &Scene) -> Self {
        Self {
            surface_text: scene.surface.name.clone(),
            surface_params: scene.surface.params().to_vec(),
            surface_error: None,
            running: scene.surface.name.clone(),
            error: None,
            optimizers: scene.optimizers.clone(),
            add_name: "adam".into(),
            starts: scene.starts.clone(),
            inits: scene
                .model
                .as_ref()
                .filter(|m| m.args.init.is_none())
                .map(|m| m.args.inits.unwrap_or(1)),
            steps: scene.steps,
            tol: scene.tol,
        }
    }

    /// While the expression is invalid: which surface keeps running, under the error.
    pub fn surface_note(&self) -> Option<String> {
        self.surface_error
            .as_ref()
            .map(|_| format!("{} keeps running; the other edits apply to it", self.running))
    }

    /// The expression error shown under the surface field, and its column.
    pub fn surface_error(&self) -> Option<&(String, usize)> {
        self.surface_error.as_ref()
    }

    /// A start point clicked on the surface.
    pub fn add_start(&mut self, _scene: &Scene, p: [f64; 2]) {
        self.starts.points.push(p);
    }

    /// A rectangle of 5x5 start points between two picked corners.
    pub fn add_rectangle(&mut self, _scene: &Scene, a: Option<[f64; 2]>, b: Option<[f64; 2]>) {
        let (Some(a), Some(b)) = (a, b) else { return };
        for j in 0..5 {
            for i in 0..5 {
                let (u, v) = (f64::from(i) / 4.0, f64::from(j) / 4.0);
                self.starts
                    .points
                    .push([a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * v]);
            }
        }
    }

    /// The scene the panel describes, if it is valid (errors are kept for display).
    pub fn build(&mut self, current: &Scene) -> Option<Scene> {
        let mut scene = current.clone();
        self.running = current.surface.name.clone();
        if self.surface_text.trim() != current.surface.name {
            match Surface::from_name_or_expr_with(&self.surface_text, self.params_for_text()) {
                Ok(s) => {
                    self.surface_error = None;
                    self.running = s.name.clone();
                    scene.surface = s;
                    scene.regression = None;
                    // The scene's title named the surface it came with.
                    scene.title = None;
                }
                // The other edits still apply, on the surface that keeps running; the error
                // stays under the expression (and says so) until it parses.
                Err(e) => self.surface_error = Some((e.to_string(), e.column)),
            }
        }
        scene.optimizers = self.optimizers.clone();
        match &mut scene.model {
            Some(model) => {
                if let Some(n) = self.inits {
                    model.args.inits = Some(n.max(1));
                }
            }
            None => scene.starts = self.starts.clone(),
        }
        scene.steps = self.steps.max(1);
        scene.tol = self.tol;
        match scene.validate() {
            Ok(()) => {
                self.error = None;
                Some(scene)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// Draws the panel; returns a new scene when an edit produced a valid one.
    pub fn ui(&mut self, ui: &mut egui::Ui, scene: &Scene, loss: &[Vec<LossSample>]) -> Option<Scene> {
        let mut changed = false;
        match &scene.model {
            Some(model) => changed |= self.model_ui(ui, model),
            None => changed |= self.surface_ui(ui),
        }
        changed |= self.optimizers_ui(ui, scene);
        if scene.model.is_none() {
            changed |= self.starts_ui(ui, scene.view.layout == Some(crate::scene::Layout::Map));
        }
        changed |= self.stopping_ui(ui);
        if let Some(e) = &self.error {
            ui.colored_label(egui::Color32::RED, e);
        }
        // A model scene's losses are in its strip plot (true and on the slice).
        if scene.model.is_none() {
            ui.separator();
            ui.heading("Loss");
            loss_plot(ui, loss);
        }

        // Sliders fire every frame while dragged; rebuild once the drag ends.
        let dragging = ui.ctx().input(|i| i.pointer.any_down());
        if changed && !dragging {
            self.build(scene)
        } else {
            None
        }
    }

    /// A model scene's model, data and slice (as its file gives them), and its number of
    /// initialisations.
    fn model_ui(&mut self, ui: &mut egui::Ui, model: &crate::scene::ModelScene) -> bool {
        let a = &model.args;
        ui.heading("Model");
        ui.label(format!(
            "{}, {} loss",
            a.model,
            a.loss.as_deref().unwrap_or("default")
        ));
        ui.label(format!("data: {}", a.data));
        let directions = model.slice.directions.as_deref().unwrap_or("default");
        ui.label(format!("slice: {directions}"));
        let mut changed = false;
        match &mut self.inits {
            Some(n) => {
                changed = ui
                    .add(
                        egui::Slider::new(n, 1..=MAX_PANEL_INITS)
                            .text("initialisations")
                            .logarithmic(true),
                    )
                    .changed();
            }
            None => {
                ui.label(format!("initialisations: {}", a.init.as_deref().unwrap_or("")));
            }
        }
        ui.label("each edit trains every model again");
        ui.separator();
        changed
    }

    /// The surface's parameters for the typed text: none for a built-in's name.
    fn params_for_text(&self) -> Vec<crate::expr::SurfaceParam> {
        if crate::surfaces::built_in(self.surface_text.trim()).is_some() {
            Vec::new()
        } else {
            self.surface_params.clone()
        }
    }

    fn surface_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut changed = false;
        ui.heading("Surface");
        egui::ComboBox::from_id_salt("surface.builtin")
            .selected_text("built-in…")
            .show_ui(ui, |ui| {
                for b in BUILT_INS {
                    if ui.selectable_label(false, b.name).clicked() {
                        self.surface_text = b.name.to_string();
                        changed = true;
                    }
                }
            });
        let edit = ui.add(
            egui::TextEdit::singleline(&mut self.surface_text)
                .font(egui::TextStyle::Monospace)
                .hint_text("expression in x and y"),
        );
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) || edit.changed() {
            // Parse as the user types: errors show at once, the scene changes on valid input.
            match Surface::from_name_or_expr_with(&self.surface_text, self.params_for_text()) {
                Ok(_) => {
                    self.surface_error = None;
                    changed |= edit.lost_focus();
                }
                Err(e) => self.surface_error = Some((e.to_string(), e.column)),
            }
        }
        if edit.lost_focus() {
            changed = true;
        }
        if let Some((message, column)) = &self.surface_error {
            let caret = format!("{}^", " ".repeat(column.saturating_sub(1)));
            ui.label(
                egui::RichText::new(format!("{}\n{caret}", self.surface_text))
                    .monospace()
                    .color(egui::Color32::RED),
            );
            ui.colored_label(egui::Color32::RED, message);
            if let Some(note) = self.surface_note() {
                ui.label(note);
            }
        }

        ui.separator();
        changed
    }

    fn optimizers_ui(&mut self, ui: &mut egui::Ui, scene: &Scene) -> bool {
        let mut changed = false;
        ui.heading("Optimizers");
        let mut remove = None;
        for (i, spec) in self.optimizers.iter_mut().enumerate() {
            let [r, g, b, _] = optimizer_color(i);
            ui.horizontal(|ui| {
                let (swatch, _) = ui.allocate_exact_size(egui::vec2(18.0, 10.0), egui::Sense::hover());
                ui.painter()
                    .rect_filled(swatch, 2.0, egui::Color32::from_rgb(r, g, b));
                ui.strong(&spec.name);
                if ui.small_button("remove").clicked() {
                    remove = Some(i);
                }
            });
            if spec.group_count() > 1 {
                ui.label(format!(
                    "{} groups, one per value",
                    crate::numbers::count(spec.group_count())
                ));
            }
            for key in spec.all_param_names() {
                let key = &key;
                if *key == "batch_size" && scene.regression.is_none() {
                    continue;
                }
                if let Some(axis) = spec.sweep.iter().find(|a| a.param == *key) {
                    // A swept parameter shows its range; the scene file or --optimizer sets it.
                    ui.label(format!("{key} = {} (swept)", axis.range));
                } else if FLAGS.contains(key) {
                    let mut v = flag_value(&spec.params, key);
                    if ui.checkbox(&mut v, *key).changed() && spec.set(key, &v.to_string()).is_ok() {
                        changed = true;
                    }
                } else if let Some(mut v) = param_value(&spec.params, key) {
                    let (range, log) = match *key {
                        "lr" => (1e-5..=10.0, true),
                        "eps" => (1e-12..=1e-2, true),
                        "beta1" | "beta2" | "alpha" => (0.0..=0.9999, false),
                        "momentum" | "dampening" => (0.0..=0.999, false),
                        "grad_noise" => (0.0..=100.0, true),
                        "batch_size" => (
                            0.0..=scene.regression.as_ref().map_or(1.0, |r| r.data.len() as f64),
                            false,
                        ),
                        _ => (0.0..=1.0, false),
                    };
                    let mut slider = egui::Slider::new(&mut v, range).text(*key).logarithmic(log);
                    if *key == "batch_size" {
                        slider = slider.integer();
                    }
                    if ui.add(slider).changed() {
                        match spec.set(key, &v.to_string()) {
                            Ok(()) => changed = true,
                            Err(e) => self.error = Some(e.to_string()),
                        }
                    }
                }
            }
            // The surface's parameters this optimizer sets or sweeps.
            let own: Vec<(String, f64)> = spec.surface.clone();
            for (name, mut v) in own {
                if let Some(axis) = spec.sweep.iter().find(|a| a.param == name) {
                    ui.label(format!("{name} = {} (swept; the surface's)", axis.range));
                } else {
                    // A value of any size: dragged in steps of a hundredth of its own.
                    let speed = (v.abs() * 0.01).max(1e-4);
                    ui.horizontal(|ui| {
                        if ui.add(egui::DragValue::new(&mut v).speed(speed)).changed() && v.is_finite() {
                            spec.set_surface(&name, v);
                            changed = true;
                        }
                        ui.label(format!("{name} (the surface's)"));
                    });
                }
            }
            // The schedule: a torch scheduler and its numbers.
            let current = spec.schedule.as_ref().map_or("none", |s| s.kind.info().torch);
            let mut picked = None;
            egui::ComboBox::from_id_salt(("optim.schedule", i))
                .selected_text(format!("schedule: {current}"))
                .show_ui(ui, |ui| {
                    if ui.selectable_label(spec.schedule.is_none(), "none").clicked() {
                        picked = Some(None);
                    }
                    for k in KINDS {
                        if ui.selectable_label(current == k.torch, k.torch).clicked() {
                            picked = Some(Some(k.kind));
                        }
                    }
                });
            if let Some(kind) = picked {
                spec.schedule = kind.map(|k| starter_schedule(k, self.steps, spec.params.lr));
                changed = true;
            }
            if let Some(mut s) = spec.schedule.clone() {
                let (edited, refused) = schedule_fields(ui, &mut s, &format!("sched{i}"));
                if let Some(e) = refused {
                    self.error = Some(e);
                }
                if edited {
                    spec.schedule = Some(s);
                    changed = true;
                }
            }
            spec.label = spec.describe();
        }
        if let Some(i) = remove {
            self.optimizers.remove(i);
            changed = true;
        }
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("optim.add")
                .selected_text(&self.add_name)
                .show_ui(ui, |ui| {
                    for name in OPTIMIZER_NAMES {
                        ui.selectable_value(&mut self.add_name, name.to_string(), *name);
                    }
                });
            if ui.button("add").clicked()
                && let Ok(mut spec) = OptimizerSpec::new(&self.add_name)
            {
                spec.label = spec.describe();
                self.optimizers.push(spec);
                changed = true;
            }
        });

        ui.separator();
        changed
    }

    fn starts_ui(&mut self, ui: &mut egui::Ui, map_layout: bool) -> bool {
        let mut changed = false;
        ui.heading("Start points");
        ui.label(format!(
            "{} listed (click the surface to add)",
            self.starts.points.len()
        ));
        if ui.small_button("clear listed").clicked() {
            self.starts.points.clear();
            changed = true;
        }
        let mut grid = self.starts.grid.unwrap_or([0, 0])[0];
        if ui
            .add(
                egui::Slider::new(&mut grid, 0..=1000)
                    .text("grid side")
                    .logarithmic(true),
            )
            .changed()
        {
            self.starts.grid = (grid > 0).then_some([grid, grid]);
            changed = true;
        }
        if ui
            .add(
                egui::Slider::new(&mut self.starts.random, 0..=2_000_000)
                    .text("random")
                    .logarithmic(true),
            )
            .changed()
        {
            changed = true;
        }
        let particles = self.starts.count()
            * self
                .optimizers
                .iter()
                .map(OptimizerSpec::group_count)
                .sum::<u64>();
        ui.label(format!(
            "{} particles, ~{:.1} MiB on the GPU",
            crate::numbers::count(particles),
            memory_estimate(particles, self.steps, map_layout) as f64 / 1048576.0
        ));

        ui.separator();
        changed
    }

    fn stopping_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut changed = false;
        ui.heading("Stopping");
        changed |= ui
            .add(
                egui::Slider::new(&mut self.steps, 1..=100_000)
                    .text("max steps")
                    .logarithmic(true),
            )
            .changed();
        changed |= ui
            .add(
                egui::Slider::new(&mut self.tol, 0.0..=1e-2)
                    .text("tol")
                    .logarithmic(true),
            )
            .changed();
        changed
    }
}

/// Mean (solid) and best (thin) loss against step per optimizer, log-scaled when the losses
/// span decades, with the converged share as a faint area. Drawn with egui's painter.
fn loss_plot(ui: &mut egui::Ui, loss: &[Vec<LossSample>]) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 160.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_stroke(
        rect,
        2.0,
        egui::Stroke::new(1.0, egui::Color32::GRAY),
        egui::StrokeKind::Inside,
    );
    let values: Vec<f64> = loss
        .iter()
        .flatten()
        .flat_map(|s| [s.mean, s.best])
        .filter(|v| v.is_finite())
        .collect();
    let steps = loss.iter().flatten().map(|s| s.step).max().unwrap_or(0).max(1);
    if values.is_empty() {
        return;
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let log = lo > 0.0 && hi / lo > 100.0;
    let map = |v: f64| if log { v.log10() } else { v };
    let (ylo, yhi) = (map(lo), map(hi).max(map(lo) + 1e-12));
    let to_screen = |step: u32, v: f64| {
        egui::pos2(
            rect.left() + rect.width() * step as f32 / steps as f32,
            rect.bottom() - rect.height() * ((map(v) - ylo) / (yhi - ylo)) as f32,
        )
    };
    for (g, series) in loss.iter().enumerate() {
        let [r, gr, b, _] = optimizer_color(g);
        let color = egui::Color32::from_rgb(r, gr, b);
        let mean: Vec<egui::Pos2> = series
            .iter()
            .filter(|s| s.mean.is_finite())
            .map(|s| to_screen(s.step, s.mean))
            .collect();
        let best: Vec<egui::Pos2> = series
            .iter()
            .filter(|s| s.best.is_finite())
            .map(|s| to_screen(s.step, s.best))
            .collect();
        // Points within a tenth of a pixel of the line add triangles, not shape.
        let tolerance = 0.1 / painter.pixels_per_point();
        let (mean, best) = (simplify(&mean, tolerance), simplify(&best, tolerance));
        painter.add(egui::Shape::line(mean, egui::Stroke::new(1.8, color)));
        painter.add(egui::Shape::line(best, egui::Stroke::new(0.8, color)));
        if let Some(last) = series.last() {
            painter.text(
                rect.right_top() + egui::vec2(-4.0, 4.0 + 12.0 * g as f32),
                egui::Align2::RIGHT_TOP,
                format!(
                    "{:.0}% conv {:.0}% div",
                    last.converged * 100.0,
                    last.diverged * 100.0
                ),
                egui::FontId::proportional(10.0),
                color,
            );
        }
    }
    let fmt = |v: f64| crate::numbers::short_number(v);
    painter.text(
        rect.left_top() + egui::vec2(3.0, 2.0),
        egui::Align2::LEFT_TOP,
        fmt(hi),
        egui::FontId::proportional(10.0),
        egui::Color32::DARK_GRAY,
    );
    painter.text(
        rect.left_bottom() + egui::vec2(3.0, -2.0),
        egui::Align2::LEFT_BOTTOM,
        fmt(lo),
        egui::FontId::proportional(10.0),
        egui::Color32::DARK_GRAY,
    );
    if log {
        painter.text(
            rect.center_bottom() + egui::vec2(0.0, -2.0),
            egui::Align2::CENTER_BOTTOM,
            "log scale",
            egui::FontId::proportional(9.0),
            egui::Color32::GRAY,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_surface_drops_the_old_title() {
        let current = Scene::default_scene();
        assert_eq!(current.title.as_deref(), Some("Gradient descent on a saddle"));
        let mut panel = Panel::from_scene(&current);
        panel.surface_text = "sin(3*x)*cos(3*y) + x^2".into();
        let scene = panel.build(&current).expect("a valid scene");
        assert_eq!(scene.title, None);
        assert_eq!(
            crate::app::window_title(&scene),
            "descent: sin(3*x)*cos(3*y) + x^2"
        );
        // Other edits keep the title.
        let mut panel = Panel::from_scene(&current);
        panel.steps = 50;
        assert_eq!(panel.build(&current).unwrap().title, current.title);
    }

    #[test]
    fn a_model_scene_keeps_its_model_and_takes_its_initialisations() {
        let text = "[model]\nmodel = \"mlp:2-1:nobias\"\ndata = \"blobs:n=20\"\ninits = 4\n\
                    [[optimizer]]\nname = \"sgd\"\nlr = 0.1\n[run]\nsteps = 10\n";
        let current = Scene::parse_with("m.toml", text, &crate::scene::no_files).unwrap();
        let mut panel = Panel::from_scene(&current);
        assert_eq!(panel.inits, Some(4));
        panel.inits = Some(40);
        panel.steps = 20;
        // A click on the slice adds no start: a model's starts are its initialisations.
        panel.add_start(&current, [0.5, 0.5]);
        let scene = panel.build(&current).expect("a valid scene");
        let model = scene.model.as_ref().expect("still a model scene");
        assert_eq!((model.args.inits, scene.steps), (Some(40), 20));
        assert!(scene.starts.is_empty());
    }

    #[test]
    fn edits_apply_while_the_expression_is_invalid() {
        let current = Scene::default_scene();
        let mut panel = Panel::from_scene(&current);
        panel.surface_text = "x^2 + sin(".into();
        panel.steps = 50;
        panel.tol = 1e-6;
        let scene = panel.build(&current).expect("the other edits make a valid scene");
        assert_eq!((scene.steps, scene.tol), (50, 1e-6));
        assert_eq!(
            scene.surface.name, current.surface.name,
            "the old surface keeps running"
        );
        let (message, _) = panel.surface_error().expect("the expression's error is shown");
        assert!(!message.is_empty());
        let note = panel.surface_note().expect("the panel says what runs");
        assert!(note.contains(&current.surface.name), "{note}");
    }

    /// Whatever scheduler the panel's menu picks runs as it starts (its required values are
    /// filled in) and reads back from its spec text.
    #[test]
    fn every_scheduler_the_panel_offers_runs() {
        for k in KINDS {
            for text in ["momentum:lr=0.01", "adam"] {
                let mut spec: OptimizerSpec = text.parse().unwrap();
                let s = starter_schedule(k.kind, 300, spec.params.lr);
                let seq =
                    crate::schedule::sequence(&s, &spec, 300).unwrap_or_else(|e| panic!("{}: {e}", k.torch));
                assert_eq!(seq.lr.len(), 300);
                assert!(seq.lr.iter().all(|v| v.is_finite() && *v >= 0.0), "{}", k.torch);
                let node = crate::schedule::parse_spec(&s.to_spec()).unwrap();
                assert_eq!(Schedule::from_node(&node).unwrap(), s, "{}", k.torch);
                spec.schedule = Some(s);
            }
        }
    }
}
