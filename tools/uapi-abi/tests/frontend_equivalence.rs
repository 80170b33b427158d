//! The direct libclang front end reads what the bindgen-and-probe path reads, and every number it
//! computes itself is the compiled probe's: on a fixture of hard shapes and on the machine's real
//! headers, for all seven architectures. (`make frontend-equivalence` runs the same comparison
//! over every header of Debian's four trees.)

use std::path::Path;
use uapi_frontend::extract::MacroEval;
use uapi_frontend::layout::{Extraction, Frontend};
use uapi_model::model::Arch;

fn read(root: &Path, headers: &[String], frontend: Frontend) -> Vec<Extraction> {
    let (_, mut policy) = uapi_frontend::headers::resolve("all", root).expect("resolve");
    policy.frontend = frontend;
    policy.asm = false;
    uapi_frontend::extract_headers(root, "test", "test", headers, policy, &Arch::ALL)
        .expect("extract")
}

/// Disagreements between libclang's own numbers and the compiled probe's.
fn probe_disagreements(checked: &[Extraction]) -> Vec<String> {
    checked
        .iter()
        .flat_map(|e| {
            e.layout
                .diagnostics
                .iter()
                .filter(|d| d.message.contains("compiled probe"))
                .map(move |d| format!("{}: {}: {}", e.layout.arch, d.item, d.message))
        })
        .collect()
}

/// Differences between the two paths that no known class of the bindgen path's errors explains.
fn unexplained(old: &[Extraction], new: &[Extraction]) -> (Vec<String>, usize) {
    let mut left = Vec::new();
    let mut explained = 0;
    for (o, n) in old.iter().zip(new) {
        for d in uapi_frontend::equivalence::differences(&o.layout, &n.layout) {
            match uapi_frontend::equivalence::explain(&d, &o.layout, &n.layout) {
                Some(_) => explained += 1,
                None => left.push(format!(
                    "{} {} {}: bindgen {} / libclang {}",
                    o.layout.arch, d.what, d.item, d.first, d.second
                )),
            }
        }
    }
    (left, explained)
}

#[test]
fn hard_shapes_give_the_compiled_probes_numbers_on_every_architecture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/direct");
    let headers = vec!["linux/tricky.h".to_string()];
    let direct = read(&root, &headers, Frontend::Direct { verify: false });
    let checked = read(&root, &headers, Frontend::Direct { verify: true });
    assert_eq!(probe_disagreements(&checked), Vec::<String>::new());
    for (d, c) in direct.iter().zip(&checked) {
        assert_eq!(d.layout.records, c.layout.records, "{}", d.layout.arch);
        assert_eq!(d.layout.constants, c.layout.constants, "{}", d.layout.arch);
    }
    let x86 = &direct[0].layout;
    let packed = &x86.records["struct tricky_packed"];
    let tail = packed.field("tail").expect("tail");
    assert_eq!((tail.offset_bytes, tail.align_bytes), (64, 64));
    let i386 = &direct[1].layout.records["struct tricky_i386"];
    assert_eq!(i386.field("second").map(|f| f.align_bytes), Some(8));
    assert_eq!(i386.field("flex").map(|f| f.align_bytes), Some(8));
    let nested = &x86.records["struct tricky_nested"];
    let names: Vec<&str> = nested.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["kind", "x", "y", "both", "named", "named.a", "named.b", "inner", "zero"]
    );
    assert_eq!(nested.field("inner").unwrap().c_type, "struct tricky_inner");
    assert_eq!(nested.field("zero").unwrap().c_type, "__u8[]");
    assert!(x86.records.contains_key("struct tricky_inner"));
    let uses = &x86.records["struct tricky_uses"];
    let types: Vec<&str> = uses.fields.iter().map(|f| f.c_type.as_str()).collect();
    assert_eq!(
        types,
        ["tricky_t", "tricky_e", "enum tricky_signed", "__u8[2][3]"]
    );
    let t = &x86.records["tricky_t"];
    assert_eq!(t.field("name").unwrap().c_type, "const char *");
    assert_eq!(t.field("callback").unwrap().c_type, "function pointer");
    let value = |name: &str| x86.constants.get(name).map(|c| c.value);
    assert_eq!(value("TRICKY_NEG"), Some(-1));
    assert_eq!(value("TRICKY_BIG"), Some(i128::from(u64::MAX)));
    assert_eq!(value("TRICKY_SHIFT"), Some(i128::from(i32::MIN)));
    assert_eq!(value("TRICKY_UNSIGNED"), Some(i128::from(u32::MAX)));
    assert_eq!(value("TRICKY_B"), Some(0x8000_0000));
    assert_eq!(value("TRICKY_MINUS"), Some(-2));
    assert_eq!(value("TRICKY_NOT_A_NUMBER"), None);
    assert_eq!(value("TRICKY_FUNCTION"), None);
    let ioctl = x86.constants["TRICKY_IOCTL"].ioctl.as_ref().expect("ioctl");
    assert_eq!(u64::from(ioctl.size_bytes), packed.size_bytes);
    // Bitfields: the unnamed one is not a member; s390x allocates from the other end, and both
    // front ends and the probe agree on it (checked above for every architecture).
    let bits = &x86.records["struct tricky_bits"];
    let spans: Vec<(u64, u64)> = bits
        .fields
        .iter()
        .filter_map(|f| f.bits.map(|b| (b.offset_bits, b.size_bits)))
        .collect();
    assert_eq!(spans, [(0, 3), (8, 12), (32, 9)]);
}

