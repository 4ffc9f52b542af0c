#!/usr/bin/env bash
# The release build that ships: tradectl with the Swift runtime and Foundation linked
# statically, as scripts/package.sh puts it in the .deb. One definition, so the benchmarks
# that measure "what ships" (bench/monitor.sh) build exactly what the package contains.
#
#   scripts/build-release.sh [swift build options...]   e.g. --scratch-path .build-static
#                                                        or --show-bin-path
#
# -z now: lintian hardening-no-bindnow (relro is the default; fortify does not apply to Swift).
# SwiftPM adds -Xlinker --gc-sections to release links on Linux by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib -Xlinker -z -Xlinker now --product tradectl "$@"
