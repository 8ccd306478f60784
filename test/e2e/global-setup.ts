import type { TestProject } from "vitest/node";
import { startMoto } from "./moto.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the one moto_server of this test run. */
    motoEndpoint: string;
  }
}

/**
 * One moto_server for the whole run; tests get it with `inject("motoEndpoint")` and isolate
 * themselves with their own account id (`newAccountId()`). The ECS backend warms up in the
 * background so runs without end-to-end tests pay only for the ~0.6 s until it listens.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto({ warmUp: "background" });
  project.provide("motoEndpoint", moto.endpoint);
  return async () => {
    await moto.warmedUp.catch(() => undefined);
    await moto.stop();
  };
}
