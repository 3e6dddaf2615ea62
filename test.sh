#!/usr/bin/env bash
# The project's whole test: style, lints, the fixture tests (with the
# kill tests), the fuzz budget, then the real-kernel suite over the Debian
# trees (tests/real/suite.sh).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
# The fuzz budget: mutated kernel C through the whole pipeline, a fixed
# sequence of inputs (tests/fuzz.rs), about a minute.
cargo test --release --test fuzz -- --ignored --exact fuzz_budget --nocapture
if [ "${LOCALWQ_SKIP_REAL:-0}" != 1 ]; then
	tests/real/suite.sh
fi
