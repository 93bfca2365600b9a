#!/usr/bin/env bash
# Lints the project's Swift sources against the committed .swift-format (the generated
# ResponseStreamEvent.swift, SpecSchemas.swift and SpecRequestMembers.swift are left as their generators write them).
# Usage: scripts/check-format.sh [--strict]   (--strict: exit non-zero on any finding)
#        scripts/check-format.sh --fix        (rewrite the files in place)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find Sources Tests -name '*.swift' ! -name 'ResponseStreamEvent.swift' ! -name 'SpecSchemas.swift' ! -name 'SpecRequestMembers.swift' | sort)
files+=(Package.swift)
case "${1:-}" in
  --fix) swift format format --in-place --parallel "${files[@]}" ;;
  --strict) swift format lint --strict --parallel "${files[@]}" ;;
  *) swift format lint --parallel "${files[@]}" ;;
esac
