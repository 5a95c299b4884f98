//! A scene's `[view]` (with command-line flags applied) as the renderer's settings and camera.

use crate::camera::{OrbitCamera, Projection};
use crate::render::RenderSettings;
use crate::render::colormap::Colormap;
use crate::scene::ViewSpec;

/// Settings for a frame of `size` pixels and the camera the view asks for (`msaa` 0: let the
/// caller choose later).
pub fn view_settings(
    view: &ViewSpec,
    size: [u32; 2],
    msaa: u32,
) -> Result<(RenderSettings, OrbitCamera), String> {
    let mut settings = RenderSettings::for_size(size[0], size[1]);
    settings.msaa = msaa;
    if let Some(name) = &view.colormap {
        settings.colormap = Colormap::named(name)?;
    }
    if let Some(v) = view.contours {
        settings.contours = v;
    }
    if let Some(v) = view.grid_lines {
        settings.grid_lines = v;
    }
    if let Some(v) = view.axes {
        settings.show_axes = v;
    }
    if let Some(w) = view.trail_width {
        settings.trail_width_px = w as f32;
    }
    if let Some(n) = view.trail_length {
        settings.trail_length = Some(n);
    }
    if let Some(v) = view.fade {
        settings.fade_trails = v;
    }
    if let Some(t) = view.trails {
        settings.trails = t;
    }
    if let Some(d) = view.density_scale {
        settings.density_scale = d;
    }
    if let Some(c) = view.color_scale {
        settings.color_scale = c;
    }
    if let Some(names) = &view.axis_names {
        settings.axis_names = names.clone();
    }
    let preset = view.camera.as_deref().unwrap_or("post");
    let mut camera = OrbitCamera::named(preset)?;
    if preset == "top" && view.contours.is_none() {
        // The tutorials' top-down view is a contour plot.
        settings.contours = true;
    }
    if let Some(a) = view.azim {
        camera.azimuth_deg = a as f32;
    }
    if let Some(e) = view.elev {
        camera.elevation_deg = (e as f32).clamp(-90.0, 90.0);
    }
    if let Some(d) = view.dist {
        match &mut camera.projection {
            Projection::Perspective { .. } => camera.distance = d as f32,
            Projection::Orthographic { height } => *height = d as f32,
        }
    }
    Ok((settings, camera))
}
