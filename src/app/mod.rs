//! The interactive window: winit drives the loop, egui lays out the side panel and the
//! viewport, and the viewport shows the frame the shared renderer drew offscreen (the same
//! pixels `descent render` and the record key write).
//!
//! Frame: poll input -> egui builds the UI (the viewer steps the simulation and renders its
//! frame while laying out the viewport) -> egui paints panel + frame onto the swapchain.
//!
//! - `viewer.rs`: the run, playback and recording state; `viewer_ui.rs`: the panel sections
//!   and viewport it lays out; `pointer.rs`: orbit, pan, zoom and picking with the pointer;
//! - `panel.rs`: the scene editor (surface, optimizers, starts); `loss.rs`: the loss plot's
//!   statistics; `input.rs`: keys and drags as actions; `picking.rs`: rays against the surface;
//! - `blit.rs`, `panel_cache.rs`: the frame and the panel copied into the window;
//!   `recording.rs`: F9's frames; in the page `page_capture.rs` (its picture of itself),
//!   `page_widgets.rs` (the panel's widgets for scripts) and `training.rs` (a model scene
//!   trained without blocking).

mod blit;
pub mod input;
pub mod loss;
pub mod offscreen;
#[cfg(target_arch = "wasm32")]
pub mod page_capture;
#[cfg(target_arch = "wasm32")]
pub mod page_widgets;
pub mod panel;
pub mod panel_cache;
pub mod picking;
mod pointer;
#[cfg(not(target_arch = "wasm32"))]
pub mod recording;
#[cfg(target_arch = "wasm32")]
#[path = "recording_page.rs"]
pub mod recording;
#[cfg(target_arch = "wasm32")]
mod training;
pub mod viewer;
mod viewer_ui;

use std::sync::Arc;

use anyhow::{Context, Result};
use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use crate::gpu::{AdapterPreference, Gpu};
use viewer::{Viewer, ViewerOptions};

