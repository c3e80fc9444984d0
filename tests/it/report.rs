//! The HTML plan report as reviewers see it: made by `offerctl plan --output html --out`,
//! opened in a real headless Chromium (Debian's `chromium`), checked in the DOM it builds and
//! in screenshots; then applied with `offerctl apply report.html`.
//!
//! Regenerate the README's screenshot with the same command this test runs:
//! `OFFERCTL_REPORT_SCREENSHOT=docs/plan-report.png cargo test --test it report_`

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

use crate::root;

fn offerctl(state: &Path) -> Command {
    let mut command = Command::cargo_bin("offerctl").unwrap();
    command
        .env_remove("OFFERCTL_DIR")
        .env_remove("OFFERCTL_SANDBOX")
        .env_remove("OFFERCTL_OUTPUT")
        .env_remove("OFFERCTL_OUT")
        .arg("--color=never")
        .env("OFFERCTL_STATE_DIR", state);
    command
}

/// A name no renderer may print unescaped.
const HOSTILE: &str = "<img src=x onerror=alert(1)> & \"Summer\" </script> deal";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// The sample catalogue and the Appcharge example, plus an offer with a hostile name and a
/// second ladder (`v1`); and a pull request's edits of them (`v2`): a new banner image, a new
/// email block, new ladder prices and badges, the hostile offer removed (deleted) and the
/// second ladder removed (switched off).
fn catalogues(dir: &Path) -> (PathBuf, PathBuf) {
    let v1 = dir.join("v1");
    copy_dir(&root().join("offers.d"), &v1);
    for file in ["components.yaml", "rolling-offers.yaml"] {
        std::fs::copy(
            root().join("examples/appcharge").join(file),
            v1.join(format!("appcharge-{file}")),
        )
        .unwrap();
    }
    let ladder = std::fs::read_to_string(v1.join("appcharge-rolling-offers.yaml")).unwrap();
    std::fs::write(
        v1.join("appcharge-winter.yaml"),
        ladder
            .replace("name: starter-ladder", "name: winter-ladder")
            .replace("title: Starter ladder", "title: Winter ladder"),
    )
    .unwrap();
    std::fs::write(
        v1.join("hostile.yaml"),
        format!(
            "kind: Offer\nname: '{HOSTILE}'\nstatus: approved\npriority: 1\nrepresentations:\n  - placement: Kiosk banner\n    components:\n      - type: imagelink\n        format: image/png\n        deliveryURL: https://cdn.example.com/offers/summer.png\n"
        ),
    )
    .unwrap();
    let v2 = dir.join("v2");
    copy_dir(&v1, &v2);
    std::fs::remove_file(v2.join("hostile.yaml")).unwrap();
    std::fs::remove_file(v2.join("appcharge-winter.yaml")).unwrap();
    let cards = v2.join("offers/credit-cards.yaml");
    edit(
        &cards,
        "abc-card-530x220.png",
        "abc-card-winter-530x220.png",
    );
    edit(
        &cards,
        "<p>No annual fee, 2% back on every flight.</p>",
        "<p>No annual fee, 3% back on every flight.</p>\n          <script>document.title = 'ran'</script>",
    );
    let ladder = v2.join("appcharge-rolling-offers.yaml");
    edit(&ladder, "price: 199", "price: 299");
    edit(
        &ladder,
        "badges: [best-value]",
        "badges: [best-value, free-gift]",
    );
    (v1, v2)
}

