//! Run one command and measure it: wall time, exit code and peak resident memory.
//!
//! The peak comes from `getrusage(RUSAGE_CHILDREN)`, the largest `ru_maxrss` among the
//! children a process has waited for. The benchmark's own process starts other children
//! (`init`, `apply`, earlier runs), so each measured command runs under a *measurer*: the
//! benchmark binary itself (the test binary in the test suite), started again with
//! [`MEASURE_ENV`] naming a job directory. Its only child is the command, so its figure is
//! the command's own peak. The measurer writes the command's stdout, stderr and figures into
//! the job directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Set (to a job directory) in a measurer process.
pub const MEASURE_ENV: &str = "CONNECT_SSO_BENCH_MEASURE";

/// How to start a measurer: a program (the current executable) and its arguments.
pub struct Measurer {
    program: PathBuf,
    args: Vec<String>,
}

/// What a measured command did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    /// Exit code (-1: killed by a signal).
    pub code: i32,
    /// Wall time from spawn to exit, in seconds.
    pub wall_s: f64,
    /// Peak resident set size, in bytes.
    pub peak_rss: u64,
    /// Standard output.
    #[serde(skip)]
    pub stdout: String,
    /// Standard error.
    #[serde(skip)]
    pub stderr: String,
}

impl Measurer {
    /// The current executable, started with `args` (those that make it call
    /// [`serve_if_asked`] first).
    pub fn current_exe(args: &[&str]) -> Result<Self, String> {
        let program =
            std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
        Ok(Self {
            program,
            args: args.iter().map(|a| (*a).to_string()).collect(),
        })
    }

    /// Run `argv` in `cwd` under a measurer and collect what it measured.
    pub fn run(&self, cwd: &Path, argv: &[String]) -> Result<Measured, String> {
        let job = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let argv_json = serde_json::to_string(argv).map_err(|e| e.to_string())?;
        write(&job.path().join("argv.json"), &argv_json)?;
        let status = Command::new(&self.program)
            .args(&self.args)
            .current_dir(cwd)
            .env(MEASURE_ENV, job.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot start the measurer: {e}"))?;
        let figures = read(&job.path().join("figures.json"))
            .map_err(|e| format!("the measurer ({status}) left no figures: {e}"))?;
        let mut m: Measured =
            serde_json::from_str(&figures).map_err(|e| format!("measurer figures: {e}"))?;
        m.stdout = read(&job.path().join("stdout"))?;
        m.stderr = read(&job.path().join("stderr"))?;
        Ok(m)
    }
}

/// In a measurer (that is, [`MEASURE_ENV`] is set): run the job's command, write its figures
/// and return `Some(exit code for the measurer)`. Otherwise `None`.
pub fn serve_if_asked() -> Option<i32> {
    let job = PathBuf::from(std::env::var_os(MEASURE_ENV)?);
    match measure_job(&job) {
        Ok(()) => Some(0),
        Err(e) => {
            eprintln!("measurer: {e}");
            Some(1)
        }
    }
}

fn measure_job(job: &Path) -> Result<(), String> {
    let argv: Vec<String> = serde_json::from_str(&read(&job.join("argv.json"))?)
        .map_err(|e| format!("argv.json: {e}"))?;
    let (program, args) = argv.split_first().ok_or("argv.json is empty")?;
    let out = std::fs::File::create(job.join("stdout")).map_err(|e| e.to_string())?;
    let err = std::fs::File::create(job.join("stderr")).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let wall = start.elapsed();
    let figures = Measured {
        code: status.code().unwrap_or(-1),
        wall_s: Duration::as_secs_f64(&wall),
        peak_rss: children_peak_rss()?,
        stdout: String::new(),
        stderr: String::new(),
    };
    let text = serde_json::to_string(&figures).map_err(|e| e.to_string())?;
    write(&job.join("figures.json"), &text)
}

/// The largest peak RSS among the waited-for children, in bytes (Linux reports KiB).
fn children_peak_rss() -> Result<u64, String> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    Ok(u64::try_from(usage.max_rss()).unwrap_or(0) * 1024)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
