# Sourced by the launchers in spark-submit/: which Spark line (and so which build of this project) to use.
#
#   Spark 4   (Scala 2.13, the default):   target/onecycle-spark_2.13.jar            mvn -DskipTests package
#   Spark 3.5 (Scala 2.12):                target/spark-3.5/onecycle-spark_2.12.jar  mvn -P spark-3.5 -DskipTests package
#
# With SPARK_HOME set, the line is that Spark's (read from the name of its jars/spark-core_<scala>-<version>.jar);
# otherwise ONECYCLE_SPARK_LINE (4 or 3.5; default 4: the embedded Spark 4 of the project's classpath).
# Sets: line, line_scala, line_build_dir, line_build_cmd, jar, classpath_file, spark_home_version, spark_home_scala.
# Needs: root (the project folder) and die().

spark_home_version=""; spark_home_scala=""
if [[ -n "${SPARK_HOME:-}" ]]; then
  core=$(ls "$SPARK_HOME"/jars/spark-core_2.1[0-9]-*.jar 2>/dev/null | head -n 1 || true)
  if [[ -n "$core" ]]; then
    core=$(basename "$core" .jar)              # spark-core_2.13-4.0.1
    spark_home_scala=${core#spark-core_}; spark_home_scala=${spark_home_scala%%-*}
    spark_home_version=${core#spark-core_"$spark_home_scala"-}
  fi
fi

line_for() { # a Spark version -> the project's line for it (4, 3.5) or nothing
  case "$1" in
    4.*) echo 4 ;;
    3.5.*) echo 3.5 ;;
    *) echo "" ;;
  esac
}

if [[ -n "$spark_home_version" ]]; then
  line=$(line_for "$spark_home_version")
  [[ -n "$line" ]] || die "SPARK_HOME=$SPARK_HOME has Spark $spark_home_version (Scala $spark_home_scala): onecycle-spark runs on Spark 4.x (Scala 2.13) and Spark 3.5.x (Scala 2.12); set SPARK_HOME to one of those, or unset it to use the embedded Spark 4"
else
  line="${ONECYCLE_SPARK_LINE:-4}"
fi
case "$line" in
  4) line_scala=2.13; line_build_dir="$root/target"; line_build_cmd="mvn -DskipTests package"; line_profile=() ;;
  3.5) line_scala=2.12; line_build_dir="$root/target/spark-3.5"; line_build_cmd="mvn -P spark-3.5 -DskipTests package"; line_profile=(-P spark-3.5) ;;
  *) die "ONECYCLE_SPARK_LINE: expected 4 or 3.5, got '$line'" ;;
esac
if [[ -n "$spark_home_scala" && "$spark_home_scala" != "$line_scala" ]]; then
  die "SPARK_HOME=$SPARK_HOME has Spark $spark_home_version for Scala $spark_home_scala, but onecycle-spark's Spark $line line is built for Scala $line_scala only: use a Spark $line distribution for Scala $line_scala, or unset SPARK_HOME to use the embedded Spark 4"
fi
jar="$line_build_dir/onecycle-spark_$line_scala.jar"
classpath_file="$line_build_dir/runtime-classpath_$line_scala.txt"

# jar_line JAR -> "SPARK_VERSION SCALA_BINARY" from the jar's manifest (empty if it has none)
jar_line() {
  local mf
  mf=$(unzip -p "$1" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' || true)
  local v s
  v=$(sed -n 's/^Spark-Version: *//p' <<<"$mf")
  s=$(sed -n 's/^Scala-Binary-Version: *//p' <<<"$mf")
  [[ -n "$v" && -n "$s" ]] && echo "$v $s"
  return 0
}

# check_jar_line JAR: refuses (one line, exit 2) a jar built for another Spark line than the one in use
check_jar_line() {
  [[ -f "$1" ]] || return 0
  local built
  built=$(jar_line "$1")
  [[ -n "$built" ]] || return 0
  local bv=${built% *} bs=${built#* }
  local want="Spark $line (Scala $line_scala)"
  [[ -n "$spark_home_version" ]] && want="Spark $spark_home_version (Scala $spark_home_scala) in SPARK_HOME=$SPARK_HOME"
  if [[ "$bs" != "$line_scala" || "$(line_for "$bv")" != "$line" ]]; then
    die "$1 is built for Spark $bv (Scala $bs) but the Spark in use is $want: build the matching jar with '$line_build_cmd' ($jar)"
  fi
}
