//! The text overlay, drawn on lavapipe onto an offscreen `Rgba8UnormSrgb` texture and read
//! back: measured properties (text inside the boxes and at every label, palette colours in the
//! swatches, nothing elsewhere, size proportional to `pixels_per_point`) and a golden image.
//!
//! Goldens: `tests/golden/overlay_*.png`, compared per pixel with a tolerance and a budget of
//! differing pixels (lavapipe's output may differ slightly between CPUs); on failure the test
//! writes `*.new.png` and `*.diff.png` beside the golden. A missing golden fails unless
//! `UPDATE_GOLDEN=1`, which (re)writes it.

mod common;

use descent::gpu::Gpu;
use descent::render::overlay::style::{
    Anchor, LegendEntry, MarkerShape, OverlayContent, PALETTE, ScreenLabel, StartEntry, optimizer_color,
};
use descent::render::overlay::{Overlay, pixels_per_point_for};
use descent::render::read_texture_rgba;
use egui::Rect;

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
const WHITE: [u8; 4] = [255, 255, 255, 255];

/// An RGBA8 image read back from the GPU, rows tightly packed.
struct Frame {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Frame {
    fn px(&self, x: u32, y: u32) -> [u8; 4] {
        let i = 4 * (y * self.width + x) as usize;
        self.rgba[i..i + 4].try_into().expect("4 bytes")
    }

    /// Pixels in `rect` (physical, clamped to the frame) that satisfy `pred`.
    fn count(&self, rect: Rect, pred: impl Fn([u8; 4]) -> bool) -> usize {
        let (x0, y0, x1, y1) = self.clamp(rect);
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| pred(self.px(x, y)))
            .count()
    }

    /// Bounding box of the pixels in `rect` that satisfy `pred`.
    fn bbox(&self, rect: Rect, pred: impl Fn([u8; 4]) -> bool) -> Option<Rect> {
        let (x0, y0, x1, y1) = self.clamp(rect);
        let mut bb: Option<Rect> = None;
        for y in y0..y1 {
            for x in x0..x1 {
                if pred(self.px(x, y)) {
                    let p = Rect::from_min_size(egui::pos2(x as f32, y as f32), egui::vec2(1.0, 1.0));
                    bb = Some(bb.map_or(p, |b| b.union(p)));
                }
            }
        }
        bb
    }

    fn clamp(&self, r: Rect) -> (u32, u32, u32, u32) {
        let c = |v: f32, max: u32| (v.round().max(0.0) as u32).min(max);
        (
            c(r.min.x, self.width),
            c(r.min.y, self.height),
            c(r.max.x, self.width),
            c(r.max.y, self.height),
        )
    }

    fn save(&self, path: &std::path::Path) {
        image::save_buffer(path, &self.rgba, self.width, self.height, image::ColorType::Rgba8)
            .expect("write png");
    }
}

fn luma(p: [u8; 4]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// Text ink: the overlay's text is near-black or dark grey, antialiased.
fn dark(p: [u8; 4]) -> bool {
    luma(p) < 140.0
}

fn near(p: [u8; 4], c: [u8; 4], tol: u8) -> bool {
    (0..3).all(|i| p[i].abs_diff(c[i]) <= tol)
}

/// Clears a `size` texture to `background`, draws `content` over it, reads it back.
fn render(
    gpu: &Gpu,
    overlay: &mut Overlay,
    size: [u32; 2],
    ppp: f32,
    background: Background<'_>,
    content: &OverlayContent,
) -> Frame {
    let [width, height] = size;
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("test.frame"),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_SRC
            | wgpu::TextureUsages::COPY_DST,
        view_formats: &[descent::render::overlay::draw_format(FORMAT)],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());

    // The "3D frame": a clear or an uploaded picture.
    match background {
        Background::Solid(colour) => {
            let [r, g, b, a] = descent::render::overlay::style::srgb_to_linear(colour).map(f64::from);
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("test.clear"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            gpu.queue.submit([encoder.finish()]);
        }
        Background::Image(rgba) => gpu.queue.write_texture(
            texture.as_image_copy(),
            rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(4 * width),
                rows_per_image: Some(height),
            },
            texture.size(),
        ),
    }

    overlay.draw(gpu, &view, size, ppp, content);

    let rgba = read_texture_rgba(gpu, &texture).expect("readback").into_raw();
    assert!(gpu.take_fault().is_none(), "GPU error while drawing the overlay");
    Frame { width, height, rgba }
}

