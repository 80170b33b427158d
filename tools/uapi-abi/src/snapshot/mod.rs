//! The snapshot text format: one line per item or field, in a stable order, so a pull request that
//! changes a layout shows exactly the lines that changed. Reading a snapshot back reproduces the
//! model exactly. Snapshot files may come from untrusted pull requests: reading never panics and
//! every error names the file and line.
//!
//! ```text
//! schema 1
//! header-set vfio
//! version 6.1
//! arch x86_64
//! bindgen 0.73.2
//! libclang Debian clang version 14.0.6
//! header linux/vfio.h
//! skipped linux/foo.h error=...
//! record struct vfio_info_cap_header kind=struct size=8 align=4 header=linux/vfio.h
//! field struct vfio_info_cap_header.id offset=0 size=2 align=2 type=__u16
//! field struct x.flags offset=0 size=4 align=4 bits=3+5 type=__u32
//! const VFIO_API_VERSION value=0 header=linux/vfio.h
//! const VFIO_GET_API_VERSION value=15204 header=linux/vfio.h ioctl=none:0x3b:100:0 macro=_IO
//! const VFIO_PCI_BAR0_REGION_INDEX value=0 header=linux/vfio.h enum=<anonymous>
//! ```
//! `type=`, `error=` and `arg=` run to the end of the line.

mod io;
mod text;

pub use io::{read_snapshot, read_snapshot_dir, write_atomic, write_snapshot_dir};
pub use text::{constant_line, parse, record_lines, render, SCHEMA};

/// The body of the `snapshot_parse` fuzz target (and its stable replay): parsing any bytes never
/// panics, and whatever parses renders back to text that parses to the same layout.
pub fn fuzz_parse_round_trip(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let Ok(layout) = parse(&text) else {
        return Ok(());
    };
    let rendered = render(&layout);
    match parse(&rendered) {
        Ok(again) if again == layout => Ok(()),
        Ok(_) => Err(format!(
            "re-parsing the rendered snapshot gives a different layout:\n{rendered}"
        )),
        Err((line, m)) => Err(format!(
            "rendered snapshot does not parse (line {line}: {m}):\n{rendered}"
        )),
    }
}

/// The sort key of a snapshot directory named by a kernel version (`5.10`, `6.12`, `7.2.1`);
/// `None` for other names (fixtures such as `5.5-fixture`).
pub fn version_key(label: &str) -> Option<Vec<u64>> {
    label.split('.').map(|p| p.parse().ok()).collect()
}
