import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import type { Target } from '../redis/target.ts';
import { packageVersion } from '../package-root.ts';
import { readFileBytes } from '../util/read-file.ts';
import { EXPORTER_HEADERS_TIMEOUT_MS, EXPORTER_SHUTDOWN_GRACE_MS, EXPORTER_SOCKET_TABLE_TTL_MS } from '../util/defaults.ts';
import { readTcpSockets, recentTcpTable } from '../gather/host/proc.ts';
import type { SharedTcpTables, TcpSocket } from '../gather/host/proc.ts';
import type { ExporterConfig, ModuleConfig } from './config.ts';
import { parseListen } from './config.ts';
import type { ProbeSnapshot } from './metrics.ts';
import { CONTENT_TYPES, expositionFor, renderProbe } from './metrics.ts';
import type { InventoryTargets } from './inventory.ts';
import { inventoryKey } from './inventory.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';
import { lookupTarget, probeAllowance, probeTarget, shownTarget, timedOut } from './probe.ts';
import { redactWords } from '../util/redact.ts';
import { terminalSafe } from '../report/common.ts';
import { nodeCrypto } from '../util/builtin.ts';
import { isLoopbackAddress } from '../net/address.ts';
import { clipped } from '../util/shown.ts';

export interface ExporterOptions {
  readonly config: ExporterConfig;
  /** Overrides `listen` of the config (`--listen`). */
  readonly listen?: string;
  /** The servers of `inventory:` (see loadInventoryTargets), allowed beside the allowlist. */
  readonly inventory?: InventoryTargets;
  /** The inventory entries' `distroPackage`, by the same keys (see loadInventoryTargets). */
  readonly inventoryPackages?: ReadonlyMap<string, DeclaredPackage>;
  /** Receives one JSON line per probe and per lifecycle event; default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * How the listening sockets of this machine are read (`read`, default /proc/net/tcp{,6}) and how long one read is
   * shared by the probes (`ttlMs`, default 5 s): tests count the reads.
   */
  readonly socketTable?: { readonly read?: () => Promise<readonly TcpSocket[]>; readonly ttlMs?: number };
}

export interface RunningExporter {
  /** `http://127.0.0.1:9779` (https with web TLS). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets running requests finish (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

type Outcome = 'success' | 'failed' | 'timeout' | 'denied' | 'invalid' | 'unauthorized';

/** A probe's outcome, one word for the log, `redfort_exporter_probes_total` and `redfort_exporter_audit_duration_seconds`. */
function outcomeOf(snapshot: ProbeSnapshot): 'success' | 'failed' | 'timeout' {
  return snapshot.success ? 'success' : snapshot.timedOut ? 'timeout' : 'failed';
}

/** An audit under way; scrapes of the same target and module that arrive meanwhile share it. */
interface AuditRun {
  readonly result: Promise<ProbeSnapshot>;
  /** When it asked for a slot (epoch ms). */
  readonly queuedAt: number;
  /** When it got one; undefined while it waits, or when it never did. */
  readonly slotAt?: number;
  /** The deadline it runs to (epoch ms): the scrape's that started it. */
  readonly deadline: number;
}

interface CacheEntry {
  readonly snapshot: ProbeSnapshot;
  readonly expiresAt: number;
}

/** When no scrape timeout header comes (a person with curl), and the floor of any deadline. */
const MIN_DEADLINE_MS = 100;
const MAX_CACHE_ENTRIES = 100_000;
/** Expired results are swept at most this often when results are kept (and at every /metrics scrape). */
const SWEEP_INTERVAL_MS = 1000;
/**
 * A running audit whose deadline is at most this much before a new scrape's is shared with it: the two scrapes of
 * an HA pair with the same scrape_timeout arrive some milliseconds apart, and one audit serves both.
 */
const SHARED_DEADLINE_SLACK_MS = 250;
/** A wait for a slot this long is said in a timeout's reason. */
const SLOT_WAIT_SHOWN_SECONDS = 0.1;

/** Probes run at most `limit` at once; the rest wait in order, each only until its own deadline. */
class Limiter {
  running = 0;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];
  constructor(private readonly limit: number, private readonly maxQueued: number) {}
  get queued(): number {
    return this.waiting.length;
  }
  /** Resolves true with a slot, false when the queue is full or the deadline passed while waiting. */
  acquire(deadline: number): Promise<boolean> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.maxQueued) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          this.running += 1;
          resolve(true);
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          resolve(false);
        }, Math.max(0, deadline - Date.now())),
      };
      this.waiting.push(entry);
    });
  }
  release(): void {
    this.running -= 1;
    this.waiting.shift()?.grant();
  }
}

