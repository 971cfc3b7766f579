'use strict';
/**
 * Builds real Git repositories with the git CLI, for the Git adapter's tests and the clone benchmark.
 * Plain CommonJS (shared by TypeScript tests and plain-JS benchmarks). Every git call is asynchronous:
 * the same process may be serving those repositories over HTTP (see git-http-server.js).
 *
 *   const remote = await createServedRepo({ root, name: 'dbt.git', files: { 'dbt_project.yml': '...' } });
 *   const sha = await remote.commit({ 'models/a.sql': 'select 1', 'old.sql': null }, 'second');
 *
 * `root/name` is a bare repository (what a server serves); `remote.work` is a working clone whose
 * commits are pushed to it. A file content of `null` deletes the file.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** An environment with no user or system config, and a fixed identity and dates for reproducible SHAs. */
function gitEnv(extra) {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Backflow Test',
    GIT_AUTHOR_EMAIL: 'test@backflow.invalid',
    GIT_COMMITTER_NAME: 'Backflow Test',
    GIT_COMMITTER_EMAIL: 'test@backflow.invalid',
    ...extra,
  };
}

/** Runs git in `cwd`; resolves stdout (trimmed), rejects with stderr in the message. */
function git(cwd, args, extraEnv) {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, env: gitEnv(extraEnv), maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr || err.message}`));
        else resolve(String(stdout).trim());
      },
    );
  });
}

/** Writes (or, for null, deletes) files under `dir`. */
function writeFiles(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    if (content === null) {
      fs.rmSync(full, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

/** A new working repository at `dir` on `branch`, with one commit of `files`. Resolves the commit SHA. */
async function createWorkRepo(dir, { branch = 'main', files = {}, message = 'initial' } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', branch]);
  writeFiles(dir, files);
  return commitAll(dir, message);
}

/** Stages everything in the working repository at `dir` and commits it. Resolves the commit SHA. */
async function commitAll(dir, message) {
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/**
 * A bare repository `root/name` served as-is, fed from a working clone (in a temp folder) whose commits
 * are pushed to it. Options: `files` (first commit), `branch` (default main), `branches` (extra branch
 * names created at the first commit).
 */
async function createServedRepo({ root, name, files = {}, branch = 'main', branches = [] }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'backflow-git-work-'));
  const bare = path.join(root, name);
  const first = await createWorkRepo(work, { branch, files });
  for (const b of branches) await git(work, ['branch', b]);
  fs.mkdirSync(path.dirname(bare), { recursive: true });
  await git(root, ['clone', '-q', '--bare', work, bare]);
  // Served repositories allow shallow fetches of any advertised commit, as hosted services do.
  await git(bare, ['config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  await git(work, ['remote', 'add', 'origin', bare]);
  return {
    bare,
    work,
    branch,
    first,
    /** Commits `files` (null deletes) on the current branch and pushes it; resolves the new SHA. */
    async commit(changes, message = 'change') {
      writeFiles(work, changes);
      const sha = await commitAll(work, message);
      await git(work, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
      return sha;
    },
    git: (args) => git(work, args),
    remove() {
      fs.rmSync(work, { recursive: true, force: true });
      fs.rmSync(bare, { recursive: true, force: true });
    },
  };
}

module.exports = { git, gitEnv, writeFiles, createWorkRepo, commitAll, createServedRepo };