enum Background<'a> {
    Solid([u8; 4]),
    /// RGBA8 sRGB, tightly packed rows.
    Image(&'a [u8]),
}

/// A stand-in for a rendered frame: the saddle x² − y² over the axes box (15%..85% of the
/// frame, domain [-1, 1]²) in a light blue-white-orange colour map with contour lines.
fn saddle_frame([w, h]: [u32; 2]) -> Vec<u8> {
    let lerp = |a: [f32; 3], b: [f32; 3], t: f32| [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t);
    let (low, mid, high) = ([103.0, 150.0, 205.0], [247.0, 247.0, 247.0], [239.0, 150.0, 90.0]);
    let mut rgba = Vec::with_capacity((4 * w * h) as usize);
    for py in 0..h {
        for px in 0..w {
            let x = (px as f32 / w as f32 - 0.5) / 0.35;
            let y = (0.5 - py as f32 / h as f32) / 0.35;
            let f = x * x - y * y;
            let c = if f < 0.0 {
                lerp(mid, low, (-f).min(1.0))
            } else {
                lerp(mid, high, f.min(1.0))
            };
            // Contours every 0.2, about a pixel wide: distance to the level over the gradient.
            let (k, grad) = (5.0 * f, 10.0 * (x * x + y * y).sqrt() / (0.35 * w as f32));
            let contour = (1.0 - (k - k.round()).abs() / grad.max(1e-6)).clamp(0.0, 1.0);
            let c = c.map(|v| v * (1.0 - 0.25 * contour));
            rgba.extend(c.map(|v| v as u8));
            rgba.push(255);
        }
    }
    rgba
}

/// A figure's worth of overlay for a frame of `size` physical pixels: the axes box spans
/// 15%..85% of the frame; tick labels sit on its bottom and left edges.
fn content(size: [u32; 2], ppp: f32) -> OverlayContent {
    let [w, h] = size.map(|v| v as f32);
    let tick = |pos: [f32; 2], text: &str, anchor| ScreenLabel {
        pos,
        text: text.to_owned(),
        anchor,
        size: 10.0,
        color: [64, 64, 64, 255],
    };
    let mut labels = Vec::new();
    for (i, t) in ["-1", "-0.5", "0", "0.5", "1"].iter().enumerate() {
        let x = w * (0.15 + 0.175 * i as f32);
        labels.push(tick([x, 0.85 * h], t, Anchor::Bottom));
    }
    for (i, t) in ["1", "0", "-1"].iter().enumerate() {
        let y = h * (0.2 + 0.3 * i as f32);
        labels.push(tick([0.15 * w, y], t, Anchor::Left));
    }
    labels.push(ScreenLabel {
        size: 12.0,
        ..tick([0.5 * w, 0.85 * h + 22.0 * ppp], "x", Anchor::Bottom)
    });
    labels.push(ScreenLabel {
        size: 12.0,
        ..tick([0.15 * w - 40.0 * ppp, 0.5 * h], "y", Anchor::Left)
    });
    let legend = ["SGD lr=0.1", "Momentum lr=0.1, m=0.9", "Adam lr=0.1"]
        .iter()
        .enumerate()
        .map(|(i, l)| LegendEntry {
            color: optimizer_color(i),
            label: (*l).to_owned(),
        })
        .collect();
    let starts = ["(1, 0.25)", "(-0.75, 1)"]
        .iter()
        .enumerate()
        .map(|(i, l)| StartEntry {
            shape: MarkerShape::for_start(i),
            label: (*l).to_owned(),
        })
        .collect();
    OverlayContent {
        title: Some("Saddle point: f(x, y) = x² − y²".to_owned()),
        legend,
        starts,
        status: "step 120 / 200".to_owned(),
        labels,
        ..OverlayContent::default()
    }
}

