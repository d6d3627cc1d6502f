import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { inRange, parseRange, toTriple } from './range.ts';
import type { ParsedRange } from './range.ts';

export interface Advisory {
  readonly id: string;
  /** Other ids of the same advisory (a CVE for a GHSA, ...). */
  readonly aliases?: readonly string[];
  readonly product: 'redis' | 'valkey';
  readonly title: string;
  readonly component: string;
  readonly server_side: boolean;
  readonly severity: string | null;
  readonly cvss: { readonly score: number } | null;
  readonly disputed: boolean;
  readonly range: string | null;
  readonly affected: readonly { readonly branch: string; readonly range: string; readonly fixed: string | null }[];
  readonly fixed_versions: readonly string[];
  readonly unknown_branches: readonly string[];
  readonly preconditions: {
    readonly authenticated: boolean | null;
    readonly requires: readonly string[];
    readonly platform: string | null;
    /** Settings the bug needs, as the data writes them (`cluster-enabled yes`, `tls-port set`, `maxmemory-clients > 0`). */
    readonly config?: readonly string[];
  };
  readonly mitigation: string | null;
  readonly config_only?: boolean;
  readonly verified: boolean;
  readonly sources: readonly string[];
}

export interface BranchSupport {
  readonly product: 'redis' | 'valkey';
  readonly branch: string;
  readonly status_late_2026: string;
  readonly end_of_maintenance: string | null;
  readonly end_of_life: string | null;
  readonly latest_known_release: string | null;
  readonly notes: string;
  readonly sources: readonly string[];
}

export type AdvisoryEntry = ({ record_type: 'vulnerability' } & Advisory) | ({ record_type: 'branch_support' } & BranchSupport) | ({ record_type: 'dataset' } & AdvisoryDataset);

/** How old the advisory data is (QA45-55: a user had no way to tell, as Trivy tells its database's date). */
export interface AdvisoryDataset {
  /** The day the records were compiled from their sources. */
  readonly compiled: string;
  /** The day of the last change to any record since. */
  readonly updated: string;
}

/** Where a record is in data/advisories.json: its first byte and its length in bytes. */
export type Span = readonly [at: number, length: number];

/** What the version rules need to know of an advisory before they need the whole record. */
export interface AdvisoryKey {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly product: string;
  /** Whether the version decides: a server-side advisory with a range, not one of configuration alone. */
  readonly judged: boolean;
  /** The advisory's range, read (judged ones only; else empty). */
  readonly range: ParsedRange;
  /** Each affected branch's range and fix, in the data's order (judged ones only). */
  readonly affected: readonly (readonly [range: ParsedRange, fixed: string | null])[];
  readonly unknownBranches: readonly string[];
}

/**
 * data/advisories-index.json, made from data/advisories.json by scripts/advisories-index.ts (a test checks they
 * agree): each record's key and where it is, so that an audit reads and parses a few records (those that affect
 * the server's version, and the branch table) instead of the whole file.
 */
export interface AdvisoryIndex {
  readonly about: string;
  /** The size of the data file it was made from: another size means another file, and the index is not used. */
  readonly bytes: number;
  readonly branches: readonly Span[];
  readonly vulnerabilities: readonly (AdvisoryKey & { readonly at: Span })[];
  /** The data's dates (its `dataset` record). */
  readonly dataset: AdvisoryDataset;
}

export function advisoryKey(advisory: Advisory): AdvisoryKey {
  const judged = advisory.server_side && !!advisory.range && !advisory.config_only;
  return {
    id: advisory.id,
    aliases: advisory.aliases ?? [],
    product: advisory.product,
    judged,
    range: judged ? parseRange(advisory.range!) : [],
    affected: judged ? advisory.affected.map((a) => [parseRange(a.range), a.fixed] as const) : [],
    unknownBranches: judged ? advisory.unknown_branches : [],
  };
}

/**
 * The advisory data of one directory (data/ of the package; tests give others): the whole file is read only when
 * asked for all of it, or when the index is missing, is another file's, or disagrees with a record it points to.
 * Package data, not server state: kept for the process's life.
 */
export class AdvisoryData {
  readonly #file: string;
  readonly #indexFile: string;
  #all: { advisories: readonly Advisory[]; branches: readonly BranchSupport[] } | undefined;
  /** The index when it belongs to the data file (same size); null when it is missing, unreadable or another file's. */
  #index: AdvisoryIndex | null | undefined;
  #branches: readonly BranchSupport[] | undefined;
  /**
   * The records read so far, by their span (the data is the package's and does not change while a run lasts): a
   * fleet asks the same few for every target, and each was an open, a read and a parse.
   */
  readonly #records = new Map<string, Advisory>();
  /** The index's first key of each id (byId's answer), made when first asked. */
  #firstById: Map<string, AdvisoryKey & { readonly at?: Span }> | undefined;

  constructor(dir: string) {
    this.#file = join(dir, 'advisories.json');
    this.#indexFile = join(dir, 'advisories-index.json');
  }

  /** data/advisories.json, read whole (not compiled into the bundle: a quarter of it, parsed at every start). */
  #load(): { advisories: readonly Advisory[]; branches: readonly BranchSupport[] } {
    if (!this.#all) {
      const entries = JSON.parse(readFileSync(this.#file, 'utf8')) as readonly AdvisoryEntry[];
      this.#all = {
        advisories: entries.filter((e): e is AdvisoryEntry & Advisory => e.record_type === 'vulnerability'),
        branches: entries.filter((e): e is AdvisoryEntry & BranchSupport => e.record_type === 'branch_support'),
      };
    }
    return this.#all;
  }

