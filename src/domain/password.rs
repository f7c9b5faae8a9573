//! The password generator (issue 14): a length, the character classes to
//! draw from, and whether to avoid characters that look alike. Randomness is
//! given by the caller (the operating system's, in the application), so the
//! rule can be tested with fixed bytes.
//!
//! Invariants: every character is drawn uniformly from the allowed set
//! (rejection sampling, no modulo bias); every chosen class appears at least
//! once (the positions of those guaranteed characters are random too).

use super::error::{DomainError, Field};

/// Lower-case letters.
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
/// Upper-case letters.
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Digits.
const DIGITS: &str = "0123456789";
/// Symbols a password field of any program accepts (no space, no quote).
const SYMBOLS: &str = "!#$%&()*+,-./:;<=>?@[]^_{|}~";
/// Characters easily mistaken for another: I l 1 | O 0 o, and S 5, Z 2, B 8.
const LOOK_ALIKES: &str = "Il1|O0oS5Z2B8";

/// The shortest and longest password the generator makes.
pub const LENGTHS: std::ops::RangeInclusive<usize> = 8..=128;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// How many characters.
    pub length: usize,
    /// a–z.
    pub lower: bool,
    /// A–Z.
    pub upper: bool,
    /// 0–9.
    pub digits: bool,
    /// Punctuation.
    pub symbols: bool,
    /// Leave out I, l, 1, |, O, 0, o, S, 5, Z, 2, B, 8.
    pub avoid_look_alikes: bool,
}

impl Default for PasswordPolicy {
    fn default() -> PasswordPolicy {
        PasswordPolicy {
            length: 24,
            lower: true,
            upper: true,
            digits: true,
            symbols: true,
            avoid_look_alikes: true,
        }
    }
}

impl PasswordPolicy {
    /// The chosen classes' characters, without look-alikes if asked.
    fn classes(&self) -> Vec<Vec<char>> {
        [
            (self.lower, LOWER),
            (self.upper, UPPER),
            (self.digits, DIGITS),
            (self.symbols, SYMBOLS),
        ]
        .into_iter()
        .filter(|(chosen, _)| *chosen)
        .map(|(_, set)| {
            set.chars()
                .filter(|c| !(self.avoid_look_alikes && LOOK_ALIKES.contains(*c)))
                .collect()
        })
        .collect()
    }

    /// Checks the choice: a length in [`LENGTHS`], at least one class.
    pub fn validate(&self) -> Result<(), DomainError> {
        if !LENGTHS.contains(&self.length) {
            return Err(DomainError::invalid(
                Field::Password,
                format!(
                    "choose a length from {} to {}",
                    LENGTHS.start(),
                    LENGTHS.end()
                ),
            ));
        }
        if self.classes().is_empty() {
            return Err(DomainError::invalid(
                Field::Password,
                "choose at least one kind of character",
            ));
        }
        Ok(())
    }

    /// Bits of entropy of a password made with this policy (an upper bound:
    /// the guaranteed classes take a little away).
    pub fn entropy_bits(&self) -> f64 {
        let alphabet: usize = self.classes().iter().map(Vec::len).sum();
        if alphabet == 0 {
            return 0.0;
        }
        self.length as f64 * (alphabet as f64).log2()
    }
}

/// A uniform index below `bound`, from random bytes (rejection sampling).
fn uniform(bound: usize, random: &mut impl FnMut(&mut [u8])) -> usize {
    let bound = u32::try_from(bound).unwrap_or(u32::MAX);
    // The largest multiple of `bound` that fits: values at or above it are drawn again.
    let limit = u32::MAX - (u32::MAX % bound);
    loop {
        let mut bytes = [0_u8; 4];
        random(&mut bytes);
        let value = u32::from_le_bytes(bytes);
        if value < limit {
            return (value % bound) as usize;
        }
    }
}

