//! Shared by the integration tests: golden files under `tests/golden/`.

use std::path::Path;

/// Compares `actual` with `tests/golden/<name>`, showing a unified diff when they differ; with
/// `UAPI_GUARD_BLESS=1` in the environment, writes it instead (review the diff before committing).
pub fn compare_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UAPI_GUARD_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with UAPI_GUARD_BLESS=1)", path.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!("{} differs:\n{diff}", path.display());
    }
}
