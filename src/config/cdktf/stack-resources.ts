/**
 * The part of a synthesized stack (`cdk.tf.json`) the engine owns: `resource.backflow_<type>.<name>`.
 * Everything else (the `terraform` block with cdktf's machine-specific local backend, `provider`, `output`,
 * `data`, stack `//` metadata, other providers' resources) belongs to Terraform and is ignored.
 */
import { error, jsonPath, type Diagnostic } from '../../diagnostics';
import { RESOURCE_TYPES, type ResourceType } from '../../graph/address';
import { locate, type ConfigFile, type Segment } from '../config-file';
import { suggestion } from '../did-you-mean';

export type SynthType = ResourceType | 'backend';

export interface SynthResource {
  type: SynthType;
  name: string;
  /** Attributes as synthesized, without the `//` metadata. */
  attributes: Record<string, unknown>;
  /** Construct path from the `//` metadata (`production/etl/users`), when the file has one. */
  construct?: string;
  /** Where the resource sits in cdk.tf.json: `['resource', 'backflow_model', 'users']`. */
  segments: Segment[];
}

const PREFIX = 'backflow_';
const KNOWN: readonly SynthType[] = [...RESOURCE_TYPES, 'backend'];
/** Terraform meta-arguments: Backflow orders by references and has no providers, counts or provisioners. */
const META_ARGUMENTS = ['depends_on', 'count', 'for_each', 'provider', 'provisioner', 'connection'];

export function stackResources(file: ConfigFile): { resources: SynthResource[]; diagnostics: Diagnostic[] } {
  const resources: SynthResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const root = file.value;
  const blocks = isObject(root) && isObject(root.resource) ? root.resource : {};
  for (const [tfType, byName] of Object.entries(blocks)) {
    if (!tfType.startsWith(PREFIX) || !isObject(byName)) continue;
    const type = tfType.slice(PREFIX.length) as SynthType;
    for (const [name, value] of Object.entries(byName)) {
      const segments: Segment[] = ['resource', tfType, name];
      const { '//': meta, ...attributes } = isObject(value) ? value : {};
      const construct = constructPath(meta);
      const address = KNOWN.includes(type) ? `${type}.${name}` : undefined;
      const where = (at: Segment[] = []) => location(file, [...segments, ...at], construct, address);
      if (!KNOWN.includes(type)) {
        diagnostics.push(
          error(`unknown Backflow resource type "${tfType}"${suggestion(tfType, KNOWN.map(typeName))}`, {
            ...where(),
            detail: `Backflow manages ${KNOWN.map(typeName).join(', ')}.`,
          }),
        );
        continue;
      }
      if (!isObject(value)) {
        diagnostics.push(error(`${tfType}.${name} must be an object of attributes`, where()));
        continue;
      }
      for (const arg of META_ARGUMENTS.filter((a) => a in attributes)) {
        diagnostics.push(
          error(`Terraform meta-argument "${arg}" is not supported by Backflow`, {
            ...where([arg]),
            detail:
              'Backflow orders resources by their references and has no providers, counts or provisioners; remove it.',
          }),
        );
        delete attributes[arg];
      }
      resources.push({ type, name, attributes, construct, segments });
    }
  }
  return { resources, diagnostics };
}

/** Where in cdk.tf.json, and which construct, a problem is about. */
export function location(
  file: ConfigFile,
  segments: readonly Segment[],
  construct: string | undefined,
  address: string | undefined,
): Omit<Diagnostic, 'severity' | 'summary'> {
  return {
    ...(address !== undefined && !address.startsWith('backend.') ? { address } : {}),
    ...(construct !== undefined ? { construct } : {}),
    file: file.displayPath,
    path: jsonPath(segments),
    ...locate(file, segments, true),
  };
}

function typeName(type: SynthType): string {
  return `${PREFIX}${type}`;
}

function constructPath(meta: unknown): string | undefined {
  const path = isObject(meta) && isObject(meta.metadata) ? meta.metadata.path : undefined;
  return typeof path === 'string' ? path : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
