"""A fine-tune base given as its `config.json` (issue #16): read whole, planned like a
catalog model, and named in errors when the file is bad."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.specs.loader import BUILTIN_DIR, load_design

FIXTURES = Path(__file__).parent.parent / "fixtures" / "hf_configs"


def _design(tmp_path: Path, model: object) -> Path:
    data = yaml.safe_load((BUILTIN_DIR / "finetune-service.yaml").read_text())
    data["finetune"]["bases"][0]["model"] = model
    path = tmp_path / "ft.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_base_from_its_config_plans_like_the_catalog_entry(tmp_path):
    """The Llama-3.1-8B config.json and the catalog's llama-3.1-8b give the same sheet."""
    shutil.copy(FIXTURES / "llama-3.1-8b.json", tmp_path / "config.json")
    from_config = plan(load_design(_design(tmp_path, {"hf_config": "config.json"})))
    from_catalog = plan(load_design(_design(tmp_path, "llama-3.1-8b")))
    for key in ("params_7b", "gpus_per_job_7b", "gpu_hours_per_job_7b"):
        assert from_config.figures[key].value == pytest.approx(
            from_catalog.figures[key].value, rel=1e-6
        ), key


def test_a_missing_config_is_named(tmp_path):
    with pytest.raises(NapkinError) as error:
        load_design(_design(tmp_path, {"hf_config": "nowhere.json"}))
    assert "nowhere.json" in str(error.value)
