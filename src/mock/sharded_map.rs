//! The bounded map every kind of the mock's state lives in: string keys, split over
//! independently locked shards so thousands of concurrent flows do not queue on one lock,
//! with a hard cap and a record of when each entry was last used.
//!
//! Every read or write of an entry marks it used: a per-shard sequence number orders the
//! entries for eviction, and the real time of the use lets a purge forget entries left idle.
//! When a new key arrives at a full shard, the least recently used sixteenth of that shard is
//! evicted in one pass, so an insert at the cap costs one scan of a shard every sixteen
//! inserts rather than a scan each time, and the request path never waits for more than one
//! shard. Locks are std mutexes held for one map operation, never across an `.await`.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::clock::RealClock;

/// At most this many shards; a smaller cap gets one shard per entry, so it stays exact.
const MAX_SHARDS: usize = 32;

/// A string-keyed map of at most `cap` entries (rounded up to a multiple of the shard count)
/// that evicts the least recently used entries of a full shard.
pub struct ShardedMap<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    hasher: RandomState,
    per_shard: usize,
    real: RealClock,
    evicted: AtomicU64,
}

struct Shard<V> {
    entries: HashMap<String, Slot<V>>,
    /// Bumped by every use, so each entry's `tick` is unique within its shard.
    tick: u64,
}

struct Slot<V> {
    // Boxed: a hash table keeps many buckets spare (and grows once removals have left enough
    // tombstones), and a spare bucket then costs a pointer rather than a whole connection.
    value: Box<V>,
    tick: u64,
    /// Real unix seconds of the last use.
    used_at: i64,
}

impl<V> Shard<V> {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn touch(&mut self, key: &str, now: i64) -> Option<&mut V> {
        let tick = self.next_tick();
        let slot = self.entries.get_mut(key)?;
        slot.tick = tick;
        slot.used_at = now;
        Some(&mut slot.value)
    }

    /// Removes the `count` entries used longest ago; returns how many went.
    fn evict_oldest(&mut self, count: usize) -> usize {
        let count = count.min(self.entries.len());
        if count == 0 {
            return 0;
        }
        let mut ticks: Vec<u64> = self.entries.values().map(|s| s.tick).collect();
        let (_, cutoff, _) = ticks.select_nth_unstable(count - 1);
        let cutoff = *cutoff;
        let before = self.entries.len();
        self.entries.retain(|_, s| s.tick > cutoff);
        before - self.entries.len()
    }
}

