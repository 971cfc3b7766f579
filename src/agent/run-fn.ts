/**
 * How the agent starts one run. The real one is `runSync` of src/runs with the workspace's run locks; tests
 * and benchmarks inject their own (same contract) to count executions without a warehouse.
 */
import type { BackendConfig } from '../config/desired';
import { runLocksFor, runSync, type RunResult } from '../runs';
import type { StateFile } from '../state/types';

export type RunRecord = RunResult['run'];

export interface RunCall {
  /** The applied state the agent holds now. */
  state: StateFile;
  sync: string;
  trigger: string;
  /** Aborted on SIGTERM: in-flight batches finish and commit, the rest is resumed by the next run. */
  signal: AbortSignal;
  /** Called as soon as the run has its id (log lines carry it from then on). */
  onStart(runId: string, resumed: boolean): void;
  /** Each request to the destination (delivery latency). */
  onSend?(seconds: number, answered: boolean): void;
}

export type RunFn = (call: RunCall) => Promise<RunResult>;

export function realRunFn(backend: BackendConfig, configDir: string): RunFn {
  const locks = runLocksFor(backend);
  return (call) =>
    runSync({
      state: call.state,
      sync: call.sync,
      configDir,
      locks,
      trigger: call.trigger,
      signal: call.signal,
      events: {
        onStart: (run, resumed) => call.onStart(run.runId, resumed),
        onSend: (seconds, answered) => call.onSend?.(seconds, answered),
      },
    });
}
