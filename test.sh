#!/usr/bin/env bash
# Runs every test of every module (fixture parity tests skip, with a message, without ../shared).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if [ -x "$c/bin/javac" ] && "$c/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then export JAVA_HOME="$c"; break; fi
  done
fi
export PATH="$JAVA_HOME/bin:$PATH"
# Maven itself uses sun.misc.Unsafe; newer JDKs warn about it on every build.
java --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1 && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
# -Port: also the optional ONNX Runtime comparison module (ort/); Maven fetches ONNX Runtime like any dependency.
exec mvn -B -ntp -Port test "$@"
