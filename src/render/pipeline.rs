//! Render pipelines in the target's formats, their blend states, and the renderers' storage
//! entry; shader modules and the other entries come from [`crate::gpu::pipeline`].

use crate::gpu::Gpu;
use crate::render::target::TargetFormats;

pub(crate) use crate::gpu::pipeline::shader;

/// A read-only storage buffer visible to the vertex stage.
pub(crate) fn storage_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    crate::gpu::pipeline::buffer_entry(
        binding,
        wgpu::ShaderStages::VERTEX,
        wgpu::BufferBindingType::Storage { read_only: true },
        None,
    )
}

/// Adds source to destination in every channel (density accumulation).
pub(crate) const ADDITIVE_BLEND: wgpu::BlendState = wgpu::BlendState {
    color: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::One,
        dst_factor: wgpu::BlendFactor::One,
        operation: wgpu::BlendOperation::Add,
    },
    alpha: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::One,
        dst_factor: wgpu::BlendFactor::One,
        operation: wgpu::BlendOperation::Add,
    },
};

/// Takes source from destination in every channel: undoes an [`ADDITIVE_BLEND`] draw of the
/// same primitives exactly (the rasterisation is the same).
pub(crate) const SUBTRACTIVE_BLEND: wgpu::BlendState = wgpu::BlendState {
    color: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::One,
        dst_factor: wgpu::BlendFactor::One,
        operation: wgpu::BlendOperation::ReverseSubtract,
    },
    alpha: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::One,
        dst_factor: wgpu::BlendFactor::One,
        operation: wgpu::BlendOperation::ReverseSubtract,
    },
};

/// Straight alpha blending for colour, and alpha accumulating towards opaque.
pub(crate) const ALPHA_BLEND: wgpu::BlendState = wgpu::BlendState {
    color: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::SrcAlpha,
        dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
        operation: wgpu::BlendOperation::Add,
    },
    alpha: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::One,
        dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
        operation: wgpu::BlendOperation::Add,
    },
};

pub(crate) struct PipelineSpec<'a> {
    pub label: &'a str,
    pub module: &'a wgpu::ShaderModule,
    pub vs: &'a str,
    pub fs: &'a str,
    pub layouts: &'a [&'a wgpu::BindGroupLayout],
    pub buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
    pub topology: wgpu::PrimitiveTopology,
    pub blend: Option<wgpu::BlendState>,
    pub depth_write: bool,
    pub depth_compare: wgpu::CompareFunction,
    /// Which colour channels are written (none for a depth-only draw).
    pub write_mask: wgpu::ColorWrites,
}

pub(crate) fn render_pipeline(
    gpu: &Gpu,
    formats: &TargetFormats,
    spec: &PipelineSpec<'_>,
) -> wgpu::RenderPipeline {
    let layouts: Vec<Option<&wgpu::BindGroupLayout>> = spec.layouts.iter().map(|l| Some(*l)).collect();
    let layout = gpu
        .device
        .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(spec.label),
            bind_group_layouts: &layouts,
            immediate_size: 0,
        });
    gpu.device
        .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(spec.label),
            layout: Some(&layout),
            vertex: wgpu::VertexState {
                module: spec.module,
                entry_point: Some(spec.vs),
                compilation_options: Default::default(),
                buffers: spec.buffers,
            },
            primitive: wgpu::PrimitiveState {
                topology: spec.topology,
                strip_index_format: None,
                front_face: wgpu::FrontFace::Ccw,
                cull_mode: None,
                unclipped_depth: false,
                polygon_mode: wgpu::PolygonMode::Fill,
                conservative: false,
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: formats.depth,
                depth_write_enabled: Some(spec.depth_write),
                depth_compare: Some(spec.depth_compare),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState {
                count: formats.samples,
                mask: !0,
                alpha_to_coverage_enabled: false,
            },
            fragment: Some(wgpu::FragmentState {
                module: spec.module,
                entry_point: Some(spec.fs),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: formats.color,
                    blend: spec.blend,
                    write_mask: spec.write_mask,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
}
