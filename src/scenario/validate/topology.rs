//! `[topology]`: the kind, each kind's own keys, and the link parameters.

use std::ops::Range;
use std::path::PathBuf;

use net_stack::LinkOverrides;
use toml::Spanned;

use super::super::error::all_of;
use super::super::raw;
use super::super::spec::*;
use super::Validator;

impl Validator<'_> {
    /// Checks a link table (already merged over its base); `tables` are the dotted paths its
    /// values may come from, most specific first.
    fn link(&mut self, link: LinkConfig, tables: &[&str], fallback: Range<usize>) -> LinkConfig {
        match link.validate() {
            Ok(()) => link,
            Err(e) => {
                self.field_error(e, tables, fallback);
                LinkConfig::default()
            }
        }
    }

    pub(super) fn topology(&mut self, raw: Spanned<raw::TopologyTable>) -> TopologySpec {
        let table_span = raw.span();
        let raw = raw.into_inner();
        let link = self.link(
            raw.link.unwrap_or_default(),
            &["topology.link"],
            table_span.clone(),
        );
        let Some(kind) = self.missing(
            raw.kind,
            "kind",
            "[topology]",
            &table_span,
            "kind = \"fat-tree\"",
        ) else {
            return TopologySpec {
                shape: TopologyShape::FatTree {
                    k: Spanned::new(0..0, 4),
                },
                link,
                span: table_span,
            };
        };
        let span = kind.span();
        let kind = kind.into_inner();
        // Keys that belong to one kind only, with the kinds that take them.
        let present: [(&str, Option<Range<usize>>); 15] = [
            ("fabric", raw.fabric.as_ref().map(Spanned::span)),
            ("clients", raw.clients.as_ref().map(Spanned::span)),
            ("wan", raw.wan.as_ref().map(Spanned::span)),
            ("k", raw.k.as_ref().map(Spanned::span)),
            ("pairs", raw.pairs.as_ref().map(Spanned::span)),
            ("bottleneck", raw.bottleneck.as_ref().map(Spanned::span)),
            ("leaves", raw.leaves.as_ref().map(Spanned::span)),
            ("spines", raw.spines.as_ref().map(Spanned::span)),
            (
                "hosts_per_leaf",
                raw.hosts_per_leaf.as_ref().map(Spanned::span),
            ),
            ("switches", raw.switches.as_ref().map(Spanned::span)),
            (
                "hosts_per_switch",
                raw.hosts_per_switch.as_ref().map(Spanned::span),
            ),
            ("hosts", raw.hosts.as_ref().map(Spanned::span)),
            ("path", raw.path.as_ref().map(Spanned::span)),
            ("of", raw.of.as_ref().map(Spanned::span)),
            ("tunnel", raw.tunnel.as_ref().map(Spanned::span)),
        ];
        let allowed: &[&str] = match kind {
            TopologyKind::FatTree => &["k"],
            TopologyKind::Dumbbell => &["pairs", "bottleneck"],
            TopologyKind::LeafSpine => &["leaves", "spines", "hosts_per_leaf"],
            TopologyKind::Linear => &["switches", "hosts_per_switch"],
            TopologyKind::Star => &["hosts"],
            TopologyKind::Qin2017 | TopologyKind::Arora2013 => &[],
            TopologyKind::File => &["path"],
            TopologyKind::Twin => &["of", "tunnel"],
            // The fabric's own keys are checked against the fabric below.
            TopologyKind::TwoDc => &[
                "fabric",
                "clients",
                "wan",
                "k",
                "leaves",
                "spines",
                "hosts_per_leaf",
            ],
        };
        for (key, key_span) in present {
            if let Some(key_span) = key_span.filter(|_| !allowed.contains(&key)) {
                let takes = if allowed.is_empty() {
                    "only `link`".to_string()
                } else {
                    format!("`link` and {}", all_of(allowed))
                };
                self.error(
                    key_span,
                    format!("`{key}` does not apply to a {} topology", kind.as_str()),
                    &format!("not a {} key", kind.as_str()),
                    Some(format!("a {} topology takes {takes}", kind.as_str())),
                );
            }
        }
        let shape = match kind {
            TopologyKind::FatTree => {
                let k = raw.k.unwrap_or_else(|| Spanned::new(span.clone(), 4));
                let v = *k.get_ref();
                if v < 2 || v % 2 == 1 {
                    self.error(k.span(), format!("fat-tree `k` must be even and at least 2, not {v}"), "odd or < 2", Some("a k-ary fat-tree has k pods of k/2 edge and k/2 aggregation switches, so k is even: try 4 or 8".into()));
                }
                TopologyShape::FatTree { k }
            }
            TopologyKind::Dumbbell => {
                let bottleneck = match raw.bottleneck {
                    Some(b) => {
                        let at = b.span();
                        self.link(
                            b.get_ref().over(link),
                            &["topology.bottleneck", "topology.link"],
                            at,
                        )
                    }
                    None => link,
                };
                TopologyShape::Dumbbell {
                    pairs: self.positive(raw.pairs, "pairs", 2),
                    bottleneck,
                }
            }
            TopologyKind::LeafSpine => TopologyShape::LeafSpine {
                leaves: self.positive(raw.leaves.clone(), "leaves", 4),
                spines: self.positive(raw.spines.clone(), "spines", 2),
                hosts_per_leaf: self.positive(raw.hosts_per_leaf.clone(), "hosts_per_leaf", 2),
            },
            TopologyKind::Linear => TopologyShape::Linear {
                switches: self.positive(raw.switches, "switches", 3),
                hosts_per_switch: self.positive(raw.hosts_per_switch, "hosts_per_switch", 1),
            },
            TopologyKind::Star => TopologyShape::Star {
                hosts: self.positive(raw.hosts, "hosts", 4),
            },
            TopologyKind::Qin2017 => TopologyShape::Qin2017,
            TopologyKind::Arora2013 => TopologyShape::Arora2013,
            TopologyKind::TwoDc => self.two_dc(
                raw::TopologyTable {
                    kind: None,
                    link: None,
                    pairs: None,
                    bottleneck: None,
                    switches: None,
                    hosts_per_switch: None,
                    hosts: None,
                    path: None,
                    ..raw
                },
                span.clone(),
            ),
            TopologyKind::Twin => self.twin(raw.of, raw.tunnel, link, &span),
            TopologyKind::File => {
                let path = self.missing(
                    raw.path,
                    "path",
                    "a file topology",
                    &span,
                    "path = \"my-topology.toml\"",
                );
                let path = path
                    .map(|p| Spanned::new(p.span(), PathBuf::from(p.into_inner())))
                    .unwrap_or_else(|| Spanned::new(span.clone(), PathBuf::new()));
                TopologyShape::File { path }
            }
        };
        TopologySpec { shape, link, span }
    }

    /// `twin`: the inner topology (its `link` defaults to the outer one; not itself a twin
    /// or a routed two-dc network) and the tunnel links over `link`.
    fn twin(
        &mut self,
        of: Option<Spanned<Box<raw::TopologyTable>>>,
        tunnel: Option<Spanned<LinkOverrides>>,
        link: LinkConfig,
        span: &Range<usize>,
    ) -> TopologyShape {
        let tunnel = match tunnel {
            Some(t) => {
                let at = t.span();
                self.link(
                    t.get_ref().over(link),
                    &["topology.tunnel", "topology.link"],
                    at,
                )
            }
            None => link,
        };
        let of = self.missing(
            of,
            "of",
            "a twin topology",
            span,
            "of = { kind = \"fat-tree\", k = 4 }",
        );
        let of = match of {
            Some(of) => {
                let at = of.span();
                let mut inner = *of.into_inner();
                if let Some(k) = inner
                    .kind
                    .as_ref()
                    .filter(|k| matches!(k.get_ref(), TopologyKind::Twin | TopologyKind::TwoDc))
                {
                    self.error(
                        k.span(),
                        format!("a twin topology cannot twin a {} topology", k.get_ref().as_str()),
                        "not twinnable",
                        Some("twin a switched kind: fat-tree, dumbbell, leaf-spine, linear, star, qin2017, arora2013 or file".into()),
                    );
                }
                inner.link = inner.link.or(Some(link));
                self.topology(Spanned::new(at, inner))
            }
            None => TopologySpec {
                shape: TopologyShape::Star { hosts: 1 },
                link,
                span: span.clone(),
            },
        };
        TopologyShape::Twin {
            of: Box::new(of),
            tunnel,
        }
    }

    /// `two-dc`: the fabric and its keys (a key of the other fabric is an error), the clients
    /// and the WAN links over their defaults.
    fn two_dc(&mut self, raw: raw::TopologyTable, span: Range<usize>) -> TopologyShape {
        use topologies::two_dc::Fabric;
        let fabric_kind = raw
            .fabric
            .as_ref()
            .map_or(raw::FabricKind::LeafSpine, |f| *f.get_ref());
        let foreign: &[(&str, Option<Range<usize>>)] = match fabric_kind {
            raw::FabricKind::LeafSpine => &[("k", raw.k.as_ref().map(Spanned::span))],
            raw::FabricKind::FatTree => &[
                ("leaves", raw.leaves.as_ref().map(Spanned::span)),
                ("spines", raw.spines.as_ref().map(Spanned::span)),
                (
                    "hosts_per_leaf",
                    raw.hosts_per_leaf.as_ref().map(Spanned::span),
                ),
            ],
        };
        let fabric_name = match fabric_kind {
            raw::FabricKind::LeafSpine => "leaf-spine",
            raw::FabricKind::FatTree => "fat-tree",
        };
        for (key, at) in foreign {
            if let Some(at) = at {
                self.error(
                    at.clone(),
                    format!("`{key}` does not apply to a two-dc topology with a {fabric_name} fabric"),
                    "not a key of this fabric",
                    Some("a leaf-spine fabric takes `leaves`, `spines`, `hosts_per_leaf`; a fat-tree fabric takes `k`".into()),
                );
            }
        }
        let fabric = match fabric_kind {
            raw::FabricKind::LeafSpine => Fabric::LeafSpine {
                leaves: self.positive(raw.leaves.clone(), "leaves", 2),
                spines: self.positive(raw.spines.clone(), "spines", 1),
                hosts_per_leaf: self.positive(raw.hosts_per_leaf.clone(), "hosts_per_leaf", 2),
            },
            raw::FabricKind::FatTree => {
                let k = raw
                    .k
                    .clone()
                    .unwrap_or_else(|| Spanned::new(span.clone(), 4));
                let v = *k.get_ref();
                if !(2..=10).contains(&v) || v % 2 == 1 {
                    self.error(k.span(), format!("a two-dc fat-tree fabric needs an even `k` from 2 to 10, not {v}"), "odd or out of range", Some("each host has its own /24 in 10.1.0.0/16 or 10.2.0.0/16, so a data centre holds at most 256 hosts (k = 10: 250)".into()));
                }
                Fabric::FatTree { k: v }
            }
        };
        let wan = match &raw.wan {
            Some(w) => {
                let at = w.span();
                self.link(
                    w.get_ref().over(topologies::two_dc::default_wan()),
                    &["topology.wan"],
                    at,
                )
            }
            None => topologies::two_dc::default_wan(),
        };
        TopologyShape::TwoDc {
            fabric,
            clients: self.positive(raw.clients.clone(), "clients", 1),
            wan,
        }
    }
}
