#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = soft_iommu::harness::copy_struct(data) {
        panic!("{violation}");
    }
});
