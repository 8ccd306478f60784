import { describe, expect, it } from "vitest";
import {
  isOlderSourceForm,
  MAX_TAG_VALUE,
  otherRepository,
  repoIdentity,
  repoOfSource,
  sourceTagValue,
} from "../../../../src/resources/common/source-tag.js";
import { diffTags, ownershipOf } from "../../../../src/resources/common/tags.js";
import { OWNER_TAG, SOURCE_TAG } from "../../../../src/resources/types.js";

describe("repoIdentity", () => {
  it.each([
    "https://github.com/acme/deploy",
    "https://github.com/acme/deploy.git",
    "HTTPS://GitHub.com/acme/deploy/",
    "https://ci-bot:s3cr3t-token@github.com/acme/deploy.git",
    "git+https://user:pw@github.com/acme/deploy.git",
    "ssh://git@github.com/acme/deploy.git",
    "git+ssh://git@GITHUB.COM/acme/deploy",
    "git@github.com:acme/deploy.git",
    "github.com:acme/deploy",
    "https://github.com//acme//deploy.git?ref=main#frag",
  ])("%s is github.com/acme/deploy, without credentials", (url) => {
    expect(repoIdentity(url)).toBe("github.com/acme/deploy");
  });

  it("keeps ports and paths apart, and local paths as absolute paths", () => {
    expect(repoIdentity("ssh://git@git.corp:2222/ops/deploy.git")).toBe("git.corp:2222/ops/deploy");
    expect(repoIdentity("https://gitlab.com/acme/sub/deploy")).not.toBe(repoIdentity("https://gitlab.com/acme/deploy"));
    expect(repoIdentity("/srv/repos/deploy/")).toBe("/srv/repos/deploy");
    expect(repoIdentity("file:///srv/repos/deploy.git")).toBe("/srv/repos/deploy.git");
  });
});

describe("sourceTagValue", () => {
  it("names repository and file, and the repository can be read back", () => {
    const value = sourceTagValue("github.com/acme/deploy", "apps/web/service.yaml");
    expect(value).toBe("github.com/acme/deploy//apps/web/service.yaml");
    expect(repoOfSource(value)).toBe("github.com/acme/deploy");
    expect(repoOfSource("apps/web/service.yaml")).toBeUndefined();
  });

  it("stays within AWS's 256 characters and in ECS's tag alphabet, deterministically", () => {
    const repo = `git.example.com/${"team/".repeat(60)}deploy`;
    const file = `${"very-long-folder/".repeat(30)}service.yaml`;
    const value = sourceTagValue(repo, file);
    expect(value.length).toBeLessThanOrEqual(MAX_TAG_VALUE);
    expect(value).toBe(sourceTagValue(repo, file));
    expect(value).not.toBe(sourceTagValue(`${repo}-2`, file));
    expect(value.endsWith("service.yaml")).toBe(true);
    expect(sourceTagValue("/home/me/my repo (copy)", "a#b.yaml")).toMatch(/^[\p{L}\p{N} +\-=._:/@]+$/u);
  });
});

describe("ownership across repositories", () => {
  const ours = "github.com/acme/deploy";
  const claim = { owner: "ecs-gitops", repo: ours, adopt: false };
  const tags = (source: string | undefined) => ({ [OWNER_TAG]: "ecs-gitops", ...(source === undefined ? {} : { [SOURCE_TAG]: source }) });

  it("is ours from our repository, or in the older form (path only), or with no source tag", () => {
    expect(ownershipOf(tags(sourceTagValue(ours, "web.yaml")), claim)).toBe("owned");
    expect(ownershipOf(tags("web/service.yaml"), claim)).toBe("owned");
    expect(ownershipOf(tags(undefined), claim)).toBe("owned");
  });

  it("is another repository's when its source tag names one, whatever the address form", () => {
    expect(ownershipOf(tags(sourceTagValue(repoIdentity("git@github.com:acme/payments.git"), "web.yaml")), claim)).toBe("other-repo");
    expect(otherRepository(sourceTagValue("github.com/acme/payments", "x.yaml"), ours)).toBe("github.com/acme/payments");
    // Adoption never takes a resource from another repository of the same owner (two adopting repos would fight).
    expect(ownershipOf(tags(sourceTagValue("github.com/acme/payments", "web.yaml")), { ...claim, adopt: true })).toBe("other-repo");
    expect(
      ownershipOf(
        { [OWNER_TAG]: "other-team", [SOURCE_TAG]: sourceTagValue("github.com/acme/payments", "web.yaml") },
        { ...claim, adopt: true },
      ),
    ).toBe("adoptable");
    expect(ownershipOf({ [OWNER_TAG]: "other-team", [SOURCE_TAG]: sourceTagValue(ours, "web.yaml") }, claim)).toBe("foreign");
  });

  it("rewrites an older-form source only along with another tag write", () => {
    const wanted = { team: "shop", [OWNER_TAG]: "ecs-gitops", [SOURCE_TAG]: sourceTagValue(ours, "web/service.yaml") };
    const older = { ...wanted, [SOURCE_TAG]: "web/service.yaml" };
    expect(isOlderSourceForm("web/service.yaml", wanted[SOURCE_TAG])).toBe(true);
    expect(diffTags(wanted, older)).toEqual({ set: {}, remove: [] });
    expect(diffTags({ ...wanted, team: "payments" }, older).set).toEqual({ team: "payments", [SOURCE_TAG]: wanted[SOURCE_TAG] });
    expect(diffTags(wanted, { ...older, [SOURCE_TAG]: "worker/service.yaml" }).set).toEqual({ [SOURCE_TAG]: wanted[SOURCE_TAG] });
  });
});
