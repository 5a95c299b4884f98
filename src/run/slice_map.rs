//! A loss slice drawn as a map, the classic loss-landscape figure: the loss on a log colour
//! scale with iso-loss lines, every trail projected onto the slice's plane in its optimizer's
//! colour (starts as rings, ends as dots) and the slice's centre as a white cross. a runs left
//! to right, b bottom to top.

use image::{Rgba, RgbaImage};

use crate::gpu::gpu_data::TrailPoint;
use crate::model::slice::Slice;
use crate::render::colormap::Colormap;
use crate::render::overlay::style::optimizer_color;

/// Iso-loss lines over the colour scale.
const CONTOURS: f32 = 14.0;

/// Up to this many trails are drawn as lines; more as density (as the 3D view does).
pub const LINES_UP_TO: usize = 64;

/// The map at `side` x `side` pixels, and the loss range its colours span (log scale).
pub fn draw(
    slice: &Slice,
    losses: &[f32],
    trails: &[Vec<TrailPoint>],
    per_group: usize,
    side: u32,
) -> (RgbaImage, [f32; 2]) {
    let finite = losses.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = finite.fold((f32::INFINITY, 0.0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo <= hi {
        (lo.max(hi * 1e-7), hi)
    } else {
        (1.0, 1.0)
    };
    let (log_lo, log_hi) = (lo.ln(), hi.ln());
    let span = (log_hi - log_lo).max(1e-6);
    let level = |v: f32| ((v.max(lo).ln() - log_lo) / span).clamp(0.0, 1.0);
    let (cols, rows) = (slice.cols as usize, slice.rows as usize);
    let at = |c: usize, r: usize| losses[r * cols + c];
    // Each pixel's level from the grid (bilinear in the log of the loss); NaN where undefined.
    let mut levels = vec![f32::NAN; (side * side) as usize];
    for py in 0..side {
        let v = (1.0 - (py as f32 + 0.5) / side as f32) * (rows - 1) as f32;
        let (r0, fy) = (
            (v.floor() as usize).min(rows - 2),
            v - v.floor().min((rows - 2) as f32),
        );
        for px in 0..side {
            let u = (px as f32 + 0.5) / side as f32 * (cols - 1) as f32;
            let (c0, fx) = (
                (u.floor() as usize).min(cols - 2),
                u - u.floor().min((cols - 2) as f32),
            );
            let corners = [at(c0, r0), at(c0 + 1, r0), at(c0, r0 + 1), at(c0 + 1, r0 + 1)];
            if corners.iter().all(|v| v.is_finite()) {
                let l = corners.map(level);
                let top = l[0] + (l[1] - l[0]) * fx;
                let bottom = l[2] + (l[3] - l[2]) * fx;
                levels[(py * side + px) as usize] = top + (bottom - top) * fy;
            }
        }
    }
    let map = Colormap::Viridis;
    let mut image = RgbaImage::new(side, side);
    for py in 0..side {
        for px in 0..side {
            let l = levels[(py * side + px) as usize];
            let mut color = if l.is_nan() {
                [90, 90, 90, 255]
            } else {
                map.sample(l)
            };
            // A line where the contour band changes towards the right or below.
            let band = |l: f32| (l * CONTOURS).floor();
            let next = [(px + 1, py), (px, py + 1)]
                .into_iter()
                .filter(|&(x, y)| x < side && y < side)
                .map(|(x, y)| levels[(y * side + x) as usize]);
            if !l.is_nan() && next.clone().any(|n| !n.is_nan() && band(n) != band(l)) {
                color = [color[0] / 2, color[1] / 2, color[2] / 2, 255];
            }
            image.put_pixel(px, py, Rgba(color));
        }
    }
    let to_pixel = |p: [f32; 2]| -> [f32; 2] {
        let x = (f64::from(p[0]) - slice.a[0]) / (slice.a[1] - slice.a[0]);
        let y = (f64::from(p[1]) - slice.b[0]) / (slice.b[1] - slice.b[0]);
        [(x * f64::from(side)) as f32, ((1.0 - y) * f64::from(side)) as f32]
    };
    let radius = (side as f32 / 500.0).max(1.0);
    let group = |i: usize| i / per_group.max(1);
    if trails.len() > LINES_UP_TO {
        density(&mut image, trails, &group, &to_pixel);
    } else {
        // Few trails are lines, fainter the more there are, the groups interleaved (one
        // particle of each in turn) so the last group does not cover the others.
        let alpha = (0.9 / (trails.len() as f32 / 8.0).sqrt()).clamp(0.12, 0.9);
        let mut order: Vec<usize> = (0..trails.len()).collect();
        order.sort_by_key(|&i| (i % per_group.max(1), group(i)));
        for i in order {
            let trail = &trails[i];
            let [r, g, b, _] = optimizer_color(group(i));
            let color = [r, g, b];
            for pair in trail.windows(2) {
                if pair[1].pos != pair[0].pos {
                    line(
                        &mut image,
                        to_pixel(pair[0].pos),
                        to_pixel(pair[1].pos),
                        radius * 0.6,
                        color,
                        alpha,
                    );
                }
            }
            if let (Some(first), Some(last)) = (trail.first(), trail.last()) {
                ring(
                    &mut image,
                    to_pixel(first.pos),
                    radius * 3.0,
                    color,
                    alpha.max(0.5),
                );
                disc(
                    &mut image,
                    to_pixel(last.pos),
                    radius * 2.2,
                    color,
                    alpha.max(0.6),
                );
            }
        }
    }
    let centre = to_pixel(slice.centre.map(|v| v as f32));
    let arm = radius * 6.0;
    for (from, to) in [
        ([centre[0] - arm, centre[1]], [centre[0] + arm, centre[1]]),
        ([centre[0], centre[1] - arm], [centre[0], centre[1] + arm]),
    ] {
        line(&mut image, from, to, radius * 0.9, [255, 255, 255], 1.0);
    }
    (image, [lo, hi])
}

/// Many trails as density, the way the 3D view's density layer shows a swarm: each pixel
/// counts the segments of each group that cross it (once per segment), takes the
/// count-weighted mean of the groups' colours, and an opacity from a floor (a lone path stays
/// visible) up by log(1 + count) over the busiest pixel's.
fn density(
    image: &mut RgbaImage,
    trails: &[Vec<TrailPoint>],
    group: &dyn Fn(usize) -> usize,
    to_pixel: &dyn Fn([f32; 2]) -> [f32; 2],
) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let groups = trails.len().checked_sub(1).map_or(0, group) + 1;
    let mut counts = vec![0u32; groups * w * h];
    for (i, trail) in trails.iter().enumerate() {
        let base = group(i) * w * h;
        for pair in trail.windows(2) {
            let (a, b) = (to_pixel(pair[0].pos), to_pixel(pair[1].pos));
            if !(a.iter().chain(&b).all(|v| v.is_finite() && v.abs() < 1e7)) {
                continue;
            }
            // One sample per pixel along the major axis; a pixel counts once per segment.
            let n = (b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil().max(1.0) as usize;
            let mut last = usize::MAX;
            for k in 0..=n {
                let t = k as f32 / n as f32;
                let (x, y) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
                if x < 0.0 || y < 0.0 || x >= w as f32 || y >= h as f32 {
                    continue;
                }
                let at = y as usize * w + x as usize;
                if at != last {
                    counts[base + at] += 1;
                    last = at;
                }
            }
        }
    }
    let total = |at: usize| (0..groups).map(|g| counts[g * w * h + at]).sum::<u32>();
    let busiest = (0..w * h).map(total).max().unwrap_or(0);
    if busiest == 0 {
        return;
    }
    let scale = (1.0 + busiest as f32).ln();
    for at in 0..w * h {
        let n = total(at);
        if n == 0 {
            continue;
        }
        let mut mix = [0.0f32; 3];
        for g in 0..groups {
            let c = counts[g * w * h + at] as f32 / n as f32;
            let [r, gr, b, _] = optimizer_color(g);
            for (m, v) in mix.iter_mut().zip([r, gr, b]) {
                *m += c * f32::from(v);
            }
        }
        let alpha = 0.2 + 0.7 * (1.0 + n as f32).ln() / scale;
        blend(
            image,
            (at % w) as i64,
            (at / w) as i64,
            mix.map(|v| v.round() as u8),
            alpha,
        );
    }
}

/// Blends `color` at `alpha` times `coverage` into one pixel.
fn blend(image: &mut RgbaImage, x: i64, y: i64, color: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(image.width()) || y >= i64::from(image.height()) || alpha <= 0.0 {
        return;
    }
    let p = image.get_pixel_mut(x as u32, y as u32);
    for (channel, c) in p.0.iter_mut().zip(color) {
        *channel = (f32::from(*channel) * (1.0 - alpha) + f32::from(c) * alpha).round() as u8;
    }
}

/// Pixels within `radius` of the segment a-b, each once, with a soft edge.
fn line(image: &mut RgbaImage, a: [f32; 2], b: [f32; 2], radius: f32, color: [u8; 3], alpha: f32) {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let outside = |v: f32, max: f32| v < -radius * 4.0 || v > max + radius * 4.0;
    if (outside(a[0], w) && outside(b[0], w) && (a[0] < 0.0) == (b[0] < 0.0))
        || (outside(a[1], h) && outside(b[1], h) && (a[1] < 0.0) == (b[1] < 0.0))
        || !(a.iter().chain(&b).all(|v| v.is_finite() && v.abs() < 1e7))
    {
        return;
    }
    let (x0, x1) = (
        (a[0].min(b[0]) - radius - 1.0).floor(),
        (a[0].max(b[0]) + radius + 1.0).ceil(),
    );
    let (y0, y1) = (
        (a[1].min(b[1]) - radius - 1.0).floor(),
        (a[1].max(b[1]) + radius + 1.0).ceil(),
    );
    let (x0, x1) = (x0.max(0.0) as i64, x1.min(w) as i64);
    let (y0, y1) = (y0.max(0.0) as i64, y1.min(h) as i64);
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = (d[0] * d[0] + d[1] * d[1]).max(1e-12);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = [x as f32 + 0.5 - a[0], y as f32 + 0.5 - a[1]];
            let t = ((p[0] * d[0] + p[1] * d[1]) / len2).clamp(0.0, 1.0);
            let q = [p[0] - t * d[0], p[1] - t * d[1]];
            let dist = (q[0] * q[0] + q[1] * q[1]).sqrt();
            let coverage = (radius + 0.5 - dist).clamp(0.0, 1.0);
            blend(image, x, y, color, alpha * coverage);
        }
    }
}

