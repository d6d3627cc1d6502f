import { isAbsolute, resolve } from 'node:path';
import type * as Sarif from 'sarif';
import type { RuleResult, TargetResult } from '../engine/run.ts';
import type { Severity } from '../rules/define.ts';
import { findingFingerprint } from '../engine/triage/baseline.ts';
import { oneLine, ruleDocUrl, TOOL_URL, visibleControls } from './common.ts';
import type { AuditReport, Reporter, ReportContext } from './types.ts';
import { ChunkWriter } from '../util/chunk-writer.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** GitHub code scanning reads `security-severity` (0–10) to rank alerts as critical/high/medium/low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

const LEVEL: Record<Severity, Sarif.Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** `network.bind-all-interfaces` → `NetworkBindAllInterfaces`. */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** A file path as a SARIF URI: relative paths stay relative (GitHub resolves them in the repository). */
function fileUri(path: string): string {
  const encoded = path
    .split(/[\\/]/)
    .map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':'))
    .join('/');
  if (path.startsWith('/')) return `file://${encoded}`;
  // `C:` or a first segment with a colon would read as a URI scheme.
  return encoded.split('/')[0]!.includes(':') ? `./${encoded}` : encoded;
}

/** A file's artifact location: relative to `%SRCROOT%` when it lies below the root, else an absolute URI. */
function artifactOf(path: string, root: string | undefined): Sarif.ArtifactLocation {
  const base = root === undefined ? undefined : root.endsWith('/') ? root : `${root}/`;
  if (base !== undefined && path.startsWith(base)) return { uri: fileUri(path.slice(base.length)), uriBaseId: SRCROOT };
  return { uri: fileUri(path) };
}

const SRCROOT = '%SRCROOT%';

function targetLocation(target: string): Sarif.LogicalLocation {
  return { name: target, fullyQualifiedName: target, kind: 'resource' };
}

/** Where a live target's results are when no config file of it was read: a stable, repository-relative URI. */
export const TARGET_URI_PREFIX = 'redfort-target/';

/**
 * The artifact of a target that no file stands for (a live server audited without its config file, a deployment's
 * entry): `redfort-target/<target>`, the target's name as one path segment. GitHub code scanning refuses a whole upload
 * when one result lacks `physicalLocation.artifactLocation.uri` (`locationFromSarifResult: expected artifact
 * location`), but not a URI naming no file of the repository: the alert then shows no code, as Trivy's do for an
 * image (its name as the URI). Stable across runs, so an alert stays the same alert.
 */
function targetArtifact(target: string): Sarif.ArtifactLocation {
  return { uri: `${TARGET_URI_PREFIX}${encodeURIComponent(target).replace(/%3A/gi, ':').replace(/%40/g, '@')}` };
}

/**
 * A result's location. Every one has a `physicalLocation` with an artifact URI (GitHub's rule, above): the file and
 * line the finding comes from; else (a compiled default, a live reply, a host fact) the target's top config file,
 * line 1, the message naming what was judged; else the target's own URI. The target is its logical location too.
 */
function location(result: RuleResult, target: TargetResult, root: string | undefined): Sarif.Location {
  const logical = [targetLocation(target.target)];
  if (result.source?.kind === 'file') {
    return {
      physicalLocation: {
        artifactLocation: artifactOf(result.source.path, root),
        region: { startLine: Math.max(1, result.source.line) },
      },
      logicalLocations: logical,
    };
  }
  if (target.configFile !== undefined) {
    return { physicalLocation: { artifactLocation: artifactOf(target.configFile, root), region: { startLine: 1 } }, logicalLocations: logical };
  }
  return { physicalLocation: { artifactLocation: targetArtifact(target.target) }, logicalLocations: logical };
}

/**
 * A notification's location: the `file:line` its text starts with (a config redis-server would refuse, `…/redis.conf:12:
 * …`), a relative path taken from `root`, else the target's as for a result (GitHub reads the notifications' locations
 * as it reads the results'), and the target as its logical location.
 */
function notificationLocation(text: string, target: TargetResult, root: string | undefined, base: string | undefined, source?: RuleResult['source']): Sarif.Location {
  const logical = [targetLocation(target.target)];
  const at = /^(.+?):(\d+): /.exec(text);
  // A path: with a slash, or a config file's name (`a.conf:3:`); never a host's `127.0.0.1:6379: …`.
  if (at !== null && !at[1]!.includes('://') && (/[/\\]/.test(at[1]!) || /\.(?:conf|config|cfg|acl|tpl)$/i.test(at[1]!))) {
    const path = isAbsolute(at[1]!) || root === undefined ? at[1]! : resolve(root, at[1]!);
    return { physicalLocation: { artifactLocation: artifactOf(path, base), region: { startLine: Math.max(1, Number(at[2])) } }, logicalLocations: logical };
  }
  if (source?.kind === 'file') return { physicalLocation: { artifactLocation: artifactOf(source.path, base), region: { startLine: Math.max(1, source.line) } }, logicalLocations: logical };
  if (target.configFile !== undefined) return { physicalLocation: { artifactLocation: artifactOf(target.configFile, base), region: { startLine: 1 } }, logicalLocations: logical };
  return { physicalLocation: { artifactLocation: targetArtifact(target.target) }, logicalLocations: logical };
}

