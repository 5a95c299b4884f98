//! Rendering: the 3D renderers (surface, trails, markers, axes) draw into an offscreen
//! target; the overlay draws text over it. The window, tests and capture share this path.
//!
//! A [`Renderer`] owns the target and every pipeline, all built once in [`Renderer::new`].
//! A frame writes one uniform ([`gpu_data::FrameUniform`]), starts from a copy of the cached
//! static layer (axes and surface, redrawn only when the camera, size or look changes; see
//! [`target`]), records one pass of what moves (trails, heads, markers) and submits it; the
//! trail and head draws read the simulation's buffers directly, so the CPU work per frame does
//! not grow with particles or trail length.

pub mod axes;
pub mod colormap;
pub mod density;
pub mod gpu_data;
pub mod legend;
pub mod lines;
pub mod markers;
pub mod overlay;
pub mod particles;
mod pipeline;
pub mod plot_box;
pub mod plot_paint;
pub mod plots;
pub mod style;
pub mod surface;
pub mod target;
pub mod view;

use glam::Vec3;

use crate::camera::OrbitCamera;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{Simulation, TrailPlan};
use crate::gpu::{Gpu, GpuError};
use crate::surfaces::Surface;

pub use crate::scene::{ColorScale, DensityScale, TrailStyle};
pub use colormap::Colormap;
use gpu_data::FrameUniform;
pub use plot_box::PlotBox;
use style::ScreenLabel;
pub use target::{RenderTarget, TargetFormats};
pub use view::view_settings;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "a {width}x{height} image is larger than this GPU allows: max_texture_dimension_2d is {limit} pixels"
    )]
    TooLarge { width: u32, height: u32, limit: u32 },
    #[error("a {width}x{height} image has no pixels")]
    EmptySize { width: u32, height: u32 },
    #[error("this GPU cannot multisample {0}x (use msaa 1 or 4)")]
    Msaa(u32),
    #[error("changing msaa or the colour format needs a new renderer")]
    MsaaChange,
    #[error("a render shader or pipeline was rejected: {0}")]
    Shader(String),
    #[error("the texture is not Rgba8 (it is {0:?})")]
    Format(wgpu::TextureFormat),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// How frames look. Sizes are pixels at `ui_scale` 1.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderSettings {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel: 4 (default) or 1.
    pub msaa: u32,
    pub colormap: Colormap,
    /// Isolines of loss on the surface.
    pub contours: bool,
    /// matplotlib's `edgecolors='k'`: thin mesh lines on the surface.
    pub grid_lines: bool,
    pub trail_width_px: f32,
    /// Steps of history each trail shows behind its head (a comet's tail); None: all.
    pub trail_length: Option<u32>,
    /// Older parts of a trail fade out.
    pub fade_trails: bool,
    pub show_axes: bool,
    pub show_trails: bool,
    /// Start points, minima and heads.
    pub show_markers: bool,
    /// sRGB, opaque.
    pub background: [u8; 4],
    /// Multiplies every size in pixels (line widths, markers, fonts): 2 for a 4K capture.
    pub ui_scale: f32,
    /// The loss range of the box; None: sampled from the surface.
    pub loss_range: Option<[f64; 2]>,
    /// Names of the x, y and loss axes ("m", "b", "J(m, b)" for linear regression).
    pub axis_names: [String; 3],
    /// Most trail segments drawn per frame; beyond, trails skip records evenly. None: 300,000
    /// on a CPU adapter (lavapipe), 8,000,000 on a GPU.
    pub trail_segment_budget: Option<u32>,
    /// How trails are drawn: lines, density, heads only, or by particle count.
    pub trails: TrailStyle,
    /// How density counts map to brightness.
    pub density_scale: DensityScale,
    /// How the surface's colours and contour levels follow the loss.
    pub color_scale: ColorScale,
    /// The frame's colour format: Rgba8UnormSrgb (captures), or Bgra8UnormSrgb for a window
    /// whose surface is BGRA, so the frame is copied into it rather than drawn by a shader.
    pub color_format: wgpu::TextureFormat,
    /// Most trail segments the density layer accumulates in one frame (a rebuild beyond it
    /// skips records evenly); None: all (captures). The window sets one.
    pub density_budget: Option<u64>,
}

pub use crate::scene::AUTO_LINES_MAX;
/// Up to this many heads are drawn as markers; beyond, heads are accumulated (density).
pub const HEAD_MARKERS_MAX: u32 = 2000;

/// How far the surface's colormap steps back to grey under a density layer.
pub const DENSITY_SURFACE_MUTE: f32 = 1.0;

/// What a frame draws of the particles, from the style, the settings and the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParticleLayers {
    pub line_trails: bool,
    pub density_trails: bool,
    pub head_markers: bool,
    pub density_heads: bool,
}

