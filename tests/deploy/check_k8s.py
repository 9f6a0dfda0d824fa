#!/usr/bin/python3
"""Check the Kubernetes manifests offline (no cluster needed):

    check_k8s.py K8S_FOLDER COMPOSE_FILE

- every file is well-formed YAML, every object has apiVersion, kind and
  metadata.name and the fields its kind needs, and kustomization.yaml
  lists every file;
- every reference resolves: a StatefulSet's Service, ConfigMaps, Secrets
  (in the manifests, or made by the operator with a `kubectl create secret`
  line that k8s/README.md shows), volumes, a Service's or NetworkPolicy's
  pods and ports, the Ingress's Service and port, a PDB's pods;
- every pod is locked down (non-root, read-only root, no capabilities,
  requests and limits) and its probes run `baosong status SERVICE` for
  the program the container runs;
- every container mounts the CurveZMQ keys read-only where the ConfigMap's
  BAOSONG_KEYS_DIR says, as one projected volume of exactly two Secrets the
  README makes after `baosong init`: the public certificates (`--from-file`
  of the folder's *.cert) and its own program's secret key alone
  (`--from-file=.../NAME.cert_secret`), so no pod can read another's
  secret key; its probes present that certificate (BAOSONG_CERTIFICATE);
  no key is in the manifests;
- the manifests agree with docker/compose.yaml: the same services, image,
  commands, ports, environment (compose's defaults) and data folder.
Prints each problem and exits 1 if there is one.
"""
import os
import re
import sys

import yaml

problems = []


def problem(text):
    problems.append(text)


def need(obj, path, where):
    value = obj
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            problem(f"{where}: no {path}")
            return None
        value = value[key]
    return value


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def load(folder):
    objects = []
    files = sorted(f for f in os.listdir(folder) if f.endswith(".yaml"))
    for name in files:
        with open(os.path.join(folder, name)) as stream:
            try:
                documents = [d for d in yaml.safe_load_all(stream) if d is not None]
            except yaml.YAMLError as error:
                problem(f"{name}: not YAML: {error}")
                continue
        for document in documents:
            where = f"{name}: {document.get('kind')}/{document.get('metadata', {}).get('name')}"
            fields = ("apiVersion", "kind")
            if document.get("kind") != "Kustomization":
                fields += ("metadata.name",)
            for field in fields:
                need(document, field, where)
            objects.append((name, where, document))
    return files, objects


REQUIRED = {
    "StatefulSet": ["spec.serviceName", "spec.selector.matchLabels", "spec.template.metadata.labels",
                    "spec.template.spec.containers", "spec.volumeClaimTemplates"],
    "Service": ["spec.selector", "spec.ports"],
    "ConfigMap": ["data"],
    "Ingress": ["spec.rules", "spec.tls"],
    "PodDisruptionBudget": ["spec.selector.matchLabels"],
    "NetworkPolicy": ["spec.podSelector", "spec.policyTypes"],
    "Kustomization": ["resources"],
}
API = {"StatefulSet": "apps/v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1",
       "Ingress": "networking.k8s.io/v1", "PodDisruptionBudget": "policy/v1",
       "NetworkPolicy": "networking.k8s.io/v1",
       "Kustomization": "kustomize.config.k8s.io/v1beta1"}


class Secrets(set):
    """The names of every Secret; which one holds the public certificates
    (certs_name) and which one each holder's secret key (own: holder ->
    Secret)."""
    certs_name = None
    own = {}


def operator_secrets(folder):
    """Secrets the operator makes, as k8s/README.md shows them."""
    try:
        text = open(os.path.join(folder, "README.md")).read()
    except OSError:
        return set()
    return set(re.findall(r"kubectl(?: -n \S+)? create secret (?:generic|tls) ([a-z0-9-]+)", text))


