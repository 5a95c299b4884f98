//! A model scene trained for the page without blocking it: the page cannot wait for the GPU,
//! so the world is built by a future ([`World::new_async`]) while the viewer goes on drawing
//! the scene it has, with a line saying how far training is. The loop is woken as chunks of
//! models finish and when the world is ready.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::gpu::Gpu;
use crate::render::RenderSettings;
use crate::scene::Scene;
use crate::world::World;

/// A model scene in training.
pub struct Training {
    scene: Scene,
    world: Rc<RefCell<Option<anyhow::Result<World>>>>,
    /// Models trained, and their number.
    progress: Rc<Cell<(usize, usize)>>,
}

impl Training {
    /// Starts building `scene`'s world on `gpu` (another handle to the viewer's context).
    pub fn start(gpu: &Gpu, settings: &RenderSettings, scene: Scene) -> Self {
        let world = Rc::new(RefCell::new(None));
        let progress = Rc::new(Cell::new((0, 0)));
        let (gpu, settings, built_scene) = (gpu.clone(), settings.clone(), scene.clone());
        let (built, told) = (world.clone(), progress.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let mut tell = |done, all| {
                told.set((done, all));
                crate::gpu::later::wake();
            };
            let result = World::new_async(&gpu, &built_scene, &settings, &mut tell).await;
            *built.borrow_mut() = Some(result);
            crate::gpu::later::wake();
        });
        Self {
            scene,
            world,
            progress,
        }
    }

    /// The scene in training.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The world once it is built (or why it could not be), with its scene.
    pub fn finished(&self) -> Option<(Scene, anyhow::Result<World>)> {
        let world = self.world.borrow_mut().take()?;
        Some((self.scene.clone(), world))
    }

    /// What the view says meanwhile.
    pub fn text(&self) -> String {
        let name = self.scene.title.as_deref().unwrap_or("the model scene");
        match self.progress.get() {
            (_, 0) => format!("training {name}…"),
            (done, all) => format!(
                "training {name}: {} of {} models",
                crate::numbers::count(done as u64),
                crate::numbers::count(all as u64)
            ),
        }
    }
}
