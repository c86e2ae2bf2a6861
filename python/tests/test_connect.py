"""Spark Connect: pyspark 4 runs the estimator through Connect ML (fit, transform, input errors as
OneCycleInputError) and refuses what needs the driver JVM (find_lr, summary, save/load) naming classic mode;
pyspark 3.5 (no Connect ML) refuses the classes on a Connect session."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyspark


def run_child(args, env, timeout=400):
    """Runs a Python child in its own process group; stops the group (its JVMs too) by its PID afterwards."""
    child = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    try:
        out, _ = child.communicate(timeout=timeout)
        return out
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait(timeout=60)


def test_the_classes_on_a_spark_connect_session():
    if int(pyspark.__version__.split(".")[0]) >= 4:
        out = run_child([str(Path(__file__).parent / "connect_child.py")], dict(os.environ))
        lines = {l.split(" ", 1)[0]: l for l in out.splitlines() if l.split(" ", 1)[0].isupper()}
        assert "pyspark.sql.connect" in lines.get("SESSION", ""), out
        assert lines.get("COLUMNS") == "COLUMNS features,label,prediction,probability,rawPrediction", out
        assert lines.get("PREDICTIONS") == "PREDICTIONS 100", out
        assert lines.get("INPUT_ERROR", "").startswith("INPUT_ERROR labelCol 'label': no such column"), out
        refused = [l for l in out.splitlines() if l.startswith("REFUSED ")]
        assert [l.split()[1] for l in refused] == ["find_lr", "summary", "save"], out
        assert all("classic" in l for l in refused), out
    else:
        code = ("import onecycle_spark\n"
                "try:\n    onecycle_spark.OneCycleClassifier()\n"
                "except onecycle_spark.ClassicModeRequiredError as e:\n    print('REFUSED', e)\n")
        env = dict(os.environ, SPARK_CONNECT_MODE_ENABLED="1", SPARK_REMOTE="sc://localhost:15002")
        out = run_child(["-c", code], env, timeout=120)
        assert "REFUSED" in out and "classic" in out and "sc://" in out and "pyspark 3.5" in out, out
