//! The bundled applications, named as ns-3 users know them, and the scenario keys that
//! configure them ([`TrafficTable`] → [`Traffic`], see `traffic.rs`).

mod bulk_send;
mod dns;
mod http_probe;
mod on_off;
mod packet_sink;
mod ping;
mod request_response;
mod stream;
mod traffic;
pub mod workload;

pub use bulk_send::{BulkParams, BulkSend};
pub use dns::{DNS_PORT_BASE, DNS_PORT_RANGE, DnsClient, DnsParams, DnsServer};
pub use http_probe::{HttpProbe, HttpProbeParams};
pub use on_off::{OnOff, OnOffConfig, OnOffParams};
pub use packet_sink::PacketSink;
pub use ping::{Ping, PingConfig, PingParams, RttStats};
pub use request_response::{RequestClient, RequestConfig, RequestParams, ResponseServer};
pub use stream::{SEGMENT_REQUEST, StreamClient, StreamParams};
pub use traffic::{End, FlowBytes, FlowKind, MAX_DATAGRAM_PAYLOAD, Traffic, TrafficTable};
