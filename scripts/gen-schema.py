#!/usr/bin/env python3
"""Generate the manifest JSON Schemas from the official AWS API models.

The ECS and EventBridge request shapes come from botocore's service-2.json models (the same
models every AWS SDK is generated from), so every field RegisterTaskDefinition, CreateService
and PutRule/PutTargets accept is covered without hand-typing ~200 fields.

Run `npm run gen:schema` after upgrading botocore (`pip install -U botocore`) to pick up new AWS
fields, then commit src/manifests/schema/aws-schema.generated.ts. A fresh clone needs no python.
"""
import gzip
import json
import os
import sys

import botocore

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "manifests", "schema", "aws-schema.generated.ts")


def load(service, version):
    with gzip.open(os.path.join(DATA, service, version, "service-2.json.gz")) as f:
        return json.load(f)


ecs = load("ecs", "2014-11-13")
events = load("events", "2015-10-07")
scheduler = load("scheduler", "2021-06-30")
autoscaling = load("application-autoscaling", "2016-02-06")

defs = {}


def camel(name):
    # EventBridge members are PascalCase on the wire; manifests are camelCase throughout.
    return name[0].lower() + name[1:] if name else name


# Numeric bounds AWS documents but the models leave out (botocore has min/max on few shapes).
# Keyed by "<prefix>.<Structure>.<member>"; each entry's source is listed in docs/validation.md.
DOCUMENTED_BOUNDS = {
    "ecs.PortMapping.containerPort": (0, 65535),
    "ecs.PortMapping.hostPort": (0, 65535),
    "ecs.LoadBalancer.containerPort": (0, 65535),
    "ecs.EFSVolumeConfiguration.transitEncryptionPort": (0, 65535),
    "ecs.HealthCheck.interval": (5, 300),
    "ecs.HealthCheck.timeout": (2, 120),
    "ecs.HealthCheck.retries": (1, 10),
    "ecs.HealthCheck.startPeriod": (0, 300),
    "ecs.ContainerDefinition.cpu": (0, None),
    "ecs.ContainerDefinition.memory": (4, None),
    "ecs.ContainerDefinition.memoryReservation": (4, None),
    "ecs.ContainerDefinition.startTimeout": (0, None),
    "ecs.ContainerDefinition.stopTimeout": (0, None),
    "ecs.Ulimit.softLimit": (0, None),
    "ecs.Ulimit.hardLimit": (0, None),
    "ecs.LinuxParameters.swappiness": (0, 100),
    "ecs.LinuxParameters.maxSwap": (0, None),
    "ecs.LinuxParameters.sharedMemorySize": (0, None),
    "ecs.Tmpfs.size": (1, None),
    "ecs.EphemeralStorage.sizeInGiB": (21, 200),
    "ecs.CreateServiceRequest.desiredCount": (0, None),
    "ecs.CreateServiceRequest.healthCheckGracePeriodSeconds": (0, None),
}
used_bounds = set()


def shape_ref(model, prefix, shape_name, camelize):
    key = f"{prefix}.{shape_name}"
    if key not in defs:
        defs[key] = None  # reserve: shapes can be recursive
        defs[key] = convert(model, prefix, shape_name, camelize)
    return {"$ref": f"#/$defs/{key}"}


def is_free_string(model, shape_name):
    """A string shape without enum or length limits: the model would accept ""."""
    shape = model["shapes"][shape_name]
    return shape["type"] == "string" and "enum" not in shape and "min" not in shape


# Kinds whose spec is camelCase over a PascalCase API keep each member's wire name, so one walk
# over the schema turns a spec into a request and a response back into spec form (wire-names.ts).
WIRE_NAMED = ("scheduler", "autoscaling")


def member_schema(model, prefix, struct_name, member, spec, required, camelize):
    out = shape_ref(model, prefix, spec["shape"], camelize)
    if camelize and prefix in WIRE_NAMED and camel(member) != member:
        out["x-aws-name"] = member
    # AWS answers "should not be null or empty" for a required string sent as "" (the models
    # mark it required but give no minimum length), so a required string must not be empty.
    if required:
        # An annotation, not a constraint: error messages tell a required field from an optional one.
        out["x-aws-required"] = True
        if is_free_string(model, spec["shape"]):
            out["minLength"] = 1
    bounds = DOCUMENTED_BOUNDS.get(f"{prefix}.{struct_name}.{member}")
    if bounds is not None:
        used_bounds.add(f"{prefix}.{struct_name}.{member}")
        low, high = bounds
        if low is not None:
            out["minimum"] = low
        if high is not None:
            out["maximum"] = high
    return out


