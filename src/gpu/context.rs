//! The GPU context: instance, adapter, device and queue, chosen once and shared by the
//! simulation, the mesh and every renderer.
//!
//! Adapter choice: `WGPU_BACKEND` narrows the backends, `WGPU_ADAPTER_NAME` picks an adapter
//! by case-insensitive substring (an unknown name is an error listing what exists, never the
//! panic of `wgpu::util::initialize_adapter_from_env`), otherwise a real GPU is preferred over
//! a software one. With no adapter at all the error says how to get one on Linux.

use std::sync::{Arc, Mutex};

use thiserror::Error;

/// Which kind of adapter to prefer when several are present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdapterPreference {
    /// Discrete, then integrated, then virtual, then software (the default for users).
    #[default]
    HighPerformance,
    /// A CPU (software) adapter such as lavapipe first: deterministic output for tests and goldens.
    Software,
}

#[derive(Debug, Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found (backends: {backends}).\n\
         descent needs Vulkan, Metal, DX12 or OpenGL. On Debian/Ubuntu without a GPU, install the \
         software Vulkan driver:\n    sudo apt-get install mesa-vulkan-drivers libvulkan1\n\
         then, if it is still not found, point the loader at it:\n    \
         export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
    )]
    NoAdapter { backends: String },
    #[error(
        "no adapter found can run descent: {adapter} ({backend}) lacks {missing}.\n\
         On Debian/Ubuntu without a GPU, install the software Vulkan driver:\n    \
         sudo apt-get install mesa-vulkan-drivers libvulkan1"
    )]
    Unsupported {
        adapter: String,
        backend: String,
        missing: String,
    },
    #[error("WGPU_ADAPTER_NAME={wanted:?} matches no adapter; found: {found}")]
    AdapterNameNotFound { wanted: String, found: String },
    #[error("could not open the GPU device on {adapter}: {source}")]
    RequestDevice {
        adapter: String,
        #[source]
        source: wgpu::RequestDeviceError,
    },
    #[error("GPU error: {0}")]
    Uncaptured(String),
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),
    #[error("GPU buffer mapping failed: {0}")]
    Map(String),
}

/// A wgpu error on one line, with its causes (wgpu's text puts them on lines of their own).
pub fn describe_error(e: &wgpu::Error) -> String {
    let text = match e {
        wgpu::Error::OutOfMemory { source } => format!("out of GPU memory: {source}"),
        other => other.to_string(),
    };
    // "Validation Error\n\nCaused by:\n  In X\n    reason\n" -> one line.
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "Caused by:")
        .collect::<Vec<_>>()
        .join(": ")
}

/// Everything needed to talk to one GPU. A clone is another handle to the same context (a
/// page's work that outlives a frame holds one).
#[derive(Clone)]
pub struct Gpu {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Errors raised outside an error scope (validation, out of memory), and device loss,
    /// kept so that long runs can report them instead of panicking in a wgpu callback.
    faults: Arc<Mutex<Vec<GpuError>>>,
    /// Pipeline sets made by [`Gpu::cached_pipelines`], by the hash of what made them, oldest
    /// first.
    pipelines: Arc<Mutex<Vec<(u64, PipelineSet)>>>,
}

/// A bind group layout and the compute pipelines made over it.
pub type PipelineSet = (wgpu::BindGroupLayout, Vec<wgpu::ComputePipeline>);

/// Pipeline sets a context keeps (a model scene's kernels, one per optimizer kind and batch
/// kind it was run with).
const KEPT_PIPELINE_SETS: usize = 8;

