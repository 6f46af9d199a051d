#!/usr/bin/env node
/**
 * The CDK app: reads the deployment's parameters from context, builds the stateful and stateless
 * stacks, and runs cdk-nag's AwsSolutions checks on every synth.
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildEventStore } from '../lib/event-store-app';

const app = new App();
buildEventStore(app, { defaultAssetsDir: path.join(__dirname, '..', '..', 'target', 'lambda') });
