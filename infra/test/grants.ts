/**
 * The IAM grants of a template as readable lines, `action on resource [if condition]`, so a test
 * can say exactly what a role may do: tables and imports by name, attributes by logical id.
 */
import { Template } from 'aws-cdk-lib/assertions';

/** Every (action, resource) pair granted to the role whose logical id starts with `role`. */
export function grants(template: Template, role: string): string[] {
  const pairs = new Set<string>();
  const policies = template.findResources('AWS::IAM::Policy');
  for (const policy of Object.values(policies) as any[]) {
    const roles = policy.Properties.Roles.map((r: any) => r.Ref as string);
    if (!roles.some((ref: string) => ref.startsWith(`${role}Role`))) {
      continue;
    }
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      expect(statement.Effect).toBe('Allow');
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat().map(describeResource);
      const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
      for (const action of actions) {
        for (const resource of resources) {
          pairs.add(`${action} on ${resource}${condition}`);
        }
      }
    }
  }
  return [...pairs].sort();
}

/**
 * A resource as a short readable name: `events`, `events/index/byUser`, `keys`, `data-key`,
 * `personal-data-key`, `*`, a logical id, `AWS::Region`.
 */
function describeResource(resource: any): string {
  if (typeof resource === 'string') {
    return resource;
  }
  if (resource.Ref) {
    return resource.Ref.replace(/[0-9A-F]{8}$/, '');
  }
  if (resource['Fn::ImportValue']) {
    return importedName(resource['Fn::ImportValue']);
  }
  if (resource['Fn::GetAtt']) {
    return resource['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '');
  }
  if (resource['Fn::Join']) {
    return resource['Fn::Join'][1].map(describeResource).join('');
  }
  return JSON.stringify(resource);
}

function importedName(exported: string): string {
  if (exported.includes('EventsTable') && exported.includes('StreamArn')) return 'events-stream';
  if (exported.includes('EventsTable')) return 'events';
  if (exported.includes('ProjectionsTable')) return 'projections';
  if (exported.includes('KeysTable')) return 'keys';
  if (exported.includes('PersonalDataKey')) return 'personal-data-key';
  if (exported.includes('DataKey')) return 'data-key';
  return exported;
}
