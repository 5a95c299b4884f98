//! The orbit camera: a pose (azimuth, elevation, distance around a target), a projection, and a
//! small controller that turns mouse drags and wheel steps into pose changes.
//!
//! Conventions: the world is z-up (x, y on the floor, loss up). Azimuth and elevation follow
//! matplotlib's `view_init(elev, azim)` exactly: the eye sits at
//! `target + distance * (cos e cos a, cos e sin a, sin e)`, so `OrbitCamera::post()`
//! (azim 120, elev 37) frames the blog post's figure the same way.
//!
//! The camera basis is built from the angles, not from `look_at` with a fixed up vector:
//! screen-right is `(-sin a, cos a, 0)` at every elevation, so looking straight down
//! (`top()`, elevation exactly 90) is well defined, with x right and y up on screen.
//! `orbit` still clamps the elevation to +-89.5 degrees so dragging never flips the view.
//!
//! Matrices are named target-from-source: `view_from_world`, `clip_from_view` (0..1 depth, as
//! wgpu wants), `clip_from_world`.

use glam::{Mat4, Vec3};

/// The most an interactive orbit may tilt; `top()` sets exactly 90 itself.
pub const MAX_ELEVATION_DEG: f32 = 89.5;
/// Zoom limits (world units; the plot box is 2 x 2 x 1.5).
pub const MIN_DISTANCE: f32 = 2.5;
pub const MAX_DISTANCE: f32 = 60.0;
const MIN_ORTHO_HEIGHT: f32 = 0.2;
const MAX_ORTHO_HEIGHT: f32 = 40.0;

/// How view space becomes clip space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Projection {
    /// Vertical field of view in degrees.
    Perspective { fov_y_deg: f32 },
    /// Visible height in world units (the width follows the aspect ratio).
    Orthographic { height: f32 },
}

/// Where the camera is and how it projects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrbitCamera {
    pub azimuth_deg: f32,
    pub elevation_deg: f32,
    pub distance: f32,
    pub target: Vec3,
    pub projection: Projection,
    /// Share of the frame's height, at the bottom, that the view leaves free (for the 2D plot
    /// strip): the picture is scaled by 1 - share and moved up into the rest.
    pub bottom_inset: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self::post()
    }
}

impl OrbitCamera {
    /// The blog post's view: matplotlib `view_init(elev=37, azim=120)`, perspective.
    pub fn post() -> Self {
        Self {
            azimuth_deg: 120.0,
            elevation_deg: 37.0,
            distance: 8.0,
            target: Vec3::new(0.0, 0.0, -0.08),
            projection: Projection::Perspective { fov_y_deg: 26.0 },
            bottom_inset: 0.0,
        }
    }

    /// Straight down, orthographic: x right and y up on screen, like a contour plot.
    pub fn top() -> Self {
        Self {
            azimuth_deg: -90.0,
            elevation_deg: 90.0,
            distance: 10.0,
            target: Vec3::ZERO,
            projection: Projection::Orthographic { height: 2.8 },
            bottom_inset: 0.0,
        }
    }

    /// From the front (looking along +y), level: x right, loss up.
    pub fn side() -> Self {
        Self {
            azimuth_deg: -90.0,
            elevation_deg: 0.0,
            distance: 7.0,
            target: Vec3::ZERO,
            projection: Projection::Perspective { fov_y_deg: 26.0 },
            bottom_inset: 0.0,
        }
    }

