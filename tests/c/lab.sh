#!/bin/sh
# tests/c/lab.sh start|stop|run DIR [command...]
#
# Runs the loopback TLS lab (tests/lab) for the C tests, benchmark and
# example. CTest starts it once as a fixture; make runs it around the demo
# and the benchmark.
#
#   start DIR   build the lab command, start it in the background with its
#               certificates in DIR/certs, wait until DIR/lab.json exists
#   stop DIR    stop it
#   run DIR cmd start, run cmd with SS_LAB_JSON and SSL_CERT_FILE set, stop
#   ports DIR name...  print the ports of the named scenarios of a running lab
#
# The lab also exits on its own after $LAB_TTL seconds (default 3600): it
# reads a pipe that a sleep holds open, so an interrupted run cannot leave it
# behind for long. Clients trust it through SSL_CERT_FILE=DIR/certs/ca.pem,
# which must be in the environment before the library is loaded.
set -eu

cmd=${1:?usage: lab.sh start|stop|run DIR [command...]}
dir=${2:?usage: lab.sh start|stop|run DIR [command...]}
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
GO=${GO:-go}

stop() {
	if [ -f "$dir/lab.pid" ]; then
		# The pid is the pipeline's process group (setsid below);
		# env runs the kill command, since the shell builtin of dash
		# cannot signal a group.
		env kill -s TERM -- "-$(cat "$dir/lab.pid")" 2>/dev/null || true
		rm -f "$dir/lab.pid"
	fi
	# The lab removes its JSON on a clean exit; never leave a stale one.
	rm -f "$dir/lab.json"
}

start() {
	stop
	mkdir -p "$dir/certs"
	dir=$(cd "$dir" && pwd)
	# -trimpath like capi/build.sh, so both share the compiled standard library.
	(cd "$root" && "$GO" build -trimpath -o "$dir/lab" ./tests/lab/cmd/lab)
	# A session of its own (setsid), so stop can kill the whole pipeline -
	# the sleep and the lab - by its process group.
	setsid sh -c 'sleep "$1" | "$2" -json "$3/lab.json" -dir "$3/certs" -stdin >"$3/lab.log" 2>&1' \
		sh "${LAB_TTL:-3600}" "$dir/lab" "$dir" </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/lab.pid"
	i=0
	while [ ! -f "$dir/lab.json" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "lab.sh: the lab did not start; $dir/lab.log says:" >&2
			cat "$dir/lab.log" >&2
			stop
			exit 1
		fi
		sleep 0.1
	done
}

case $cmd in
start) start ;;
stop) stop ;;
run)
	start
	trap stop EXIT INT TERM
	dir=$(cd "$dir" && pwd)
	SS_LAB_JSON="$dir/lab.json" SSL_CERT_FILE="$dir/certs/ca.pem" "$@"
	;;
ports)
	for name in "$@"; do
		port=$(sed -n "s/.*\"ports\":{[^}]*\"$name\":\([0-9]*\).*/\1/p" "$dir/lab.json")
		[ -n "$port" ] || { echo "lab.sh: no scenario $name" >&2; exit 1; }
		printf '%s ' "$port"
	done
	echo
	;;
*)
	echo "lab.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
