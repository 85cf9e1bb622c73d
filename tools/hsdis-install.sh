#!/usr/bin/env bash
# Installs a HotSpot disassembler into a JDK, so that C2's machine code can be read:
#   java -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,dev.mien.kernels.simd.RowTileKernel::acc7x2 ...
# (read the last "C2-compiled nmethod" section). Debian's libhsdis0-fcml exports only the old
# decode_instructions entry point; JDK 17+ look for decode_instructions_virtual, so a ten-line
# shim forwards one to the other. Needs apt (root) and gcc.
# Usage: tools/hsdis-install.sh [JAVA_HOME]   (default: the Temurin 25 JDK)
set -euo pipefail
jdk="${1:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}"
dpkg -s libhsdis0-fcml >/dev/null 2>&1 || apt-get install -y libhsdis0-fcml >/dev/null
lib=$(dpkg -L libhsdis0-fcml | grep 'libhsdis.so.0$' | head -1)
dir=$(mktemp -d)
cat > "$dir/shim.c" <<C
#include <stdint.h>
#include <dlfcn.h>
typedef void* (*event_cb)(void*, const char*, void*);
typedef int (*printf_cb)(void*, const char*, ...);
typedef void* (*decode_fn)(void*, void*, event_cb, void*, printf_cb, void*, const char*);
void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
                                  event_cb ev, void* evs, printf_cb pf, void* pfs, const char* options, int newline) {
  static decode_fn decode = 0;
  if (!decode) decode = (decode_fn) dlsym(dlopen("$lib", RTLD_NOW), "decode_instructions");
  return decode(buffer, buffer + length, ev, evs, pf, pfs, options);
}
C
gcc -shared -fPIC -O2 -o "$dir/hsdis-amd64.so" "$dir/shim.c" -ldl
cp "$dir/hsdis-amd64.so" "$jdk/lib/server/hsdis-amd64.so"
rm -rf "$dir"
echo "installed $jdk/lib/server/hsdis-amd64.so (forwarding to $lib)"
