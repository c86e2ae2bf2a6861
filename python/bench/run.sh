#!/usr/bin/env bash
# The PyTorch peer benchmark (issue 26): onecycle-spark vs PyTorch under Spark's TorchDistributor vs DL4J in one JVM,
# the same model, data, schedule and algorithm, systems interleaved round by round. One command:
#
#   python/bench/run.sh [--rounds N] [--epochs E] [--networks mlp,lenet] [--examples N] [--systems LIST] [--out DIR]
#
# defaults: 3 rounds, 3 epochs per run (the first of each run is dropped as warm-up), both networks, all 60,000
# Fashion-MNIST training images (Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist, or
# $FASHION_MNIST), systems: cli (spark-submit/onecycle train, MLP only: the CLI's network), ours (OneCycleTrainer,
# barrier path, from bench.PeerBenchmark; ours-base: the same without lib-native.sh's options), dl4j (DL4J's one-JVM fit), torch-avg (TorchDistributor, averaging 4),
# torch-ddp (TorchDistributor, DDP). The first run creates python/bench/.venv (gitignored) and installs torch and
# pyspark from PyPI into it (~3 GB with torch's CUDA wheels; once), and builds the project with Maven if needed.
# Writes $OUT/results.jsonl (one line per run, with the 1-minute load before it) and $OUT/summary.md (medians of the
# epochs after the first and ratios to the TorchDistributor averaging peer). Not part of .ci/run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=3 epochs=3 networks=mlp,lenet examples=0 systems=cli,ours,dl4j,torch-avg,torch-ddp out="$root/target/bench-peer"
while (( $# )); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --networks) networks=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$epochs" =~ ^[0-9]+$ && "$epochs" -ge 2 ]] \
  || { echo "run.sh: --rounds must be >= 1 and --epochs >= 2 (the first epoch is dropped), got $rounds, $epochs" >&2; exit 2; }
data=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
[[ -f "$data/train-images-idx3-ubyte.gz" ]] \
  || { echo "run.sh: no Fashion-MNIST in $data: apt-get install dataset-fashion-mnist or set FASHION_MNIST" >&2; exit 2; }

venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import torch, pyspark' 2>/dev/null; then
  echo "run.sh: installing torch and pyspark into $venv (once; torch's wheels are large)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi

# The project's classes, test classes (the JVM side) and runtime classpath, as spark-submit/onecycle builds them.
cd "$root"
if [[ ! -f target/test-classes/dev/onecycle/bench/PeerBenchmark.class || ! -f target/runtime-classpath_2.13.txt \
      || -n "$(find src pom.xml -newer target/onecycle-spark_2.13.jar -print -quit 2>/dev/null)" ]]; then
  echo "run.sh: building the project (mvn -P cpu,bench -DskipTests package)" >&2
  mvn -B -q -P cpu,bench -DskipTests package
fi
# shellcheck source=../../spark-submit/lib-native.sh
source "$root/spark-submit/lib-native.sh"
cp="target/test-classes:target/classes:$(cat target/runtime-classpath_2.13.txt)"
native_jar=$(onecycle_native_jar target)
[[ -n "$native_jar" ]] && cp="$cp:$native_jar"
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
jvm_native=$(onecycle_native_opts "$cp")                      # what the launcher gives an MLP job
jvm_native_conv=$(onecycle_native_opts "$cp" --network lenet 2>/dev/null) # ... and a convolutional one
# ours-base: the same without this project's native options (JavaCPP's memory check on, the generic binary): the A/B
jvm_base=$(ONECYCLE_JAVACPP_CHECK=on ONECYCLE_ND4J_BINARY=generic onecycle_native_opts "$cp" 2>/dev/null)
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
echo "run.sh: $(date -u +%FT%TZ), $(nproc) cores, rounds $rounds, epochs $epochs, networks $networks, systems $systems; JVM native options: mlp ${jvm_native:-none}; lenet ${jvm_native_conv:-none}" | tee "$out/run.log" >&2

record() { # system network json-line-or-empty load
  local line=$3
  [[ -n "$line" ]] || { echo "run.sh: $1 $2 produced no result (see $out/run.log)" >&2; return 0; }
  "$venv/bin/python" - "$1" "$4" "$line" >> "$results" <<'EOF'
import json, sys
d = json.loads(sys.argv[3]); d["key"] = sys.argv[1]; d["load1"] = float(sys.argv[2]); print(json.dumps(d))
EOF
}

run_one() { # system network
  local sys=$1 net=$2 load line
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "run.sh: $(date -u +%T) $sys $net (load $load)" >&2
  case "$sys" in
    ours|ours-base|dl4j)
      local opts=$jvm_native
      [[ $net == lenet ]] && opts=$jvm_native_conv
      [[ $sys == ours-base ]] && opts=$jvm_base
      line=$(OMP_NUM_THREADS=$([[ $sys == dl4j ]] && nproc || echo 1) SPARK_LOCAL_IP=127.0.0.1 java $opens $opts -Xmx4g \
               -Dlog4j.configurationFile="$root/conf/log4j2.properties" -cp "$cp" dev.onecycle.bench.PeerBenchmark \
               "${sys%-base}" "$net" "$epochs" "$examples" 2>>"$out/run.log" | grep '^{' | tail -1) || true
      [[ $sys == ours-base && -n "$line" ]] && line=${line/barrier averaging 4/barrier averaging 4, without the native options} ;;
    cli)
      [[ "$net" == mlp ]] || return 0
      local dir="$out/cli-run"
      rm -rf "$dir"
      local lim=()
      (( examples > 0 )) && { echo "run.sh: cli runs all the data; --examples ignored for it" >&2; }
      "$root/spark-submit/onecycle" train --master 'local[2]' --workers 2 --batch-size 32 --averaging-frequency 4 \
          --averaging barrier --tot-epochs "$epochs" --data "$data" --run-dir "$dir" >>"$out/run.log" 2>&1 || true
      line=$("$venv/bin/python" - "$dir/metrics.csv" <<'EOF'
import csv, json, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
except OSError:
    sys.exit(0)
print(json.dumps({"system": "onecycle train (CLI, barrier averaging 4)", "network": "mlp",
                  "epoch_seconds": [float(r["seconds"]) for r in rows], "final_loss": float(rows[-1]["train_loss"])}))
EOF
) ;;
    torch-avg|torch-ddp|torch-single)
      line=$("$venv/bin/python" "$here/peer.py" --mode "${sys#torch-}" --network "$net" --epochs "$epochs" \
               --examples "$examples" --data "$data" 2>>"$out/run.log" | grep '^{' | tail -1) || true ;;
    *) echo "run.sh: unknown system '$sys'" >&2; exit 2 ;;
  esac
  record "$sys" "$net" "${line:-}" "$load"
}

IFS=, read -r -a nets <<< "$networks"
IFS=, read -r -a syss <<< "$systems"
for ((r = 1; r <= rounds; r++)); do
  for net in "${nets[@]}"; do
    for sys in "${syss[@]}"; do run_one "$sys" "$net"; done
  done
done
"$venv/bin/python" "$here/summary.py" "$results" | tee "$out/summary.md"