/** Resolves to `fallback()` when `deadline` (epoch ms) passes first. */
function within<T>(promise: Promise<T>, deadline: number, fallback: () => T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback()), Math.max(0, deadline - Date.now()));
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const { createHash, timingSafeEqual } = nodeCrypto();
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Starts `redfort exporter`: `/probe?target=T&module=M` audits T with module M and answers in the Prometheus
 * text format or OpenMetrics; `/metrics` has the exporter's own metrics; `/-/healthy` answers 200.
 */
export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const { config } = options;
  const listen = parseListen(options.listen ?? config.listen);
  if (listen === undefined) throw new Error(`--listen must be ADDRESS:PORT, not '${clipped(options.listen ?? config.listen)}'`);
  const secrets = [...config.modules.values()].map((m) => m.password ?? '').concat(config.web.basicAuth?.password ?? '', config.web.bearerToken ?? '');
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The values are masked, whole words at a time, not the line: a short password masked in the JSON text took the
  // keys with it ('l***v***l') and, inside a word ('e***porter'), told the reader what it was.
  const log = (fields: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), ...fields }, (_key, value: unknown) => (typeof value === 'string' ? redactWords(value, secrets) : value)));

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // Three of prom-client's defaults are gauges named *_total, which `promtool check metrics` refuses (the names are
  // for counters): the same counts stay, by type, in nodejs_active_handles, nodejs_active_requests and
  // nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const probes = new client.Counter({
    name: 'redfort_exporter_probes_total',
    help: 'Probes answered, by module and outcome (success, failed: not audited, timeout, denied: off the allowlist, invalid: bad request, unauthorized).',
    labelNames: ['module', 'outcome'] as const,
    registers: [registry],
  });
  const cacheHits = new client.Counter({
    name: 'redfort_exporter_cache_hits_total',
    help: 'Probes answered with a result reused within cacheSeconds, by module.',
    labelNames: ['module'] as const,
    registers: [registry],
  });
  const durations = new client.Histogram({
    name: 'redfort_exporter_audit_duration_seconds',
    help: 'How long each audit took, by module and outcome (success, failed: not audited, timeout; as in redfort_exporter_probes_total; reused results are not counted).',
    labelNames: ['module', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // A local target's port is looked up in one table shared for a few seconds by every probe, its owner confirmed in
  // /proc by each probe; a probe that cannot confirm it reads the table anew, and the next probes share that one.
  const sockets: SharedTcpTables = recentTcpTable({ ttlMs: options.socketTable?.ttlMs ?? EXPORTER_SOCKET_TABLE_TTL_MS, read: options.socketTable?.read ?? (() => readTcpSockets()) });
  const limiter = new Limiter(config.concurrency, config.maxQueued);
  /** The ports of an audited server's host its probes may reach beyond its own: the allowlist's and the inventory's. */
  const mayConnect = probeAllowance(config.allow, options.inventory);
  /** Aborted when a shutdown's grace period is over: audits still running stop at once. */
  const stopping = new AbortController();
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, AuditRun>();
  new client.Gauge({ name: 'redfort_exporter_audits_in_flight', help: 'Audits running now.', registers: [registry], collect() { this.set(limiter.running); } });
  new client.Gauge({ name: 'redfort_exporter_audits_queued', help: 'Audits waiting for a free slot (concurrency).', registers: [registry], collect() { this.set(limiter.queued); } });
  /**
   * Drops the results whose cacheSeconds are over: an entry left only when its own target and module were scraped
   * again, so targets that went away (pods readdressed, file_sd entries removed) kept up to MAX_CACHE_ENTRIES dead
   * results, and redfort_exporter_cache_entries counted them (QA43-53). Run at each /metrics scrape and, at most once
   * a second, when a result is kept.
   */
  let sweptAt = 0;
  const sweep = (now: number) => {
    sweptAt = now;
    for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key);
  };
  new client.Gauge({ name: 'redfort_exporter_cache_entries', help: 'Audit results kept for reuse.', registers: [registry], collect() { sweep(Date.now()); this.set(cache.size); } });
  new client.Gauge({ name: 'redfort_exporter_build_info', help: 'The redfort version of the exporter, always 1.', labelNames: ['version'] as const, registers: [registry] }).set({ version: packageVersion() }, 1);

  /**
   * One audit per target and module at a time: concurrent scrapes (an HA pair) share it, when it runs at least as
   * long as the scrape may wait. A scrape with a later deadline starts its own audit (the next ones share that one):
   * a scrape with 15 s was answered 'timed out after 0.5 s' when a curl with 1 s had started the audit (QA43-52).
   */
  function audit(key: string, target: Target, module: ModuleConfig, deadline: number): AuditRun {
    const running = inFlight.get(key);
    if (running && running.deadline >= deadline - SHARED_DEADLINE_SLACK_MS) return running;
    const started = Date.now();
    let slotAt: number | undefined;
    const promise = (async (): Promise<ProbeSnapshot> => {
      if (!(await limiter.acquire(deadline))) {
        const reason = limiter.queued >= config.maxQueued
          ? `${config.maxQueued} probes already wait for a slot (concurrency ${config.concurrency})`
          : `no free slot before the deadline (concurrency ${config.concurrency})`;
        return { success: false, timedOut: true, reason, durationSeconds: (Date.now() - started) / 1000, finishedAt: Date.now() / 1000, rules: [], certificates: [] };
      }
      slotAt = Date.now();
      try {
        // An inventory entry's distroPackage beats its module's, as a target's beats --distro-package in an audit.
        const distroPackage = options.inventoryPackages?.get(inventoryKey(target.host, target.port)) ?? module.distroPackage;
        const snapshot = await probeTarget(target, module, deadline, { signal: stopping.signal, sockets, mayConnect, ...(distroPackage ? { distroPackage } : {}) });
        // The outcome as redfort_exporter_probes_total says it, so the two series join: a timeout was 'failed' here.
        durations.observe({ module: module.name, outcome: outcomeOf(snapshot) }, snapshot.durationSeconds);
        // A timeout is not reused: the next scrape may have more time.
        if (module.cacheSeconds > 0 && !snapshot.timedOut) {
          const now = Date.now();
          if (now - sweptAt >= SWEEP_INTERVAL_MS || cache.size >= MAX_CACHE_ENTRIES) sweep(now);
          if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
          cache.delete(key);
          cache.set(key, { snapshot, expiresAt: Date.now() + module.cacheSeconds * 1000 });
        }
        return snapshot;
      } finally {
        limiter.release();
      }
    })();
    const run: AuditRun = { result: promise, queuedAt: started, deadline, get slotAt() { return slotAt; } };
    inFlight.set(key, run);
    // A later audit of the same key may have taken its place: only its own entry is removed.
    void promise.finally(() => {
      if (inFlight.get(key) === run) inFlight.delete(key);
    });
    return run;
  }

  /**
   * A timeout's reason, saying when waiting for a free slot took the scrape's time: past `concurrency` slow or silent
   * targets, a live one timed out with 'timed out after 0.2 s', the 4.3 s it had waited for a slot unsaid.
   */
  function withSlotWait(reason: string, run: AuditRun, fellBack: boolean): string {
    if (run.slotAt === undefined) return fellBack ? `${reason}; it was still waiting for a free slot (concurrency ${config.concurrency})` : reason;
    const waited = (run.slotAt - run.queuedAt) / 1000;
    return waited < SLOT_WAIT_SHOWN_SECONDS ? reason : `${reason}; it waited ${waited.toFixed(1)} s for a free slot first (concurrency ${config.concurrency})`;
  }

  function authorized(req: http.IncomingMessage): boolean {
    const { basicAuth, bearerToken } = config.web;
    const header = req.headers.authorization ?? '';
    if (basicAuth) {
      const match = /^Basic\s+(\S+)$/i.exec(header);
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      return colon !== -1 && sameSecret(decoded.slice(0, colon), basicAuth.username) && sameSecret(decoded.slice(colon + 1), basicAuth.password);
    }
    if (bearerToken !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      return match !== null && sameSecret(match[1]!, bearerToken);
    }
    return true;
  }

  async function handleProbe(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const begun = performance.now();
    const targetText = url.searchParams.get('target') ?? '';
    const moduleName = url.searchParams.get('module') ?? 'default';
    const module = config.modules.get(moduleName);
    const finish = (outcome: Outcome, fields: Record<string, unknown>) => {
      probes.inc({ module: module ? moduleName : '', outcome });
      // A refused target is logged as written, less any user info: a scrape URL with credentials is refused, not logged.
      log({ level: outcome === 'success' ? 'info' : 'warn', msg: 'probe', target: fields['target'] ?? shownTarget(targetText).slice(0, 256), module: moduleName.slice(0, 64), outcome, duration_seconds: Number(((performance.now() - begun) / 1000).toFixed(4)), ...fields });
    };
    const refuse = (status: number, outcome: Outcome, reason: string) => {
      finish(outcome, { reason });
      // The reason quotes the scrape's target and module as written: their control characters are shown escaped,
      // never sent as such to whoever reads the reply in a terminal (`curl`).
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${terminalSafe(reason)}\n`);
    };
    // blackbox_exporter and redis_exporter take the first of a repeated parameter without a word (Go's Values.Get);
    // which server a scrape audits, and with which module's credentials, is not left to the order of the query.
    for (const name of ['target', 'module']) {
      const given = url.searchParams.getAll(name).length;
      if (given > 1) return refuse(400, 'invalid', `the '${name}' parameter is given ${given} times: a scrape names one ${name}`);
    }
    if (!module) return refuse(400, 'invalid', `unknown module '${clipped(moduleName, 64)}' (modules: ${[...config.modules.keys()].join(', ')})`);
    if (targetText === '') return refuse(400, 'invalid', "a 'target' parameter is needed");
    const lookup = lookupTarget(targetText, module, config.allow, options.inventory);
    if (!lookup.ok) return refuse(lookup.status, lookup.status === 403 ? 'denied' : 'invalid', lookup.reason);
    const { target } = lookup;

    const header = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
    const budgetMs = Math.max(MIN_DEADLINE_MS, Math.min(module.timeoutSeconds, Number.isFinite(header) && header > 0 ? header - config.timeoutMarginSeconds : Infinity) * 1000);
    const deadline = Date.now() + budgetMs;
    const key = `${module.name}\n${target.display}`;
    const cached = cache.get(key);
    let snapshot: ProbeSnapshot;
    let cacheAge = 0;
    const reused = cached !== undefined && cached.expiresAt > Date.now();
    if (reused) {
      snapshot = cached!.snapshot;
      cacheAge = Math.max(0, Date.now() / 1000 - snapshot.finishedAt);
      cacheHits.inc({ module: module.name });
    } else {
      if (cached) cache.delete(key);
      const run = audit(key, target, module, deadline);
      let fellBack = false;
      snapshot = await within(run.result, deadline, () => {
        fellBack = true;
        // The audit's own time, from its slot (as probeTarget counts it): withSlotWait says the wait apart. The whole
        // budget here, wait included, then '; it waited 1.5 s for a free slot first', counted the wait twice.
        const now = Date.now();
        return timedOut({ durationSeconds: (now - (run.slotAt ?? run.queuedAt)) / 1000, finishedAt: now / 1000 });
      });
      if (snapshot.timedOut && snapshot.reason !== undefined) snapshot = { ...snapshot, reason: withSlotWait(snapshot.reason, run, fellBack) };
    }
    const format = expositionFor(req.headers.accept);
    const body = renderProbe(snapshot, format, { cacheAgeSeconds: cacheAge });
    const outcome = outcomeOf(snapshot);
    finish(outcome, {
      target: target.display,
      ...(reused ? { cached: true } : {}),
      ...(snapshot.success ? { failures: snapshot.rules.filter((r) => r.status === 'fail').length } : { reason: snapshot.reason }),
    });
    res.writeHead(200, { 'content-type': CONTENT_TYPES[format] }).end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://exporter');
    } catch {
      // A request-target URL cannot parse (`GET http://u:pw@[::1/probe`): the client's mistake, 400, and its text
      // is logged as a path only, without user info or query, where a scrape's credentials would stand (QA43-56).
      log({ level: 'warn', msg: 'bad request', path: shownPath(req.url ?? '') });
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/-/healthy') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK\n');
      return;
    }
    if (!authorized(req)) {
      if (url.pathname === '/probe') probes.inc({ module: '', outcome: 'unauthorized' });
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': config.web.basicAuth ? 'Basic realm="redfort"' : 'Bearer' }).end('unauthorized\n');
      return;
    }
    if (url.pathname === '/probe') return handleProbe(req, res, url);
    if (url.pathname === '/metrics') {
      // The classic text format only: switching a shared registry's format per request would race.
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><title>redfort exporter</title><h1>redfort exporter</h1><p><a href="/metrics">/metrics</a> (the exporter itself) · <code>/probe?target=host:port&amp;module=${[...config.modules.keys()][0]}</code> · <a href="/-/healthy">/-/healthy</a></p>\n`,
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }

  /** Set by close(): no new work, and every connection ends with the response it is sending. */
  let closing = false;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // server.close() stops new connections only: Prometheus kept scraping over its kept-alive ones, each scrape a new
    // audit, and the exporter ran until the grace period cut everything off.
    if (closing) {
      res.writeHead(503, { connection: 'close', 'content-type': 'text/plain; charset=utf-8' }).end('shutting down\n');
      return;
    }
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    handle(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'request failed', path: shownPath(req.url ?? ''), error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = config.web.tlsCert
    ? https.createServer({ cert: await readFileBytes(config.web.tlsCert), key: await readFileBytes(config.web.tlsKey!), minVersion: 'TLSv1.2' }, onRequest)
    : http.createServer(onRequest);
  // An idle keep-alive connection from Prometheus is reused; a slowloris is not kept for ever.
  server.headersTimeout = EXPORTER_HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${config.web.tlsCert ? 'https' : 'http'}://${host}:${address.port}`;
  log({ level: 'info', msg: 'listening', url, modules: [...config.modules.keys()], allow: config.allow.map((a) => a.text), inventory: options.inventory?.size ?? 0, concurrency: config.concurrency });
  const exposure = openListener(address.address, config.web);
  if (exposure) log({ level: 'warn', msg: exposure, url });

  return {
    url,
    port: address.port,
    close(graceMs = EXPORTER_SHUTDOWN_GRACE_MS): Promise<void> {
      closing = true;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          stopping.abort(new Error('the exporter is shutting down'));
          server.closeAllConnections();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

/**
 * A request's target as a log line shows it: the path alone, without a query (a scrape's `target=` may carry
 * credentials, which are refused, never logged) and without the user info of an absolute form
 * (`http://u:pw@host/probe`); at most 256 characters.
 */
export function shownPath(requestTarget: string): string {
  const noQuery = requestTarget.replace(/[?#].*$/s, '');
  // Up to the last '@': a password may hold a '/' (the URL then fails to parse, which is how it came here).
  return noQuery.replace(/^([A-Za-z][A-Za-z0-9+.-]*:)?\/\/.*@/s, '$1//').slice(0, 256);
}

/**
 * What a listener beyond loopback lacks, said once at the start (as Prometheus's exporter-toolkit logs "TLS is
 * disabled"): the exporter holds the credentials of every server it may audit and connects on request, so on a
 * routable address it wants both TLS and authentication (docs/exporter.md, Security). Undefined on loopback, or with both.
 */
export function openListener(address: string, web: ExporterConfig['web']): string | undefined {
  if (isLoopbackAddress(address)) return undefined;
  const missing = [web.tlsCert ? '' : 'TLS (web.tlsCert, web.tlsKey)', web.basicAuth || web.bearerToken ? '' : 'authentication (web.basicAuth or a bearer token)'].filter(Boolean);
  if (missing.length === 0) return undefined;
  return `listening beyond loopback without ${missing.join(' or ')}: anyone who reaches this port can make the exporter audit the allowed servers with its credentials${web.tlsCert ? '' : ', and read the answers in clear text'}`;
}
