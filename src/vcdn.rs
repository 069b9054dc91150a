//! The vCDN of seed 003 §V (Fig. 8) in a scenario: `[controller.vcdn]` names a service address
//! and its replicas (hosts or VMs); this module resolves the names to the addresses and switch
//! ports the `vcdn` app needs ([`config`]), installs the flows whose `dst` is the service
//! address — the client asks the service, and every replica runs a server for it
//! ([`install_flow`]) — and reports which replica served which flow ([`summary`]).

use std::net::Ipv4Addr;

use net_stack::apps::{RequestClient, ResponseServer, SEGMENT_REQUEST, StreamClient, Traffic};
use net_stack::wire::MacAddr;
use net_stack::{AppId, NetworkBuilder, NodeId};
use openflow::controller::{Vcdn, VcdnConfig, VcdnReplica};
use serde::Serialize;
use sim_core::SimTime;

use toml::Spanned;

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

/// A flow to the service: its client and the server each replica runs for it.
#[derive(Debug, Clone)]
pub struct ServiceFlow {
    /// The flow's name.
    pub name: String,
    /// Its client host.
    pub src: String,
    /// (replica name, its server for this flow), in `replicas` order.
    pub servers: Vec<(String, AppId)>,
}

/// `summary.json` → `vcdn`.
#[derive(Debug, Clone, Serialize)]
pub struct VcdnSummary {
    /// The service address.
    pub service: String,
    /// Each flow to the service: the bytes each replica served it.
    pub flows: Vec<ServedFlow>,
    /// Each session the controller redirected, in (client address, port) order.
    pub sessions: Vec<SessionSummary>,
}

/// One flow to the service.
#[derive(Debug, Clone, Serialize)]
pub struct ServedFlow {
    /// Flow name.
    pub flow: String,
    /// Client host.
    pub client: String,
    /// The replica that served the most bytes (`null` if none served any).
    pub replica: Option<String>,
    /// Bytes served, per replica (`replicas` order).
    pub bytes_served: Vec<ReplicaBytes>,
}

/// The bytes one replica served one flow.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaBytes {
    /// Replica name.
    pub replica: String,
    /// Bytes its server sent.
    pub bytes: u64,
}

/// One redirected session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    /// `address:port` of the client.
    pub client: String,
    /// The replica chosen.
    pub replica: String,
    /// When its first segment reached the controller [s].
    pub at_s: f64,
    /// Switch-to-switch links from the client's edge switch to the replica's.
    pub links: usize,
}

/// The `vcdn` app's configuration for the first controller, if `[controller.vcdn]` is given:
/// each replica's address, MAC and switch port. A VM replica is placed on its `[[vm]] host`
/// with the address and MAC the build gives it. Fails (at the key) on a name that is neither
/// a host nor a VM, a replica behind no switch, or a service address a host or VM has.
pub fn config(
    b: &NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
) -> Result<Option<VcdnConfig>, ScenarioError> {
    let Some(table) = &scenario.controller.vcdn else {
        return Ok(None);
    };
    let key = |k: &str| source.span_of_key(k).unwrap_or(0..0);
    let mut replicas = Vec::new();
    for (j, r) in table.replicas.iter().enumerate() {
        let at = source
            .span_of_key(&format!("controller.vcdn.replicas.{j}.name"))
            .or_else(|| source.span_of_key(&format!("controller.vcdn.replicas.{j}")))
            .unwrap_or_else(|| key("controller.vcdn.replicas"));
        let name = r.name();
        let placed = match scenario.vms.iter().position(|v| v.name.get_ref() == name) {
            Some(k) => {
                let v = &scenario.vms[k];
                let ip = v
                    .address
                    .as_ref()
                    .map_or_else(|| crate::build::vm_address(k), |a| *a.get_ref());
                let host = b.node(v.host.get_ref());
                host.map(|h| (ip, Some(MacAddr::for_vm(k as u32 + 1)), h))
            }
            None => b
                .node(name)
                .filter(|&n| b.nodes()[n.index()].is_host())
                .and_then(|n| Some((b.nodes()[n.index()].ip?, None, n))),
        };
        let Some((ip, mac, node)) = placed else {
            return Err(source.error_at(
                at,
                format!("unknown replica `{name}` in `[controller.vcdn] replicas`"),
                Some("a replica is a host of the topology or a [[vm]]".into()),
            ));
        };
        let Some((dev_mac, sw, port)) = b.attachment(node) else {
            return Err(source.error_at(at, format!("replica `{name}` has no link"), None));
        };
        if !b.nodes()[sw.index()].is_switch() {
            return Err(source.error_at(
                at,
                format!("replica `{name}` is not attached to a switch"),
                None,
            ));
        }
        replicas.push(VcdnReplica {
            name: name.to_string(),
            ip,
            mac: mac.unwrap_or(dev_mac),
            switch: b.nodes()[sw.index()].name.clone(),
            port: u32::from(port) + 1,
            start: r.start(),
        });
    }
    let taken = b
        .nodes()
        .iter()
        .filter(|n| n.is_host())
        .map(|n| (n.name.clone(), n.ip))
        .chain((scenario.vms.iter().enumerate()).map(|(k, v)| {
            let ip = v
                .address
                .as_ref()
                .map_or_else(|| crate::build::vm_address(k), |a| *a.get_ref());
            (v.name.get_ref().clone(), Some(ip))
        }));
    for (name, ip) in taken {
        if ip == Some(table.service) {
            return Err(source.error_at(
                key("controller.vcdn.service"),
                format!(
                    "the service address {} is the address of `{name}`",
                    table.service
                ),
                Some(
                    "the service address is virtual: pick one no host or VM has, e.g. 10.250.0.1"
                        .into(),
                ),
            ));
        }
    }
    Ok(Some(VcdnConfig {
        service: Some(table.service),
        replicas,
    }))
}

