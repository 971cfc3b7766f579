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
    const head = githubPullRequest(env.GITHUB_EVENT_PATH).headSha;
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

/**
 * The pull request of the event that started a GitHub Actions run (`GITHUB_EVENT_PATH`): its number and
 * head commit; empty when the run is not for a pull request or the event cannot be read.
 */
export function githubPullRequest(eventPath: string | undefined): { number?: string; headSha?: string } {
  if (!eventPath) return {};
  let pr: { number?: unknown; head?: { sha?: unknown } } | undefined;
  try {
    pr = JSON.parse(readFileSync(eventPath, 'utf8'))?.pull_request;
  } catch {
    return {};
  }
  return {
    ...(typeof pr?.number === 'number' ? { number: String(pr.number) } : {}),
    ...(typeof pr?.head?.sha === 'string' ? { headSha: pr.head.sha } : {}),
  };
}
