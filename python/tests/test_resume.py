"""A Python driver killed (SIGKILL, with its JVM) during a fit with checkpointDir; a fit with resume=True
continues from its newest checkpoint and ends bitwise where an uninterrupted fit ends."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import params_sha
from data import frame
from onecycle_spark import OneCycleClassifier, OneCycleInputError

TOT_EPOCHS = 12
ROWS = 400


def estimator():
    """400 rows over 2 workers in batches of 10: 20 steps, 20 averaging rounds per epoch (the kill comes after
    epoch 1's checkpoint, well before the 12th epoch ends even on an idle machine)."""
    return OneCycleClassifier(hidden=8, batchSize=10, workers=2, averagingFrequency=1, totEpochs=TOT_EPOCHS,
                              lrMax=0.05)


def test_a_fit_resumed_after_its_python_driver_was_killed_ends_bitwise_where_an_uninterrupted_fit_ends(
        spark, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    log = open(tmp_path / "child.log", "w")
    child = subprocess.Popen([sys.executable, str(Path(__file__).parent / "resume_child.py"), str(checkpoints)],
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 240
        while not (checkpoints / "epoch-0001" / "MANIFEST.json").exists():
            assert child.poll() is None, "the child ended before its first checkpoint:\n" + \
                (tmp_path / "child.log").read_text()
            assert time.time() < deadline, "no checkpoint in time:\n" + (tmp_path / "child.log").read_text()
            time.sleep(0.1)
    finally:
        # the driver and the JVM it started: its own process group, led by its PID
        alive_at_kill = child.poll() is None
        try:
            os.killpg(child.pid, signal.SIGKILL)  # its JVM too (same group), even when the driver itself ended
        except ProcessLookupError:
            pass
        child.wait(timeout=60)
        # until the JVM (a grandchild, reaped by init) is gone too: its checkpoint lock names its PID
        gone_by = time.time() + 60
        while time.time() < gone_by:
            try:
                os.killpg(child.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        log.close()
    out = (tmp_path / "child.log").read_text()
    assert alive_at_kill, "the driver was still fitting when killed:\n" + out
    assert "started" in out and "fitted" not in out, "killed before the fit ended:\n" + out
    assert not (checkpoints / f"epoch-{TOT_EPOCHS:04d}").exists()

    data = frame(spark, 0, ROWS, pixels_every=4)
    # without resume, a folder holding checkpoints is refused, naming the Param
    with pytest.raises(OneCycleInputError, match="checkpointDir.*already holds checkpoints"):
        estimator().setCheckpointDir(str(checkpoints)).fit(data)

    resumed = estimator().setCheckpointDir(str(checkpoints)).setResume(True).fit(data)
    epochs = list(resumed.summary.epochs["epoch"])
    assert epochs[0] >= 1 and epochs[-1] == TOT_EPOCHS - 1, epochs
    uninterrupted = estimator().fit(data)
    assert params_sha(resumed) == params_sha(uninterrupted), "bitwise identical parameters"
