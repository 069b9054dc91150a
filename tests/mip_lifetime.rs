//! Issue 17, Mobile IP binding lifetime (RFC 5944 §3.3, §3.6, §3.8.3): examples/two-dc-mip
//! with a short `lifetime`. The destination hypervisor renews the binding `reregister_margin`
//! before it expires, so a long run keeps it; when the renewals are lost (b_h0's uplink down
//! across the renewal and the expiry), the home agent's binding expires and the session
//! through it is lost, while the same outage under a longer lifetime is survived.

mod common;

use std::path::Path;

use common::*;

/// b_h0's uplink down from 2 s to 4.5 s.
const OUTAGE: &str = "[[event]]\nat = \"2s\"\nlink = \"b_h0-b_leaf0\"\nstate = \"down\"\n\
                      [[event]]\nat = \"4.5s\"\nlink = \"b_h0-b_leaf0\"\nstate = \"up\"\n";

/// Runs examples/two-dc-mip with `extra` appended and `args`; hands the results directory
/// and the summary's first migration to `read`.
fn run_mip<R>(extra: &str, args: &[&str], read: impl FnOnce(&Path, &serde_json::Value) -> R) -> R {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(root().join("examples/two-dc-mip.toml")).unwrap();
    text.push_str(extra);
    let file = dir.path().join("mip.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let mut all = vec![file.to_str().unwrap()];
    all.extend_from_slice(args);
    let s = run_ok(&out, &all);
    read(&out, &s["migrations"][0])
}

/// tshark's `fields` of the frames of `pcap` (under `dir/pcap`) matching `filter`.
fn fields(dir: &Path, pcap: &str, filter: &str, fields: &[&str]) -> Vec<String> {
    let path = dir.join("pcap").join(pcap);
    let mut args = vec!["-r", path.to_str().unwrap(), "-Y", filter, "-T", "fields"];
    for f in fields {
        args.extend_from_slice(&["-e", f]);
    }
    tshark(&args).lines().map(str::to_string).collect()
}

/// Issue 17 Deliver, binding lifetime ("a long run keeps the binding"): with `lifetime = 1s`
/// the default margin is half of it, so b_h0 re-registers every 0.5 s after the first
/// request (each renewal's lifetime counted from its sending, RFC 5944 §3.6): the renewals
/// accepted before the end are those sent by 6 s less one registration round trip. The
/// binding never expires, the session survives, the tunnel carries exactly what it carries
/// with the default 1,800 s lifetime, and tshark reads every request with lifetime 1 and
/// every reply accepting it.
#[test]
fn mip_binding_kept_by_reregistration() {
    let args = ["--set", "duration=6s", "--set", "migration.0.lifetime=1s"];
    let (m, requests, replies) = run_mip("", &args, |out, m| {
        let req = fields(
            out,
            "b_h0-0.pcap",
            "mip.type == 1",
            &["mip.life", "mip.coa"],
        );
        let rep = fields(
            out,
            "b_h0-0.pcap",
            "mip.type == 3",
            &["mip.code", "mip.life"],
        );
        (m.clone(), req, rep)
    });
    let resumed = num(&m, "end_s");
    let rtt = num(&m, "registration_s");
    let expected = ((6.0 - resumed - rtt) / 0.5).floor() as u64;
    assert_eq!(u(&m, "reregistrations"), expected, "{m}");
    assert!(m.get("binding_expired_s").is_none(), "never expired: {m}");
    assert!(
        m.get("registration_retransmissions").is_none(),
        "nothing lost: {m}"
    );
    assert_eq!(m["session_survived"], true, "{m}");
    let sent = ((6.0 - resumed) / 0.5).floor() as u64 + 1;
    assert_eq!(
        requests.len() as u64,
        sent,
        "one request every 0.5 s from the resume"
    );
    assert!(
        requests.iter().all(|r| r.starts_with("1\t")),
        "lifetime 1 s: {requests:?}"
    );
    assert_eq!(replies.len() as u64, expected + 1);
    assert!(
        replies.iter().all(|r| r == "0\t1"),
        "accepted, 1 s: {replies:?}"
    );
    let default_lifetime = run_mip("", &["--set", "duration=6s"], |_, m| m.clone());
    assert_eq!(
        u(&m, "tunnel_packets"),
        u(&default_lifetime, "tunnel_packets"),
        "renewing does not interrupt the tunnel"
    );
    assert!(default_lifetime.get("reregistrations").is_none());
}

/// Issue 17 Deliver, binding lifetime ("if re-registration is lost … the binding expires and
/// the session breaks"): lifetime 3 s, so the renewal is due 1.5 s before the expiry; b_h0's
/// uplink is down from 2 s to 4.5 s, so the renewal and its retransmission 1 s later (RFC
/// 5944 §3.6.3) are lost, the hypervisor gives up at the expiry, and the home agent removes
/// the binding 3 s after the first request reached it (one WAN crossing and the fabric
/// after the request left at the resume). After the link returns the client's requests
/// follow the prefix route home and get no answer: the session did not survive. The same
/// outage with a 10 s lifetime (renewal due after it) is survived.
#[test]
fn mip_binding_expires_when_reregistration_is_lost() {
    let args = ["--set", "duration=8s", "--set", "migration.0.lifetime=3s"];
    let m = run_mip(OUTAGE, &args, |_, m| m.clone());
    let resumed = num(&m, "end_s");
    let expired = num(&m, "binding_expired_s");
    assert!(
        expired > resumed + 3.0 && expired < resumed + 3.0 + 0.01,
        "the agent's lifetime runs from the request's arrival: {m}"
    );
    assert_eq!(u(&m, "registration_retransmissions"), 1, "{m}");
    assert!(
        m.get("reregistrations").is_none(),
        "no renewal got through: {m}"
    );
    assert_eq!(m["session_survived"], false, "{m}");
    let longer = ["--set", "duration=8s", "--set", "migration.0.lifetime=10s"];
    let m = run_mip(OUTAGE, &longer, |_, m| m.clone());
    assert!(m.get("binding_expired_s").is_none(), "{m}");
    assert_eq!(
        m["session_survived"], true,
        "the outage alone is survived: {m}"
    );
}

/// Bad `lifetime`, `reregister_margin`: a clear error at the key's line, exit code 1.
#[test]
fn bad_lifetime_inputs_are_refused_clearly() {
    let two_dc = "name = \"x\"\nduration = \"1s\"\n[topology]\nkind = \"two-dc\"\n[[vm]]\n\
                  name = \"vm1\"\nhost = \"a_h0\"\nmemory = \"1MiB\"\n[[migration]]\nvm = \"vm1\"\n\
                  to = \"b_h0\"\nat = \"0.1s\"\nmobility = \"mip\"\n";
    for (keys, wants) in [
        (
            "lifetime = \"1.5s\"\n",
            "`lifetime` of migration.0 must be whole seconds from 1 s to 65535 s",
        ),
        (
            "lifetime = \"70000s\"\n",
            "`lifetime` of migration.0 must be whole seconds",
        ),
        (
            "lifetime = \"10s\"\nreregister_margin = \"10s\"\n",
            "`reregister_margin` of migration.0 must be above 0 and shorter than the",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, format!("{two_dc}{keys}")).unwrap();
        let o = run(&["check", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "exit 1: {err}");
        assert!(err.contains(wants), "`{wants}` in: {err}");
        let line = if keys.contains("margin") { 15 } else { 14 };
        assert!(err.contains(&format!("s.toml:{line}")), "at the key: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let host_route = two_dc.replace("\"mip\"", "\"host-route\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, format!("{host_route}lifetime = \"10s\"\n")).unwrap();
    let o = run(&["check", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`lifetime` applies to `mobility = \"mip\"` only"),
        "{err}"
    );
}
