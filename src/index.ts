/**
 * The package root, `backflow-etl`: the engine API for programs (read and plan a folder's config, render a
 * plan). It loads no cdktf; the construct library is `backflow-etl/constructs`. The CLI is `bin/backflow.js`.
 */
export { planFolder, readWorkspaces } from './api';
export type { FolderOptions, PlanFolderOptions, Workspace } from './api';
export type { DesiredState } from './config/desired';
export type { Plan, PlanMode, ResourceChange } from './engine/plan';
export { DiagnosticsError, UserError } from './errors';
export { renderHuman, renderJson, renderMarkdown, toJsonPlan, JSON_PLAN_FORMAT_VERSION } from './render';
export type { JsonPlan, JsonResourceChange, JsonDiagnostic } from './render';
export { BACKFLOW_VERSION } from './version';
