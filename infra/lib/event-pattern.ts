/**
 * An event pattern written as EventBridge reads it (JSON, the envelope's dashed field names such
 * as `detail-type` and `replay-name`) handed to CDK, whose `EventPattern` renders every field
 * under its own name but `detailType`, which it writes `detail-type`.
 */
import * as events from 'aws-cdk-lib/aws-events';

export function toEventPattern(pattern: Record<string, unknown>): events.EventPattern {
  const { 'detail-type': detailType, ...others } = pattern;
  return (detailType === undefined ? others : { ...others, detailType }) as events.EventPattern;
}
