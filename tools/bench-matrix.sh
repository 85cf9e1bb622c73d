#!/usr/bin/env bash
# Runs `mien bench` for every seed network at batch 1 and 8 on 1 and 2 threads, one process
# each, and prints a markdown table (the one in docs/PERFORMANCE.md). Usage: tools/bench-matrix.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./mien help >/dev/null
echo "| network | GMAC/image | batch | threads | min ms | median ms | p90 ms | images/s | GFLOP/s | % of measured ceiling |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for arch in manet lanmsff patt-lite; do
  for batch in 1 8; do
    for threads in 1 2; do
      it=30; wu=20
      if [ "$batch" = 8 ]; then it=12; wu=8; fi
      line=$(./mien bench --arch "$arch" --batch "$batch" --threads "$threads" --iterations "$it" --warmup "$wu" --json 2>/dev/null | tail -1)
      python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print("| %s | %.3f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f%% |" % (
    j["model"], j["gmac_per_image"], j["batch"], j["threads"], j["min_ms"], j["median_ms"], j["p90_ms"],
    j["images_per_s"], j["gflops"], j["percent_of_peak"]))
PY
    done
  done
done
