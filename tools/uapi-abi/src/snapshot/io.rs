//! Reading and writing snapshot directories. Every write goes to a temporary file in the target
//! directory and is renamed into place, so a crash never leaves a half-written snapshot.

use super::text::{parse, render};
use crate::error::Error;
use crate::model::Layout;
use std::io::Write as _;
use std::path::Path;

/// Writes `contents` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(contents).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Reads one `<arch>.layout` file.
pub fn read_snapshot(path: &Path) -> Result<Layout, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text).map_err(|(line, message)| Error::Snapshot {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Writes `<dir>/<arch>.layout` for each layout, and `<dir>/bindings/<header>.rs` for the given
/// bindings (the header's `/` becomes `__`, `.h` becomes `.rs`).
pub fn write_snapshot_dir(
    dir: &Path,
    layouts: &[Layout],
    bindings: &[(String, String)],
) -> Result<(), Error> {
    for layout in layouts {
        let path = dir.join(format!("{}.layout", layout.arch));
        write_atomic(&path, render(layout).as_bytes())?;
    }
    for (header, rust) in bindings {
        let file = header.trim_end_matches(".h").replace('/', "__") + ".rs";
        let path = dir.join("bindings").join(file);
        write_atomic(&path, rust.as_bytes())?;
    }
    Ok(())
}