/// Opens the window and runs until it is closed (or `options.exit_after_frames`).
#[cfg(not(target_arch = "wasm32"))]
pub fn run(viewer_options: ViewerOptions) -> Result<()> {
    let event_loop = EventLoop::<AppEvent>::with_user_event()
        .build()
        .context("cannot open a window (is a display available? DISPLAY / WAYLAND_DISPLAY)")?;
    event_loop.set_control_flow(ControlFlow::Poll);
    let mut app = App::new(viewer_options, None);
    event_loop.run_app(&mut app).context("window event loop")?;
    if let Some(r) = app.running.as_ref()
        && r.viewer.should_exit()
    {
        eprintln!(
            "{}, side panel drawn {} times",
            r.viewer.report(),
            r.panel_cache.draws()
        );
    }
    match app.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs the window in the page's canvas `canvas`: returns at once, the browser drives the
/// loop. `hook` sees the viewer after every frame (the page keeps its URL with the scene);
/// `failed` is told why, when the page cannot start or stops.
#[cfg(target_arch = "wasm32")]
pub fn run_in_page(
    viewer_options: ViewerOptions,
    canvas: web_sys::HtmlCanvasElement,
    hook: FrameHook,
    failed: Box<dyn Fn(String)>,
) -> Result<()> {
    use winit::platform::web::EventLoopExtWebSys;
    let event_loop = EventLoop::<AppEvent>::with_user_event()
        .build()
        .context("cannot start the page's event loop")?;
    event_loop.set_control_flow(ControlFlow::Poll);
    let mut app = App::new(viewer_options, Some(hook));
    // The one way into the sleeping loop: a readback came (plots, maps, colours by outcome), a
    // capture was asked for, or a frame the GPU held back can now be drawn.
    let proxy = event_loop.create_proxy();
    crate::gpu::later::set_waker(Box::new(move || {
        let _ = proxy.send_event(AppEvent::Wake);
    }));
    app.page = Some(Page {
        canvas,
        proxy: event_loop.create_proxy(),
        failed,
    });
    event_loop.spawn_app(app);
    Ok(())
}

/// The window's title: the scene's title, else its surface.
pub fn window_title(scene: &crate::scene::Scene) -> String {
    format!(
        "descent: {}",
        scene.title.as_deref().unwrap_or(&scene.surface.name)
    )
}

/// What a host runs after every frame, with the viewer (the page keeps its URL with the scene).
pub type FrameHook = Box<dyn FnMut(&Viewer, &Gpu)>;

/// What the page's start, which waits for the browser's GPU, hands the event loop.
pub enum AppEvent {
    Started(Box<Started>),
    Failed(String),
    /// The page wants a frame: a readback came or the GPU caught up (the next frame shows it,
    /// coalesced with frames already asked for), or a capture waits (drawn at once).
    Wake,
}

/// A window with its GPU and surface, ready for the viewer.
pub struct Started {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    gpu: Gpu,
}

struct App {
    options: Option<ViewerOptions>,
    running: Option<Running>,
    error: Option<anyhow::Error>,
    /// Called after every frame with the viewer (the page's URL follows the scene).
    hook: Option<FrameHook>,
    #[cfg(target_arch = "wasm32")]
    page: Option<Page>,
}

/// The page's side of the loop: its canvas, a way back into the loop for the GPU that comes
/// later, and where to say why it stopped.
#[cfg(target_arch = "wasm32")]
struct Page {
    canvas: web_sys::HtmlCanvasElement,
    proxy: winit::event_loop::EventLoopProxy<AppEvent>,
    failed: Box<dyn Fn(String)>,
}

struct Running {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    gpu: Gpu,
    egui_state: egui_winit::State,
    egui_renderer: egui_wgpu::Renderer,
    panel_cache: panel_cache::PanelCache,
    /// Copies the 3D view into the window before egui draws the panel.
    blit: blit::Blit,
    viewer: Viewer,
    /// The title the window shows, followed when the panel changes the scene.
    title: String,
    /// Minimised or zero-sized: nothing to draw into.
    hidden: bool,
    /// When egui wants its next frame (an animation, a tooltip's delay); None: on input only.
    egui_repaint: Option<web_time::Instant>,
    /// The page's frames the GPU has not finished. A browser's canvas does not hold the page
    /// back the way a window's present does: on a slow adapter frames would queue up without
    /// end, and every readback behind them.
    #[cfg(target_arch = "wasm32")]
    frames_on_gpu: Arc<std::sync::atomic::AtomicU32>,
    /// A frame was asked for while the GPU was behind: the next finished frame wakes the loop
    /// for it. Only then: a wake after every frame would draw forever, idle or not.
    #[cfg(target_arch = "wasm32")]
    frame_held_back: Arc<std::sync::atomic::AtomicBool>,
}

/// Frames the page lets the GPU hold at once: one drawn while the last is finished.
#[cfg(target_arch = "wasm32")]
const PAGE_FRAMES_AHEAD: u32 = 2;

impl App {
    fn new(options: ViewerOptions, hook: Option<FrameHook>) -> Self {
        Self {
            options: Some(options),
            running: None,
            error: None,
            hook,
            #[cfg(target_arch = "wasm32")]
            page: None,
        }
    }

    /// The native window: everything at once (the GPU is asked for and waited on).
    #[cfg(not(target_arch = "wasm32"))]
    fn start(&mut self, event_loop: &ActiveEventLoop) -> Result<Running> {
        let options = self.options.as_ref().context("the window was started twice")?;
        let attributes = Window::default_attributes()
            .with_title(window_title(&options.scene))
            .with_inner_size(winit::dpi::LogicalSize::new(options.size[0], options.size[1]));
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .context("cannot create the window")?,
        );
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(
            Box::new(event_loop.owned_display_handle()),
        ));
        let surface = instance
            .create_surface(window.clone())
            .context("cannot create a GPU surface for the window")?;
        let gpu = Gpu::with_instance(instance, AdapterPreference::HighPerformance, Some(&surface))?;
        self.finish_start(Started { window, surface, gpu })
    }

    /// The page: the canvas's window and surface now, the GPU when the browser gives it (a
    /// `Started` event then finishes the start).
    #[cfg(target_arch = "wasm32")]
    fn start(&mut self, event_loop: &ActiveEventLoop) -> Result<Running> {
        use winit::platform::web::WindowAttributesExtWebSys;
        let page = self.page.as_ref().context("the page was started twice")?;
        let attributes = Window::default_attributes()
            .with_canvas(Some(page.canvas.clone()))
            .with_prevent_default(true)
            .with_focusable(true);
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .context("cannot use the page's canvas")?,
        );
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::BROWSER_WEBGPU,
            ..wgpu::InstanceDescriptor::new_without_display_handle_from_env()
        });
        let surface = instance
            .create_surface(window.clone())
            .context("cannot draw into the page's canvas")?;
        let proxy = page.proxy.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let event =
                match Gpu::with_instance_async(instance, AdapterPreference::HighPerformance, Some(&surface))
                    .await
                {
                    Ok(gpu) => AppEvent::Started(Box::new(Started { window, surface, gpu })),
                    Err(e) => AppEvent::Failed(format!("{e}")),
                };
            let _ = proxy.send_event(event);
        });
        anyhow::bail!(PENDING)
    }

    fn finish_start(&mut self, started: Started) -> Result<Running> {
        let Started { window, surface, gpu } = started;
        let options = self.options.take().context("the window was started twice")?;
        let size = window.inner_size();
        let mut config = surface
            .get_default_config(&gpu.adapter, size.width.max(1), size.height.max(1))
            .context("the window surface is not supported by this adapter")?;
        // egui blends in gamma space and expects a non-sRGB framebuffer (it encodes itself).
        let caps = surface.get_capabilities(&gpu.adapter);
        if let Some(f) = caps.formats.iter().find(|f| !f.is_srgb()) {
            config.format = *f;
        }
        // Mailbox/Immediate keep input-to-photon within a frame on software adapters; Fifo is
        // the fallback every platform has.
        config.present_mode = [wgpu::PresentMode::Mailbox, wgpu::PresentMode::Immediate]
            .into_iter()
            .find(|m| caps.present_modes.contains(m))
            .unwrap_or(wgpu::PresentMode::Fifo);
        config.desired_maximum_frame_latency = 1;
        // The 3D view is copied into the window (app::blit) when the surface takes copies.
        if caps.usages.contains(wgpu::TextureUsages::COPY_DST) {
            config.usage |= wgpu::TextureUsages::COPY_DST;
        }
        surface.configure(&gpu.device, &config);

        let egui_ctx = egui::Context::default();
        let egui_state = egui_winit::State::new(
            egui_ctx,
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            Some(gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let egui_renderer =
            egui_wgpu::Renderer::new(&gpu.device, config.format, egui_wgpu::RendererOptions::default());
        let mut options = options;
        // Render the 3D view in the window's channel order, so that it is copied, not drawn.
        if config.format.remove_srgb_suffix() == wgpu::TextureFormat::Bgra8Unorm {
            options.settings.color_format = wgpu::TextureFormat::Bgra8UnormSrgb;
        }
        let viewer = Viewer::new(&gpu, options)?;
        let blit = blit::Blit::new(&gpu, config.format, config.usage);
        Ok(Running {
            blit,
            window,
            surface,
            config,
            gpu,
            egui_state,
            egui_renderer,
            panel_cache: panel_cache::PanelCache::default(),
            title: window_title(viewer.scene()),
            viewer,
            hidden: false,
            egui_repaint: None,
            #[cfg(target_arch = "wasm32")]
            frames_on_gpu: Default::default(),
            #[cfg(target_arch = "wasm32")]
            frame_held_back: Default::default(),
        })
    }
}

/// The page's start returns this while it waits for the browser's GPU.
#[cfg(target_arch = "wasm32")]
const PENDING: &str = "waiting for the GPU";

impl App {
    fn stop(&mut self, event_loop: &ActiveEventLoop, e: anyhow::Error) {
        #[cfg(target_arch = "wasm32")]
        if let Some(page) = &self.page {
            (page.failed)(format!("{e:#}"));
        }
        self.error = Some(e);
        event_loop.exit();
    }
}

impl ApplicationHandler<AppEvent> for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.running.is_some() || self.options.is_none() {
            return;
        }
        match self.start(event_loop) {
            Ok(r) => self.running = Some(r),
            #[cfg(target_arch = "wasm32")]
            Err(e) if e.to_string() == PENDING => {}
            Err(e) => self.stop(event_loop, e),
        }
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: AppEvent) {
        let result = match event {
            AppEvent::Started(started) => self.finish_start(*started),
            AppEvent::Failed(why) => Err(anyhow::anyhow!(why)),
            AppEvent::Wake => {
                // A capture is drawn at once: a page whose run has ended gets no redraw from the
                // browser for a request made here (winit's web loop waits for input).
                #[cfg(target_arch = "wasm32")]
                if page_capture::pending() {
                    if self.running.is_some()
                        && let Err(e) = self.handle(event_loop, WindowEvent::RedrawRequested)
                    {
                        self.stop(event_loop, e);
                    }
                    return;
                }
                if let Some(r) = self.running.as_ref() {
                    r.window.request_redraw();
                }
                return;
            }
        };
        match result {
            Ok(r) => {
                r.window.request_redraw();
                self.running = Some(r);
            }
            Err(e) => self.stop(event_loop, e),
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        if let Err(e) = self.handle(event_loop, event) {
            self.stop(event_loop, e);
        }
    }

    /// Draws only when something changes: while the viewer animates, when egui asks (input
    /// events ask through `window_event`), else the loop sleeps until the next event.
    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        self.schedule(event_loop);
    }
}

