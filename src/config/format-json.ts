/**
 * The canonical layout of a JSON config file for `backflow fmt`: two-space indentation, one space after a
 * colon, `\n` line ends and a final newline; what is written stays as written (key order, which values
 * share a line), as `terraform fmt` changes layout and never meaning. A file that is not valid JSON is left
 * alone: the caller reports it with `validate`'s message.
 */
import { MAX_CONFIG_DEPTH } from '../input/input-limits';
import { nestingProblem } from '../input/json-limits';
import { applyEdits, format, parseTree, type ParseError } from 'jsonc-parser';

/** The formatted text, or undefined when `text` does not parse. */
export function formatJsonConfig(text: string): string | undefined {
  // The parser below recurses: too deep a text is "cannot be formatted", not a stack overflow.
  if (nestingProblem(text, MAX_CONFIG_DEPTH) !== undefined) return undefined;
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0) return undefined;
  const normalized = text.replace(/\r\n?/g, '\n');
  const out = applyEdits(
    normalized,
    format(normalized, undefined, { tabSize: 2, insertSpaces: true, eol: '\n' }),
  );
  return out.trimEnd() + '\n';
}
