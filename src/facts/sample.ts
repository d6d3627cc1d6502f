import type { Source } from './source.ts';

/** Plaintext sensitive values of one kind under one key pattern: counts only, never a value or a key name. */
export interface SampleFinding {
  /** A detector id of `src/sample/detectors.ts` (`card-number`, `jwt`, …). */
  readonly detector: string;
  /** The key pattern with every variable part masked (`session:*`). */
  readonly pattern: string;
  readonly db: number;
  /** Sampled keys of this pattern holding such a value. */
  readonly keys: number;
}

/** What the sample of one logical database covered. */
export interface SampleDatabase {
  readonly db: number;
  /** Keys in the database (INFO keyspace) when known. */
  readonly size: number | undefined;
  /** Keys whose values were read. */
  readonly keys: number;
  /** Keys whose sampled values look encrypted / hashed. */
  readonly encrypted: number;
  readonly hashed: number;
  /** Keys that were not read, by reason (`module type`, `no permission`, `too large`, `gone`). */
  readonly unread: Readonly<Record<string, number>>;
}

/** What a report carries about a sample (`sample` of a JSON target): counts per detector and per pattern. */
export interface SampleSummary extends Omit<SampleFacts, 'source' | 'stopped' | 'databases'> {
  readonly databases: readonly (Omit<SampleDatabase, 'size'> & { readonly size: number | null })[];
  readonly stopped: string | null;
  /** Detector id to the sampled keys holding such a value in clear text (every pattern together). */
  readonly detectors: Readonly<Record<string, number>>;
}

/** The report's view of a sample. */
export function sampleSummary(sample: SampleFacts): SampleSummary {
  const { source: _source, ...rest } = sample;
  const detectors: Record<string, number> = {};
  for (const f of sample.findings) detectors[f.detector] = (detectors[f.detector] ?? 0) + f.keys;
  return { ...rest, databases: sample.databases.map((d) => ({ ...d, size: d.size ?? null })), stopped: sample.stopped ?? null, detectors };
}

/**
 * Evidence about client-side encryption from a bounded, read-only sample of the keyspace (`--sample-data`).
 * Only counts and masked key patterns: the gatherer drops every value and key name before it returns.
 */
export interface SampleFacts {
  /** The node the sample was read from (a replica when one was preferred), URL without secrets. */
  readonly node: string;
  /** True when the node is a replica of the audited master. */
  readonly replica: boolean;
  readonly databases: readonly SampleDatabase[];
  readonly findings: readonly SampleFinding[];
  /** The budgets the sample ran under. */
  readonly limits: { readonly keys: number; readonly timeMs: number; readonly bytes: number };
  /** Bytes of replies read, and milliseconds spent. */
  readonly bytesRead: number;
  readonly elapsedMs: number;
  /** Why sampling stopped before every database had its keys: `time budget`, `byte budget`, a connection error. */
  readonly stopped: string | undefined;
  /** What the sample could not cover, in words (`db3 is empty`). */
  readonly notes: readonly string[];
  readonly source: Source;
}
