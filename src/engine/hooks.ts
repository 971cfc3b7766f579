/**
 * How the engine reports progress without rendering anything itself (Terraform's hooks): the CLI passes
 * an implementation that prints lines; tests and benchmarks pass nothing.
 */
import type { Action } from './plan';

export interface EngineHooks {
  refreshStarted?(total: number): void;
  /** One resource (or source) refreshed: `done` of `total`. */
  refreshProgress?(done: number, total: number, address: string): void;
  applyStarted?(address: string, action: Action): void;
  applyFinished?(address: string, action: Action, seconds: number): void;
  applyFailed?(address: string, action: Action, message: string): void;
  /** A sync paused or resumed by an orchestrated model change. */
  syncPaused?(sync: string, model: string): void;
  syncResumed?(sync: string, model: string): void;
}

export const NO_HOOKS: EngineHooks = {};
