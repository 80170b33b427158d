//! The two ways of evaluating macros bindgen's own parser cannot read (bindgen's
//! `clang_macro_fallback()`, one reparse per macro, and `MacroEval::Batched`, one libclang parse per
//! header) must give the same constants, on awkward fixture macros and on real headers.

mod common;

use std::path::Path;
use uapi_frontend::extract::MacroEval;
use uapi_model::model::{Arch, Layout};

/// `headers` that exist under `root`, extracted with `macros`.
fn layout(root: &Path, headers: &[&str], arch: Arch, macros: MacroEval) -> Layout {
    let present: Vec<&str> = headers
        .iter()
        .copied()
        .filter(|h| root.join(h).is_file())
        .collect();
    common::layout_with(root, &present, arch, macros)
}

fn fixture_root() -> std::path::PathBuf {
    common::repo().join("tools/uapi-abi/tests/fixtures/macros")
}

#[test]
fn batched_evaluation_gives_the_fallbacks_values_on_awkward_macros() {
    let root = fixture_root();
    for arch in [Arch::X86_64, Arch::Ppc64le, Arch::I386] {
        let headers = ["linux/macros.h", "linux/first.h"];
        let fallback = layout(&root, &headers, arch, MacroEval::BindgenFallback);
        let batched = layout(&root, &headers, arch, MacroEval::Batched);
        assert_eq!(fallback.constants, batched.constants, "{arch}");
        assert_eq!(fallback.records, batched.records, "{arch}");

        let c = &batched.constants;
        let value = |name: &str| c.get(name).map(|c| c.value);
        // Only integer constant expressions, each from the header that first defines it.
        assert_eq!(value("MACROS_SIZE"), Some(16), "{arch}");
        assert_eq!(
            value("MACROS_ALL_ONES"),
            Some(i128::from(u64::MAX)),
            "{arch}"
        );
        assert_eq!(value("MACROS_NEGATIVE"), Some(-20), "{arch}");
        assert_eq!(value("MACROS_HIGH_BIT"), Some(1 << 31), "{arch}");
        for absent in [
            "MACROS_NAME",
            "MACROS_TYPE_ONLY",
            "MACROS_NOT_DEFINED_YET",
            "MACROS_FUNCTION_LIKE",
        ] {
            assert_eq!(value(absent), None, "{absent} on {arch}");
        }
        assert_eq!(c["SHARED_ID"].header, "linux/first.h", "{arch}");
        assert_eq!(c["SHARED_ID"].value, 24, "{arch}");
        // ioctl numbers, decoded with the architecture's encoding.
        for (name, nr) in [
            ("MACROS_GET", 1),
            ("MACROS_SET", 2),
            ("MACROS_DO", 3),
            ("MACROS_AFTER_UNBALANCED", 4),
        ] {
            let ioctl = c
                .get(name)
                .and_then(|c| c.ioctl.as_ref())
                .unwrap_or_else(|| panic!("{name} on {arch}: no ioctl"));
            assert_eq!((ioctl.ioc_type, ioctl.nr), (b';', nr), "{name}");
        }
    }
}

#[test]
fn batched_evaluation_gives_the_fallbacks_values_on_real_headers() {
    // Headers with many ioctls, macros under #ifndef that the C library or asm/ defines first,
    // identical redefinitions, and unsigned 64-bit all-ones values.
    let headers = [
        "linux/vfio.h",
        "linux/iommu.h",
        "linux/iommufd.h",
        "linux/videodev2.h",
        "linux/kvm.h",
        "linux/if_pppox.h",
        "linux/elf-fdpic.h",
        "linux/userfaultfd.h",
        "linux/nfs4.h",
        "linux/fs.h",
        "linux/usbdevice_fs.h",
    ];
    let root = Path::new("/usr/include");
    for arch in [Arch::X86_64, Arch::Ppc64le] {
        let fallback = layout(root, &headers, arch, MacroEval::BindgenFallback);
        let batched = layout(root, &headers, arch, MacroEval::Batched);
        assert_eq!(fallback.constants, batched.constants, "{arch}");
        assert!(
            batched
                .constants
                .values()
                .filter(|c| c.ioctl.is_some())
                .count()
                > 250,
            "{arch}: too few ioctls: {}",
            batched
                .constants
                .values()
                .filter(|c| c.ioctl.is_some())
                .count()
        );
    }
}
