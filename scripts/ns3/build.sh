#!/bin/sh
# Build the ns-3 reference program anchor-fat-tree.cc against Debian's ns-3 3.37
# (`apt-get install -y libns3-dev`), with the two patches of this folder:
#   ns3.37-api.patch  what 3.37's API needs (BulkSendApplication::GetSocket; the reference's
#                     ns-3-dev has SourceApplication) -- nothing else changes
#   diag.patch        --diagDir=DIR: drops.csv (every queue drop: time, node, TCP ports) and
#                     slow-start.csv (each flow's first ssthresh and its cwnd peak before it);
#                     off unless given, and then the JSON on stdout is unchanged
# Usage: scripts/ns3/build.sh [OUT_DIR]   (default /tmp/ns3r6; the binary is OUT_DIR/bin/anchor-fat-tree)
# REF overrides the reference folder (default /work/shared/reference/ns3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/ns3r6}
ref=${REF:-/work/shared/reference/ns3}
src="$out/src"
rm -rf "$src"
mkdir -p "$src" "$out/bin"
cp "$ref/programs/anchor-common.h" "$ref/programs/anchor-fat-tree.cc" "$src/"
chmod u+w "$src"/*
patch -s -p1 -d "$src" < "$here/ns3.37-api.patch"
patch -s -p1 -d "$src" < "$here/diag.patch"
modules="ns3-core ns3-network ns3-internet ns3-point-to-point ns3-applications ns3-traffic-control ns3-flow-monitor"
pkg-config --exists $modules || { echo "ns-3 not found by pkg-config: apt-get install -y libns3-dev" >&2; exit 1; }
echo "ns-3 $(pkg-config --modversion ns3-core)" >&2
# Debian's .pc files name libgsl.so / libgslcblas.so, which only libgsl-dev installs; the ns-3
# libraries link them themselves, so absolute library paths that do not exist are left out.
libs=""
for w in $(pkg-config --libs $modules); do
    case $w in
    /*) [ -e "$w" ] && libs="$libs $w" ;;
    *) libs="$libs $w" ;;
    esac
done
g++ -O2 -std=c++17 -I/usr/include -o "$out/bin/anchor-fat-tree" "$src/anchor-fat-tree.cc" $libs
echo "built $out/bin/anchor-fat-tree" >&2
