//! [`Renderer`]: owns the target and every pipeline, all built once in [`Renderer::new`]. A
//! frame is drawn in layers, in order: the static layer (axes, surface, plot grounds; cached
//! while the camera, size and look stay, see [`super::target`]), the moving layer (trails,
//! density, heads, markers) depth-tested against it, then the overlay, which the caller draws.

use glam::Vec3;

use super::gpu_data::FrameUniform;
use super::overlay::style::{self, ScreenLabel};
use super::{
    ColorScale, DENSITY_SURFACE_MUTE, FrameState, LogColorScale, ParticleLayers, PlotBox, RenderError,
    RenderSettings, RenderTarget, TrailWindow, axes, cells_per_grid_line, density, head_size, lines, markers,
    particles, plot_box, surface, trail_look,
};
use crate::gpu::Gpu;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{Simulation, TrailPlan};
use crate::surfaces::Surface;

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
    /// The axis lines of the last static layer, in pixels (see [`axes::AxesGeometry`]).
    axis_lines: Vec<[f32; 4]>,
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
                entries: &[crate::gpu::pipeline::buffer_entry(
                    0,
                    wgpu::ShaderStages::VERTEX_FRAGMENT,
                    wgpu::BufferBindingType::Storage { read_only: true },
                    Some(size_of::<FrameUniform>() as u64),
                )],
            });
        let frame_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("render.frame"),
            size: size_of::<FrameUniform>() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
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
        if let Some(e) = crate::gpu::context::scope_error(scope) {
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
            axis_lines: Vec::new(),
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
            self.axis_lines = axes
                .as_mut()
                .map(|a| std::mem::take(&mut a.axis_lines))
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

    /// The axis lines of the last frame, `[x0, y0, x1, y1]` in pixels.
    pub fn axis_lines(&self) -> &[[f32; 4]] {
        &self.axis_lines
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
