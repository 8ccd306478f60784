import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AwsClients } from "../../src/aws/clients.js";
import { listServiceArns, listTaskDefinitionArns, listTaskDefinitionFamilies } from "../../src/aws/ecs-read.js";
import { listRules, listTargetsByRule } from "../../src/aws/events-read.js";
import { isEcsGitopsError } from "../../src/errors.js";
import { assertAllCalled, aws, fakeClients, isolateNetwork, replyJson, restoreNetwork } from "./aws-nock.js";
import type { RequestBody, Service } from "./aws-nock.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

type PagedCase = {
  operation: string;
  service: Service;
  tokenField: "nextToken" | "NextToken";
  itemsField: string;
  item: (page: number, i: number) => unknown;
  /** Request fields every page must carry. */
  expectedRequest: RequestBody;
  list: (clients: AwsClients) => Promise<unknown[]>;
};

const cases: PagedCase[] = [
  {
    operation: "ListServices",
    service: "ecs",
    tokenField: "nextToken",
    itemsField: "serviceArns",
    item: (p, i) => `arn:aws:ecs:us-east-1:111122223333:service/prod/svc-${p}-${i}`,
    expectedRequest: { cluster: "prod", maxResults: 100 },
    list: (clients) => listServiceArns(clients, "prod"),
  },
  {
    operation: "ListTaskDefinitions",
    service: "ecs",
    tokenField: "nextToken",
    itemsField: "taskDefinitionArns",
    item: (p, i) => `arn:aws:ecs:us-east-1:111122223333:task-definition/web:${p * 10 + i + 1}`,
    expectedRequest: { familyPrefix: "web", status: "ACTIVE", maxResults: 100 },
    list: (clients) => listTaskDefinitionArns(clients, "web"),
  },
  {
    operation: "ListTaskDefinitionFamilies",
    service: "ecs",
    tokenField: "nextToken",
    itemsField: "families",
    item: (p, i) => `shop-${p}-${i}`,
    expectedRequest: { familyPrefix: "shop-", status: "ACTIVE", maxResults: 100 },
    list: (clients) => listTaskDefinitionFamilies(clients, "shop-"),
  },
  {
    operation: "ListRules",
    service: "events",
    tokenField: "NextToken",
    itemsField: "Rules",
    item: (p, i) => ({ Name: `nightly-${p}-${i}`, ScheduleExpression: "rate(1 day)", State: "ENABLED" }),
    expectedRequest: { EventBusName: "ops", NamePrefix: "nightly-", Limit: 100 },
    list: (clients) => listRules(clients, "ops", "nightly-"),
  },
  {
    operation: "ListTargetsByRule",
    service: "events",
    tokenField: "NextToken",
    itemsField: "Targets",
    item: (p, i) => ({ Id: `t-${p}-${i}`, Arn: "arn:aws:ecs:us-east-1:111122223333:cluster/prod" }),
    expectedRequest: { EventBusName: "ops", Rule: "nightly", Limit: 100 },
    list: (clients) => listTargetsByRule(clients, "ops", "nightly"),
  },
];

const PAGES = 3;
const PER_PAGE = 4;

function matchesPage(c: PagedCase, page: number) {
  return (body: RequestBody): boolean => {
    const expectedToken = page === 0 ? undefined : `token-${page}`;
    return body[c.tokenField] === expectedToken && Object.entries(c.expectedRequest).every(([key, value]) => body[key] === value);
  };
}

describe.each(cases)("$operation", (c) => {
  it(`follows ${c.tokenField} over ${PAGES} pages and returns every item in order`, async () => {
    for (let page = 0; page < PAGES; page++) {
      const body: Record<string, unknown> = { [c.itemsField]: Array.from({ length: PER_PAGE }, (_, i) => c.item(page, i)) };
      if (page < PAGES - 1) body[c.tokenField] = `token-${page + 1}`;
      replyJson(aws(c.service, c.operation, matchesPage(c, page)), body);
    }
    const clients = fakeClients();
    const items = await c.list(clients);
    expect(items).toHaveLength(PAGES * PER_PAGE);
    expect(items[0]).toEqual(c.item(0, 0));
    expect(items.at(-1)).toEqual(c.item(PAGES - 1, PER_PAGE - 1));
    expect(clients.calls.reads(`${c.service}:${c.operation}`)).toBe(PAGES);
    expect(clients.calls.writes()).toBe(0);
  });

  it("stops with an error instead of looping when AWS repeats a token", async () => {
    replyJson(aws(c.service, c.operation).times(2), { [c.itemsField]: [c.item(0, 0)], [c.tokenField]: "same" });
    const error: unknown = await c.list(fakeClients()).catch((e: unknown) => e);
    expect(isEcsGitopsError(error) && error.code).toBe("Internal");
  });
});
