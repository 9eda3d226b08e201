"""Promises the repository keeps: migrations and the OpenAPI file are current, data is clean."""

import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_migrations_are_current():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_openapi_file_is_current():
    from congso.core.management.commands.export_openapi import openapi_text

    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), "run `make openapi` and commit docs/openapi.json"


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


@pytest.mark.parametrize("name", ["geo/units.json", "geo/agencies.json", "catalog/procedures.json"])
def test_data_files_are_nfc(name):
    doc = json.loads((ROOT / "data" / name).read_text(encoding="utf-8"))
    bad = [s for s in _strings(doc) if not unicodedata.is_normalized("NFC", s)]
    assert not bad


def test_the_curated_catalog_has_at_least_100_procedures_with_honest_marks():
    doc = json.loads((ROOT / "data" / "catalog" / "procedures.json").read_text(encoding="utf-8"))
    procedures = doc["procedures"]
    assert len(procedures) >= 100
    levels = {p["level"] for p in procedures}
    assert levels == {"province", "commune"}
    for p in procedures:
        if p["national_code"] is None or any(f["amount"] is None for f in p["fees"]):
            assert not p["confirmed"], p["name"]


def test_translation_catalogs_are_compiled():
    for lang in ("vi", "en"):
        po = ROOT / "congso" / "locale" / lang / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        assert po.exists() and mo.exists()


def test_english_catalog_translates_every_template_string():
    po = (ROOT / "congso" / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and "msgstr[" not in e and e.strip().endswith('msgstr ""')]
    assert not untranslated, untranslated[:3]


def test_code_is_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
