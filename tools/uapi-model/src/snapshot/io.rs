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
    let text = crate::input::read_text_bounded(path, crate::input::SNAPSHOT_LIMIT)?;
    parse(&text).map_err(|(line, message)| Error::Snapshot {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Reads every `<arch>.layout` of a snapshot directory, in architecture order. Fails if there is
/// none, or if they disagree on the header set or version.
pub fn read_snapshot_dir(dir: &Path) -> Result<Vec<Layout>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut layouts = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "layout") {
            layouts.push((path.clone(), read_snapshot(&path)?));
        }
    }
    if layouts.is_empty() {
        return Err(Error::Snapshot {
            path: dir.to_path_buf(),
            line: 0,
            message: "no *.layout files: not a snapshot directory".into(),
        });
    }
    layouts.sort_by_key(|(_, l)| l.arch);
    let (first_path, first) = &layouts[0];
    for (path, l) in &layouts {
        let expected = format!("{}.layout", l.arch);
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy() != expected)
        {
            return Err(Error::Snapshot {
                path: path.clone(),
                line: 0,
                message: format!(
                    "holds architecture {}, so it should be named {expected}",
                    l.arch
                ),
            });
        }
        if l.header_set != first.header_set || l.version != first.version {
            return Err(Error::Snapshot {
                path: path.clone(),
                line: 0,
                message: format!(
                    "header set {} version {} differs from {} (header set {} version {})",
                    l.header_set,
                    l.version,
                    first_path.display(),
                    first.header_set,
                    first.version
                ),
            });
        }
    }
    Ok(layouts.into_iter().map(|(_, l)| l).collect())
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
