//! How much memory the adapter has, so that particle state and trails can use what the machine
//! really holds instead of a fixed budget.
//!
//! wgpu does not report memory sizes, so this asks where it can: a CPU adapter (lavapipe)
//! allocates its buffers in the process, so its memory is the system's available memory
//! (`/proc/meminfo`); a Vulkan GPU reports its device-local heaps (read through wgpu's hal).
//! Elsewhere a conservative guess is used, and said so.

use crate::gpu::Gpu;

/// The memory an adapter offers and where that figure came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdapterMemory {
    pub bytes: u64,
    pub source: MemorySource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemorySource {
    /// The system's available memory (a CPU adapter).
    SystemAvailable,
    /// The largest device-local heap Vulkan reports.
    VulkanHeap,
    /// Nothing to ask: a guess.
    Assumed,
}

/// Used when the adapter's memory cannot be asked: small enough for any discrete GPU of the
/// last decade.
pub const ASSUMED_BYTES: u64 = 4 << 30;

/// Share of the adapter's memory descent's particle state and trails may take together; the
/// rest is left to the window, the renderer's targets and other programs.
pub const USABLE_SHARE: f64 = 0.4;

impl AdapterMemory {
    pub fn of(gpu: &Gpu) -> Self {
        let info = gpu.adapter.get_info();
        if info.device_type == wgpu::DeviceType::Cpu
            && let Some(bytes) = crate::host::available_memory()
        {
            return Self {
                bytes,
                source: MemorySource::SystemAvailable,
            };
        }
        if let Some(bytes) = vulkan_device_local_bytes(&gpu.adapter) {
            return Self {
                bytes,
                source: MemorySource::VulkanHeap,
            };
        }
        Self {
            bytes: ASSUMED_BYTES,
            source: MemorySource::Assumed,
        }
    }

    /// Bytes the simulation may hold (particle state plus trails).
    pub fn usable(&self) -> u64 {
        (self.bytes as f64 * USABLE_SHARE) as u64
    }

    pub fn describe(&self) -> String {
        let gib = self.bytes as f64 / f64::from(1u32 << 30);
        match self.source {
            MemorySource::SystemAvailable => format!("{gib:.1} GiB of available system memory"),
            MemorySource::VulkanHeap => format!("{gib:.1} GiB of GPU memory"),
            MemorySource::Assumed => format!("{gib:.1} GiB of GPU memory (assumed)"),
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "windows", target_os = "android"))]
fn vulkan_device_local_bytes(adapter: &wgpu::Adapter) -> Option<u64> {
    // SAFETY: the hal adapter is only read (its instance and physical device handles), while
    // the wgpu adapter that owns it is borrowed.
    let hal = unsafe { adapter.as_hal::<wgpu::hal::api::Vulkan>() }?;
    let instance = hal.shared_instance().raw_instance();
    // SAFETY: a valid physical device of a live instance.
    let props = unsafe { instance.get_physical_device_memory_properties(hal.raw_physical_device()) };
    props.memory_heaps[..props.memory_heap_count as usize]
        .iter()
        .filter(|h| h.flags.contains(ash::vk::MemoryHeapFlags::DEVICE_LOCAL))
        .map(|h| h.size)
        .max()
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "android")))]
fn vulkan_device_local_bytes(_adapter: &wgpu::Adapter) -> Option<u64> {
    None
}