/**
 * A message's text with what a server or a file said on one line and visible, as in JUnit: its line breaks and control
 * characters written as `\u000a`, so that a value (`* \r\n  FAIL critical forged`) cannot make a line of its own in
 * a code-scanning alert, which shows the text as it is. The fingerprint keeps the raw message (stable across versions).
 */
function messageText(text: string): Sarif.Message {
  return { text: visibleControls(oneLine(text)) };
}

/**
 * A result's state against the baseline the run was judged by, when there was one: `unchanged`, one of its entries,
 * or `new` (a suppressed failure too: suppressions come first, and a baseline never records one). No `absent` results
 * for the entries that matched nothing: a baseline holds no message or location to make one of, and GitHub code
 * scanning reads no `baselineState` (not among the properties it uses) but opens an alert for every result it is
 * given, so an `absent` one would open an alert for a finding that was fixed. Those entries are the run's
 * `baseline-unused` notifications (toolConfigurationNotifications), and code scanning closes the alerts that an
 * upload no longer holds by itself.
 */
function baselineState(result: RuleResult, againstBaseline: boolean): Sarif.Result.baselineState | undefined {
  if (result.baselined === true) return 'unchanged';
  return againstBaseline ? 'new' : undefined;
}

function sarifResult(result: RuleResult, target: TargetResult, ruleIndex: ReadonlyMap<string, number>, root: string | undefined, base: string | undefined, againstBaseline: boolean): Sarif.Result {
  const state = baselineState(result, againstBaseline);
  const index = ruleIndex.get(result.ruleId);
  const properties: Record<string, unknown> = {
    severity: result.severity,
    target: target.target,
    checklist: result.checklist,
    remediation: result.remediation,
  };
  if (result.evidence.length > 0) properties['evidence'] = result.evidence;
  if (result.source && result.source.kind !== 'file') properties['source'] = result.source;
  if (target.labels) properties['labels'] = target.labels;
  return {
    ruleId: result.ruleId,
    ...(index !== undefined ? { ruleIndex: index } : {}),
    level: LEVEL[result.severity],
    message: messageText(`${target.target}: ${result.message}`),
    locations: [location(result, target, base)],
    partialFingerprints: { 'redfortFinding/v1': findingFingerprint(result.ruleId, target.target, result.message, root) },
    ...(result.suppressed !== undefined
      ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: result.suppressed.reason }] }
      : {}),
    ...(state !== undefined ? { baselineState: state } : {}),
    properties,
  };
}

/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run; every catalogue rule in
 * `tool.driver.rules`; one result per failure (config findings at `file:line`, the others at the target's config
 * file or its `redfort-target/` URI, and at the target as a logical location). Targets that could not be audited and rules that crashed are
 * `toolExecutionNotifications`; expired or unused suppressions are `toolConfigurationNotifications`.
 */
export const sarifReporter: Reporter = (report, context) => {
  const parts: string[] = [];
  // Each chunk ends between two characters (see ChunkWriter): decoded apart, they join to the whole text.
  for (const chunk of sarifReportChunks(report, context)) parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8'));
  return parts.join('');
};

/** Where the run's results go in the log made with none: the key is the run's own, six spaces in. */
const RESULTS_KEY = '\n      "results": []';
/** A result's indentation, as an element of the run's results. */
const RESULT_INDENT = '\n        ';

/**
 * {@link sarifReporter}'s text as UTF-8 in chunks of at most 64 KiB (see {@link ChunkWriter}), each valid until the
 * next is asked for. The log is made without its results, which are made, written and dropped one at a time: the
 * same text as `JSON.stringify(log, null, 2)`, but 10,000 failures (44 MB of SARIF) are never all in memory at once,
 * as objects nor as one string.
 */
