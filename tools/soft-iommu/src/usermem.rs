//! User memory: a sparse address space of 4 KiB pages, some unmapped. Copies fail with `-EFAULT`
//! on an unmapped page or an address range that wraps, and every byte range the kernel side tried
//! to read is recorded so the oracle can check nothing was read past what the user passed.

use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};
use std::collections::BTreeMap;

/// Page size of the model.
pub const PAGE_SIZE: u64 = 4096;

/// A half-open byte range `[start, end)` of user addresses (u128 so that it never wraps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRange {
    /// First address.
    pub start: u128,
    /// One past the last address.
    pub end: u128,
}

impl UserRange {
    /// `[start, start + len)`.
    pub fn new(start: u64, len: u64) -> Self {
        UserRange {
            start: u128::from(start),
            end: u128::from(start) + u128::from(len),
        }
    }

    /// True if `other` lies within this range.
    pub fn contains(&self, other: &UserRange) -> bool {
        other.start >= self.start && other.end <= self.end
    }
}

/// A sparse user address space.
#[derive(Debug, Clone, Default)]
pub struct UserMemory {
    pages: BTreeMap<u64, Vec<u8>>,
    reads: Vec<UserRange>,
    writes: Vec<UserRange>,
}

impl UserMemory {
    /// An empty address space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps zeroed pages covering `[addr, addr + len)`.
    pub fn map(&mut self, addr: u64, len: u64) {
        if len == 0 {
            return;
        }
        let first = addr / PAGE_SIZE;
        let last = addr.saturating_add(len - 1) / PAGE_SIZE;
        for page in first..=last {
            self.pages
                .entry(page)
                .or_insert_with(|| vec![0; PAGE_SIZE as usize]);
        }
    }

    /// Unmaps the page holding `addr`.
    pub fn unmap_page(&mut self, addr: u64) {
        self.pages.remove(&(addr / PAGE_SIZE));
    }

    fn locate(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let last = addr.checked_add(len - 1).ok_or(Errno::Efault)?;
        for page in addr / PAGE_SIZE..=last / PAGE_SIZE {
            if !self.pages.contains_key(&page) {
                return Err(Errno::Efault);
            }
        }
        Ok(())
    }

    /// Reads without recording: for test set-up and for the oracle, never for the kernel side.
    pub fn peek(&self, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
        self.locate(addr, len)?;
        let len_usize = usize::try_from(len).map_err(|_| Errno::Efault)?;
        let mut out = Vec::with_capacity(len_usize);
        let mut a = addr;
        let end = addr + len;
        while a < end {
            let page = &self.pages[&(a / PAGE_SIZE)];
            let off = (a % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE - a % PAGE_SIZE).min(end - a) as usize;
            out.extend_from_slice(&page[off..off + n]);
            a += n as u64;
        }
        Ok(out)
    }

    /// Writes without recording: for test set-up (userspace filling its buffer).
    pub fn poke(&mut self, addr: u64, bytes: &[u8]) -> Result<(), Errno> {
        let len = bytes.len() as u64;
        self.locate(addr, len)?;
        let mut a = addr;
        let mut done = 0usize;
        while done < bytes.len() {
            let page = self.pages.get_mut(&(a / PAGE_SIZE)).ok_or(Errno::Efault)?;
            let off = (a % PAGE_SIZE) as usize;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(bytes.len() - done);
            page[off..off + n].copy_from_slice(&bytes[done..done + n]);
            done += n;
            a += n as u64;
        }
        Ok(())
    }

    /// Sets `[addr, addr + len)` to `byte` without recording: for test set-up.
    pub fn fill(&mut self, addr: u64, len: u64, byte: u8) -> Result<(), Errno> {
        self.locate(addr, len)?;
        let (mut a, end) = (addr, addr + len);
        while a < end {
            let page = self.pages.get_mut(&(a / PAGE_SIZE)).ok_or(Errno::Efault)?;
            let off = (a % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE - a % PAGE_SIZE).min(end - a) as usize;
            page[off..off + n].fill(byte);
            a += n as u64;
        }
        Ok(())
    }

    /// The kernel's `copy_from_user`: records the attempt, then copies or fails with `-EFAULT`.
    pub fn copy_from_user(
        &mut self,
        faults: &mut FailNth,
        addr: u64,
        len: u64,
    ) -> Result<Vec<u8>, Errno> {
        self.reads.push(UserRange::new(addr, len));
        if faults.hit(FaultPoint::Copy) {
            return Err(Errno::Efault);
        }
        self.peek(addr, len)
    }

    /// The kernel's `copy_to_user`.
    pub fn copy_to_user(
        &mut self,
        faults: &mut FailNth,
        addr: u64,
        bytes: &[u8],
    ) -> Result<(), Errno> {
        self.writes.push(UserRange::new(addr, bytes.len() as u64));
        if faults.hit(FaultPoint::Copy) {
            return Err(Errno::Efault);
        }
        self.poke(addr, bytes)
    }

    /// Ranges the kernel side tried to read since the last [`UserMemory::clear_log`].
    pub fn reads(&self) -> &[UserRange] {
        &self.reads
    }

    /// Ranges the kernel side tried to write since the last [`UserMemory::clear_log`].
    pub fn writes(&self) -> &[UserRange] {
        &self.writes
    }

    /// Forgets the access log.
    pub fn clear_log(&mut self) {
        self.reads.clear();
        self.writes.clear();
    }
}
