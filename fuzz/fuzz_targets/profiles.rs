// What the soft-iommu targets read from the environment, once per process:
// - the profiles a target checks: the fixed ones, unless UAPI_GUARD_PROFILES names others.
//   `cargo xtask fuzz hunt` sets UAPI_GUARD_PROFILES=v1;
// - the oracle switch: UAPI_GUARD_ORACLE=off runs the model alone, without the oracle's checks
//   (`cargo xtask fuzz speed` measures the oracle's share of the time that way);
//   UAPI_GUARD_HUNT=<hazard> (set by the hunt) makes only that hazard's findings violations, and
//   a sequence goes on past the others.
// copy_struct.rs includes this file for oracle() alone, hence the allow(dead_code).

#[allow(dead_code)]
fn profiles() -> &'static [soft_iommu::Profile] {
    static PROFILES: std::sync::OnceLock<Vec<soft_iommu::Profile>> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| match std::env::var("UAPI_GUARD_PROFILES") {
        Ok(names) => names.split(',').filter_map(soft_iommu::Profile::from_name).collect(),
        Err(_) => soft_iommu::harness::FIXED_PROFILES.to_vec(),
    })
}

fn oracle() -> soft_iommu::harness::Oracle {
    static ORACLE: std::sync::OnceLock<soft_iommu::harness::Oracle> = std::sync::OnceLock::new();
    *ORACLE.get_or_init(|| {
        soft_iommu::harness::Oracle::from_setting(
            std::env::var("UAPI_GUARD_ORACLE").ok().as_deref(),
            std::env::var("UAPI_GUARD_HUNT").ok().as_deref(),
        )
    })
}

#[allow(dead_code)]
fn check(result: Result<(), soft_iommu::Violation>) {
    if let Err(v) = result {
        panic!("{v}");
    }
}
