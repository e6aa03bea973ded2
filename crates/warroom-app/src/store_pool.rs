//! The app's connections to the store: one per caller at a time, so no lock
//! is held across a write's closure. A read made inside a write (a view
//! built while recording) gets a connection of its own instead of waiting
//! forever on the one the write holds; SQLite serialises writers across
//! connections and processes alike (WAL, busy timeout).

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use warroom_store::Store;

pub(crate) struct StorePool {
    idle: Mutex<Vec<Store>>,
    returned: Condvar,
    path: PathBuf,
    read_only: bool,
}

impl StorePool {
    pub(crate) fn new(first: Store) -> Self {
        Self {
            path: first.path().to_owned(),
            read_only: first.is_read_only(),
            idle: Mutex::new(vec![first]),
            returned: Condvar::new(),
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Store>> {
        // Only a list of connections is guarded: a panic leaves it usable.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection, or a new one. Should the store refuse another
    /// connection (no file descriptors left), waits for one to come back.
    pub(crate) fn get(&self) -> Pooled<'_> {
        let mut idle = self.idle();
        loop {
            if let Some(store) = idle.pop() {
                return Pooled::new(self, store);
            }
            if let Ok(store) = Store::reopen(&self.path, self.read_only) {
                return Pooled::new(self, store);
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A connection lent by the pool; it goes back when dropped.
pub(crate) struct Pooled<'a> {
    pool: &'a StorePool,
    store: Option<Store>,
}

impl<'a> Pooled<'a> {
    fn new(pool: &'a StorePool, store: Store) -> Self {
        Self {
            pool,
            store: Some(store),
        }
    }
}

impl Deref for Pooled<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        // Invariant: `store` is Some from `new` until `drop`.
        #[allow(clippy::expect_used)]
        self.store
            .as_ref()
            .expect("a pooled connection until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        // Invariant: `store` is Some from `new` until `drop`.
        #[allow(clippy::expect_used)]
        self.store
            .as_mut()
            .expect("a pooled connection until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.pool.idle().push(store);
            self.pool.returned.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_inside_a_write_gets_its_own_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = StorePool::new(Store::open(dir.path()).expect("store"));
        let seen = pool
            .get()
            .write(1, "test", |_tx| {
                // The write holds one connection; this read takes another
                // instead of waiting for it forever.
                Ok::<_, warroom_store::StoreError>(pool.get().live_teams()?.len())
            })
            .expect("no deadlock");
        assert_eq!(seen, 0);
        assert_eq!(pool.idle().len(), 2, "both connections came back");
    }
}
