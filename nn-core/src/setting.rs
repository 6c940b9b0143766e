//! Training settings (Keras's `trainable`, regularizers and constraints) that cost nothing
//! without `std`.
//!
//! Training needs `std`, so inference never reads these settings. A layer declares each of them
//! as a [`Setting<V>`], which is `V` itself with `std` (`layer.trainable = false` and
//! `layer.kernel_regularizer = Regularizer::L2(0.01)` work as on any field) and the zero-sized
//! [`Unset<V>`] without it. A network built into a `no_std` program (`EMBEDDED`, in flash) then
//! holds its weights and what its forward pass reads, and nothing else. Without `std` a setting
//! reads as Keras's default ([`Keras::DEFAULT`]).
//!
//! Only [`Setting`] and [`Unset`] are public (at the crate's root); `network!` sets a setting
//! through `set`, which it names in `crate::private`.

use core::marker::PhantomData;

use crate::{Constraint, Regularizer};

/// A training setting of type `V` (a layer's `trainable`, regularizers and constraints): `V`
/// with `std`, so that `layer.trainable = false` works as on any field, and [`Unset<V>`] (zero
/// bytes) without, where nothing trains and a setting reads as Keras's default: a network built
/// into a `no_std` program holds its weights and what its forward pass reads, nothing else.
#[cfg(feature = "std")]
pub type Setting<V> = V;

/// A training setting of type `V` (a layer's `trainable`, regularizers and constraints): `V`
/// with `std`, so that `layer.trainable = false` works as on any field, and [`Unset<V>`] (zero
/// bytes) without, where nothing trains and a setting reads as Keras's default: a network built
/// into a `no_std` program holds its weights and what its forward pass reads, nothing else.
#[cfg(not(feature = "std"))]
pub type Setting<V> = Unset<V>;

/// A setting that is not stored: what [`Setting<V>`] is without `std`, where nothing trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unset<V>(PhantomData<V>);

/// A setting's type, with Keras's default.
pub(crate) trait Keras: Copy {
    /// Keras's default: trainable, no regularizer, no constraint.
    const DEFAULT: Self;
}

impl Keras for bool {
    const DEFAULT: Self = true;
}

impl Keras for Regularizer {
    const DEFAULT: Self = Regularizer::None;
}

impl Keras for Constraint {
    const DEFAULT: Self = Constraint::None;
}

/// The setting `value`: itself with `std`, nothing without. `network!` sets a layer's
/// settings through it, so that the same code builds in both.
#[cfg(feature = "std")]
pub const fn set<V: Copy>(value: V) -> Setting<V> {
    value
}

/// The setting `value`: itself with `std`, nothing without. `network!` sets a layer's
/// settings through it, so that the same code builds in both.
#[cfg(not(feature = "std"))]
pub const fn set<V: Copy>(_value: V) -> Setting<V> {
    Unset(PhantomData)
}

/// Keras's default of a setting: `set(V::DEFAULT)`.
pub(crate) const fn default<V: Keras>() -> Setting<V> {
    set(V::DEFAULT)
}

/// What `setting` says: its value with `std`, Keras's default without.
#[cfg(feature = "std")]
pub(crate) fn read<V: Keras>(setting: Setting<V>) -> V {
    setting
}

/// What `setting` says: its value with `std`, Keras's default without.
#[cfg(not(feature = "std"))]
pub(crate) fn read<V: Keras>(_setting: Setting<V>) -> V {
    V::DEFAULT
}
