use uapi_abi::model::Arch;
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("empty.h");
    std::fs::write(&h, "#define X 1\n").unwrap();
    let extra: Vec<String> = std::env::args().skip(1).collect();
    for round in 0..3 {
        for with in [false, true] {
            let mut args = vec!["--target=aarch64-linux-gnu".to_string()];
            if with {
                args.extend(extra.clone());
            }
            let t = std::time::Instant::now();
            for _ in 0..300 {
                let _ = uapi_abi::extract::direct::read_header(
                    &h.to_string_lossy(),
                    "#define X 1\n",
                    &args,
                    Arch::Aarch64,
                );
            }
            println!(
                "round {round} extra={with}: {:.2} ms per TU",
                t.elapsed().as_secs_f64() * 1000.0 / 300.0
            );
        }
    }
}
