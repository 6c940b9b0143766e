//! The page in `examples/web/` in a real browser: the WebAssembly module is built for
//! `wasm32-unknown-unknown`, the folder is served over HTTP, and headless Chromium, driven
//! through ChromeDriver (the W3C WebDriver protocol, plain HTTP and JSON), draws digits of the
//! test set on the page's canvas with pointer events. What the page computed (its 8 × 8 image,
//! the digit and the ten probabilities, all from WebAssembly) is compared with the host's
//! `predict` on the same image. Wrong inputs must give the module's error on the page, never a
//! trap.
//!
//! It needs Chromium, ChromeDriver and Rust's `wasm32-unknown-unknown` target; CI installs them
//! with `bash .ci/web-setup`. Where one is missing the test says so on stderr and passes without
//! running, unless `NN_WEB=required`, which makes it fail. `NN_WEB_SCREENSHOT=path.png` saves a
//! screenshot of the page with a drawn digit.

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nn::prelude::*;
use serde_json::{Value, json};

mod common;

network! {
    /// The page's network, from the same file.
    #[safetensors("firmware/models/digits.safetensors", embed)]
    struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

/// The training set's standardization and five test images (`firmware/models/digits.rs`).
#[allow(unreachable_pub)]
mod data {
    include!("../firmware/models/digits.rs");
}

const TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
const DRIVER: &str = "chromedriver";
/// The WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn the_page_classifies_drawn_digits_as_the_host_does() {
    let Some(chromium) = tools() else {
        return;
    };
    let module = build();
    let size = fs::metadata(&module).expect("the module was built").len();
    eprintln!("nn_web.wasm: {size} bytes");
    assert!(
        size < 100_000,
        "the digits module is {size} bytes; the goal is under 100 kB"
    );

    let server = serve(web());
    let driver = Driver::start();
    let session = driver.session(&chromium);
    session.post("url", json!({ "url": format!("{server}/index.html") }));
    let ready = session.script_async(
        "const done = arguments[arguments.length - 1]; \
         (window.nnDemo ? window.nnDemo.ready : Promise.resolve(false)).then(done);",
    );
    assert_eq!(
        ready,
        json!(true),
        "the module loaded: {}",
        session.script("return document.getElementById('error').textContent")
    );
    let pad = session.element("#pad");

    // Digits of the test set, each drawn as strokes through its dark pixels; one with a finger.
    for (k, (image, label)) in data::IMAGES.iter().enumerate().step_by(2) {
        session.script("window.nnDemo.clear()");
        let pointer = if k == 2 { "touch" } else { "mouse" };
        session.draw(&pad, pointer, &strokes(image));
        let state = session.script("return window.nnDemo.state()");
        assert!(state["error"].is_null(), "no error: {state}");
        let pixels: Vec<f32> = numbers(&state["pixels"]);
        assert_eq!(pixels.len(), 64);
        assert!(
            pixels.iter().any(|&p| p > 0.0),
            "the strokes reached the canvas"
        );
        assert!(
            pixels
                .iter()
                .all(|&p| (0.0..=16.0).contains(&p) && p.fract() == 0.0)
        );
        let page: Vec<f32> = numbers(&state["probabilities"]);
        let host = host_predict(&pixels);
        let host_digit = host.iamax();
        eprintln!(
            "test digit {label} drawn with a {pointer}: the page says {}, the host {host_digit}; \
             one prediction {:.2} µs",
            state["digit"],
            state["micros"].as_f64().unwrap_or(f64::NAN)
        );
        assert_eq!(state["digit"].as_u64(), Some(host_digit as u64));
        // The drawing reached the network as the digit it is: a check of the page's scaling
        // of the canvas to 8 × 8 as much as of the network.
        assert_eq!(host_digit, *label, "the drawn {label} is recognized");
        assert_eq!(page.len(), 10);
        for (d, (&p, &h)) in page.iter().zip(host.iter()).enumerate() {
            assert!((p - h).abs() <= 1e-6, "class {d}: page {p}, host {h}");
        }
        assert!(state["micros"].as_f64().is_some_and(|t| t > 0.0));
        if k == 0
            && let Some(path) = env::var_os("NN_WEB_SCREENSHOT")
        {
            fs::write(&path, session.screenshot()).expect("write the screenshot");
        }
    }

    // Wrong inputs: the module's message on the page, no trap.
    let cases = [
        (
            "new Array(63).fill(0)",
            "expected 64 pixel values (an 8 × 8 image, row by row), got 63",
        ),
        ("new Array(65).fill(1)", "got 65"),
        (
            "new Array(2000).fill(1)",
            "more than the module's buffer of 1024",
        ),
        (
            "Array.from({length: 64}, (_, i) => i == 9 ? 17 : 0)",
            "pixel 9 (row 1, column 1) is 17; expected a value from 0 to 16",
        ),
        (
            "Array.from({length: 64}, (_, i) => i == 0 ? NaN : 0)",
            "pixel 0 (row 0, column 0) is NaN",
        ),
    ];
    for (input, message) in cases {
        let shown = session.script(&format!(
            "const result = window.nnDemo.classify({input}); \
             const box = document.getElementById('error'); \
             return [result.error, box.textContent, getComputedStyle(box).display];"
        ));
        assert!(
            shown[0].as_str().is_some_and(|e| e.contains(message)),
            "{input}: {shown}"
        );
        assert_eq!(shown[1], shown[0], "the page shows the module's message");
        assert_eq!(shown[2], "block");
    }
    // And the module still works after them.
    let after =
        session.script("return window.nnDemo.classify(Array.from({length: 64}, (_, i) => i % 17))");
    assert!(
        after["error"].is_null() && after["digit"].is_u64(),
        "{after}"
    );
}

