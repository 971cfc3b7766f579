/**
 * Shell completion scripts for `backflow completion bash|zsh|fish`, generated from the command tree itself,
 * so a new command or flag completes without anyone editing a script. Commands and subcommands complete
 * by position; flags by the command they belong to; everything else falls back to file names.
 */
import type { Command } from 'commander';

interface Entry {
  /** Subcommand path, e.g. `state mv`; '' for the top level. */
  path: string;
  words: string[];
}

function entries(cmd: Command, prefix: string[] = []): Entry[] {
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const flags = cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
  const out: Entry[] = [
    { path: prefix.join(' '), words: [...subs.map((c) => c.name()), ...flags, '--help'] },
  ];
  for (const sub of subs) out.push(...entries(sub, [...prefix, sub.name()]));
  return out;
}

export function completionScript(program: Command, shell: string): string {
  const table = entries(program);
  if (shell === 'fish') return fish(table);
  const cases = table.map((e) => `    "${e.path}") words="${e.words.join(' ')}" ;;`).join('\n');
  const bash = `# backflow completion (${shell}): eval "$(backflow completion ${shell})"
_backflow_complete() {
  local cur path="" i w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "$path \${w}" in
${table
  .filter((e) => e.path !== '')
  .map((e) => `      " ${e.path}") path="${e.path}" ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  return 0
}
complete -F _backflow_complete backflow
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

function fish(table: Entry[]): string {
  const lines = ['# backflow completion (fish): backflow completion fish | source'];
  for (const e of table) {
    const parts = e.path === '' ? [] : e.path.split(' ');
    const cond =
      parts.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${parts[parts.length - 1]}`;
    const subs = e.words.filter((w) => !w.startsWith('-'));
    const flags = e.words.filter((w) => w.startsWith('--')).map((w) => w.slice(2));
    if (subs.length > 0) lines.push(`complete -c backflow -f -n '${cond}' -a '${subs.join(' ')}'`);
    for (const f of flags) lines.push(`complete -c backflow -n '${cond}' -l ${f}`);
  }
  return lines.join('\n') + '\n';
}
