//! User memory: a sparse address space of 4 KiB pages, some unmapped. Copies fail with `-EFAULT`
//! on an unmapped page or an address range that wraps, and every byte range the kernel side tried
//! to read is recorded so the oracle can check nothing was read past what the user passed.

use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};

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

/// A sparse user address space: the mapped pages' numbers and, in the same order, their bytes
/// (flat, so that a fuzz harness can reset it without allocating) and the span of each page that
/// may hold non-zero bytes (every byte outside it is zero), so that resetting one memory from
/// another and zeroing a buffer cost the bytes actually written, not the pages mapped.
#[derive(Debug, Default)]
pub struct UserMemory {
    numbers: Vec<u64>,
    bytes: Vec<u8>,
    dirty: Vec<Span>,
    reads: Vec<UserRange>,
    writes: Vec<UserRange>,
}

/// The bytes `[start, end)` of one page; empty when `start >= end`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u16,
    end: u16,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        // Page offsets: both at most PAGE, which fits.
        Span {
            start: start as u16,
            end: end as u16,
        }
    }

    fn is_empty(self) -> bool {
        self.start >= self.end
    }

    fn range(self) -> std::ops::Range<usize> {
        usize::from(self.start)..usize::from(self.end).max(usize::from(self.start))
    }

    fn union(self, other: Span) -> Span {
        match (self.is_empty(), other.is_empty()) {
            (true, _) => other,
            (_, true) => self,
            _ => Span {
                start: self.start.min(other.start),
                end: self.end.max(other.end),
            },
        }
    }

    fn intersection(self, other: Span) -> Span {
        Span {
            start: self.start.max(other.start),
            end: self.end.min(other.end),
        }
    }

    /// The smallest span holding every byte of `self` outside `other`.
    fn without(self, other: Span) -> Span {
        let (covers_start, covers_end) = (other.start <= self.start, other.end >= self.end);
        match (covers_start, covers_end) {
            (true, true) => Span::default(),
            (true, false) => Span {
                start: self.start.max(other.end),
                end: self.end,
            },
            (false, true) => Span {
                start: self.start,
                end: self.end.min(other.start),
            },
            (false, false) => self,
        }
    }
}

impl Clone for UserMemory {
    fn clone(&self) -> Self {
        let mut out = UserMemory::default();
        out.clone_from(self);
        out
    }

    /// Copies `source` into `self`, reusing `self`'s allocations. On the pages both map, in the
    /// same order, only the bytes either side has written are touched.
    fn clone_from(&mut self, source: &Self) {
        let shared = self
            .numbers
            .iter()
            .zip(&source.numbers)
            .take_while(|(a, b)| a == b)
            .count();
        // First the same pages in the same order (pages past the shared ones start zeroed)...
        self.numbers.truncate(shared);
        self.numbers.extend_from_slice(&source.numbers[shared..]);
        self.bytes.truncate(shared * PAGE);
        self.bytes.resize(source.bytes.len(), 0);
        self.dirty.truncate(shared);
        self.dirty.resize(source.dirty.len(), Span::default());
        // ...then, page by page, clear what `self` wrote and copy what `source` wrote.
        for (i, (mine, theirs)) in self.dirty.iter_mut().zip(&source.dirty).enumerate() {
            let page = i * PAGE..(i + 1) * PAGE;
            self.bytes[page.clone()][mine.range()].fill(0);
            self.bytes[page.clone()][theirs.range()]
                .copy_from_slice(&source.bytes[page][theirs.range()]);
            *mine = *theirs;
        }
        self.reads.clone_from(&source.reads);
        self.writes.clone_from(&source.writes);
    }
}

const PAGE: usize = PAGE_SIZE as usize;

/// True if every byte is zero. Compared a page at a time (a `memcmp`), so a fuzzing build does not
/// trace one comparison per byte.
pub fn all_zero(bytes: &[u8]) -> bool {
    static ZERO: [u8; PAGE] = [0; PAGE];
    bytes.chunks(PAGE).all(|c| c == &ZERO[..c.len()])
}

fn index(numbers: &[u64], page: u64) -> Option<usize> {
    numbers.iter().position(|&n| n == page)
}