/// Checks every measurable property of a rendered overlay at one size.
fn check_frame(frame: &Frame, overlay: &Overlay, content: &OverlayContent, ppp: f32) {
    let layout = overlay.layout();
    let (w, h) = (frame.width as f32, frame.height as f32);

    // Legend box: top-right, holds text and one swatch in each optimizer's palette colour.
    let legend = layout.legend.expect("legend drawn");
    assert!(
        legend.max.x <= w && legend.min.x > w / 2.0 && legend.min.y < h / 4.0,
        "{legend:?}"
    );
    assert!(frame.count(legend, dark) > 50, "no text in the legend box");
    for (i, &[r, g, b]) in PALETTE.iter().take(content.legend.len()).enumerate() {
        let exact = frame.count(legend, |p| near(p, [r, g, b, 255], 2));
        // The dot alone covers ~pi * (4 pt)^2 at full colour.
        assert!(
            exact as f32 > 20.0 * ppp * ppp,
            "palette colour {i} found in {exact} pixels"
        );
    }
    // The box is semi-transparent white with a light grey edge: its corners' insides are white.
    let inside = legend.shrink(6.0 * ppp);
    assert!(near(frame.px(inside.min.x as u32, inside.max.y as u32), WHITE, 1));

    // 'Initialization' box under it: text, and the black outlines of the start markers.
    let starts = layout.starts.expect("starts box drawn");
    assert!(starts.min.y >= legend.max.y, "starts box under the legend");
    assert!(frame.count(starts, dark) > 50);
    let marker_column = Rect::from_min_max(
        starts.min + egui::vec2(4.0 * ppp, 20.0 * ppp),
        egui::pos2(starts.min.x + 36.0 * ppp, starts.max.y),
    );
    assert!(
        frame.count(marker_column, |p| luma(p) < 40.0) as f32 > 10.0 * ppp,
        "start markers outlined"
    );

    // Title at the top centre, status at the top left.
    let title = layout.title.expect("title drawn");
    assert!((title.center().x - w / 2.0).abs() < 2.0 && title.min.y < 20.0 * ppp);
    assert!(frame.count(title, dark) > 30);
    let status = layout.status.expect("status drawn");
    assert!(status.min.x < 20.0 * ppp && status.min.y < 20.0 * ppp);
    assert!(frame.count(status, dark) > 30);

    // Every label has ink next to its anchor point, on the side the anchor says, centred on
    // the point across that side, and inside the rect the overlay reports for it.
    for (label, rect) in content.labels.iter().zip(&layout.labels) {
        let [x, y] = label.pos;
        let (r, g) = (3.0 * label.size * ppp, 3.0 * ppp);
        let side = match label.anchor {
            Anchor::Bottom => Rect::from_min_max(egui::pos2(x - r, y), egui::pos2(x + r, y + r)),
            Anchor::Top => Rect::from_min_max(egui::pos2(x - r, y - r), egui::pos2(x + r, y)),
            Anchor::Left => Rect::from_min_max(egui::pos2(x - r, y - g * 2.0), egui::pos2(x, y + g * 2.0)),
            Anchor::Right => Rect::from_min_max(egui::pos2(x, y - g * 2.0), egui::pos2(x + r, y + g * 2.0)),
            Anchor::Center => Rect::from_center_size(egui::pos2(x, y), egui::vec2(r, r)),
        };
        let ink = frame
            .bbox(side, dark)
            .unwrap_or_else(|| panic!("no ink next to label {:?}", label.text));
        let centred = match label.anchor {
            Anchor::Bottom | Anchor::Top => (ink.center().x - x).abs() < g,
            Anchor::Left | Anchor::Right => (ink.center().y - y).abs() < g,
            Anchor::Center => ink.contains(egui::pos2(x, y)),
        };
        assert!(
            centred,
            "label {:?}: ink {ink:?} not centred on {x}, {y}",
            label.text
        );
        assert!(
            rect.contains_rect(ink.shrink(0.5)),
            "{:?}: ink {ink:?} outside {rect:?}",
            label.text
        );
    }

    // Nothing far from all content: the middle of the plot is untouched.
    let centre = Rect::from_center_size(egui::pos2(w / 2.0, h / 2.0), egui::vec2(0.3 * w, 0.3 * h));
    assert_eq!(
        frame.count(centre, |p| p != WHITE),
        0,
        "overlay drew in the centre"
    );
}

#[test]
fn overlay_640x480_text_boxes_swatches_and_labels() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let (size, ppp) = ([640, 480], 1.0);
    let content = content(size, ppp);
    let frame = render(gpu, &mut overlay, size, ppp, Background::Solid(WHITE), &content);
    compare_golden(&frame, "overlay_640x480");
    check_frame(&frame, &overlay, &content, ppp);
}