  #usableIndex(): AdvisoryIndex | null {
    if (this.#index === undefined) {
      try {
        const index = JSON.parse(readFileSync(this.#indexFile, 'utf8')) as AdvisoryIndex;
        this.#index = statSync(this.#file).size === index.bytes ? index : null;
      } catch {
        this.#index = null;
      }
    }
    return this.#index;
  }

  /** The records at these spans of the data file, parsed. */
  #read(spans: readonly Span[]): AdvisoryEntry[] {
    const fd = openSync(this.#file, 'r');
    try {
      return spans.map(([at, length]) => {
        const bytes = Buffer.allocUnsafe(length);
        const read = readSync(fd, bytes, 0, length, at);
        return JSON.parse(bytes.toString('utf8', 0, read)) as AdvisoryEntry;
      });
    } finally {
      closeSync(fd);
    }
  }

  /** An advisory's whole record: by its span while the index agrees with the data (its id), else from the whole file. */
  #record(key: AdvisoryKey & { readonly at?: Span }): Advisory {
    const cacheKey = key.at ? `${key.id} ${key.at[0]}` : undefined;
    const cached = cacheKey === undefined ? undefined : this.#records.get(cacheKey);
    if (cached) return cached;
    const record = this.#recordRead(key);
    if (cacheKey !== undefined && this.#index) this.#records.set(cacheKey, record);
    return record;
  }

  #recordRead(key: AdvisoryKey & { readonly at?: Span }): Advisory {
    if (key.at && this.#index) {
      try {
        const [record] = this.#read([key.at]);
        if (record?.record_type === 'vulnerability' && record.id === key.id) return record;
      } catch {
        // Not JSON there: the index is another file's. Read the whole file below.
      }
      this.#index = null;
    }
    const advisory = this.advisories().find((a) => a.id === key.id);
    if (!advisory) throw new Error(`${this.#file} has no advisory ${key.id}: ${this.#indexFile} is stale (node --import tsx scripts/advisories-index.ts)`);
    return advisory;
  }

  /** Every known vulnerability of Redis and Valkey. */
  advisories(): readonly Advisory[] {
    return this.#load().advisories;
  }

  /** Support status of each release branch. */
  branches(): readonly BranchSupport[] {
    if (this.#branches) return this.#branches;
    const index = this.#usableIndex();
    if (index) {
      try {
        const records = this.#read(index.branches);
        if (records.every((r) => r.record_type === 'branch_support')) return (this.#branches = records as (AdvisoryEntry & BranchSupport)[]);
      } catch {
        // Read the whole file below.
      }
      this.#index = null;
    }
    return (this.#branches = this.#load().branches);
  }

  /**
   * The server-side advisories of `product` whose range holds `version`, in the data's order, and those whose
   * status on `branch` is unknown. Only the records asked for are read whole.
   */
  affecting(product: string, version: string, branch: string): { affecting: AffectingAdvisory[]; unknownBranch: string[] } {
    const index = this.#usableIndex();
    const keys: readonly (AdvisoryKey & { readonly at?: Span })[] = index ? index.vulnerabilities : this.advisories().map(advisoryKey);
    const triple = toTriple(version);
    const affecting: AffectingAdvisory[] = [];
    const unknownBranch: string[] = [];
    for (const key of keys) {
      if (key.product !== product || !key.judged) continue;
      if (key.unknownBranches.some((b) => b === branch || b.startsWith(`${branch} `))) unknownBranch.push(key.id);
      if (triple === undefined || !inRange(triple, key.range)) continue;
      let record: Advisory | undefined;
      affecting.push({
        id: key.id,
        aliases: key.aliases,
        fixed: key.affected.find(([range]) => inRange(triple, range))?.[1],
        advisory: () => (record ??= this.#record(key)),
      });
    }
    return { affecting, unknownBranch };
  }

  /** The advisory of this id, if the data has one. */
  byId(id: string): Advisory | undefined {
    const index = this.#usableIndex();
    if (index && !this.#firstById) {
      this.#firstById = new Map();
      for (const k of index.vulnerabilities) if (!this.#firstById.has(k.id)) this.#firstById.set(k.id, k);
    }
    const key = index ? this.#firstById!.get(id) : undefined;
    return key ? this.#record(key) : this.advisories().find((a) => a.id === id);
  }
}

/** An advisory the version's range is in, with the fix on the version's branch. */
export interface AffectingAdvisory {
  readonly id: string;
  readonly aliases: readonly string[];
  /** The first affected branch's fix whose range holds the version (null: none on it); undefined when none holds it. */
  readonly fixed: string | null | undefined;
  /** The whole record, read when asked. */
  readonly advisory: () => Advisory;
}

let packaged: AdvisoryData | undefined;
const data = (): AdvisoryData => (packaged ??= new AdvisoryData(join(packageRoot(), 'data')));

/** Every known vulnerability of Redis and Valkey (data/advisories.json). */
export function advisories(): readonly Advisory[] {
  return data().advisories();
}

/** Support status of each release branch (data/advisories.json). */
export function branches(): readonly BranchSupport[] {
  return data().branches();
}

/** See {@link AdvisoryData.affecting}: data/advisories.json's. */
export function advisoriesAffecting(product: string, version: string, branch: string): { affecting: AffectingAdvisory[]; unknownBranch: string[] } {
  return data().affecting(product, version, branch);
}

/** The advisory of this id in data/advisories.json, if any. */
export function advisoryById(id: string): Advisory | undefined {
  return data().byId(id);
}
