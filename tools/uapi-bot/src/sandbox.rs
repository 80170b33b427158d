//! Landlock confinement of every process that parses or compiles headers: the bot's child, and
//! `check`, `lint`, `snapshot` and `layout` when a side is a header tree.
//!
//! The confined process (and the clang processes it starts) may read only the header trees it
//! was given, the system include directories and the compiler's own files; it may write only its
//! scratch directory and the directories its outputs go to; TCP is denied, and abstract Unix
//! sockets and signals cannot reach outside the sandbox. This, not the include scanner, is what
//! keeps a hostile header from pulling a host file into a compile. Confinement must happen before
//! any thread is started, because Landlock restricts the calling thread and its future children.

use crate::error::{bail, Context, Result};
use landlock::{
    path_beneath_rules, Access, AccessFs, AccessNet, CompatLevel, Compatible, LandlockStatus,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI,
};
use std::path::{Path, PathBuf};

/// What to do about confinement (`--sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Confine; if Landlock is not available, refuse to run.
    Require,
    /// Confine when Landlock is available, else say so on stderr and go on.
    Auto,
    /// Do not confine (an explicit opt-out).
    Off,
}

impl Mode {
    /// Parses `require`, `auto` or `off`.
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "require" => Some(Mode::Require),
            "auto" => Some(Mode::Auto),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }

    /// The name `from_name` takes.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Require => "require",
            Mode::Auto => "auto",
            Mode::Off => "off",
        }
    }
}

/// The newest Landlock ABI this build asks for; older kernels get what they support.
const WANTED: ABI = ABI::V6;

/// The paths a confined process may use.
#[derive(Debug, Default, Clone)]
pub struct Policy {
    /// Read (files and directory listings) beneath these.
    pub read: Vec<PathBuf>,
    /// Read, create, write and remove beneath these.
    pub write: Vec<PathBuf>,
}

impl Policy {
    /// The system's part: include directories (read) and the compiler, its libraries and the
    /// dynamic loader's cache (read and execute). `/dev/null` may be opened for writing.
    pub fn system() -> Policy {
        let mut read: Vec<PathBuf> = crate::tree::trusted_dirs();
        for p in [
            "/usr/bin",
            "/usr/lib",
            "/usr/libexec",
            "/usr/lib64",
            "/lib",
            "/lib64",
            "/bin",
            "/etc/ld.so.cache",
            "/etc/ld.so.conf",
            "/etc/ld.so.conf.d",
        ] {
            read.push(PathBuf::from(p));
        }
        Policy {
            read,
            write: vec![PathBuf::from("/dev/null")],
        }
    }

    /// Adds a path that may be read (ignored if it does not exist).
    pub fn read(mut self, path: &Path) -> Policy {
        self.read.push(path.to_path_buf());
        self
    }

    /// Adds an include root and the `asm/` directories its headers reach for `arches`.
    pub fn read_headers(mut self, root: &Path, arches: &[uapi_model::model::Arch]) -> Policy {
        self.read
            .extend(uapi_frontend::sysroot::read_dirs(root, arches));
        self
    }

    /// Adds a directory that may be written.
    pub fn write(mut self, path: &Path) -> Policy {
        self.write.push(path.to_path_buf());
        self
    }
}

/// How confinement went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Confined; the string says what the kernel enforces.
    Confined(String),
    /// Not confined, with the reason (only in `Auto` and `Off` mode).
    Unconfined(String),
}

/// Whether this kernel can confine at all, without confining anything.
pub fn available() -> std::result::Result<(), String> {
    // A throwaway ruleset: creating it succeeds only where Landlock is built in and enabled.
    let created = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V1))
        .and_then(|r| r.create());
    match created {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("Landlock is not available on this kernel ({e})")),
    }
}

/// Confines the calling thread and its future children to `policy`, as `mode` says.
pub fn confine(policy: &Policy, mode: Mode) -> Result<Outcome> {
    if mode == Mode::Off {
        return Ok(Outcome::Unconfined("--sandbox off".into()));
    }
    let status = restrict(policy).context("setting up the Landlock sandbox")?;
    let enforced = match status.ruleset {
        RulesetStatus::FullyEnforced => Some("file system, TCP and scope rules enforced"),
        RulesetStatus::PartiallyEnforced => {
            Some("file system rules enforced; this kernel lacks some Landlock features")
        }
        RulesetStatus::NotEnforced => None,
    };
    match (enforced, mode) {
        (Some(what), _) => Ok(Outcome::Confined(format!("Landlock: {what}"))),
        (None, Mode::Require) => bail!(
            "cannot confine the compile: {}; refusing to compile untrusted headers unconfined \
             (pass --sandbox off to run without confinement, on trusted input only)",
            why_not(&status.landlock)
        ),
        (None, _) => Ok(Outcome::Unconfined(why_not(&status.landlock))),
    }
}

