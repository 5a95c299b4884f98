//! Chromium driven over the DevTools protocol (JSON messages on a WebSocket): start it
//! headless, open tabs, evaluate script, dispatch mouse events, take screenshots. Only what
//! the page's tests use.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

pub const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    child: Child,
    socket: Mutex<Socket>,
    _profile: TempDir,
}

struct Socket {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

/// A folder removed when dropped (the browser's profile).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    /// Starts chromium with `flags` and a window of `size` CSS pixels.
    pub fn launch(flags: &[&str], size: (u32, u32)) -> Self {
        assert!(
            std::path::Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: scripts/setup-debian.sh installs chromium"
        );
        static PROFILES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let profile = std::env::temp_dir().join(format!(
            "descent-chromium-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let mut child = Command::new(CHROMIUM)
            .args(["--remote-debugging-port=0", "--no-sandbox", "--no-first-run"])
            .args([
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={},{}", size.0, size.1))
            .args(flags)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        // It prints where its DevTools listen; its other lines are dropped.
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium did not say where its DevTools listen");
        let (ws, _) = tungstenite::connect(url.as_str()).expect("connect to chromium");
        Self {
            child,
            socket: Mutex::new(Socket { ws, next_id: 0 }),
            _profile: TempDir(profile),
        }
    }

    /// Sends `method` (to a tab's `session`, or the browser) and waits for its answer.
    pub fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        let mut s = self.socket.lock().expect("socket");
        s.next_id += 1;
        let id = s.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        s.ws.send(Message::text(message.to_string()))
            .map_err(|e| format!("{method}: {e}"))?;
        loop {
            let text = match s.ws.read().map_err(|e| format!("{method}: {e}"))? {
                Message::Text(t) => t.to_string(),
                _ => continue,
            };
            let reply: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if reply["id"] != json!(id) {
                continue; // an event, or another call's answer
            }
            if let Some(error) = reply.get("error") {
                return Err(format!("{method}: {error}"));
            }
            return Ok(reply["result"].clone());
        }
    }

    /// A new tab at `url`.
    pub fn open(&self, url: &str) -> Tab<'_> {
        let target = self
            .call(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "newWindow": true }),
            )
            .expect("new tab");
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .expect("attach");
        let tab = Tab {
            browser: self,
            session: attached["sessionId"].as_str().expect("session").to_string(),
        };
        tab.call("Page.enable", json!({}));
        // A tab in the background is hidden: its page would not draw.
        tab.call("Page.bringToFront", json!({}));
        tab.call("Emulation.setFocusEmulationEnabled", json!({ "enabled": true }));
        tab.call("Page.navigate", json!({ "url": url }));
        tab
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Tab<'b> {
    browser: &'b Browser,
    session: String,
}

impl Tab<'_> {
    pub fn call(&self, method: &str, params: Value) -> Value {
        self.browser
            .call(Some(&self.session), method, params)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Evaluates `js` in the page (awaiting a promise, for at most four minutes); its value as
    /// JSON.
    pub fn eval(&self, js: &str) -> Value {
        let raced = format!(
            "Promise.race([Promise.resolve((0, eval)({})), new Promise((_, no) => setTimeout(() => no('no answer in 240 s'), 240000))])",
            serde_json::to_string(js).expect("a string")
        );
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": raced, "awaitPromise": true, "returnByValue": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{js}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Polls `condition` until it holds, or panics with `why` after `timeout`.
    pub fn wait_for(&self, condition: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            // Until the page has loaded its script, the names it defines are missing.
            let js =
                format!("(() => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }})()");
            if self.eval(&js) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "timed out waiting for {condition}; the page says: {}; its log: {}",
            self.eval("window.descentPage && window.descentPage.lastError"),
            self.eval("window.descentPage && window.descentPage.log.join('\\n')")
        );
    }

    /// One touch event: "touchStart" and "touchMove" with a finger at (x, y) CSS pixels,
    /// "touchEnd" lifts it.
    pub fn touch(&self, kind: &str, x: f64, y: f64) {
        let points = if kind == "touchEnd" {
            json!([])
        } else {
            json!([{ "x": x, "y": y, "id": 1 }])
        };
        self.call(
            "Input.dispatchTouchEvent",
            json!({ "type": kind, "touchPoints": points }),
        );
    }

    /// One touch event with several fingers (ids 1, 2, ...) at `points` CSS pixels; "touchEnd"
    /// lifts them all.
    pub fn touches(&self, kind: &str, points: &[(f64, f64)]) {
        let points: Vec<_> = if kind == "touchEnd" {
            Vec::new()
        } else {
            points
                .iter()
                .enumerate()
                .map(|(i, (x, y))| json!({ "x": x, "y": y, "id": i + 1 }))
                .collect()
        };
        self.call(
            "Input.dispatchTouchEvent",
            json!({ "type": kind, "touchPoints": points }),
        );
    }

    /// One mouse event at (x, y) CSS pixels: "mousePressed", "mouseMoved", "mouseReleased".
    pub fn mouse(&self, kind: &str, x: f64, y: f64, modifiers: u32) {
        let pressed = kind != "mouseReleased";
        self.call(
            "Input.dispatchMouseEvent",
            json!({
                "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1,
                "buttons": if pressed { 1 } else { 0 }, "modifiers": modifiers,
            }),
        );
    }
}

/// `text` as JavaScript's `encodeURIComponent` writes it: a scene for a page's `#scene=`
/// without opening a tab to ask the page (a page load is most of a test's time on SwiftShader).
pub fn uri_component(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