/// Where Debian installs Chromium, if it is installed.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Chromium, headless, with a fresh profile and nothing that reaches for the network (without
/// these flags it waits for services a closed network never answers).
fn headless(chromium: &Path, profile: &Path) -> Process {
    let mut command = Process::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--virtual-time-budget=3000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// The page's console messages, from Chromium's log on stderr.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// Decodes a PNG; returns its width, height and how many distinct colours it has, and its mean
/// brightness (0-255).
fn png_stats(path: &Path) -> (u32, u32, usize, f64) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buffer[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut brightness = 0u64;
    let mut count = 0u64;
    for pixel in pixels.chunks(channels) {
        colours.insert(pixel[..channels.min(3)].to_vec());
        brightness += pixel[..channels.min(3)]
            .iter()
            .map(|&c| u64::from(c))
            .sum::<u64>()
            / channels.min(3) as u64;
        count += 1;
    }
    (
        info.width,
        info.height,
        colours.len(),
        brightness as f64 / count as f64,
    )
}

fn screenshot(chromium: &Path, dir: &Path, page: &str, name: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let output = headless(chromium, &dir.join(format!("profile-{name}")))
        .args(extra)
        .arg(format!("--screenshot={}", path.display()))
        .arg(page)
        .output()
        .unwrap();
    assert!(
        output.status.success() && path.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

#[test]
fn report_opens_in_chromium_with_previews_and_applies_as_reviewed() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("CI").is_ok_and(|v| v != "true") || std::env::var("CI").is_err(),
            "CI=true but chromium is not installed (.ci/run installs it)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let state = dir.join("state");
    let (v1, v2) = catalogues(dir);
    offerctl(&state)
        .args(["apply", "--auto-approve", "--dir"])
        .arg(&v1)
        .assert()
        .code(0);
    let report = dir.join("report.html");
    let pruning = [
        "--prune",
        "--prune-deactivate",
        "--allow-delete",
        "--output",
        "html",
    ];
    let planned = offerctl(&state)
        .args(["plan", "--dir"])
        .arg(&v2)
        .args(pruning)
        .arg("--out")
        .arg(&report)
        .assert()
        .code(0);
    assert!(
        planned.get_output().stdout.is_empty(),
        "the report went to the file"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains(HOSTILE), "a name printed unescaped");
    assert!(!html.contains("<link") && !html.contains("<script src"));

    // The page as Chromium builds it.
    let page = format!("file://{}", report.display());
    let output = headless(&chromium, &dir.join("profile-dom"))
        .arg("--dump-dom")
        .arg(&page)
        .output()
        .unwrap();
    assert!(output.status.success());
    let dom = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The only console message: the sandbox refusing the email block's script.
    let console = console_lines(&stderr);
    assert!(
        console
            .iter()
            .all(|l| l.contains("Blocked script execution in 'about:srcdoc'")),
        "console messages: {console:#?}"
    );
    assert!(
        !console.is_empty(),
        "the sandboxed script was not even seen"
    );
    // Before and after images.
    let old = "src=\"https://cdn.example.com/offers/abc-card-530x220.png\"";
    let new = "src=\"https://cdn.example.com/offers/abc-card-winter-530x220.png\"";
    let (at_old, at_new) = (dom.find(old).unwrap(), dom.find(new).unwrap());
    assert!(at_old < at_new, "before comes first");
    assert!(dom.contains("alt=\"https://cdn.example.com/offers/abc-card-winter-530x220.png\""));
    // Both HTML versions, each in a sandbox without scripts.
    let frames: Vec<&str> = dom.split("<iframe").skip(1).collect();
    let email: Vec<&&str> = frames
        .iter()
        .filter(|f| f.contains("The ABC Bank card"))
        .collect();
    assert_eq!(email.len(), 2, "{frames:#?}");
    assert!(email.iter().all(|f| f.starts_with(" sandbox=\"\"")));
    assert!(email[0].contains("2% back") && email[1].contains("3% back"));
    assert!(frames.iter().all(|f| f.starts_with(" sandbox=\"\"")));
    // The page itself ran nothing: its title is its own.
    assert!(dom.contains("<title>offerctl plan: Plan:"));
    // The deletion and the deactivation, listed first and marked.
    let removals = &dom[dom.find("class=\"removals\"").unwrap()..];
    let removals = &removals[..removals.find("</div>").unwrap()];
    assert!(removals.contains(
        "Offer/&lt;img src=x onerror=alert(1)&gt; &amp; \"Summer\" &lt;/script&gt; deal"
    ));
    assert!(removals.contains("RollingOffer/winter-ladder"));
    assert!(dom.find("class=\"removals\"") < dom.find("class=\"change update\""));
    // The ladder as cards: prices, badges, products, background.
    assert!(dom.contains("<span class=\"price\">$1.99</span>"));
    assert!(dom.contains("<span class=\"price\">$2.99</span>"));
    assert!(dom.contains("<span>Free gift</span>") || dom.contains("<span>free-gift</span>"));
    assert!(dom.contains("src=\"https://cdn.example.com/store/ladder-blue.png\""));
    assert!(dom.contains("switched off: players do not see it"));
    // One script element: the plan as data.
    assert_eq!(dom.matches("<script").count(), 1);

    // Screenshots: wide and light, narrow (a phone), and dark. None is blank.
    let wide = screenshot(
        &chromium,
        dir,
        &page,
        "wide.png",
        &["--window-size=1100,1600"],
    );
    let phone = screenshot(
        &chromium,
        dir,
        &page,
        "phone.png",
        &["--window-size=390,844"],
    );
    let dark = screenshot(
        &chromium,
        dir,
        &page,
        "dark.png",
        &[
            "--window-size=1100,1600",
            "--force-dark-mode",
            "--blink-settings=preferredColorScheme=0",
        ],
    );
    let (width, height, colours, light) = png_stats(&wide);
    assert_eq!((width, height), (1100, 1600));
    assert!(
        colours > 50,
        "the screenshot looks blank: {colours} colours"
    );
    let (_, _, phone_colours, _) = png_stats(&phone);
    assert!(phone_colours > 50, "{phone_colours} colours");
    let (_, _, _, darkness) = png_stats(&dark);
    assert!(
        darkness < light - 60.0,
        "the dark theme is not dark: {darkness} vs {light}"
    );
    if let Ok(target) = std::env::var("OFFERCTL_REPORT_SCREENSHOT") {
        std::fs::copy(&wide, root().join(target)).unwrap();
    }

    // `show` renders the embedded plan; `apply` applies exactly it.
    let shown = offerctl(&state)
        .args(["show", "--output", "json"])
        .arg(&report)
        .assert()
        .code(0);
    let saved: serde_json::Value = serde_json::from_slice(&shown.get_output().stdout).unwrap();
    assert_eq!(saved["summary"]["delete"], 1);
    // The same plan as a pull-request comment: removals called out before any detail.
    let markdown = offerctl(&state)
        .args(["show", "--output", "markdown"])
        .arg(&report)
        .assert()
        .code(0);
    let markdown = String::from_utf8_lossy(&markdown.get_output().stdout).to_string();
    assert!(markdown.starts_with("<!-- offerctl: part 1 of 1 -->\n"));
    let callout = markdown.find("**This plan deletes 1 object and switches off 1 object:**");
    let details = markdown.find("<details>");
    assert!(callout.is_some() && callout < details, "{markdown}");
    assert!(markdown.contains("> - <code>RollingOffer/winter-ladder</code> switched off"));
    assert!(markdown.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Summer&quot;"));
    assert!(!markdown.contains(HOSTILE));
    offerctl(&state)
        .args(["apply", "--dir"])
        .arg(&v2)
        .args(["--prune", "--prune-deactivate", "--allow-delete"])
        .arg(&report)
        .assert()
        .code(0);
    let after = offerctl(&state)
        .args(["plan", "--detailed-exitcode", "--dir"])
        .arg(&v2)
        .args(["--prune", "--prune-deactivate"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&after.get_output().stdout).to_string();
    assert!(text.starts_with("No changes."), "{text}");
}
