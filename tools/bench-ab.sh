#!/usr/bin/env bash
# Alternating A/B benchmark of two built checkouts: one process per run, A, B, A, B, ...
# (so drift of the machine hits both alike). Prints the median and min of each run.
# Usage: [THREADS=2] [BATCH=1] tools/bench-ab.sh OTHER_CHECKOUT [ROUNDS] [ARCH...]   (both checkouts built: ./mien help)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
other="$(cd "$1" && pwd)"; rounds="${2:-3}"; shift $(( $# >= 2 ? 2 : 1 ))
archs=("${@:-manet}")
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
run() {
  "$java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp "$1/tools/target/mien-tools.jar:$1/tools/target/lib/*" \
    dev.mien.tools.Main bench --arch "$2" --batch "${BATCH:-1}" --threads "${THREADS:-2}" --json 2>/dev/null | tail -1 |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print("median %.2f ms  min %.2f ms" % (j["median_ms"], j["min_ms"]))'
}
for arch in "${archs[@]}"; do
  for ((r = 1; r <= rounds; r++)); do
    echo "$arch other $(run "$other" "$arch")"
    echo "$arch this  $(run "$here" "$arch")"
  done
done
