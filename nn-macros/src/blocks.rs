//! The blocks `network!` knows: Keras's merge layers, each joining two branches fed the same
//! input (`Add<[Conv2D<16, (3, 3)>, BatchNormalization], []>`). Unlike a kind, a block holds
//! layers: `check` checks each branch as a chain of its own and the join here.

/// A join: its name in the DSL (Keras's class), the runtime's type, and how it joins.
pub(crate) struct Join {
    /// Its name in the DSL and Keras's class of the merge layer.
    pub(crate) name: &'static str,
    /// Whether it puts the branches' channels side by side (`Concatenate`) rather than joining
    /// them value by value (the branches then have one shape).
    pub(crate) concatenates: bool,
}

/// Every join, in the order messages list them.
pub(crate) const JOINS: &[Join] = &[
    join("Add"),
    join("Subtract"),
    join("Multiply"),
    join("Average"),
    join("Maximum"),
    join("Minimum"),
    Join {
        name: "Concatenate",
        concatenates: true,
    },
];

const fn join(name: &'static str) -> Join {
    Join {
        name,
        concatenates: false,
    }
}

/// The join named `name` in the DSL.
pub(crate) fn find(name: &str) -> Option<&'static Join> {
    JOINS.iter().find(|join| join.name == name)
}