#[test]
fn overlay_4k_is_crisp_and_proportionally_larger() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let small = render(
        gpu,
        &mut overlay,
        [640, 480],
        1.0,
        Background::Solid(WHITE),
        &content([640, 480], 1.0),
    );
    let small_title = overlay.layout().title.expect("title");
    let content_4k = content([3840, 2160], 4.0);
    // The same overlay at a new scale: egui rebuilds its glyph atlas for the new size.
    let big = render(
        gpu,
        &mut overlay,
        [3840, 2160],
        4.0,
        Background::Solid(WHITE),
        &content_4k,
    );
    check_frame(&big, &overlay, &content_4k, 4.0);
    let big_title = overlay.layout().title.expect("title");
    big.save(&std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("overlay_4k.png"));

    let ink_small = small
        .bbox(small_title.expand(2.0), dark)
        .expect("title ink at 640x480");
    let ink_big = big.bbox(big_title.expand(8.0), dark).expect("title ink at 4K");
    let (sx, sy) = (
        ink_big.width() / ink_small.width(),
        ink_big.height() / ink_small.height(),
    );
    assert!(
        (3.7..4.3).contains(&sx) && (3.5..4.5).contains(&sy),
        "title scaled by {sx} x {sy}"
    );

    // Crisp: glyphs rasterized at 4x, not a magnified 1x atlas. Stems of upright letters reach
    // full ink; the share of fully dark pixels among inked ones is much higher than at 1x.
    let solid = |f: &Frame, r: Rect| f.count(r, |p| luma(p) < 60.0) as f32 / f.count(r, dark).max(1) as f32;
    let (s1, s4) = (solid(&small, ink_small), solid(&big, ink_big));
    eprintln!("title scaled by {sx} x {sy}; solid ink share: 1x {s1}, 4x {s4}");
    assert!(s4 > 0.6 && s4 > s1, "solid ink share: 1x {s1}, 4x {s4}");
}

#[test]
fn overlay_glyphs_are_real_not_boxes() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    // Same length, different letters: real glyphs differ in ink, replacement boxes would not.
    let label = |x: f32, text: &str| ScreenLabel {
        pos: [x, 40.0],
        text: text.to_owned(),
        anchor: Anchor::Right,
        size: 20.0,
        color: [0, 0, 0, 255],
    };
    let content = OverlayContent {
        labels: vec![label(10.0, "iiiiii"), label(160.0, "MMMMMM")],
        ..Default::default()
    };
    let frame = render(
        gpu,
        &mut overlay,
        [320, 80],
        1.0,
        Background::Solid(WHITE),
        &content,
    );
    let font = egui::FontId::proportional(13.0);
    let text = "Initialization SGD Adam step 0123456789 (-.,/) x² − y²";
    assert!(
        overlay.context().fonts_mut(|f| f.has_glyphs(&font, text)),
        "default fonts lack glyphs"
    );
    let ink = |r: Rect| frame.count(r, dark);
    let (thin, wide) = (ink(overlay.layout().labels[0]), ink(overlay.layout().labels[1]));
    assert!(
        thin > 20 && wide > 3 * thin,
        "ink of 'iiiiii' {thin}, of 'MMMMMM' {wide}"
    );
}

#[test]
fn overlay_keeps_the_frame_underneath() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let sky = [200, 220, 240, 255];
    let empty = render(
        gpu,
        &mut overlay,
        [160, 120],
        1.0,
        Background::Solid(sky),
        &OverlayContent::default(),
    );
    assert!(
        empty.rgba.chunks_exact(4).all(|p| p == sky),
        "empty overlay changed the frame"
    );

    let size = [640, 480];
    let picture = saddle_frame(size);
    let frame = render(
        gpu,
        &mut overlay,
        size,
        1.0,
        Background::Image(&picture),
        &content(size, 1.0),
    );
    frame.save(&std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("overlay_on_saddle.png"));
    // Away from the overlay's parts, every pixel is the frame's.
    let layout = overlay.layout();
    let parts: Vec<Rect> = [layout.title, layout.status, layout.legend, layout.starts]
        .into_iter()
        .flatten()
        .chain(layout.labels.iter().copied())
        .map(|r| r.expand(2.0))
        .collect();
    let mut touched = 0;
    for (i, (a, b)) in frame
        .rgba
        .chunks_exact(4)
        .zip(picture.chunks_exact(4))
        .enumerate()
    {
        let p = egui::pos2((i % 640) as f32 + 0.5, (i / 640) as f32 + 0.5);
        if a != b {
            assert!(
                parts.iter().any(|r| r.contains(p)),
                "pixel {p:?} changed outside the overlay"
            );
            touched += 1;
        }
    }
    assert!(touched > 1000, "only {touched} pixels drawn");
    // The legend box is white at 80% over the frame: lighter than what is under it, not opaque.
    let legend = layout.legend.expect("legend");
    let (x, y) = (legend.max.x as u32 - 4, legend.max.y as u32 - 4);
    let (under, over) = (&picture[4 * (y * 640 + x) as usize..][..4], frame.px(x, y));
    assert!(
        (0..3).all(|c| over[c] >= under[c]) && over != WHITE,
        "legend fill {over:?} over {under:?}"
    );
}