impl ParticleLayers {
    pub fn of(settings: &RenderSettings, particles: u32) -> Self {
        let style = settings.trails.resolve(particles);
        let many = particles > HEAD_MARKERS_MAX;
        let trails = settings.show_trails;
        let (line_trails, density_trails) = match style {
            TrailStyle::Lines => (trails, false),
            TrailStyle::Density => (false, trails),
            // Comet tails only when a length is set, drawn as the count suits.
            _ => {
                let tails = trails && settings.trail_length.is_some();
                (tails && !many, tails && many)
            }
        };
        let heads = settings.show_markers;
        let density = matches!(style, TrailStyle::Density | TrailStyle::Heads);
        Self {
            line_trails,
            density_trails,
            head_markers: heads && !(density && many),
            density_heads: heads && density && many,
        }
    }

    fn density(&self) -> bool {
        self.density_trails || self.density_heads
    }
}

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            width: 640,
            height: 480,
            msaa: 4,
            colormap: Colormap::Coolwarm,
            contours: false,
            grid_lines: true,
            trail_width_px: 2.5,
            trail_length: None,
            fade_trails: false,
            show_axes: true,
            show_trails: true,
            show_markers: true,
            background: [255, 255, 255, 255],
            ui_scale: 1.0,
            loss_range: None,
            axis_names: ["x", "y", "loss"].map(String::from),
            trail_segment_budget: None,
            trails: TrailStyle::Auto,
            density_scale: DensityScale::EqHist,
            color_scale: ColorScale::Linear,
            color_format: target::COLOR_FORMAT,
            density_budget: None,
        }
    }
}

impl RenderSettings {
    /// Defaults for a size, with `ui_scale` growing with the height past 480 lines (sizes are
    /// tuned for a matplotlib-sized figure, 480 pixels tall): 1.5 at 720p, 2.25 at 1080p.
    pub fn for_size(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            ui_scale: (height as f32 / 480.0).clamp(1.0, 4.0),
            ..Self::default()
        }
    }
}

/// What changes from frame to frame.
#[derive(Clone, Copy, Debug)]
pub struct FrameState<'a> {
    pub camera: &'a OrbitCamera,
    /// Global step shown, fractional; the simulation must have been advanced to `ceil(time)`.
    pub time: f32,
}

/// Which trail records a frame shows (see `shaders/particles.wgsl`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrailWindow {
    /// Oldest visible record.
    pub first: u32,
    /// The last record at or before the frame's time.
    pub head: u32,
    /// 0: the head lies between `head` and the next record; 1: between `head` and the
    /// particles' current state; 2: no trail, the head is the particle.
    pub source: u32,
    /// Segments per particle, the head segment included (0: no trail).
    pub segments: u32,
    /// Records per drawn segment (1: every record), see [`TrailWindow::within_budget`].
    pub stride: u32,
    /// Position of the head between its two ends, 0..1.
    pub mix: f32,
}

impl TrailWindow {
    /// The window for `time` with a ring `plan`, the simulation having run `steps_done` steps.
    /// Times before the ring's oldest record show that record; times after `steps_done` show
    /// the current state.
    pub fn new(plan: TrailPlan, steps_done: u32, time: f32) -> Self {
        let t = if time.is_finite() {
            time.clamp(0.0, steps_done as f32)
        } else {
            0.0
        };
        if plan.capacity == 0 {
            return Self {
                first: 0,
                head: 0,
                source: 2,
                segments: 0,
                stride: 1,
                mix: 0.0,
            };
        }
        let every = plan.record_every.max(1);
        let newest = steps_done / every;
        let first = newest.saturating_sub(plan.capacity - 1);
        let head = ((t as f64 / f64::from(every)).floor() as u32).clamp(first, newest);
        let since = (t - (head * every) as f32).max(0.0);
        let (source, mix) = if head < newest {
            (0, since / every as f32)
        } else {
            let to_state = steps_done.saturating_sub(head * every);
            let mix = if to_state == 0 {
                0.0
            } else {
                since / to_state as f32
            };
            (1, mix)
        };
        Self {
            first,
            head,
            source,
            segments: head - first + 1,
            stride: 1,
            mix: mix.clamp(0.0, 1.0),
        }
    }

    /// Keeps only the records of the last `steps` steps before the head (None: all), for
    /// trails of a fixed length; `every` is the ring's steps per record.
    pub fn with_length(mut self, steps: Option<u32>, every: u32) -> Self {
        if let Some(steps) = steps
            && self.segments > 0
        {
            let records = steps.div_ceil(every.max(1));
            self.first = self.first.max(self.head.saturating_sub(records));
            self.segments = self.head - self.first + 1;
        }
        self
    }

