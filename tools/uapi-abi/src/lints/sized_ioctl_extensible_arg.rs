//! `sized-ioctl-extensible-arg`: an argsz/size-first struct is carried by an `_IOR`/`_IOW`/
//! `_IOWR` ioctl, whose number encodes the size: the struct can never grow without changing the
//! number, which defeats the argsz convention.

use super::{Lint, LintOut};
use crate::diff::{is_extensible, normalize_type};
use crate::findings::{Hit, Severity};
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "sized-ioctl-extensible-arg",
    summary: "an argsz/size-first struct carried by an ioctl that encodes its size",
    severity: Severity::Warning,
    hint: "define the ioctl with _IO and take the size from argsz",
    check,
};

fn check(layouts: &[&Layout], out: &mut LintOut) {
    for l in layouts {
        for c in l.constants.values() {
            let Some(io) = &c.ioctl else { continue };
            if io.macro_name == "_IO" {
                continue;
            }
            let Some(arg) = io.arg_type.as_deref().map(normalize_type) else {
                continue;
            };
            let Some(r) = l.records.get(arg) else {
                continue;
            };
            if !is_extensible(r) {
                continue;
            }
            out.push(&LINT, l.arch, Hit { item: &c.name, header: &c.header, field: None, old: None, new: Some(format!("{} {}", io.macro_name, r.name)), message: format!(
                    "{} is defined with {} carrying {}, which starts with {}: growing the struct changes the ioctl number, so the {} convention cannot work; define it with _IO and read the size from {}",
                    c.name, io.macro_name, r.name, r.fields[0].name, r.fields[0].name, r.fields[0].name
                ) });
        }
    }
}
