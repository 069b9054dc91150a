#!/bin/sh
# Everything behind docs/ns3-comparison.md "Session 15: R6-fat-tree-4's drops against many ns-3
# seeds": build ns-3 3.37's anchor-fat-tree, run it and netsim (every ns-3 departure on) over
# seeds 1..SEEDS at 50 ms (all drops fall in the first 10 ms), check the short runs against full
# ones, and summarise. Needs `apt-get install -y libns3-dev` and `cargo build --release`.
# ns-3 3.37 runs at about 3 s of CPU per seed at 50 ms, 4-5 min per full-length seed.
# Usage: scripts/ns3/reproduce.sh [SEEDS] [JOBS] [OUT]   (defaults 200, 1, /tmp/ns3r6)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
seeds=${1:-200}
jobs=${2:-1}
out=${3:-/tmp/ns3r6}
"$here/build.sh" "$out"
"$here/run-ns3.sh" 0.05 1 "$seeds" "$jobs" "$out"
"$here/run-netsim.sh" 50ms 1 "$seeds" "$jobs" "$out"
# full-length netsim runs (1 ms samples) of seeds 1-20 and of the other seeds with drops
SAMPLE=1ms "$here/run-netsim.sh" 5s 1 20 "$jobs" "$out"
for s in 24 28 33 46 49 63 87 92 99; do SAMPLE=1ms "$here/run-netsim.sh" 5s "$s" "$s" 1 "$out"; done
python3 "$here/summarise.py" full "$out/netsim/d50ms" "$out/netsim/d5s"
# ns-3 3.37 at full length: seed 1 against the reference's seed 1, seed 5 (drops at 50 ms) for
# the drop times of a whole run
mkdir -p "$out/ns3/d5"
"$here/run-ns3.sh" 5 1 1 1 "$out"
"$here/run-ns3.sh" 5 5 5 1 "$out"
python3 "$here/summarise.py" reference "$out/ns3/d5"
python3 "$here/summarise.py" drops "$out/netsim/d50ms" "$out/ns3/d0.05" "$out/summary"
# the experiment (netsim with ns-3-dev's "no growth unless cwnd-limited" rule) needs a netsim
# built with experiment-cwnd-limited.patch applied: see scripts/ns3/README.md
