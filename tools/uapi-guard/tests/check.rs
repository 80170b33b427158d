//! `check`, `lint`, `history` and the report formats on the committed snapshots and fixtures:
//! real kernel history, the seed, golden reports in every format, SARIF against the 2.1.0
//! schema, waivers and bad input.
//!
//! Goldens live in `tests/golden/`; after an intended change, regenerate them with
//! `UAPI_GUARD_BLESS=1 cargo test -p uapi-guard --test check` and review the diff.

mod common;

use common::compare_golden;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs uapi-guard from the repository root, so report paths are relative and stable.
fn guard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("uapi-guard runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn snap(version: &str) -> String {
    format!("abi-snapshots/vfio/{version}")
}

/// The JSON report of `check OLD NEW`, with its exit code.
fn check_json(old: &str, new: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", old, new, "--format", "json"];
    args.extend_from_slice(extra);
    let o = guard(&args);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    (o.status.code().expect("exit code"), v)
}

fn findings<'a>(v: &'a Value, rule: &str, item: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["item"] == item)
        .collect()
}

fn arches(f: &Value) -> Vec<&str> {
    f["architectures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

const ALL: [&str; 7] = [
    "x86_64", "i386", "aarch64", "arm", "riscv64", "ppc64le", "s390x",
];

#[test]
fn every_committed_snapshot_checks_empty_against_itself() {
    let root = repo().join("abi-snapshots/vfio");
    let mut seen = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let layouts = uapi_model::snapshot::read_snapshot_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let report = uapi_abi::check::check(&layouts, &layouts, None).unwrap();
        assert!(
            report.findings.is_empty(),
            "{}: {:?}",
            dir.display(),
            report.findings
        );
        assert_eq!(report.exit_code(), 0);
        seen += 1;
    }
    assert!(seen >= 6, "only {seen} snapshot directories");
}

#[test]
fn history_5_10_to_6_1_reports_the_guest_pasid_removal_as_breaks() {
    let (code, v) = check_json(&snap("5.10"), &snap("6.1"), &[]);
    assert_eq!(code, 12);
    for record in [
        "struct iommu_cache_invalidate_info",
        "struct iommu_gpasid_bind_data",
        "struct iommu_inv_addr_info",
        "struct iommu_inv_pasid_info",
    ] {
        let f = findings(&v, "record-removed", record);
        assert_eq!(f.len(), 1, "{record}");
        assert_eq!(f[0]["severity"], "break");
        assert_eq!(arches(f[0]), ALL);
        assert_eq!(f[0]["header"], "linux/iommu.h");
    }
    let f = findings(
        &v,
        "constant-removed",
        "IOMMU_CACHE_INVALIDATE_INFO_VERSION_1",
    );
    assert_eq!(f[0]["severity"], "break");
    // The v1 migration names were reused for the v2 state enum with other values.
    let f = findings(&v, "constant-changed", "VFIO_DEVICE_STATE_RUNNING");
    assert_eq!((&f[0]["old"], &f[0]["new"]), (&"1".into(), &"2".into()));
    // A rename at the same value breaks sources, not binaries.
    let f = findings(&v, "constant-renamed", "VFIO_REGION_TYPE_MIGRATION");
    assert_eq!(f[0]["severity"], "api");
    assert_eq!(f[0]["new"], "VFIO_REGION_TYPE_MIGRATION_DEPRECATED");
}

#[test]
fn history_6_1_to_6_12_is_compatible_growth_on_x86_64_and_says_what_differs_on_i386() {
    let (_, v) = check_json(&snap("6.1"), &snap("6.12"), &[]);
    // argsz-first growth at the tail, the same on every architecture.
    let f = findings(&v, "record-tail-extension", "struct vfio_device_info");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "compatible");
    assert_eq!(arches(f[0]), ALL);
    assert_eq!((&f[0]["old"], &f[0]["new"]), (&"20".into(), &"24".into()));
    // On i386 `__u64` is 4-byte aligned: the new field grows the struct there, while the 64-bit
    // ABIs only fill their tail padding.
    let f = findings(&v, "record-tail-extension", "struct vfio_iommu_type1_info");
    assert_eq!(arches(f[0]), ["i386"]);
    assert_eq!((&f[0]["old"], &f[0]["new"]), (&"20".into(), &"24".into()));
    let f = findings(&v, "padding-used", "struct vfio_iommu_type1_info");
    assert_eq!(f[0]["severity"], "compatible");
    assert!(!arches(f[0]).contains(&"i386"));
    assert!(arches(f[0]).contains(&"x86_64"));
    // Every break of this pair is in iommu.h (the removed fault interface), none in vfio.h.
    for f in v["findings"].as_array().unwrap() {
        if f["severity"] == "break" {
            assert_eq!(f["header"], "linux/iommu.h", "{f}");
        }
    }
    assert!(v["summary"]["break"].as_u64().unwrap() > 0);
}