fn why_not(status: &LandlockStatus) -> String {
    match status {
        LandlockStatus::NotEnabled => {
            "Landlock is built into this kernel but not enabled (add `landlock` to the `lsm=` boot parameter)".into()
        }
        LandlockStatus::NotImplemented => "this kernel has no Landlock (Linux 5.13 or later is needed)".into(),
        LandlockStatus::Available { .. } => "Landlock refused the ruleset".into(),
    }
}

fn restrict(
    policy: &Policy,
) -> std::result::Result<landlock::RestrictionStatus, landlock::RulesetError> {
    let abi = WANTED;
    let existing = |paths: &[PathBuf]| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = paths.iter().filter(|p| p.exists()).cloned().collect();
        v.sort();
        v.dedup();
        v
    };
    let read = existing(&policy.read);
    let write = existing(&policy.write);
    Ruleset::default()
        .handle_access(AccessFs::from_all(abi))?
        .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)?
        .create()?
        // Reading includes executing: clang runs from /usr/bin and loads its libraries.
        .add_rules(path_beneath_rules(&read, AccessFs::from_read(abi)))?
        .add_rules(path_beneath_rules(&write, AccessFs::from_all(abi)))?
        .restrict_self()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` in a fresh thread (Landlock restricts only the calling thread), so the test
    /// process itself stays unconfined.
    fn in_confined_thread<T: Send + 'static>(
        policy: Policy,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        std::thread::spawn(move || {
            confine(&policy, Mode::Require).expect("confine");
            f()
        })
        .join()
        .unwrap()
    }

    #[test]
    fn a_confined_thread_reads_its_tree_but_not_a_canary_beside_it() {
        if available().is_err() {
            eprintln!("skipped: no Landlock on this kernel");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(tree.join("ok.h"), "int ok;\n").unwrap();
        let canary = dir.path().join("canary");
        std::fs::write(&canary, "CANARY-TEXT").unwrap();
        let policy = Policy::system().read(&tree).write(&scratch);
        let (t, c, s, w) = (
            tree.clone(),
            canary.clone(),
            scratch.clone(),
            dir.path().join("x"),
        );
        let (read_tree, read_canary, wrote_scratch, wrote_outside) =
            in_confined_thread(policy, move || {
                (
                    std::fs::read_to_string(t.join("ok.h")).is_ok(),
                    std::fs::read_to_string(&c).is_ok(),
                    std::fs::write(s.join("f"), "x").is_ok(),
                    std::fs::write(&w, "x").is_ok(),
                )
            });
        assert!(read_tree, "the tree must stay readable");
        assert!(
            !read_canary,
            "the canary beside the tree must not be readable"
        );
        assert!(wrote_scratch, "the scratch directory must stay writable");
        assert!(
            !wrote_outside,
            "nothing outside the scratch directory may be written"
        );
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn a_confined_clang_compiles_but_cannot_include_a_host_file() {
        if available().is_err() {
            eprintln!("skipped: no Landlock on this kernel");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&scratch).unwrap();
        let canary = dir.path().join("canary.h");
        std::fs::write(&canary, "CANARY_TOKEN_1234 here;\n").unwrap();
        std::fs::write(tree.join("good.h"), "#include <linux/types.h>\n__u32 x;\n").unwrap();
        std::fs::write(
            tree.join("evil.h"),
            format!("#include \"{}\"\n", canary.display()),
        )
        .unwrap();
        let policy = Policy::system().read(&tree).write(&scratch);
        let (t, s) = (tree.clone(), scratch.clone());
        let (good, evil) = in_confined_thread(policy, move || {
            let cc = |h: &str| {
                std::process::Command::new("clang")
                    .args(["-fsyntax-only", "-x", "c"])
                    .arg(t.join(h))
                    .env("TMPDIR", &s)
                    .output()
                    .unwrap()
            };
            (cc("good.h"), cc("evil.h"))
        });
        assert!(
            good.status.success(),
            "{}",
            String::from_utf8_lossy(&good.stderr)
        );
        assert!(!evil.status.success());
        let err = String::from_utf8_lossy(&evil.stderr);
        assert!(!err.contains("CANARY_TOKEN_1234"), "{err}");
    }
}