#[test]
fn overlay_is_deterministic_across_scale_changes() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let c = content([480, 360], 1.0);
    let first = render(gpu, &mut overlay, [480, 360], 1.0, Background::Solid(WHITE), &c);
    let _ = render(
        gpu,
        &mut overlay,
        [960, 720],
        2.0,
        Background::Solid(WHITE),
        &content([960, 720], 2.0),
    );
    let again = render(gpu, &mut overlay, [480, 360], 1.0, Background::Solid(WHITE), &c);
    let differing = first
        .rgba
        .chunks_exact(4)
        .zip(again.rgba.chunks_exact(4))
        .filter(|(a, b)| a != b);
    assert_eq!(differing.count(), 0, "same content, same pixels");
}

#[test]
fn pixels_per_point_follows_frame_height() {
    assert_eq!(pixels_per_point_for(480), 1.0);
    assert_eq!(pixels_per_point_for(1080), 1.0);
    assert_eq!(pixels_per_point_for(1440), 1440.0 / 1080.0);
    assert_eq!(pixels_per_point_for(2160), 2.0);
}

/// Per-pixel comparison with `tests/golden/<name>.png`: a pixel differs when a channel is off
/// by more than 8; up to 0.1% of pixels may differ (lavapipe's JIT varies a little by CPU).
fn compare_golden(frame: &Frame, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let path = dir.join(format!("{name}.png"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("golden dir");
        frame.save(&path);
        return;
    }
    let new_path = dir.join(format!("{name}.new.png"));
    let Ok(golden) = image::open(&path) else {
        std::fs::create_dir_all(&dir).expect("golden dir");
        frame.save(&new_path);
        panic!(
            "missing golden {}; wrote {} (UPDATE_GOLDEN=1 to accept)",
            path.display(),
            new_path.display()
        );
    };
    let golden = golden.to_rgba8();
    assert_eq!(golden.dimensions(), (frame.width, frame.height), "golden size");
    let mut diff = image::RgbaImage::new(frame.width, frame.height);
    let mut failed = 0usize;
    for (i, (a, b)) in frame
        .rgba
        .chunks_exact(4)
        .zip(golden.as_raw().chunks_exact(4))
        .enumerate()
    {
        let d = (0..4).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0);
        let (x, y) = (i as u32 % frame.width, i as u32 / frame.width);
        diff.put_pixel(
            x,
            y,
            image::Rgba(if d > 8 {
                [255, 0, 0, 255]
            } else {
                [d * 16, d * 16, d * 16, 255]
            }),
        );
        failed += usize::from(d > 8);
    }
    let budget = frame.rgba.len() / 4 / 1000;
    if failed > budget {
        frame.save(&new_path);
        diff.save(dir.join(format!("{name}.diff.png")))
            .expect("write diff");
        panic!(
            "{failed} pixels differ from {} (budget {budget}); see {name}.new.png / .diff.png",
            path.display()
        );
    }
}

/// Start markers: each start has its own shape up to the number of shapes; past it the
/// 'Initialization' box says the shapes repeat (a fifth start on a 1D course, x = 2, shares
/// x = -2's square), one more row than the starts alone.
#[test]
fn more_starts_than_shapes_are_said_so_in_the_box() {
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let shapes = MarkerShape::CYCLE.len();
    let height = |overlay: &mut Overlay, n: usize| {
        let mut c = content([640, 480], 1.0);
        c.starts = (0..n)
            .map(|i| StartEntry {
                shape: MarkerShape::for_start(i),
                label: format!("x = {i}"),
            })
            .collect();
        render(
            gpu,
            overlay,
            [640, 480],
            1.0,
            Background::Solid([255, 255, 255, 255]),
            &c,
        );
        overlay.layout().starts.expect("the box").height()
    };
    let shapes_distinct: std::collections::HashSet<_> = (0..shapes).map(MarkerShape::for_start).collect();
    assert_eq!(shapes_distinct.len(), shapes);
    let row = height(&mut overlay, 2) - height(&mut overlay, 1);
    let at_cycle = height(&mut overlay, shapes);
    let past = height(&mut overlay, shapes + 1);
    assert!(
        (past - at_cycle - 2.0 * row).abs() < 0.5,
        "one start row and the note: {past} vs {at_cycle} + 2 x {row}"
    );
    assert!(
        (at_cycle - height(&mut overlay, shapes - 1) - row).abs() < 0.5,
        "no note within the cycle"
    );
}