#[test]
fn history_6_12_to_7_2_has_no_break() {
    let (code, v) = check_json(&snap("6.12"), &snap("7.2"), &[]);
    assert_eq!(code, 4, "api findings but no break: {}", v["summary"]);
    assert_eq!(v["summary"]["break"], 0);
    let f = findings(
        &v,
        "record-tail-extension",
        "struct vfio_device_bind_iommufd",
    );
    assert_eq!(f[0]["severity"], "compatible");
    assert!(arches(f[0]).contains(&"x86_64"));
}

#[test]
fn history_prints_one_row_per_consecutive_pair() {
    let o = guard(&["history", "abi-snapshots/vfio"]);
    assert_eq!(o.status.code(), Some(12), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].starts_with("5.10 -> 6.1 "), "{out}");
    assert!(rows[1].starts_with("6.1 -> 6.12 "), "{out}");
    assert!(
        rows[2].starts_with("6.12 -> 7.2 ") && rows[2].ends_with(" -"),
        "{out}"
    );
}

#[test]
fn the_seed_patch_is_flagged_for_its_embedded_versioned_struct() {
    let (code, v) = check_json(&snap("5.5-fixture"), &snap("5.6-seed-v1-fixture"), &[]);
    assert_ne!(code, 0);
    let f = findings(
        &v,
        "embedded-variable-size",
        "struct vfio_iommu_type1_cache_invalidate",
    );
    assert_eq!(f.len(), 1, "{}", v["findings"]);
    assert_eq!(f[0]["field"], "cache_info");
    assert_eq!(f[0]["severity"], "warning");
    let f = findings(&v, "io-ioctl-with-struct", "VFIO_IOMMU_CACHE_INVALIDATE");
    assert_eq!(f.len(), 1, "{}", v["findings"]);
}

#[test]
fn argsz_inserted_at_offset_0_between_5_5_and_5_10_is_a_break() {
    let (code, v) = check_json(&snap("5.5-fixture"), &snap("5.10"), &[]);
    assert_eq!(code, 12);
    // 5.10 also named the union (`granu`); argsz is the insertion that moved everything.
    let f: Vec<_> = findings(&v, "field-inserted", "struct iommu_cache_invalidate_info")
        .into_iter()
        .filter(|f| f["field"] == "argsz")
        .collect();
    assert_eq!(f.len(), 1, "{}", v["findings"]);
    assert_eq!(f[0]["severity"], "break");
    assert_eq!(arches(f[0]), ALL);
    let message = f[0]["message"].as_str().unwrap();
    assert!(
        message.contains("offset 0") && message.contains("4 existing members moved"),
        "{message}"
    );
    let f = findings(
        &v,
        "record-size-changed",
        "struct iommu_cache_invalidate_info",
    );
    assert_eq!(f[0]["severity"], "break");
}

