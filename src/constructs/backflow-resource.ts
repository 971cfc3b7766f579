/**
 * The base of every Backflow construct: a cdktf TerraformResource of type `backflow_<type>` with no
 * provider. cdktf writes it to `cdk.tf.json` as `resource.backflow_<type>.<name>`, with the attributes
 * `synthesizeAttributes()` returns and `//` metadata holding the construct path.
 */
import { TerraformResource, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { ResourceType } from '../graph/address';

/** Terraform resource type of a Backflow type: `backflow_model`. */
export function terraformType(type: ResourceType | 'backend'): string {
  return `backflow_${type}`;
}

const MARK = Symbol.for('backflow.resource');

/** Names taken per stack, `type.name` → construct path, so a second one fails at once and says where. */
const claimed = new WeakMap<TerraformStack, Map<string, string>>();

export abstract class BackflowResource<
  T extends ResourceType | 'backend',
  P extends object,
> extends TerraformResource {
  /** Backflow resource type. Also what makes a Model unassignable where a Destination is expected. */
  readonly resourceType: T;
  /** Resource name in Backflow (the address is `type.name`): the construct id. */
  readonly resourceName: string;
  /** The props as given; synthesized by `synthesizeAttributes()`. */
  readonly props: P;

  constructor(scope: Construct, id: string, type: T, props: P) {
    super(scope, id, { terraformResourceType: terraformType(type) });
    Object.defineProperty(this, MARK, { value: true });
    this.resourceType = type;
    this.resourceName = id;
    this.props = props;
    // The Terraform name is the construct id, wherever the construct sits in the tree: Backflow addresses
    // stay `model.users`, not cdktf's `etl_users_1A2B3C4D` for nested constructs.
    this.overrideLogicalId(id);
    claim(this);
  }

  /** The address in plans and state: `model.users`. */
  get address(): string {
    return `${this.resourceType}.${this.resourceName}`;
  }

  /** How another resource references this one: `${backflow_model.users.id}` once synthesized. */
  get ref(): string {
    return this.getStringAttribute('id');
  }

  /**
   * cdktf merges these over the attributes, and an undefined one deletes the attribute of its name: unset
   * meta-arguments are left out, so a model's own `lifecycle` survives.
   */
  override get terraformMetaArguments(): { [name: string]: unknown } {
    const all = super.terraformMetaArguments as Record<string, unknown>;
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return toAttributes(this.props) as { [name: string]: unknown };
  }
}

export function isBackflowResource(value: unknown): value is BackflowResource<ResourceType, object> {
  return typeof value === 'object' && value !== null && MARK in value;
}

/** Props → config-shaped attributes: constructs become reference tokens, `undefined` fields are left out. */
export function toAttributes(value: unknown): unknown {
  if (isBackflowResource(value)) return value.ref;
  if (Array.isArray(value)) return value.map(toAttributes);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toAttributes(v);
    return out;
  }
  // Strings, numbers, booleans, and cdktf tokens (which cdktf resolves itself).
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function claim(resource: BackflowResource<ResourceType | 'backend', object>): void {
  const stack = TerraformStack.of(resource);
  const names = claimed.get(stack) ?? new Map<string, string>();
  claimed.set(stack, names);
  const first = names.get(resource.address);
  if (first !== undefined) {
    throw new Error(
      `${resource.address} is declared twice in stack "${stack.node.id}": at ${first} and at ${resource.node.path}. ` +
        'A Backflow resource is named by its construct id, which must be unique per type within a stack.',
    );
  }
  names.set(resource.address, resource.node.path);
}
