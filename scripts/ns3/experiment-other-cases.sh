#!/bin/bash
# The cwnd-limited experiment on the other reference cases: every ns3-r* example (R3 seed 1)
# with all ns-3 departures, run by a netsim built with experiment-cwnd-limited.patch (NETSIM,
# default /tmp/ns3r6/target-exp/release/netsim) without and with NETSIM_EXP_CWND_LIMITED=1;
# prints whether summary.json changed. Output under OUT (default /tmp/ns3r6/rcases).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${NETSIM:-/tmp/ns3r6/target-exp/release/netsim}
out=${1:-/tmp/ns3r6/rcases}
mkdir -p "$out"
for ex in ns3-r1 ns3-r2 ns3-r3 ns3-r4 ns3-r5 ns3-r7 ns3-r6-dumbbell; do
    nice -n 10 "$bin" --quiet run --out "$out/base-$ex" "$root/examples/$ex.toml" \
        --set tcp.ns3_departures='"all"'
    NETSIM_EXP_CWND_LIMITED=1 nice -n 10 "$bin" --quiet run --out "$out/exp-$ex" \
        "$root/examples/$ex.toml" --set tcp.ns3_departures='"all"'
    if cmp -s <(sed 's/"wall_time_s": [0-9.e-]*//' "$out/base-$ex/summary.json") \
        <(sed 's/"wall_time_s": [0-9.e-]*//' "$out/exp-$ex/summary.json"); then
        echo "$ex: identical"
    else
        echo "$ex: changed"
    fi
done
