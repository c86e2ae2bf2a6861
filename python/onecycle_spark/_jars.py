"""Finding the project jar and the jars it needs, for the running pyspark's Spark line.

The Maven build writes ``onecycle-spark*.jar`` (the project's classes) and ``runtime-classpath*.txt`` (every jar
it runs with, in the local Maven repository).  A plain pyspark already has Spark, Scala and Hadoop and their own
dependencies; it lacks DL4J/ND4J (with ND4J's native libraries for linux-x86_64), picocli, xchart...
:func:`jar_path` gives the project jar plus the runtime classpath less what this pyspark ships itself (every
``org.apache.spark``, ``org.scala-lang`` and ``org.apache.hadoop`` artifact, and each jar whose file name, so
artifact and version, is in pyspark's ``jars/``: the build takes Spark's versions of Spark's own dependencies),
as one comma-separated string that ``spark.jars``, ``--jars`` and a ``spark-defaults.conf`` take.  Spark serves
those jars to the executors itself.  (Same-named jars of other versions, e.g. ND4J's shaded ``org.nd4j:guava``,
are kept: Spark's class loader asks pyspark's jars first, so they only add what those lack.)
"""

import os
import re
import zipfile
from pathlib import Path

ENV_HOME = "ONECYCLE_SPARK_HOME"
"""A repository (or build folder) holding the Maven build's jars: overrides where the package looks."""

PROVIDED_GROUPS = ("org/apache/spark/", "org/scala-lang/", "org/apache/hadoop/")


class JarNotFoundError(RuntimeError):
    """No built project jar could be found, or none for this pyspark's Spark line."""


class SparkLineMismatchError(RuntimeError):
    """The project jar was built for another Spark line (Scala binary version) than the running pyspark's."""


def pyspark_line(version=None):
    """``(spark_line, scala_binary)`` of a pyspark version: 4.x -> ("4", "2.13"), 3.5.x -> ("3.5", "2.12")."""
    if version is None:
        import pyspark

        version = pyspark.__version__
    parts = version.split(".")
    major = int(parts[0])
    if major >= 4:
        return "4", "2.13"
    if major == 3:
        return "3." + parts[1], "2.12"
    raise SparkLineMismatchError(f"pyspark {version} is not supported: onecycle-spark needs pyspark 3.5.x or 4.x")


