//! A small deterministic generator for the unit tests, so a failure replays.

pub struct Lcg(pub u64);

impl Lcg {
    /// The next value in `0..below`.
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}
