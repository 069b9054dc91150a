//! The bundled applications, named as ns-3 users know them.

mod bulk_send;
mod on_off;
mod packet_sink;
mod ping;
mod request_response;

pub use bulk_send::BulkSend;
pub use on_off::{OnOff, OnOffConfig};
pub use packet_sink::PacketSink;
pub use ping::{Ping, PingConfig, RttStats};
pub use request_response::{RequestClient, RequestConfig, ResponseServer};
