/**
 * Optional (seed 001): every raw event on the bus copied to S3 by Firehose, in batches of 128 MB
 * or 900 s, gzip-compressed, for analytics outside the store. Off by default (`-c rawArchive=true`).
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface RawEventArchiveProps {
  readonly envName: string;
  readonly bus: events.IEventBus;
}

export const RAW_ARCHIVE_BUFFER_SIZE = Size.mebibytes(128);
export const RAW_ARCHIVE_BUFFER_INTERVAL = Duration.seconds(900);

export class RawEventArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly deliveryStream: firehose.DeliveryStream;

  constructor(scope: Construct, id: string, props: RawEventArchiveProps) {
    super(scope, id);
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw-events/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Firehose's role holds exactly what an S3 destination needs. CDK's S3 destination would grant
    // bucket.grantReadWrite (s3:GetObject*, s3:List*, ...) to a role it may change, so it gets an
    // immutable reference to this one instead.
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'Firehose writes raw bus events to the archive bucket',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteObjects',
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    const deliveryLogs = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReportDeliveryErrors',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [deliveryLogs.logGroupArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      reason: 'Firehose names its objects (prefix/date/time-uuid): only the bucket is known, not the keys',
    });
    this.deliveryStream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: `event-store-${props.envName}-raw-events`,
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.S3Bucket(this.bucket, {
        bufferingSize: RAW_ARCHIVE_BUFFER_SIZE,
        bufferingInterval: RAW_ARCHIVE_BUFFER_INTERVAL,
        compression: firehose.Compression.GZIP,
        dataOutputPrefix: 'events/',
        errorOutputPrefix: 'errors/',
        role: iam.Role.fromRoleArn(this, 'DeliveryRoleReference', role.roleArn, { mutable: false }),
        loggingConfig: new firehose.EnableLogging(deliveryLogs),
      }),
    });
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: "CDK's Firehose construct adds a mapping of Firehose's CIDR blocks that only VPC destinations use",
    });
    new events.Rule(this, 'Rule', {
      ruleName: `event-store-${props.envName}-raw-archive`,
      description: 'Every event on the bus, raw, to S3',
      eventBus: props.bus,
      eventPattern: { source: events.Match.prefix('') },
      targets: [new targets.FirehoseDeliveryStream(this.deliveryStream)],
    });
  }
}
