/** The render package's public surface: what the CLI imports. */
export { renderJson, toJsonPlan, JSON_PLAN_FORMAT_VERSION } from './json-plan';
export type { JsonPlan, JsonResourceChange, JsonChange, JsonDiagnostic } from './json-plan';
export { renderHuman } from './human';
export type { HumanOptions } from './human';
export { renderMarkdown, MARKDOWN_MARKER, GITHUB_COMMENT_LIMIT } from './markdown';
export type { MarkdownOptions } from './markdown';
export {
  applyStarted,
  applyStillRunning,
  applyFinished,
  applyFailed,
  applyPausedSyncs,
  applyResumedSyncs,
  applySummary,
  duration,
} from './apply-progress';
export type { ApplyCounts, ProgressOptions } from './apply-progress';
export { renderTable } from './table';
