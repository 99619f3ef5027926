import { AggregatorRegistry, type Registry } from "prom-client";

/** Metrics as prom-client passes them between processes (`getMetricsAsJSON`). */
export type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/** What the /metrics handler reads: the text and its content type. */
export type MetricsSource = Pick<Registry, "metrics" | "contentType">;

/**
 * This process's metrics summed with other processes' (the default role's worker process, asked over IPC):
 * prom-client's aggregator adds counters, histograms and gauges of the same name and labels.
 */
export function combinedMetrics(local: Registry, others: () => Promise<MetricsJson[]>): MetricsSource {
  return {
    contentType: local.contentType,
    metrics: async () => AggregatorRegistry.aggregate([await local.getMetricsAsJSON(), ...(await others())]).metrics(),
  };
}