impl Gpu {
    /// Opens a headless context (no window surface needed).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new(preference: AdapterPreference) -> Result<Self, GpuError> {
        // Vulkan/Metal/DX12 first; GL only when none of those has an adapter (probing EGL
        // logs errors on machines without it, and GL lacks features we may use).
        let explicit = wgpu::Backends::from_env();
        let tiers = match explicit {
            Some(b) => vec![b],
            None => vec![wgpu::Backends::PRIMARY, wgpu::Backends::SECONDARY],
        };
        let mut last = None;
        for backends in tiers {
            let desc = wgpu::InstanceDescriptor {
                backends,
                ..wgpu::InstanceDescriptor::new_without_display_handle_from_env()
            };
            match Self::with_instance(wgpu::Instance::new(desc), preference, None) {
                Err(GpuError::NoAdapter { .. }) => last = Some(backends),
                other => return other,
            }
        }
        Err(GpuError::NoAdapter {
            backends: format!("{:?}", explicit.or(last).unwrap_or(wgpu::Backends::all())),
        })
    }

    /// Opens a context on an existing instance, optionally compatible with a window surface.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_instance(
        instance: wgpu::Instance,
        preference: AdapterPreference,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Self, GpuError> {
        pollster::block_on(Self::with_instance_async(instance, preference, surface))
    }

    /// [`Self::with_instance`] as a future: a page cannot block while the browser answers.
    pub async fn with_instance_async(
        instance: wgpu::Instance,
        preference: AdapterPreference,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Self, GpuError> {
        let backends = wgpu::Backends::all();
        let mut adapters = instance.enumerate_adapters(backends).await;
        if let Some(surface) = surface {
            adapters.retain(|a| a.is_surface_supported(surface));
        }
        // A browser offers one adapter, through `request_adapter` only.
        #[cfg(target_arch = "wasm32")]
        if adapters.is_empty()
            && let Ok(a) = instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::HighPerformance,
                    force_fallback_adapter: false,
                    compatible_surface: surface,
                    ..Default::default()
                })
                .await
        {
            adapters.push(a);
        }
        let adapter = pick_adapter(adapters, preference, std::env::var("WGPU_ADAPTER_NAME").ok()).map_err(
            |e| match e {
                GpuError::NoAdapter { .. } => GpuError::NoAdapter {
                    backends: format!("{backends:?}"),
                },
                other => other,
            },
        )?;
        let info = adapter.get_info();
        log::info!(
            "adapter: {} ({:?}, {:?})",
            info.name,
            info.device_type,
            info.backend
        );

        // Ask for everything the adapter can do: big particle and trail buffers need its real
        // storage-binding and buffer limits, not WebGPU's portable defaults.
        let required_limits = adapter.limits();
        // Float32 blending lets the density layer count exactly (to 2^24) in 32-bit targets.
        let required_features =
            adapter.features() & (wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::FLOAT32_BLENDABLE);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("descent.device"),
                required_features,
                required_limits,
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::Performance,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|source| GpuError::RequestDevice {
                adapter: info.name.clone(),
                source,
            })?;

        let faults: Arc<Mutex<Vec<GpuError>>> = Arc::default();
        let sink = faults.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let message = describe_error(&e);
            log::error!("{message}");
            if let Ok(mut f) = sink.lock() {
                f.push(GpuError::Uncaptured(message));
            }
        }));
        let sink = faults.clone();
        // Destroyed too: descent never destroys its device while using it, so a loss of either
        // kind mid-run is worth reporting (at drop nobody reads the faults any more).
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut f) = sink.lock() {
                let why = if message.is_empty() {
                    format!("{reason:?}")
                } else {
                    format!("{reason:?}: {message}")
                };
                f.push(GpuError::DeviceLost(why));
            }
        });
        Ok(Self {
            instance,
            adapter,
            device,
            queue,
            faults,
            pipelines: Arc::default(),
        })
    }

    /// The pipelines `make` builds, made once per context for `key` (a hash of everything
    /// they are made from: source, entry points, constants). A model map trains in chunks,
    /// each of which made its pipelines again: a lookup in the driver's cache at best, 150 ms
    /// for the width-16 trainability network on lavapipe, as long as training the chunk.
    pub fn cached_pipelines<E>(
        &self,
        key: u64,
        make: impl FnOnce() -> Result<PipelineSet, E>,
    ) -> Result<PipelineSet, E> {
        let kept =
            |cache: &Vec<(u64, PipelineSet)>| cache.iter().find(|(k, _)| *k == key).map(|(_, p)| p.clone());
        if let Some(set) = kept(&self.pipelines.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(set);
        }
        let set = make()?;
        let mut cache = self.pipelines.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= KEPT_PIPELINE_SETS {
            cache.remove(0);
        }
        cache.push((key, set.clone()));
        Ok(set)
    }

    /// A one-line description of the adapter, for logs and benchmark output.
    pub fn adapter_name(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?}, {:?})", info.name, info.device_type, info.backend)
    }

    /// Returns the first error the device reported since the last call, if any; a lost
    /// device first, since it is the cause of whatever failed after it.
    pub fn take_fault(&self) -> Option<GpuError> {
        let mut faults = self.faults.lock().ok()?;
        let first = faults
            .iter()
            .position(|f| matches!(f, GpuError::DeviceLost(_)))
            .unwrap_or(0);
        (!faults.is_empty()).then(|| faults.remove(first))
    }

    /// Blocks until all submitted work is done, surfacing device faults as errors.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::DeviceLost(e.to_string()))?;
        match self.take_fault() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// [`Self::wait`] as a future: resolves when the work submitted so far is done (a page
    /// cannot block; natively it has waited before it returns).
    pub async fn done_async(&self) -> Result<(), GpuError> {
        let (tx, rx) = futures_channel::oneshot::channel();
        self.queue.on_submitted_work_done(move || {
            let _ = tx.send(());
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.wait()?;
        rx.await.map_err(|e| GpuError::DeviceLost(e.to_string()))?;
        match self.take_fault() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Waits for the queue to drain, ignoring faults: for a context kept in a static, which is
    /// never dropped, at process exit. lavapipe runs submissions on its own thread and compiles
    /// shader variants with LLVM as it draws; a process that exits with work in flight tears
    /// LLVM down under that thread (a SIGSEGV after every test passed, seen on CI).
    pub fn drain(&self) {
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
    }

    /// Copies `size` bytes of `src` (which needs `COPY_SRC`) to the CPU, blocking.
    pub fn read_buffer(&self, src: &wgpu::Buffer, offset: u64, size: u64) -> Result<Vec<u8>, GpuError> {
        map_read(self, &self.stage("descent.readback", &[(src, offset, size)]))
    }

    /// [`Self::read_buffer`] as a future (see [`map_read_async`]).
    pub async fn read_buffer_async(
        &self,
        src: &wgpu::Buffer,
        offset: u64,
        size: u64,
    ) -> Result<Vec<u8>, GpuError> {
        let staging = self.stage("descent.readback", &[(src, offset, size)]);
        let mapped = map_read_async(&staging);
        #[cfg(not(target_arch = "wasm32"))]
        self.wait()?;
        mapped.await
    }

    /// A mappable buffer holding the (buffer, offset, size) `ranges` one after another, the
    /// copies submitted. Offsets and sizes must be multiples of 4.
    pub(super) fn stage(&self, label: &str, ranges: &[(&wgpu::Buffer, u64, u64)]) -> wgpu::Buffer {
        let total: u64 = ranges.iter().map(|r| r.2).sum();
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        let mut at = 0;
        for &(src, offset, size) in ranges {
            encoder.copy_buffer_to_buffer(src, offset, &staging, at, size);
            at += size;
        }
        self.queue.submit([encoder.finish()]);
        staging
    }

    /// Reads several (buffer, offset, size) ranges in one submission, concatenated in order:
    /// a few scattered records without reading what lies between them. Offsets and sizes
    /// must be multiples of 4.
    pub fn read_ranges(&self, ranges: &[(&wgpu::Buffer, u64, u64)]) -> Result<Vec<u8>, GpuError> {
        let total: u64 = ranges.iter().map(|r| r.2).sum();
        if total == 0 {
            return Ok(Vec::new());
        }
        map_read(self, &self.stage("descent.readback.ranges", ranges))
    }
}

impl Gpu {
    /// Records and submits one compute dispatch of `pipeline` with `bind_group` at group 0.
    pub fn dispatch(
        &self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        bind_group: &wgpu::BindGroup,
        groups: [u32; 3],
    ) {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(label),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, bind_group, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        }
        self.queue.submit([encoder.finish()]);
    }
}

/// Maps a `MAP_READ` buffer, copies its bytes out and unmaps it. Natively `wait` has run the
/// map's callback, so blocking on it returns at once; a page cannot block, so there this is an
/// error and the page reads back through [`map_read_async`].
pub fn map_read(gpu: &Gpu, staging: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mapped = map_read_async(staging);
        gpu.wait()?;
        pollster::block_on(mapped)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = (gpu, staging);
        Err(GpuError::Map(
            "the GPU's answer is not ready (a page reads back asynchronously)".into(),
        ))
    }
}

