/**
 * The event bus producers publish to (created, or an existing one by name) and its archive, which
 * keeps every event for EventBridge replay (seed 004) for the configured number of days.
 */
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';

export class StoreBus extends Construct {
  readonly bus: events.IEventBus;
  readonly archive: events.CfnArchive;

  constructor(scope: Construct, id: string, settings: DeploymentSettings, busName: string) {
    super(scope, id);
    this.bus = settings.existingBusName
      ? events.EventBus.fromEventBusName(this, 'Bus', settings.existingBusName)
      : new events.EventBus(this, 'Bus', {
          eventBusName: busName,
          description: `Event store ${settings.envName}: producers publish here; the store publishes follow-ups, metering events and change notices here`,
        });
    // No event pattern: the archive keeps every event on the bus, so any window can be replayed.
    this.archive = new events.CfnArchive(this, 'Archive', {
      archiveName: `event-store-${settings.envName}`,
      sourceArn: this.bus.eventBusArn,
      description: `Every event on the bus of event store ${settings.envName}, for EventBridge replay`,
      retentionDays: settings.archiveRetentionDays,
    });
  }
}
