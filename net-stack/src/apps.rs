//! The bundled applications, named as ns-3 users know them.

mod on_off;
mod packet_sink;
mod ping;

pub use on_off::{OnOff, OnOffConfig};
pub use packet_sink::PacketSink;
pub use ping::{Ping, PingConfig, RttStats};