impl App {
    fn handle(&mut self, event_loop: &ActiveEventLoop, event: WindowEvent) -> Result<()> {
        let Some(r) = self.running.as_mut() else {
            return Ok(());
        };
        let response = r.egui_state.on_window_event(&r.window, &event);
        // winit's web backend gives every finger its own device (its pointer id), so egui
        // would see one touch per device and never two fingers: one device, as a phone is.
        #[cfg(target_arch = "wasm32")]
        if matches!(event, WindowEvent::Touch(_)) {
            for e in &mut r.egui_state.egui_input_mut().events {
                if let egui::Event::Touch { device_id, .. } = e {
                    *device_id = egui::TouchDeviceId(0);
                }
            }
        }
        // egui-winit asks to repaint after every event, a redraw included: that alone would
        // draw forever. Input asks; a redraw does not ask for the next one.
        let repaint = response.repaint && !matches!(event, WindowEvent::RedrawRequested);
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                r.hidden = size.width == 0 || size.height == 0;
                if !r.hidden {
                    r.config.width = size.width;
                    r.config.height = size.height;
                    r.surface.configure(&r.gpu.device, &r.config);
                }
            }
            WindowEvent::Occluded(occluded) => r.hidden = occluded,
            // A page's frame waits while the GPU is behind (asked again when a frame is done).
            WindowEvent::RedrawRequested if r.gpu_is_behind() => r.hold_back_frame(),
            WindowEvent::RedrawRequested => {
                r.redraw()?;
                if let Some(hook) = self.hook.as_mut() {
                    hook(&r.viewer, &r.gpu);
                }
                if r.viewer.should_exit() {
                    event_loop.exit();
                }
            }
            _ => {}
        }
        if repaint {
            r.window.request_redraw();
        }
        Ok(())
    }

    fn schedule(&mut self, event_loop: &ActiveEventLoop) {
        let Some(r) = self.running.as_ref() else { return };
        let now = web_time::Instant::now();
        // A page draws on while a capture or a readback waits (see `gpu::later::in_flight`).
        #[cfg(target_arch = "wasm32")]
        let waiting = page_capture::pending() || crate::gpu::later::in_flight();
        #[cfg(not(target_arch = "wasm32"))]
        let waiting = false;
        if waiting || r.viewer.is_animating() || r.egui_repaint.is_some_and(|at| at <= now) {
            r.window.request_redraw();
            event_loop.set_control_flow(ControlFlow::Poll);
        } else if let Some(at) = r.egui_repaint {
            event_loop.set_control_flow(ControlFlow::WaitUntil(at));
        } else {
            event_loop.set_control_flow(ControlFlow::Wait);
        }
    }
}

