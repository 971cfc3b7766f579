/**
 * Where a plan is being made, from the CI's own environment, for the pull-request comment: the commit (the
 * pull request's head, not the test merge commit GitHub checks out) and a link to the run. Empty outside CI.
 */
import { readFileSync } from 'node:fs';
import { ciRunUrl } from '../state/lock-info';

export interface CiContext {
  commit?: string;
  runUrl?: string;
}

export function ciContext(env: NodeJS.ProcessEnv = process.env): CiContext {
  const out: CiContext = {};
  if (env.GITHUB_ACTIONS === 'true') {
    const head = pullRequestHead(env.GITHUB_EVENT_PATH);
    const commit = head ?? env.GITHUB_SHA;
    if (commit) out.commit = commit;
  } else if (env.GITLAB_CI === 'true') {
    const commit = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA;
    if (commit) out.commit = commit;
  }
  const run = ciRunUrl(env);
  if (run !== undefined) out.runUrl = run;
  return out;
}

/** `pull_request.head.sha` of the event that started a GitHub Actions run, if it is a pull request's. */
function pullRequestHead(eventPath: string | undefined): string | undefined {
  if (!eventPath) return undefined;
  try {
    const sha = JSON.parse(readFileSync(eventPath, 'utf8'))?.pull_request?.head?.sha;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
}
