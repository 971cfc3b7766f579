/** Types for run-result.js (plain CommonJS so the agent worker and bench/agent.js share it). */
import type { OpCounts } from '../../src/adapters/warehouse/tracking';
import type { RunCall } from '../../src/agent/run-fn';
import type { RunResult } from '../../src/runs';

export function finishedRun(
  call: Pick<RunCall, 'sync' | 'trigger'>,
  runId: string,
  opts?: { accepted?: Partial<OpCounts>; status?: RunResult['run']['status']; at?: Date },
): RunResult;
