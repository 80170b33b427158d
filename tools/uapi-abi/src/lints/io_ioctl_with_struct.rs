//! `io-ioctl-with-struct`: an ioctl defined with `_IO` whose name matches a struct of its header,
//! so it most likely carries that struct while its number encodes neither size nor direction.
//! VFIO and iommufd do this on purpose and rely on argsz; elsewhere it is usually a slip. The
//! match is by name: the struct named exactly by the ioctl's words less `GET`/`SET`, else every
//! struct whose name holds all those words and at most two more (all of them are named when
//! several match), so this is a note.

use super::{Lint, LintOut};
use crate::findings::{Hit, Severity};
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "io-ioctl-with-struct",
    summary: "an _IO ioctl that appears to carry a struct",
    severity: Severity::Note,
    hint: "if the ioctl takes a struct, define it with _IOR/_IOW/_IOWR or document its argsz",
    check,
};

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn check(layouts: &[&Layout], out: &mut LintOut) {
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
            let candidates: Vec<&str> = l
                .records
                .values()
                .filter(|r| r.header == c.header && r.name.starts_with("struct "))
                .filter(|r| {
                    let have = words(r.name.trim_start_matches("struct "));
                    have.len() <= wanted.len() + 2 && wanted.iter().all(|w| have.contains(w))
                })
                .map(|r| r.name.as_str())
                .collect();
            let exact = candidates
                .iter()
                .find(|n| words(n.trim_start_matches("struct ")) == wanted);
            let carried = match (exact, candidates.as_slice()) {
                (Some(n), _) => n.to_string(),
                (None, []) => continue,
                (None, [one]) => one.to_string(),
                (None, many) => format!("one of {}", many.join(", ")),
            };
            out.push(&LINT, l.arch, Hit { item: &c.name, header: &c.header, field: None, old: None, new: Some(format!("_IO {carried}")), message: format!(
                    "{} is defined with _IO but appears to carry {}: its number encodes no size or direction, so only an argsz/size first member can catch a caller passing the wrong struct",
                    c.name, carried
                ) });
        }
    }
}
