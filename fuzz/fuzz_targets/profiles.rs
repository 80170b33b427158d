// The profiles a target checks: the fixed ones, unless UAPI_GUARD_PROFILES names others. `make hunt`
// sets UAPI_GUARD_PROFILES=v1 and UAPI_GUARD_HUNT=<hazard>, so only that hazard stops the run.
fn profiles() -> &'static [soft_iommu::Profile] {
    static PROFILES: std::sync::OnceLock<Vec<soft_iommu::Profile>> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| match std::env::var("UAPI_GUARD_PROFILES") {
        Ok(names) => names.split(',').filter_map(soft_iommu::Profile::from_name).collect(),
        Err(_) => soft_iommu::harness::FIXED_PROFILES.to_vec(),
    })
}

fn hunting() -> Option<soft_iommu::hazard::Hazard> {
    static HUNT: std::sync::OnceLock<Option<soft_iommu::hazard::Hazard>> = std::sync::OnceLock::new();
    *HUNT.get_or_init(|| {
        std::env::var("UAPI_GUARD_HUNT")
            .ok()
            .and_then(|h| soft_iommu::hazard::Hazard::from_name(&h))
    })
}

fn check(result: Result<(), soft_iommu::Violation>) {
    if let Err(v) = result {
        if soft_iommu::harness::reportable(&v, hunting()) {
            panic!("{v}");
        }
    }
}