/// A password following `policy`, drawing bytes from `random`.
pub fn generate(
    policy: &PasswordPolicy,
    random: &mut impl FnMut(&mut [u8]),
) -> Result<String, DomainError> {
    policy.validate()?;
    let classes = policy.classes();
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    let mut chars: Vec<char> = (0..policy.length)
        .map(|_| all[uniform(all.len(), random)])
        .collect();
    // One of each chosen class, each at its own random position.
    let mut positions: Vec<usize> = (0..policy.length).collect();
    for class in &classes {
        let pick = uniform(positions.len(), random);
        let position = positions.swap_remove(pick);
        chars[position] = class[uniform(class.len(), random)];
    }
    Ok(chars.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic byte stream (a counter through a simple mix), so the
    /// tests see varied values without the operating system.
    fn bytes(seed: u64) -> impl FnMut(&mut [u8]) {
        let mut state = seed;
        move |buf: &mut [u8]| {
            for b in buf {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *b = (state >> 56) as u8;
            }
        }
    }

    #[test]
    fn every_chosen_class_appears_and_nothing_else() {
        for seed in 0..200 {
            let policy = PasswordPolicy {
                length: 8,
                ..PasswordPolicy::default()
            };
            let password = generate(&policy, &mut bytes(seed)).unwrap();
            assert_eq!(password.chars().count(), 8);
            assert!(
                password.chars().any(|c| c.is_ascii_lowercase()),
                "{password}"
            );
            assert!(
                password.chars().any(|c| c.is_ascii_uppercase()),
                "{password}"
            );
            assert!(password.chars().any(|c| c.is_ascii_digit()), "{password}");
            assert!(password.chars().any(|c| SYMBOLS.contains(c)), "{password}");
            assert!(
                !password.chars().any(|c| LOOK_ALIKES.contains(c)),
                "{password}"
            );
        }
    }

    #[test]
    fn one_class_only_and_look_alikes_allowed() {
        let policy = PasswordPolicy {
            length: 64,
            lower: false,
            upper: false,
            digits: true,
            symbols: false,
            avoid_look_alikes: false,
        };
        let password = generate(&policy, &mut bytes(7)).unwrap();
        assert!(password.chars().all(|c| c.is_ascii_digit()));
        // With 64 digits drawn, the look-alikes 0 1 2 5 8 do occur.
        assert!(password.chars().any(|c| "01258".contains(c)));
    }

    #[test]
    fn refuses_no_class_and_absurd_lengths() {
        let none = PasswordPolicy {
            lower: false,
            upper: false,
            digits: false,
            symbols: false,
            ..PasswordPolicy::default()
        };
        assert!(generate(&none, &mut bytes(1)).is_err());
        for length in [0, 7, 129, usize::MAX] {
            let policy = PasswordPolicy {
                length,
                ..PasswordPolicy::default()
            };
            assert!(generate(&policy, &mut bytes(1)).is_err(), "{length}");
        }
    }

    #[test]
    fn draws_are_uniform_without_modulo_bias() {
        // An all-ones stream is above every limit: the sampler must draw again
        // rather than fold the excess onto the first values.
        let mut first = true;
        let mut stream = |buf: &mut [u8]| {
            let value: u8 = if first { 0xFF } else { 0x00 };
            first = false;
            buf.fill(value);
        };
        assert_eq!(uniform(10, &mut stream), 0);
        // Over many draws, each of 10 values comes up close to a tenth of the time.
        let mut random = bytes(42);
        let mut counts = [0_u32; 10];
        for _ in 0..100_000 {
            counts[uniform(10, &mut random)] += 1;
        }
        for count in counts {
            assert!((9_000..11_000).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn entropy_counts_the_alphabet() {
        let policy = PasswordPolicy::default();
        // 24 characters over 26+26+10+28 − 13 look-alikes = 77 symbols ≈ 150 bits.
        assert!((policy.entropy_bits() - 24.0 * 77_f64.log2()).abs() < 1e-9);
    }
}
