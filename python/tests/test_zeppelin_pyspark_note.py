"""notebooks/04-pyspark-pipeline.zpln's %pyspark paragraphs run as Zeppelin's %pyspark runs them: in order, in one
Python namespace holding the interpreter's `spark` and `sc` (Zeppelin's PySparkInterpreter injects both), on few rows.
Not Zeppelin itself (no Zeppelin server in the tests): what differs is the paragraph transport and `z` (unused)."""

import contextlib
import io
import json
from pathlib import Path

NOTE = Path(__file__).resolve().parents[2] / "notebooks" / "04-pyspark-pipeline.zpln"


def pyspark_paragraphs():
    note = json.loads(NOTE.read_text())
    return [(p["title"], p["text"].split("\n", 1)[1]) for p in note["paragraphs"]
            if p["text"].startswith("%pyspark")]


def test_the_pyspark_note_has_the_training_paragraphs():
    titles = [t for t, _ in pyspark_paragraphs()]
    assert titles[0] == "Setup" and any("Fit a Pipeline" in t for t in titles), titles


def test_the_pyspark_note_runs_top_to_bottom(spark):
    namespace = {"spark": spark, "sc": spark.sparkContext, "ROWS": 240}
    out = io.StringIO()
    for title, code in pyspark_paragraphs():
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{NOTE.name}: {title}", "exec"), namespace)
    text = out.getvalue()
    assert "test accuracy" in text and "loaded back: same predictions" in text, text
    assert "epoch 3/3: train loss" in text, text
