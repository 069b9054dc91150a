//! Typed indices into the network's arenas.
//!
//! Nodes, devices, links and applications are created when a simulation is built and never
//! removed, so their arenas are plain `Vec`s and their ids are dense indices; packets come and go,
//! so they live in a slot map with `slotmap`'s keys (`network/packet_arena.rs`, see
//! [`crate::Network`]).

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The index into its arena.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// A node (host or forwarding node).
    NodeId
);
dense_id!(
    /// A device: one end of a point-to-point link, owned by a node.
    DeviceId
);
dense_id!(
    /// A full-duplex point-to-point link (two devices).
    LinkId
);
dense_id!(
    /// An application installed on a host.
    AppId
);

slotmap::new_key_type! {
    /// A packet in flight (in a queue, on a wire, or being handled).
    pub struct PacketId;
}
