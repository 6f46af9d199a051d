/**
 * The regions of a deployment and what each does: the primary (the CLI's region, where the
 * tables' stack `EventStore-<env>-Data` and the stack `EventStore-<env>` deploy), the replica
 * regions (`replicaRegions`, a stack `EventStore-<env>-Replica-<region>` each), and among them the
 * write region (`writeRegion`, the primary unless told otherwise): the one whose store takes
 * appends, projects the table's stream and runs replays. Every region runs the same functions;
 * switching the write region (failover) is a deploy with another `writeRegion`.
 */
import { DeploymentSettings, SettingsError } from './deployment-settings';

export interface DeploymentRegions {
  /** The CLI's region; unknown only in a one-region deployment synthesized without one. */
  readonly primary?: string;
  /** The region that takes writes; unset in a one-region deployment (no WRITE_REGION there). */
  readonly write?: string;
  readonly replicas: readonly string[];
}

/**
 * The regions, checked: replicas need the primary known at synth (CDK_DEFAULT_REGION, from the
 * CLI's profile or AWS_REGION), a primary that is not one of its own replicas, and a write region
 * that is one of the deployment's regions.
 */
export function deploymentRegions(settings: DeploymentSettings, primary: string | undefined): DeploymentRegions {
  const replicas = settings.replicaRegions;
  if (replicas.length === 0) {
    if (settings.writeRegion !== undefined && settings.writeRegion !== primary) {
      throw new SettingsError(
        'writeRegion',
        `'${settings.writeRegion}': a deployment without replicaRegions writes in its own region (${primary ?? 'the CLI\'s'})`,
      );
    }
    return { primary, replicas };
  }
  if (primary === undefined) {
    throw new SettingsError(
      'replicaRegions',
      "replicas need the primary region known at synth: run cdk with a region (AWS_REGION or the profile's), which sets CDK_DEFAULT_REGION",
    );
  }
  if (replicas.includes(primary)) {
    throw new SettingsError('replicaRegions', `'${primary}' is the primary region (the deployment's own), not a replica`);
  }
  const write = settings.writeRegion ?? primary;
  if (write !== primary && !replicas.includes(write)) {
    throw new SettingsError(
      'writeRegion',
      `'${write}' is not a region of the deployment: the primary ${primary} or a replica region (${replicas.join(', ')})`,
    );
  }
  return { primary, write, replicas };
}

/** Whether the store in `region` takes writes: the write region's, or the one region's. */
export function takesWrites(regions: DeploymentRegions, region: string): boolean {
  return regions.write === undefined || regions.write === region;
}

/** Every region of the deployment but `region`: where its bus forwards to, its table replicates to. */
export function otherRegions(regions: DeploymentRegions, region: string): string[] {
  return [regions.primary, ...regions.replicas].filter((other): other is string => other !== undefined && other !== region);
}