fn disc(image: &mut RgbaImage, c: [f32; 2], radius: f32, color: [u8; 3], alpha: f32) {
    line(image, c, c, radius, color, alpha);
}

fn ring(image: &mut RgbaImage, c: [f32; 2], radius: f32, color: [u8; 3], alpha: f32) {
    let r = radius.ceil() as i64 + 1;
    for y in -r..=r {
        for x in -r..=r {
            let dist =
                ((x as f32 + 0.5 - c[0].fract()).powi(2) + (y as f32 + 0.5 - c[1].fract()).powi(2)).sqrt();
            let coverage = (1.0 - (dist - radius).abs()).clamp(0.0, 1.0);
            blend(
                image,
                c[0].floor() as i64 + x,
                c[1].floor() as i64 + y,
                color,
                alpha * coverage,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::slice::Plane;

    /// A bowl slice with one trail from a corner to the middle: the middle is the darkest
    /// colour of the scale, the corners the brightest, and the trail's pixels its colour.
    #[test]
    fn a_bowl_shades_low_to_high_and_the_trail_is_drawn() {
        let slice = Slice {
            plane: Plane {
                origin: vec![0.0, 0.0],
                d1: vec![1.0, 0.0],
                d2: vec![0.0, 1.0],
            },
            centre: [0.0, 0.0],
            a: [-1.0, 1.0],
            b: [-1.0, 1.0],
            cols: 21,
            rows: 21,
        };
        let losses: Vec<f32> = (0..21 * 21)
            .map(|k| {
                let (a, b) = slice.coordinates(k % 21, k / 21);
                (0.01 + a * a + b * b) as f32
            })
            .collect();
        let trail: Vec<TrailPoint> = (0..=10)
            .map(|t| {
                let s = 0.8 * (1.0 - t as f32 / 10.0);
                TrailPoint {
                    pos: [s, s],
                    loss: 0.0,
                    status: 0,
                }
            })
            .collect();
        let (image, range) = draw(&slice, &losses, &[trail], 1, 200);
        assert!(
            (range[0] - 0.01).abs() < 1e-6 && (range[1] - 2.01).abs() < 1e-5,
            "{range:?}"
        );
        let low = Colormap::Viridis.sample(0.0);
        let high = Colormap::Viridis.sample(1.0);
        let near =
            |p: &Rgba<u8>, c: [u8; 4]| (0..3).all(|k| (i32::from(p.0[k]) - i32::from(c[k])).abs() < 40);
        assert!(near(image.get_pixel(0, 0), high) && near(image.get_pixel(199, 199), high));
        // The trail runs from (0.8, 0.8), up and right, to the middle: on the diagonal.
        let [r, g, b, _] = optimizer_color(0);
        let on_trail = image.get_pixel(140, 60);
        assert!(near(on_trail, [r, g, b, 255]), "{on_trail:?}");
        let off_trail = image.get_pixel(60, 60);
        assert!(
            !near(off_trail, [r, g, b, 255]) && !near(off_trail, low),
            "{off_trail:?}"
        );
        // The centre cross is white.
        assert!(
            image.get_pixel(103, 100).0[..3].iter().all(|&c| c > 220),
            "{:?}",
            image.get_pixel(103, 100)
        );
    }

    /// Beyond LINES_UP_TO trails the map shows density: a path many models took is drawn at
    /// full strength in its group's colour, and where two groups' paths cross, in the mean
    /// of their colours.
    #[test]
    fn many_trails_draw_as_density_coloured_by_group() {
        let slice = Slice {
            plane: Plane {
                origin: vec![0.0, 0.0],
                d1: vec![1.0, 0.0],
                d2: vec![0.0, 1.0],
            },
            centre: [-0.9, -0.9],
            a: [-1.0, 1.0],
            b: [-1.0, 1.0],
            cols: 5,
            rows: 5,
        };
        let losses = vec![1.0f32; 25];
        let path = |from: [f32; 2], to: [f32; 2]| -> Vec<TrailPoint> {
            (0..=8)
                .map(|t| {
                    let s = t as f32 / 8.0;
                    TrailPoint {
                        pos: [from[0] + (to[0] - from[0]) * s, from[1] + (to[1] - from[1]) * s],
                        loss: 0.0,
                        status: 0,
                    }
                })
                .collect()
        };
        // 100 models of group 0 along b = 0.5, 100 of group 1 along a = 0.5.
        let mut trails = vec![path([-0.8, 0.5], [0.8, 0.5]); 100];
        trails.extend(vec![path([0.5, -0.8], [0.5, 0.8]); 100]);
        assert!(trails.len() > LINES_UP_TO);
        let (image, _) = draw(&slice, &losses, &trails, 100, 200);
        let background = Colormap::Viridis.sample(0.0);
        let expect = |c: [u8; 4], alpha: f32| -> [f32; 3] {
            [0, 1, 2].map(|k| f32::from(c[k]) * alpha + f32::from(background[k]) * (1.0 - alpha))
        };
        let close = |p: &Rgba<u8>, want: [f32; 3]| (0..3).all(|k| (f32::from(p.0[k]) - want[k]).abs() < 6.0);
        // b = 0.5 is pixel row 50; a = 0.5 is column 150.
        let (c0, c1) = (optimizer_color(0), optimizer_color(1));
        let on_0 = image.get_pixel(60, 50);
        assert!(close(on_0, expect(c0, 0.9)), "{on_0:?}");
        let on_1 = image.get_pixel(150, 120);
        assert!(close(on_1, expect(c1, 0.9)), "{on_1:?}");
        // The crossing: 200 visits, half of each colour.
        let mean = [0, 1, 2, 3].map(|k| ((u16::from(c0[k]) + u16::from(c1[k])) / 2) as u8);
        let cross = image.get_pixel(150, 50);
        assert!(close(cross, expect(mean, 0.9)), "{cross:?} against {mean:?}");
        // Off the paths, the slice alone.
        let off = image.get_pixel(60, 120);
        assert!(close(off, expect(background, 1.0)), "{off:?}");
    }
}
