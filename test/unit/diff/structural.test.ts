import { describe, expect, it } from "vitest";
import { diffValues, isIgnored, parseIgnorePath, withoutIgnored } from "../../../src/diff/structural.js";
import { MASK, maskSecrets, secretMatcher } from "../../../src/diff/mask.js";

describe("diffValues", () => {
  it("finds nothing when only key order differs", () => {
    expect(diffValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it("reports a changed leaf by its pointer path", () => {
    expect(diffValues({ c: [{ image: "a:2" }] }, { c: [{ image: "a:1" }] })).toEqual([
      { path: "/c/0/image", field: "c[0].image", desired: "a:2", live: "a:1" },
    ]);
  });

  it("reports fields present on one side only as unset on the other", () => {
    expect(diffValues({ a: 1 }, { b: 2 })).toEqual([
      { path: "/a", field: "a", desired: 1, live: undefined },
      { path: "/b", field: "b", desired: undefined, live: 2 },
    ]);
  });

  it("reports a list whose length changed as one change", () => {
    expect(diffValues({ l: [1, 2, 3] }, { l: [1, 2] })).toEqual([{ path: "/l", field: "l", desired: [1, 2, 3], live: [1, 2] }]);
  });

  it("treats list order as significant (normalizers sort set-like lists first)", () => {
    expect(diffValues({ command: ["a", "b"] }, { command: ["b", "a"] })).toHaveLength(2);
  });

  it("escapes '/' and '~' in keys as JSON pointers do", () => {
    expect(diffValues({ "a/b~c": 1 }, { "a/b~c": 2 })[0]?.path).toBe("/a~1b~0c");
  });
});

describe("list items by identity", () => {
  const container = (env: { name: string; value: string }[], extra: object = {}) => ({
    containerDefinitions: [{ name: "web", image: "a:1", environment: env, ...extra }],
  });

  it("names a changed variable by its name, not its index", () => {
    const changes = diffValues(
      container([
        { name: "A", value: "1" },
        { name: "DB_HOST", value: "new" },
      ]),
      container([
        { name: "A", value: "1" },
        { name: "DB_HOST", value: "old" },
      ]),
    );
    expect(changes).toEqual([
      {
        path: "/containerDefinitions/0/environment/1/value",
        field: "containerDefinitions[web].environment[DB_HOST]",
        desired: "new",
        live: "old",
      },
    ]);
  });

  it("reports an added or removed variable as that one item, not the whole list", () => {
    const added = diffValues(
      container([
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ]),
      container([{ name: "A", value: "1" }]),
    );
    expect(added).toEqual([
      { path: "/containerDefinitions/0/environment/1", field: "containerDefinitions[web].environment[B]", desired: "2", live: undefined },
    ]);
    const removed = diffValues(
      container([{ name: "B", value: "2" }]),
      container([
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ]),
    );
    expect(removed).toEqual([
      { path: "/containerDefinitions/0/environment/0", field: "containerDefinitions[web].environment[A]", desired: undefined, live: "1" },
    ]);
    const secret = diffValues(container([{ name: "API_TOKEN", value: "t0k3n" }]), container([]));
    expect(secret).toEqual([
      {
        path: "/containerDefinitions/0/environment/0",
        field: "containerDefinitions[web].environment[API_TOKEN]",
        desired: MASK,
        live: undefined,
      },
    ]);
    const sidecar = diffValues(
      {
        containerDefinitions: [
          { name: "web", image: "a" },
          { name: "envoy", image: "e" },
        ],
      },
      { containerDefinitions: [{ name: "web", image: "a" }] },
    );
    expect(sidecar).toEqual([
      { path: "/containerDefinitions/1", field: "containerDefinitions[envoy]", desired: { name: "envoy", image: "e" }, live: undefined },
    ]);
  });

  it("names port mappings by container port, rule targets and tags by their keys", () => {
    const ports = (hostPort: number) => ({
      portMappings: [
        { containerPort: 8080, hostPort },
        { containerPort: 9090, hostPort: 0 },
      ],
    });
    expect(diffValues(ports(8080), ports(0)).map((c) => c.field)).toEqual(["portMappings[8080].hostPort"]);
    expect(
      diffValues(
        { targets: { report: { taskCount: 2 } }, tags: { "ecs-gitops:owner": "a" } },
        { targets: { report: { taskCount: 1 } }, tags: { "ecs-gitops:owner": "b" } },
      ).map((c) => c.field),
    ).toEqual(["tags[ecs-gitops:owner]", "targets[report].taskCount"]);
  });

  it("still reports a reordering of an ordered list (placementStrategy)", () => {
    const a = { type: "spread", field: "attribute:ecs.availability-zone" };
    const b = { type: "binpack", field: "memory" };
    expect(diffValues({ placementStrategy: [a, b] }, { placementStrategy: [b, a] })).toHaveLength(4);
  });
});

describe("secret masking", () => {
  it("masks a changed value of a secret-looking environment variable", () => {
    const desired = {
      environment: [
        { name: "DB_PASSWORD", value: "new" },
        { name: "MODE", value: "x" },
      ],
    };
    const live = {
      environment: [
        { name: "DB_PASSWORD", value: "old" },
        { name: "MODE", value: "y" },
      ],
    };
    expect(diffValues(desired, live)).toEqual([
      { path: "/environment/0/value", field: "environment[DB_PASSWORD]", desired: MASK, live: MASK },
      { path: "/environment/1/value", field: "environment[MODE]", desired: "x", live: "y" },
    ]);
  });

  it("masks secrets inside whole-list changes", () => {
    const [change] = diffValues({ environment: [{ name: "API_TOKEN", value: "t" }] }, { environment: [] });
    expect(JSON.stringify(change)).not.toContain('"t"');
  });

  it("masks secret-looking keys of user maps such as log driver options", () => {
    const changes = diffValues(
      { options: { "splunk-token": "new", "splunk-url": "https://a" } },
      { options: { "splunk-token": "old", "splunk-url": "https://b" } },
    );
    expect(changes).toEqual([
      { path: "/options/splunk-token", field: "options[splunk-token]", desired: MASK, live: MASK },
      { path: "/options/splunk-url", field: "options[splunk-url]", desired: "https://a", live: "https://b" },
    ]);
  });

  it("masks secrets inside an EventBridge target Input, which is a JSON string", () => {
    const input = JSON.stringify({
      containerOverrides: [
        {
          name: "report",
          environment: [
            { name: "DB_PASSWORD", value: "hunter2" },
            { name: "MODE", value: "csv" },
          ],
        },
      ],
    });
    const masked = maskSecrets({ Targets: [{ Id: "t", Input: input }] });
    expect(JSON.stringify(masked)).not.toContain("hunter2");
    expect(JSON.stringify(masked)).toContain("csv");
  });

  it("honours configured patterns with wildcards", () => {
    const isSecret = secretMatcher(["*_DSN"]);
    expect(maskSecrets({ name: "SENTRY_DSN", value: "https://k@x" }, isSecret)).toEqual({ name: "SENTRY_DSN", value: MASK });
    expect(maskSecrets({ name: "DB_PASSWORD", value: "p" }, isSecret)).toEqual({ name: "DB_PASSWORD", value: "p" });
  });
});

describe("ignore-differences paths", () => {
  it.each([
    ["desiredCount", "/desiredCount", true],
    ["/desiredCount", "/desiredCount", true],
    ["deploymentConfiguration.maximumPercent", "/deploymentConfiguration/maximumPercent", true],
    ["deploymentConfiguration", "/deploymentConfiguration/maximumPercent", true],
    ["containerDefinitions/*/image", "/containerDefinitions/1/image", true],
    ["containerDefinitions/*/image", "/containerDefinitions/1/cpu", false],
    ["desiredCount", "/desiredCountX", false],
  ])("%s ignores %s: %s", (rule, path, expected) => {
    expect(isIgnored(path, [parseIgnorePath(rule)])).toBe(expected);
  });

  it("removes only ignored changes", () => {
    const changes = [
      { path: "/desiredCount", desired: 2, live: 5 },
      { path: "/platformVersion", desired: "1.4.0", live: "LATEST" },
    ];
    expect(withoutIgnored(changes, [parseIgnorePath("desiredCount")]).map((c) => c.path)).toEqual(["/platformVersion"]);
  });
});
