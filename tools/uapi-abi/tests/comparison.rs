//! How a check reads a comparison of the committed vfio snapshots as a whole: a deleted header is
//! one finding naming what went with it, while removals from a header that stays are each their
//! own finding (recall of the committed history). The finer cases (moves, headers skipped on one
//! side, diagnostics, lints already present before) are unit tests of `check.rs` on hand-built
//! layouts.

mod common;

use uapi_abi::check::{check, Report};
use uapi_abi::findings::Severity;
use uapi_model::snapshot::read_snapshot_dir;

fn compare(old: &str, new: &str) -> Report {
    let dir = common::repo().join("abi-snapshots/vfio");
    let old = read_snapshot_dir(&dir.join(old)).unwrap();
    let new = read_snapshot_dir(&dir.join(new)).unwrap();
    check(&old, &new, None).unwrap()
}

#[test]
fn iommu_h_deleted_after_6_1_is_one_break_naming_its_fault_interface() {
    let r = compare("6.1", "6.12");
    let breaks: Vec<_> = r.of_severity(Severity::Break).collect();
    assert_eq!(breaks.len(), 1, "{breaks:#?}");
    let f = breaks[0];
    assert_eq!(
        (f.rule, f.item.as_str(), f.header.as_str()),
        ("header-removed", "linux/iommu.h", "linux/iommu.h")
    );
    assert_eq!(f.arches, r.arches);
    assert_eq!(f.old.as_deref(), Some("31 items"));
    assert!(
        f.message.starts_with("linux/iommu.h was deleted: sources that include it no longer compile; removed with it: 4 records (struct iommu_fault, struct iommu_fault_page_request, struct iommu_fault_unrecoverable, struct iommu_page_response), 27 constants (IOMMU_FAULT_DMA_UNRECOV,")
            && f.message.ends_with("and 19 more)"),
        "{}",
        f.message
    );
    // Nothing of iommu.h is reported one item at a time any more.
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule.ends_with("-removed") && f.rule != "header-removed"),
        "{:#?}",
        r.findings
    );
}

#[test]
fn iommu_h_kept_in_6_1_still_reports_each_guest_pasid_removal() {
    // 5.18 removed the guest-PASID interfaces but kept the header: individual removals.
    let r = compare("5.10", "6.1");
    assert!(!r.findings.iter().any(|f| f.rule == "header-removed"));
    for item in [
        "struct iommu_cache_invalidate_info",
        "struct iommu_gpasid_bind_data",
        "IOMMU_CACHE_INV_TYPE_IOTLB",
    ] {
        assert!(
            r.findings.iter().any(|f| f.item == item
                && f.rule.ends_with("-removed")
                && f.severity == Severity::Break),
            "{item}"
        );
    }
    assert_eq!(r.count(Severity::Break), 33);
}