def keys_secrets(folder):
    """The Secrets of the keys, as k8s/README.md makes them from the folder
    `baosong init` fills: (the public certificates' Secret, {holder: the
    Secret of its secret key alone})."""
    try:
        text = open(os.path.join(folder, "README.md")).read()
    except OSError:
        return None, {}
    if "baosong init" not in text:
        return None, {}
    create = r"kubectl(?: -n \S+)? create secret generic ([a-z0-9-]+)[ \\\n]+"
    certs = re.findall(create + r"\$\(for f in \S+/\*\.cert;", text)
    own = {holder: secret for secret, holder in
           re.findall(create + r"--from-file=\S+/([a-z0-9._-]+)\.cert_secret\s*$", text, re.M)}
    return (certs[0] if certs else None), own


def secret_sources(volume):
    """The Secrets a volume shows: its secret, or its projected sources."""
    if "secret" in volume:
        return [volume["secret"].get("secretName")]
    return [source["secret"].get("name") for source in volume.get("projected", {}).get("sources", [])
            if "secret" in source]


def check_keys(cw, container, volumes, keys_dir, service, secrets):
    """The container mounts, read-only at keys_dir, the public certificates
    and its own secret key only, and its probes present that certificate."""
    mounts = [m for m in container.get("volumeMounts", []) if m.get("mountPath") == keys_dir]
    if not mounts:
        problem(f"{cw}: mounts nothing at {keys_dir} (BAOSONG_KEYS_DIR): no CurveZMQ keys")
        return
    mount = mounts[0]
    if mount.get("readOnly") is not True:
        problem(f"{cw}: mounts the keys at {keys_dir} writable, not readOnly")
    shown = secret_sources(volumes.get(mount["name"], {}))
    wanted = [secrets.certs_name, secrets.own.get(service)]
    if None in wanted or sorted(shown) != sorted(wanted):
        problem(f"{cw}: the keys at {keys_dir} are the Secrets {shown}, not the public "
                f"certificates and {service}'s secret key alone ({wanted}, k8s/README.md)")
    for other in container.get("volumeMounts", []):
        leaked = set(secret_sources(volumes.get(other["name"], {}))) & (
            set(secrets.own.values()) - {secrets.own.get(service)})
        if leaked:
            problem(f"{cw}: mounts another program's secret key {sorted(leaked)}")
    presented = {e["name"]: e.get("value") for e in container.get("env", [])}.get("BAOSONG_CERTIFICATE")
    if presented != service:
        problem(f"{cw}: its probes present the certificate {presented!r}, not {service!r}, "
                "the one secret key it has (BAOSONG_CERTIFICATE)")


def check_pod(where, sts, by_kind, secrets):
    spec = sts["spec"]["template"]["spec"]
    volume_specs = {v["name"]: v for v in spec.get("volumes", [])}
    volumes = set(volume_specs)
    volumes |= {c["metadata"]["name"] for c in sts["spec"].get("volumeClaimTemplates", [])}
    config = next(iter(by_kind["ConfigMap"].values()), {}).get("data", {})
    keys_dir = config.get("BAOSONG_KEYS_DIR")
    if not keys_dir:
        problem(f"{where}: the ConfigMap names no BAOSONG_KEYS_DIR: no CurveZMQ keys")
    for volume in spec.get("volumes", []):
        if any(name not in secrets for name in secret_sources(volume)):
            problem(f"{where}: volume {volume['name']} names an unknown Secret")
        if "configMap" in volume and volume["configMap"].get("name") not in by_kind["ConfigMap"]:
            problem(f"{where}: volume {volume['name']} names an unknown ConfigMap")
    pod_security = spec.get("securityContext", {})
    if pod_security.get("fsGroup") != 10001:
        problem(f"{where}: no fsGroup 10001 (the volume must be the image user's)")
    for container in spec["containers"]:
        cw = f"{where} container {container.get('name')}"
        for field in ("name", "image", "command", "ports", "resources.requests.cpu",
                      "resources.requests.memory", "resources.limits.cpu",
                      "resources.limits.memory", "livenessProbe", "readinessProbe"):
            need(container, field, cw)
        security = container.get("securityContext", {})
        if not (security.get("runAsNonRoot") and security.get("readOnlyRootFilesystem")
                and security.get("allowPrivilegeEscalation") is False
                and security.get("capabilities", {}).get("drop") == ["ALL"]):
            problem(f"{cw}: not locked down (runAsNonRoot, readOnlyRootFilesystem, "
                    "no privilege escalation, capabilities drop ALL)")
        program = (container.get("command") or [""])[0]
        service = program[len("baosong-"):] if program.startswith("baosong-") else None
        if service is None:
            problem(f"{cw}: runs {program}, not a baosong-SERVICE program")
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = container.get(kind)
            if probe is None:
                continue
            command = probe.get("exec", {}).get("command")
            if command != ["baosong", "status", service]:
                problem(f"{cw}: {kind} runs {command}, not baosong status {service}")
        for source in container.get("envFrom", []):
            if "configMapRef" in source and source["configMapRef"]["name"] not in by_kind["ConfigMap"]:
                problem(f"{cw}: envFrom names an unknown ConfigMap")
            if "secretRef" in source and source["secretRef"]["name"] not in secrets:
                problem(f"{cw}: envFrom names an unknown Secret")
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {})
            if "secretKeyRef" in reference and reference["secretKeyRef"]["name"] not in secrets:
                problem(f"{cw}: {variable['name']} names an unknown Secret")
            if "configMapKeyRef" in reference:
                ref = reference["configMapKeyRef"]
                if ref["key"] not in by_kind["ConfigMap"].get(ref["name"], {}).get("data", {}):
                    problem(f"{cw}: {variable['name']} names an unknown ConfigMap key")
        for mount in container.get("volumeMounts", []):
            if mount["name"] not in volumes:
                problem(f"{cw}: mounts an unknown volume {mount['name']}")
        if keys_dir and service:
            check_keys(cw, container, volume_specs, keys_dir, service, secrets)


