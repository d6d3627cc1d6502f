import type { Fact, Facts, Source } from '../facts/types.ts';
import { LISTENING_SOCKETS } from '../facts/source.ts';

/** A fact of `config` or `secrets` that is not the server's own answer: the files', a command line's, a compiled default. */
function standsIn(source: Source): boolean {
  return source.kind !== 'live' && !(source.kind === 'host' && source.detail.startsWith(LISTENING_SOCKETS));
}

/**
 * `map` as a rule sees it while `runningDiffers` is set: reading the value (`.value`) of a fact that stands in for the
 * running one records its name in `read`; its source, and whether it is there, do not (a rule may look at them to
 * leave stand-ins out, as config.runtime-drift does).
 */
function recording<V>(map: ReadonlyMap<string, Fact<V>>, read: Set<string>): ReadonlyMap<string, Fact<V>> {
  const wrapped = new Map<string, Fact<V>>();
  for (const [name, fact] of map) {
    if (!standsIn(fact.source)) {
      wrapped.set(name, fact);
      continue;
    }
    wrapped.set(name, Object.freeze({
      get value(): V {
        read.add(name);
        return fact.value;
      },
      source: fact.source,
    }));
  }
  return wrapped;
}

/**
 * The facts a rule is handed when the running configuration is known to differ from the files that stand in for
 * CONFIG GET (QA41-13), and the names of the stand-ins it read, filled in as it judges. Undefined otherwise.
 */
export function watchedFacts(facts: Facts): { readonly facts: Facts; readonly read: ReadonlySet<string> } | undefined {
  if (facts.runningDiffers === undefined) return undefined;
  const read = new Set<string>();
  return {
    facts: { ...facts, ...(facts.config ? { config: recording(facts.config, read) } : {}), ...(facts.secrets ? { secrets: recording(facts.secrets, read) } : {}) },
    read,
  };
}

/** The skip of a rule that judged values standing in for running ones the server contradicts. */
export function standInsMessage(runningDiffers: string, read: ReadonlySet<string>, of = 'of the file'): string {
  const names = [...read].slice(0, 4).join(', ') + (read.size > 4 ? ', …' : '');
  return `${runningDiffers}: ${names} ${read.size === 1 ? 'is the value' : 'are the values'} ${of}, not known to be the running ${read.size === 1 ? 'one' : 'ones'}`;
}
