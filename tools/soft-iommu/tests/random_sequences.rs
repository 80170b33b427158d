//! Thousands of sequences built from pseudo-random bytes with `arbitrary`: the fixed profiles hold
//! under the oracle, and no profile panics on any input.

use arbitrary::{Arbitrary, Unstructured};
use soft_iommu::{run_sequence, Op, Profile};

struct XorShift(u64);

impl XorShift {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0 as u8
            })
            .collect()
    }
}

fn sequences(seed: u64, count: usize) -> Vec<Vec<Op>> {
    let mut rng = XorShift(seed);
    (0..count)
        .filter_map(|i| {
            let data = rng.bytes(64 + (i % 8) * 128);
            Vec::<Op>::arbitrary_take_rest(Unstructured::new(&data)).ok()
        })
        .collect()
}

#[test]
fn fixed_profiles_hold_on_random_sequences() {
    let (mut ioctls, mut succeeded) = (0, 0);
    for profile in [Profile::VfioFixed, Profile::Iommufd] {
        for ops in sequences(0x5eed_0000 + profile as u64, 3000) {
            match run_sequence(profile, &ops) {
                Ok(stats) => {
                    ioctls += stats.ioctl_ok + stats.ioctl_err;
                    succeeded += stats.ioctl_ok;
                }
                Err(v) => panic!("{v}"),
            }
        }
    }
    eprintln!("{ioctls} ioctls, {succeeded} succeeded");
    assert!(ioctls > 1000, "random sequences made only {ioctls} ioctls");
    assert!(
        succeeded > 20,
        "only {succeeded} ioctls succeeded: the oracle saw too few effects"
    );
}

#[test]
fn v1_never_panics_and_is_caught() {
    let mut caught = 0;
    for ops in sequences(0xbad_5eed, 3000) {
        if run_sequence(Profile::V1, &ops).is_err() {
            caught += 1;
        }
    }
    assert!(caught > 10, "the oracle caught v1 only {caught} times");
}