    /// Draws every `stride`-th record so that `particles` trails take at most about `budget`
    /// segments: a level of detail for swarms on slow adapters. The head segment and the
    /// newest record are always drawn.
    pub fn within_budget(mut self, particles: u32, budget: u32) -> Self {
        let span = self.head - self.first;
        let wanted = u64::from(particles) * u64::from(span);
        if span == 0 || wanted <= u64::from(budget.max(1)) {
            return self;
        }
        self.stride = wanted.div_ceil(u64::from(budget.max(1))).min(u64::from(span)) as u32;
        self.segments = span.div_ceil(self.stride) + 1;
        self
    }
}

/// Draws a surface, its particles' trails and heads, start and minimum markers, and axes.
pub struct Renderer {
    settings: RenderSettings,
    plot: PlotBox,
    target: RenderTarget,
    frame_buffer: wgpu::Buffer,
    frame_bind_group: wgpu::BindGroup,
    surface: surface::SurfaceRenderer,
    /// The surface's depth at one sample (MSAA only; see `target`).
    surface_depth: Option<wgpu::RenderPipeline>,
    /// What the cached static layer was drawn for; None: not drawn yet, or stale.
    static_layer: Option<StaticKey>,
    /// Bumped by every change of settings or size (the static layer is redrawn).
    static_generation: u64,
    /// How many times the static layer has been drawn (tests watch the cache with it).
    static_builds: u64,
    lines: lines::LineRenderer,
    markers: markers::MarkerRenderer,
    /// Built when a frame first needs it.
    density: Option<density::DensityRenderer>,
    frame_layout: wgpu::BindGroupLayout,
    surface_wgsl: String,
    /// Loss gap between the true surface and its mesh, in world units (for the trail lift).
    sag_world: f32,
    cells_per_grid_line: f32,
    contour_spacing: f32,
    mesh_size: [u32; 2],
    segment_budget: u32,
    particles: u32,
    particle_layout: wgpu::BindGroupLayout,
    particle_bindings: particles::ParticleBindings,
    /// Bumped when the particles' colours change (the density layer rebuilds).
    colors_generation: u64,
    /// The axes' labels of the frame last rendered.
    labels: Vec<ScreenLabel>,
}

