#!/usr/bin/env bash
# SIGINT at random moments during train-vae: N trials, each a fresh run folder. For every trial prints
# the delay, the exit status, the step the checkpoint was written at, the last step logged before the
# signal (pass --set vae.train.logEvery=1 to log every step), and whether the JVM left a crash log. Usage:
#   scripts/faults/sigint_trials.sh DATA_SPEC N [MAX_DELAY_SECONDS] [extra train-vae options...]
set -uo pipefail
# Background jobs of a script start with SIGINT ignored (POSIX), and a signal ignored on entry stays
# ignored for every child: each trial resets it to the default before starting ldm4j.
reset_sigint=(python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])')
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$1"; n="$2"; max_delay="${3:-40}"; shift 3 || shift $#
work="$(mktemp -d)"
printf 'trial\tdelay_s\texit\tcheckpoint_step\tlast_logged_step\tcrash_log\n'
for i in $(seq 1 "$n"); do
  run="$work/run-$i"
  log="$work/log-$i.txt"
  delay=$(( (RANDOM % (max_delay * 10)) + 10 ))            # tenths of a second, at least 1 s
  (cd "$work" && exec "${reset_sigint[@]}" "$ROOT/bin/ldm4j" train-vae --data "$data" --run "$run" "$@" >"$log" 2>&1) &
  pid=$!
  sleep "$(printf '%d.%d' $((delay / 10)) $((delay % 10)))"
  java_pid=$(pgrep -P "$pid" java || echo "$pid")
  shown=$(grep '"event":"train"' "$run/metrics.jsonl" 2>/dev/null | tail -1 | grep -o '"step":[0-9]*' | tr -dc '0-9')
  kill -INT "$java_pid" 2>/dev/null
  wait "$pid"; status=$?
  ck=$(ls "$run/checkpoints/vae/" 2>/dev/null | grep -o 'step-[0-9]*' | sort | tail -1 | tr -dc '0-9' | sed 's/^0*//')
  crash=$(ls "$work"/hs_err* 2>/dev/null | wc -l)
  printf '%d\t%d.%d\t%d\t%s\t%s\t%d\n' "$i" $((delay / 10)) $((delay % 10)) "$status" "${ck:-none}" "${shown:-none}" "$crash"
  rm -rf "$run"
done
rm -rf "$work"
