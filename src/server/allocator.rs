//! The server's global allocator (`src/main.rs`, and `benches/session_memory.rs` so that its
//! resident set is the server's): jemalloc, with `realloc` of small blocks done as
//! allocate, copy, free.
//!
//! Why jemalloc: rendering a page makes hundreds of short-lived allocations, and under glibc's
//! malloc they were ~40 % of the instructions of `/` and `/dashboard` and ~25 % of `/healthz`
//! (callgrind, `scripts/count-instructions.sh`). mimalloc cut as much but kept a third more
//! memory a stored session than glibc; jemalloc a tenth (`benches/session_memory.rs`).
//!
//! Why the small `realloc`: Leptos's server renderer writes each element's opening tag into a
//! `String` of its own that grows attribute by attribute, so a page grows small strings some
//! sixty times (`/`) to a hundred times (`/dashboard`). jemalloc's `realloc` takes its general
//! path for those (`rallocx`: an in-place attempt, then a move through the arena), about 400
//! instructions a call under callgrind, where its thread-cache `malloc` and sized `free` take a
//! few dozen. A small block cannot grow in place anyway: a `Vec` at least doubles, which always
//! leaves a small size class (jemalloc(3), "Size classes"); only an exact resize within one
//! class (`reserve_exact`, `shrink_to_fit`), which jemalloc would answer with the same block, now
//! moves too, and the renderer does not make those. Large blocks keep jemalloc's `realloc`,
//! which can extend them in place instead of copying. Figures in docs/benchmarks.md.

use std::alloc::{GlobalAlloc, Layout};

use tikv_jemallocator::Jemalloc;

/// Blocks up to this size are moved on `realloc`: jemalloc's largest small size class with
/// 4 KiB pages (14 KiB). A small block never grows in place past its size class, so jemalloc
/// would move it too; larger ones it may extend where they lie.
const MOVE_ON_REALLOC_UP_TO: usize = 14 * 1024;

/// jemalloc, with a cheaper `realloc` for small blocks (see the module's comment).
pub struct ServerAllocator;

// SAFETY: every method forwards to jemalloc with the caller's layout; `realloc` of a small block
// allocates the new block with the same alignment before it copies and frees the old one, as
// `GlobalAlloc::realloc`'s default implementation does.
unsafe impl GlobalAlloc for ServerAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { Jemalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe { Jemalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator with `layout`.
        unsafe { Jemalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.size().max(new_size) > MOVE_ON_REALLOC_UP_TO {
            // SAFETY: forwarded unchanged.
            return unsafe { Jemalloc.realloc(ptr, layout, new_size) };
        }
        // SAFETY: `realloc`'s contract makes `new_size` non-zero and, rounded up to
        // `layout.align()`, no larger than `isize::MAX`, so the layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size, as above.
        let new_ptr = unsafe { Jemalloc.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: both blocks are valid for the smaller of the two sizes and distinct (the
            // new one was just allocated while the old one is live); the old block is freed
            // with the layout it was allocated with.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                Jemalloc.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grows a block from `from` to `to` bytes (and back) through `ServerAllocator::realloc`,
    /// checking that the contents survive each move and that the alignment is kept.
    fn grow_and_shrink(from: usize, to: usize, align: usize) {
        let layout = Layout::from_size_align(from, align).expect("valid layout");
        // SAFETY: a non-zero size; every pointer is used only with the layout it has at the time.
        unsafe {
            let ptr = ServerAllocator.alloc(layout);
            assert!(!ptr.is_null());
            for i in 0..from {
                ptr.add(i).write(i as u8);
            }
            let grown = ServerAllocator.realloc(ptr, layout, to);
            assert!(!grown.is_null());
            assert_eq!(grown as usize % align, 0, "alignment {align} kept growing {from} -> {to}");
            for i in 0..from.min(to) {
                assert_eq!(grown.add(i).read(), i as u8, "byte {i} kept growing {from} -> {to}");
            }
            let grown_layout = Layout::from_size_align(to, align).expect("valid layout");
            let shrunk = ServerAllocator.realloc(grown, grown_layout, from);
            assert!(!shrunk.is_null());
            assert_eq!(shrunk as usize % align, 0);
            for i in 0..from.min(to) {
                assert_eq!(shrunk.add(i).read(), i as u8, "byte {i} kept shrinking {to} -> {from}");
            }
            ServerAllocator.dealloc(shrunk, layout);
        }
    }

    #[test]
    fn small_blocks_keep_their_bytes_and_alignment_when_moved() {
        // How a `String` grows: 8, 16, 32 ... bytes, all below the threshold.
        for (from, to) in [(8, 16), (16, 32), (100, 200), (3000, 6000), (1, MOVE_ON_REALLOC_UP_TO)] {
            grow_and_shrink(from, to, 1);
        }
        // Alignments larger than jemalloc's default, and larger than the block itself.
        for align in [16, 64, 4096] {
            grow_and_shrink(24, 80, align);
        }
    }

    #[test]
    fn blocks_crossing_the_threshold_go_through_jemalloc_realloc() {
        grow_and_shrink(MOVE_ON_REALLOC_UP_TO, MOVE_ON_REALLOC_UP_TO + 1, 1);
        grow_and_shrink(10_000, 1 << 20, 8);
        grow_and_shrink(1 << 20, 4 << 20, 64);
    }

    #[test]
    fn a_vec_grown_byte_by_byte_holds_what_was_pushed() {
        // The global allocator of the test binary is the system's; this drives ours directly
        // through the pattern a renderer's buffer makes: many small pushes, each maybe a move.
        let mut capacity = 8;
        let mut len = 0;
        let mut layout = Layout::from_size_align(capacity, 1).expect("valid layout");
        // SAFETY: writes stay below `capacity`, the block's size; each realloc gets the block's
        // current layout.
        unsafe {
            let mut ptr = ServerAllocator.alloc(layout);
            for byte in (0..20_000u32).map(|i| (i % 251) as u8) {
                if len == capacity {
                    capacity *= 2;
                    ptr = ServerAllocator.realloc(ptr, layout, capacity);
                    assert!(!ptr.is_null());
                    layout = Layout::from_size_align(capacity, 1).expect("valid layout");
                }
                ptr.add(len).write(byte);
                len += 1;
            }
            let written = std::slice::from_raw_parts(ptr, len);
            assert!(written.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
            ServerAllocator.dealloc(ptr, layout);
        }
    }
}
