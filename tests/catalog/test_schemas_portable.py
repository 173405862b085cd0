"""The shipped schemas outside Python: Ajv (strict mode) compiles them, and Ajv, jsonschema and jsonschema-rs
give the same verdict on the examples and a battery of near-valid payloads, with formats checked or not."""

from __future__ import annotations

import copy
import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator

import pytest_jobhooks as jh
from pytest_jobhooks._json import parse_rfc3339
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors.schema import BUILTIN

NAMES = [VENDORS[module.replace("_", "-")].name for module in BUILTIN]

# Node: compile each schema in strict mode twice (formats checked with ajv-formats, and formats as
# annotations), then judge every case with both.
SCRIPT = r"""
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;
const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = {compile: {}, formats: [], annotation: []};
const compiled = {};
for (const [name, schema] of Object.entries(job.schemas)) {
  try {
    const checked = new Ajv2020({strict: true, allErrors: true});
    addFormats(checked);
    const loose = new Ajv2020({strict: true, allErrors: true, validateFormats: false});
    compiled[name] = [checked.compile(schema), loose.compile(schema)];
    out.compile[name] = null;
  } catch (e) { out.compile[name] = String(e.message); }
}
for (const [name, instance] of job.cases) {
  const pair = compiled[name];
  out.formats.push(pair ? pair[0](instance) : null);
  out.annotation.push(pair ? pair[1](instance) : null);
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="session")
def ajv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ajv and ajv-formats installed by npm, once per run (xdist workers share it)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run Ajv (not found on PATH)")
    root = tmp_path_factory.getbasetemp().parent / "jobhooks-ajv"
    root.mkdir(exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker installs, the others wait for it
        if not (root / "node_modules" / "ajv-formats").is_dir():
            (root / "package.json").write_text('{"name": "jobhooks-ajv-check", "private": true}')
            try:
                done = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--silent", "ajv@8", "ajv-formats@3"],
                    cwd=root,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            except subprocess.TimeoutExpired:
                pytest.skip("npm install ajv ajv-formats took over 300 s (no registry reachable?)")
            if done.returncode != 0:
                pytest.skip(f"npm install ajv ajv-formats failed (no registry reachable?): {done.stderr[-300:]}")
    (root / "check.js").write_text(SCRIPT)
    return root


def run_ajv(root: Path, schemas: dict[str, Any], cases: list[tuple[str, Any]]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(root / "check.js")],
        input=json.dumps({"schemas": schemas, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


TIMES = [
    "yesterday",
    "2025-12-02",
    "2025-12-02T14:46:04",
    "2025-12-02 14:46:04Z",
    "2025-12-02T14:46:04.518z",
    "2016-12-31T23:59:60Z",  # a leap second: valid RFC 3339
    "2016-12-31T18:59:60-05:00",  # the same leap second, elsewhere
    "2016-12-31T12:30:60Z",  # a leap second at the wrong time
    "0000-01-01T00:00:00Z",  # year 0000: valid RFC 3339
    "2025-13-02T14:46:04Z",
    "2025-02-30T14:46:04Z",
    "2025-12-02T24:00:00Z",
    "2025-12-02T14:46:04+25:00",
    "2025-12-02T14:46:04.Z",
]


def _time_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        try:
            parse_rfc3339(value)
        except ValueError:
            return
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _time_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _time_paths(item, (*path, index))


def _set(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(payload)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DROP = object()

# Near-valid values that are not times: the CloudEvents attribute rules and Telmai's two id spellings.
OTHERS: dict[str, list[tuple[tuple[Any, ...], Any]]] = {
    "tamr": [
        (("specversion",), "0.3"),
        (("id",), _DROP),
        (("id",), ""),
        (("source",), ""),
        (("source",), "not a uri"),
        (("source",), "%zz"),
        (("source",), "urn:tamr:jobs"),
        (("type",), ""),
        (("subject",), ""),
        (("dataschema",), "schemas/tamr.json"),
        (("dataschema",), "https://example.com/tamr.json"),
        (("datacontenttype",), ""),
        (("Tenant-ID",), "acme"),
        (("tenantid",), "acme"),
        (("averyveryverylongname",), "x"),
        (("data", "jobId"), ""),
    ],
    "telmai": [
        (("jobId",), _DROP),
        (("job_id",), "job-1"),
        (("jobId",), None),
    ],
}


def battery() -> list[tuple[str, Any]]:
    cases: list[tuple[str, Any]] = []
    for name in NAMES:
        for example in VENDORS[name].examples.values():
            cases.append((name, example))
            for path in list(_time_paths(example))[:2]:
                cases.extend((name, _set(example, path, text)) for text in TIMES)
        envelope = next((e for e in VENDORS[name].examples.values() if "specversion" in e), None)
        base = envelope if envelope is not None else next(iter(VENDORS[name].examples.values()))
        cases.extend((name, _set(base, path, value)) for path, value in OTHERS.get(name, []))
    cases.append(("telmai", _set(_set(cases[0][1], ("jobId",), _DROP), ("job_id",), "job-1")))
    return cases


def test_every_shipped_schema_compiles_in_ajv_strict_mode(ajv: Path) -> None:
    schemas = {name: json.loads(jh.schema_path(name).read_text()) for name in NAMES}
    assert run_ajv(ajv, schemas, [])["compile"] == dict.fromkeys(NAMES)


def test_ajv_jsonschema_and_jsonschema_rs_agree_on_the_battery(ajv: Path) -> None:
    schemas = {name: json.loads(jh.schema_path(name).read_text()) for name in NAMES}
    cases = battery()
    verdicts = run_ajv(ajv, schemas, cases)
    disagreements = []
    for index, (name, instance) in enumerate(cases):
        schema = schemas[name]
        formats = {
            "ajv": verdicts["formats"][index],
            "jsonschema": VENDORS[name].validator.is_valid(instance),  # what pytest-jobhooks judges with
            "jsonschema-rs": jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(instance),
        }
        annotation = {
            "ajv": verdicts["annotation"][index],
            "jsonschema": Draft202012Validator(schema).is_valid(instance),  # the 2020-12 default: no format checks
            "jsonschema-rs": jsonschema_rs.validator_for(schema, validate_formats=False).is_valid(instance),
        }
        for mode, seen in (("formats", formats), ("annotation", annotation)):
            if len(set(seen.values())) != 1:
                disagreements.append((name, mode, seen, instance))
    assert disagreements == []
    assert len(cases) > 100


def test_dates_are_checked_even_where_format_is_an_annotation() -> None:
    example = VENDORS["tamr"].examples["DONE.cloudevent-stopped"]
    schema = json.loads(jh.schema_path("tamr").read_text())
    loose = Draft202012Validator(schema)  # no format checker: format is an annotation
    rs = jsonschema_rs.validator_for(schema, validate_formats=False)
    for path in _time_paths(example):
        assert not loose.is_valid(_set(example, path, "yesterday"))
        assert not rs.is_valid(_set(example, path, "yesterday"))
    for text in ("2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z"):  # valid RFC 3339 everywhere, ours too
        assert jh.catalog.read(_set(example, ("time",), text)).valid
        assert jh.catalog.read(_set(example, ("data", "status", "stateStartTime"), text)).valid