impl Renderer {
    pub fn new(
        gpu: &Gpu,
        surface: &Surface,
        mesh: &SurfaceMesh,
        sim: &Simulation,
        settings: &RenderSettings,
    ) -> Result<Self, RenderError> {
        let target = RenderTarget::new(
            gpu,
            settings.width,
            settings.height,
            settings.msaa,
            settings.color_format,
        )?;
        let (static_formats, formats) = (target.static_formats(), target.moving_formats());
        let plot = match settings.loss_range {
            Some(z) => PlotBox::new(surface.domain.x, surface.domain.y, z),
            None => PlotBox::for_surface(surface, mesh.cols, mesh.rows),
        };
        let sag = plot_box::mesh_sag(surface, mesh.cols, mesh.rows);
        let sag_world = (sag * f64::from(plot.world_from_data_scale().z)) as f32;

        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let frame_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("render.frame.layout"),
                entries: &[wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(size_of::<FrameUniform>() as u64),
                    },
                    count: None,
                }],
            });
        let frame_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("render.frame"),
            size: size_of::<FrameUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let frame_bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("render.frame.bind_group"),
            layout: &frame_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: frame_buffer.as_entire_binding(),
            }],
        });
        let surface_wgsl = surface.wgsl();
        let surface_renderer =
            surface::SurfaceRenderer::new(gpu, &static_formats, &frame_layout, mesh, settings.colormap)?;
        // With MSAA the static layer's depth is drawn again at one sample, for the moving layer.
        let surface_depth = (static_formats.samples > 1)
            .then(|| surface_renderer.depth_pipeline(gpu, &formats, &frame_layout));
        let particle_layout = particles::layout(gpu);
        let particle_bindings = particles::ParticleBindings::new(
            gpu,
            &particle_layout,
            sim,
            &group_colors(sim),
            particles::ColorStride::Group,
        );
        let lines = lines::LineRenderer::new(
            gpu,
            &static_formats,
            &formats,
            &frame_layout,
            &particle_layout,
            sim,
            &surface_wgsl,
        )?;
        let density = ParticleLayers::of(settings, sim.particle_count()).density_trails;
        let statics = markers::static_markers(surface, &plot, sim, settings.ui_scale, !density);
        let markers = markers::MarkerRenderer::new(
            gpu,
            &formats,
            &frame_layout,
            &particle_layout,
            &surface_wgsl,
            &statics,
        )?;
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(RenderError::Shader(e.to_string()));
        }

        let cells = mesh.cols.saturating_sub(1).max(1);
        let (_, contour_step) = axes::nice_ticks(plot.min.z, plot.max.z, 13);
        Ok(Self {
            settings: settings.clone(),
            plot,
            target,
            frame_buffer,
            frame_bind_group,
            surface: surface_renderer,
            surface_depth,
            static_layer: None,
            static_generation: 0,
            static_builds: 0,
            lines,
            markers,
            density: None,
            frame_layout,
            surface_wgsl,
            sag_world,
            cells_per_grid_line: cells_per_grid_line(cells) as f32,
            contour_spacing: contour_step as f32,
            mesh_size: [mesh.cols, mesh.rows],
            segment_budget: settings.trail_segment_budget.unwrap_or(
                if gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu {
                    300_000
                } else {
                    8_000_000
                },
            ),
            particles: sim.particle_count(),
            particle_layout,
            particle_bindings,
            colors_generation: 0,
            labels: Vec::new(),
        })
    }

    /// Colours trails and heads per particle (sRGB, one per particle of `sim`) instead of
    /// per optimizer.
    pub fn set_particle_colors(&mut self, gpu: &Gpu, sim: &Simulation, colors: &[[u8; 4]]) {
        self.particle_bindings = particles::ParticleBindings::new(
            gpu,
            &self.particle_layout,
            sim,
            colors,
            particles::ColorStride::Particle,
        );
        self.colors_generation += 1;
    }

    /// Colours trails and heads per optimizer group (sRGB, one per group of `sim`).
    pub fn set_group_colors(&mut self, gpu: &Gpu, sim: &Simulation, colors: &[[u8; 4]]) {
        self.particle_bindings = particles::ParticleBindings::new(
            gpu,
            &self.particle_layout,
            sim,
            colors,
            particles::ColorStride::Group,
        );
        self.colors_generation += 1;
    }

    /// The simulation's history changed under the renderer (a restart): accumulated density
    /// is dropped.
    pub fn history_changed(&mut self) {
        if let Some(d) = &mut self.density {
            d.invalidate();
        }
    }

    /// What frames draw of the particles with the current settings.
    pub fn particle_layers(&self) -> ParticleLayers {
        ParticleLayers::of(&self.settings, self.particles)
    }

    /// The density layer, once a frame has used it (for tests).
    pub fn density(&self) -> Option<&density::DensityRenderer> {
        self.density.as_ref()
    }

    pub fn settings(&self) -> &RenderSettings {
        &self.settings
    }

    /// The data-to-world box (for picking and overlays).
    pub fn plot_box(&self) -> &PlotBox {
        &self.plot
    }

    pub fn target(&self) -> &RenderTarget {
        &self.target
    }

    /// Rebuilds the target for a new size (pipelines are kept).
    pub fn resize(&mut self, gpu: &Gpu, width: u32, height: u32) -> Result<(), RenderError> {
        if (width, height) == (self.target.width, self.target.height) {
            return Ok(());
        }
        self.target = RenderTarget::new(gpu, width, height, self.settings.msaa, self.settings.color_format)?;
        self.static_layer = None;
        self.settings.width = width;
        self.settings.height = height;
        Ok(())
    }

    /// Applies new settings: a new size rebuilds the target, a new colormap rewrites the LUT,
    /// the rest takes effect next frame. A different `msaa` needs a new renderer.
    pub fn update_settings(&mut self, gpu: &Gpu, settings: &RenderSettings) -> Result<(), RenderError> {
        if settings.msaa != self.settings.msaa || settings.color_format != self.settings.color_format {
            return Err(RenderError::MsaaChange);
        }
        self.resize(gpu, settings.width, settings.height)?;
        if settings.colormap != self.settings.colormap {
            self.surface.set_colormap(gpu, settings.colormap);
        }
        if *settings != self.settings {
            self.static_generation += 1;
            self.settings = settings.clone();
        }
        Ok(())
    }

    /// Draws one frame and submits it; returns the resolved texture (Rgba8UnormSrgb,
    /// `COPY_SRC | TEXTURE_BINDING | RENDER_ATTACHMENT`).
    ///
    /// Layers: the static scene (axes, surface; cached, see [`target`]), what moves (the
    /// density layer tone-mapped over the surface, or trails as lines; heads), then markers.
    /// The density layer accumulates in passes of its own before the moving pass.
    pub fn render(&mut self, gpu: &Gpu, sim: &Simulation, frame: &FrameState<'_>) -> &wgpu::Texture {
        self.render_with(gpu, sim, frame, 0, &mut |_, _| {})
    }

    /// [`Self::render`], with `paint` drawing into the static layer's colour each time it is
    /// built (the overlay paints the plots' grounds there: see `world::draw_frame`). `paint_key`
    /// identifies what `paint` draws, 0 for nothing (then it is not called); a new one rebuilds
    /// the layer.
    pub fn render_with(
        &mut self,
        gpu: &Gpu,
        sim: &Simulation,
        frame: &FrameState<'_>,
        paint_key: u64,
        paint: &mut dyn FnMut(&Gpu, &wgpu::Texture),
    ) -> &wgpu::Texture {
        // Before the first step the ring holds nothing: show the start points alone.
        let plan = if sim.has_started() {
            sim.trail_plan()
        } else {
            TrailPlan {
                capacity: 0,
                record_every: 1,
            }
        };
        let layers = self.particle_layers();
        let window = TrailWindow::new(plan, sim.steps_done(), frame.time)
            .with_length(self.settings.trail_length, plan.record_every);
        let line_window = window.within_budget(self.particles, self.segment_budget);
        let uniform = self.frame_uniform(frame, if layers.line_trails { &line_window } else { &window });
        gpu.queue
            .write_buffer(&self.frame_buffer, 0, bytemuck::bytes_of(&uniform));
        let key = StaticKey::of(&uniform, self.static_generation, paint_key);
        let rebuild = self.static_layer.as_ref() != Some(&key);
        if rebuild {
            let mut axes = self.settings.show_axes.then(|| {
                axes::build(
                    frame.camera,
                    &self.plot,
                    self.target.width,
                    self.target.height,
                    &self.axes_style(),
                    self.settings.ui_scale,
                )
            });
            self.lines.prepare_axes(gpu, axes.as_ref());
            // One build per static layer: its labels are what the overlay prints.
            self.labels = axes
                .as_mut()
                .map(|a| std::mem::take(&mut a.labels))
                .unwrap_or_default();
        }

        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("render.encoder"),
            });
        let density_frame = layers.density().then(|| density::DensityFrame {
            key: density::DensityKey {
                clip_from_world: uniform.clip_from_world,
                size: [self.target.width, self.target.height],
                lift: uniform.trail_style[3],
                fade: self.settings.fade_trails,
                colors: self.colors_generation,
            },
            window,
            trails: layers.density_trails,
            heads: layers.density_heads,
            head_block: (1.8 * self.settings.ui_scale).round().max(2.0) as u32,
            scale: self.settings.density_scale,
            budget: self.settings.density_budget,
        });
        if let Some(df) = &density_frame {
            if self.density.is_none() {
                match density::DensityRenderer::new(
                    gpu,
                    &self.target.moving_formats(),
                    &self.frame_layout,
                    &self.particle_layout,
                    &self.surface,
                    &self.surface_wgsl,
                ) {
                    Ok(d) => self.density = Some(d),
                    Err(e) => log::error!("the density layer could not be built: {e}"),
                }
            }
            if let Some(d) = &mut self.density {
                d.prepare(
                    gpu,
                    &mut encoder,
                    &self.frame_bind_group,
                    &self.surface,
                    &self.particle_bindings,
                    self.particles,
                    df,
                );
            }
        }
        if rebuild {
            self.draw_static_layer(&mut encoder);
            self.static_layer = Some(key);
            self.static_builds += 1;
        }
        if rebuild && paint_key != 0 {
            // What `paint` adds goes after the layer and before the frame copies it.
            gpu.queue.submit([std::mem::replace(
                &mut encoder,
                gpu.device
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                        label: Some("render.encoder"),
                    }),
            )
            .finish()]);
            paint(gpu, self.target.static_color());
        }
        self.target.copy_static(&mut encoder);
        {
            let (color, depth) = self.target.moving_attachments();
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("render.moving"),
                color_attachments: &[Some(color)],
                depth_stencil_attachment: Some(depth),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            if density_frame.is_some()
                && let Some(d) = &self.density
            {
                d.draw(&mut pass);
                pass.set_bind_group(0, &self.frame_bind_group, &[]);
            }
            if layers.line_trails {
                // Few, opaque trails get a halo (the shader widens them by it in that case).
                let halo = trail_look(self.particles).1 >= 1.0;
                self.lines
                    .draw_trails(&mut pass, &self.particle_bindings, line_window.segments, halo);
            }
            if self.settings.show_markers {
                pass.push_debug_group("markers");
                let heads = layers.head_markers.then_some(&self.particle_bindings);
                self.markers.draw(&mut pass, heads);
                pass.pop_debug_group();
            }
        }
        if let (Some(df), Some(d)) = (&density_frame, &mut self.density) {
            d.finish(
                gpu,
                &mut encoder,
                &self.frame_bind_group,
                &self.surface,
                &self.particle_bindings,
                df,
            );
        }
        gpu.queue.submit([encoder.finish()]);
        self.target.texture()
    }

    /// Draws the static layer (axes, surface) into the target's cache: multisampled colour,
    /// and its depth at one sample for the moving layer (see `target`). The frame uniform
    /// must already hold this frame's camera.
    fn draw_static_layer(&self, encoder: &mut wgpu::CommandEncoder) {
        let bg = style::srgb_to_linear(self.settings.background);
        let clear = wgpu::Color {
            r: f64::from(bg[0]),
            g: f64::from(bg[1]),
            b: f64::from(bg[2]),
            a: 1.0,
        };
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("render.static"),
                color_attachments: &[Some(self.target.static_color_attachment(clear))],
                depth_stencil_attachment: Some(self.target.static_depth_attachment()),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            self.lines.draw_axes(&mut pass);
            self.surface.draw(&mut pass);
        }
        if let (Some((color, depth)), Some(pipeline)) = (self.target.static_depth_pass(), &self.surface_depth)
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("render.static.depth"),
                color_attachments: &[Some(color)],
                depth_stencil_attachment: Some(depth),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            self.surface.draw_with(&mut pass, pipeline);
        }
    }

    /// How many times the static layer (axes, surface) has been drawn: once per camera, size
    /// and look, not once per frame.
    pub fn static_layer_builds(&self) -> u64 {
        self.static_builds
    }

    /// Tick labels and axis names of the frame last rendered, for the overlay (projected with
    /// that frame's camera and size); empty when the axes are off.
    pub fn axis_labels(&self) -> &[ScreenLabel] {
        &self.labels
    }

    fn axes_style(&self) -> axes::AxesStyle {
        axes::AxesStyle {
            names: self.settings.axis_names.clone(),
            ..axes::AxesStyle::over(self.settings.background)
        }
    }

    fn frame_uniform(&self, frame: &FrameState<'_>, window: &TrailWindow) -> FrameUniform {
        let camera = frame.camera;
        let (w, h) = (self.target.width as f32, self.target.height as f32);
        let aspect = w / h;
        let s = &self.settings;
        let ui = s.ui_scale.max(0.1);
        let eye = match camera.projection {
            crate::camera::Projection::Perspective { .. } => camera.eye().extend(1.0),
            crate::camera::Projection::Orthographic { .. } => camera.eye_direction().extend(0.0),
        };
        // Light from the upper left, a little in front of the viewer.
        let (right, up, forward) = camera.basis();
        let light = (-0.45 * right + 0.75 * up.normalize() - 0.55 * forward).normalize();
        // Lift trails towards the eye: past the mesh's sag, and past the depth change across
        // the line's half width on a slope.
        let world_per_px = camera.view_height_at_target() / h;
        let (width_factor, trail_alpha) = trail_look(self.particles);
        let trail_width = s.trail_width_px * ui * width_factor;
        let half_px = 0.5 * trail_width + 1.5;
        let lift = (2.5 * self.sag_world + 1.5 * half_px * world_per_px).min(0.12);
        let margin = plot_box::HALF_EXTENT * 0.02 + Vec3::splat(1e-4);
        let (head_size, head_outline) = head_size(self.particles);
        let log_scale = LogColorScale::new(self.plot.min.z, self.plot.max.z);
        FrameUniform {
            clip_from_world: camera.clip_from_world(aspect).to_cols_array_2d(),
            view_from_world: camera.view_from_world().to_cols_array_2d(),
            clip_from_view: camera.clip_from_view(aspect).to_cols_array_2d(),
            world_from_data_scale: self.plot.world_from_data_scale().extend(0.0).to_array(),
            world_from_data_offset: self.plot.world_from_data_offset().extend(0.0).to_array(),
            clip_min: (-plot_box::HALF_EXTENT - margin).extend(0.0).to_array(),
            clip_max: (plot_box::HALF_EXTENT + margin).extend(0.0).to_array(),
            eye: eye.to_array(),
            light: light.extend(0.05).to_array(),
            viewport: [w, h, 1.0 / w, 1.0 / h],
            surface: [
                self.plot.min.z as f32,
                self.plot.max.z as f32,
                match s.color_scale {
                    ColorScale::Linear => self.contour_spacing,
                    ColorScale::Log => log_scale.contour_step as f32,
                },
                self.cells_per_grid_line,
            ],
            surface_style: [
                match (s.grid_lines, self.particle_layers().density_trails) {
                    (false, _) => 0.0,
                    // Mesh lines would compete with the density's texture.
                    (true, true) => 0.2,
                    (true, false) => 0.55,
                },
                if s.contours { 0.8 } else { 0.0 },
                ui,
                if self.particle_layers().density_trails {
                    DENSITY_SURFACE_MUTE
                } else {
                    0.0
                },
            ],
            mesh: [self.mesh_size[0], self.mesh_size[1], window.stride, 0],
            trail: [
                self.particles,
                0,
                self.lines.trail_capacity(),
                self.lines.record_every(),
            ],
            records: [window.first, window.head, window.source, window.segments],
            trail_style: [
                trail_width,
                if s.fade_trails { 1.0 } else { 0.0 },
                window.mix,
                lift,
            ],
            head_style: [head_size * ui, head_outline * ui, ui, trail_alpha],
            surface_scale: [
                f32::from(u8::from(s.color_scale == ColorScale::Log)),
                log_scale.eps as f32,
                log_scale.bottom as f32,
                log_scale.top as f32,
            ],
        }
    }
}

