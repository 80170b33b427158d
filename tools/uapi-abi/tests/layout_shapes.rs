//! The extractor on the shapes UAPI headers use: anonymous members, bitfields, flexible arrays,
//! keyword field names, typedef-named records, enums, ioctl numbers on two encodings, and values
//! that do not fit 64 signed bits.

mod common;

use uapi_model::model::{Arch, ConstantKind, IoctlDir, IoctlEncoding};

#[test]
fn anonymous_members_are_flattened_with_outer_offsets() {
    let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::X86_64);
    let r = &l.records["struct shapes"];
    let names: Vec<&str> = r.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["argsz", "x", "y", "raw", "named", "named.p", "type", "data"]
    );
    assert_eq!(r.field("y").unwrap().offset_bytes, 16);
    assert_eq!(r.field("raw").unwrap().offset_bytes, 8);
    assert_eq!(r.field("named.p").unwrap().offset_bytes, 24);
    assert_eq!(r.field("type").unwrap().c_type, "int");
    let data = r.field("data").unwrap();
    assert!(data.is_flexible_array());
    assert_eq!(
        (data.offset_bytes, data.size_bytes, data.c_type.as_str()),
        (32, 0, "__u8[]")
    );
    assert_eq!(r.field("named").unwrap().c_type, "struct <anonymous>");
    assert_eq!(r.size_bytes, 32);
}

#[test]
fn anonymous_union_is_smaller_on_i386() {
    let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::I386);
    let r = &l.records["struct shapes"];
    // __u64 is 4-byte aligned inside i386 structs.
    assert_eq!(r.field("y").unwrap().offset_bytes, 8);
    assert_eq!(r.align_bytes, 4);
}

#[test]
fn bitfields_have_bit_positions_in_allocation_order() {
    for arch in [Arch::X86_64, Arch::S390x] {
        let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], arch);
        let r = &l.records["struct bits"];
        let bits = |n: &str| {
            r.field(n)
                .unwrap()
                .bits
                .map(|b| (b.offset_bits, b.size_bits))
        };
        assert_eq!(bits("a"), Some((0, 3)), "{arch}");
        assert_eq!(bits("b"), Some((3, 5)), "{arch}");
        assert_eq!(r.field("c").unwrap().offset_bytes, 1, "{arch}");
        // 20 bits do not fit the rest of the first 32-bit unit, so d starts the next one.
        assert_eq!(bits("d"), Some((32, 20)), "{arch}");
        assert_eq!(r.size_bytes, 8, "{arch}");
    }
}

#[test]
fn typedef_named_record_is_spelled_by_its_typedef() {
    let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::X86_64);
    assert_eq!(l.records["shapes_pair_t"].size_bytes, 8);
    assert!(!l.records.contains_key("struct shapes_pair_t"));
}

#[test]
fn constants_keep_c_values() {
    let l = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::X86_64);
    assert_eq!(l.constants["SHAPES_NEG"].value, -5);
    assert_eq!(l.constants["SHAPES_BIG"].value, i128::from(u64::MAX));
    assert_eq!(l.constants["SHAPES_INT_MIN"].value, i128::from(i32::MIN));
    assert_eq!(l.constants["SHAPES_BLUE"].value, -2);
    assert_eq!(
        l.constants["SHAPES_BLUE"].kind,
        ConstantKind::Enumerator {
            enum_name: "enum shapes_color".into()
        }
    );
}

#[test]
fn ioctl_numbers_follow_each_architecture_encoding() {
    let x86 = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::X86_64);
    let ppc = common::layout_of(&common::fixture_root(), &["linux/shapes.h"], Arch::Ppc64le);
    for (l, enc) in [
        (&x86, IoctlEncoding::Generic),
        (&ppc, IoctlEncoding::Powerpc),
    ] {
        let set = &l.constants["SHAPES_IOC_SET"];
        let io = set.ioctl.as_ref().expect("decoded");
        assert_eq!(
            (io.dir, io.ioc_type, io.nr, io.size_bytes),
            (IoctlDir::Write, b'T', 3, 32)
        );
        assert_eq!(io.arg_type.as_deref(), Some("struct shapes"));
        assert_eq!(
            set.value,
            i128::from(enc.encode(IoctlDir::Write, b'T', 3, 32).unwrap())
        );
        let rw = l.constants["SHAPES_IOC_RW"]
            .ioctl
            .as_ref()
            .expect("decoded");
        assert_eq!((rw.dir, rw.size_bytes), (IoctlDir::ReadWrite, 8));
    }
    assert_ne!(
        x86.constants["SHAPES_IOC_SET"].value,
        ppc.constants["SHAPES_IOC_SET"].value
    );
}

#[test]
fn real_vfio_ioctls_differ_on_ppc64le() {
    let root = std::path::Path::new("/usr/include");
    let x86 = common::layout_of(root, &["linux/vfio.h"], Arch::X86_64);
    let ppc = common::layout_of(root, &["linux/vfio.h"], Arch::Ppc64le);
    // VFIO_GET_API_VERSION is _IO(';', 100): 0x3b64 with the generic encoding, and the powerpc
    // "none" direction bit (1 << 29) set on ppc64le.
    assert_eq!(x86.constants["VFIO_GET_API_VERSION"].value, 0x3b64);
    assert_eq!(ppc.constants["VFIO_GET_API_VERSION"].value, 0x2000_3b64);
    let ioctls = x86.constants.values().filter(|c| c.ioctl.is_some()).count();
    assert!(ioctls >= 25, "only {ioctls} vfio ioctls found");
    for (name, c) in &x86.constants {
        if let Some(io) = &c.ioctl {
            let p = &ppc.constants[name];
            let pio = p.ioctl.as_ref().expect("ppc decodes too");
            assert_eq!(
                (io.dir, io.nr, io.size_bytes),
                (pio.dir, pio.nr, pio.size_bytes),
                "{name}"
            );
            assert_ne!(c.value, p.value, "{name} must differ between encodings");
        }
    }
}

#[test]
fn header_that_does_not_compile_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("linux")).unwrap();
    std::fs::write(
        dir.path().join("linux/broken.h"),
        "struct broken { nosuchtype x; };\n",
    )
    .unwrap();
    let sysroot = uapi_frontend::sysroot::Sysroot::new(dir.path(), &[Arch::X86_64]).unwrap();
    let err = uapi_frontend::layout::extract_layout(
        &sysroot,
        "t",
        "t",
        &["linux/broken.h".to_string()],
        Arch::X86_64,
        uapi_frontend::layout::OnCompileError::Fail,
        uapi_frontend::extract::MacroEval::BindgenFallback,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("linux/broken.h") && err.contains("nosuchtype"),
        "{err}"
    );
}

#[test]
fn missing_include_root_is_an_error() {
    let err = uapi_frontend::sysroot::Sysroot::new(
        std::path::Path::new("/nonexistent/inc"),
        &[Arch::X86_64],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent/inc"), "{err}");
}