/// The error `scope` caught, if any. Natively it waits for the device's answer; a page cannot
/// wait, so there the answer is logged when it comes and `None` returned (a shader the page
/// cannot build still fails its first use, and the device's uncaptured errors are kept).
pub fn scope_error(scope: wgpu::ErrorScopeGuard) -> Option<wgpu::Error> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        pollster::block_on(scope.pop())
    }
    #[cfg(target_arch = "wasm32")]
    {
        // Popped now (scopes must pop in the order they were pushed), answered later.
        let answer = scope.pop();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(e) = answer.await {
                log::error!("{}", describe_error(&e));
            }
        });
        None
    }
}

/// [`map_read`] as a future: the buffer's map is asked for now, and the future resolves when
/// the GPU is done. In a page the browser resolves it; natively poll the device (`Gpu::wait`)
/// before awaiting, and it is ready at once (so `pollster::block_on` of it never parks).
pub fn map_read_async(staging: &wgpu::Buffer) -> impl Future<Output = Result<Vec<u8>, GpuError>> + '_ {
    let (tx, rx) = futures_channel::oneshot::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    async move {
        rx.await
            .map_err(|e| GpuError::Map(e.to_string()))?
            .map_err(|e| GpuError::Map(e.to_string()))?;
        let bytes = staging
            .get_mapped_range(..)
            .map_err(|e| GpuError::Map(e.to_string()))?
            .to_vec();
        staging.unmap();
        Ok(bytes)
    }
}

