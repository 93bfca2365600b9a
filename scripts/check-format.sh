#!/usr/bin/env bash
# Lints the project's Swift sources against the committed .swift-format.
# Usage: scripts/check-format.sh [--strict]   (--strict: exit non-zero on any finding)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
[ "${1:-}" = "--strict" ] && mode=(--strict)
swift format lint "${mode[@]}" --recursive --parallel Sources Tests Package.swift
