//! Temporary files and folders that must not outlive the run, even when it is interrupted:
//! each is registered while it exists, and SIGINT, SIGTERM or SIGHUP removes every registered
//! path before the process exits (with 130, like a shell's interrupted command). Normal paths
//! clean up through `Drop` as usual; registration only covers the signal.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PATHS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Process groups of running children (compiles), killed on a signal so none outlives the run.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Installs the signal handler (once; later calls do nothing). It runs in a thread of its own
/// that stays unconfined, because removing a scratch folder needs its parent folder.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        for g in GROUPS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{g}")])
                .status();
        }
        let paths = PATHS.lock().unwrap_or_else(|p| p.into_inner());
        for p in paths.iter().rev() {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
        std::process::exit(130);
    });
}

/// A registered path; dropping the guard unregisters it (it does not remove the path: its
/// owner, a `TempDir` or `NamedTempFile`, does that).
pub struct Guard(PathBuf);

impl Guard {
    /// Registers `path` for removal on a signal.
    pub fn new(path: &Path) -> Guard {
        PATHS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(path.to_path_buf());
        Guard(path.to_path_buf())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut paths = PATHS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = paths.iter().rposition(|p| *p == self.0) {
            paths.remove(i);
        }
    }
}

/// A running child's process group, killed on a signal; dropping the guard forgets it.
pub struct GroupGuard(u32);

impl GroupGuard {
    /// Registers the process group `pgid`.
    pub fn new(pgid: u32) -> GroupGuard {
        GROUPS.lock().unwrap_or_else(|p| p.into_inner()).push(pgid);
        GroupGuard(pgid)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        GROUPS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|g| *g != self.0);
    }
}
