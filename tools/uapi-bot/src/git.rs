//! git, read-only and tamed: no hooks, no pager, no external diff or text conversion, no
//! system or global configuration, no prompts, no network. The bot reads refs and blobs with it
//! and never checks anything out over the user's work tree.

use crate::error::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A repository the bot reads from.
pub struct Git {
    repo: PathBuf,
}

/// One file of a tree: its mode, blob id and path.
pub struct Entry {
    /// `100644`, `100755`, `120000` (symlink), `160000` (submodule).
    pub mode: String,
    /// Blob id.
    pub oid: String,
    /// Path in the tree.
    pub path: String,
    /// Size in bytes (`None` for a submodule).
    pub size: Option<u64>,
}

/// The UAPI parts of a kernel tree, as pathspecs.
const UAPI_PATHSPECS: [&str; 2] = [":(glob)include/uapi/**", ":(glob)arch/*/include/uapi/**"];

/// A git command with everything that could run code or reach out switched off.
pub fn tamed(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir);
    for cfg in [
        "core.hooksPath=/dev/null",
        "core.fsmonitor=false",
        "core.pager=cat",
        "core.sshCommand=false",
        "diff.external=",
        "protocol.allow=never",
        "credential.helper=",
        "core.alternateRefsCommand=",
    ] {
        c.args(["-c", cfg]);
    }
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        // Configuration passed through the environment (`git -c` of a calling git, or
        // GIT_CONFIG_COUNT/KEY_n/VALUE_n) could turn hooks or helpers back on.
        .env_remove("GIT_CONFIG_PARAMETERS")
        .env_remove("GIT_CONFIG_COUNT")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null());
    c
}

impl Git {
    /// Opens `repo`, which must be a git work tree or bare repository.
    pub fn open(repo: &Path) -> Result<Git> {
        if !repo.is_dir() {
            bail!("{}: not a directory", repo.display());
        }
        let git = Git {
            repo: repo.to_path_buf(),
        };
        git.run(&["rev-parse", "--git-dir"])
            .with_context(|| format!("{}: not a git repository", repo.display()))?;
        Ok(git)
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>> {
        let out = tamed(&self.repo)
            .args(args)
            .output()
            .context("running git (is it installed? tools/scripts/setup.sh installs it)")?;
        if !out.status.success() {
            bail!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(out.stdout)
    }

    /// The commit `rev` names, or an error naming the ref.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        let spec = format!("{rev}^{{commit}}");
        let out = tamed(&self.repo)
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ])
            .output()
            .context("running git")?;
        if !out.status.success() {
            bail!(
                "ref `{rev}` does not name a commit in {}",
                self.repo.display()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Paths under the UAPI directories that differ between two commits (renames as a deletion
    /// and an addition).
    pub fn changed_uapi_paths(&self, base: &str, head: &str) -> Result<Vec<String>> {
        let mut args = vec![
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            base,
            head,
            "--",
        ];
        args.extend(UAPI_PATHSPECS);
        let out = self.run(&args)?;
        Ok(split_z(&out))
    }

    /// Every file under the UAPI directories of `commit`.
    pub fn uapi_entries(&self, commit: &str) -> Result<Vec<Entry>> {
        // ls-tree takes no pathspec magic: list both roots and keep arch/*/include/uapi/.
        let out = self.run(&[
            "ls-tree",
            "-r",
            "-z",
            "-l",
            "--full-tree",
            commit,
            "--",
            "include/uapi",
            "arch",
        ])?;
        let mut entries = Vec::new();
        for rec in split_z(&out) {
            // "<mode> <type> <oid> <size, padded>\t<path>"
            let Some((meta, path)) = rec.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split_whitespace();
            let (Some(mode), Some(_), Some(oid)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let size = parts.next().and_then(|s| s.parse().ok());
            let uapi = path.starts_with("include/uapi/")
                || path
                    .strip_prefix("arch/")
                    .and_then(|r| r.split_once('/'))
                    .is_some_and(|(_, r)| r.starts_with("include/uapi/"));
            if !uapi {
                continue;
            }
            entries.push(Entry {
                mode: mode.to_string(),
                oid: oid.to_string(),
                path: path.to_string(),
                size,
            });
        }
        Ok(entries)
    }

    /// The contents of blobs, in order, through one `git cat-file --batch`.
    pub fn blobs(&self, oids: &[&str]) -> Result<Vec<Vec<u8>>> {
        let mut child = tamed(&self.repo)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running git cat-file")?;
        let mut input = String::new();
        for oid in oids {
            input.push_str(oid);
            input.push('\n');
        }
        let mut stdin = child.stdin.take().context("git cat-file stdin")?;
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().context("git cat-file")?;
        writer
            .join()
            .map_err(|_| crate::Error::Failed("git cat-file writer panicked".into()))?
            .context("writing to git cat-file")?;
        if !out.status.success() {
            bail!(
                "git cat-file: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut blobs = Vec::with_capacity(oids.len());
        let mut rest = out.stdout.as_slice();
        for oid in oids {
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .context("git cat-file: truncated output")?;
            let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("git cat-file: unexpected header `{header}` for {oid}"))?;
            let body = rest
                .get(nl + 1..nl + 1 + size)
                .context("git cat-file: truncated blob")?;
            blobs.push(body.to_vec());
            rest = rest.get(nl + 2 + size..).unwrap_or(&[]);
        }
        Ok(blobs)
    }
}

fn split_z(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}
