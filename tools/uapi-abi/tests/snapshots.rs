//! Snapshot files: committed snapshots parse and re-render byte for byte, corrupt files get an
//! error naming the file and line, and writes are atomic. Hand-written snapshots are ended with a
//! correct `end` line by `seal`, so each test reaches the line it is about.

mod common;

use uapi_model::model::Arch;
use uapi_model::snapshot::{parse, read_snapshot, render, seal, write_snapshot_dir};

fn committed() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for set in std::fs::read_dir(common::repo().join("abi-snapshots"))
        .unwrap()
        .flatten()
    {
        let Ok(versions) = std::fs::read_dir(set.path()) else {
            continue;
        };
        for v in versions.flatten() {
            for f in std::fs::read_dir(v.path()).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|e| e == "layout") {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_committed_snapshot_round_trips_exactly() {
    let files = committed();
    assert!(
        files.len() >= 6 * 7,
        "expected six versions of seven architectures, found {}",
        files.len()
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let layout = read_snapshot(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            render(&layout),
            text,
            "{} does not re-render identically",
            path.display()
        );
    }
}

#[test]
fn fresh_extraction_round_trips_through_text() {
    let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::S390x);
    assert_eq!(parse(&render(&l)).unwrap(), l);
}

#[test]
fn seed_fixture_has_the_design_layouts() {
    let path = common::repo().join("abi-snapshots/vfio/5.6-seed-v1-fixture/x86_64.layout");
    let l = read_snapshot(&path).unwrap();
    let info = &l.records["struct iommu_cache_invalidate_info"];
    assert_eq!(info.size_bytes, 48);
    assert_eq!(info.field("pasid_info").unwrap().offset_bytes, 8);
    let outer = &l.records["struct vfio_iommu_type1_cache_invalidate"];
    assert_eq!(outer.field("cache_info").unwrap().offset_bytes, 8);
    let io = l.constants["VFIO_IOMMU_CACHE_INVALIDATE"]
        .ioctl
        .as_ref()
        .unwrap();
    assert_eq!((io.macro_name.as_str(), io.size_bytes), ("_IO", 0));
}

/// The error reading `text` (sealed with a correct `end` line) from a file.
fn bad(text: &str) -> String {
    bad_as_is(&seal(text))
}

/// The error reading `text` exactly as given from a file.
fn bad_as_is(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x86_64.layout");
    std::fs::write(&path, text).unwrap();
    read_snapshot(&path).unwrap_err().to_string()
}

const GOOD: &str =
    "schema 2\nheader-set vfio\nversion 6.1\narch x86_64\nbindgen 0.73.2\nlibclang c\n\
record struct a kind=struct size=8 align=4 header=linux/a.h\n\
field struct a.x offset=0 size=4 align=4 type=__u32\n";

#[test]
fn good_minimal_snapshot_parses() {
    let l = parse(&seal(GOOD)).unwrap();
    assert_eq!(l.records["struct a"].fields[0].c_type, "__u32");
    assert_eq!(
        render(&l),
        seal(&format!(
            "# uapi-guard layout snapshot; one line per item; do not edit by hand\n{GOOD}"
        ))
    );
}

#[test]
fn newer_schema_is_refused_with_file_and_line() {
    let e = bad(&GOOD.replace("schema 2", "schema 3"));
    assert!(
        e.contains("x86_64.layout:1:") && e.contains("schema 3") && e.contains("upgrade"),
        "{e}"
    );
}

#[test]
fn schema_1_is_refused_with_the_regenerate_hint() {
    // A schema-1 file has no `end` line; the schema is what it must be told about.
    let e = bad_as_is(&GOOD.replace("schema 2", "schema 1"));
    assert!(
        e.contains("x86_64.layout:1:")
            && e.contains("schema 1")
            && e.contains("regenerate the snapshot"),
        "{e}"
    );
}

#[test]
fn truncated_snapshot_names_what_is_missing() {
    // Cut after a line: no `end` line.
    let e = bad_as_is("schema 2\nheader-set vfio\nversion 6.1\n");
    assert!(
        e.contains("x86_64.layout:3:") && e.contains("truncated"),
        "{e}"
    );
    // Complete, but without the lines every snapshot has.
    let e = bad("schema 2\nheader-set vfio\nversion 6.1\n");
    assert!(
        e.contains("x86_64.layout:0:") && e.contains("missing `arch`"),
        "{e}"
    );
}

#[test]
fn every_committed_snapshot_refuses_losing_its_last_lines() {
    for path in committed() {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for keep in [lines.len() - 1, lines.len() - 2, lines.len() / 2] {
            let cut = lines[..keep].join("\n") + "\n";
            let e = parse(&cut).unwrap_err();
            assert!(e.1.contains("truncated"), "{}: {e:?}", path.display());
        }
    }
}

#[test]
fn corrupt_number_names_the_line() {
    let e = bad(&GOOD.replace("size=8", "size=eight"));
    assert!(e.contains(":7:") && e.contains("size=eight"), "{e}");
}

#[test]
fn field_before_its_record_is_refused() {
    let e = bad(&GOOD.replace("field struct a.x", "field struct b.x"));
    assert!(e.contains(":8:") && e.contains("does not follow"), "{e}");
}

#[test]
fn unknown_line_kind_and_arch_are_refused() {
    assert!(bad(&format!("{GOOD}bogus line\n")).contains(":9: unknown line kind"));
    assert!(bad(&GOOD.replace("arch x86_64", "arch vax")).contains("unknown architecture `vax`"));
}

#[test]
fn snapshot_write_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let l = parse(&seal(GOOD)).unwrap();
    write_snapshot_dir(
        dir.path(),
        std::slice::from_ref(&l),
        &[("linux/a.h".into(), "// rust".into())],
    )
    .unwrap();
    write_snapshot_dir(dir.path(), &[l], &[]).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == "x86_64.layout" || n == "bindings"),
        "leftover temp files: {names:?}"
    );
    assert!(dir.path().join("bindings/linux__a.rs").is_file());
}