    /// A preset by name (`post`, `top`, `side`), for scene files and the command line.
    pub fn preset(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "post" | "default" => Some(Self::post()),
            "top" => Some(Self::top()),
            "side" | "front" => Some(Self::side()),
            _ => None,
        }
    }

    /// The preset `name`, or the error that lists the presets.
    pub fn named(name: &str) -> Result<Self, String> {
        Self::preset(name)
            .ok_or_else(|| format!("unknown camera preset '{name}'; the presets are post, top and side"))
    }

    /// Unit vector from the target towards the eye (matplotlib's convention).
    pub fn eye_direction(&self) -> Vec3 {
        let (sa, ca) = self.azimuth_deg.to_radians().sin_cos();
        let (se, ce) = self.elevation_deg.to_radians().sin_cos();
        Vec3::new(ce * ca, ce * sa, se)
    }

    pub fn eye(&self) -> Vec3 {
        self.target + self.distance * self.eye_direction()
    }

    /// Screen-right, screen-up and forward (towards the target) in world space.
    pub fn basis(&self) -> (Vec3, Vec3, Vec3) {
        let (sa, ca) = self.azimuth_deg.to_radians().sin_cos();
        let right = Vec3::new(-sa, ca, 0.0);
        let forward = -self.eye_direction();
        let up = right.cross(forward);
        (right, up, forward)
    }

    pub fn view_from_world(&self) -> Mat4 {
        let (_, up, forward) = self.basis();
        glam::camera::rh::view::look_to_mat4(self.eye(), forward, up.normalize())
    }

    /// Near and far planes that enclose the plot box (and a margin) from this eye.
    fn depth_range(&self) -> (f32, f32) {
        // The box's bounding sphere has radius ~1.6 around the origin; the target may be panned.
        let reach = 2.5 + self.target.length();
        match self.projection {
            Projection::Perspective { .. } => {
                let near = (self.distance - reach).max(0.05 * self.distance).max(0.01);
                (near, self.distance + reach)
            }
            Projection::Orthographic { .. } => (self.distance - reach, self.distance + reach),
        }
    }

    /// Projection with 0..1 depth, then the bottom inset. `aspect` is width / height.
    pub fn clip_from_view(&self, aspect: f32) -> Mat4 {
        self.inset() * self.projection_matrix(aspect)
    }

    fn projection_matrix(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        let (near, far) = self.depth_range();
        match self.projection {
            Projection::Perspective { fov_y_deg } => glam::camera::rh::proj::directx::perspective(
                fov_y_deg.clamp(1.0, 170.0).to_radians(),
                aspect,
                near,
                far,
            ),
            Projection::Orthographic { height } => {
                let h = height / 2.0;
                let w = h * aspect;
                glam::camera::rh::proj::directx::orthographic(-w, w, -h, h, near, far)
            }
        }
    }

    pub fn clip_from_world(&self, aspect: f32) -> Mat4 {
        self.clip_from_view(aspect) * self.view_from_world()
    }

    /// Scales clip space by 1 - bottom_inset about the top edge: NDC y in [-1, 1] lands in
    /// [-1 + 2 * inset, 1].
    fn inset(&self) -> Mat4 {
        let f = self.bottom_inset.clamp(0.0, 0.9);
        let s = 1.0 - f;
        Mat4::from_cols(
            glam::Vec4::new(s, 0.0, 0.0, 0.0),
            glam::Vec4::new(0.0, s, 0.0, 0.0),
            glam::Vec4::new(0.0, 0.0, 1.0, 0.0),
            glam::Vec4::new(0.0, f, 0.0, 1.0),
        )
    }

    /// Height in world units of the view at the target (for panning by screen fractions).
    pub fn view_height_at_target(&self) -> f32 {
        match self.projection {
            Projection::Perspective { fov_y_deg } => {
                2.0 * self.distance * (fov_y_deg.to_radians() / 2.0).tan()
            }
            Projection::Orthographic { height } => height,
        }
    }

    /// Turns the camera around the target by degrees; elevation stays within +-89.5.
    pub fn orbit(&mut self, d_azimuth_deg: f32, d_elevation_deg: f32) {
        self.azimuth_deg = (self.azimuth_deg + d_azimuth_deg).rem_euclid(360.0);
        if self.azimuth_deg > 180.0 {
            self.azimuth_deg -= 360.0;
        }
        self.elevation_deg =
            (self.elevation_deg + d_elevation_deg).clamp(-MAX_ELEVATION_DEG, MAX_ELEVATION_DEG);
    }

    /// Moves closer (`factor` < 1) or further away; capped both ways. An orthographic camera
    /// scales its visible height instead.
    pub fn zoom(&mut self, factor: f32) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        match &mut self.projection {
            Projection::Perspective { .. } => {
                self.distance = (self.distance * factor).clamp(MIN_DISTANCE, MAX_DISTANCE);
            }
            Projection::Orthographic { height } => {
                *height = (*height * factor).clamp(MIN_ORTHO_HEIGHT, MAX_ORTHO_HEIGHT);
            }
        }
    }

    /// Zooms by `factor` keeping the point under the cursor where it is on screen: the target
    /// moves towards that point by the share the distance shrinks. `cursor` is in normalised
    /// device coordinates (-1..1, y up); None zooms about the centre. The point is taken on the
    /// plane through the target facing the camera, so it holds exactly there.
    pub fn zoom_towards(&mut self, factor: f32, cursor: Option<[f32; 2]>, aspect: f32) {
        let p = cursor.and_then(|ndc| self.point_on_target_plane(ndc, aspect));
        let before = self.zoom_extent();
        self.zoom(factor);
        let applied = self.zoom_extent() / before;
        let Some(p) = p else { return };
        // With distance scaled by `applied`, moving the target by (1 - applied) (p - target)
        // scales p's offset from the eye by `applied` too: same direction, same pixel.
        self.target += (p - self.target) * (1.0 - applied);
    }

    /// Distance (perspective) or visible height (orthographic): what `zoom` scales.
    fn zoom_extent(&self) -> f32 {
        match self.projection {
            Projection::Perspective { .. } => self.distance,
            Projection::Orthographic { height } => height,
        }
    }

    /// Where the ray through `ndc` meets the plane through the target facing the camera.
    pub fn point_on_target_plane(&self, ndc: [f32; 2], aspect: f32) -> Option<Vec3> {
        let world_from_clip = self.clip_from_world(aspect).inverse();
        let unproject = |z: f32| world_from_clip.project_point3(Vec3::new(ndc[0], ndc[1], z));
        let (near, far) = (unproject(0.0), unproject(1.0));
        let dir = far - near;
        let normal = self.eye_direction();
        let denom = dir.dot(normal);
        if denom.abs() < 1e-12 {
            return None;
        }
        let t = (self.target - near).dot(normal) / denom;
        t.is_finite().then(|| near + dir * t)
    }

    /// Slides the target in the screen plane by fractions of the view height (`dx` right,
    /// `dy` up): a drag across the whole window moves the scene with the cursor.
    pub fn pan(&mut self, dx: f32, dy: f32) {
        let (right, up, _) = self.basis();
        let h = self.view_height_at_target();
        self.target -= (right * dx + up.normalize() * dy) * h;
        // Keep the target near the plot so the depth range stays meaningful.
        self.target = self.target.clamp(Vec3::splat(-5.0), Vec3::splat(5.0));
    }
}

