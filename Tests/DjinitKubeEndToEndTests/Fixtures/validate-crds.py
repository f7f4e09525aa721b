"""Validates custom resources against their CustomResourceDefinitions' openAPIV3Schema.

usage: validate-crds.py CRD_FOLDER FILE...

Every object in the files whose kind is not built into Kubernetes (those kubernetes-validate checks)
is validated against the schema of its group, version and kind, read from the CRDs in CRD_FOLDER as
their projects publish them. Strictly: a field the schema does not declare is an error (the API
server would prune it silently), unless the schema preserves unknown fields. A custom kind with no
CRD to check against is an error too. (CEL rules, x-kubernetes-validations, are not evaluated.)
Prints one line per object; exits 1 if any failed.
"""
import glob
import os
import sys

import jsonschema
import yaml

BUILT_IN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io",
                   "kustomize.config.k8s.io"}


def strict(schema):
    """The schema as JSON Schema: int-or-string, nullable, and no undeclared fields."""
    if not isinstance(schema, dict):
        return schema
    schema = {key: value for key, value in schema.items() if not key.startswith("x-kubernetes-validations")}
    if schema.pop("x-kubernetes-int-or-string", False):
        schema.pop("type", None)
        schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.pop("nullable", False) and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    preserve = schema.pop("x-kubernetes-preserve-unknown-fields", False)
    for key in ("properties", "patternProperties"):
        if key in schema:
            schema[key] = {name: strict(value) for name, value in schema[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            schema[key] = [strict(value) for value in schema[key]]
    if "properties" in schema and "additionalProperties" not in schema and not preserve:
        schema["additionalProperties"] = False
    return schema


def load_schemas(folder):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
        for crd in yaml.safe_load_all(open(path)):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                schema = version.get("schema", {}).get("openAPIV3Schema")
                if schema:
                    schemas[(f"{group}/{version['name']}", kind)] = strict(schema)
    return schemas


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    schemas = load_schemas(sys.argv[1])
    if not schemas:
        sys.exit(f"no CRDs found in {sys.argv[1]}")
    failed = 0
    for path in sys.argv[2:]:
        for document in yaml.safe_load_all(open(path)):
            if not document:
                continue
            api_version, kind = document.get("apiVersion", ""), document.get("kind", "")
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            if group in BUILT_IN_GROUPS:
                continue
            name = f"{kind}/{document.get('metadata', {}).get('name')} ({api_version}) in {os.path.basename(path)}"
            schema = schemas.get((api_version, kind))
            if schema is None:
                print(f"FAIL {name}: no CRD in {sys.argv[1]} to check it against")
                failed += 1
                continue
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
            if errors:
                failed += 1
                for error in errors[:5]:
                    print(f"FAIL {name}: {'.'.join(str(p) for p in error.path) or '(root)'}: {error.message[:300]}")
            else:
                print(f"ok {name}")
    sys.exit(1 if failed else 0)


main()
