//! `--shard K/N`: splits a run across N machines so that together they run every scenario
//! exactly once.
//!
//! A scenario's shard is decided by a hash of its key alone (its file path, normalised, and
//! its name), never by its position or by the other scenarios: adding a scenario does not move
//! the others, and every machine computes the same answer without talking to the others. The
//! hash is SHA-256 (not std's `RandomState`, which is seeded per process) so the partition is
//! the same on every machine, platform and obflow version that keeps this function.

use std::fmt;
use std::path::{Component, Path};
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Shard `index` of `count`, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// Why a `--shard` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("`{0}` is not K/N (write e.g. `--shard 2/4`)")]
    Syntax(String),
    #[error("shard count must be at least 1, got {0}")]
    NoShards(u32),
    #[error("shard {index} of {count} does not exist: K must be between 1 and {count}")]
    OutOfRange { index: u32, count: u32 },
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::NoShards(count));
        }
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    pub fn index(&self) -> u32 {
        self.index
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether this shard runs the scenario `name` of `file`.
    pub fn contains(&self, file: &Path, name: &str) -> bool {
        shard_of(file, name, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(text.to_owned());
        let (k, n) = text.trim().split_once('/').ok_or_else(syntax)?;
        let k: u32 = k.trim().parse().map_err(|_| syntax())?;
        let n: u32 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }
}

/// The shard (from 1) of `count` that runs the scenario `name` of `file`.
pub fn shard_of(file: &Path, name: &str, count: u32) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(shard_key(file).as_bytes());
    hasher.update([0]);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // `count` is small, so the modulo bias of a 64-bit hash is negligible.
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
}

/// The file part of the key: relative to the working directory when the user passed an
/// absolute path below it, `.` and `..` resolved by text, `/` as separator. So
/// `./scenarios/a.yaml`, `scenarios//a.yaml` and `$PWD/scenarios/a.yaml` agree, on Windows
/// too, and two checkouts in different directories agree when run from their roots.
pub fn shard_key(file: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let relative = cwd
        .as_deref()
        .and_then(|cwd| file.strip_prefix(cwd).ok())
        .unwrap_or(file);
    normalise(relative)
}

fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for component in path.components() {
        match component {
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".to_owned());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn keys(n: usize) -> Vec<(PathBuf, String)> {
        (0..n)
            .map(|i| {
                (
                    PathBuf::from(format!("scenarios/group_{}/flow_{i}.yaml", i % 7)),
                    format!("Signup+ — flow number {i}"),
                )
            })
            .collect()
    }

    #[test]
    fn every_scenario_is_in_exactly_one_shard() {
        let keys = keys(500);
        for count in 1..=5 {
            let shards: Vec<Shard> = (1..=count).map(|k| Shard::new(k, count).unwrap()).collect();
            for (file, name) in &keys {
                let owners = shards.iter().filter(|s| s.contains(file, name)).count();
                assert_eq!(
                    owners,
                    1,
                    "{} {name} in {owners} of {count}",
                    file.display()
                );
            }
        }
    }

    #[test]
    fn the_partition_is_stable() {
        // Pinned values: if these change, shards computed by different obflow builds
        // disagree, and a CI matrix would run some scenarios twice and others never.
        let file = Path::new("scenarios/signup_plus_multiple_accounts.yaml");
        let name = "Signup+ — user with several accounts, then each account by account_id";
        let pinned: Vec<u32> = (1..=5).map(|n| shard_of(file, name, n)).collect();
        assert_eq!(pinned, [1, 1, 1, 1, 5]);
        for _ in 0..3 {
            assert_eq!(
                (1..=5).map(|n| shard_of(file, name, n)).collect::<Vec<_>>(),
                pinned
            );
        }
    }

    #[test]
    fn shards_are_roughly_balanced() {
        let keys = keys(2000);
        for count in 2..=5u32 {
            let mut sizes = vec![0usize; count as usize];
            for (file, name) in &keys {
                sizes[shard_of(file, name, count) as usize - 1] += 1;
            }
            let fair = keys.len() / count as usize;
            for size in &sizes {
                assert!(
                    size.abs_diff(fair) * 100 / fair <= 10,
                    "{count} shards: {sizes:?}"
                );
            }
        }
    }

    #[test]
    fn spellings_of_one_path_agree() {
        let cwd = std::env::current_dir().unwrap();
        let a = shard_key(Path::new("scenarios/a.yaml"));
        assert_eq!(a, "scenarios/a.yaml");
        assert_eq!(shard_key(Path::new("./scenarios/a.yaml")), a);
        assert_eq!(shard_key(Path::new("scenarios/x/../a.yaml")), a);
        assert_eq!(shard_key(&cwd.join("scenarios/a.yaml")), a);
    }

    #[test]
    fn parses_and_validates_k_of_n() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard::new(2, 4).unwrap()));
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        assert!(matches!(
            "0/3".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "4/3".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "1/0".parse::<Shard>(),
            Err(ShardError::NoShards(0))
        ));
        for bad in ["", "2", "a/b", "1/2/3", "-1/2"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Syntax(_))),
                "{bad}"
            );
        }
    }
}
