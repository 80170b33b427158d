//! Every rule and lint has its fixture (`tests/rules/<id>/{old.h,new.h}`,
//! `tests/lints/<id>/new.h`) and a golden text report (`expected.txt`) on x86_64 and i386; the
//! fixture must make its own rule fire; `check(x, x)` is empty for every fixture side; and a rule
//! or lint file that is not registered fails the registry test.
//!
//! Bless changed goldens explicitly: `UAPI_GUARD_BLESS=1 cargo test -p uapi-abi --test rules`.

mod common;

use std::path::{Path, PathBuf};
use uapi_abi::check::{check, lint};
use uapi_abi::report::render_text;
use uapi_model::model::{Arch, Layout};

const ARCHES: [Arch; 2] = [Arch::X86_64, Arch::I386];

fn dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(kind)
}

/// Snapshots one fixture header, installed as `linux/fixture.h`, for x86_64 and i386.
fn layouts(header: &Path, version: &str) -> Vec<Layout> {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(root.path().join("linux")).expect("mkdir");
    std::fs::copy(header, root.path().join("linux/fixture.h")).expect("copy fixture");
    ARCHES
        .iter()
        .map(|&a| {
            let mut l = common::layout_of(root.path(), &["linux/fixture.h"], a);
            l.header_set = "fixture".into();
            l.version = version.into();
            l
        })
        .collect()
}

fn compare_golden(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("UAPI_GUARD_BLESS").is_some() {
        std::fs::write(path, actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string();
    Err(format!("{} differs:\n{diff}", path.display()))
}

fn ids_in(kind: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir(kind))
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

/// Runs `f` on every id on the thread pool, and collects the failures in id order.
fn each(ids: &[String], f: impl Fn(&str) -> Result<(), String> + Sync) -> Vec<String> {
    use rayon::prelude::*;
    ids.par_iter()
        .filter_map(|id| f(id).err().map(|e| format!("{id}: {e}")))
        .collect()
}

#[test]
fn every_rule_fires_on_its_fixture_and_matches_its_golden() {
    let failures = each(&ids_in("rules"), |id| {
        let d = dir("rules").join(id);
        let (old, new) = (
            layouts(&d.join("old.h"), "old"),
            layouts(&d.join("new.h"), "new"),
        );
        for side in [&old, &new] {
            let same = check(side, side, None).map_err(|e| e.to_string())?;
            if !same.findings.is_empty() {
                return Err(format!("check(x, x) is not empty: {:?}", same.findings));
            }
        }
        let report = check(&old, &new, None).map_err(|e| e.to_string())?;
        if !report.findings.iter().any(|f| f.rule == id) {
            return Err(format!("the fixture does not make `{id}` fire"));
        }
        compare_golden(&d.join("expected.txt"), &render_text(&report, false))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_lint_fires_on_its_fixture_and_matches_its_golden() {
    let failures = each(&ids_in("lints"), |id| {
        let d = dir("lints").join(id);
        let new = layouts(&d.join("new.h"), "new");
        let report = lint(&new, None).map_err(|e| e.to_string())?;
        if !report.findings.iter().any(|f| f.rule == id) {
            return Err(format!("the fixture does not make `{id}` fire"));
        }
        compare_golden(&d.join("expected.txt"), &render_text(&report, false))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// File stems of `src/<kind>/*.rs` other than `mod.rs`, as ids (`record_removed` ->
/// `record-removed`).
fn source_ids(kind: &str) -> Vec<String> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(kind);
    let mut ids: Vec<String> = std::fs::read_dir(src)
        .expect("src dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| s != "mod")
        .map(|s| s.replace('_', "-"))
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_rule_and_lint_file_is_registered_and_has_a_fixture() {
    let mut registered: Vec<String> = uapi_abi::rules::RULES
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    registered.sort();
    assert_eq!(source_ids("rules"), registered, "src/rules/*.rs vs RULES");
    assert_eq!(ids_in("rules"), registered, "tests/rules/* vs RULES");
    let mut lints: Vec<String> = uapi_abi::lints::LINTS
        .iter()
        .map(|l| l.id.to_string())
        .collect();
    lints.sort();
    assert_eq!(source_ids("lints"), lints, "src/lints/*.rs vs LINTS");
    assert_eq!(ids_in("lints"), lints, "tests/lints/* vs LINTS");
    for id in &registered {
        assert!(
            uapi_abi::lints::find(id).is_none(),
            "{id} is both a rule and a lint"
        );
    }
}
