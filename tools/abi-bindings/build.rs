//! Generates one module per committed snapshot version and header, each `include!`ing the bindings
//! under `abi-snapshots/<set>/<version>/bindings/`. Their layout assertions are compile-time
//! constants, so building this crate on x86_64 checks every committed binding against rustc.

use std::fmt::Write as _;
use std::path::Path;

fn ident(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn sorted_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn main() {
    // Read when the script runs, not when it was compiled: a build script compiled for one
    // checkout may be run for another sharing the target directory.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../abi-snapshots");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for set in sorted_dirs(&root).into_iter().filter(|p| p.is_dir()) {
        let set_name = set
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut set_mod = String::new();
        for version in sorted_dirs(&set) {
            let bindings = version.join("bindings");
            if !bindings.is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", bindings.display());
            let v = version
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let _ = writeln!(set_mod, "  /// Linux {v}.\n  pub mod v{} {{", ident(&v));
            for file in sorted_dirs(&bindings) {
                let name = file
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let _ = writeln!(
                    set_mod,
                    "    /// `{}`.\n    pub mod {} {{ include!({:?}); }}",
                    name.replace("__", "/") + ".h",
                    ident(&name.replace("__", "_")),
                    file.canonicalize().unwrap_or(file.clone())
                );
            }
            set_mod.push_str("  }\n");
        }
        if !set_mod.is_empty() {
            let _ = writeln!(
                out,
                "/// Header set `{set_name}`.\npub mod {} {{\n{set_mod}}}",
                ident(&set_name)
            );
        }
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bindings.rs");
    std::fs::write(dest, out).expect("write generated module list");
}
