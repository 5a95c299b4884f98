//! Keyboard and mouse bindings of the window, as data: the viewer asks what an input means
//! here, so the bindings, the help text and the tests read from one table.

use egui::{Key, Modifiers, PointerButton};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    TogglePause,
    StepOnce,
    /// One recorded step back (scrubbing; the simulation is not re-run).
    StepBack,
    Restart,
    Faster,
    Slower,
    ToggleHelp,
    TogglePanel,
    ViewPost,
    ViewTop,
    ViewSide,
    ResetView,
    ToggleRecord,
    Screenshot,
    /// Back and forward through the sweep map's zooms.
    ZoomBack,
    ZoomForward,
}

/// Key bindings: key, action, help text.
pub const KEYS: &[(Key, Action, &str)] = &[
    (Key::Space, Action::TogglePause, "Space: pause / resume"),
    (Key::Period, Action::StepOnce, ". or Right: one step"),
    (Key::ArrowRight, Action::StepOnce, ""),
    (
        Key::Comma,
        Action::StepBack,
        ", or Left: one step back (the recorded path, not re-run)",
    ),
    (Key::ArrowLeft, Action::StepBack, ""),
    (Key::R, Action::Restart, "r: restart from the start points"),
    (Key::Plus, Action::Faster, "+ / -: simulation speed"),
    (Key::Equals, Action::Faster, ""),
    (Key::Minus, Action::Slower, ""),
    (Key::H, Action::ToggleHelp, "h: this help"),
    (Key::Tab, Action::TogglePanel, "Tab: hide / show the side panel"),
    (
        Key::Num1,
        Action::ViewPost,
        "1 / 2 / 3: views: the blog post's, top-down, side",
    ),
    (Key::Num2, Action::ViewTop, ""),
    (Key::Num3, Action::ViewSide, ""),
    (Key::Num0, Action::ResetView, "0 or double-click: reset the view"),
    (
        Key::F9,
        Action::ToggleRecord,
        "F9: start / stop recording PNG frames",
    ),
    (Key::F12, Action::Screenshot, "F12: screenshot"),
    (
        Key::OpenBracket,
        Action::ZoomBack,
        "[ / ]: back / forward through the sweep map's zooms",
    ),
    (Key::CloseBracket, Action::ZoomForward, ""),
];

/// Mouse help, shown with the keys.
pub const MOUSE_HELP: &[&str] = &[
    "left drag: orbit",
    "right or middle drag (or ctrl + left drag): pan",
    "wheel: zoom towards the cursor",
    "click: add a start point there (on a sweep map: show that group's path)",
    "shift + drag: a grid of start points in the rectangle",
    "drag on a sweep map: zoom into that rectangle (the sweep runs again on its ranges)",
];

pub fn key_action(key: Key) -> Option<Action> {
    KEYS.iter().find(|(k, _, _)| *k == key).map(|(_, a, _)| *a)
}

/// What a drag in the viewport does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DragMode {
    Orbit,
    Pan,
    /// A rectangle of start points.
    Rectangle,
    /// A rectangle on sweep map k: zoom into it.
    ZoomMap(usize),
}

pub fn drag_mode(button: PointerButton, modifiers: Modifiers) -> Option<DragMode> {
    match button {
        PointerButton::Primary if modifiers.shift => Some(DragMode::Rectangle),
        PointerButton::Primary if modifiers.ctrl || modifiers.command => Some(DragMode::Pan),
        PointerButton::Primary => Some(DragMode::Orbit),
        PointerButton::Secondary | PointerButton::Middle => Some(DragMode::Pan),
        _ => None,
    }
}

/// The help text: one line per binding that has one.
pub fn help_lines() -> Vec<&'static str> {
    KEYS.iter()
        .map(|(_, _, h)| *h)
        .filter(|h| !h.is_empty())
        .chain(MOUSE_HELP.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings() {
        assert_eq!(key_action(Key::Space), Some(Action::TogglePause));
        assert_eq!(key_action(Key::ArrowRight), Some(Action::StepOnce));
        assert_eq!(key_action(Key::F9), Some(Action::ToggleRecord));
        assert_eq!(key_action(Key::Q), None);
        assert_eq!(
            drag_mode(PointerButton::Primary, Modifiers::NONE),
            Some(DragMode::Orbit)
        );
        assert_eq!(
            drag_mode(PointerButton::Primary, Modifiers::SHIFT),
            Some(DragMode::Rectangle)
        );
        assert_eq!(
            drag_mode(PointerButton::Secondary, Modifiers::NONE),
            Some(DragMode::Pan)
        );
        assert!(help_lines().len() >= 10);
    }
}
