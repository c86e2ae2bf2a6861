#!/usr/bin/env bash
# examples/connect/run.sh — a real local Spark Connect server (Spark 4.0.1's spark-connect_2.13 from Maven
# Central, started by the real SparkSubmit with --class org.apache.spark.sql.connect.service.SparkConnectServer)
# with onecycle-spark on its classpath, and a PySpark Connect client (onecycle_connect.py) that fits
# OneCycleClassifier through Connect ML. Stops the server it started (by PID) on exit.
#
#   mvn -DskipTests package                                   # once
#   python3 -m venv .venv-connect && .venv-connect/bin/pip install "pyspark-client==4.0.1"   # once (git-ignored)
#   examples/connect/run.sh [PORT]                            # default 15002
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${1:-15002}
work="$root/target/connect"; mkdir -p "$work"
jar="$root/target/onecycle-spark_2.13.jar"
python=${PYTHON:-$root/.venv-connect/bin/python}
[[ -f "$jar" ]] || { echo "run.sh: build first: mvn -DskipTests package" >&2; exit 2; }
[[ -x "$python" ]] || { echo "run.sh: no Connect client: python3 -m venv .venv-connect && .venv-connect/bin/pip install 'pyspark-client==4.0.1'" >&2; exit 2; }
mvn -B -q -Dstyle.color=never -f "$here/spark-connect.pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/connect-jars.txt" >&2
cp="$jar:$(cat "$root/target/runtime-classpath_2.13.txt"):$(cat "$work/connect-jars.txt")"
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# Spark 4.0.1's Connect server refuses clients without its bearer token ("UNAUTHENTICATED: No authentication token
# provided"); server and client read it from SPARK_CONNECT_AUTHENTICATE_TOKEN (a fresh one per run).
SPARK_CONNECT_AUTHENTICATE_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export SPARK_CONNECT_AUTHENTICATE_TOKEN
# shellcheck disable=SC2086
java $opens -Dlog4j.configurationFile="$root/conf/log4j2.properties" -Xmx2g -cp "$cp" \
  org.apache.spark.deploy.SparkSubmit --master 'local[2]' --conf spark.connect.grpc.binding.port="$port" \
  --class org.apache.spark.sql.connect.service.SparkConnectServer spark-internal > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "run.sh: the server exited (see $work/server.log)" >&2; tail -20 "$work/server.log" >&2; exit 1; }
  sleep 1
done
echo "run.sh: Spark Connect server (pid $server) on port $port; log $work/server.log" >&2
"$python" "$here/onecycle_connect.py" "sc://localhost:$port"
