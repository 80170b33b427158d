#![no_main]
include!("sanitizer.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = uapi_abi::fuzz_check::fuzz_check(data) {
        panic!("{violation}");
    }
});
