#!/usr/bin/env bash
# Runs every seed network at batch 1 and 8 on 1 and 2 threads and prints a markdown table (the
# ones in docs/PERFORMANCE.md). Each configuration is `mien bench --compare onnxruntime`: Mien and
# ONNX Runtime on the same weights in alternating processes, ROUNDS rounds (default 3), so the
# ONNX Runtime columns and the ratio come from the same minutes as Mien's.
# Usage: tools/bench-matrix.sh [--mien-only] [ARCH...]     (ARCH: manet lanmsff patt-lite)
#   --mien-only: Mien alone, one process per configuration (no ONNX Runtime, no ort module).
set -euo pipefail
cd "$(dirname "$0")/.."
ort=1
if [ "${1:-}" = --mien-only ]; then ort=""; shift; fi
archs=("${@:-manet lanmsff patt-lite}")
read -r -a archs <<<"${archs[*]}"
rounds="${ROUNDS:-3}"
if [ -n "$ort" ]; then
  ./mien help --compare onnxruntime >/dev/null   # builds the ONNX Runtime comparison module too
  echo "| network | GMAC/image | batch | threads | Mien min ms | Mien median ms | images/s | GFLOP/s | % of measured ceiling | ORT min ms | ORT median ms | ORT GFLOP/s | Mien/ORT |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
else
  ./mien help >/dev/null
  echo "| network | GMAC/image | batch | threads | min ms | median ms | p90 ms | images/s | GFLOP/s | % of measured ceiling |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
fi
for arch in "${archs[@]}"; do
  for batch in 1 8; do
    for threads in 1 2; do
      it=30; wu=20
      if [ "$batch" = 8 ]; then it=12; wu=8; fi
      if [ -z "$ort" ]; then
        line=$(./mien bench --arch "$arch" --batch "$batch" --threads "$threads" --iterations "$it" --warmup "$wu" --json 2>/dev/null | tail -1)
        python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print("| %s | %.3f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f%% |" % (
    j["model"], j["gmac_per_image"], j["batch"], j["threads"], j["min_ms"], j["median_ms"], j["p90_ms"],
    j["images_per_s"], j["gflops"], j["percent_of_peak"]))
PY
        continue
      fi
      err=$(mktemp)
      if line=$(./mien bench --arch "$arch" --batch "$batch" --threads "$threads" --iterations "$it" --warmup "$wu" \
                  --compare onnxruntime --rounds "$rounds" --json 2>"$err" | tail -1); then
        python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
b, t, g = j["batch"], j["threads"], j["gmac_per_image"]
ceiling = 238.0 if t == 1 else 465.0 / 2 * t   # measured fp32 FMA ceilings (docs/PERFORMANCE.md)
mien = 2 * g * b / (j["mien_median_ms"] / 1e3)
ortg = 2 * g * b / (j["ort_median_ms"] / 1e3)
print("| %s | %.3f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f%% | %.1f | %.1f | %.1f | **%.2f** |" % (
    j["model"], g, b, t, j["mien_min_ms"], j["mien_median_ms"], b * 1000 / j["mien_median_ms"], mien, 100 * mien / ceiling,
    j["ort_min_ms"], j["ort_median_ms"], ortg, j["ratio_mien_over_ort"]))
PY
      else
        echo "| $arch | | $batch | $threads | failed: $(grep -v 'incubator' "$err" | tail -1 | tr '|' '/') |"
      fi
      rm -f "$err"
    done
  done
done
