import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import type { JsonObject } from "../../../../src/json.js";
import { normalizeTaskDefinition, readLiveTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { fixtureJson, fixtureText } from "./helpers.js";

const container = (extra: JsonObject = {}): JsonObject => ({ name: "web", image: "nginx:1.27", ...extra });
const td = (containerExtra: JsonObject = {}, taskExtra: JsonObject = {}): JsonObject => ({
  containerDefinitions: [container(containerExtra)],
  ...taskExtra,
});
/** Differences between a desired and a live object after normalizing both. */
const diff = (desired: JsonObject, live: JsonObject) => diffValues(normalizeTaskDefinition(desired), normalizeTaskDefinition(live));
const same = (desired: JsonObject, live: JsonObject) => expect(diff(desired, live)).toEqual([]);
const differs = (desired: JsonObject, live: JsonObject) => expect(diff(desired, live)).not.toEqual([]);

describe("normalizeTaskDefinition: field selection (TD-1…TD-5)", () => {
  it("drops response-only fields, family and tags", () => {
    same(td(), {
      ...td(),
      family: "web",
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
      revision: 3,
      status: "ACTIVE",
      requiresAttributes: [{ name: "ecs.capability.task-eni", targetId: null }],
      compatibilities: ["EC2", "FARGATE"],
      registeredAt: 1718986512.669,
      registeredBy: "arn:aws:sts::123456789012:assumed-role/ci/bot",
      deregisteredAt: "2024-06-21T11:15:12.669000-05:00",
      deleteRequestedAt: "2024-06-21T11:15:12.669000-05:00",
      tags: [{ key: "team", value: "shop" }],
    });
  });

  it("drops fields the request shape does not have at any depth (newer than our schema)", () => {
    same(
      td({ portMappings: [{ containerPort: 80 }] }),
      td({ portMappings: [{ containerPort: 80, futureField: "x" }], futureContainerField: 1 }),
    );
  });

  it("treats explicit nulls as unset (old console exports)", () => {
    same(td(), td({ linuxParameters: null, healthCheck: null, dockerLabels: null }, { ipcMode: null, proxyConfiguration: null }));
  });

  it("treats empty lists, empty maps and empty entries as unset (TD-12, TD-13)", () => {
    same(
      td({ environment: [{ name: "A", value: "1" }] }),
      td(
        {
          environment: [{ name: "A", value: "1" }, {}],
          mountPoints: [],
          volumesFrom: [],
          portMappings: [],
          systemControls: [],
          ulimits: [],
          environmentFiles: [],
          secrets: [],
          dockerLabels: {},
        },
        { volumes: [], placementConstraints: [], requiresCompatibilities: [] },
      ),
    );
    same(
      td({ logConfiguration: { logDriver: "awslogs" } }),
      td({ logConfiguration: { logDriver: "awslogs", options: {}, secretOptions: [] } }),
    );
  });

  it("keeps every user-map key verbatim, case included (TD-23)", () => {
    differs(td({ dockerLabels: { Env: "dev" } }), td({ dockerLabels: { env: "dev" } }));
    differs(
      td({ logConfiguration: { logDriver: "awsfirelens", options: { Name: "cloudwatch" } } }),
      td({ logConfiguration: { logDriver: "awsfirelens", options: { name: "cloudwatch" } } }),
    );
    expect(
      normalizeTaskDefinition(td({ firelensConfiguration: { type: "fluentbit", options: { "enable-ecs-log-metadata": "true" } } })),
    ).toMatchObject({
      containerDefinitions: [{ firelensConfiguration: { options: { "enable-ecs-log-metadata": "true" } } }],
    });
  });
});

describe("normalizeTaskDefinition: defaults AWS fills (TD-6…TD-18)", () => {
  it("TD-6 converts task cpu/memory units and numbers to integer strings", () => {
    const cases: [unknown, unknown, string, string][] = [
      ["0.25 vCPU", "0.5 GB", "256", "512"],
      ["1 vcpu", "1GB", "1024", "1024"],
      [2048, 4096, "2048", "4096"],
      ["4 vCPU", "30 GB", "4096", "30720"],
    ];
    for (const [cpu, memory, liveCpu, liveMemory] of cases) {
      expect(normalizeTaskDefinition(td({}, { cpu, memory } as JsonObject))).toMatchObject({ cpu: liveCpu, memory: liveMemory });
      same(td({}, { cpu, memory } as JsonObject), td({}, { cpu: liveCpu, memory: liveMemory }));
    }
    differs(td({}, { cpu: "1 vCPU" }), td({}, { cpu: "512" }));
    differs(td({}, { memory: "lots" }), td({}, { memory: "1024" }));
  });

  it("TD-7 container cpu unset ≡ 0", () => {
    same(td(), td({ cpu: 0 }));
    differs(td(), td({ cpu: 10 }));
  });

  it("TD-8 essential unset ≡ true", () => {
    same(td(), td({ essential: true }));
    differs(td(), td({ essential: false }));
  });

  it("TD-9 portMappings protocol unset ≡ tcp", () => {
    same(td({ portMappings: [{ containerPort: 80 }] }), td({ portMappings: [{ containerPort: 80, protocol: "tcp" }] }));
    differs(td({ portMappings: [{ containerPort: 53 }] }), td({ portMappings: [{ containerPort: 53, protocol: "udp" }] }));
  });

  it("TD-10 hostPort 0 ≡ unset; in awsvpc and host mode unset ≡ containerPort", () => {
    same(td({ portMappings: [{ containerPort: 80 }] }), td({ portMappings: [{ containerPort: 80, hostPort: 0 }] }));
    same(
      td({ portMappings: [{ containerPort: 80 }] }, { networkMode: "awsvpc" }),
      td({ portMappings: [{ containerPort: 80, hostPort: 80 }] }, { networkMode: "awsvpc" }),
    );
    same(
      td({ portMappings: [{ containerPort: 80 }] }, { networkMode: "host" }),
      td({ portMappings: [{ containerPort: 80, hostPort: 80 }] }, { networkMode: "host" }),
    );
    same(
      td({ portMappings: [{ containerPort: 80, hostPort: 0 }] }, { networkMode: "awsvpc" }),
      td({ portMappings: [{ containerPort: 80, hostPort: 80 }] }, { networkMode: "awsvpc" }),
    );
    // In bridge mode an unset host port is dynamic: it is not the container port.
    differs(
      td({ portMappings: [{ containerPort: 80 }] }, { networkMode: "bridge" }),
      td({ portMappings: [{ containerPort: 80, hostPort: 80 }] }, { networkMode: "bridge" }),
    );
    // A port range has no single host port to fill.
    expect(normalizeTaskDefinition(td({ portMappings: [{ containerPortRange: "8000-8010" }] }, { networkMode: "awsvpc" }))).toMatchObject({
      containerDefinitions: [{ portMappings: [{ containerPortRange: "8000-8010", protocol: "tcp" }] }],
    });
  });

  it("TD-11 healthCheck interval/timeout/retries default to 30/5/3, startPeriod has no default", () => {
    const command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"];
    same(td({ healthCheck: { command } }), td({ healthCheck: { command, interval: 30, timeout: 5, retries: 3 } }));
    for (const field of ["interval", "timeout", "retries"])
      differs(td({ healthCheck: { command } }), td({ healthCheck: { command, [field]: 60 } }));
    differs(td({ healthCheck: { command } }), td({ healthCheck: { command, startPeriod: 0 } }));
    same(td(), td({ healthCheck: null }));
  });

  it("TD-14 volumes[].configuredAtLaunch unset ≡ false", () => {
    same(td({}, { volumes: [{ name: "data" }] }), td({}, { volumes: [{ name: "data", configuredAtLaunch: false }] }));
    differs(td({}, { volumes: [{ name: "data" }] }), td({}, { volumes: [{ name: "data", configuredAtLaunch: true }] }));
  });

  it("TD-15 EFS rootDirectory unset ≡ / (AWS reports it even with an access point)", () => {
    const efs = { fileSystemId: "fs-1", transitEncryption: "ENABLED", authorizationConfig: { accessPointId: "fsap-1", iam: "ENABLED" } };
    same(
      td({}, { volumes: [{ name: "efs", efsVolumeConfiguration: efs }] }),
      td({}, { volumes: [{ name: "efs", efsVolumeConfiguration: { ...efs, rootDirectory: "/" } }] }),
    );
    differs(
      td({}, { volumes: [{ name: "efs", efsVolumeConfiguration: efs }] }),
      td({}, { volumes: [{ name: "efs", efsVolumeConfiguration: { ...efs, rootDirectory: "/data" } }] }),
    );
  });

  it("TD-16 enableFaultInjection unset ≡ false", () => {
    same(td(), td({}, { enableFaultInjection: false }));
    differs(td(), td({}, { enableFaultInjection: true }));
  });

  it("TD-17 networkMode is not defaulted: AWS returns it unset, and unset is not bridge on Windows", () => {
    expect(normalizeTaskDefinition(td())).not.toHaveProperty("networkMode");
    differs(td(), td({}, { networkMode: "bridge" }));
  });

  it("TD-18 versionConsistency unset ≡ enabled (documented default)", () => {
    same(td(), td({ versionConsistency: "enabled" }));
    differs(td(), td({ versionConsistency: "disabled" }));
  });

  it("docker volume scope unset ≡ task", () => {
    same(
      td({}, { volumes: [{ name: "v", dockerVolumeConfiguration: { driver: "local" } }] }),
      td({}, { volumes: [{ name: "v", dockerVolumeConfiguration: { driver: "local", scope: "task" } }] }),
    );
    differs(
      td({}, { volumes: [{ name: "v", dockerVolumeConfiguration: { driver: "local" } }] }),
      td({}, { volumes: [{ name: "v", dockerVolumeConfiguration: { driver: "local", scope: "shared" } }] }),
    );
  });

  it("fills no default without evidence: runtimePlatform, ephemeralStorage, mount readOnly, EFS transitEncryption", () => {
    differs(
      td({}, { runtimePlatform: { cpuArchitecture: "ARM64" } }),
      td({}, { runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" } }),
    );
    differs(td(), td({}, { ephemeralStorage: { sizeInGiB: 21 } }));
    differs(
      td({ mountPoints: [{ sourceVolume: "v", containerPath: "/v" }] }),
      td({ mountPoints: [{ sourceVolume: "v", containerPath: "/v", readOnly: false }] }),
    );
    differs(
      td({}, { volumes: [{ name: "e", efsVolumeConfiguration: { fileSystemId: "fs-1" } }] }),
      td({}, { volumes: [{ name: "e", efsVolumeConfiguration: { fileSystemId: "fs-1", transitEncryption: "DISABLED" } }] }),
    );
  });

  it("is idempotent", () => {
    const once = normalizeTaskDefinition(fixtureJson("td-console-fargate-2023.json"));
    expect(normalizeTaskDefinition(once)).toEqual(once);
  });
});

describe("normalizeTaskDefinition: order (TD-19…TD-22)", () => {
  const two = (a: JsonObject, b: JsonObject, task: JsonObject = {}): [JsonObject, JsonObject] => [
    { containerDefinitions: [a, b], ...task },
    { containerDefinitions: [b, a], ...task },
  ];

  it("TD-19 container order does not matter", () => {
    same(...two(container({ name: "app" }), container({ name: "sidecar" })));
  });

  it("TD-20 environment and secrets are compared by name", () => {
    const env = [
      { name: "B", value: "2" },
      { name: "A", value: "1" },
      { name: "C", value: "3" },
    ];
    same(td({ environment: env }), td({ environment: [...env].reverse() }));
    const secrets = [
      { name: "DB", valueFrom: "arn:db" },
      { name: "API", valueFrom: "arn:api" },
    ];
    same(td({ secrets }), td({ secrets: [...secrets].reverse() }));
    differs(
      td({ environment: env }),
      td({
        environment: [
          { name: "B", value: "2" },
          { name: "A", value: "9" },
          { name: "C", value: "3" },
        ],
      }),
    );
  });

  it("TD-21 set-like lists are compared as sets", () => {
    const pairs: [string, JsonObject[] | string[]][] = [
      ["portMappings", [{ containerPort: 80 }, { containerPort: 443 }]],
      [
        "mountPoints",
        [
          { sourceVolume: "a", containerPath: "/a" },
          { sourceVolume: "b", containerPath: "/b" },
        ],
      ],
      ["volumesFrom", [{ sourceContainer: "a" }, { sourceContainer: "b" }]],
      [
        "ulimits",
        [
          { name: "nofile", softLimit: 1, hardLimit: 2 },
          { name: "core", softLimit: 0, hardLimit: 0 },
        ],
      ],
      [
        "systemControls",
        [
          { namespace: "net.core.somaxconn", value: "1024" },
          { namespace: "kernel.shmmax", value: "1" },
        ],
      ],
      [
        "resourceRequirements",
        [
          { type: "GPU", value: "1" },
          { type: "InferenceAccelerator", value: "d1" },
        ],
      ],
      [
        "extraHosts",
        [
          { hostname: "a", ipAddress: "10.0.0.1" },
          { hostname: "b", ipAddress: "10.0.0.2" },
        ],
      ],
      ["credentialSpecs", ["credentialspecdomainless:arn:a", "credentialspec:arn:b"]],
      ["dockerSecurityOptions", ["no-new-privileges", "label:type:x"]],
      [
        "dependsOn",
        [
          { containerName: "db", condition: "HEALTHY" },
          { containerName: "init", condition: "SUCCESS" },
        ],
      ],
    ];
    for (const [field, list] of pairs) same(td({ [field]: list }), td({ [field]: [...list].reverse() }));
    same(
      td({
        logConfiguration: {
          logDriver: "splunk",
          secretOptions: [
            { name: "b", valueFrom: "x" },
            { name: "a", valueFrom: "y" },
          ],
        },
      }),
      td({
        logConfiguration: {
          logDriver: "splunk",
          secretOptions: [
            { name: "a", valueFrom: "y" },
            { name: "b", valueFrom: "x" },
          ],
        },
      }),
    );
    same(
      td({ restartPolicy: { enabled: true, ignoredExitCodes: [1, 2] } }),
      td({ restartPolicy: { enabled: true, ignoredExitCodes: [2, 1] } }),
    );
    same(
      td({
        linuxParameters: {
          capabilities: { add: ["SYS_PTRACE", "NET_ADMIN"], drop: ["ALL", "NET_RAW"] },
          devices: [{ hostPath: "/dev/b", permissions: ["read", "write"] }, { hostPath: "/dev/a" }],
          tmpfs: [
            { containerPath: "/b", size: 1 },
            { containerPath: "/a", size: 2 },
          ],
        },
      }),
      td({
        linuxParameters: {
          capabilities: { add: ["NET_ADMIN", "SYS_PTRACE"], drop: ["NET_RAW", "ALL"] },
          devices: [{ hostPath: "/dev/a" }, { hostPath: "/dev/b", permissions: ["write", "read"] }],
          tmpfs: [
            { containerPath: "/a", size: 2 },
            { containerPath: "/b", size: 1 },
          ],
        },
      }),
    );
    const volumes = [{ name: "b", host: { sourcePath: "/b" } }, { name: "a" }];
    same(
      td(
        {},
        {
          volumes,
          requiresCompatibilities: ["EC2", "FARGATE"],
          placementConstraints: [
            { type: "memberOf", expression: "a" },
            { type: "memberOf", expression: "b" },
          ],
        },
      ),
      td(
        {},
        {
          volumes: [...volumes].reverse(),
          requiresCompatibilities: ["FARGATE", "EC2"],
          placementConstraints: [
            { type: "memberOf", expression: "b" },
            { type: "memberOf", expression: "a" },
          ],
        },
      ),
    );
    const props = [
      { name: "AppPorts", value: "8080" },
      { name: "IgnoredUID", value: "1337" },
    ];
    same(
      td({}, { proxyConfiguration: { containerName: "envoy", type: "APPMESH", properties: props } }),
      td({}, { proxyConfiguration: { containerName: "envoy", type: "APPMESH", properties: [...props].reverse() } }),
    );
    const accelerators = [
      { deviceName: "d1", deviceType: "eia2.medium" },
      { deviceName: "d0", deviceType: "eia2.large" },
    ];
    same(td({}, { inferenceAccelerators: accelerators }), td({}, { inferenceAccelerators: [...accelerators].reverse() }));
  });

  it("TD-22 order-significant lists keep their order", () => {
    for (const field of ["command", "entryPoint", "links", "dnsServers", "dnsSearchDomains"]) {
      differs(td({ [field]: ["a", "b"] }), td({ [field]: ["b", "a"] }));
    }
    differs(td({ healthCheck: { command: ["CMD", "a", "b"] } }), td({ healthCheck: { command: ["CMD", "b", "a"] } }));
    differs(
      td({ linuxParameters: { tmpfs: [{ containerPath: "/t", size: 1, mountOptions: ["exec", "noexec"] }] } }),
      td({ linuxParameters: { tmpfs: [{ containerPath: "/t", size: 1, mountOptions: ["noexec", "exec"] }] } }),
    );
    // "If multiple environment files … contain the same variable, they're processed from the top down."
    const files = [
      { type: "s3", value: "arn:aws:s3:::b/one.env" },
      { type: "s3", value: "arn:aws:s3:::b/two.env" },
    ];
    differs(td({ environmentFiles: files }), td({ environmentFiles: [...files].reverse() }));
  });
});

describe("readLiveTaskDefinition", () => {
  it("reads DescribeTaskDefinition output: tags outside, ISO timestamps", () => {
    const live = readLiveTaskDefinition(fixtureJson("td-awscli-hello-world-8-2024.json"));
    expect(live).toMatchObject({
      arn: "arn:aws:ecs:us-east-1:012345678910:task-definition/hello_world:8",
      revision: 8,
      status: "ACTIVE",
      tags: {},
    });
    expect(live?.taskDefinition["family"]).toBe("hello_world");
  });

  it("reads tags outside the task definition, epoch timestamps", () => {
    const live = readLiveTaskDefinition(fixtureJson("td-reconstructed-windows-fargate.json"));
    expect(live?.tags).toEqual({ team: "windows" });
    expect(live?.taskDefinition["registeredAt"]).toBe(1718986512.669);
  });

  it("reads a bare console export with tags inside, and CLI text", () => {
    const bare = { ...fixtureJson("td-console-fargate-2023.json"), tags: [{ key: "env", value: "prod" }] };
    expect(readLiveTaskDefinition(bare)).toMatchObject({ revision: 22, tags: { env: "prod" } });
    expect(readLiveTaskDefinition(bare)?.taskDefinition).not.toHaveProperty("tags");
    expect(readLiveTaskDefinition(fixtureText("td-awscli-sleep360-register.json"))).toMatchObject({
      arn: "arn:aws:ecs:us-west-2:123456789012:task-definition/sleep360:2",
      revision: 2,
      tags: {},
    });
  });

  it("reads SDK output: Date timestamps, undefined members, $metadata", () => {
    const sdk = {
      $metadata: { httpStatusCode: 200, requestId: "r-1" },
      taskDefinition: {
        taskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/web:4",
        revision: 4,
        family: "web",
        containerDefinitions: [{ name: "web", image: "nginx", cpu: 0, essential: true, command: undefined }],
        registeredAt: new Date("2024-06-21T16:15:12.669Z"),
      },
      tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }],
    };
    const live = readLiveTaskDefinition(sdk);
    expect(live).toMatchObject({
      arn: "arn:aws:ecs:us-east-1:1:task-definition/web:4",
      revision: 4,
      tags: { "ecs-gitops:owner": "ecs-gitops" },
    });
    expect(live?.taskDefinition["registeredAt"]).toBe("2024-06-21T16:15:12.669Z");
    expect(JSON.parse(JSON.stringify(live))).toEqual(live);
    same(td({ name: "web", image: "nginx" }), live?.taskDefinition ?? {});
  });

  it("keeps explicit nulls for the normalizer to drop", () => {
    const live = readLiveTaskDefinition(fixtureJson("td-console-nulls-efs-accesspoint-2021.json"));
    expect(live).toMatchObject({ revision: 1, status: "ACTIVE", tags: {} });
    expect(live?.taskDefinition["ipcMode"]).toBeNull();
  });

  it("answers undefined for what is not a task definition", () => {
    for (const response of [
      undefined,
      null,
      "not json",
      42,
      [],
      {},
      { taskDefinition: null },
      { services: [] },
      { failures: [{ reason: "MISSING" }] },
    ]) {
      expect(readLiveTaskDefinition(response)).toBeUndefined();
    }
  });
});
