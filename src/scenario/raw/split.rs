//! A table whose keys are split between netsim's own (names, endpoints, times, kept with their
//! spans) and a crate's table type read by serde, without serde's `flatten` (which would lose
//! the spans and `deny_unknown_fields`).
//!
//! The map is read once, in file order: an own key's value goes to [`OwnKeys::read`], every
//! other key is handed to the crate type's derived visitor. A key neither takes is refused
//! where it is written, listing both sets of keys, as `deny_unknown_fields` would.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

/// netsim's part of a split table; the rest is the crate's `Rest`.
pub(crate) trait OwnKeys: Default + Sized {
    /// The crate's table that takes the other keys.
    type Rest: for<'de> Deserialize<'de>;
    /// netsim's keys.
    const KEYS: &'static [&'static str];
    /// Every key: [`OwnKeys::KEYS`], then the crate table's fields.
    fn all_keys() -> &'static [&'static str];
    /// Reads the value of own key `key` from `map`.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
    /// Stores the crate's table.
    fn set_rest(&mut self, rest: Self::Rest);
}

/// `OwnKeys::KEYS` then `rest`, once per table type (`cell` is that type's own static).
pub(crate) fn concat(
    cell: &'static std::sync::OnceLock<Vec<&'static str>>,
    own: &[&'static str],
    rest: &[&'static str],
) -> &'static [&'static str] {
    cell.get_or_init(|| [own, rest].concat())
}

/// Deserialises a split table named `name` (as a derived struct would name it).
pub(crate) fn deserialize<'de, O: OwnKeys, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
) -> Result<O, D::Error> {
    d.deserialize_struct(name, O::all_keys(), SplitVisitor::<O>(PhantomData))
}

struct SplitVisitor<O>(PhantomData<O>);

impl<'de, O: OwnKeys> Visitor<'de> for SplitVisitor<O> {
    type Value = O;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<O, A::Error> {
        let mut own = O::default();
        let rest =
            O::Rest::deserialize(MapAccessDeserializer::new(SplitMap { map, own: &mut own }))?;
        own.set_rest(rest);
        Ok(own)
    }
}

/// The map as the crate's visitor sees it: netsim's keys taken out.
struct SplitMap<'o, A, O> {
    map: A,
    own: &'o mut O,
}

impl<'de, A: MapAccess<'de>, O: OwnKeys> MapAccess<'de> for SplitMap<'_, A, O> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            // Checked inside the key's deserializer, so that `toml` places the error at it.
            let Some(key) = self.map.next_key_seed(Known(O::all_keys()))? else {
                return Ok(None);
            };
            if O::KEYS.contains(&key.as_str()) {
                self.own.read(&key, &mut self.map)?;
                continue;
            }
            return seed.deserialize(key.into_deserializer()).map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key that must be one of these.
struct Known(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Known {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Known {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if self.0.contains(&v) {
            Ok(v.to_string())
        } else {
            Err(E::unknown_field(v, self.0))
        }
    }
}
