/**
 * Reads a config file's text as strict JSON (no comments, no trailing commas), keeping the syntax tree so
 * that later problems can point at a line and column. Syntax errors come back as diagnostics.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { error, jsonPath, type Diagnostic } from '../diagnostics';
import { jsonc, LazyConfigFile, positionAt, type ConfigFile } from './config-file';
import { MAX_CONFIG_DEPTH } from '../input/input-limits';
import { countMembers, nestingProblem } from '../input/json-limits';
import { outlineJson } from './json-outline';

export function parseConfigFile(
  path: string,
  displayPath: string,
  raw: string,
): {
  file: ConfigFile;
  diagnostics: Diagnostic[];
} {
  // A byte-order mark (some Windows editors write one) is not JSON; a space keeps every offset in place.
  const text = raw.startsWith('\uFEFF') ? ' ' + raw.slice(1) : raw;
  const file = new LazyConfigFile(path, displayPath, text);
  // The common case: valid JSON, not too deep, without duplicate keys. JSON.parse and a one-pass outline
  // (which also measures the nesting) are enough; anything else takes the full parser below, which
  // explains every problem with its position.
  const plain = parseWhenPlain(text);
  if (plain !== undefined && plain !== TOO_DEEP) {
    file.value = plain.value;
    file.outline = plain.outline;
    return { file, diagnostics: [] };
  }
  // Before the full parser: it, and every walk of the value after it (schema, normalise), recurses.
  const deep = nestingProblem(text, MAX_CONFIG_DEPTH);
  if (deep !== undefined) {
    const { message, path: at, line, column } = deep;
    const detail =
      'No Backflow setting nests this deep; look for a value pasted in by mistake, or brackets never closed.';
    return {
      file,
      diagnostics: [error(`invalid JSON: ${message}`, { detail, file: displayPath, path: at, line, column })],
    };
  }
  const errors: ParseError[] = [];
  const { getLocation, parseTree } = jsonc();
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const at = (offset: number, summary: string, detail?: string): Diagnostic =>
    error(summary, {
      detail,
      file: displayPath,
      path: jsonPath(trimEmpty(getLocation(text, offset).path)),
      ...positionAt(file, offset),
    });

  // Every comment is its own mistake; after any other syntax error the parser's follow-on errors are noise.
  const comments = errors.filter((e) => isComment(e));
  const firstOther = errors.find((e) => !isComment(e));
  const diagnostics = comments.map((e) =>
    at(
      e.offset,
      'invalid JSON: comments are not allowed',
      'Config files are JSON; put notes in a `description`.',
    ),
  );
  if (firstOther !== undefined)
    diagnostics.push(at(firstOther.offset, `invalid JSON: ${describe(firstOther, text)}`));
  if (tree === undefined || diagnostics.length > 0) return { file, diagnostics };

  file.tree = tree;
  for (const { node, key } of duplicateKeys(tree)) {
    const offset = node.offset;
    diagnostics.push(
      key === '__proto__'
        ? at(offset, 'invalid JSON: "__proto__" is not allowed as a key')
        : at(
            offset,
            `duplicate key ${JSON.stringify(key)}`,
            'JSON would keep only the last value; remove or rename one.',
          ),
    );
  }
  // JSON.parse gives plain own properties for every key; jsonc-parser's value builder assigns them.
  file.value = JSON.parse(text);
  return { file, diagnostics };
}

const TOO_DEEP = 'too deep';

/**
 * The value and outline of a text that is strict JSON with no repeated key in any object (JSON.parse would
 * silently keep the last one), TOO_DEEP when it nests deeper than MAX_CONFIG_DEPTH, or undefined when the
 * full parser must look. JSON.parse comes first: V8's parser does not recurse, so any nesting is safe for
 * it; the outline then measures the nesting before countMembers, which recurses, walks the value.
 */
function parseWhenPlain(text: string): Pick<ConfigFile, 'value' | 'outline'> | typeof TOO_DEEP | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const outline = outlineJson(text, MAX_CONFIG_DEPTH);
  if (outline.tooDeep) return TOO_DEEP;
  const members = countMembers(value);
  if (members < 0) return undefined;
  return outline.members === members ? { value, outline } : undefined;
}

/** Between properties jsonc-parser reports an empty-named one; the object holding it is the place. */
function trimEmpty(path: (string | number)[]): (string | number)[] {
  const out = [...path];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function isComment(e: ParseError): boolean {
  const code = jsonc().printParseErrorCode(e.error);
  return code === 'InvalidCommentToken' || code === 'UnexpectedEndOfComment';
}

function describe(e: ParseError, text: string): string {
  const char = text[e.offset];
  const trailingComma = (char === '}' || char === ']') && /,\s*$/.test(text.slice(0, e.offset));
  switch (jsonc().printParseErrorCode(e.error)) {
    case 'PropertyNameExpected':
      if (trailingComma) return `trailing comma before "${char}"`;
      if (char === "'") return 'property names need double quotes, not single quotes';
      return 'expected a property name in double quotes';
    case 'ValueExpected':
      if (trailingComma) return `trailing comma before "${char}"`;
      if (e.offset >= text.length) return 'unexpected end of file: expected a value';
      return 'expected a value';
    case 'ColonExpected':
      return 'expected ":" after the property name';
    case 'CommaExpected':
      return 'expected "," between values';
    case 'CloseBraceExpected':
      return e.offset >= text.length ? 'unexpected end of file: expected "}"' : 'expected "," or "}"';
    case 'CloseBracketExpected':
      return e.offset >= text.length ? 'unexpected end of file: expected "]"' : 'expected "," or "]"';
    case 'EndOfFileExpected':
      return 'unexpected text after the end of the JSON value';
    case 'UnexpectedEndOfString':
      return 'unterminated string';
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'invalid number';
    case 'InvalidUnicode':
      return 'invalid \\u escape in string';
    case 'InvalidEscapeCharacter':
      return 'invalid escape sequence in string';
    case 'InvalidCharacter':
      return 'invalid character in string (control characters such as newlines must be escaped)';
    case 'InvalidSymbol':
      return char === "'"
        ? 'strings need double quotes, not single quotes'
        : `unexpected ${JSON.stringify(char ?? '')}`;
    default:
      return 'syntax error';
  }
}

/** Key nodes of properties that repeat an earlier key of the same object (and any `__proto__` key). */
function duplicateKeys(root: Node): { node: Node; key: string }[] {
  const found: { node: Node; key: string }[] = [];
  const walk = (node: Node): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const keyNode = prop.children?.[0];
        const key = keyNode?.value as string | undefined;
        if (keyNode === undefined || key === undefined) continue;
        if (seen.has(key) || key === '__proto__') found.push({ node: keyNode, key });
        seen.add(key);
      }
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  return found;
}
