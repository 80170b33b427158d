//! Running the extraction of untrusted headers in a child process bounded in wall time and
//! address space, so a header that makes the compiler run long or eat memory is refused
//! instead of hanging the bot.

use anyhow::{Context, Result};
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Bounds for one child.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock seconds before the child and everything it started are killed.
    pub seconds: u64,
    /// Address-space limit in MiB (RLIMIT_AS, through util-linux's prlimit).
    pub memory_mib: u64,
}

/// How a bounded child ended.
pub enum Outcome {
    /// It exited (successfully or not) within its time.
    Exited(Output),
    /// It ran out of time and was killed.
    TimedOut,
}

/// Runs `program args` under `limits`, in its own process group.
pub fn run(program: &Path, args: &[OsString], limits: Limits) -> Result<Outcome> {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={}", limits.memory_mib * 1024 * 1024))
        .arg("--core=0")
        .arg("--")
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .context("running prlimit (util-linux) for a bounded compile")?;
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
    let deadline = Instant::now() + Duration::from_secs(limits.seconds);
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