def pod_ports(sts):
    ports = {}
    for container in sts["spec"]["template"]["spec"]["containers"]:
        for port in container.get("ports", []):
            ports[port.get("name")] = port["containerPort"]
            ports[port["containerPort"]] = port["containerPort"]
    return ports


def compose_default(value):
    """${VAR:-default} as compose reads it with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def check_compose(compose_file, by_kind):
    compose = yaml.safe_load(open(compose_file))
    shared = {k: compose_default(v) for k, v in compose["x-baosong-environment"].items()}
    # The one-shot service that makes the keys (`baosong init`) and gives
    # each program its own (docker/keys-split): no pod in a cluster, where
    # the operator makes them (the Secrets).
    makers = {n for n, s in compose["services"].items()
              if s.get("entrypoint") == ["baosong-keys-split"]}
    if len(makers) != 1:
        problem(f"compose: {len(makers)} services run baosong-keys-split, not one")
    # The optional profiles are not baosong's programs: "cli" is the admin's
    # shell, "metrics" Debian's Prometheus beside the gateway (in a cluster
    # the operator's own monitoring scrapes the gateway's /metrics), "tls"
    # Debian's nginx in front of it (in a cluster the Ingress ends TLS).
    optional = {"cli", "metrics", "tls"}
    services = {n: s for n, s in compose["services"].items()
                if not optional & set(s.get("profiles", [])) and n not in makers}
    keys_dir = shared.get("BAOSONG_KEYS_DIR")
    keys_volume = None
    for maker in makers:
        written = [v for v in compose["services"][maker].get("volumes", [])
                   if isinstance(v, str) and v.split(":")[1:2] == [keys_dir]
                   and not v.endswith(":ro")]
        keys_volume = written[0].split(":")[0] if written else None
        if not written:
            problem(f"compose: {maker} does not write a volume at {keys_dir} (BAOSONG_KEYS_DIR)")
    made = {v.split(":")[1]: v.split(":")[0] for m in makers
            for v in compose["services"][m].get("volumes", []) if isinstance(v, str)}
    own_volumes = {made.get(f"/etc/baosong/keys-for/{name}") for name in services}
    for name, service in services.items():
        own = made.get(f"/etc/baosong/keys-for/{name}")
        if own is None:
            problem(f"compose: the keys service makes no folder of {name}'s own "
                    f"(a volume at /etc/baosong/keys-for/{name})")
        if f"{own}:{keys_dir}:ro" not in service.get("volumes", []):
            problem(f"compose {name}: does not mount the volume {own} read-only at {keys_dir}")
        mounted = {v.split(":")[0] for v in service.get("volumes", []) if isinstance(v, str)}
        others = mounted & ((own_volumes | {keys_volume}) - {own})
        if others:
            problem(f"compose {name}: mounts keys not its own: {sorted(others)}")
        waits = service.get("depends_on", {})
        if not (isinstance(waits, dict) and
                all(waits.get(m, {}).get("condition") == "service_completed_successfully" for m in makers)):
            problem(f"compose {name}: does not wait for the keys (depends_on ... service_completed_successfully)")
    config = next(iter(by_kind["ConfigMap"].values()), {}).get("data", {})
    if shared != config:
        problem(f"compose's x-baosong-environment and the ConfigMap differ: "
                f"{sorted(set(shared.items()) ^ set(config.items()))}")
    if set(services) != set(by_kind["StatefulSet"]):
        problem(f"compose services {sorted(services)} but StatefulSets {sorted(by_kind['StatefulSet'])}")
    # Deliberate differences: in a cluster the gateway is behind the Ingress's TLS.
    differ = {("gateway", "BAOSONG_GATEWAY_BEHIND_TLS")}
    for name, service in services.items():
        sts = by_kind["StatefulSet"].get(name)
        if not sts:
            continue
        where = f"compose/k8s {name}"
        container = sts["spec"]["template"]["spec"]["containers"][0]
        if compose_default(service["image"]) != container["image"]:
            problem(f"{where}: image {compose_default(service['image'])} vs {container['image']}")
        if service["command"] != container["command"]:
            problem(f"{where}: command {service['command']} vs {container['command']}")
        own = {k: compose_default(v) for k, v in service["environment"].items() if k not in shared
               or shared[k] != compose_default(v)}
        env = {e["name"]: e.get("value") for e in container.get("env", []) if "value" in e}
        for key in set(own) | set(env):
            if (name, key) in differ:
                continue
            if own.get(key) != env.get(key):
                problem(f"{where}: {key} is {own.get(key)!r} in compose, {env.get(key)!r} in k8s")
        bound = {int(v.rsplit(":", 1)[1]) for k, v in own.items()
                 if k.endswith("_BIND") or k in ("BAOSONG_GATEWAY_HTTP", "BAOSONG_MAIL_LMTP")}
        ports = {p["containerPort"] for p in container.get("ports", [])}
        if bound != ports:
            problem(f"{where}: compose binds {sorted(bound)}, the pod declares {sorted(ports)}")
        published = {int(str(p).rsplit(":", 1)[1]) for p in service.get("ports", [])}
        if not published <= ports:
            problem(f"{where}: compose publishes {sorted(published)}, not all pod ports")
        if not any(v.endswith(":/var/lib/baosong") for v in service.get("volumes", []) if isinstance(v, str)):
            problem(f"{where}: compose mounts no volume at /var/lib/baosong")
        if not any(m["mountPath"] == "/var/lib/baosong" and m["name"] == "data"
                   for m in container.get("volumeMounts", [])):
            problem(f"{where}: the pod mounts no claim at /var/lib/baosong")
        test = service.get("healthcheck", {}).get("test", [])
        if test[1:] != container["livenessProbe"]["exec"]["command"]:
            problem(f"{where}: healthcheck {test} vs probe {container['livenessProbe']['exec']['command']}")
        if str(service.get("user", "")).split(":")[0] != str(container["securityContext"].get("runAsUser")):
            problem(f"{where}: user {service.get('user')} vs runAsUser")


def main():
    folder, compose_file = sys.argv[1], sys.argv[2]
    files, objects = load(folder)
    by_kind = {kind: {} for kind in API}
    for name, where, document in objects:
        kind = document.get("kind")
        if kind not in API:
            problem(f"{where}: unexpected kind")
            continue
        if document.get("apiVersion") != API[kind]:
            problem(f"{where}: apiVersion {document.get('apiVersion')}, not {API[kind]}")
        for field in REQUIRED.get(kind, []):
            need(document, field, where)
        key = document.get("metadata", {}).get("name")
        if key in by_kind[kind]:
            problem(f"{where}: a second {kind} of that name")
        by_kind[kind][key] = document
        if kind == "Kustomization":
            listed = set(document.get("resources", []))
            others = set(files) - {name}
            if listed != others:
                problem(f"{name} lists {sorted(listed)}, the folder holds {sorted(others)}")
    if problems:
        return report()
    secrets = Secrets(set(by_kind["Secret"]) | operator_secrets(folder))
    secrets.certs_name, secrets.own = keys_secrets(folder)
    if secrets.certs_name is None:
        problem("k8s/README.md shows no `baosong init` and `kubectl create secret generic "
                "NAME $(for f in .../*.cert; ...)` for the public certificates")
    for holder in ("admin",):
        if holder not in secrets.own:
            problem(f"k8s/README.md makes no Secret of {holder}'s secret key alone")
    for name, secret in by_kind["Secret"].items():
        problem(f"Secret/{name}: a Secret in the manifests (secrets are made by the "
                "operator, never kept here)")
    for name, config in by_kind["ConfigMap"].items():
        if any("cert_secret" in str(v) or "secret-key" in str(v) for v in config.get("data", {}).values()):
            problem(f"ConfigMap/{name}: holds a secret key")
    pods = {n: s["spec"]["template"]["metadata"]["labels"] for n, s in by_kind["StatefulSet"].items()}

    for name, sts in by_kind["StatefulSet"].items():
        where = f"StatefulSet/{name}"
        if sts["spec"]["serviceName"] not in by_kind["Service"]:
            problem(f"{where}: its Service {sts['spec']['serviceName']} does not exist")
        if not matches(sts["spec"]["selector"]["matchLabels"], pods[name]):
            problem(f"{where}: its selector does not match its pods")
        check_pod(where, sts, by_kind, secrets)
    for name, service in by_kind["Service"].items():
        chosen = [n for n, labels in pods.items() if matches(service["spec"]["selector"], labels)]
        if len(chosen) != 1:
            problem(f"Service/{name}: selects {chosen}, not one StatefulSet's pods")
            continue
        ports = pod_ports(by_kind["StatefulSet"][chosen[0]])
        for port in service["spec"]["ports"]:
            if port.get("targetPort", port["port"]) not in ports:
                problem(f"Service/{name}: targetPort {port.get('targetPort')} is no port of its pods")
    for name, ingress in by_kind["Ingress"].items():
        for tls in ingress["spec"]["tls"]:
            if tls.get("secretName") not in secrets:
                problem(f"Ingress/{name}: TLS Secret {tls.get('secretName')} is made nowhere")
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = by_kind["Service"].get(backend["name"])
                if not service:
                    problem(f"Ingress/{name}: no Service {backend['name']}")
                elif backend["port"].get("name", backend["port"].get("number")) not in \
                        [p.get("name") for p in service["spec"]["ports"]] + [p["port"] for p in service["spec"]["ports"]]:
                    problem(f"Ingress/{name}: Service {backend['name']} has no port {backend['port']}")
    for name, budget in by_kind["PodDisruptionBudget"].items():
        if not any(matches(budget["spec"]["selector"]["matchLabels"], l) for l in pods.values()):
            problem(f"PodDisruptionBudget/{name}: selects no pods")
    cli_labels = {"app.kubernetes.io/component": "cli", "app.kubernetes.io/part-of": "baosong"}
    for name, policy in by_kind["NetworkPolicy"].items():
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        targets = [n for n, labels in pods.items() if matches(selector, labels)]
        if not targets:
            problem(f"NetworkPolicy/{name}: applies to no pods")
            continue
        for rule in policy["spec"].get("ingress", []):
            for source in rule.get("from", []):
                wanted = source.get("podSelector", {}).get("matchLabels", {})
                if not (any(matches(wanted, l) for l in pods.values()) or wanted == cli_labels):
                    problem(f"NetworkPolicy/{name}: lets in pods that do not exist: {wanted}")
            for port in rule.get("ports", []):
                for target in targets:
                    if port["port"] not in pod_ports(by_kind["StatefulSet"][target]):
                        problem(f"NetworkPolicy/{name}: {target} has no port {port['port']}")
    check_compose(compose_file, by_kind)
    return report()


def report():
    for text in problems:
        print("k8s:", text)
    print(f"check_k8s: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