/// A colour bar over eight decades (final losses from 1e-4 to 1000): its labels never touch
/// ("1e-4" beside "0.001" read "1e-40.001"); the ends are labelled, and every label shown is
/// one of the bar's.
#[test]
fn colour_bar_labels_never_touch() {
    use descent::render::overlay::style::ColorBar;
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let decades = ["1e-4", "0.001", "0.01", "0.1", "1", "10", "100", "1000"];
    let mut c = content([640, 480], 1.0);
    c.color_bar = Some(ColorBar {
        title: "final loss (log)".into(),
        colors: (0..32u8).map(|k| [8 * k, 0, 255 - 8 * k, 255]).collect(),
        ticks: decades
            .iter()
            .enumerate()
            .map(|(i, t)| (i as f32 / (decades.len() - 1) as f32, t.to_string()))
            .collect(),
    });
    render(
        gpu,
        &mut overlay,
        [640, 480],
        1.0,
        Background::Solid([255, 255, 255, 255]),
        &c,
    );
    let labels = &overlay.layout().color_bar_labels;
    assert!(
        labels.len() >= 2 && labels.len() < decades.len(),
        "{} labels",
        labels.len()
    );
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            assert!(!a.expand(1.0).intersects(*b), "labels {a:?} and {b:?} touch");
        }
    }
    let bar = overlay.layout().color_bar.expect("the bar");
    assert!(
        labels[0].left() < bar.left() + 0.25 * bar.width(),
        "the low end is labelled"
    );
    assert!(
        labels[labels.len() - 1].right() > bar.right() - 0.25 * bar.width(),
        "the high end is labelled"
    );
}

/// A title or an inset's title wider than a small frame shrinks (or wraps) to stay inside it,
/// whole: in a 200 x 200 map frame the scene's title and the map's own title keep clear of
/// the frame's edges, and every part of the layout lies within the frame.
#[test]
fn long_titles_stay_inside_a_small_frame() {
    use descent::render::overlay::style::Inset;
    let gpu = common::gpu();
    let mut overlay = Overlay::new(gpu, FORMAT);
    let size = [200u32, 200];
    let ppp = pixels_per_point_for(size[1]);
    let content = OverlayContent {
        title: Some("Trainability of a 16-16-1 tanh network: input x output layer learning rates".into()),
        subtitle: Some("16 x 16 runs of 100 steps, one per pixel".into()),
        insets: vec![Inset {
            id: 7,
            title: "sgd: lr_layer0 (log) across, lr_layer1 (log) up (trainability)".into(),
            image: std::sync::Arc::new(image::RgbaImage::from_pixel(
                16,
                16,
                image::Rgba([40, 90, 200, 255]),
            )),
            x_range: ["0.001".into(), "1e6".into()],
            y_range: ["0.001".into(), "1e6".into()],
        }],
        full_inset: true,
        ..OverlayContent::default()
    };
    let frame = render(gpu, &mut overlay, size, ppp, Background::Solid(WHITE), &content);
    let layout = overlay.layout();
    let whole = Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(200.0, 200.0));
    let title = layout.title.expect("a title");
    let box_ = layout.inset_frames[0];
    for r in [title, box_, layout.insets[0]] {
        assert!(whole.contains_rect(r), "{r:?} leaves the frame");
    }
    // Ink in the title band, none in the outermost columns (the title used to run off both
    // sides), and some in the inset box's title row above its image.
    let band = Rect::from_min_max(egui::pos2(0.0, title.top()), egui::pos2(200.0, title.bottom()));
    assert!(frame.count(band, dark) > 50, "the title is drawn");
    for x in [0.0, 197.0] {
        let edge = Rect::from_min_max(egui::pos2(x, 0.0), egui::pos2(x + 3.0, 200.0));
        assert_eq!(frame.count(edge, dark), 0, "ink at the frame's edge x = {x}");
    }
    let inset_title = Rect::from_min_max(box_.left_top(), egui::pos2(box_.right(), layout.insets[0].top()));
    assert!(frame.count(inset_title, dark) > 30, "the inset's title is drawn");
}
