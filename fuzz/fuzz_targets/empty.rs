#![no_main]
include!("sanitizer.rs");
// The engine's ceiling: a target that does nothing, built with the same flags as the others.
// `cargo xtask fuzz speed` sets every target's exec/s beside this one's; no other verb runs it.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    std::hint::black_box(data);
});
