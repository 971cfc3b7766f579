/**
 * The command tree. Each action parses flags into a typed object, calls a command function and returns
 * its exit code; main.ts owns printing errors and exiting.
 */
import { Argument, Command, Option } from 'commander';
import { useColor } from './output';

/**
 * Each command's module loads when that command runs, not at start-up: `backflow --version` or `validate`
 * must not pay for the engine, the renderers and the warehouse adapters (Terraform starts in ~0.1 s).
 */
function lazy<M, K extends keyof M>(load: () => M, key: K): M[K] {
  return ((...args: unknown[]) => (load()[key] as (...a: unknown[]) => unknown)(...args)) as M[K];
}

const agentCommand = lazy(
  () => require('./commands/agent') as typeof import('./commands/agent'),
  'agentCommand',
);
const applyCommand = lazy(
  () => require('./commands/apply') as typeof import('./commands/apply'),
  'applyCommand',
);
const checkCommand = lazy(
  () => require('./commands/check') as typeof import('./commands/check'),
  'checkCommand',
);
const modelsListCommand = lazy(
  () => require('./commands/models') as typeof import('./commands/models'),
  'modelsListCommand',
);
const modelsSyncCommand = lazy(
  () => require('./commands/models') as typeof import('./commands/models'),
  'modelsSyncCommand',
);
const dbtCloudJobsCommand = lazy(
  () => require('./commands/dbt-cloud') as typeof import('./commands/dbt-cloud'),
  'dbtCloudJobsCommand',
);
const planCommand = lazy(() => require('./commands/plan') as typeof import('./commands/plan'), 'planCommand');
const previewCommand = lazy(
  () => require('./commands/preview') as typeof import('./commands/preview'),
  'previewCommand',
);
const sourceSetupSqlCommand = lazy(
  () => require('./commands/source') as typeof import('./commands/source'),
  'sourceSetupSqlCommand',
);
const sourceTestCommand = lazy(
  () => require('./commands/source') as typeof import('./commands/source'),
  'sourceTestCommand',
);
const showCommand = lazy(() => require('./commands/show') as typeof import('./commands/show'), 'showCommand');
const forceUnlockCommand = lazy(
  () => require('./commands/state') as typeof import('./commands/state'),
  'forceUnlockCommand',
);
const stateListCommand = lazy(
  () => require('./commands/state') as typeof import('./commands/state'),
  'stateListCommand',
);
const stateMvCommand = lazy(
  () => require('./commands/state') as typeof import('./commands/state'),
  'stateMvCommand',
);
const stateRmCommand = lazy(
  () => require('./commands/state') as typeof import('./commands/state'),
  'stateRmCommand',
);
const stateShowCommand = lazy(
  () => require('./commands/state') as typeof import('./commands/state'),
  'stateShowCommand',
);
const stateHistoryCommand = lazy(
  () => require('./commands/state-history') as typeof import('./commands/state-history'),
  'stateHistoryCommand',
);
const stateRollbackCommand = lazy(
  () => require('./commands/state-history') as typeof import('./commands/state-history'),
  'stateRollbackCommand',
);
const stateMigrateCommand = lazy(
  () => require('./commands/state-migrate') as typeof import('./commands/state-migrate'),
  'stateMigrateCommand',
);
const validateCommand = lazy(
  () => require('./commands/validate') as typeof import('./commands/validate'),
  'validateCommand',
);
const runsListCommand = lazy(
  () => require('./commands/runs') as typeof import('./commands/runs'),
  'runsListCommand',
);
const runsShowCommand = lazy(
  () => require('./commands/runs') as typeof import('./commands/runs'),
  'runsShowCommand',
);
const syncRunCommand = lazy(
  () => require('./commands/runs') as typeof import('./commands/runs'),
  'syncRunCommand',
);
const versionCommand = lazy(
  () => require('./commands/version') as typeof import('./commands/version'),
  'versionCommand',
);
const graphCommand = lazy(
  () => require('./commands/graph') as typeof import('./commands/graph'),
  'graphCommand',
);
const commentCommand = lazy(
  () => require('./commands/comment') as typeof import('./commands/comment'),
  'commentCommand',
);
const importCommand = lazy(
  () => require('./commands/import') as typeof import('./commands/import'),
  'importCommand',
);
const fmtCommand = lazy(() => require('./commands/fmt') as typeof import('./commands/fmt'), 'fmtCommand');

