/**
 * The event types file shipped to the functions: a Lambda layer holding only the file, as
 * `event-types.json`, which Lambda extracts to `/opt` (EVENT_TYPES_FILE then names
 * `/opt/event-types.json`). The file is copied at synth into a fresh directory of its own, the
 * layer's asset, so nothing else beside it is packaged; for provided.al2023 on arm64, as the
 * functions are.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The file's name in the layer. */
export const EVENT_TYPES_FILE_NAME = 'event-types.json';
/** Where the functions find it: Lambda extracts layers to `/opt`. */
export const EVENT_TYPES_FILE_PATH = `/opt/${EVENT_TYPES_FILE_NAME}`;

export interface EventTypesLayerProps {
  readonly envName: string;
  /** The event types file, read at synth. */
  readonly file: string;
}

export class EventTypesLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  /** The file's path in every function that has the layer. */
  readonly filePath = EVENT_TYPES_FILE_PATH;

  constructor(scope: Construct, id: string, props: EventTypesLayerProps) {
    super(scope, id);
    const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-event-types-'));
    fs.copyFileSync(props.file, path.join(staged, EVENT_TYPES_FILE_NAME));
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      layerVersionName: `event-store-${props.envName}-event-types`,
      description: `Event store ${props.envName}: the event types file (schemas, upcasts, personal data) at ${EVENT_TYPES_FILE_PATH}`,
      code: lambda.Code.fromAsset(staged),
      compatibleRuntimes: [lambda.Runtime.PROVIDED_AL2023],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
    });
  }
}
