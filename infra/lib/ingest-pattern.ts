/**
 * The ingest rule's event pattern: the user's pattern plus the loop guard, so that the store never
 * re-ingests what it publishes for others (DESIGN.md: loop guard by source): its change notices,
 * its metering events and its replays. Its follow-ups are ingested: storing them is their point
 * (seed 001).
 */
import { loadPipelineDefinition } from './pipeline-definition';

/** The sources the store publishes under and never ingests (`neverIngested` in pipeline.json). */
export const NEVER_INGESTED: readonly string[] = loadPipelineDefinition('any').neverIngested;

export class IngestPatternError extends Error {
  constructor(reason: string) {
    super(`ingestPattern: ${reason}`);
    this.name = 'IngestPatternError';
  }
}

/**
 * The pattern the ingest rule uses. Without a `source` filter the guard adds
 * `{"anything-but": NEVER_INGESTED}`; with one, every matcher in it must be unable to match any
 * of those sources, or synth fails saying which matcher could match which.
 */
export function guardedIngestPattern(pattern: Record<string, unknown>): Record<string, unknown> {
  const source = pattern.source;
  if (source === undefined) {
    return { ...pattern, source: [{ 'anything-but': [...NEVER_INGESTED] }] };
  }
  if (!Array.isArray(source) || source.length === 0) {
    throw new IngestPatternError('"source" must be a non-empty list of matchers');
  }
  for (const matcher of source) {
    for (const own of NEVER_INGESTED) {
      const reason = whyMatcherCouldMatch(matcher, own);
      if (reason !== undefined) {
        throw new IngestPatternError(
          `source matcher ${JSON.stringify(matcher)} ${reason}; the store would re-ingest what it publishes itself`,
        );
      }
    }
  }
  return pattern;
}

/** Why `matcher` could match `source`, or undefined when it provably cannot. */
function whyMatcherCouldMatch(matcher: unknown, source: string): string | undefined {
  if (typeof matcher === 'string') {
    return matcher === source ? `is '${source}'` : undefined;
  }
  if (typeof matcher !== 'object' || matcher === null || Array.isArray(matcher)) {
    return 'is not a string or a content filter';
  }
  const entries = Object.entries(matcher as Record<string, unknown>);
  if (entries.length !== 1) {
    return 'combines several filters in one matcher';
  }
  const [kind, value] = entries[0];
  switch (kind) {
    case 'prefix':
      return typeof value === 'string' && !source.startsWith(value) ? undefined : `matches the prefix of '${source}'`;
    case 'suffix':
      return typeof value === 'string' && !source.endsWith(value) ? undefined : `matches the end of '${source}'`;
    case 'anything-but': {
      const excluded = Array.isArray(value) ? value : [value];
      return excluded.includes(source) ? undefined : `does not exclude '${source}'`;
    }
    default:
      return `uses '${kind}', which the loop guard cannot check`;
  }
}
