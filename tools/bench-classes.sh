#!/usr/bin/env bash
# Every convolution class of the seed networks against ONNX Runtime, at batch 1 and 8 on 1 and
# 2 threads: for each configuration `mien bench --compare onnxruntime --profile`, which profiles
# Mien's steps and ONNX Runtime's nodes on the same weights in one child process and prints a
# markdown table per class (time, GFLOP/s, share of the measured ceiling, ratio). The tables in
# docs/PERFORMANCE.md ("Every convolution class") come from this script.
# Usage: tools/bench-classes.sh [ARCH...]     (ARCH: manet lanmsff patt-lite; default all three)
set -euo pipefail
cd "$(dirname "$0")/.."
archs=("${@:-manet lanmsff patt-lite}")
read -r -a archs <<<"${archs[*]}"
./mien help --compare onnxruntime >/dev/null   # builds the ONNX Runtime comparison module too
for arch in "${archs[@]}"; do
  for batch in 1 8; do
    for threads in 1 2; do
      it=60
      [ "$arch" = manet ] && it=20
      [ "$batch" = 8 ] && it=$(( it / 5 ))
      echo "#### $arch, batch $batch, $threads thread(s)"
      echo
      echo "\`./mien bench --arch $arch --batch $batch --threads $threads --compare onnxruntime --profile --iterations $it\` ($(date -u +%H:%M), load $(cut -d' ' -f1 /proc/loadavg))"
      echo
      ./mien bench --arch "$arch" --batch "$batch" --threads "$threads" --compare onnxruntime --profile --iterations "$it" 2>/dev/null \
        | sed -e 's/^\(whole run.*\)$/\1\n/'
      echo
    done
  done
done