/// Whether a flow's `dst` names the service address.
pub fn is_service(scenario: &Scenario, dst: &str) -> bool {
    let service = scenario.controller.vcdn.as_ref().map(|v| v.service);
    service.is_some() && dst.parse::<Ipv4Addr>().ok() == service
}

/// Installs flow `i` to the service: its client on `src` asks the service address, and every
/// replica (in `replicas` order) runs its server on the flow's port (40 000 + i). Only `stream`
/// and `request-response` flows, whose servers answer requests, can ask a service.
pub fn install_flow(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    i: usize,
    f: &crate::scenario::FlowSpec,
    src: NodeId,
) -> Result<ServiceFlow, ScenarioError> {
    let table = scenario
        .controller
        .vcdn
        .as_ref()
        .expect("a service flow has a service");
    let port = 40_000 + i as u16;
    let flow = i as u32;
    let (client, request, response): (Box<dyn net_stack::app::Application>, u64, u64) = match &f
        .kind
    {
        Traffic::Stream(p) => (
            Box::new(StreamClient::new(*p, table.service, port)),
            SEGMENT_REQUEST,
            p.segment_bytes(),
        ),
        Traffic::RequestResponse(p) => (
            Box::new(RequestClient::new(p.config(table.service, port))),
            p.request,
            p.response,
        ),
        other => {
            return Err(source.error_at(
                f.dst.span(),
                format!(
                    "flow `{}` asks the vCDN service, but it is {}; a service answers `stream` and `request-response` flows",
                    f.name.get_ref(),
                    other.kind().as_str()
                ),
                None,
            ));
        }
    };
    b.add_app(src, flow, client, f.start, f.stop);
    let mut servers = Vec::new();
    for r in &table.replicas {
        let name = Spanned::new(f.dst.span(), r.name().to_string());
        let node = crate::build::host_named(b, source, &name)?;
        let server = ResponseServer::new(request, response);
        let server = b.add_app(node, flow, Box::new(server), SimTime::ZERO, None);
        b.listen_tcp(server, port).map_err(|e| {
            source.error_at(f.dst.span(), format!("replica `{}`: {e}", r.name()), None)
        })?;
        servers.push((r.name().to_string(), server));
    }
    Ok(ServiceFlow {
        name: f.name.get_ref().clone(),
        src: f.src.get_ref().clone(),
        servers,
    })
}

/// `vcdn` of `summary.json`, if the first controller runs the `vcdn` app with a service.
pub fn summary(net: &net_stack::Network, flows: &[ServiceFlow]) -> Option<VcdnSummary> {
    let app = crate::sdn::plane_of(net)?
        .controller()?
        .apps()
        .iter()
        .find_map(|a| a.as_any().downcast_ref::<Vcdn>())?;
    let service = app.service()?;
    let flows = flows
        .iter()
        .map(|f| {
            let bytes_served: Vec<ReplicaBytes> = (f.servers.iter())
                .map(|(r, id)| ReplicaBytes {
                    replica: r.clone(),
                    bytes: net.app(*id).report().counters().bytes_sent,
                })
                .collect();
            let replica = (bytes_served.iter())
                .filter(|b| b.bytes > 0)
                .max_by_key(|b| b.bytes)
                .map(|b| b.replica.clone());
            ServedFlow {
                flow: f.name.clone(),
                client: f.src.clone(),
                replica,
                bytes_served,
            }
        })
        .collect();
    let sessions = app
        .sessions()
        .map(|s| SessionSummary {
            client: format!("{}:{}", s.client.0, s.client.1),
            replica: app.replica_name(s.replica).to_string(),
            at_s: s.at.as_secs_f64(),
            links: s.links,
        })
        .collect();
    Some(VcdnSummary {
        service: service.to_string(),
        flows,
        sessions,
    })
}
