//! `[[workload]]`: net-stack's keys through `WorkloadParams::read`, the size distribution
//! (bundled, or a CSV file read here with errors naming the file and line), the name.

use net_stack::apps::workload::{SizeCdf, WorkloadParams, WorkloadTable};
use std::path::Path;

use toml::Spanned;

use super::Validator;
use crate::scenario::spec::GeneratorSpec;

impl Validator<'_> {
    pub(super) fn workload(
        &mut self,
        index: usize,
        raw: Spanned<WorkloadTable>,
    ) -> Option<GeneratorSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let path = format!("workload.{index}");
        let at = |v: &Self, key: &str| {
            v.spans
                .get(&format!("{path}.{key}"))
                .unwrap_or(span.clone())
        };
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| format!("workload{index}"));
        self.name(
            &Spanned::new(at(self, "name"), name.clone()),
            "workload name",
        );
        let params = match WorkloadParams::read(&raw) {
            Ok(p) => Some(p),
            Err(errors) => {
                for e in errors {
                    self.field_error(e, &[&path], span.clone());
                }
                None
            }
        };
        let cdf = match &raw.sizes_file {
            Some(file) => {
                match topologies::read_text_bounded(
                    &self.scenario_relative(file),
                    crate::limits::MAX_SCENARIO_BYTES,
                    "a flow-size CDF",
                ) {
                    Ok(text) => match SizeCdf::parse_with_doubt(&text) {
                        Ok((cdf, doubt)) => {
                            if let Some(d) = doubt {
                                self.warn(
                                    at(self, "sizes_file"),
                                    format!("the flow-size CDF `{file}` line {}: {}", d.line, d.message),
                                    Some("if the probabilities are fractions, end the file at 1; if they are percent, this is what you meant".into()),
                                );
                            }
                            Some(cdf)
                        }
                        Err(e) => {
                            let where_ = if e.line == 0 {
                                format!("`{file}`")
                            } else {
                                format!("`{file}` line {}", e.line)
                            };
                            self.error(
                            at(self, "sizes_file"),
                            format!("the flow-size CDF {where_}: {}", e.message),
                            "bad CDF file",
                            Some("one `size, probability` pair per line, sizes in bytes, probabilities non-decreasing up to 1 (or 100); `#` starts a comment, so a header line is written `# size, probability`".into()),
                        );
                            None
                        }
                    },
                    Err(e) => {
                        self.error(
                        at(self, "sizes_file"),
                        format!("cannot read the flow-size CDF `{file}`: {e}"),
                        "unreadable",
                        Some(match self.dir {
                            Some(dir) if std::path::Path::new(file).is_relative() => format!(
                                "a relative path is taken from the scenario's folder (here `{}`)",
                                if dir.as_os_str().is_empty() { Path::new(".") } else { dir }.display()
                            ),
                            _ => "a relative path is taken from the directory netsim runs in \
                                  (the scenario is not a file)"
                                .into(),
                        }),
                    );
                        None
                    }
                }
            }
            None => SizeCdf::bundled(raw.sizes.as_deref().unwrap_or("websearch")),
        };
        let hosts = raw.hosts.as_ref().map(|hs| {
            hs.iter()
                .enumerate()
                .map(|(k, h)| {
                    let s = self
                        .spans
                        .get(&format!("{path}.hosts.{k}"))
                        .unwrap_or_else(|| at(self, "hosts"));
                    Spanned::new(s, h.clone())
                })
                .collect()
        });
        let receiver = raw
            .receiver
            .clone()
            .map(|r| Spanned::new(at(self, "receiver"), r));
        Some(GeneratorSpec {
            name,
            params: params?,
            cdf: cdf?,
            hosts,
            receiver,
            span,
        })
    }
}