impl Running {
    fn gpu_is_behind(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            self.frames_on_gpu.load(std::sync::atomic::Ordering::Relaxed) >= PAGE_FRAMES_AHEAD
        }
        #[cfg(not(target_arch = "wasm32"))]
        false
    }

    /// Remembers a frame not drawn because the GPU was behind (see `frame_held_back`).
    fn hold_back_frame(&self) {
        #[cfg(target_arch = "wasm32")]
        self.frame_held_back
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn redraw(&mut self) -> Result<()> {
        #[cfg(target_arch = "wasm32")]
        let hidden = self.hidden && !page_capture::pending();
        #[cfg(not(target_arch = "wasm32"))]
        let hidden = self.hidden;
        if hidden {
            // Keep simulating while minimised, but draw nothing (a page capture still draws).
            self.viewer.idle(&self.gpu);
            return Ok(());
        }
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                // The surface went stale (resize race, display change): rebuild it and go on.
                self.surface.configure(&self.gpu.device, &self.config);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => return Ok(()),
            other => anyhow::bail!("the window surface failed: {other:?}"),
        };
        // A page capture draws this frame into a texture of its own, read back, then copied
        // into the canvas (a headless browser may not composite its canvas at all).
        #[cfg(target_arch = "wasm32")]
        let capture = page_capture::take().map(|done| (page_capture::target(&self.gpu, &self.config), done));
        #[cfg(target_arch = "wasm32")]
        let target = capture.as_ref().map_or(&frame.texture, |(t, _)| t);
        #[cfg(not(target_arch = "wasm32"))]
        let target = &frame.texture;
        let raw_input = self.egui_state.take_egui_input(&self.window);
        let ctx = self.egui_state.egui_ctx().clone();
        #[cfg(target_arch = "wasm32")]
        if page_widgets::wanted() {
            ctx.enable_accesskit();
        }
        let mut full_output = ctx.run_ui(raw_input, |ui| {
            self.viewer.ui(ui, &self.gpu);
        });
        #[cfg(target_arch = "wasm32")]
        if let Some(update) = full_output.platform_output.accesskit_update.take() {
            let ppp = full_output.pixels_per_point;
            let css_per_point = f64::from(ppp) / self.window.scale_factor();
            // The frame's insets (sweep maps, data views) in window points.
            let origin = self.viewer.viewport().min.to_vec2();
            let insets: Vec<egui::Rect> = self
                .viewer
                .overlay_layout()
                .insets
                .iter()
                .map(|r| egui::Rect::from_min_max(r.min / ppp, r.max / ppp).translate(origin))
                .collect();
            page_widgets::record(&update, css_per_point, &insets);
        }
        self.egui_state
            .handle_platform_output(&self.window, full_output.platform_output);
        let title = window_title(self.viewer.scene());
        if title != self.title {
            self.window.set_title(&title);
            self.title = title;
        }
        self.egui_repaint = full_output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .and_then(|v| web_time::Instant::now().checked_add(v.repaint_delay));
        let paint_jobs = ctx.tessellate(full_output.shapes, full_output.pixels_per_point);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [self.config.width, self.config.height],
            pixels_per_point: full_output.pixels_per_point,
        };
        // egui 0.37 may send several deltas per texture in a frame; they apply in order, and
        // the set must be drained (egui asserts that none is dropped unapplied).
        let textures_changed = !full_output.textures_delta.set.is_empty();
        #[allow(clippy::iter_over_hash_type)] // textures are independent of each other
        for (id, deltas) in full_output.textures_delta.set.drain() {
            for delta in &deltas {
                self.egui_renderer
                    .update_texture(&self.gpu.device, &self.gpu.queue, id, delta);
            }
        }
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("window.encoder"),
            });
        let extra = self.egui_renderer.update_buffers(
            &self.gpu.device,
            &self.gpu.queue,
            &mut encoder,
            &paint_jobs,
            &screen,
        );
        self.blit
            .draw(&self.gpu, &mut encoder, target, self.viewer.window_frame());
        // The panel's rectangle through its cache when egui drew nothing else (copies into the
        // window need COPY_DST, as the blit's copy does).
        let panel = self
            .viewer
            .panel_rect()
            .filter(|_| self.config.usage.contains(wgpu::TextureUsages::COPY_DST))
            .map(|r| {
                panel_cache::pixel_rect(
                    r,
                    screen.pixels_per_point,
                    [self.config.width, self.config.height],
                )
            });
        let cached = self.panel_cache.draw(
            &self.gpu,
            &mut encoder,
            &self.egui_renderer,
            &paint_jobs,
            &screen,
            textures_changed,
            target,
            panel,
        );
        if !cached {
            let view = target.create_view(&wgpu::TextureViewDescriptor::default());
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("window.egui"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    resolve_target: None,
                    depth_slice: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Load,
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            self.egui_renderer
                .render(&mut pass.forget_lifetime(), &paint_jobs, &screen);
        }
        #[cfg(target_arch = "wasm32")]
        let capture = capture.map(|(texture, done)| {
            page_capture::finish(&self.gpu, &mut encoder, texture, &frame.texture, done)
        });
        self.gpu.queue.submit(extra.into_iter().chain([encoder.finish()]));
        #[cfg(target_arch = "wasm32")]
        {
            use std::sync::atomic::Ordering::Relaxed;
            let on_gpu = self.frames_on_gpu.clone();
            let held_back = self.frame_held_back.clone();
            on_gpu.fetch_add(1, Relaxed);
            self.gpu.queue.on_submitted_work_done(move || {
                on_gpu.fetch_sub(1, Relaxed);
                if held_back.swap(false, Relaxed) {
                    crate::gpu::later::wake();
                }
            });
        }
        #[cfg(target_arch = "wasm32")]
        if let Some(read) = capture {
            read();
        }
        self.window.pre_present_notify();
        self.gpu.queue.present(frame);
        #[allow(clippy::iter_over_hash_type)]
        for id in full_output.textures_delta.free.drain() {
            self.egui_renderer.free_texture(&id);
        }
        if let Some(fault) = self.gpu.take_fault() {
            return Err(fault.into());
        }
        Ok(())
    }
}