impl<V> ShardedMap<V> {
    /// An empty map holding at most `cap` entries (at least one), stamped with `real` time.
    pub fn new(cap: usize, real: RealClock) -> Self {
        let cap = cap.max(1);
        let shards = cap.min(MAX_SHARDS);
        let per_shard = cap.div_ceil(shards);
        ShardedMap {
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        // Room for twice the shard's share: when removals have used up the
                        // spare buckets, a table at most half full is rehashed in place,
                        // whereas a fuller one doubles — a step in memory after minutes of
                        // churn at the cap. Untouched buckets cost no resident memory.
                        entries: HashMap::with_capacity(2 * per_shard),
                        tick: 0,
                    })
                })
                .collect(),
            hasher: RandomState::new(),
            per_shard,
            real,
            evicted: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard<V>> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        lock(&self.shards[i])
    }

    /// Inserts or replaces; a new key at a full shard first evicts its least recently used
    /// entries.
    pub fn insert(&self, key: String, value: V) {
        let now = self.real.now();
        let mut shard = self.shard(&key);
        self.insert_into(&mut shard, key, value, now);
    }

    fn insert_into(&self, shard: &mut Shard<V>, key: String, value: V, now: i64) {
        if shard.entries.len() >= self.per_shard && !shard.entries.contains_key(&key) {
            let gone = shard.evict_oldest((self.per_shard / 16).max(1));
            self.evicted.fetch_add(gone as u64, Ordering::Relaxed);
        }
        let tick = shard.next_tick();
        shard.entries.insert(
            key,
            Slot {
                value: Box::new(value),
                tick,
                used_at: now,
            },
        );
    }

    /// The entry under `key` (marked used), or a new one made by `make` under the shard's
    /// lock (so two concurrent makers of one key agree), inserted as by
    /// [`ShardedMap::insert`].
    pub fn get_or_insert_with(&self, key: &str, make: impl FnOnce() -> V) -> V
    where
        V: Clone,
    {
        let now = self.real.now();
        let mut shard = self.shard(key);
        if let Some(value) = shard.touch(key, now) {
            return value.clone();
        }
        let made = make();
        self.insert_into(&mut shard, key.to_owned(), made.clone(), now);
        made
    }

    pub fn remove(&self, key: &str) -> Option<V> {
        self.shard(key).entries.remove(key).map(|s| *s.value)
    }

    /// Runs `f` on the entry under its shard's lock, and marks it used.
    pub fn update<R>(&self, key: &str, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let now = self.real.now();
        self.shard(key).touch(key, now).map(f)
    }

    /// A copy of the entry, which is marked used.
    pub fn get_cloned(&self, key: &str) -> Option<V>
    where
        V: Clone,
    {
        let now = self.real.now();
        self.shard(key).touch(key, now).map(|v| v.clone())
    }

    /// Whether `key` is present (not a use).
    pub fn contains_key(&self, key: &str) -> bool {
        self.shard(key).entries.contains_key(key)
    }

    /// Keeps the entries for which `keep(value, idle)` holds, `idle` being the real seconds
    /// since the entry's last use. Runs under each shard's lock in turn: `keep` must not
    /// touch this map (or any map whose lock might be held while this one is taken).
    pub fn retain(&self, mut keep: impl FnMut(&V, i64) -> bool) {
        let now = self.real.now();
        for shard in &self.shards {
            lock(shard)
                .entries
                .retain(|_, s| keep(&s.value, now.saturating_sub(s.used_at)));
        }
    }

    /// Like [`ShardedMap::retain`], but `keep` runs on a copy of each shard with no lock
    /// held, so it may look into other maps. Only for entries whose verdict cannot change
    /// from false back to true (an entry inserted meanwhile is kept).
    pub fn retain_unlocked(&self, keep: impl Fn(&V) -> bool)
    where
        V: Clone,
    {
        for shard in &self.shards {
            let snapshot: Vec<(String, V)> = lock(shard)
                .entries
                .iter()
                .map(|(k, s)| (k.clone(), V::clone(&s.value)))
                .collect();
            let dead: Vec<String> = snapshot
                .into_iter()
                .filter(|(_, v)| !keep(v))
                .map(|(k, _)| k)
                .collect();
            if !dead.is_empty() {
                let mut shard = lock(shard);
                for key in &dead {
                    shard.entries.remove(key);
                }
            }
        }
    }

    /// A copy of every value (for the admin listing); not a use.
    pub fn values(&self) -> Vec<V>
    where
        V: Clone,
    {
        let mut out = Vec::new();
        for shard in &self.shards {
            out.extend(lock(shard).entries.values().map(|s| V::clone(&s.value)));
        }
        out
    }

    pub fn clear(&self) {
        for shard in &self.shards {
            lock(shard).entries.clear();
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    /// How many entries the cap has evicted since the map was made.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// The most entries the map holds.
    pub fn capacity(&self) -> usize {
        self.per_shard * self.shards.len()
    }
}

// A poisoned shard only means a handler panicked mid-operation; the map is intact.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_cap_evicts_instead_of_refusing() {
        let (real, _) = RealClock::manual(1_000);
        let map = ShardedMap::new(40, real);
        assert_eq!(map.capacity(), 64, "40 over 32 shards: 2 each");
        for i in 0..1_000 {
            map.insert(format!("k{i}"), i);
        }
        assert!(map.len() <= 64, "{}", map.len());
        assert_eq!(map.len() as u64 + map.evicted(), 1_000);
        // The newest entry is never the one evicted.
        assert_eq!(map.get_cloned("k999"), Some(999));
        // A small cap is exact: one shard per entry.
        let (real, _) = RealClock::manual(1_000);
        let small = ShardedMap::new(3, real);
        for i in 0..10 {
            small.insert(format!("k{i}"), i);
        }
        assert_eq!(small.capacity(), 3);
        assert!(small.len() <= 3);
    }

    #[test]
    fn a_full_shard_evicts_its_least_recently_used_entries() {
        let mut shard = Shard {
            entries: HashMap::new(),
            tick: 0,
        };
        for i in 0..32 {
            let tick = shard.next_tick();
            shard.entries.insert(
                format!("k{i}"),
                Slot {
                    value: Box::new(i),
                    tick,
                    used_at: 0,
                },
            );
        }
        shard.touch("k0", 0);
        assert_eq!(shard.evict_oldest(2), 2);
        assert!(shard.entries.contains_key("k0"), "used last, kept");
        assert!(!shard.entries.contains_key("k1"));
        assert!(!shard.entries.contains_key("k2"));
        assert!(shard.entries.contains_key("k3"));
        assert_eq!(shard.entries.len(), 30);
    }

    #[test]
    fn retain_sees_real_idle_time() {
        let (real, hand) = RealClock::manual(1_000);
        let map = ShardedMap::new(100, real);
        map.insert("old".into(), 1);
        hand.advance(Duration::from_secs(50));
        map.insert("new".into(), 2);
        hand.advance(Duration::from_secs(20));
        let mut seen = Vec::new();
        map.retain(|v, idle| {
            seen.push((*v, idle));
            idle < 60
        });
        seen.sort();
        assert_eq!(seen, vec![(1, 70), (2, 20)]);
        assert_eq!(map.values(), vec![2]);
        // A use resets the idle time.
        hand.advance(Duration::from_secs(100));
        assert_eq!(map.get_cloned("new"), Some(2));
        map.retain(|_, idle| idle < 60);
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn get_or_insert_keeps_the_first() {
        let (real, _) = RealClock::manual(0);
        let map = ShardedMap::new(10, real);
        assert_eq!(map.get_or_insert_with("a", || 1), 1);
        assert_eq!(map.get_or_insert_with("a", || 2), 1);
        assert_eq!(map.len(), 1);
    }
}