/// Mouse input to camera motion, for the interactive window: drag to orbit, shift-drag (or
/// the middle button) to pan, wheel to zoom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrbitController {
    /// Degrees per pixel of drag.
    pub orbit_speed: f32,
    /// Zoom factor per wheel line.
    pub zoom_per_line: f32,
}

impl Default for OrbitController {
    fn default() -> Self {
        Self {
            orbit_speed: 0.3,
            zoom_per_line: 0.9,
        }
    }
}

impl OrbitController {
    /// A drag of `(dx, dy)` pixels (y down, as windows report it).
    pub fn drag(&self, camera: &mut OrbitCamera, dx: f32, dy: f32) {
        // Dragging right turns the scene right (the eye moves left), like matplotlib.
        camera.orbit(-dx * self.orbit_speed, dy * self.orbit_speed);
    }

    /// A pan drag of `(dx, dy)` pixels in a viewport `height` pixels tall.
    pub fn pan_drag(&self, camera: &mut OrbitCamera, dx: f32, dy: f32, height: f32) {
        let h = height.max(1.0);
        camera.pan(dx / h, -dy / h);
    }

    /// Wheel `lines` (positive: away from the user, zoom in).
    pub fn wheel(&self, camera: &mut OrbitCamera, lines: f32) {
        camera.zoom(self.zoom_per_line.powf(lines));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(c: &OrbitCamera, p: Vec3, aspect: f32) -> [f32; 2] {
        let q = c.clip_from_world(aspect).project_point3(p);
        [q.x, q.y]
    }

    #[test]
    fn bottom_inset_moves_the_view_above_the_strip() {
        let aspect = 1.5;
        let plain = OrbitCamera::post();
        let inset = OrbitCamera {
            bottom_inset: 0.25,
            ..plain
        };
        for p in [
            Vec3::ZERO,
            Vec3::new(1.0, -1.0, 0.75),
            Vec3::new(-1.0, 1.0, -0.75),
        ] {
            let a = screen(&plain, p, aspect);
            let b = screen(&inset, p, aspect);
            // NDC y in [-1, 1] lands in [-0.5, 1]: scaled by 0.75 about the top edge.
            assert!((b[0] - 0.75 * a[0]).abs() < 1e-5, "{a:?} {b:?}");
            assert!((b[1] - (0.75 * a[1] + 0.25)).abs() < 1e-5, "{a:?} {b:?}");
        }
    }

    #[test]
    fn zoom_towards_the_cursor_keeps_the_point_under_it() {
        let inset = OrbitCamera {
            bottom_inset: 0.2,
            ..OrbitCamera::post()
        };
        for mut c in [OrbitCamera::post(), OrbitCamera::top(), inset] {
            let aspect = 1.6;
            let cursor = [0.5, -0.3];
            let p = c.point_on_target_plane(cursor, aspect).unwrap();
            for factor in [0.8, 0.8, 1.3, 0.5] {
                c.zoom_towards(factor, Some(cursor), aspect);
                let s = screen(&c, p, aspect);
                assert!(
                    (s[0] - cursor[0]).abs() < 1e-4 && (s[1] - cursor[1]).abs() < 1e-4,
                    "{s:?} after zoom {factor}"
                );
            }
        }
        // Without a cursor, zoom keeps the target.
        let mut c = OrbitCamera::post();
        let t = c.target;
        c.zoom_towards(0.5, None, 1.0);
        assert_eq!(c.target, t);
    }

    fn close(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-5
    }

    #[test]
    fn post_eye_direction_is_matplotlibs() {
        let c = OrbitCamera::post();
        let (a, e) = (120f32.to_radians(), 37f32.to_radians());
        let want = Vec3::new(e.cos() * a.cos(), e.cos() * a.sin(), e.sin());
        assert!(close(c.eye_direction(), want));
        // azim 120 puts the eye at negative x, positive y, above.
        let d = c.eye_direction();
        assert!(d.x < 0.0 && d.y > 0.0 && d.z > 0.0);
        assert!(close(c.eye(), c.target + c.distance * want));
    }

    #[test]
    fn orbit_keeps_the_distance() {
        let mut c = OrbitCamera::post();
        let before = (c.eye() - c.target).length();
        c.orbit(33.0, -12.0);
        c.orbit(-400.0, 5.0);
        let after = (c.eye() - c.target).length();
        assert!((before - after).abs() < 1e-4, "{before} vs {after}");
    }

    #[test]
    fn elevation_is_clamped_short_of_the_poles() {
        let mut c = OrbitCamera::post();
        c.orbit(0.0, 500.0);
        assert_eq!(c.elevation_deg, MAX_ELEVATION_DEG);
        c.orbit(0.0, -1000.0);
        assert_eq!(c.elevation_deg, -MAX_ELEVATION_DEG);
        assert!(c.view_from_world().is_finite());
    }

    #[test]
    fn zoom_is_capped() {
        let mut c = OrbitCamera::post();
        c.zoom(1e-6);
        assert_eq!(c.distance, MIN_DISTANCE);
        c.zoom(1e9);
        assert_eq!(c.distance, MAX_DISTANCE);
        c.zoom(f32::NAN);
        assert_eq!(c.distance, MAX_DISTANCE);
    }

    #[test]
    fn top_looks_straight_down_with_x_right_and_y_up() {
        let c = OrbitCamera::top();
        let clip = c.clip_from_world(1.0);
        let project = |p: Vec3| {
            let v = clip * p.extend(1.0);
            v.truncate() / v.w
        };
        let o = project(Vec3::ZERO);
        let x = project(Vec3::X);
        let y = project(Vec3::Y);
        assert!((x.x - o.x) > 0.1 && (x.y - o.y).abs() < 1e-5, "x goes right");
        assert!((y.y - o.y) > 0.1 && (y.x - o.x).abs() < 1e-5, "y goes up");
        // Higher points are nearer the eye: smaller depth.
        assert!(project(Vec3::Z).z < o.z);
        assert!((0.0..=1.0).contains(&o.z));
    }

    #[test]
    fn post_view_depth_is_in_range_for_the_box() {
        let c = OrbitCamera::post();
        let clip = c.clip_from_world(4.0 / 3.0);
        for i in 0..8 {
            let p = Vec3::new(
                if i & 1 == 0 { -1.0 } else { 1.0 },
                if i & 2 == 0 { -1.0 } else { 1.0 },
                if i & 4 == 0 { -0.75 } else { 0.75 },
            );
            let v = clip * p.extend(1.0);
            let ndc = v.truncate() / v.w;
            assert!(v.w > 0.0 && (0.0..=1.0).contains(&ndc.z), "{p} -> {ndc}");
            assert!(ndc.x.abs() < 1.0 && ndc.y.abs() < 1.0, "{p} is off screen: {ndc}");
        }
    }

    #[test]
    fn pan_moves_the_target_in_the_screen_plane() {
        let mut c = OrbitCamera::post();
        let d = c.eye_direction();
        c.pan(0.1, 0.05);
        assert!(c.target.dot(d).abs() < 0.06);
        assert!((c.target - OrbitCamera::post().target).length() > 0.01);
    }
}
