//! Small helpers for the compute pipelines (simulation, statistics, density statistics):
//! buffer entries of a bind group layout, and a pipeline over one bind group layout.

use crate::gpu::Gpu;

/// A buffer binding of `ty` visible to `visibility`, optionally with a minimum size.
pub fn buffer_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BufferBindingType,
    min_size: Option<u64>,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: min_size.and_then(wgpu::BufferSize::new),
        },
        count: None,
    }
}

/// The compute pipeline of `entry` in `module`, its group 0 laid out by `layout`.
pub fn compute_pipeline(
    gpu: &Gpu,
    label: &str,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    entry: &str,
) -> wgpu::ComputePipeline {
    compute_pipeline_with(gpu, label, module, layout, entry, &[])
}

/// As [`compute_pipeline`], with values for the module's pipeline-overridable constants.
pub fn compute_pipeline_with(
    gpu: &Gpu,
    label: &str,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    entry: &str,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    let pipeline_layout = gpu
        .device
        .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(layout)],
            immediate_size: 0,
        });
    gpu.device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: Some(&pipeline_layout),
            module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..Default::default()
            },
            cache: None,
        })
}