#[test]
fn reports_in_every_format_match_their_goldens() {
    let pair = [snap("6.12"), snap("7.2")];
    for (format, file) in [
        ("text", "6.12-7.2.txt"),
        ("json", "6.12-7.2.json"),
        ("markdown", "6.12-7.2.md"),
        ("sarif", "6.12-7.2.sarif"),
    ] {
        let o = guard(&["check", &pair[0], &pair[1], "--format", format]);
        assert_eq!(o.status.code(), Some(4), "{format}: {}", stderr(&o));
        compare_golden(file, &stdout(&o));
    }
    // A large report: many breaks, truncated with counts.
    let o = guard(&["check", &snap("5.10"), &snap("6.1"), "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(12));
    let md = stdout(&o);
    assert!(md.contains("| break |"), "{md}");
    compare_golden("5.10-6.1.md", &md);
}

/// Validates SARIF text against the committed 2.1.0 schema with python3-jsonschema.
fn validate_sarif(text: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.sarif");
    std::fs::write(&log, text).unwrap();
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n\
        jsonschema.Draft7Validator(s,format_checker=jsonschema.FormatChecker()).validate(d)\n";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&log)
        .output()
        .expect("python3 runs (tools/scripts/setup.sh installs python3-jsonschema)");
    assert!(o.status.success(), "SARIF invalid: {}", stderr(&o));
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_points_at_header_lines() {
    let o = guard(&["check", &snap("5.10"), &snap("6.1"), "--format", "sarif"]);
    validate_sarif(&stdout(&o));

    // From include roots, results point at the header file and the line defining the item.
    let o = guard(&[
        "check",
        "abi-snapshots/fixtures/iommu-5.5",
        "abi-snapshots/fixtures/vfio-seed-v1",
        "--arch",
        "x86_64,i386",
        "--format",
        "sarif",
    ]);
    assert_ne!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    validate_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let embedded = results
        .iter()
        .find(|r| r["ruleId"] == "embedded-variable-size")
        .expect("embedded-variable-size result");
    let physical = &embedded["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "abi-snapshots/fixtures/vfio-seed-v1/linux/vfio.h"
    );
    let line = physical["region"]["startLine"].as_u64().unwrap() as usize;
    let header =
        std::fs::read_to_string(repo().join("abi-snapshots/fixtures/vfio-seed-v1/linux/vfio.h"))
            .unwrap();
    let text_at = header.lines().nth(line - 1).unwrap();
    assert!(text_at.contains("cache_info"), "line {line}: {text_at}");
    compare_golden("seed-fixture.sarif", &text);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const API_WAIVER: &str = r#"
[[waiver]]
rule = "constant-renamed"
item = "VFIO_TYPE1_NESTING_*"
reason = "the nesting type was never usable"
link = "https://lore.kernel.org/example"
"#;

#[test]
fn waivers_accept_findings_and_report_expired_and_unused_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (snap("6.12"), snap("7.2"));

    let w = write(dir.path(), "ok.toml", API_WAIVER);
    let (code, v) = check_json(&old, &new, &["--waivers", &w, "--today", "2026-01-01"]);
    assert_eq!(v["summary"]["api"], 0);
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(v["waived"][0]["item"], "VFIO_TYPE1_NESTING_IOMMU");
    assert_eq!(code, 4, "compatible findings remain");

    let expired = format!("{API_WAIVER}expires = \"2025-06-30\"\n");
    let w = write(dir.path(), "expired.toml", &expired);
    let (code, v) = check_json(&old, &new, &["--waivers", &w, "--today", "2026-01-01"]);
    assert_eq!(code, 12, "an expired waiver fails the check");
    let f: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "waiver-expired")
        .collect();
    assert_eq!(f.len(), 1, "{}", v["findings"]);
    assert_eq!(v["summary"]["api"], 1, "an expired waiver waives nothing");

    let unused = API_WAIVER.replace("VFIO_TYPE1_NESTING_*", "NO_SUCH_*");
    let w = write(dir.path(), "unused.toml", &unused);
    let (_, v) = check_json(&old, &new, &["--waivers", &w]);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "waiver-unused" && f["severity"] == "note"),
        "{}",
        v["findings"]
    );
}

