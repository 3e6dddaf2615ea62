#!/usr/bin/env bash
# The project's whole test: style, lints, the fixture tests, then the
# real-kernel suite over the Debian trees (tests/real/suite.sh).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
if [ "${LOCALWQ_SKIP_REAL:-0}" != 1 ]; then
	tests/real/suite.sh
fi