export function* sarifReportChunks(report: AuditReport, context: Pick<ReportContext, 'rules' | 'docs' | 'root' | 'sourceRoot' | 'baseline'>): Generator<Uint8Array, void, undefined> {
  // Files are located from the repository's root (QA41-106); fingerprints and relative paths from the folder redfort ran from.
  const base = context.sourceRoot ?? context.root;
  const ruleIndex = new Map(context.rules.map((rule, i) => [rule.id, i]));
  const rules: Sarif.ReportingDescriptor[] = context.rules.map((rule) => {
    const doc = context.docs?.get(rule.id);
    return {
      id: rule.id,
      name: pascalCase(rule.id),
      shortDescription: { text: rule.title },
      fullDescription: { text: `${rule.title}. Checklist: ${rule.checklist}. Fix: ${rule.remediation}` },
      helpUri: ruleDocUrl(rule.id),
      help: { text: rule.remediation, ...(doc !== undefined ? { markdown: doc } : {}) },
      defaultConfiguration: { level: LEVEL[rule.severity] },
      properties: {
        'security-severity': SECURITY_SEVERITY[rule.severity],
        tags: [rule.section, 'security'],
        checklist: rule.checklist,
        severity: rule.severity,
      },
    };
  });

  const execution: Sarif.Notification[] = [];
  for (const target of report.targets) {
    // What the config reader warned of (an include that matched no file, a BOM redis-server refuses): the audit of a
    // file not read whole is not a clean one (QA41-113), at the `file:line` the warning names, as ESLint and Trivy do.
    for (const warning of target.warnings ?? []) {
      execution.push({
        level: 'warning',
        message: messageText(`${target.target}: ${warning}`),
        locations: [notificationLocation(warning, target, context.root, base)],
      });
    }
    if (target.error !== undefined) {
      execution.push({
        level: 'error',
        message: messageText(`${target.target} could not be audited: ${target.error}`),
        locations: [notificationLocation(target.error, target, context.root, base)],
        ...(target.labels ? { properties: { labels: target.labels } } : {}),
      });
      continue;
    }
    for (const result of target.results) {
      if (result.status !== 'error') continue;
      const index = ruleIndex.get(result.ruleId);
      execution.push({
        level: 'error',
        message: messageText(`${target.target}: ${result.ruleId}: ${result.message}`),
        locations: [notificationLocation(result.message, target, context.root, base, result.source)],
        associatedRule: { id: result.ruleId, ...(index !== undefined ? { index } : {}) },
      });
    }
  }
  // Rules a settings file turned off: SARIF's own word for it, a rule configuration override `enabled: false` of the
  // invocation, with the entry that did (no result: a rule not judged has no finding to show).
  const turnedOff = new Map<string, Sarif.ConfigurationOverride>();
  for (const target of report.targets) {
    for (const result of target.results) {
      if (result.disabled === undefined || turnedOff.has(result.ruleId)) continue;
      const index = ruleIndex.get(result.ruleId);
      const { rule, path, line } = result.disabled;
      turnedOff.set(result.ruleId, {
        descriptor: { id: result.ruleId, ...(index !== undefined ? { index } : {}) },
        configuration: { enabled: false },
        properties: { setting: `${rule}: off`, location: { physicalLocation: { artifactLocation: artifactOf(path, base), region: { startLine: line } } } },
      });
    }
  }
  const configuration: Sarif.Notification[] = (report.warnings ?? []).map((w) => ({
    level: 'warning',
    message: messageText(w.message),
    descriptor: { id: w.kind },
    ...(w.source
      ? { locations: [{ physicalLocation: { artifactLocation: artifactOf(w.source.path, base), region: { startLine: w.source.line } } }] }
      : {}),
  }));

  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: TOOL_URL,
            rules,
            ...(report.tool.advisories ? { properties: { advisories: report.tool.advisories } } : {}),
          },
        },
        invocations: [
          {
            executionSuccessful: report.targets.every((t) => t.error === undefined),
            ...(execution.length > 0 ? { toolExecutionNotifications: execution } : {}),
            ...(configuration.length > 0 ? { toolConfigurationNotifications: configuration } : {}),
            ...(turnedOff.size > 0 ? { ruleConfigurationOverrides: [...turnedOff.values()] } : {}),
          },
        ],
        results: [],
        ...(base !== undefined ? { originalUriBaseIds: { [SRCROOT]: { uri: fileUri(base.endsWith('/') ? base : `${base}/`) } } } : {}),
        properties: {
          targets: report.targets.map((t) => t.target),
          // `labels` by target name (kept as it was); `targetLabels` parallel to `targets`, which keeps apart the
          // entries of a target an inventory lists twice with other labels (by name, the last one's won).
          ...(report.targets.some((t) => t.labels)
            ? { labels: Object.fromEntries(report.targets.filter((t) => t.labels).map((t) => [t.target, t.labels])), targetLabels: report.targets.map((t) => t.labels ?? {}) }
            : {}),
          summary: report.summary,
        },
      },
    ],
  };
  const text = `${JSON.stringify(log, null, 2)}\n`;
  const at = text.indexOf(RESULTS_KEY) + RESULTS_KEY.length - 1;
  const w = new ChunkWriter();
  w.text(text.slice(0, at));
  let results = 0;
  for (const target of report.targets) {
    if (target.error !== undefined) continue;
    for (const result of target.results) {
      if (result.status !== 'fail') continue;
      // A JSON text holds no raw line break but between its lines: indented as one element of the whole log.
      w.text(`${results === 0 ? '' : ','}${RESULT_INDENT}${JSON.stringify(sarifResult(result, target, ruleIndex, context.root, base, context.baseline === true), null, 2).replaceAll('\n', RESULT_INDENT)}`);
      results += 1;
      yield* w.take(false);
    }
  }
  w.text(results === 0 ? text.slice(at) : `\n      ${text.slice(at)}`);
  yield* w.take(true);
}