fn rank(device_type: wgpu::DeviceType, preference: AdapterPreference) -> u32 {
    use wgpu::DeviceType::*;
    match (preference, device_type) {
        (AdapterPreference::Software, Cpu) => 0,
        (_, DiscreteGpu) => 1,
        (_, IntegratedGpu) => 2,
        (_, VirtualGpu) => 3,
        (_, Cpu) => 4,
        (_, Other) => 5,
    }
}

/// What descent's shaders need beyond WebGPU's downlevel minimum (compute, storage buffers read
/// by vertex and fragment shaders, sRGB views of linear targets), by name; empty when all is
/// there. OpenGL adapters (llvmpipe's GL among them) lack some: better one clear refusal at
/// start than validation errors later.
pub fn missing_capabilities(flags: wgpu::DownlevelFlags) -> Vec<&'static str> {
    use wgpu::DownlevelFlags as F;
    [
        (F::COMPUTE_SHADERS, "compute shaders"),
        (F::VERTEX_STORAGE, "storage buffers in vertex shaders"),
        (F::FRAGMENT_STORAGE, "storage buffers in fragment shaders"),
        (F::VIEW_FORMATS, "texture view formats"),
    ]
    .into_iter()
    .filter(|(flag, _)| !flags.contains(*flag))
    .map(|(_, name)| name)
    .collect()
}

fn pick_adapter(
    adapters: Vec<wgpu::Adapter>,
    preference: AdapterPreference,
    wanted_name: Option<String>,
) -> Result<wgpu::Adapter, GpuError> {
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter {
            backends: String::new(),
        });
    }
    let candidates: Vec<wgpu::Adapter> = match wanted_name.filter(|n| !n.is_empty()) {
        Some(wanted) => {
            let needle = wanted.to_lowercase();
            let found: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
            let matching: Vec<_> = adapters
                .into_iter()
                .filter(|a| a.get_info().name.to_lowercase().contains(&needle))
                .collect();
            if matching.is_empty() {
                return Err(GpuError::AdapterNameNotFound {
                    wanted,
                    found: found.join(", "),
                });
            }
            matching
        }
        None => adapters,
    };
    let lacks = |a: &wgpu::Adapter| missing_capabilities(a.get_downlevel_capabilities().flags);
    let (candidates, lacking): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|a| lacks(a).is_empty());
    if candidates.is_empty()
        && let Some(a) = lacking.first()
    {
        let info = a.get_info();
        return Err(GpuError::Unsupported {
            adapter: info.name,
            backend: format!("{:?}", info.backend),
            missing: lacks(a).join(", "),
        });
    }
    // Within a rank, Vulkan/Metal/DX12 before GL: GL lacks features the simulation may use.
    candidates
        .into_iter()
        .min_by_key(|a| {
            let info = a.get_info();
            (
                rank(info.device_type, preference),
                info.backend == wgpu::Backend::Gl,
            )
        })
        .ok_or(GpuError::NoAdapter {
            backends: String::new(),
        })
}
