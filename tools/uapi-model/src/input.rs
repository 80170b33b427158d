//! Reading files that may be hostile (snapshots from a pull request, waiver files, patch mails,
//! header texts): only regular files, never more than a stated number of bytes, and never a
//! blocking open. A FIFO, a device such as `/dev/zero`, a directory or an oversized file is a
//! clear error naming the file, not a hang or an exhausted machine.

use crate::error::Error;
use std::io::Read as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// The most a snapshot (`*.layout`) file may hold: the `all` set of one architecture is about
/// 6 MiB, so this leaves room for growth while stopping `/dev/zero`-like inputs.
pub const SNAPSHOT_LIMIT: u64 = 64 << 20;
/// The most a waiver file may hold.
pub const WAIVER_LIMIT: u64 = 1 << 20;
/// The most a patch mail may hold.
pub const MBOX_LIMIT: u64 = 64 << 20;
/// The most one header may hold (the largest installed UAPI header is under 300 KiB).
pub const HEADER_LIMIT: u64 = 8 << 20;

/// Reads `path` whole, refusing anything but a regular file of at most `limit` bytes. The file
/// is opened non-blocking, so a FIFO planted under the name cannot hang the reader between the
/// check and the open.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.file_type().is_file() {
        return Err(Error::Input {
            path: path.to_path_buf(),
            message: format!("{}, not a regular file", kind_name(&meta)),
        });
    }
    if meta.len() > limit {
        return Err(too_large(path, limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    // The file may have grown since it was measured.
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit));
    }
    Ok(bytes)
}

/// [`read_bounded`], then UTF-8 (an error names the file and the byte offset).
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, Error> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|e| Error::Input {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

fn too_large(path: &Path, limit: u64) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        message: format!("larger than the limit of {} MiB", limit >> 20),
    }
}

/// What kind of file a non-regular file is, for messages.
pub fn kind_name(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "an unknown kind of file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_without_hanging() {
        for (path, kind) in [
            ("/dev/zero", "character device"),
            ("/dev/null", "character device"),
            ("/", "directory"),
        ] {
            let e = read_bounded(Path::new(path), 1 << 20)
                .unwrap_err()
                .to_string();
            assert!(e.contains(kind) && e.contains(path), "{e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // No writer: a blocking open would hang here for ever.
        let e = read_bounded(&fifo, 1 << 20).unwrap_err().to_string();
        assert!(e.contains("a FIFO"), "{e}");
    }

    #[test]
    fn files_over_the_limit_are_refused_and_files_at_it_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_bounded(&p, 2048).unwrap().len(), 2048);
        let e = read_bounded(&p, 2047).unwrap_err().to_string();
        assert!(e.contains("larger than the limit"), "{e}");
        std::fs::write(&p, b"\xff\xfe").unwrap();
        let e = read_text_bounded(&p, 10).unwrap_err().to_string();
        assert!(e.contains("not UTF-8"), "{e}");
    }
}