/// What the static layer depends on: the frame uniform's camera, box, light and surface
/// fields (everything before the trail fields, and the colour scale) and the settings'
/// generation.
#[derive(Clone, Debug, PartialEq)]
struct StaticKey {
    uniform: Vec<u8>,
    generation: u64,
    paint: u64,
}

impl StaticKey {
    fn of(uniform: &FrameUniform, generation: u64, paint: u64) -> Self {
        let bytes = bytemuck::bytes_of(uniform);
        let scale = std::mem::offset_of!(FrameUniform, surface_scale);
        let mut key = bytes[..std::mem::offset_of!(FrameUniform, mesh) + 8].to_vec();
        key.extend_from_slice(&bytes[scale..scale + 16]);
        Self {
            uniform: key,
            generation,
            paint,
        }
    }
}

/// The colour of each optimizer group (particles `g * starts_per_group ..`).
pub fn group_colors(sim: &Simulation) -> Vec<[u8; 4]> {
    let groups = sim
        .particle_count()
        .div_ceil(sim.starts_per_group().max(1))
        .max(1);
    (0..groups as usize).map(style::optimizer_color).collect()
}

/// eps of the log colour scale as a share of the surface's loss range: log10(f - min f + eps)
/// spans five decades, so a valley floor a millionth of the range deep still gets the
/// colormap's bottom tenth, while the mesh's own resolution sets what is actually seen.
pub const LOG_EPS_SHARE: f64 = 1e-5;

