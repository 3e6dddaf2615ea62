#!/usr/bin/env bash
# Kill test on a real kernel module: `localwq apply` and `localwq patches`
# on one module of a shared clone of a Debian tree, stopped by SIGKILL or
# SIGINT at moments spread over a whole run. Each time what is left must
# be the old state or the complete new one; after SIGKILL, apply may leave
# its journal, and the next apply must then complete the switch.
#   usage: tests/real/kill.sh TREE SCRATCH [MODULE] [RUNS]
# TREE is only read (cloned with --shared); SCRATCH is deleted first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tree=$1 scratch=$2 module=${3:-drivers/iio/light/tsl2563.c} runs=${4:-16}
localwq=$repo/target/release/localwq
from="localwq CI <ci@localwq.invalid>"
failures=0
RANDOM=12 # the same moments every time

rm -rf "$scratch"
mkdir -p "$scratch"
git clone -q --shared "$tree" "$scratch/linux"
cd "$scratch/linux"
base=$(git rev-parse HEAD)
start_branch=$(git symbolic-ref --short HEAD)

bad() {
	echo "kill test: $*" >&2
	failures=$((failures + 1))
}

# Commands, not shell functions: the signal must reach localwq itself.
apply=("$localwq" apply . "$module" --from "$from" --date 1795431845)
patches=("$localwq" patches . "$module" -o "$scratch/out" --force --from "$from" --date)

# old, new or journal; anything else is printed and counted as a failure.
state() {
	if [ -e .git/localwq-apply ]; then echo journal; return; fi
	local lock
	for lock in index.lock HEAD.lock refs/heads/localwq.lock; do
		[ ! -e ".git/$lock" ] || { echo "left .git/$lock"; return; }
	done
	local dirty
	dirty=$(git status --porcelain --untracked-files=all | head -n 3)
	[ -z "$dirty" ] || { echo "dirty: $dirty"; return; }
	local head id
	head=$(git symbolic-ref -q HEAD || echo detached)
	id=$(git rev-parse HEAD)
	if [ "$head" = "refs/heads/$start_branch" ] && [ "$id" = "$base" ] &&
		! git show-ref -q --verify refs/heads/localwq; then
		echo old
	elif [ "$head" = refs/heads/localwq ] && [ "$id" = "$tip" ]; then
		echo new
	else
		echo "HEAD $head at $id"
	fi
}

reset() {
	git checkout -q -f "$start_branch"
	git branch -q -D localwq 2>/dev/null || true
}

# A moment in a run of $1 ms: half of them anywhere up to 1.5 times its
# length, half near its end, where the new state is made visible.
moment() {
	if ((i % 4 < 2)); then
		echo $((RANDOM % ($1 * 3 / 2 + 1)))
	else
		echo $(($1 * 4 / 5 + RANDOM % ($1 * 3 / 10 + 1)))
	fi
}

# Milliseconds since the epoch.
now() { date +%s%3N; }

# Runs "$@" in the background, sends $signal after $delay ms, waits; a
# localwq that was still running after that would be a failure.
interrupt() {
	local signal=$1 delay=$2
	shift 2
	"$@" > /dev/null 2>&1 &
	local pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill "-$signal" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	! pgrep -f "^$localwq " > /dev/null || bad "localwq still runs after SIG$signal"
}

# The whole run, once, for its length and the new commit.
t0=$(now)
"${apply[@]}" > /dev/null
whole=$(($(now) - t0))
tip=$(git rev-parse HEAD)
reset
[ "$(state)" = old ] || bad "reset did not restore the old state"
declare -A seen=()
for ((i = 0; i < runs; i++)); do
	signal=KILL
	((i % 2)) && signal=INT
	delay=$(moment "$whole")
	interrupt "$signal" "$delay" "${apply[@]}"
	found=$(state)
	seen["apply $signal $found"]=$((${seen["apply $signal $found"]:-0} + 1))
	case "$signal $found" in
	"KILL journal")
		"${apply[@]}" | grep -q "finished an apply that was interrupted" ||
			bad "the apply after a kill did not finish the interrupted one"
		[ "$(state)" = new ] || bad "after finishing: $(state)"
		;;
	*" old" | *" new") ;;
	*) bad "apply, SIG$signal after $delay ms: $found" ;;
	esac
	reset
done

# patches --force over an older series: the old one or the new one, whole.
"${patches[@]}" 1 > /dev/null
cp -a "$scratch/out" "$scratch/old"
t0=$(now)
"${patches[@]}" 2 > /dev/null
whole=$(($(now) - t0))
cp -a "$scratch/out" "$scratch/new"
for ((i = 0; i < runs; i++)); do
	signal=KILL
	((i % 2)) && signal=INT
	rm -rf "$scratch/out" "$scratch"/.localwq-*
	cp -a "$scratch/old" "$scratch/out"
	delay=$(moment "$whole")
	interrupt "$signal" "$delay" "${patches[@]}" 2
	if diff -rq "$scratch/out" "$scratch/old" > /dev/null; then
		found=old
	elif diff -rq "$scratch/out" "$scratch/new" > /dev/null; then
		found=new
	else
		found=neither
		bad "patches, SIG$signal after $delay ms: neither the old series nor the new one"
	fi
	if [ "$signal" = INT ] && compgen -G "$scratch/.localwq-*" > /dev/null; then
		bad "patches, SIGINT after $delay ms: a temporary directory was left"
	fi
	seen["patches $signal $found"]=$((${seen["patches $signal $found"]:-0} + 1))
done

for key in "${!seen[@]}"; do echo "  $key: ${seen[$key]}"; done | sort
echo "kill test: $runs interruptions each of apply (${module}) and patches, $failures failures"
cd /
rm -rf "$scratch"
[ "$failures" -eq 0 ]
