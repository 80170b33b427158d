//! `io-ioctl-with-struct`: an ioctl defined with `_IO` whose name matches a struct of its header,
//! so it most likely carries that struct while its number encodes neither size nor direction.
//! VFIO and iommufd do this on purpose and rely on argsz; elsewhere it is usually a slip. The
//! match is by name (the ioctl's words, less `GET`/`SET`, all appear in the struct's name), so
//! this is a note.

use super::{Lint, LintOut};
use crate::findings::Severity;
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "io-ioctl-with-struct",
    summary: "an _IO ioctl that appears to carry a struct",
    severity: Severity::Note,
    check,
};

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn check(layouts: &[Layout], out: &mut LintOut) {
    for l in layouts {
        for c in l.constants.values() {
            let Some(io) = &c.ioctl else { continue };
            if io.macro_name != "_IO" {
                continue;
            }
            let wanted: Vec<String> = words(&c.name)
                .into_iter()
                .filter(|w| w != "get" && w != "set")
                .collect();
            if wanted.len() < 3 {
                continue;
            }
            let carried = l.records.values().find(|r| {
                r.header == c.header && {
                    let have = words(r.name.trim_start_matches("struct "));
                    have.len() <= wanted.len() + 2 && wanted.iter().all(|w| have.contains(w))
                }
            });
            let Some(r) = carried else { continue };
            out.push(
                &LINT,
                l.arch,
                &c.name,
                &c.header,
                None,
                Some(format!("_IO {}", r.name)),
                format!(
                    "{} is defined with _IO but appears to carry {}: its number encodes no size or direction, so only an argsz/size first member can catch a caller passing the wrong struct",
                    c.name, r.name
                ),
            );
        }
    }
}