def manifest(jar):
    """The main attributes of a jar's META-INF/MANIFEST.MF as a dict."""
    with zipfile.ZipFile(jar) as z:
        try:
            text = z.read("META-INF/MANIFEST.MF").decode("utf-8")
        except KeyError:
            return {}
    attrs, last = {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line:
            if attrs:
                break  # end of the main section
            continue
        if line.startswith(" ") and last:
            attrs[last] += line[1:]
            continue
        if ":" in line:
            last, value = line.split(":", 1)
            attrs[last] = value.strip()
    return attrs


def _classpath_entries(classpath_file):
    text = Path(classpath_file).read_text(encoding="utf-8").strip()
    return [e for e in text.split(os.pathsep) if e]


def _scala_of_classpath(entries):
    for e in entries:
        m = re.search(r"scala-library-(\d+\.\d+)\.\d+\.jar$", e)
        if m:
            return m.group(1)
    return None


def _spark_of_classpath(entries):
    for e in entries:
        m = re.search(r"spark-core_\d+\.\d+-(\d+\.\d+\.\d+[^/]*)\.jar$", e)
        if m:
            return m.group(1)
    return None


class Build:
    """One built line: the project jar, its runtime classpath file, its Spark version and Scala binary version."""

    def __init__(self, jar, classpath_file):
        self.jar = Path(jar)
        self.classpath_file = Path(classpath_file) if classpath_file else None
        attrs = manifest(self.jar)
        entries = _classpath_entries(self.classpath_file) if self.classpath_file else []
        self.scala_binary = attrs.get("Scala-Binary-Version")
        if not self.scala_binary:
            m = re.search(r"_(2\.1\d)\.jar$", self.jar.name)
            self.scala_binary = m.group(1) if m else _scala_of_classpath(entries)
        self.spark_version = attrs.get("Spark-Version") or _spark_of_classpath(entries)
        self.entries = entries

    @property
    def spark_line(self):
        if not self.spark_version:
            return None
        major, minor = self.spark_version.split(".")[:2]
        return major if int(major) >= 4 else f"{major}.{minor}"

    def describe(self):
        return f"{self.jar} (Spark {self.spark_version or '?'}, Scala {self.scala_binary or '?'})"


def _candidate_roots():
    env = os.environ.get(ENV_HOME)
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    roots = [here / "_jars"]  # what `pip install ./python` carried from the build
    if (here.parent.parent / "pom.xml").is_file():
        roots.append(here.parent.parent)  # a source checkout (or `pip install -e ./python`)
    return roots


def _builds_under(root):
    root = Path(root)
    places = [root, root / "target"]
    jars = []
    for place in places:
        if not place.is_dir():
            continue
        jars += sorted(place.glob("onecycle-spark*.jar")) + sorted(place.glob("*/onecycle-spark*.jar"))
    builds = []
    for jar in dict.fromkeys(jars):
        if jar.name.endswith(("-sources.jar", "-javadoc.jar", "-tests.jar")):
            continue
        builds.append(Build(jar, _classpath_for(jar)))
    # a jar whose manifest names its line before one without (an older build's), then the newest
    builds.sort(key=lambda b: (b.spark_version is not None and "Spark-Version" in manifest(b.jar),
                               b.jar.stat().st_mtime), reverse=True)
    return builds


def _classpath_for(jar):
    files = sorted(jar.parent.glob("runtime-classpath*.txt"))
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    m = re.search(r"_(2\.1\d)\.jar$", jar.name)
    scala = manifest(jar).get("Scala-Binary-Version") or (m.group(1) if m else None)
    for f in files:
        if scala and _scala_of_classpath(_classpath_entries(f)) == scala:
            return f
    return files[0]


def find_build(pyspark_version=None):
    """The build matching the running pyspark's line; refuses a build of another line with one exception."""
    line, scala = pyspark_line(pyspark_version)
    roots = _candidate_roots()
    seen = []
    for root in roots:
        builds = _builds_under(root)
        seen += builds
        for b in builds:
            if b.scala_binary == scala and (b.spark_line is None or b.spark_line == line):
                if b.classpath_file is None:
                    raise JarNotFoundError(
                        f"{b.jar} has no runtime-classpath*.txt beside it: rebuild with `mvn -DskipTests package`")
                return b
    import pyspark

    if seen:
        raise SparkLineMismatchError(
            f"pyspark {pyspark.__version__} needs a Spark {line} / Scala {scala} build of onecycle-spark, found only "
            + "; ".join(b.describe() for b in seen)
            + f": build that line with Maven (the Spark {line} profile) or use a pyspark matching the jar")
    raise JarNotFoundError(
        "no onecycle-spark jar found (looked in " + ", ".join(str(r) for r in roots) + "): build it with "
        f"`mvn -DskipTests package` in the repository, or set {ENV_HOME} to the repository holding target/")


def pyspark_jars_dir():
    import pyspark

    return Path(pyspark.__file__).resolve().parent / "jars"


def jar_list(pyspark_version=None):
    """The jars a plain pyspark needs for onecycle-spark: the project jar first, then its dependencies."""
    build = find_build(pyspark_version)
    shipped = {f.name for f in pyspark_jars_dir().glob("*.jar")}
    out = [str(build.jar)]
    missing = []
    for e in build.entries:
        norm = e.replace(os.sep, "/")
        if any("/" + g in norm for g in PROVIDED_GROUPS):
            continue
        if Path(e).name in shipped:
            continue
        if not Path(e).is_file():
            missing.append(e)
            continue
        out.append(str(Path(e)))
    if missing:
        raise JarNotFoundError(
            f"{len(missing)} jar(s) of {build.classpath_file} are gone (first: {missing[0]}): rebuild with "
            "`mvn -DskipTests package` to fetch them again")
    return out


def jar_path(pyspark_version=None):
    """The onecycle-spark jars for this pyspark as one comma-separated string, for ``spark.jars`` / ``--jars``."""
    return ",".join(jar_list(pyspark_version))