/// The host's probabilities for an image of 64 pixels (0 to 16), standardized as in training.
fn host_predict(pixels: &[f32]) -> SVector<f32, 10> {
    let x = SVector::<f32, 64>::from_fn(|i, _| (pixels[i] - data::MEAN[i]) / data::SCALE[i]);
    Digits::EMBEDDED.predict(&x)
}

/// Strokes through an image's dark pixels (8 or more of 16): along each row's runs and each
/// column's, a dot for a pixel alone, as `(row, column)` cell coordinates.
fn strokes(image: &[f32; 64]) -> Vec<[(f64, f64); 2]> {
    let dark = |r: usize, c: usize| image[r * 8 + c] >= 8.0;
    let mut strokes = Vec::new();
    for (horizontal, line) in [true, false]
        .into_iter()
        .flat_map(|h| (0..8).map(move |l| (h, l)))
    {
        let at = |i: usize| if horizontal { (line, i) } else { (i, line) };
        let mut i = 0;
        while i < 8 {
            if !dark(at(i).0, at(i).1) {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 8 && dark(at(i + 1).0, at(i + 1).1) {
                i += 1;
            }
            let (a, b) = (at(start), at(i));
            if start < i || horizontal {
                strokes.push([(a.0 as f64, a.1 as f64), (b.0 as f64, b.1 as f64)]);
            }
            i += 1;
        }
    }
    strokes
}

fn numbers(value: &Value) -> Vec<f32> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_f64)
                .map(|v| v as f32)
                .collect()
        })
        .unwrap_or_default()
}

/// `examples/web/`.
fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web")
}

/// The Chromium binary when everything the test needs is there; `None` (after saying so) when
/// not, or a panic with `NN_WEB=required`.
fn tools() -> Option<String> {
    let runs = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let chromium = CHROMIUM.into_iter().find(|c| runs(c));
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("Chromium (`chromium`)".to_string());
    }
    if !runs(DRIVER) {
        missing.push(format!("ChromeDriver (`{DRIVER}`)"));
    }
    if !common::target_installed(&web(), TARGET) {
        missing.push(format!("Rust's `{TARGET}` target"));
    }
    if !common::tools_ready("web", "NN_WEB", ".ci/web-setup", &missing) {
        return None;
    }
    chromium.map(|c| which(c).unwrap_or_else(|| c.to_string()))
}

/// The full path of a program on `PATH`.
fn which(program: &str) -> Option<String> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .map(|path| path.display().to_string())
}

/// Builds the module as the browser guide says (`sh examples/web/build.sh`), with
/// `CARGO_TARGET_DIR` set to a folder of this test's, so that the script has to find the module
/// there; the path where it put it, next to `index.html`.
fn build() -> PathBuf {
    let dir = web();
    let module = dir.join("nn_web.wasm");
    let _ = fs::remove_file(&module);
    let mut script = Command::new("sh");
    script
        .arg(dir.join("build.sh"))
        .env("CARGO", env!("CARGO"))
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("web"),
        );
    common::run_nested(script, &dir);
    module
}

/// Serves `root` over HTTP on a free local port, in threads that live as long as the test; its
/// address.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            thread::spawn(move || {
                let _ = answer(stream, &root);
            });
        }
    });
    address
}

