/**
 * The plan model of `redfort fix`: ordered steps per node, each classed and explained. A plan holds no secret:
 * a new password is a {@link SecretArg} naming the user whose password the secrets file holds.
 */

/**
 * `safe`: no client can be affected. `disruptive`: may lock out or break a client. `restart`: not settable at run
 * time, printed as the config line and never executed.
 */
export type StepClass = 'safe' | 'disruptive' | 'restart';

export const STEP_CLASSES: readonly StepClass[] = ['safe', 'disruptive', 'restart'];

/** A command argument that is a generated password (`prefix` + the password of `user` in the secrets file). */
export interface SecretArg {
  readonly secret: string;
  readonly prefix: string;
  /** Always `<generated>`: what a reader of the JSON plan sees where the password goes. */
  readonly value: '<generated>';
}

export type Arg = string | SecretArg;

/** What a step changes, so that the rollback record knows what to read before the first change. */
export type Touch =
  | { readonly kind: 'config'; readonly name: string }
  | { readonly kind: 'user'; readonly name: string }
  | { readonly kind: 'sentinel'; readonly master: string; readonly field: 'auth-user' | 'auth-pass' }
  | { readonly kind: 'file'; readonly role: 'config' | 'acl' };

export interface PlanStep {
  /** 1, 2, 3… in plan order. */
  readonly id: number;
  /** The node's `host:port`. */
  readonly node: string;
  readonly class: StepClass;
  /** The command as sent (secrets as {@link SecretArg}); empty for a restart step. */
  readonly command: readonly Arg[];
  /** Restart steps: the redis.conf line to add, then restart. */
  readonly configLine?: string;
  /** The rules this step helps close. */
  readonly rules: readonly string[];
  /** Why this class. */
  readonly reason: string;
  /** Why it comes where it does. */
  readonly order: string;
  readonly touches: readonly Touch[];
  /** Rules this step may turn to fail on its node, knowingly (e.g. masterauth is clear text in redis.conf). */
  readonly trips?: readonly string[];
  /**
   * CONFIG REWRITE: the running values it writes into the file besides the plan's own changes (`name 'value' (the
   * file: …)`, a secret by name only): someone's run-time changes it makes permanent, which a rollback leaves.
   */
  readonly alsoWrites?: readonly string[];
}

export type NodeRole = 'master' | 'replica' | 'sentinel';

export interface PlanNode {
  /** `host:port`. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly role: NodeRole;
  /** INFO `config_file`; null when the server runs without one (nothing can be persisted). */
  readonly configFile: string | null;
  /** `aclfile`; null when unset. */
  readonly aclFile: string | null;
  /** SHA-256 of the facts the plan used for this node (see digest.ts). */
  readonly digest: string;
}

/** A failing rule the plan does not close, with what to do instead. */
export interface ManualItem {
  readonly node: string;
  readonly rule: string;
  readonly message: string;
}

export interface FixPlan {
  readonly format: 'redfort-fix-plan';
  readonly version: 1;
  readonly tool: { readonly name: 'redfort'; readonly version: string };
  /** The target as given (URL without password). */
  readonly target: string;
  readonly deployment: 'single' | 'replication' | 'sentinel' | 'cluster';
  readonly createdAt: string;
  /** SHA-256 over the node digests: the state the plan was computed from. */
  readonly digest: string;
  readonly nodes: readonly PlanNode[];
  readonly steps: readonly PlanStep[];
  readonly manual: readonly ManualItem[];
  /** Users whose generated password the secrets file holds. */
  readonly secrets: readonly string[];
  /** Plan-wide remarks (what will be persisted where, what cannot be). */
  readonly notes: readonly string[];
}

/** How a secret argument is shown in the plan's text and JSON. */
export const SECRET_PLACEHOLDER = '<generated>';

export function showArg(arg: Arg): string {
  return typeof arg === 'string' ? arg : `${arg.prefix}${SECRET_PLACEHOLDER}`;
}
