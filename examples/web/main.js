// The page's side: the drawing pad, the 8 × 8 image the network sees, and the calls into the
// WebAssembly module built from `src/lib.rs` (plain exported functions over its memory).

// Put here by build.sh, wherever cargo's target directory is.
const WASM = "nn_web.wasm";
// Predictions are timed together for at least this long: browsers round `performance.now()`
// (to 100 µs in Chromium without cross-origin isolation), far coarser than one prediction.
const TIMED_MS = 20;

const pad = document.getElementById("pad");
const seen = document.getElementById("seen");
const bars = document.getElementById("bars");
const answer = document.getElementById("answer");
const timing = document.getElementById("timing");
const errorBox = document.getElementById("error");
const ink = pad.getContext("2d", { willReadFrequently: true });

// The last classification, for the page and for tests (`window.nnDemo.state()`).
const state = { pixels: [], probabilities: [], digit: null, error: null, micros: null };

// One row per class: its digit, a bar, the probability.
const rows = [];
for (let digit = 0; digit < 10; digit++) {
  const label = document.createElement("span");
  label.textContent = digit;
  const bar = document.createElement("div");
  bar.className = "bar";
  bar.appendChild(document.createElement("div"));
  const value = document.createElement("span");
  value.textContent = "";
  bars.append(label, bar, value);
  rows.push({ bar, value });
}

function showError(message) {
  state.error = message;
  errorBox.textContent = message;
  errorBox.style.display = message ? "block" : "none";
}

async function load() {
  const response = await fetch(WASM);
  if (!response.ok) {
    throw new Error(`${WASM}: ${response.status} ${response.statusText} (build it first: sh examples/web/build.sh)`);
  }
  const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
  return instance.exports;
}

let wasm = null;

// Runs the module on `values` (any length): the digit and the probabilities, or the module's
// error message. Never throws for a bad input: the module returns -1 and says why.
function classify(values) {
  const capacity = wasm.input_capacity();
  if (values.length > capacity) {
    return { error: `expected 64 pixel values, got ${values.length} (more than the module's buffer of ${capacity})` };
  }
  new Float32Array(wasm.memory.buffer, wasm.input_buffer(), values.length).set(values);
  const digit = wasm.classify_digit(values.length);
  if (digit < 0) {
    const bytes = new Uint8Array(wasm.memory.buffer, wasm.error_message(), wasm.error_length());
    return { error: new TextDecoder().decode(bytes) };
  }
  const probabilities = Array.from(new Float32Array(wasm.memory.buffer, wasm.probabilities(), 10));
  return { digit, probabilities };
}

// The drawing as the digits data has its images: the ink's bounding box scaled into 32 × 32
// (keeping its proportions, centred), each cell dark when at least a third of it is inked, and
// each 4 × 4 block of cells counted into one pixel of 0 to 16.
function eightByEight() {
  const { width, height } = pad;
  const alpha = ink.getImageData(0, 0, width, height).data;
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha[(y * width + x) * 4 + 3] > 0) {
        left = Math.min(left, x); right = Math.max(right, x);
        top = Math.min(top, y); bottom = Math.max(bottom, y);
      }
    }
  }
  const pixels = new Array(64).fill(0);
  if (right < 0) return pixels;
  const side = Math.max(right - left + 1, bottom - top + 1);
  const cell = side / 32;
  // The box, square, centred on the ink.
  const x0 = left - (side - (right - left + 1)) / 2;
  const y0 = top - (side - (bottom - top + 1)) / 2;
  for (let cy = 0; cy < 32; cy++) {
    for (let cx = 0; cx < 32; cx++) {
      let [covered, total] = [0, 0];
      const ys = Math.floor(y0 + cy * cell), ye = Math.max(ys + 1, Math.floor(y0 + (cy + 1) * cell));
      const xs = Math.floor(x0 + cx * cell), xe = Math.max(xs + 1, Math.floor(x0 + (cx + 1) * cell));
      for (let y = ys; y < ye; y++) {
        for (let x = xs; x < xe; x++) {
          total++;
          if (x >= 0 && y >= 0 && x < width && y < height && alpha[(y * width + x) * 4 + 3] > 127) {
            covered++;
          }
        }
      }
      if (covered * 3 >= total) pixels[(cy >> 2) * 8 + (cx >> 2)] += 1;
    }
  }
  return pixels;
}

