//! Replays the `snapshot_parse` corpus (`corpora/snapshot_parse/*` and its regressions) through the
//! fuzz target's body on the stable toolchain; a failure names the file.

use std::path::Path;

#[test]
fn snapshot_parse_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora");
    let mut files = Vec::new();
    for dir in [
        root.join("snapshot_parse"),
        root.join("regressions/snapshot_parse"),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    assert!(
        files.len() >= 5,
        "only {} snapshot_parse corpus files",
        files.len()
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        if let Err(v) = uapi_abi::snapshot::fuzz_parse_round_trip(&bytes) {
            panic!("{}: {v}", f.display());
        }
    }
}

#[test]
fn committed_snapshots_round_trip_through_the_fuzz_body() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots/vfio/6.12/x86_64.layout");
    let bytes = std::fs::read(path).unwrap();
    uapi_abi::snapshot::fuzz_parse_round_trip(&bytes).unwrap();
    // A parse that succeeds must round-trip; check the body really parses this input.
    assert!(uapi_abi::snapshot::parse(&String::from_utf8_lossy(&bytes)).is_ok());
}
