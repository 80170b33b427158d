//! Running the extraction of untrusted headers in a child process bounded in wall time and
//! address space, so a header that makes the compiler run long or eat memory is refused
//! instead of hanging the bot. One time budget covers a whole review, retries included.

use crate::error::{Context, Result};
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Bounds of a review's compiles.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock seconds all the review's compiles may take together, retries included.
    pub seconds: u64,
    /// Address-space limit of each compile in MiB (RLIMIT_AS, through util-linux's prlimit).
    pub memory_mib: u64,
}

/// What is left of a review's time budget. One try may take at most a quarter of the whole
/// budget, so a try that runs over still leaves time to split its headers and find the slow one.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
    per_try: Duration,
    total: Duration,
}

impl Budget {
    /// A budget of `limits.seconds` from now.
    pub fn start(limits: Limits) -> Budget {
        let total = Duration::from_secs(limits.seconds);
        Budget {
            deadline: Instant::now() + total,
            per_try: total / 4,
            total,
        }
    }

    /// The time the next try may take: `None` once the budget is spent.
    pub fn next_try(&self) -> Option<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        (left > Duration::from_millis(100)).then(|| left.min(self.per_try))
    }

    /// The whole budget, for messages.
    pub fn total(&self) -> Duration {
        self.total
    }
}

/// How a bounded child ended.
pub enum Outcome {
    /// It exited (successfully or not) within its time.
    Exited(Output),
    /// It ran out of time and was killed.
    TimedOut,
}

/// Runs `program args` with `TMPDIR` set to `tmp`, for at most `timeout` and within
/// `memory_mib` of address space, in its own process group.
pub fn run(
    program: &Path,
    args: &[OsString],
    tmp: &Path,
    timeout: Duration,
    memory_mib: u64,
) -> Result<Outcome> {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={}", memory_mib.saturating_mul(1024 * 1024)))
        .arg("--core=0")
        .arg("--")
        .arg(program)
        .args(args)
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .context("running prlimit (util-linux) for a bounded compile")?;
    let _group = crate::cleanup::GroupGuard::new(child.id());
    let mut out = child.stdout.take().context("child stdout")?;
    let mut err = child.stderr.take().context("child stderr")?;
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            let stdout = out_reader.join().unwrap_or_default();
            let stderr = err_reader.join().unwrap_or_default();
            return Ok(Outcome::Exited(Output {
                status,
                stdout,
                stderr,
            }));
        }
        if Instant::now() >= deadline {
            // The whole group: the child and the clang processes it started.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
