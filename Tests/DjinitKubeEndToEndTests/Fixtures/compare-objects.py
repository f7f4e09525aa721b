"""Compares Kubernetes objects rendered two ways, object for object.

Reads JSON from standard input: a list of cases, each {"name": ..., "expected": YAML stream,
"actual": YAML stream}. Objects are matched by kind, namespace and name, and compared whole (as
PyYAML, a YAML 1.1 reader, reads them). Prints one line per difference (at most a few per case)
and exits 1 if there is any.
"""
import json
import sys

import yaml


def objects(stream):
    found = {}
    for document in yaml.safe_load_all(stream):
        if document is None:
            continue
        key = (document.get("kind"), document.get("metadata", {}).get("namespace"), document.get("metadata", {}).get("name"))
        found[key] = document
    return found


def differences(path, expected, actual, out, limit=6):
    if len(out) >= limit:
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}.{key}: missing")
            elif key not in expected:
                out.append(f"{path}.{key}: extra {json.dumps(actual[key])[:200]}")
            else:
                differences(f"{path}.{key}", expected[key], actual[key], out, limit)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (a, b) in enumerate(zip(expected, actual)):
            differences(f"{path}[{index}]", a, b, out, limit)
    elif expected != actual or type(expected) is not type(actual):
        out.append(f"{path}: expected {json.dumps(expected)[:300]}, got {json.dumps(actual)[:300]}")


def main():
    failed = False
    for case in json.load(sys.stdin):
        expected, actual = objects(case["expected"]), objects(case["actual"])
        out = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                out.append(f"{key}: missing")
            elif key not in expected:
                out.append(f"{key}: extra")
            else:
                differences(f"{key[0]}/{key[2]}", expected[key], actual[key], out)
        if out:
            failed = True
            print(f"case {case['name']}:")
            for line in out[:8]:
                print("  " + line)
    sys.exit(1 if failed else 0)


main()