export type Run = (code: Promise<number>) => void;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <dir>', 'folder holding backflow.json, *.backflow.json or cdktf.json', '.')
    .option('--no-color', 'no ANSI colours (also: NO_COLOR=1)')
    .option('--lock-timeout <duration>', 'wait this long for the state lock (e.g. 30s)')
    .option('--no-lock', 'do not take the state lock (dangerous when others may apply)')
    .option('--stack <name>', 'cdktf apps: only this stack (default: every stack, each its own workspace)')
    .option('--synth-dir <dir>', 'cdktf apps: read this synth output (cdktf.out) instead of running the app');
}

function planning(cmd: Command): Command {
  return cmd
    .option('--target <address>', 'limit the plan to this resource and what it needs (repeatable)', collect)
    .option('--no-refresh', 'skip reading the warehouses; trust state (also: -refresh=false)')
    .option('--refresh-only', 'only reconcile state with the real world')
    .option('--replace <address>', 'replace this object even though nothing forces it (repeatable)', collect);
}

/** Global options merged with the command's own; colour decided once. */
function flagsOf<T>(cmd: Command): T & { color: boolean } {
  const opts = cmd.optsWithGlobals() as Record<string, unknown>;
  return { ...opts, color: useColor(opts.color === false) } as T & { color: boolean };
}

