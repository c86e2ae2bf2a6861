"""jar_path(): the project jar and what a plain pyspark lacks; a jar of another Spark line is refused."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pyspark
import pytest

import onecycle_spark
from onecycle_spark import JarNotFoundError, SparkLineMismatchError, _jars


def test_jar_path_is_the_project_jar_and_its_non_spark_dependencies():
    jars = onecycle_spark.jar_path().split(",")
    assert Path(jars[0]).name.startswith("onecycle-spark") and Path(jars[0]).is_file()
    names = [Path(j).name for j in jars]
    assert any(n.startswith("nd4j-native") and "linux-x86_64" in n for n in names), names
    assert any(n.startswith("deeplearning4j-nn") for n in names), names
    assert not any(n.startswith(("spark-core", "scala-library", "hadoop-client")) for n in names), names
    shipped = set(os.listdir(_jars.pyspark_jars_dir()))
    assert not shipped & set(names), "nothing pyspark ships itself"
    assert all(Path(j).is_file() for j in jars)


def test_the_build_found_is_of_this_pysparks_line():
    line, scala = _jars.pyspark_line()
    build = onecycle_spark.find_build()
    assert build.scala_binary == scala
    assert build.spark_line in (None, line)


@pytest.mark.parametrize("version,line", [("3.5.9", ("3.5", "2.12")), ("4.0.1", ("4", "2.13")),
                                          ("4.1.0", ("4", "2.13"))])
def test_pyspark_lines(version, line):
    assert _jars.pyspark_line(version) == line


def _fake_build(root, name, scala, spark_version):
    target = root / "target"
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target / name, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\r\nSpark-Version: {spark_version}\r\n"
                                           f"Scala-Binary-Version: {scala}\r\n\r\n")
    (target / "runtime-classpath.txt").write_text(f"/m2/org/scala-lang/scala-library/{scala}.0/"
                                                  f"scala-library-{scala}.0.jar")


def test_a_jar_of_the_other_spark_line_is_refused_with_one_exception(tmp_path, monkeypatch):
    other_scala, other_spark = ("2.12", "3.5.9") if pyspark.__version__.startswith("4") else ("2.13", "4.0.1")
    _fake_build(tmp_path, f"onecycle-spark_{other_scala}.jar", other_scala, other_spark)
    monkeypatch.setenv(_jars.ENV_HOME, str(tmp_path))
    with pytest.raises(SparkLineMismatchError) as e:
        onecycle_spark.jar_path()
    assert f"pyspark {pyspark.__version__}" in str(e.value) and f"Scala {other_scala}" in str(e.value)
    with pytest.raises(SparkLineMismatchError):
        onecycle_spark.session(master="local[1]")


def test_no_build_is_refused_saying_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv(_jars.ENV_HOME, str(tmp_path))
    with pytest.raises(JarNotFoundError, match="mvn -DskipTests package"):
        onecycle_spark.jar_path()


def test_the_manifest_names_the_line_when_the_build_writes_it(tmp_path):
    _fake_build(tmp_path, "onecycle-spark_2.13.jar", "2.13", "4.0.1")
    b = _jars.Build(tmp_path / "target/onecycle-spark_2.13.jar", tmp_path / "target/runtime-classpath.txt")
    assert (b.scala_binary, b.spark_version, b.spark_line) == ("2.13", "4.0.1", "4")
