/**
 * The ingest rule's event pattern: the user's pattern plus the loop guard, so that the store never
 * re-ingests the change notices it publishes itself (DESIGN.md: loop guard by source).
 */

import { loadPipelineDefinition } from './pipeline-definition';

/** The source of the projector's change notices (ProjectorSettings::DEFAULT_SOURCE in crates/domain). */
export const CHANGE_NOTICE_SOURCE = loadPipelineDefinition('any').changeNoticeSource;

export class IngestPatternError extends Error {
  constructor(reason: string) {
    super(`ingestPattern: ${reason}`);
    this.name = 'IngestPatternError';
  }
}

/**
 * The pattern the ingest rule uses. Without a `source` filter the guard adds
 * `{"anything-but": [CHANGE_NOTICE_SOURCE]}`; with one, every matcher in it must be unable to
 * match the change notices, or synth fails saying which matcher could.
 */
export function guardedIngestPattern(pattern: Record<string, unknown>): Record<string, unknown> {
  const source = pattern.source;
  if (source === undefined) {
    return { ...pattern, source: [{ 'anything-but': [CHANGE_NOTICE_SOURCE] }] };
  }
  if (!Array.isArray(source) || source.length === 0) {
    throw new IngestPatternError('"source" must be a non-empty list of matchers');
  }
  for (const matcher of source) {
    const reason = whyMatcherCouldMatch(matcher, CHANGE_NOTICE_SOURCE);
    if (reason !== undefined) {
      throw new IngestPatternError(
        `source matcher ${JSON.stringify(matcher)} ${reason}; the store would re-ingest its own change notices`,
      );
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
