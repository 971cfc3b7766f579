/**
 * The cdktf app: one stack per stage, each holding the same ReverseEtl construct with that stage's
 * settings. `backflow plan` runs it (see cdktf.json at the repository root) and plans each stack as its own
 * workspace, with its own state in `.backflow/<stack>/state.json`.
 */
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ReverseEtl } from './reverse-etl';
import { STAGES, stageSettings, type StageSettings } from './stages';

class ReverseEtlStack extends TerraformStack {
  constructor(scope: Construct, settings: StageSettings) {
    super(scope, settings.stage);
    new ReverseEtl(this, 'reverse-etl', settings);
  }
}

/**
 * The app with both stages. `outdir` defaults to CDKTF_OUTDIR (which Backflow sets); `env` is where stage
 * overrides are read (tests pass their own).
 */
export function buildApp(opts: { outdir?: string; env?: NodeJS.ProcessEnv } = {}): App {
  // skipValidation: Backflow constructs need no provider, and nothing here may call a terraform binary.
  const app = new App({ outdir: opts.outdir, skipValidation: true });
  for (const stage of STAGES) new ReverseEtlStack(app, stageSettings(stage, opts.env));
  return app;
}

if (require.main === module) buildApp().synth();
