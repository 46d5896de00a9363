#!/usr/bin/python3
"""Every library scenario validates against scenarios/schema.json, and the schema catches
a sample of mistakes (so the schema an editor uses is not vacuous)."""
import copy
import glob
import json
import sys

import jsonschema

root = sys.argv[1]
schema = json.load(open(f"{root}/scenarios/schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
files = sorted(f for f in glob.glob(f"{root}/scenarios/*/*.json") if not f.endswith(".expected.json"))
assert len(files) >= 10, files
failed = 0
for f in files:
    doc = json.load(open(f))
    for e in validator.iter_errors(doc):
        print(f"{f}: {e.json_path}: {e.message}")
        failed += 1
    # Mistakes the schema must catch.
    for mutate in (lambda d: d.update(zzz=1), lambda d: d.update(run_ms=-5),
                   lambda d: d.pop("protocol"),
                   lambda d: d.setdefault("faults", []).append({"kind": "crash", "at_ms": 1})):
        bad = copy.deepcopy(doc)
        mutate(bad)
        if validator.is_valid(bad):
            print(f"{f}: the schema accepted a broken copy")
            failed += 1
print(f"{len(files)} scenario files checked against the schema")
sys.exit(1 if failed else 0)
