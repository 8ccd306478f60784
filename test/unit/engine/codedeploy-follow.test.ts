import { describe, expect, it } from "vitest";
import { codeDeployHealth } from "../../../src/engine/codedeploy-follow.js";

describe("codeDeployHealth", () => {
  it.each([
    ["Created", "Progressing"],
    ["InProgress", "Progressing"],
    ["Baking", "Progressing"],
    ["Ready", "Progressing"],
    ["Succeeded", "Healthy"],
    ["Failed", "Degraded"],
    ["Stopped", "Degraded"],
  ])("%s is %s", (status, health) => expect(codeDeployHealth("d-1", status, undefined).health).toBe(health));

  it("names the deployment and CodeDeploy's reason for a failure", () => {
    expect(codeDeployHealth("d-7", "Failed", "health checks failed")).toEqual({
      health: "Degraded",
      message: "CodeDeploy deployment d-7 failed: health checks failed",
    });
  });
});
