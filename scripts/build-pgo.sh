#!/usr/bin/env bash
# Builds a profile-guided (PGO) `netsim` binary: an instrumented build, training runs of bundled
# examples, `llvm-profdata merge`, then the optimised build. docs/performance.md ("Session 14: a
# profile-guided build (pgo20)") has the measurements; the README's performance notes say when
# to use it. Nothing else needs it: `cargo run --release`, the tests and CI build as before.
#
#   scripts/build-pgo.sh [PROFILE ...]     # default: perf (fat LTO, one codegen unit)
#   scripts/build-pgo.sh perf release      # both, e.g. to compare
#
# For each PROFILE (a cargo profile of Cargo.toml) the binary is TARGET/pgo/use/PROFILE/netsim,
# where TARGET is $CARGO_TARGET_DIR or ./target. Everything the script writes is under
# TARGET/pgo/ (own target directories, so the release and perf caches are not rebuilt) and one
# temporary directory for the raw profiles, removed on exit:
#
#   TARGET/pgo/gen/PROFILE/netsim         instrumented build (-Cprofile-generate)
#   TARGET/pgo/raw/                       profiles of the instrumented build scripts (unused)
#   TARGET/pgo/train/PROFILE/<example>.log  the training runs' output (their results directories,
#                                         about 230 MB of pcaps and traces, go to the temporary
#                                         directory and are removed with it)
#   TARGET/pgo/PROFILE-<hash>.profdata    merged profile; its content hash is in the file name,
#                                         so a changed profile rebuilds the optimised binary
#   TARGET/pgo/use/PROFILE/netsim         optimised build (-Cprofile-use)
#
# The instrumented build uses the same profile as the optimised one, so the code that collected
# the counts is the code the counts are applied to (no hash mismatches to silence).
#
# Needs llvm-profdata of the LLVM that rustc uses (`rustc -vV` names it): `rustup component add
# llvm-tools` installs it into the toolchain, where the script finds it; or set LLVM_PROFDATA.
# A distribution's llvm-profdata of another LLVM version cannot read rustc's profiles.
# RUSTFLAGS already set are kept; the script adds its own flags after them. (Cargo then ignores
# `build.rustflags` of a cargo config file, as it always does when RUSTFLAGS is set.)
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "build-pgo.sh: $*" >&2
  exit 1
}

# The training mix: short variants of bundled examples, chosen to cover what users run, not only
# the timing anchors. Each line: example name, then its `--set` overrides.
TRAINING=(
  "perf-dumbbell --set duration=1s"                 # NewReno dumbbell (timing anchor)
  "perf-fat-tree-8 --set duration=10ms"             # NewReno k = 8 fat-tree (timing anchor)
  "ns3-r6-fat-tree-4 --set duration=200ms"          # CUBIC + SACK on a k = 4 fat-tree, traces
  "ns3-r6-dumbbell --set duration=1s"               # CUBIC + SACK dumbbell
  "migration-fat-tree"                              # pre-copy VM live migration
  "sdn-fat-tree --set duration=300ms"               # OpenFlow 1.3 switches, controller, pcap
  "two-dc-sdn"                                      # migration between data centres, SDN reroute
  "perf-websearch-k8 --set duration=10ms"           # websearch flow-size workload, FCT slowdowns
  "incast-dctcp"                                    # DCTCP, threshold AQM, incast workload
  "dumbbell-udp"                                    # UDP flows
)

# --- arguments and tools ---------------------------------------------------------------------

PROFILES=("$@")
[ ${#PROFILES[@]} -gt 0 ] || PROFILES=(perf)
for p in "${PROFILES[@]}"; do
  case "$p" in
    release | perf) ;;
    dev | test | bench) die "profile '$p': PGO is for the optimised binary; use perf or release" ;;
    *) grep -q "^\[profile\.$p\]" Cargo.toml || die "profile '$p' is not in Cargo.toml (try perf or release)" ;;
  esac
done

command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust with rustup: https://rustup.rs)"
llvm_version=$(rustc -vV | sed -n 's/^LLVM version: //p')
host=$(rustc -vV | sed -n 's/^host: //p')
[ -n "$llvm_version" ] && [ -n "$host" ] || die "could not read the host and LLVM version from 'rustc -vV'"

