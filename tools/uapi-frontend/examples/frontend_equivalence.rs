//! Reads the `all` set of include roots with both front ends (bindgen and the compiled probe;
//! libclang alone) and prints every difference no class of `uapi_frontend::equivalence::CLASSES`
//! explains, then a count by class. With `--verify`, the direct front end is also run with the
//! compiled probe checking each of its numbers (the items only it reports among them): any
//! disagreement, or a header it skips that the direct path read, is printed too. Exits 1 if
//! anything was printed.
//!
//! Usage: frontend_equivalence [--verify] [--arch a,b,...] [--header h]... ROOT...

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use uapi_frontend::extract::MacroEval;
use uapi_frontend::layout::Frontend;
use uapi_model::model::Arch;

fn main() -> ExitCode {
    let mut arches: Vec<Arch> = Arch::ALL.to_vec();
    let mut roots = Vec::new();
    let mut only: Vec<String> = Vec::new();
    let mut verify = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--verify" {
            verify = true;
        } else if a == "--header" {
            only.push(args.next().unwrap_or_default());
        } else if a == "--arch" {
            let list = args.next().unwrap_or_default();
            arches = list.split(',').filter_map(|n| n.parse().ok()).collect();
        } else {
            roots.push(PathBuf::from(a));
        }
    }
    let mut total = 0;
    for root in &roots {
        let present: Vec<Arch> = arches
            .iter()
            .copied()
            .filter(|&a| uapi_frontend::sysroot::asm_dir_of(root, a).is_some())
            .collect();
        let read = |frontend| {
            if only.is_empty() {
                uapi_frontend::extract_set(root, "all", "t", &present, Some(frontend))
            } else {
                let (_, mut policy) = uapi_frontend::headers::resolve("all", root)?;
                policy.frontend = frontend;
                policy.asm = false;
                uapi_frontend::extract_headers(root, "all", "t", &only, policy, &present)
            }
        };
        let t = std::time::Instant::now();
        let old = read(Frontend::Bindgen(MacroEval::Batched));
        let t_old = t.elapsed();
        let t = std::time::Instant::now();
        let new = read(Frontend::Direct { verify: false });
        let t_new = t.elapsed();
        if verify {
            let t = std::time::Instant::now();
            match read(Frontend::Direct { verify: true }) {
                Ok(checked) => {
                    for (c, n) in checked.iter().zip(new.iter().flatten()) {
                        for d in &c.layout.diagnostics {
                            if d.message.contains("compiled probe") {
                                total += 1;
                                println!(
                                    "{} {} verify {}: {}",
                                    root.display(),
                                    c.layout.arch,
                                    d.item,
                                    d.message
                                );
                            }
                        }
                        for s in &c.layout.skipped {
                            if n.layout.headers.contains(&s.header)
                                && !members_are_macros(root, &s.header, &n.layout)
                            {
                                total += 1;
                                println!(
                                    "{} {} verify skipped {}: {}",
                                    root.display(),
                                    c.layout.arch,
                                    s.header,
                                    s.reason
                                );
                            }
                        }
                    }
                }
                Err(e) => {
                    eprintln!("{}: verify: {e}", root.display());
                    return ExitCode::FAILURE;
                }
            }
            eprintln!(
                "{}: libclang verified by the probe {:.1} s",
                root.display(),
                t.elapsed().as_secs_f64()
            );
        }
        let (old, new) = match (old, new) {
            (Ok(o), Ok(n)) => (o, n),
            (o, n) => {
                eprintln!("{}: {:?} / {:?}", root.display(), o.err(), n.err());
                return ExitCode::FAILURE;
            }
        };
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (o, n) in old.iter().zip(&new) {
            let mut explained = 0;
            let diffs = uapi_frontend::equivalence::differences(&o.layout, &n.layout);
            for d in &diffs {
                let class = uapi_frontend::equivalence::explain(d, &o.layout, &n.layout);
                *kinds.entry(class.unwrap_or("UNEXPLAINED")).or_default() += 1;
                if class.is_some() {
                    explained += 1;
                    continue;
                }
                println!(
                    "{} {} {} {}\n    bindgen:  {}\n    libclang: {}",
                    root.display(),
                    o.layout.arch,
                    d.what,
                    d.item,
                    d.first,
                    d.second
                );
            }
            total += diffs.len() - explained;
            if !only.is_empty() {
                for (name, l) in [("bindgen", &o.layout), ("libclang", &n.layout)] {
                    for s in &l.skipped {
                        println!("{name} skipped {}: {}", s.header, s.reason);
                    }
                    for d in &l.diagnostics {
                        println!("{name} diagnostic {}: {}: {}", d.header, d.item, d.message);
                    }
                }
            }
            eprintln!(
                "{} {}: {} headers, {} records, {} constants; {} differences",
                root.display(),
                o.layout.arch,
                n.layout.headers.len(),
                n.layout.records.len(),
                n.layout.constants.len(),
                diffs.len()
            );
        }
        eprintln!(
            "{}: bindgen and probe {:.1} s, libclang {:.1} s; {:?}",
            root.display(),
            t_old.as_secs_f64(),
            t_new.as_secs_f64(),
            kinds
        );
    }
    if total == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// True if `header` defines a macro named like a member of one of its records
/// (`#define pn_submsg_id pn_msg_u.base.pn_submsg_id` in `linux/phonet.h`): no probe can name that
/// member in `offsetof`, so `--verify` skips the header; the direct front end still reads it.
fn members_are_macros(
    root: &std::path::Path,
    header: &str,
    layout: &uapi_model::model::Layout,
) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join(header)) else {
        return false;
    };
    let defined: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("#define"))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    layout
        .records
        .values()
        .filter(|r| r.header == header)
        .flat_map(|r| &r.fields)
        .any(|f| f.name.split('.').any(|part| defined.contains(&part)))
}
