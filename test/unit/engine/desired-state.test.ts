import { describe, expect, it } from "vitest";
import { heldBack, mergeDesiredState } from "../../../src/engine/desired-state.js";
import type { LoadResult, Problem } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";

const td = (name: string, image: string, file = `${name}.yaml`) =>
  manifestOf("TaskDefinition", name, { containerDefinitions: [{ name, image }] }, { file });
const problemIn = (file: string): Problem => ({ file, line: 3, column: 5, severity: "error", code: "YamlSyntax", message: "bad" });
const loaded = (manifests: LoadResult["manifests"], problems: Problem[] = []): LoadResult => ({ manifests, problems, files: [] });

describe("mergeDesiredState", () => {
  it("takes every manifest of a clean commit and marks it last good", () => {
    const state = mergeDesiredState(loaded([td("web", "nginx:1")]), "c1", undefined);
    expect([...state.manifests.keys()]).toEqual(["TaskDefinition/web"]);
    expect(state.lastGoodCommit).toBe("c1");
    expect(state.commitOf.get("TaskDefinition/web")).toBe("c1");
  });

  it("keeps a broken file at its last good version while other files move on", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1"), td("api", "api:1")]), "c1", undefined);
    // c2 breaks web.yaml (it failed to load) and changes api.
    const second = mergeDesiredState(loaded([td("api", "api:2")], [problemIn("web.yaml")]), "c2", first);
    expect(second.manifests.get("TaskDefinition/web")?.spec).toEqual(first.manifests.get("TaskDefinition/web")?.spec);
    expect(second.commitOf.get("TaskDefinition/web")).toBe("c1");
    expect(second.manifests.get("TaskDefinition/api")?.spec).toEqual({ containerDefinitions: [{ name: "api", image: "api:2" }] });
    expect(second.commitOf.get("TaskDefinition/api")).toBe("c2");
    expect(second.lastGoodCommit).toBe("c1");
    expect(second.brokenFiles).toEqual(["web.yaml"]);
  });

  it("drops a resource whose file was deleted in a clean commit", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1"), td("api", "api:1")]), "c1", undefined);
    const second = mergeDesiredState(loaded([td("api", "api:1")]), "c2", first);
    expect([...second.manifests.keys()]).toEqual(["TaskDefinition/api"]);
  });

  it("prefers a definition from a good file over the kept copy of a broken one", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1", "a.yaml")]), "c1", undefined);
    const second = mergeDesiredState(loaded([td("web", "nginx:2", "b.yaml")], [problemIn("a.yaml")]), "c2", first);
    expect(second.manifests.get("TaskDefinition/web")?.file).toBe("b.yaml");
  });

  it("keeps everything when the manifests path vanished, instead of managing nothing", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1")]), "c1", undefined);
    const second = mergeDesiredState(loaded([], [{ ...problemIn("."), code: "PathNotFound" }]), "c2", first);
    expect([...second.manifests.keys()]).toEqual(["TaskDefinition/web"]);
    expect(second.commit).toBe("c2");
    expect(second.problems).toHaveLength(1);
  });
});

describe("heldBack", () => {
  it("names the commit a broken file's resources run and the error that holds them back", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1"), td("api", "api:1")]), "c1", undefined);
    const second = mergeDesiredState(loaded([td("api", "api:2")], [problemIn("web.yaml")]), "c2", first);
    expect(Object.fromEntries(heldBack(second, "c2"))).toEqual({
      "TaskDefinition/web": { commit: "c1", file: "web.yaml", line: 3, column: 5, message: "bad" },
      "TaskDefinition/api": undefined,
    });
    // Fixed in c3: nothing is held back any more.
    const third = mergeDesiredState(loaded([td("web", "nginx:1"), td("api", "api:2")]), "c3", second);
    expect([...heldBack(third, "c3").values()]).toEqual([undefined, undefined]);
  });

  it("holds back everything behind an error that is not in a manifest file", () => {
    const first = mergeDesiredState(loaded([td("web", "nginx:1")]), "c1", undefined);
    const settings: Problem = { ...problemIn("ecs-gitops.yaml"), code: "InvalidValue", message: "bad cluster" };
    expect(heldBack({ ...first, problems: [settings] }, "c2").get("TaskDefinition/web")).toEqual({
      commit: "c1",
      file: "ecs-gitops.yaml",
      line: 3,
      column: 5,
      message: "bad cluster",
    });
  });
});