def convert(model, prefix, shape_name, camelize):
    shape = model["shapes"][shape_name]
    t = shape["type"]
    if t == "structure":
        props = {}
        required = set(shape.get("required", []))
        for member, spec in shape["members"].items():
            name = camel(member) if camelize else member
            props[name] = member_schema(model, prefix, shape_name, member, spec, member in required, camelize)
        out = {"type": "object", "properties": props, "additionalProperties": False}
        req = [camel(r) if camelize else r for r in shape.get("required", [])]
        if req:
            out["required"] = req
        return out
    if t == "list":
        out = {"type": "array", "items": shape_ref(model, prefix, shape["member"]["shape"], camelize)}
        if "min" in shape:
            out["minItems"] = shape["min"]
        if "max" in shape:
            out["maxItems"] = shape["max"]
        return out
    if t == "map":
        return {"type": "object", "additionalProperties": shape_ref(model, prefix, shape["value"]["shape"], camelize)}
    if t == "string":
        out = {"type": "string"}
        if "enum" in shape:
            out["enum"] = shape["enum"]
        if "min" in shape:
            out["minLength"] = shape["min"]
        if "max" in shape:
            out["maxLength"] = shape["max"]
        return out
    if t in ("integer", "long"):
        out = {"type": "integer"}
        if "min" in shape:
            out["minimum"] = shape["min"]
        if "max" in shape:
            out["maximum"] = shape["max"]
        return out
    if t in ("double", "float"):
        return {"type": "number"}
    if t == "boolean":
        return {"type": "boolean"}
    if t == "timestamp":
        return {"type": "string"}
    if t == "blob":
        return {"type": "string"}
    raise SystemExit(f"unsupported shape type {t}")


def request(model, prefix, shape_name, drop, camelize=False):
    body = convert(model, prefix, shape_name, camelize)
    drop = [camel(d) if camelize else d for d in drop]
    for d in drop:
        body["properties"].pop(d, None)
    body["required"] = [r for r in body.get("required", []) if r not in drop]
    if not body["required"]:
        del body["required"]
    return body


# Identity and tags come from the envelope (metadata.name, metadata.labels), never from spec.
task_definition = request(ecs, "ecs", "RegisterTaskDefinitionRequest", ["family", "tags"])
# Task-level cpu/memory are strings on the wire, but `cpu: 256` is how people write YAML.
for field in ("cpu", "memory"):
    task_definition["properties"][field] = {"type": ["string", "integer"]}

service = request(ecs, "ecs", "CreateServiceRequest", ["serviceName", "clientToken", "tags"])

# A ScheduledRule is PutRule + PutTargets flattened for ECS targets (docs/design.md#manifests): the ECS
# parameters sit on the target itself and `overrides` is ECS's TaskOverride, sent as Input.
ev_target = events["shapes"]["Target"]["members"]
ecs_params = events["shapes"]["EcsParameters"]["members"]


def ev(shape):
    return shape_ref(events, "events", shape, True)


target_props = {
    "id": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[\\.\\-_A-Za-z0-9]+$", "x-aws-required": True},
    "cluster": {"type": "string", "minLength": 1},
    "taskDefinition": {"type": "string", "minLength": 1, "x-aws-required": True},
    "overrides": shape_ref(ecs, "ecs", "TaskOverride", False),
    "roleArn": ev(ev_target["RoleArn"]["shape"]),
    "retryPolicy": ev(ev_target["RetryPolicy"]["shape"]),
    "deadLetterConfig": ev(ev_target["DeadLetterConfig"]["shape"]),
}
for member, spec in ecs_params.items():
    if member == "TaskDefinitionArn":
        continue
    target_props[camel(member)] = ev(spec["shape"])

