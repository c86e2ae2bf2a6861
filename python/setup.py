"""Carries the Maven build's project jar(s) and runtime classpath file(s) into the package (onecycle_spark/_jars),
so that `pip install ./python` after `mvn package` finds them wherever it is installed.  Without a build the
package installs without them and looks in ONECYCLE_SPARK_HOME (see onecycle_spark._jars)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class CarryJars(build_py):
    def run(self):
        super().run()
        target = HERE.parent / "target"
        out = Path(self.build_lib) / "onecycle_spark" / "_jars"
        jars = sorted(target.glob("onecycle-spark*.jar")) + sorted(target.glob("*/onecycle-spark*.jar"))
        for jar in jars:
            cps = sorted(jar.parent.glob("runtime-classpath*.txt"))
            if not cps:
                continue
            # each build's jar and classpath files in their own folder, as the build has them
            sub = out / (jar.parent.name if jar.parent != target else "target")
            sub.mkdir(parents=True, exist_ok=True)
            shutil.copy2(jar, sub / jar.name)
            for cp in cps:
                shutil.copy2(cp, sub / cp.name)


setup(cmdclass={"build_py": CarryJars})
