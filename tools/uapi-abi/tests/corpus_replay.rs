//! Replays the `snapshot_parse`, `snapshot_trailer`, `abi_check` and `mbox_parse` corpora (`corpora/<target>/*`
//! and `corpora/regressions/<target>/*`) through the fuzz targets' bodies on the stable toolchain;
//! a failure names the file.

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
        if let Err(v) = uapi_model::snapshot::fuzz_parse_round_trip(&bytes) {
            panic!("{}: {v}", f.display());
        }
    }
}

/// Every file of `corpora/snapshot_trailer/` and its regressions through the `snapshot_trailer`
/// body, each also with its cut and changed byte moved to many positions (an input tries one
/// of each).
#[test]
fn snapshot_trailer_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora");
    let mut files = Vec::new();
    for dir in [
        root.join("snapshot_trailer"),
        root.join("regressions/snapshot_trailer"),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    assert!(
        files.len() >= 8,
        "only {} snapshot_trailer corpus files",
        files.len()
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        if let Err(v) = uapi_model::snapshot::fuzz_trailer(&bytes) {
            panic!("{}: {v}", f.display());
        }
        // The same layout, cut and changed at positions spread over the text.
        for at in (0u32..4096).step_by(7) {
            let mut input = bytes.clone();
            input.resize(input.len().max(9), 0);
            input[..4].copy_from_slice(&at.to_le_bytes());
            input[4..8].copy_from_slice(&at.wrapping_mul(31).to_le_bytes());
            input[8] = (at % 255) as u8 + 1;
            if let Err(v) = uapi_model::snapshot::fuzz_trailer(&input) {
                panic!("{} (cut {at}): {v}", f.display());
            }
        }
    }
}

#[test]
fn committed_snapshots_round_trip_through_the_fuzz_body() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots/vfio/6.12/x86_64.layout");
    let bytes = std::fs::read(path).unwrap();
    uapi_model::snapshot::fuzz_parse_round_trip(&bytes).unwrap();
    // A parse that succeeds must round-trip; check the body really parses this input.
    assert!(uapi_model::snapshot::parse(&String::from_utf8_lossy(&bytes)).is_ok());
}

/// Every file of `corpora/abi_check/` and its regressions through the `abi_check` body.
#[test]
fn abi_check_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora");
    let mut files = Vec::new();
    for dir in [root.join("abi_check"), root.join("regressions/abi_check")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    assert!(
        files.len() >= 16,
        "only {} abi_check corpus files",
        files.len()
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        if let Err(v) = uapi_abi::fuzz_check::fuzz_check(&bytes) {
            panic!("{}: {v}", f.display());
        }
    }
}

/// The oracle can fail: a perturbation the rules do not see is reported.
#[test]
fn abi_check_oracle_sees_a_perturbation_and_a_waiver_round_trip() {
    let snap = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../abi-snapshots/vfio/5.5-fixture/x86_64.layout"),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&snap);
    let layout = uapi_model::snapshot::parse(&text).unwrap();
    // Every perturbation kind yields a finding on this snapshot.
    for kind in 0u8..8 {
        let mut input = vec![kind, 0, 1, 2];
        input.extend_from_slice(&snap);
        uapi_abi::fuzz_check::fuzz_check(&input).unwrap();
    }
    // A waiver list round-trips through render and parse.
    let w = "[[waiver]]\nrule = \"record-removed\"\nitem = \"a\\\"b\"\narches = [\"i386\"]\nreason = \"r\"\nlink = \"l\"\nexpires = \"2028-02-29\"\n";
    let known = |id: &str| uapi_abi::rules::find(id).is_some();
    let list = uapi_abi::waiver::parse(w, known).unwrap();
    assert_eq!(
        uapi_abi::waiver::parse(&uapi_abi::waiver::render(&list), known).unwrap(),
        list
    );
    assert!(!layout.records.is_empty());
}

/// Every file of `corpora/mbox_parse/` and its regressions through the `mbox_parse` body; the
/// hostile mails of the bot's tests (`hostile-*`) must stay refused by the parser too, except
/// `hostile-git-*`, which only the bot's check of git's own account refuses (a symlink mode).
#[test]
fn mbox_parse_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora");
    let mut files = Vec::new();
    for dir in [root.join("mbox_parse"), root.join("regressions/mbox_parse")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    assert!(
        files.len() >= 15,
        "only {} mbox_parse corpus files",
        files.len()
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        if let Err(v) = uapi_abi::mbox::fuzz_parse(&bytes) {
            panic!("{}: {v}", f.display());
        }
        let name = f.file_name().unwrap().to_string_lossy();
        let parsed = uapi_abi::mbox::parse(&String::from_utf8_lossy(&bytes));
        if name.starts_with("hostile-") && !name.starts_with("hostile-git-") {
            assert!(parsed.is_err(), "{name} is accepted: {parsed:?}");
        }
    }
    // The seed mail parses to the one file the maintainer reviewed.
    let seed = std::fs::read_to_string(root.join("mbox_parse/seed-v1-7-8")).unwrap();
    let patches = uapi_abi::mbox::parse(&seed).unwrap();
    assert_eq!(patches.len(), 1);
    assert!(patches[0]
        .files
        .iter()
        .any(|f| f.path() == "include/uapi/linux/vfio.h"));
}
