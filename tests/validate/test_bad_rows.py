"""A measured row napkin cannot rerun is one clear error naming the file and the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from napkin.cli import app

HEADER = "id,gpu,model,tp,precision,input_tokens,output_tokens,concurrency,request_rate,"
HEADER += "metric,value,engine\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,H100-SXM,llama-3.1-8b,1,bf16,100,100,8,,ttft_s,0.1,lmdeploy", "column engine"),
        ("1,H100-SXM,llama-3.1-8b,1,bf16,100,100,8,2,ttft_s,0.1,", "line 2: give concurrency"),
        ("7,H100-SXM,llama-3.1-70b,1,bf16,100,100,8,,ttft_s,0.1,", "row 7: llama-3.1-70b"),
        ("9,H100-SXM,llama-3.1-8b,1,bf16,1000000,100,8,,ttft_s,0.1,", "less than one request"),
    ],
)
def test_a_row_that_cannot_be_rerun_is_one_clear_error(tmp_path: Path, row: str, message: str):
    path = tmp_path / "runs.csv"
    path.write_text(HEADER + row + "\n")
    for mode in ("--simulate", "--closed-form"):
        done = CliRunner().invoke(app, ["validate", str(path), mode])
        assert done.exit_code == 2, done.output
        assert message in done.output and str(path) in done.output
        assert "Traceback" not in done.output
