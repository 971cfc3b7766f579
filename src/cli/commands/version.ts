/**
 * `backflow version` and `backflow --version` (`-json` for machines), in Terraform's words: the version and
 * the platform it runs on. Loads nothing but package.json, so it costs what starting Node costs.
 */
import { BACKFLOW_VERSION } from '../../version';

export function versionCommand(flags: { json?: boolean }): Promise<number> {
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  process.stdout.write(
    flags.json
      ? JSON.stringify(
          { backflow_version: BACKFLOW_VERSION, platform, node_version: process.versions.node },
          null,
          2,
        ) + '\n'
      : `Backflow v${BACKFLOW_VERSION}\non ${platform}\n`,
  );
  return Promise.resolve(0);
}