#[test]
fn fuzzed_duplicate_field_is_refused() {
    // Found by the abi_check fuzz target's nightly run (corpora/regressions/abi_check/): a record
    // listing a member twice. C forbids it, so no extraction writes it, but the parser took it,
    // and the copy then hid a change (fields are looked up by name, and the first answered).
    let text = format!(
        "{GOOD}field struct a.y offset=4 size=4 align=4 type=__u32\n\
         field struct a.x offset=0 size=4 align=4 type=__u32\n"
    );
    let e = bad(&text);
    assert!(
        e.contains(":10:") && e.contains("field `struct a.x` given twice"),
        "{e}"
    );
    // The fuzz body's view (selector: field offset, index 2, delta 1): moving the second `x` by a
    // byte produced no finding; now the snapshot is refused before anything is compared.
    let input = [&[2u8, 0, 2, 0][..], text.as_bytes()].concat();
    assert_eq!(uapi_abi::fuzz_check::fuzz_check(&input), Ok(()));
}

#[test]
fn fuzzed_repeated_key_and_zero_alignment_are_refused() {
    // Found by a 10-minute abi_check run (corpora/regressions/abi_check/): a record line with a
    // second `size=` and `align=0`. The parser kept the last value of a repeated key, and took
    // an alignment of 0, which doubling leaves unchanged: the perturbation went unnoticed.
    let text = GOOD.replace("header=linux/a.h", "header=linux/a.h align=0");
    let e = bad(&text);
    assert!(
        e.contains(":7:") && e.contains("`align=` given twice"),
        "{e}"
    );
    let input = [&[1u8, 0, 0, 0][..], text.as_bytes()].concat();
    assert_eq!(uapi_abi::fuzz_check::fuzz_check(&input), Ok(()));
    // An alignment is a power of two, for records and fields alike.
    let e = bad(&GOOD.replace("size=8 align=4", "size=8 align=0"));
    assert!(
        e.contains(":7:") && e.contains("`align=0` is not a power of two"),
        "{e}"
    );
    let e = bad(&GOOD.replace("size=4 align=4", "size=4 align=3"));
    assert!(
        e.contains(":8:") && e.contains("`align=3` is not a power of two"),
        "{e}"
    );
}

#[test]
fn fuzzed_carriage_return_inside_a_line_is_refused() {
    // Found by the snapshot_parse fuzz target (corpora/regressions/snapshot_parse/): a lone `\r`
    // in a skipped header's error text parsed, but rendered as a space, so it did not round-trip.
    let text = format!("{GOOD}skipped linux/y.h error=first\rsecond\n");
    let e = bad(&text);
    assert!(
        e.contains(":9:") && e.contains("control character '\\r'"),
        "{e}"
    );
    assert!(uapi_model::snapshot::fuzz_parse_round_trip(text.as_bytes()).is_ok());
}
