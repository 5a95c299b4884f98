//! Readbacks that answer later. A page cannot wait for the GPU: a read there is asked for now
//! and answered when the browser has mapped the copy, a frame or more later. Each kind of read
//! (a slot: a name and the buffer it starts at) keeps the newest answer with the tag it was
//! asked with, which says what the bytes show (the run and step); one read per slot is in
//! flight at a time. [`Gpu::read_latest`] is the way in; natively it reads at once.

use std::sync::Arc;

use super::{Gpu, GpuError};

/// What a read's bytes show, as its asker wrote it down (e.g. the run and step).
pub type Tag = [u32; 4];

/// A read's bytes with the [`Tag`] they were asked with.
pub type Answer = (Tag, Arc<Vec<u8>>);

impl Gpu {
    /// The newest answer to the read of `ranges` (concatenated, as [`Self::read_ranges`])
    /// kept in slot `name`, with the `tag` it was asked with: what the bytes show (the run and
    /// step), for the caller to check. Natively the read is done now and the answer is this
    /// request's. A page cannot wait: there the answer is the newest that arrived (asked a
    /// frame or more before), this request is sent unless one of the slot's is in flight, and
    /// `None` comes until the first answer.
    pub fn read_latest(
        &self,
        name: &'static str,
        ranges: &[(&wgpu::Buffer, u64, u64)],
        tag: Tag,
    ) -> Result<Option<Answer>, GpuError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = name;
            Ok(Some((tag, Arc::new(self.read_ranges(ranges)?))))
        }
        #[cfg(target_arch = "wasm32")]
        {
            Ok(read(self, name, ranges, tag))
        }
    }
}

#[cfg(target_arch = "wasm32")]
use page::read;
#[cfg(target_arch = "wasm32")]
pub use page::{in_flight, peek, set_waker, wake};

/// The page's slots.
#[cfg(target_arch = "wasm32")]
mod page {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::hash::{Hash, Hasher};
    use std::rc::Rc;
    use std::sync::Arc;

    use super::{Answer, Tag};
    use crate::gpu::Gpu;
    use crate::gpu::context::map_read_async;

    /// Slots kept: the page has a handful of kinds of reads; slots of buffers since dropped go
    /// first (the least recently asked).
    const MAX_SLOTS: usize = 16;

    #[derive(Default)]
    struct Slot {
        answer: Option<Answer>,
        in_flight: bool,
        asked: u64,
    }

    /// A slot's name and its first buffer (by hash: a kept clone would keep the buffer alive).
    type Key = (&'static str, u64);

    thread_local! {
        static SLOTS: RefCell<HashMap<Key, Rc<RefCell<Slot>>>> = RefCell::new(HashMap::new());
        static ASKS: Cell<u64> = const { Cell::new(0) };
        /// Wakes the event loop when an answer comes (it sleeps while nothing moves).
        static WAKE: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
    }

    pub fn set_waker(wake: Box<dyn Fn()>) {
        WAKE.with(|w| *w.borrow_mut() = Some(wake));
    }

    /// Asks the event loop for a frame (a readback or a frame on the GPU is done).
    pub fn wake() {
        WAKE.with(|w| {
            if let Some(wake) = w.borrow().as_ref() {
                wake();
            }
        });
    }

    fn key(slot: &'static str, first: &wgpu::Buffer) -> Key {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        first.hash(&mut h);
        (slot, h.finish())
    }

    fn slot(key: Key) -> Rc<RefCell<Slot>> {
        SLOTS.with(|s| {
            let mut slots = s.borrow_mut();
            if !slots.contains_key(&key)
                && slots.len() >= MAX_SLOTS
                && let Some(oldest) = slots
                    .iter()
                    .filter(|(_, v)| !v.borrow().in_flight)
                    .min_by_key(|(_, v)| v.borrow().asked)
                    .map(|(k, _)| *k)
            {
                slots.remove(&oldest);
            }
            slots.entry(key).or_default().clone()
        })
    }

    /// Asks for `ranges` (concatenated) in `name`'s slot with `tag`, unless a read of that slot is
    /// in flight, and returns the slot's newest answer.
    pub fn read(
        gpu: &Gpu,
        name: &'static str,
        ranges: &[(&wgpu::Buffer, u64, u64)],
        tag: Tag,
    ) -> Option<Answer> {
        let first = ranges.first()?.0;
        let entry = slot(key(name, first));
        let mut e = entry.borrow_mut();
        e.asked = ASKS.with(|a| {
            a.set(a.get() + 1);
            a.get()
        });
        // The same question as the last answer's (a paused run) is not asked again: the page can
        // rest once every answer is in.
        if !e.in_flight && e.answer.as_ref().is_none_or(|a| a.0 != tag) {
            e.in_flight = true;
            let staging = gpu.stage(name, ranges);
            let answered = entry.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let bytes = map_read_async(&staging).await;
                let news = {
                    let mut e = answered.borrow_mut();
                    e.in_flight = false;
                    let news = e.answer.as_ref().is_none_or(|a| a.0 != tag);
                    match bytes {
                        Ok(bytes) => e.answer = Some((tag, Arc::new(bytes))),
                        Err(err) => log::warn!("the page's read of {name} failed: {err}"),
                    }
                    news
                };
                if news {
                    wake();
                }
            });
        }
        e.answer.clone()
    }

    /// Whether a read is on its way. The page keeps drawing until it has come: the browser
    /// delivers a mapped buffer while the page submits GPU work, and may hold it while it rests.
    pub fn in_flight() -> bool {
        SLOTS.with(|s| s.borrow().values().any(|e| e.borrow().in_flight))
    }

    /// The newest answer in `name`'s slot starting at `first`, without asking again: for a read
    /// asked once, whose buffers have moved on since (a run's end state, read before a reset).
    pub fn peek(name: &'static str, first: &wgpu::Buffer) -> Option<Answer> {
        SLOTS.with(|s| {
            s.borrow()
                .get(&key(name, first))
                .and_then(|e| e.borrow().answer.clone())
        })
    }
}
