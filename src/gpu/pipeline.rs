//! The one set of helpers every pipeline is built with (simulation, statistics, mesh, the
//! renderers, the window's blit): shader modules, bind group layout entries, and a compute
//! pipeline over one bind group layout. Render pipelines add their targets in
//! `render::pipeline`.

use crate::gpu::Gpu;

/// The WGSL module `source`, labelled.
pub fn shader(gpu: &Gpu, label: &str, source: impl Into<String>) -> wgpu::ShaderModule {
    gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into().into()),
    })
}

/// A uniform buffer binding visible to `visibility`, optionally with a minimum size.
pub fn uniform_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    min_size: Option<u64>,
) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(binding, visibility, wgpu::BufferBindingType::Uniform, min_size)
}

/// A 2D float texture binding visible to `visibility`.
pub fn texture_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    filterable: bool,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

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
