/**
 * The pipeline around the tables as `infra/pipeline.json` defines it: names of the bus, rule,
 * queues and tables and the personal data key's alias, the ingest queue's redrive, both event
 * source mappings' settings and each function's memory and timeout. The local stack reads the
 * same file, so local and cloud agree.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionName } from './rust-function';

export const PIPELINE_DEFINITION_PATH = path.join(__dirname, '..', 'pipeline.json');

export interface SqsMappingDefinition {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
}

export interface StreamMappingDefinition {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly bisectOnError: boolean;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
  /** Lambda's event filter: only inserted event items reach the projector. */
  readonly filter: Record<string, unknown>;
}

export interface FunctionSizing {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface PipelineDefinition {
  readonly bus: string;
  readonly changeNoticeSource: string;
  /** Sources the store publishes under that the ingest rule never matches. */
  readonly neverIngested: readonly string[];
  readonly ingest: {
    readonly rule: string;
    readonly defaultPattern: Record<string, unknown>;
    readonly queue: string;
    readonly deadLetterQueue: string;
    readonly undeliveredQueue: string;
    readonly maxReceiveCount: number;
    readonly visibilityTimeoutSeconds: number;
    readonly mapping: SqsMappingDefinition;
  };
  readonly projection: {
    readonly failureQueue: string;
    readonly mapping: StreamMappingDefinition;
    /** The schedule that invokes the projector's cycle sweep. */
    readonly cycleSweep: { readonly rule: string; readonly everyMinutes: number };
  };
  readonly tables: {
    readonly events: string;
    readonly projections: string;
    /** The data subjects' keys (deployed only for an event types file that declares personal data). */
    readonly keys: string;
  };
  /** The alias of the KMS key that wraps each data subject's data key (PERSONAL_DATA_KEY). */
  readonly personalDataKey: string;
  readonly functions: Record<FunctionName, FunctionSizing>;
}

/** Reads the definition with every `{env}` replaced by `envName`. */
export function loadPipelineDefinition(envName: string, file: string = PIPELINE_DEFINITION_PATH): PipelineDefinition {
  const text = fs.readFileSync(file, 'utf8').split('{env}').join(envName);
  const pipeline = JSON.parse(text) as PipelineDefinition;
  const persister = pipeline.functions?.persister;
  if (!persister || !pipeline.ingest?.mapping || !pipeline.projection?.mapping) {
    throw new Error(`${file}: needs functions.persister, ingest.mapping and projection.mapping`);
  }
  // AWS's advice for an SQS event source: hide a message for six times the function's timeout.
  if (pipeline.ingest.visibilityTimeoutSeconds < 6 * persister.timeoutSeconds) {
    throw new Error(
      `${file}: ingest.visibilityTimeoutSeconds ${pipeline.ingest.visibilityTimeoutSeconds} is under 6 x the persister's timeout`,
    );
  }
  return pipeline;
}
