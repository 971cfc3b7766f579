/**
 * Collects the resources and the backend declared across all config files, in declaration order, and
 * reports what may be declared only once: an address, the backend.
 */
import { error, jsonPath, type Diagnostic } from '../diagnostics';
import { CONFIG_KEYS, RESOURCE_TYPES, type ResourceType } from '../graph/address';
import { locate, type ConfigFile, type Segment } from './config-file';

export interface Declaration {
  type: ResourceType;
  name: string;
  address: string;
  file: ConfigFile;
  /** `[configKey, name]`: where the resource sits in its file. */
  segments: Segment[];
  /** The resource as written, with schema defaults filled in. */
  value: Record<string, unknown>;
}

export interface BackendDeclaration {
  file: ConfigFile;
  value: Record<string, unknown>;
}

const TYPE_OF_KEY = new Map<string, ResourceType>(RESOURCE_TYPES.map((t) => [CONFIG_KEYS[t], t]));

export function collectDeclarations(files: readonly ConfigFile[]): {
  declarations: Declaration[];
  /** The same declarations by address. */
  byAddress: Map<string, Declaration>;
  backend?: BackendDeclaration;
  diagnostics: Diagnostic[];
} {
  const declarations: Declaration[] = [];
  const byAddress = new Map<string, Declaration>();
  const diagnostics: Diagnostic[] = [];
  let backend: BackendDeclaration | undefined;

  for (const file of files) {
    const root = file.value;
    if (!isObject(root)) continue;
    // Sections in the order the file has them, so declaration order is what a reader of the file sees.
    for (const [key, section] of Object.entries(root)) {
      if (key === 'backend' && isObject(section)) {
        if (backend !== undefined) {
          diagnostics.push(twice('backend', backend.file, ['backend'], file, ['backend']));
          continue;
        }
        backend = { file, value: section };
        continue;
      }
      const type = TYPE_OF_KEY.get(key);
      if (type === undefined || !isObject(section)) continue;
      // Names, not [name, value] pairs: a section may hold 20,000 resources.
      for (const name of Object.keys(section)) {
        const value = section[name];
        if (!isObject(value)) continue;
        const decl: Declaration = {
          type,
          name,
          address: `${type}.${name}`,
          file,
          segments: [key, name],
          value,
        };
        const first = byAddress.get(decl.address);
        if (first !== undefined) {
          diagnostics.push({
            ...twice(decl.address, first.file, first.segments, file, decl.segments),
            address: decl.address,
          });
          continue;
        }
        byAddress.set(decl.address, decl);
        declarations.push(decl);
      }
    }
  }
  return { declarations, byAddress, backend, diagnostics };
}

function twice(
  what: string,
  firstFile: ConfigFile,
  firstAt: Segment[],
  file: ConfigFile,
  at: Segment[],
): Diagnostic {
  const first = locate(firstFile, firstAt, true);
  return error(`${what} is declared in both ${firstFile.displayPath} and ${file.displayPath}`, {
    detail: `First declared in ${firstFile.displayPath} line ${first.line}, column ${first.column}. Keep one.`,
    file: file.displayPath,
    path: jsonPath(at),
    ...locate(file, at, true),
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