/// Answers one request for a file under `root`.
fn answer(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let path = path
        .split('?')
        .next()
        .unwrap_or(path)
        .trim_start_matches('/');
    let file = root.join(if path.is_empty() { "index.html" } else { path });
    let inside = !path.split('/').any(|part| part == "..");
    let (status, kind, body) = match fs::read(&file) {
        Ok(body) if inside => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            ("200 OK", kind, body)
        }
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// A running ChromeDriver, stopped when dropped.
struct Driver {
    child: Child,
    address: String,
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Self {
            child,
            address: format!("127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while request(&driver.address, "GET", "/status", None)
            .is_none_or(|status| status["value"]["ready"] != json!(true))
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A new headless browser session.
    fn session(&self, chromium: &str) -> Session<'_> {
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1000,760"],
            },
        }}});
        let reply = request(&self.address, "POST", "/session", Some(&capabilities))
            .expect("chromedriver answers");
        let id = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a browser session: {reply}"))
            .to_string();
        Session { driver: self, id }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session, closed when dropped.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    /// A command of this session; its `value`.
    fn call(&self, method: &str, command: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}/{command}", self.id);
        let reply = request(&self.driver.address, method, &path, body)
            .unwrap_or_else(|| panic!("chromedriver answers {method} {path}"));
        let value = reply["value"].clone();
        // A WebDriver error: `error`, `message` and `stacktrace` (a script's own result may have
        // an `error` key too).
        if let (Some(error), Some(_)) = (value["error"].as_str(), value.get("stacktrace")) {
            panic!("{method} {command}: {error}: {}", value["message"]);
        }
        value
    }

    fn post(&self, command: &str, body: Value) -> Value {
        self.call("POST", command, Some(&body))
    }

    fn script(&self, script: &str) -> Value {
        self.post("execute/sync", json!({ "script": script, "args": [] }))
    }

    fn script_async(&self, script: &str) -> Value {
        self.post("execute/async", json!({ "script": script, "args": [] }))
    }

    fn element(&self, css: &str) -> Value {
        self.post("element", json!({ "using": "css selector", "value": css }))
    }

    /// Draws `strokes` (from and to, in cells of an 8 × 8 grid over the element) with pointer
    /// events of a `pointer` ("mouse" or "touch").
    fn draw(&self, element: &Value, pointer: &str, strokes: &[[(f64, f64); 2]]) {
        let rect = self.call(
            "GET",
            &format!("element/{}/rect", element[ELEMENT].as_str().unwrap()),
            None,
        );
        let (width, height) = (
            rect["width"].as_f64().unwrap(),
            rect["height"].as_f64().unwrap(),
        );
        // Cell (row, column) to an offset from the element's centre, in CSS pixels.
        let at = |(row, column): (f64, f64)| {
            let x = ((column + 0.5) / 8.0 - 0.5) * width;
            let y = ((row + 0.5) / 8.0 - 0.5) * height;
            (x.round() as i64, y.round() as i64)
        };
        let mut actions = Vec::new();
        for [from, to] in strokes {
            let ((x0, y0), (x1, y1)) = (at(*from), at(*to));
            actions.push(json!({ "type": "pointerMove", "origin": element, "x": x0, "y": y0, "duration": 0 }));
            actions.push(json!({ "type": "pointerDown", "button": 0 }));
            // Through the middle too, so that every stroke has moves between its ends.
            let (xm, ym) = ((x0 + x1) / 2, (y0 + y1) / 2);
            actions.push(json!({ "type": "pointerMove", "origin": element, "x": xm, "y": ym, "duration": 20 }));
            actions.push(json!({ "type": "pointerMove", "origin": element, "x": x1, "y": y1, "duration": 20 }));
            actions.push(json!({ "type": "pointerUp", "button": 0 }));
        }
        self.post(
            "actions",
            json!({ "actions": [{
                "type": "pointer",
                "id": pointer,
                "parameters": { "pointerType": pointer },
                "actions": actions,
            }]}),
        );
        self.call("DELETE", "actions", None);
    }

    /// The page as a PNG.
    fn screenshot(&self) -> Vec<u8> {
        let text = self.call("GET", "screenshot", None);
        base64(text.as_str().expect("a screenshot"))
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.id);
        let _ = request(&self.driver.address, "DELETE", &path, None);
    }
}

/// One HTTP request to ChromeDriver; the JSON it answers, or `None` when it does not answer.
fn request(address: &str, method: &str, path: &str, body: Option<&Value>) -> Option<Value> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    // The head, then as many bytes as it says (the connection may stay open after them), or
    // chunks up to the last.
    let mut reader = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        let line = line.to_ascii_lowercase();
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
        chunked |= line.starts_with("transfer-encoding:") && line.contains("chunked");
    }
    let mut content = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            content.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        content.resize(length, 0);
        reader.read_exact(&mut content).ok()?;
    } else {
        reader.read_to_end(&mut content).ok()?;
    }
    serde_json::from_slice(&content).ok()
}

/// Decodes standard base64 (a WebDriver screenshot).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
            let bytes = bits.to_be_bytes();
            bytes[1..chunk.len()].to_vec()
        })
        .collect()
}
