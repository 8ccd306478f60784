import type { Logger } from "pino";
import { AggregatorRegistry, collectDefaultMetrics, Registry } from "prom-client";
import { ControllerHttpServer } from "../http/server.js";
import type { StatusDocument } from "../state/status.js";
import { Controller } from "./controller.js";
import type { ControllerOptions } from "./controller.js";

export type EnvironmentsHttpOptions = {
  port: number;
  host?: string | undefined;
  webhookSecret: string | undefined;
  log: Logger;
};

/**
 * Several environments of one repository followed by one process (`run --env staging --env
 * prod`): one Controller per environment, each with its own source, owner, workdir, queue and
 * records, so a broken staging commit or a stalled staging resource never holds prod back. They
 * share one HTTP port: /status lists every environment's resources (each with `environment`),
 * /metrics labels each series with it, /readyz waits for all, a push webhook polls all.
 */
export class EnvironmentsController {
  readonly #controllers: { name: string; controller: Controller }[];
  readonly #http: EnvironmentsHttpOptions;
  readonly #processMetrics = new Registry();
  #server: ControllerHttpServer | undefined;

  constructor(environments: readonly { name: string; options: ControllerOptions }[], http: EnvironmentsHttpOptions) {
    this.#controllers = environments.map(({ name, options }) => ({ name, controller: new Controller({ ...options, environment: name }) }));
    this.#http = http;
    collectDefaultMetrics({ register: this.#processMetrics });
  }

  /** Start every environment, then serve; resolves with the HTTP port. On failure what started is stopped. */
  async start(): Promise<number> {
    try {
      for (const { controller } of this.#controllers) await controller.start();
      this.#server = new ControllerHttpServer({
        port: this.#http.port,
        ...(this.#http.host ? { host: this.#http.host } : {}),
        getStatus: () => this.status(),
        isReady: () => this.#readiness(),
        metrics: new MergedRegistry(() => [this.#processMetrics, ...this.#controllers.map((c) => c.controller.metricsRegistry)]),
        webhookSecret: this.#http.webhookSecret,
        onPush: (hint) => {
          this.#http.log.info({ provider: hint.provider, branch: hint.branch }, "push webhook: fetching now");
          for (const { controller } of this.#controllers) controller.pollNow();
        },
        log: this.#http.log,
      });
      const port = await this.#server.listen();
      this.#http.log.info({ port, environments: this.#controllers.map((c) => c.name) }, "controller started");
      return port;
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<boolean> {
    const drained = await Promise.all(this.#controllers.map(({ controller }) => controller.stop()));
    await this.#server?.close();
    return drained.every(Boolean);
  }

  status(): StatusDocument {
    const documents = this.#controllers.map(({ name, controller }) => ({ name, document: controller.statusDocument() }));
    const first = documents[0]!.document;
    return {
      ...(first.commit === undefined ? {} : { commit: first.commit }),
      ...(first.lastGoodCommit === undefined ? {} : { lastGoodCommit: first.lastGoodCommit }),
      source: first.source,
      ready: documents.every((d) => d.document.ready),
      resources: documents.flatMap(({ name, document }) => document.resources.map((r) => ({ ...r, environment: name }))),
      manifestErrors: documents.flatMap(({ document }) => document.manifestErrors),
      environments: documents.map(({ name, document: { resources: _resources, environments: _environments, ...rest } }) => ({
        name,
        ...rest,
      })),
    };
  }

  #readiness(): { ready: boolean; reason?: string } {
    for (const { name, controller } of this.#controllers) {
      const readiness = controller.readiness();
      if (!readiness.ready) return { ready: false, reason: `${name}: ${readiness.reason ?? "not ready"}` };
    }
    return { ready: true };
  }
}

/**
 * The registries of every environment as one exposition. Their series carry an `environment`
 * label, so merging by name keeps them apart (prom-client's aggregation, made for cluster
 * workers, sums only series with identical labels).
 */
class MergedRegistry extends Registry {
  readonly #registries: () => Registry[];

  constructor(registries: () => Registry[]) {
    super();
    this.#registries = registries;
  }

  override async metrics(): Promise<string> {
    const all = await Promise.all(this.#registries().map((r) => r.getMetricsAsJSON()));
    return AggregatorRegistry.aggregate(all).metrics();
  }
}
