#![no_main]
include!("sanitizer.rs");
include!("profiles.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = soft_iommu::harness::copy_struct(data, oracle()) {
        panic!("{violation}");
    }
});