put_rule = events["shapes"]["PutRuleRequest"]["members"]
scheduled_rule = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "scheduleExpression": ev(put_rule["ScheduleExpression"]["shape"]),
        # YAML users write the pattern as a mapping; a JSON string is accepted too.
        "eventPattern": {"type": ["object", "string"]},
        "state": {"type": "string", "enum": ["ENABLED", "DISABLED"]},
        "description": ev(put_rule["Description"]["shape"]),
        "eventBusName": ev(put_rule["EventBusName"]["shape"]),
        "roleArn": ev(put_rule["RoleArn"]["shape"]),
        "targets": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "taskDefinition"],
                "properties": target_props,
            },
        },
    },
}

# A Schedule is CreateSchedule's input (docs/kinds.md#schedule): the name is metadata.name, the
# client token is the SDK's. The target's `input` is JSON text on the wire; YAML users write a mapping.
schedule = request(scheduler, "scheduler", "CreateScheduleInput", ["Name", "ClientToken"], camelize=True)
# ecs-gitops fills the AWS default (OFF), as AWS itself does for the other optional members.
schedule["required"] = [r for r in schedule["required"] if r != "flexibleTimeWindow"]
schedule["properties"]["flexibleTimeWindow"].pop("x-aws-required")
sched_target = schedule["properties"]["target"] = {**convert(scheduler, "scheduler", "Target", True), "x-aws-name": "Target"}
sched_target["properties"]["input"] = {"type": ["object", "string"], "x-aws-name": "Input"}
sched_ecs = convert(scheduler, "scheduler", "EcsParameters", True)
# A family of this repository (resolved to its managed revision), family:revision, or an ARN.
sched_ecs["properties"]["taskDefinitionArn"] = {"type": "string", "minLength": 1, "x-aws-required": True, "x-aws-name": "TaskDefinitionArn"}
sched_target["properties"]["ecsParameters"] = {**sched_ecs, "x-aws-name": "EcsParameters"}

# A ScalableTarget is RegisterScalableTarget's input (tags come from labels) plus its policies,
# each PutScalingPolicy's input without the fields naming the target (docs/kinds.md#scalabletarget).
scalable_target = request(autoscaling, "autoscaling", "RegisterScalableTargetRequest", ["Tags"], camelize=True)
policy = request(
    autoscaling, "autoscaling", "PutScalingPolicyRequest", ["ServiceNamespace", "ResourceId", "ScalableDimension"], camelize=True
)
scalable_target["properties"]["policies"] = {"type": "array", "items": policy}

unused = set(DOCUMENTED_BOUNDS) - used_bounds
if unused:
    raise SystemExit(f"DOCUMENTED_BOUNDS names members the models no longer have: {sorted(unused)}")

kinds = {
    "TaskDefinition": task_definition,
    "Service": service,
    "ScheduledRule": scheduled_rule,
    "Schedule": schedule,
    "ScalableTarget": scalable_target,
}

banner = (
    "// GENERATED by scripts/gen-schema.py from botocore "
    + botocore.__version__
    + f" (ecs {ecs['metadata']['apiVersion']}, events {events['metadata']['apiVersion']},\n"
    + f"// scheduler {scheduler['metadata']['apiVersion']}, "
    + f"application-autoscaling {autoscaling['metadata']['apiVersion']}). Do not edit.\n"
    + "// To pick up new AWS fields: upgrade botocore, run `npm run gen:schema`, commit the result.\n"
)
with open(OUT, "w") as f:
    f.write(banner)
    f.write(f"export const botocoreVersion = {json.dumps(botocore.__version__)};\n")
    f.write("export const awsDefs: Record<string, object> = ")
    f.write(json.dumps(defs, indent=1, sort_keys=True))
    f.write(";\n")
    f.write("export const kindSpecSchemas = ")
    f.write(json.dumps(kinds, indent=1))
    f.write(" as const;\n")
    for kind, body in kinds.items():
        fields = sorted(body["properties"].keys())
        f.write(f"export const {camel(kind)}SpecFields = {json.dumps(fields)} as const;\n")
print(f"wrote {os.path.relpath(OUT)}: {len(defs)} shapes", file=sys.stderr)