/// The log colour scale of a loss range [lo, hi]: eps, log10 at the colormap's bottom and
/// top, and a contour step in decades giving about 13 levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogColorScale {
    pub eps: f64,
    pub bottom: f64,
    pub top: f64,
    pub contour_step: f64,
}

impl LogColorScale {
    pub fn new(lo: f64, hi: f64) -> Self {
        let span = (hi - lo).abs().max(1e-30);
        let eps = span * LOG_EPS_SHARE;
        let (bottom, top) = (eps.log10(), (span + eps).log10());
        let (_, contour_step) = axes::nice_ticks(bottom, top, 13);
        Self {
            eps,
            bottom,
            top,
            contour_step,
        }
    }

    /// Where loss `f` falls on the colormap, 0..1.
    pub fn position(&self, lo: f64, f: f64) -> f64 {
        (((f - lo).max(0.0) + self.eps).log10() - self.bottom) / (self.top - self.bottom)
    }
}

/// The colour of each optimizer group of `scene`: its optimizer's, so a sweep's groups share
/// one colour as they share one legend row.
pub fn scene_group_colors(scene: &crate::scene::Scene) -> Vec<[u8; 4]> {
    scene
        .optimizers
        .iter()
        .enumerate()
        .flat_map(|(k, o)| std::iter::repeat_n(style::optimizer_color(k), o.group_count() as usize))
        .collect()
}