/// Copies `src` to the flat offset `at` (inside one page) and marks those bytes written.
fn write_at(bytes: &mut [u8], dirty: &mut [Span], at: usize, src: &[u8]) {
    bytes[at..at + src.len()].copy_from_slice(src);
    let (page, off) = (at / PAGE, at % PAGE);
    dirty[page] = dirty[page].union(Span::new(off, off + src.len()));
}

/// The pieces of `[addr, addr + len)` (already located), one per page: (offset in the flat bytes,
/// offset in the range, length).
fn pieces(
    numbers: &[u64],
    addr: u64,
    len: usize,
) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let (mut a, mut done) = (addr, 0usize);
    std::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let i = index(numbers, a / PAGE_SIZE)?;
        let off = (a % PAGE_SIZE) as usize;
        let n = (PAGE - off).min(len - done);
        let piece = (i * PAGE + off, done, n);
        done += n;
        a += n as u64;
        Some(piece)
    })
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
            if self.index(page).is_none() {
                self.numbers.push(page);
                self.bytes.resize(self.bytes.len() + PAGE, 0);
                self.dirty.push(Span::default());
            }
        }
    }

    /// Unmaps the page holding `addr`.
    pub fn unmap_page(&mut self, addr: u64) {
        if let Some(i) = self.index(addr / PAGE_SIZE) {
            self.numbers.remove(i);
            self.bytes.drain(i * PAGE..(i + 1) * PAGE);
            self.dirty.remove(i);
        }
    }

    fn index(&self, page: u64) -> Option<usize> {
        index(&self.numbers, page)
    }

    fn locate(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let last = addr.checked_add(len - 1).ok_or(Errno::Efault)?;
        for page in addr / PAGE_SIZE..=last / PAGE_SIZE {
            if self.index(page).is_none() {
                return Err(Errno::Efault);
            }
        }
        Ok(())
    }

    /// Where in the flat bytes `[addr, addr + len)` starts, if it lies inside one mapped page
    /// (most accesses do, and they need one page lookup).
    fn in_one_page(&self, addr: u64, len: usize) -> Option<usize> {
        let off = (addr % PAGE_SIZE) as usize;
        if off.checked_add(len)? > PAGE {
            return None;
        }
        Some(self.index(addr / PAGE_SIZE)? * PAGE + off)
    }

    /// Reads `out.len()` bytes at `addr` without recording: for test set-up and for the oracle.
    pub fn read_into(&self, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
        if let Some(at) = self.in_one_page(addr, out.len()) {
            out.copy_from_slice(&self.bytes[at..at + out.len()]);
            return Ok(());
        }
        self.locate(addr, out.len() as u64)?;
        for (at, done, n) in pieces(&self.numbers, addr, out.len()) {
            out[done..done + n].copy_from_slice(&self.bytes[at..at + n]);
        }
        Ok(())
    }

    /// True if the `len` bytes at `addr` are all zero, read without recording. Costs the bytes
    /// written on those pages, not `len`.
    pub fn is_zero(&self, addr: u64, len: u64) -> Result<bool, Errno> {
        self.locate(addr, len)?;
        let len = usize::try_from(len).map_err(|_| Errno::Efault)?;
        Ok(pieces(&self.numbers, addr, len).all(|(at, _, n)| {
            let (page, off) = (at / PAGE, at % PAGE);
            let written = self.dirty[page].intersection(Span::new(off, off + n));
            all_zero(&self.bytes[page * PAGE..(page + 1) * PAGE][written.range()])
        }))
    }

    /// Reads without recording: for test set-up and for the oracle, never for the kernel side.
    pub fn peek(&self, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
        self.locate(addr, len)?;
        let mut out = vec![0; usize::try_from(len).map_err(|_| Errno::Efault)?];
        self.read_into(addr, &mut out)?;
        Ok(out)
    }

    /// Writes without recording: for test set-up (userspace filling its buffer).
    pub fn poke(&mut self, addr: u64, bytes: &[u8]) -> Result<(), Errno> {
        if let Some(at) = self.in_one_page(addr, bytes.len()) {
            write_at(&mut self.bytes, &mut self.dirty, at, bytes);
            return Ok(());
        }
        self.locate(addr, bytes.len() as u64)?;
        for (at, done, n) in pieces(&self.numbers, addr, bytes.len()) {
            write_at(&mut self.bytes, &mut self.dirty, at, &bytes[done..done + n]);
        }
        Ok(())
    }

    /// Sets `[addr, addr + len)` to `byte` without recording: for test set-up.
    pub fn fill(&mut self, addr: u64, len: u64, byte: u8) -> Result<(), Errno> {
        self.locate(addr, len)?;
        let len = usize::try_from(len).map_err(|_| Errno::Efault)?;
        for (at, _, n) in pieces(&self.numbers, addr, len) {
            let (page, off) = (at / PAGE, at % PAGE);
            let filled = Span::new(off, off + n);
            let base = page * PAGE;
            if byte != 0 {
                self.bytes[base..base + PAGE][filled.range()].fill(byte);
                self.dirty[page] = self.dirty[page].union(filled);
                continue;
            }
            // Zeroing: only the written bytes can be non-zero.
            let dirty = self.dirty[page];
            self.bytes[base..base + PAGE][dirty.intersection(filled).range()].fill(0);
            self.dirty[page] = dirty.without(filled);
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
        self.record_read(faults, addr, len)?;
        self.peek(addr, len)
    }

    /// Logs a kernel-side read of `[addr, addr + len)`; `-EFAULT` if a fault is injected here.
    fn record_read(&mut self, faults: &mut FailNth, addr: u64, len: u64) -> Result<(), Errno> {
        self.reads.push(UserRange::new(addr, len));
        if faults.hit(FaultPoint::Copy) {
            return Err(Errno::Efault);
        }
        Ok(())
    }

    /// The kernel's `check_zeroed_user`: records the read, then says whether the `len` bytes at
    /// `addr` are all zero, or fails with `-EFAULT`.
    pub fn check_zeroed_user(
        &mut self,
        faults: &mut FailNth,
        addr: u64,
        len: u64,
    ) -> Result<bool, Errno> {
        self.record_read(faults, addr, len)?;
        self.is_zero(addr, len)
    }

    /// `copy_from_user` into a kernel buffer of `out.len()` bytes.
    pub fn copy_from_user_into(
        &mut self,
        faults: &mut FailNth,
        addr: u64,
        out: &mut [u8],
    ) -> Result<(), Errno> {
        self.record_read(faults, addr, out.len() as u64)?;
        self.read_into(addr, out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Lcg;

    fn step(mem: &mut UserMemory, rng: &mut Lcg) {
        let addr = 0x1000 * (1 + rng.next(4)) + rng.next(PAGE_SIZE);
        let len = rng.next(2 * PAGE_SIZE);
        match rng.next(5) {
            0 => mem.map(addr, len),
            1 => mem.unmap_page(addr),
            2 => {
                let bytes: Vec<u8> = (0..len).map(|_| rng.next(3) as u8).collect();
                let _ = mem.poke(addr, &bytes);
            }
            3 => {
                let _ = mem.fill(addr, len, 0);
            }
            _ => {
                let _ = mem.fill(addr, len, 1 + rng.next(255) as u8);
            }
        }
    }

    fn assert_clean_outside_dirty(mem: &UserMemory) {
        for (i, span) in mem.dirty.iter().enumerate() {
            let page = &mem.bytes[i * PAGE..(i + 1) * PAGE];
            let dirty = span.range();
            assert!(page[..dirty.start].iter().all(|&b| b == 0), "page {i}");
            assert!(page[dirty.end..].iter().all(|&b| b == 0), "page {i}");
        }
    }

    #[test]
    fn clone_from_any_history_equals_the_source() {
        let mut rng = Lcg(7);
        let (mut a, mut b) = (UserMemory::new(), UserMemory::new());
        for round in 0..3000 {
            step(&mut a, &mut rng);
            if rng.next(3) == 0 {
                step(&mut b, &mut rng);
            } else {
                b.clone_from(&a);
                assert_eq!(a.numbers, b.numbers, "round {round}");
                assert_eq!(a.bytes, b.bytes, "round {round}");
                assert_eq!(a.clone().bytes, a.bytes, "round {round}");
            }
            assert_clean_outside_dirty(&a);
            assert_clean_outside_dirty(&b);
        }
    }

    #[test]
    fn is_zero_sees_every_written_byte() {
        let mut rng = Lcg(11);
        let mut mem = UserMemory::new();
        mem.map(0x1000, 2 * PAGE_SIZE);
        for _ in 0..2000 {
            step(&mut mem, &mut rng);
            let addr = 0x1000 + rng.next(2 * PAGE_SIZE);
            let len = rng.next(0x2000 - (addr - 0x1000) + 1);
            let plain = mem.peek(addr, len).map(|b| b.iter().all(|&x| x == 0));
            assert_eq!(mem.is_zero(addr, len), plain, "{addr:#x}+{len:#x}");
        }
    }

    #[test]
    fn zeroing_a_written_range_reads_back_zero() {
        let mut mem = UserMemory::new();
        mem.map(0x1000, PAGE_SIZE);
        mem.poke(0x1100, &[9; 64]).unwrap();
        mem.fill(0x1120, 0x100, 0).unwrap();
        assert_eq!(mem.peek(0x1100, 0x20).unwrap(), vec![9; 0x20]);
        assert_eq!(mem.peek(0x1120, 0x20).unwrap(), vec![0; 0x20]);
        mem.fill(0x1000, 0x120, 0).unwrap();
        assert_eq!(mem.peek(0x1000, PAGE_SIZE).unwrap(), vec![0; PAGE]);
    }

    #[test]
    fn filling_with_a_nonzero_byte_reads_it_back_and_zero_clears_it() {
        let mut mem = UserMemory::new();
        mem.map(0x1000, 2 * PAGE_SIZE);
        mem.fill(0x1000 + 100, PAGE_SIZE, 0xab).unwrap();
        let got = mem.peek(0x1000, 2 * PAGE_SIZE).unwrap();
        assert!(got[..100].iter().all(|&b| b == 0));
        assert!(got[100..100 + PAGE].iter().all(|&b| b == 0xab));
        assert!(got[100 + PAGE..].iter().all(|&b| b == 0));
        mem.fill(0x1000 + 200, 50, 0).unwrap();
        let got = mem.peek(0x1000 + 100, 200).unwrap();
        assert!(got[..100].iter().all(|&b| b == 0xab));
        assert!(got[100..150].iter().all(|&b| b == 0));
        assert!(got[150..].iter().all(|&b| b == 0xab));
        assert_clean_outside_dirty(&mem);
    }

    /// The dirty span is what makes resets cost the bytes written: a first write marks exactly
    /// its bytes, and an empty write changes nothing.
    #[test]
    fn a_write_marks_exactly_its_bytes_dirty() {
        let mut mem = UserMemory::new();
        mem.map(0x1000, PAGE_SIZE);
        assert!(mem.dirty[0].is_empty());
        mem.poke(0x1000 + 100, &[7; 10]).unwrap();
        assert_eq!(mem.dirty[0], Span::new(100, 110));
        mem.poke(0x1000 + 3000, &[]).unwrap();
        assert_eq!(mem.dirty[0], Span::new(100, 110));
        mem.poke(0x1000 + 50, &[7; 10]).unwrap();
        assert_eq!(mem.dirty[0], Span::new(50, 110));
    }

    #[test]
    fn unmapping_a_page_makes_it_fault_and_keeps_the_others() {
        let mut mem = UserMemory::new();
        mem.map(0x1000, 3 * PAGE_SIZE);
        for (k, addr) in [0x1000u64, 0x2000, 0x3000].into_iter().enumerate() {
            mem.poke(addr, &[k as u8 + 1; 8]).unwrap();
        }
        mem.unmap_page(0x2000 + 5);
        assert_eq!(mem.peek(0x2000, 1), Err(Errno::Efault));
        assert_eq!(mem.peek(0x1000, 8).unwrap(), [1; 8]);
        assert_eq!(mem.peek(0x3000, 8).unwrap(), [3; 8]);
        assert_eq!(mem.peek(0x1ff8, 16), Err(Errno::Efault));
    }
}
