"""Lists what each djinit container of a rendered stream starts with, as JSON.

usage: app-containers.py < STREAM

A djinit container is one whose environment comes from a ConfigMap (envFrom): the app's, not
PgBouncer's. For each: where it is, its args, its environment as the kubelet assembles it (the
ConfigMaps' data, then env entries, a secret reference standing for a placeholder), and the names of
the files of the volume mounted at DJINIT_SECRETS_DIR (a secret's item paths, or a SealedSecret's
keys), which djinit reads into its environment.
"""
import json
import sys

import yaml


def pod_spec(document):
    spec = document.get("spec", {})
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec.get("template", {}).get("spec")


def main():
    documents = [d for d in yaml.safe_load_all(sys.stdin) if d]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in documents if d["kind"] == "ConfigMap"}
    sealed = {d["metadata"]["name"]: sorted(d["spec"]["encryptedData"]) for d in documents if d["kind"] == "SealedSecret"}
    containers = []
    for document in documents:
        if document["kind"] not in ("Deployment", "Job", "CronJob"):
            continue
        pod = pod_spec(document)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod.get("initContainers", []) + pod["containers"]:
            if not container.get("envFrom"):
                continue
            environment = {}
            for source in container["envFrom"]:
                environment.update(config_maps[source["configMapRef"]["name"]])
            for entry in container.get("env", []):
                environment[entry["name"]] = entry.get("value", "from-a-secret")
            files = []
            directory = environment.get("DJINIT_SECRETS_DIR")
            for mount in container.get("volumeMounts", []):
                if mount["mountPath"] != directory:
                    continue
                for source in volumes[mount["name"]]["projected"]["sources"]:
                    secret = source["secret"]
                    if "items" in secret:
                        files += [item["path"] for item in secret["items"]]
                    else:
                        files += sealed.get(secret["name"], [])
            containers.append({
                "where": f"{document['kind']}/{document['metadata']['name']}/{container['name']}",
                "args": container.get("command", []) + container.get("args", []),
                "environment": environment,
                "secretFiles": sorted(files),
            })
    json.dump(containers, sys.stdout)


main()
