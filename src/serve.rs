//! `descent serve`: the page's files over HTTP on the local machine, for a browser (WebGPU and
//! ES modules need http://, not file://). A platform room: a listener and a thread per
//! connection; GET and HEAD of files under one folder, nothing else.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Serves `dir` on `host:port` until the process ends; `ready` gets the address first.
pub fn serve(dir: &Path, host: &str, port: u16, ready: impl FnOnce(&str)) -> Result<()> {
    if !dir.join("index.html").is_file() {
        bail!(
            "{} has no index.html: build the page first with scripts/build-web.sh",
            dir.display()
        );
    }
    let listener =
        TcpListener::bind((host, port)).with_context(|| format!("cannot listen on {host}:{port}"))?;
    let addr = listener.local_addr()?;
    ready(&format!("http://{addr}/"));
    for stream in listener.incoming().flatten() {
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            let _ = answer(stream, &dir);
        });
    }
    Ok(())
}

/// One connection: requests answered in turn while the browser keeps it open.
fn answer(stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request)? == 0 {
            return Ok(());
        }
        // Headers are read and dropped; nothing here needs them.
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                break;
            }
        }
        let mut parts = request.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let (status, kind, body) = match (method, file_for(dir, target)) {
            ("GET" | "HEAD", Some(path)) => match std::fs::read(&path) {
                Ok(bytes) => ("200 OK", content_type(&path), bytes),
                Err(_) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
            },
            ("GET" | "HEAD", None) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
            _ => (
                "405 Method Not Allowed",
                "text/plain",
                b"GET or HEAD only\n".to_vec(),
            ),
        };
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n\r\n",
            body.len()
        )?;
        if method != "HEAD" {
            out.write_all(&body)?;
        }
        out.flush()?;
    }
}

/// The file a request path names under `dir` (the query and fragment dropped, `/` is
/// index.html); `None` for paths that leave `dir`.
pub fn file_for(dir: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path)?;
    let relative = Path::new(path.trim_start_matches('/'));
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = dir.join(relative);
    Some(if file.is_dir() {
        file.join("index.html")
    } else {
        file
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Browsers compile wasm while it downloads only when it comes as application/wasm.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("png") => "image/png",
        Some("toml" | "txt" | "csv") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_folder() {
        let dir = Path::new("/srv/web");
        assert_eq!(file_for(dir, "/descent.js?v=1"), Some(dir.join("descent.js")));
        assert_eq!(
            file_for(dir, "/scenes/a%20b.toml"),
            Some(dir.join("scenes/a b.toml"))
        );
        assert_eq!(file_for(dir, "/../etc/passwd"), None);
        assert_eq!(file_for(dir, "/%2e%2e/etc/passwd"), None);
        assert_eq!(file_for(dir, "/a%zz"), None);
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("x/descent_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
    }
}