#[test]
fn the_machines_headers_read_the_same_by_both_front_ends() {
    let root = Path::new("/usr/include");
    let headers: Vec<String> = [
        "linux/vfio.h",
        "linux/iommu.h",
        "linux/iommufd.h",
        "linux/idxd.h",
        "linux/target_core_user.h",
        "linux/perf_event.h",
        "linux/if_packet.h",
        "linux/usb/video.h",
        "linux/cn_proc.h",
        "linux/auto_dev-ioctl.h",
        "linux/btrfs.h",
        "linux/ethtool.h",
        "linux/bpf.h",
        "sound/asound.h",
        "rdma/ib_user_verbs.h",
        "linux/atmlec.h",
    ]
    .iter()
    .filter(|h| root.join(h).is_file())
    .map(|h| h.to_string())
    .collect();
    assert!(
        headers.len() >= 12,
        "too few of the sample headers are installed"
    );
    let old = read(root, &headers, Frontend::Bindgen(MacroEval::Batched));
    let new = read(root, &headers, Frontend::Direct { verify: false });
    let (left, explained) = unexplained(&old, &new);
    assert_eq!(left, Vec::<String>::new());
    assert!(
        explained > 0,
        "the sample no longer shows the bindgen path's known errors"
    );
    let records: usize = new.iter().map(|e| e.layout.records.len()).sum();
    assert!(
        records > 7 * 200,
        "too few records to be a real comparison: {records}"
    );
    let checked = read(root, &headers, Frontend::Direct { verify: true });
    assert_eq!(probe_disagreements(&checked), Vec::<String>::new());
}

#[test]
fn headers_that_redefine_the_evaluations_names_are_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).unwrap();
    // Each would change what `__auto_type v = (MACRO);` evaluates to, or replace the function.
    std::fs::write(
        linux.join("keyword.h"),
        "#define __auto_type char\n#define BIG 300\n",
    )
    .unwrap();
    std::fs::write(
        linux.join("function.h"),
        "void __uapi_guard_eval(void);\n#define BIG 300\n",
    )
    .unwrap();
    std::fs::write(linux.join("plain.h"), "#define BIG 300\n").unwrap();
    let headers: Vec<String> = ["linux/function.h", "linux/keyword.h", "linux/plain.h"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let read = read(dir.path(), &headers, Frontend::Direct { verify: false });
    let layout = &read[0].layout;
    let skipped: Vec<&str> = layout.skipped.iter().map(|s| s.header.as_str()).collect();
    assert_eq!(skipped, ["linux/function.h", "linux/keyword.h"]);
    assert!(layout
        .skipped
        .iter()
        .all(|s| s.reason.contains("relies on")));
    assert_eq!(layout.constants["BIG"].value, 300);
    assert_eq!(layout.constants["BIG"].header, "linux/plain.h");
}

#[test]
fn a_header_name_that_could_rewrite_the_include_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).unwrap();
    std::fs::write(dir.path().join("leak.h"), "#define LEAKED 7\n").unwrap();
    // Written into `#include "..."`, this name would close the string and include `leak.h`.
    let crafted = "x.h\"\n#include \"leak.h".to_string();
    std::fs::write(linux.join(&crafted), "#define MINE 1\n").unwrap();
    std::fs::write(linux.join("quote\"d.h"), "#define QUOTED 2\n").unwrap();
    let headers = vec![format!("linux/{crafted}"), "linux/quote\"d.h".to_string()];
    let read = read(dir.path(), &headers, Frontend::Direct { verify: false });
    let layout = &read[0].layout;
    assert_eq!(layout.skipped.len(), 2, "{:?}", layout.skipped);
    assert!(layout
        .skipped
        .iter()
        .all(|s| s.reason.contains("cannot be included")));
    assert!(!layout.constants.contains_key("LEAKED"));
}

