//! Fault injection in the manner of the kernel's fail-nth: every fault point (allocation, user
//! copy, device operation) counts one step along a call, and the n-th step fails.

/// Which kind of fault point failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// A kernel allocation (`-ENOMEM`).
    Alloc,
    /// A copy from or to user memory (`-EFAULT`).
    Copy,
    /// A device operation such as a device-IOTLB invalidation (`-EIO`).
    Device,
}

/// Fails the n-th fault point reached (1-based); `None` never fails.
#[derive(Debug, Clone, Default)]
pub struct FailNth {
    target: Option<u32>,
    reached: u32,
    fired: Option<FaultPoint>,
}

impl FailNth {
    /// Fail the `n`-th fault point (1-based) of the coming call.
    pub fn new(n: Option<u32>) -> Self {
        FailNth {
            target: n.filter(|&n| n > 0),
            reached: 0,
            fired: None,
        }
    }

    /// Counts one fault point; true if it must fail.
    pub fn hit(&mut self, point: FaultPoint) -> bool {
        self.reached = self.reached.saturating_add(1);
        if Some(self.reached) == self.target {
            self.fired = Some(point);
            true
        } else {
            false
        }
    }

    /// How many fault points the call reached.
    pub fn reached(&self) -> u32 {
        self.reached
    }

    /// The fault point that was made to fail, if any.
    pub fn fired(&self) -> Option<FaultPoint> {
        self.fired
    }
}
