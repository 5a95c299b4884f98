//! The viewport's view drawn at another size by a second renderer of the same world: the
//! frames of a recording at a chosen size, and screenshots (F12) at the panel's record size,
//! in the window and in the page. What `descent render` would draw at that size.

use anyhow::Result;

use crate::gpu::Gpu;
use crate::render::overlay::{Overlay, pixels_per_point_for};
use crate::render::{RenderSettings, Renderer};
use crate::world::{Look, World};

/// Offscreen frames are antialiased like `descent render`'s, whatever the window uses.
const OFFSCREEN_MSAA: u32 = 4;

pub struct Offscreen {
    renderer: Renderer,
    overlay: Overlay,
}

impl Offscreen {
    /// A renderer of `world` at `size` (over the adapter's texture limit: an error).
    pub fn new(gpu: &Gpu, world: &World, [width, height]: [u32; 2]) -> Result<Self> {
        let settings = settings_at(world.renderer.settings(), width, height);
        let renderer = world.renderer_at(gpu, &settings)?;
        let overlay = Overlay::new(gpu, renderer.settings().color_format);
        Ok(Self { renderer, overlay })
    }

    /// The last frame drawn.
    pub fn texture(&self) -> &wgpu::Texture {
        self.renderer.target().texture()
    }

    pub fn size(&self) -> [u32; 2] {
        [self.renderer.settings().width, self.renderer.settings().height]
    }

    /// The view `look` shows, drawn at this size with the window's live settings (colormap,
    /// trails, ...) and the text scale of a frame this size.
    pub fn draw(&mut self, gpu: &Gpu, world: &World, look: &Look) -> Result<&wgpu::Texture> {
        let [w, h] = self.size();
        let wanted = settings_at(world.renderer.settings(), w, h);
        if wanted != *self.renderer.settings() {
            self.renderer.update_settings(gpu, &wanted)?;
        }
        let look = Look {
            pixels_per_point: pixels_per_point_for(h),
            ..*look
        };
        Ok(world.draw_on(gpu, &mut self.renderer, &mut self.overlay, &look))
    }
}

/// The window's live look at another size: sizes in pixels scale with the height as in
/// `descent render`.
fn settings_at(live: &RenderSettings, width: u32, height: u32) -> RenderSettings {
    RenderSettings {
        width,
        height,
        msaa: OFFSCREEN_MSAA,
        ui_scale: RenderSettings::for_size(width, height).ui_scale,
        ..live.clone()
    }
}
