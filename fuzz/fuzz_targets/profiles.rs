// The profiles a target checks: the fixed ones, unless UAPI_GUARD_PROFILES names others
// (`make hunt` sets it to `v1` so the harness can prove it finds the review's bugs).
fn profiles() -> &'static [soft_iommu::Profile] {
    static PROFILES: std::sync::OnceLock<Vec<soft_iommu::Profile>> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| match std::env::var("UAPI_GUARD_PROFILES") {
        Ok(names) => names.split(',').filter_map(soft_iommu::Profile::from_name).collect(),
        Err(_) => soft_iommu::harness::FIXED_PROFILES.to_vec(),
    })
}
