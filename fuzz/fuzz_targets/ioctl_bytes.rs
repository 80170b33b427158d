#![no_main]
include!("sanitizer.rs");
include!("profiles.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(soft_iommu::harness::ioctl_bytes(
    data,
    profiles(),
    oracle()
)));