function showSeen(pixels) {
  const image = seen.getContext("2d").createImageData(8, 8);
  pixels.forEach((v, i) => {
    const shade = 255 - Math.round((v / 16) * 255);
    image.data.set([shade, shade, shade, 255], i * 4);
  });
  seen.getContext("2d").putImageData(image, 0, 0);
}

function show(result, pixels) {
  state.pixels = pixels;
  if (result.error) {
    state.digit = null;
    state.probabilities = [];
    answer.textContent = "–";
    showError(result.error);
    return;
  }
  showError(null);
  state.digit = result.digit;
  state.probabilities = result.probabilities;
  answer.textContent = `${result.digit}`;
  result.probabilities.forEach((p, d) => {
    rows[d].bar.firstChild.style.width = `${(p * 100).toFixed(1)}%`;
    rows[d].bar.classList.toggle("best", d === result.digit);
    rows[d].value.textContent = `${(p * 100).toFixed(1)}%`;
  });
}

// The mean time of one prediction on `values` (valid ones), in µs, and how many were timed.
function time(values) {
  const start = performance.now();
  let [calls, elapsed] = [0, 0];
  do {
    for (let i = 0; i < 100; i++) wasm.classify_digit(values.length);
    calls += 100;
    elapsed = performance.now() - start;
  } while (elapsed < TIMED_MS);
  return [(elapsed * 1000) / calls, calls];
}

// Classifies `values` and shows the result; with `timed`, also times the module on them (when
// they are valid). While a stroke is drawn only the result is updated, once a frame.
function run(values, timed = true) {
  let result;
  try {
    result = classify(values);
  } catch (error) {
    // A trap (which the module's checks are there to prevent) is shown, not thrown.
    result = { error: `the module stopped: ${error.message}` };
  }
  if (timed && !result.error) {
    const [micros, calls] = time(values);
    state.micros = micros;
    timing.textContent = `one prediction: ${micros.toFixed(2)} µs in WebAssembly (mean of ${calls})`;
  }
  show(result, Array.from(values));
  return result;
}

function update(timed = true) {
  const pixels = eightByEight();
  showSeen(pixels);
  return run(pixels, timed);
}

// Drawing: pointer events cover the mouse, a pen and a finger.
let drawing = false;
let pending = false;
function point(event) {
  const box = pad.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * pad.width) / box.width,
    ((event.clientY - box.top) * pad.height) / box.height,
  ];
}
pad.addEventListener("pointerdown", (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  const [x, y] = point(event);
  ink.beginPath();
  ink.moveTo(x, y);
  ink.lineTo(x + 0.01, y);
  ink.stroke();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const [x, y] = point(event);
  ink.lineTo(x, y);
  ink.stroke();
  // At most one classification a frame while drawing.
  if (!pending) {
    pending = true;
    requestAnimationFrame(() => { pending = false; if (drawing) update(false); });
  }
});
function finish() {
  if (!drawing) return;
  drawing = false;
  update();
}
pad.addEventListener("pointerup", finish);
pad.addEventListener("pointercancel", finish);

function clear() {
  ink.clearRect(0, 0, pad.width, pad.height);
  update();
}
document.getElementById("clear").addEventListener("click", clear);

ink.lineWidth = 18;
ink.lineCap = "round";
ink.lineJoin = "round";
ink.strokeStyle = "#1d2330";

// For tests and the curious: `await nnDemo.ready`, then `nnDemo.state()`,
// `nnDemo.classify([...])`, `nnDemo.clear()`.
window.nnDemo = {
  ready: load().then(
    (exports) => { wasm = exports; update(); return true; },
    (error) => { showError(`The module did not load: ${error.message}`); return false; },
  ),
  state: () => ({ ...state }),
  classify: (values) => run(values),
  clear,
};
