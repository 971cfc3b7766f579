#!/usr/bin/env node
'use strict';
/* global fetch */
/**
 * Posts a Backflow plan on a GitLab merge request, updating Backflow's earlier note (found by the hidden
 * marker on its first line) instead of adding one per push.
 *
 *   node mr-comment.js plan.md plan.err EXITCODE
 *
 * Reads CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID (set by GitLab) and GITLAB_API_TOKEN (a
 * project access token with the `api` scope). Node 20 or later (global fetch); no dependencies.
 */
const fs = require('node:fs');

/** The hidden first line of every comment `backflow plan --format markdown` writes. */
const MARKER = '<!-- backflow-plan -->';
const PER_PAGE = 100;

function read(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

function noteBody(planFile, errorFile, exitCode) {
  const plan = read(planFile);
  if (plan.startsWith(MARKER)) return plan;
  // No plan at all (bad config, unreachable state): show the error instead.
  return [
    MARKER,
    '## Backflow plan',
    '',
    `> [!caution]\n> **\`backflow plan\` failed (exit code ${exitCode}).**`,
    '',
    '~~~~text',
    read(errorFile).slice(-60000).trimEnd(),
    '~~~~',
  ].join('\n');
}

async function call(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { 'PRIVATE-TOKEN': token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return res.json();
}

async function main() {
  const [planFile = 'plan.md', errorFile = 'plan.err', exitCode = '?'] = process.argv.slice(2);
  const {
    CI_API_V4_URL: api,
    CI_PROJECT_ID: project,
    CI_MERGE_REQUEST_IID: mr,
    GITLAB_API_TOKEN: token,
  } = process.env;
  if (!api || !project || !mr || !token) {
    console.error(
      'mr-comment: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and GITLAB_API_TOKEN are needed',
    );
    process.exitCode = 1;
    return;
  }
  const notes = `${api}/projects/${encodeURIComponent(project)}/merge_requests/${mr}/notes`;
  const body = noteBody(planFile, errorFile, exitCode);
  let previous;
  for (let page = 1; previous === undefined; page++) {
    const list = await call(
      'GET',
      `${notes}?sort=asc&order_by=created_at&per_page=${PER_PAGE}&page=${page}`,
      token,
    );
    previous = list.find((n) => !n.system && typeof n.body === 'string' && n.body.startsWith(MARKER));
    if (list.length < PER_PAGE) break;
  }
  if (previous !== undefined) {
    await call('PUT', `${notes}/${previous.id}`, token, { body });
    console.log(`mr-comment: updated note ${previous.id}`);
  } else {
    const created = await call('POST', notes, token, { body });
    console.log(`mr-comment: created note ${created.id}`);
  }
}

main().catch((err) => {
  console.error(`mr-comment: ${err.message}`);
  process.exitCode = 1;
});