/// The direct front end reparses one translation unit per thread for header after header: what
/// one header defines must not be seen while reading the next, and a rewritten header is read as
/// it now is.
#[test]
fn a_reused_translation_unit_forgets_the_previous_header() {
    use uapi_frontend::extract::direct;
    let dir = tempfile::tempdir().unwrap();
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).unwrap();
    let a = linux.join("a.h");
    let b = linux.join("b.h");
    std::fs::write(&a, "#define A_ONLY 1\nstruct s { int x; };\n").unwrap();
    std::fs::write(
        &b,
        "#ifdef A_ONLY\n#define SAW_A 1\n#else\n#define CLEAN 2\n#endif\n\
         struct s { long y; long z; };\n",
    )
    .unwrap();
    let sysroot = uapi_frontend::sysroot::Sysroot::new(dir.path(), &[Arch::X86_64]).unwrap();
    let args = sysroot.clang_args(Arch::X86_64);
    let read = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        direct::read_header(path.to_str().unwrap(), &text, &args, Arch::X86_64)
            .unwrap_or_else(|_| panic!("{} does not read", path.display()))
    };
    let names = |d: &direct::Direct| {
        d.constants
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&read(&a)), ["A_ONLY"]);
    // Same thread, same arguments: the unit that read a.h reads b.h.
    let second = read(&b);
    assert_eq!(names(&second), ["CLEAN"]);
    assert_eq!(second.records[0].size_bytes, 16);
    // Released, the next read parses afresh; a rewritten header is read as it now is.
    direct::release(&args);
    // Same length, so only the contents tell the two versions apart.
    std::fs::write(&a, "#define A_ONLY 1\nstruct s { char x;};\n").unwrap();
    assert_eq!(read(&a).records[0].size_bytes, 1);
    std::fs::write(&a, "#define A_ONLY 1\nstruct s { long x;};\n").unwrap();
    assert_eq!(read(&a).records[0].size_bytes, 8, "reparsed, not released");
}

/// A header's constants are what its active macro definitions say: not a definition in a
/// disabled branch (the enumerator of that name stands), not one an include made first, not one
/// undefined again; a definition continued over lines, and an ioctl's macro and type.
#[test]
fn macro_definitions_are_attributed_to_the_active_definition() {
    use uapi_frontend::extract::direct;
    let dir = tempfile::tempdir().unwrap();
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).unwrap();
    std::fs::write(linux.join("base.h"), "#define FROM_BASE 1\n").unwrap();
    let plain = "#include <linux/ioctl.h>\n\
                 struct z { int a; };\n\
                 enum e { SHADOWED = 5 };\n\
                 #if 0\n#define SHADOWED 7\n#endif\n\
                 #define SPLIT (1 + \\\n 2) /* three */\n\
                 #define ZIOC _IOW('z', 1, struct z)\n";
    let tangled = "#include <linux/base.h>\n\
                   #ifndef FROM_BASE\n#define FROM_BASE 2\n#endif\n\
                   #define GONE 4\n#undef GONE\n\
                   #define KEPT 8\n";
    let sysroot = uapi_frontend::sysroot::Sysroot::new(dir.path(), &[Arch::X86_64]).unwrap();
    let args = sysroot.clang_args(Arch::X86_64);
    let constants = |name: &str, text: &str| {
        let path = linux.join(name);
        std::fs::write(&path, text).unwrap();
        let read = direct::read_header(path.to_str().unwrap(), text, &args, Arch::X86_64)
            .unwrap_or_else(|_| panic!("{name} does not read"));
        read.constants
            .into_iter()
            .map(|c| (c.name, c.value, c.enum_name.is_some(), c.ioctl))
            .collect::<Vec<_>>()
    };
    let ioc = Some(("_IOW".to_string(), Some("struct z".to_string())));
    assert_eq!(
        constants("plain.h", plain),
        [
            ("SHADOWED".to_string(), 5, true, None),
            ("SPLIT".to_string(), 3, false, None),
            ("ZIOC".to_string(), 0x40047a01, false, ioc),
        ]
    );
    // FROM_BASE is base.h's; GONE is undefined again.
    assert_eq!(
        constants("tangled.h", tangled),
        [("KEPT".to_string(), 8, false, None)]
    );
}
