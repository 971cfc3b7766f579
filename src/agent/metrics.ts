/** The agent's Prometheus metrics (prom-client), on their own registry so tests can run several agents. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface AgentMetrics {
  registry: Registry;
  runs: Counter<'status'>;
  rows: Counter<'operation' | 'outcome'>;
  triggerLatency: Histogram<string>;
  runDuration: Histogram<string>;
  deliveryLatency: Histogram<'result'>;
  webhooks: Counter<'result'>;
  /** The dbt Cloud polling fallback (dbt-poller.ts), by link and mode (`poll`, or `catch_up` beside a webhook). */
  dbtPolls: Counter<'link' | 'mode'>;
  dbtPollErrors: Counter<'link' | 'mode'>;
  dbtLastPoll: Gauge<'link' | 'mode'>;
}

export function agentMetrics(queueDepth: () => Promise<number>): AgentMetrics {
  const registry = new Registry();
  const runs = new Counter({
    name: 'backflow_runs_total',
    help: 'Sync runs finished by this agent, by status (succeeded, partial, failed, stopped, not_started).',
    labelNames: ['status'],
    registers: [registry],
  });
  const rows = new Counter({
    name: 'backflow_rows_total',
    help: 'Rows delivered by operation (add, change, remove, retry) and outcome (accepted, rejected).',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const triggerLatency = new Histogram({
    name: 'backflow_trigger_latency_seconds',
    help: 'From the trigger (schedule slot, webhook receipt, upstream run end) to the run starting.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: 'backflow_run_duration_seconds',
    help: 'Run duration, delivery included.',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'backflow_delivery_latency_seconds',
    help: 'Each request to a destination, from send to its answer (result: answered, failed).',
    labelNames: ['result'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'backflow_dbt_webhooks_total',
    help: 'dbt Cloud webhook deliveries by result (queued, ignored, duplicate, unauthorized, bad_request).',
    labelNames: ['result'],
    registers: [registry],
  });
  const dbtPolls = new Counter({
    name: 'backflow_dbt_cloud_polls_total',
    help: "Reads of a dbt Cloud job's latest runs by the polling fallback (one per job per poll), by link and mode (poll, catch_up).",
    labelNames: ['link', 'mode'],
    registers: [registry],
  });
  const dbtPollErrors = new Counter({
    name: 'backflow_dbt_cloud_poll_errors_total',
    help: 'Polls of a dbt Cloud job that failed (API error, unreachable, no key), by link and mode.',
    labelNames: ['link', 'mode'],
    registers: [registry],
  });
  const dbtLastPoll = new Gauge({
    name: 'backflow_dbt_cloud_last_poll_timestamp_seconds',
    help: 'When the polling fallback last read every job of a link without error (Unix seconds), by link and mode.',
    labelNames: ['link', 'mode'],
    registers: [registry],
  });
  new Gauge({
    name: 'backflow_queue_depth',
    help: 'Runs waiting in the queue of this workspace.',
    registers: [registry],
    async collect() {
      this.set(await queueDepth().catch(() => 0));
    },
  });
  return {
    registry,
    runs,
    rows,
    triggerLatency,
    runDuration,
    deliveryLatency,
    webhooks,
    dbtPolls,
    dbtPollErrors,
    dbtLastPoll,
  };
}