#[test]
fn fail_on_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = guard(&[
        "check",
        &snap("6.12"),
        &snap("7.2"),
        "--fail-on",
        "break",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["summary"]["api"], 1);
    let o = guard(&["check", &snap("6.12"), &snap("7.2"), "--fail-on", "api"]);
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn bad_input_is_a_clear_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let good = repo().join(snap("6.12"));

    // A snapshot of a newer schema: exit 1, naming the file and line.
    let newer = dir.path().join("newer");
    std::fs::create_dir(&newer).unwrap();
    let text = std::fs::read_to_string(good.join("x86_64.layout")).unwrap();
    std::fs::write(
        newer.join("x86_64.layout"),
        text.replacen("schema 2", "schema 99", 1),
    )
    .unwrap();
    let o = guard(&["check", &snap("6.12"), newer.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("x86_64.layout:2") && e.contains("schema"), "{e}");
    assert!(!e.contains("panicked"), "{e}");

    // Snapshots of different header sets cannot be compared (rendered again: an edited file
    // fails its checksum before anything is compared).
    let other = dir.path().join("other-set");
    std::fs::create_dir(&other).unwrap();
    let mut layout = uapi_model::snapshot::parse(&text).unwrap();
    layout.header_set = "all".into();
    std::fs::write(
        other.join("x86_64.layout"),
        uapi_model::snapshot::render(&layout),
    )
    .unwrap();

    // A snapshot that lost its last lines, and one edited by hand: refused, not "compatible".
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    let keep = text.trim_end().rfind('\n').unwrap() + 1;
    std::fs::write(cut.join("x86_64.layout"), &text[..keep]).unwrap();
    let edited = dir.path().join("edited");
    std::fs::create_dir(&edited).unwrap();
    std::fs::write(
        edited.join("x86_64.layout"),
        text.replacen("size=8 ", "size=16 ", 1),
    )
    .unwrap();
    for (side, expect) in [(&cut, "truncated"), (&edited, "edited")] {
        let o = guard(&["check", &snap("6.12"), side.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{}", stderr(&o));
    }
    let o = guard(&["check", &snap("6.12"), other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("header set"), "{}", stderr(&o));

    // A malformed waiver file, and one naming an unknown rule: exit 1, naming the file.
    for (name, body, expect) in [
        ("broken.toml", "[[waiver]\nrule = ", "broken.toml"),
        (
            "unknown.toml",
            &API_WAIVER.replace("constant-renamed", "no-such-rule") as &str,
            "no-such-rule",
        ),
        (
            "nolink.toml",
            "[[waiver]]\nrule = \"record-removed\"\nitem = \"*\"\nreason = \"x\"\n",
            "link",
        ),
    ] {
        let w = write(dir.path(), name, body);
        let o = guard(&["check", &snap("6.12"), &snap("7.2"), "--waivers", &w]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains(name) && e.contains(expect), "{name}: {e}");
        assert!(
            o.stdout.is_empty(),
            "{name}: no report on a bad waiver file"
        );
    }

    // Usage errors: exit 2.
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--fail-on", "everything"],
        &["check", "--today", "2026-02-30"],
        &["check", "--color", "sometimes"],
    ] {
        let o = guard(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }

    // A side that is neither a snapshot directory nor an include root.
    let o = guard(&["check", dir.path().to_str().unwrap(), &snap("7.2")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("neither a snapshot directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn lint_reports_hazards_of_one_version() {
    let o = guard(&[
        "lint",
        &snap("5.6-seed-v1-fixture"),
        "--arch",
        "x86_64,i386",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_ne!(o.status.code(), Some(1), "{}", stderr(&o));
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"embedded-variable-size"), "{rules:?}");
    assert!(rules.contains(&"io-ioctl-with-struct"), "{rules:?}");

    // 6.1's vfio_iommu_type1_info is 24 bytes on x86_64 and 20 on i386 (6.12 added `pad`).
    let o = guard(&[
        "lint",
        &snap("6.1"),
        "--arch",
        "x86_64,i386",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let f = findings(&v, "abi-differs-32-64", "struct vfio_iommu_type1_info");
    assert_eq!(f.len(), 1, "{}", v["findings"]);
    // The carried struct is named exactly when the ioctl's words name one.
    let f = findings(&v, "io-ioctl-with-struct", "VFIO_DEVICE_GET_INFO");
    assert_eq!(f[0]["new"], "_IO struct vfio_device_info");
}

#[test]
fn rules_lists_every_rule_and_lint() {
    let o = guard(&["rules"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for r in uapi_abi::rules::RULES {
        assert!(out.contains(r.id), "{} missing", r.id);
    }
    for l in uapi_abi::lints::LINTS {
        assert!(out.contains(l.id), "{} missing", l.id);
    }
}
