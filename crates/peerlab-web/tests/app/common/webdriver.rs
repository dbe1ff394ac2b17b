//! A small WebDriver client for the browser journeys: just the commands they use, spoken to
//! Debian's chromedriver driving real headless Chromium.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    process: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

fn env_path(var: &str, fallback: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| fallback.to_string())
}

impl Driver {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    pub async fn start() -> Driver {
        let chromedriver = env_path("PEERLAB_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = env_path("PEERLAB_CHROMIUM", "/usr/bin/chromium");
        assert!(
            std::path::Path::new(&chromedriver).exists()
                && std::path::Path::new(&chromium).exists(),
            "chromedriver or chromium is missing: run ./scripts/test, which installs them"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let process = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile =
            std::env::temp_dir().join(format!("peerlab-chromium-{}-{port}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Driver {
            process,
            base,
            session,
            http,
            profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let value = self.try_call(method, path, body).await;
        if value.get("error").is_some() {
            panic!("webdriver {path}: {value}");
        }
        value
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Sends a WebDriver command without failing on a WebDriver error, which is returned as
    /// the value (an element can go stale while a page changes).
    async fn try_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        v["value"].clone()
    }

    /// The element matching `css` now, if there is one.
    async fn try_find(&self, css: &str) -> Option<String> {
        let found = self
            .try_call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().map(str::to_string)
    }

    /// The element matching `css`, waiting up to five seconds for it to appear.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(id) = self.try_find(css).await {
                return id;
            }
            assert!(Instant::now() < deadline, "no element matches {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// The text of the element matching `css` once it contains `needle`, waiting up to five
    /// seconds: after a click the old page may still be showing.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Some(el) = self.try_find(css).await {
                let text = self
                    .try_call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
                    .await;
                if let Some(text) = text.as_str() {
                    if text.contains(needle) {
                        return text.to_string();
                    }
                    last = text.to_string();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {needle:?}; last text: {last:?}");
    }

    /// Resizes the window, e.g. to a phone's 390 px.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Runs a script in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Chooses the `<option>` of a `<select>` whose value is `value`.
    pub async fn select(&self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]"))
            .await;
    }

    /// Saves a PNG of the page under target/screenshots/, for people to look at.
    pub async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("png");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }
}

impl Driver {
    /// The browser's profile folder, which names its processes (`--user-data-dir=…`).
    pub fn profile(&self) -> std::path::PathBuf {
        self.profile.clone()
    }
}

/// The processes whose command line names `needle` (read from `/proc/*/cmdline`).
pub fn processes_naming(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(needle)
                .then_some(pid)
        })
        .collect()
}

/// Ends a WebDriver session synchronously (`Drop` cannot await): one `DELETE` over a plain
/// connection, waiting for chromedriver's answer, which comes once Chromium has quit.
fn end_session(base: &str, session: &str) {
    use std::io::{Read, Write};
    let Some(addr) = base.strip_prefix("http://") else {
        return;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver keeps the connection open, so read the one answer by its length.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                break;
            }
        }
    }
}

impl Drop for Driver {
    /// Ends the session first, so chromedriver quits Chromium, then stops the driver, waits
    /// for every process of this profile to be gone (killing any that outlive it) and removes
    /// the profile folder — also when the test panicked.
    fn drop(&mut self) {
        end_session(&self.base, &self.session);
        let _ = self.process.kill();
        let _ = self.process.wait();
        let needle = format!("--user-data-dir={}", self.profile.display());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = processes_naming(&needle);
            if left.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                for pid in left {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