/// Trail width factor and opacity for a particle count: a swarm's trails get thin and
/// translucent so the surface and the flow stay readable.
pub fn trail_look(particles: u32) -> (f32, f32) {
    match particles {
        0..=64 => (1.0, 1.0),
        65..=1000 => (0.6, 0.7),
        1001..=20000 => (0.4, 0.3),
        _ => (0.4, 0.15),
    }
}

/// Head marker diameter and outline (px) for a particle count: big outlined dots for a few
/// particles, small plain dots for a swarm.
pub fn head_size(particles: u32) -> (f32, f32) {
    match particles {
        0..=64 => (8.0, 1.2),
        65..=1000 => (6.0, 0.9),
        1001..=20000 => (3.5, 0.0),
        _ => (2.5, 0.0),
    }
}

/// Mesh cells between grid lines: a divisor of `cells` giving 10 to 30 lines (20 preferred),
/// so lines fall on mesh vertices; else whatever gives about 20.
pub fn cells_per_grid_line(cells: u32) -> u32 {
    let cells = cells.max(1);
    (1..=cells)
        .filter(|d| cells.is_multiple_of(*d) && (10..=30).contains(&(cells / d)))
        .min_by_key(|d| (cells / d).abs_diff(20))
        .unwrap_or_else(|| (cells as f32 / 20.0).round().max(1.0) as u32)
}

