// The page's side of descent: checks for WebGPU before the program loads, shows errors,
// records the canvas (MediaRecorder), hands downloads to the browser, and exposes
// window.descent.run(spec) once the program is ready.
"use strict";

window.descentPage = (() => {
  // Errors and warnings as the page logged them, for whoever drives it (tests, bug reports).
  const log = [];
  for (const level of ["error", "warn"]) {
    const original = console[level].bind(console);
    console[level] = (...args) => {
      log.push(level + ": " + args.map(String).join(" "));
      original(...args);
    };
  }
  window.addEventListener("error", (e) => log.push("error: " + e.message));
  window.addEventListener("unhandledrejection", (e) => log.push("error: " + String(e.reason)));

  const message = () => document.getElementById("message");
  let recorder = null;
  let chunks = [];
  let recordingStarted = 0;
  let ready;
  const readyPromise = new Promise((resolve) => { ready = resolve; });

  function showError(text) {
    const box = message();
    box.textContent = text;
    box.style.display = "block";
    window.descentPage.lastError = text;
  }

  function noWebGpu() {
    document.getElementById("descent").style.display = "none";
    document.getElementById("no-webgpu").style.display = "block";
    window.descentPage.lastError = "no WebGPU";
  }

  async function boot(init, wasm) {
    const embed = new URLSearchParams(location.search).has("embed");
    window.descentPage.embed = embed;
    let adapter = null;
    try {
      adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
    } catch (e) {
      adapter = null;
    }
    if (!adapter) {
      noWebGpu();
      return;
    }
    const started = performance.now();
    await init();
    window.descent = {
      run: (spec) => wasm.run(spec === undefined ? {} : spec),
      capture: () => wasm.capture(),
      widgets: () => wasm.widgets(),
      bench: (particles, steps) => wasm.bench(particles, steps === undefined ? 200 : steps),
      benchFrames: (width, height, frames) =>
        wasm.benchFrames(width, height, frames === undefined ? 300 : frames),
    };
    window.descentPage.loadMs = performance.now() - started;
    ready();
  }

  // Called after every frame the program draws.
  // `settled`: the run has ended and every readback it drew from is in (what a capture of
  // the end waits for).
  function started(settled) {
    if (!window.descentPage.firstFrameMs) {
      window.descentPage.firstFrameMs = performance.now();
    }
    window.descentPage.frames = (window.descentPage.frames || 0) + 1;
    window.descentPage.settled = settled;
  }

  function download(name, bytes, mime) {
    const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function startRecording() {
    const canvas = document.getElementById("descent");
    if (!canvas.captureStream || typeof MediaRecorder === "undefined") {
      throw "this browser cannot record the canvas (no MediaRecorder)";
    }
    const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"]
      .find((t) => MediaRecorder.isTypeSupported(t));
    recorder = new MediaRecorder(canvas.captureStream(), type ? { mimeType: type } : {});
    chunks = [];
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = async () => {
      const blob = new Blob(chunks, { type: "video/webm" });
      download("descent.webm", new Uint8Array(await blob.arrayBuffer()), "video/webm");
    };
    recorder.start(1000);
    recordingStarted = performance.now();
  }

  function stopRecording() {
    if (!recorder) throw "not recording";
    recorder.stop();
    recorder = null;
    return (performance.now() - recordingStarted) / 1000;
  }

  // The panel's "copy as scene file" / "copy as command"; kept for tests and for browsers
  // that refuse the clipboard to a page without focus.
  function copyText(text) {
    window.descentPage.copied = text;
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
  }

  return { log, boot, showError, started, download, copyText, startRecording, stopRecording,
           ready: readyPromise };
})();