if [ -n "${LLVM_PROFDATA:-}" ]; then
  profdata=$LLVM_PROFDATA
  [ -x "$profdata" ] || die "LLVM_PROFDATA=$profdata is not an executable file"
else
  profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
  [ -x "$profdata" ] || die "llvm-profdata for rustc's LLVM $llvm_version not found at $profdata.
  Install it with:   rustup component add llvm-tools
  or point LLVM_PROFDATA at an llvm-profdata of LLVM ${llvm_version%%.*}."
fi
# `merge --version`: LLVM 14's llvm-profdata has no top-level --version.
profdata_version=$("$profdata" merge --version 2>/dev/null | sed -n 's/.*LLVM version \([0-9.]*\).*/\1/p' || true)
[ "${profdata_version%%.*}" = "${llvm_version%%.*}" ] ||
  die "$profdata is LLVM ${profdata_version:-of unknown version}, rustc uses LLVM $llvm_version: \
it cannot read rustc's profiles (rustup component add llvm-tools installs the matching one)"

target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target/pgo"
pgo=$(cd "$target/pgo" && pwd)
raw=$(mktemp -d "${TMPDIR:-/tmp}/netsim-pgo.XXXXXX")
trap 'rm -rf "$raw"' EXIT

# CARGO_ENCODED_RUSTFLAGS would win over the RUSTFLAGS below and drop the PGO flags silently.
[ -z "${CARGO_ENCODED_RUSTFLAGS:-}" ] ||
  die "CARGO_ENCODED_RUSTFLAGS is set; unset it (put its flags in RUSTFLAGS, which the script extends)"
base_rustflags=${RUSTFLAGS:-}

# --- one profile -----------------------------------------------------------------------------

build_pgo() {
  local profile=$1 start
  start=$(date +%s)

  echo "== $profile: instrumented build ($pgo/gen/$profile/netsim)"
  # $pgo/raw is where an instrumented program run without LLVM_PROFILE_FILE writes (build scripts
  # do, during the build); the training runs below set LLVM_PROFILE_FILE to the temporary one.
  RUSTFLAGS="$base_rustflags -Cprofile-generate=$pgo/raw" \
    cargo build --locked --profile "$profile" --bin netsim --target-dir "$pgo/gen"
  local gen=$pgo/gen/$profile/netsim

  echo "== $profile: training runs (logs in $pgo/train/$profile/)"
  rm -rf "${raw:?}/$profile" "$pgo/train/$profile"
  mkdir -p "$raw/$profile" "$pgo/train/$profile"
  local line name log
  for line in "${TRAINING[@]}"; do
    # shellcheck disable=SC2086 # the line is the example's name and its --set words
    set -- $line
    name=$1
    shift
    log=$pgo/train/$profile/$name.log
    echo "   $line"
    if ! LLVM_PROFILE_FILE="$raw/$profile/netsim-%p.profraw" \
      "$gen" --quiet run "$name" "$@" --out "$raw/$profile/results/$name" >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      die "training run '$line' failed (above; log $log)"
    fi
  done
  compgen -G "$raw/$profile/*.profraw" >/dev/null || die "the training runs wrote no .profraw files to $raw/$profile"

  echo "== $profile: llvm-profdata merge"
  "$profdata" merge -o "$raw/$profile/merged.profdata" "$raw/$profile"/*.profraw
  local hash use
  hash=$(sha256sum "$raw/$profile/merged.profdata" | cut -c1-16)
  use=$pgo/$profile-$hash.profdata
  find "$pgo" -maxdepth 1 -name "$profile-*.profdata" ! -name "${use##*/}" -delete
  cp "$raw/$profile/merged.profdata" "$use"

  echo "== $profile: optimised build ($pgo/use/$profile/netsim, profile $use)"
  RUSTFLAGS="$base_rustflags -Cprofile-use=$use" \
    cargo build --locked --profile "$profile" --bin netsim --target-dir "$pgo/use"
  echo "== $profile: done in $(($(date +%s) - start)) s: $pgo/use/$profile/netsim"
}

for p in "${PROFILES[@]}"; do
  build_pgo "$p"
done