export function buildProgram(run: Run): Command {
  const program = new Command('backflow')
    .description(
      'Reverse ETL on dbt as code: plan and apply warehouses, dbt Git syncs, models, destinations and syncs.',
    )
    // `--version` is handled in main.ts before parsing (Terraform's output, and `--version --json`).
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  planning(common(program.command('plan').description('show what apply would change')))
    .option('--out <file>', 'save the plan for `backflow apply FILE` (no secret values are saved)')
    .option('--json', 'print the plan as JSON (shaped like `terraform show -json`)')
    .addOption(new Option('--format <format>', 'output format').choices(['human', 'markdown', 'json']))
    .option('--detailed-exitcode', 'exit 0 with no changes, 1 on error, 2 with changes')
    .option('--destroy', 'plan to destroy everything in state')
    .option(
      '--trust-new-endpoints',
      'connect to sources whose host the applied state never sent their secrets to (local use)',
    )
    .action((_o, cmd: Command) => run(planCommand(flagsOf(cmd))));

  planning(common(program.command('apply').description('make the real world match the configuration')))
    .argument('[planfile]', 'a plan saved by `backflow plan --out`')
    .option('--auto-approve', 'skip the interactive approval')
    .option('--parallelism <n>', 'at most this many actions at once', '10')
    .option('--destroy', 'destroy everything in state')
    .action((planfile: string | undefined, _o, cmd: Command) => run(applyCommand(planfile, flagsOf(cmd))));

  common(program.command('destroy').description('destroy every object Backflow manages in this workspace'))
    .option('--target <address>', 'destroy only this resource and what depends on it (repeatable)', collect)
    .option('--auto-approve', 'skip the interactive approval')
    .option('--parallelism <n>', 'at most this many actions at once', '10')
    .option('--no-refresh', 'skip reading the warehouses')
    .action((_o, cmd: Command) => run(applyCommand(undefined, { ...flagsOf(cmd), destroy: true })));

  common(program.command('validate').description('check the configuration: schema, references, rules'))
    .option('--json', 'machine-readable result')
    .action((_o, cmd: Command) => run(validateCommand(flagsOf(cmd))));

  common(program.command('preview').description("run a model's SQL on its warehouse with a row limit"))
    .argument('<model>', 'model name or address')
    .option('--limit <n>', 'rows to show', '10')
    .option('--json', 'print rows as JSON')
    .action((model: string, _o, cmd: Command) => run(previewCommand(model, flagsOf(cmd))));

  const syncCmd = program.command('sync').description('run syncs (the data plane)');
  common(
    syncCmd.command('run').description('run one sync now: deliver the rows that changed since its last run'),
  )
    .argument('<sync>', 'sync name or address')
    .option('--full-resync', 'send every row again (tracking is kept)')
    .option('--dry-run', 'plan in the warehouse and show counts and samples; send and record nothing')
    .option('--json', 'print the run record as JSON')
    .action((name: string, _o, cmd: Command) => run(syncRunCommand(name, flagsOf(cmd))));

  const runs = program.command('runs').description('the run history of syncs');
  common(runs.command('list').description('recent runs, newest first'))
    .argument('[sync]', 'only this sync')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'as JSON')
    .action((name: string | undefined, _o, cmd: Command) => run(runsListCommand(name, flagsOf(cmd))));
  common(runs.command('show').description('one run: counts, errors and rejected rows'))
    .argument('<run>', 'a run id from `backflow runs list`')
    .option('--json', 'as JSON')
    .action((id: string, _o, cmd: Command) => run(runsShowCommand(id, flagsOf(cmd))));

  const source = program.command('source').description('work with warehouse sources');
  common(source.command('test').description('connect and check the managed schema and grants'))
    .argument('<name>')
    .action((name: string, _o, cmd: Command) => run(sourceTestCommand(name, flagsOf(cmd))));
  common(source.command('setup-sql').description('print the least-privilege setup SQL for an admin'))
    .argument('<name>')
    .action((name: string, _o, cmd: Command) => run(sourceSetupSqlCommand(name, flagsOf(cmd))));

  const dbtCloud = program.command('dbt-cloud').description('work with dbt Cloud links');
  common(dbtCloud.command('jobs').description("list the account's jobs with their last run"))
    .argument('<name>', 'a dbt_cloud link of the configuration')
    .option('--json', 'as JSON')
    .action((name: string, _o, cmd: Command) => run(dbtCloudJobsCommand(name, flagsOf(cmd))));

  const models = program.command('models').description('dbt models of a Git sync');
  common(models.command('sync').description('fetch the repository and reload its dbt models now'))
    .argument('<git_sync>')
    .action((name: string, _o, cmd: Command) => run(modelsSyncCommand(name, flagsOf(cmd))));
  common(
    models.command('list').description('every dbt model: relation, materialization, primary-key candidates'),
  )
    .argument('<git_sync>')
    .option('--json', 'as JSON')
    .action((name: string, _o, cmd: Command) => run(modelsListCommand(name, flagsOf(cmd))));

  common(
    program
      .command('check')
      .description("fail a dbt repository's CI when a change breaks a model used by an active sync"),
  )
    .requiredOption('--dbt-project <path>', 'the checked-out dbt project folder')
    .option(
      '--git-sync <name>',
      'which Git sync of the workspace the project belongs to (when there are several)',
    )
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'markdown']))
    .action((_o, cmd: Command) => run(checkCommand(flagsOf(cmd))));

  const state = program.command('state').description('inspect and edit state');
  common(state.command('list').description('list managed objects')).action((_o, cmd: Command) =>
    run(stateListCommand(flagsOf(cmd))),
  );
  common(state.command('show').description('show one object'))
    .argument('<address>')
    .option('--json', 'as JSON')
    .action((address: string, _o, cmd: Command) => run(stateShowCommand(address, flagsOf(cmd))));
  common(state.command('rm').description('forget objects without destroying them'))
    .argument('<addresses...>')
    .action((addresses: string[], _o, cmd: Command) => run(stateRmCommand(addresses, flagsOf(cmd))));

  common(
    state.command('mv').description('give a managed object a new address; nothing in the warehouse changes'),
  )
    .argument('<source>', 'its address now, e.g. sync.users_to_crm')
    .argument('<destination>', 'its new address, e.g. sync.users_to_hubspot')
    .action((from: string, to: string, _o, cmd: Command) => run(stateMvCommand(from, to, flagsOf(cmd))));

  common(state.command('history').description('list the kept versions of the state'))
    .option('--json', 'as JSON')
    .action((_o, cmd: Command) => run(stateHistoryCommand(flagsOf(cmd))));
  common(state.command('rollback').description('write a kept version again, as a new serial'))
    .argument('<serial>', 'a serial listed by `backflow state history`')
    .action((serial: string, _o, cmd: Command) => run(stateRollbackCommand(serial, flagsOf(cmd))));
  common(state.command('migrate').description('move the state to (or from) the backend of another config'))
    .option('--to-config <dir>', "move this workspace's state to the backend configured in DIR")
    .option('--from-config <dir>', 'bring the state of the backend configured in DIR into this one')
    .action((_o, cmd: Command) => run(stateMigrateCommand(flagsOf(cmd))));

  common(program.command('show').description('show a saved plan, or the current state'))
    .argument('[planfile]', 'a plan saved by `backflow plan --out`; without it, the current state')
    .option('--json', 'as JSON (the JSON plan, or the state shaped like `terraform show -json`)')
    .action((planfile: string | undefined, _o, cmd: Command) => run(showCommand(planfile, flagsOf(cmd))));

  common(
    program
      .command('agent')
      .description('run schedules, dbt Cloud triggers and chains; serve metrics and a runs dashboard'),
  )
    .option(
      '--database-url <url>',
      'Postgres for the run queue (default: BACKFLOW_AGENT_DATABASE_URL, or the pg state backend)',
    )
    .option('--listen <host:port>', 'webhooks, /metrics, /healthz and the dashboard', '127.0.0.1:8080')
    .option('--concurrency <n>', 'runs at once on this agent (each a different sync)', '4')
    .option(
      '--lease <duration>',
      "a killed agent's run is taken over after this (longer than your longest run)",
      '15m',
    )
    .option('--reload-interval <duration>', 'how often to look for a newly applied state', '10s')
    .option(
      '--dbt-webhook-secret <ref>',
      'HMAC secret of a dbt Cloud webhook: env:NAME or file:PATH (repeatable)',
      collect,
    )
    .option(
      '--dbt-poll-interval <duration>',
      'poll the runs of dbt Cloud jobs this often (poll-mode links)',
      '60s',
    )
    .option(
      '--dbt-catchup-interval <duration>',
      'poll webhook-mode links this often too, for deliveries dbt Cloud gave up on',
      '10m',
    )
    .option('--dashboard-token <ref>', 'dashboard token, env:NAME or file:PATH (required off loopback)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'and this key (PEM)')
    .option('--after-sync-on-partial', 'start after_sync dependents when the upstream run is partial too')
    .action((_o, cmd: Command) => run(agentCommand(flagsOf(cmd))));

  common(
    program
      .command('import')
      .description('adopt an existing warehouse object (managed schema, sync tracking) into state'),
  )
    .argument('<address>', 'a resource the configuration declares: source.NAME or sync.NAME')
    .argument('<id>', "source: its managed schema's name; sync: the name its tracking tables were made under")
    .action((address: string, id: string, _o, cmd: Command) => run(importCommand(address, id, flagsOf(cmd))));

  common(program.command('force-unlock').description('remove a state lock left by a process that died'))
    .argument('<id>', 'the lock id printed in the lock error')
    .option('--force', 'do not ask for confirmation')
    .action((id: string, _o, cmd: Command) => run(forceUnlockCommand(id, { ...flagsOf(cmd), lock: false })));

  program
    .command('version')
    .description('print the Backflow version and platform (also: --version)')
    .option('--json', 'as JSON')
    .action((_o, cmd: Command) => run(versionCommand(flagsOf(cmd))));

  common(program.command('graph').description('print the dependency graph of the configuration'))
    .addOption(
      new Option('--type <type>', 'dot (Graphviz, as terraform graph) or mermaid').choices([
        'dot',
        'mermaid',
      ]),
    )
    .action((_o, cmd: Command) => run(graphCommand(flagsOf(cmd))));

  program
    .command('fmt')
    .description('rewrite the JSON config files in the canonical layout')
    .option('-c, --config <dir>', 'folder holding backflow.json or *.backflow.json', '.')
    .option('--check', 'write nothing; exit 3 when a file needs formatting')
    .option('--diff', 'print the changes as a unified diff')
    .action((_o, cmd: Command) => run(fmtCommand(flagsOf(cmd))));

  program
    .command('comment')
    .description(
      "post `plan --format markdown` output on the pull request (GitHub Actions) or merge request (GitLab CI), updating each workspace's earlier comment",
    )
    .argument('<file>', 'what `backflow plan --format markdown` wrote')
    .option('--platform <name>', 'github or gitlab (default: the CI this runs in)')
    .option('--pr <number>', 'the pull (merge) request (default: the one the CI run is for)')
    .action((file: string, _o, cmd: Command) => run(commentCommand(file, flagsOf(cmd))));

  program
    .command('completion')
    .description('print a shell completion script: eval "$(backflow completion bash)"')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action((shell: string) => {
      process.stdout.write(
        (require('./completion') as typeof import('./completion')).completionScript(program, shell),
      );
      run(Promise.resolve(0));
    });

  return program;
}
