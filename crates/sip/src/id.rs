//! Seedable generator of protocol identifiers.
//!
//! RFC 3261 §8.1.1.7 asks for branch ids unique in space and time, §19.3 for tags with at
//! least 32 bits of randomness, §8.1.1.4 for globally unique Call-IDs. Cores never use a
//! global RNG: each shard owns one generator, seeded from the OS at start-up in production
//! and from a constant in tests, so simulations repeat exactly.
//!
//! Generated values embed the shard number, so a later message carrying one of our tags or
//! Call-IDs can be routed straight to the shard that owns the call.

/// Magic cookie that marks an RFC 3261 branch (§8.1.1.7).
pub const BRANCH_COOKIE: &str = "z9hG4bK";

/// splitmix64-based generator: fast, small state, good enough dispersion for identifiers.
#[derive(Debug, Clone)]
pub struct IdGenerator {
    state: u64,
    shard: u16,
}

impl IdGenerator {
    pub fn new(seed: u64, shard: u16) -> IdGenerator {
        IdGenerator { state: seed, shard }
    }

    /// The shard number embedded in the identifiers.
    pub fn shard(&self) -> u16 {
        self.shard
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A Via branch parameter: cookie, shard, 64 random bits.
    pub fn branch(&mut self) -> String {
        let r = self.next_u64();
        format!("{BRANCH_COOKIE}{:x}.{r:016x}", self.shard)
    }

    /// A From/To tag: shard, then 64 random bits.
    pub fn tag(&mut self) -> String {
        let r = self.next_u64();
        format!("{:x}.{r:016x}", self.shard)
    }

    /// A Call-ID for calls we originate: shard, 96 random bits, our host.
    pub fn call_id(&mut self, host: &str) -> String {
        let a = self.next_u64();
        let b = self.next_u64() as u32;
        format!("{:x}.{a:016x}{b:08x}@{host}", self.shard)
    }
}

/// Read the shard number back out of a tag, branch or Call-ID we generated.
pub fn shard_of(id: &str) -> Option<u16> {
    let id = id.strip_prefix(BRANCH_COOKIE).unwrap_or(id);
    let (shard, rest) = id.split_once('.')?;
    if shard.is_empty() || shard.len() > 4 || rest.len() < 16 {
        return None;
    }
    u16::from_str_radix(shard, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let mut a = IdGenerator::new(7, 1);
        let mut b = IdGenerator::new(7, 1);
        assert_eq!(a.branch(), b.branch());
        assert_eq!(a.tag(), b.tag());
        assert_ne!(a.tag(), b.tag() + "x");
    }

    #[test]
    fn ids_carry_their_shard() {
        let mut g = IdGenerator::new(1, 3);
        assert_eq!(shard_of(&g.tag()), Some(3));
        assert_eq!(shard_of(&g.branch()), Some(3));
        assert_eq!(shard_of(&g.call_id("h")), Some(3));
        assert!(g.branch().starts_with(BRANCH_COOKIE));
        assert_eq!(shard_of("as8f7a6sdf"), None);
        assert_eq!(shard_of("zz.0123456789abcdef"), None);
    }
}