/// Copies a texture (Rgba8 or Bgra8, `COPY_SRC`) to the CPU as RGBA, blocking; strips the
/// 256-byte row padding.
pub fn read_texture_rgba(gpu: &Gpu, texture: &wgpu::Texture) -> Result<image::RgbaImage, RenderError> {
    if !crate::gpu::readback::is_readable(texture.format()) {
        return Err(RenderError::Format(texture.format()));
    }
    let pixels = crate::gpu::readback::read_texture(gpu, texture)?;
    image::RgbaImage::from_raw(texture.width(), texture.height(), pixels)
        .ok_or_else(|| RenderError::Gpu(GpuError::Map("readback size mismatch".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(capacity: u32, record_every: u32) -> TrailPlan {
        TrailPlan {
            capacity,
            record_every,
        }
    }

    #[test]
    fn trail_window_interpolates_between_records() {
        // Every step recorded, 201 slots, sim at step 200, time 50.25.
        let w = TrailWindow::new(plan(201, 1), 200, 50.25);
        assert_eq!((w.first, w.head, w.source, w.segments), (0, 50, 0, 51));
        assert!((w.mix - 0.25).abs() < 1e-6);
        // The caller advanced to ceil(time) = 51: the head runs towards the particles.
        let w = TrailWindow::new(plan(201, 1), 51, 50.25);
        assert_eq!((w.head, w.source), (50, 0));
        let w = TrailWindow::new(plan(201, 1), 50, 50.0);
        assert_eq!((w.head, w.source, w.mix), (50, 1, 0.0));
        // Step 0: one (empty) head segment.
        let w = TrailWindow::new(plan(201, 1), 0, 0.0);
        assert_eq!((w.first, w.head, w.segments, w.mix), (0, 0, 1, 0.0));
    }

    #[test]
    fn trail_window_handles_decimation_and_wrap() {
        // Every 10th step, 5 slots: at step 95 records 5..=9 are kept.
        let w = TrailWindow::new(plan(5, 10), 95, 95.0);
        assert_eq!((w.first, w.head, w.source, w.segments), (5, 9, 1, 5));
        assert!((w.mix - 1.0).abs() < 1e-6);
        let w = TrailWindow::new(plan(5, 10), 95, 92.5);
        assert_eq!((w.head, w.source), (9, 1));
        assert!((w.mix - 0.5).abs() < 1e-6);
        // A time older than the ring shows its oldest record.
        let w = TrailWindow::new(plan(5, 10), 95, 3.0);
        assert_eq!((w.first, w.head, w.segments), (5, 5, 1));
        // No trail at all.
        assert_eq!(TrailWindow::new(plan(0, 1), 10, 5.0).source, 2);
    }

    #[test]
    fn trail_length_keeps_the_last_steps_behind_the_head() {
        let w = TrailWindow::new(plan(201, 1), 200, 120.5);
        assert_eq!(w.with_length(None, 1), w);
        let short = w.with_length(Some(30), 1);
        assert_eq!((short.first, short.head, short.segments), (90, 120, 31));
        assert_eq!((short.source, short.mix), (w.source, w.mix));
        // Longer than the history so far: all of it.
        assert_eq!(w.with_length(Some(500), 1), w);
        // Every 10th step recorded: 25 steps take 3 records.
        let d = TrailWindow::new(plan(21, 10), 200, 200.0).with_length(Some(25), 10);
        assert_eq!((d.first, d.head), (17, 20));
    }

    #[test]
    fn a_swarm_skips_records_within_its_budget() {
        let w = TrailWindow::new(plan(201, 1), 200, 200.0);
        assert_eq!(w.within_budget(100, 1_000_000), w);
        let lod = w.within_budget(10_000, 300_000);
        assert_eq!(lod.stride, 7);
        assert_eq!(lod.segments, 200usize.div_ceil(7) as u32 + 1);
        assert!(u64::from(lod.segments) * 10_000 <= 310_000);
        // The last drawn record is the head record: first + (segments - 1) * stride >= head.
        assert!(lod.first + (lod.segments - 1) * lod.stride >= lod.head);
    }

    #[test]
    fn grid_lines_fall_on_mesh_vertices() {
        assert_eq!(cells_per_grid_line(80), 4);
        assert_eq!(cells_per_grid_line(20), 1);
        assert_eq!(cells_per_grid_line(100), 5);
        assert_eq!(cells_per_grid_line(97), 5);
        assert_eq!(cells_per_grid_line(1), 1);
    }
}
