#!/usr/bin/env bash
# examples/new-user/run.sh — onecycle-spark tried as a new Spark 4 user would: the real
# org.apache.spark.deploy.SparkSubmit of the Spark 4 jars (a stand-in for $SPARK_HOME/jars, resolved from Maven
# Central by spark-jars.pom.xml) with the project's jar and its non-Spark dependencies given by --jars, running
# NewUserPipeline (OneCycleClassifier in a Pipeline: fit, evaluate, save, load).
#
#   mvn -DskipTests package            # once: target/onecycle-spark_2.13.jar + target/runtime-classpath_2.13.txt
#   examples/new-user/run.sh [SPARK_VERSION]   # default 4.0.1 (the version the jar is built on); e.g. 4.2.0
#
# The --jars list is the project's runtime classpath less every artifact (group:artifact) the Spark jars already
# have: what a user with a Spark distribution passes (Spark's copies win, as they do in spark-shell --jars).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
spark_version=${1:-4.0.1}
work="$root/target/new-user-$spark_version"
mkdir -p "$work/classes"
jar="$root/target/onecycle-spark_2.13.jar"
[[ -f "$jar" && -f "$root/target/runtime-classpath_2.13.txt" ]] || { echo "run.sh: build first: mvn -DskipTests package" >&2; exit 2; }

# 1. "SPARK_HOME/jars": Spark's modules and their dependencies, nothing of this project.
mvn -B -q -Dstyle.color=never -f "$here/spark-jars.pom.xml" -Dspark.version="$spark_version" dependency:build-classpath \
  -Dmdep.outputFile="$work/spark-jars.txt" >&2
spark_cp=$(cat "$work/spark-jars.txt")

# 2. --jars: the project jar + its runtime dependencies that Spark does not have (compared by group:artifact).
m2=$(cd ~/.m2/repository && pwd)
ga() { local p=${1#"$m2"/}; p=$(dirname "$(dirname "$p")"); echo "$p"; }   # .../group/path/artifact
declare -A spark_ga=()
IFS=: read -r -a sj <<<"$spark_cp"
for j in "${sj[@]}"; do spark_ga[$(ga "$j")]=1; done
user_jars="$jar"
IFS=: read -r -a pj <<<"$(cat "$root/target/runtime-classpath_2.13.txt")"
for j in "${pj[@]}"; do [[ -n "${spark_ga[$(ga "$j")]:-}" ]] || user_jars="$user_jars,$j"; done
echo "run.sh: Spark $spark_version: ${#sj[@]} Spark jars; --jars: $(tr ',' '\n' <<<"$user_jars" | wc -l) jars (the project's + its non-Spark dependencies)" >&2

# 3. The user's code, compiled against Spark + the project jar, in its own jar.
javac -nowarn -d "$work/classes" -cp "$spark_cp:$jar" "$here/NewUserPipeline.java"
(cd "$work/classes" && jar cf "$work/new-user.jar" .)

# 4. The real SparkSubmit, as $SPARK_HOME/bin/spark-submit runs it (Spark's Java 17 flags, Spark jars only on the
#    classpath), the application's jars by --jars.
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# shellcheck disable=SC2086
exec java $opens -Dlog4j.configurationFile="$root/conf/log4j2.properties" -Xmx2g -cp "$spark_cp" \
  org.apache.spark.deploy.SparkSubmit --master 'local[2]' --class NewUserPipeline --jars "$user_jars" "$work/new-user.jar" "$work/pipeline-model"
