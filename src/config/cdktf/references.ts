/**
 * References in synthesized JSON: a construct passed as a prop synthesizes as `${backflow_model.users.id}`.
 * In a field that references another resource, such a token becomes the address `model.users` (normalising
 * then keeps the name, and a reference to the wrong type is reported as in JSON config). Any other Terraform
 * expression (`${var.x}`, a cross-stack `${data.terraform_remote_state...}`, a token inside a longer string)
 * is a problem: the engine reads values, not expressions. `$${` is Terraform's escape for a literal `${`.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { isResourceType } from '../../graph/address';
import { REFERENCE_FIELDS } from '../../graph/references';
import { location, type SynthResource } from './stack-resources';
import type { ConfigFile, Segment } from '../config-file';

const TOKEN = /^\$\{backflow_([a-z_]+)\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** `${` or `%{` not escaped by doubling its first character. */
const EXPRESSION = /(?:^|[^$])\$\{|(?:^|[^%])%\{/;

/** Mutates `resource.attributes`: tokens in reference fields become addresses, escapes are undone. */
export function resolveReferences(resource: SynthResource, file: ConfigFile): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const refPaths =
    resource.type === 'backend' ? [] : REFERENCE_FIELDS[resource.type].map((f) => f.path.join('.'));
  const address = resource.type === 'backend' ? undefined : `${resource.type}.${resource.name}`;
  const problem = (path: Segment[], summary: string, detail: string): void => {
    const where = location(file, [...resource.segments, ...path], resource.construct, address);
    diagnostics.push(error(summary, { ...where, detail }));
  };

  const visit = (value: unknown, path: Segment[]): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return out;
    }
    if (typeof value !== 'string') return value;
    const field = path.join('.');
    const token = TOKEN.exec(value);
    if (token !== null && refPaths.includes(field)) {
      const [, type, name, attribute] = token;
      if (!isResourceType(type)) {
        problem(
          path,
          `${field} references backflow_${type}.${name}, which is not a Backflow resource`,
          'A reference names a backflow_source, backflow_git_sync, backflow_dbt_cloud, backflow_model, backflow_destination or backflow_sync.',
        );
      } else if (attribute !== 'id') {
        problem(
          path,
          `${field} reads attribute "${attribute}" of backflow_${type}.${name}`,
          'A reference is the construct itself (synthesized as `${backflow_TYPE.NAME.id}`): pass the construct, not one of its attributes.',
        );
      } else return `${type}.${name}`;
      return value;
    }
    if (EXPRESSION.test(value)) {
      const crossStack = value.includes('terraform_remote_state');
      problem(
        path,
        crossStack
          ? `${field} references a resource of another stack`
          : `${field} holds a Terraform expression: ${value}`,
        crossStack
          ? 'Each stack is its own Backflow workspace with its own state: declare the resource in this stack (share a Construct class between stacks instead).'
          : `Backflow reads plain values, and references (pass a construct) in ${refPaths.length > 0 ? refPaths.join(', ') : 'no field of this type'}. For a literal "\${" write "$\${".`,
      );
      return value;
    }
    return value.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  };

  resource.attributes = visit(resource.attributes, []) as Record<string, unknown>;
  return diagnostics;
}
