#![no_main]
include!("sanitizer.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = uapi_model::snapshot::fuzz_parse_round_trip(data) {
        panic!("{violation}");
    }
});
