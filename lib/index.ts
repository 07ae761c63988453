/**
 * freshindex as CDK constructs, for embedding in your own CDK app (`freshindex/cdk`).
 *
 * @example
 * const config = await loadFreshindexConfig('freshindex.config.ts');
 * const data = new FreshindexDataStack(app, 'FreshindexData', { config, alertEmails: ['oncall@example.com'] });
 * new FreshindexComputeStack(app, 'FreshindexCompute', { config, data: data.resources });
 */
export { loadFreshindexConfig, resolveConfigFile, DEFAULT_CONFIG_FILE, type FreshindexConfigFile } from './config.ts';
export { FreshindexDataStack, FreshindexComputeStack, type FreshindexDataStackProps, type FreshindexComputeStackProps } from './stacks.ts';
export { FreshindexData, shortestSettleDelay, type FreshindexDataProps, type FreshindexDataResources } from './data.ts';
export { FreshindexCompute, type FreshindexComputeProps } from './compute.ts';
export { ValkeyCache, CACHE_MAXMEMORY_POLICY, type ValkeyCacheOptions, type ExistingCache, type IndexCacheRef } from './cache.ts';
export { createFreshindexVpc, type CacheNetwork, type FreshindexVpcOptions } from './network.ts';
export { storeEnvironment, storeNetwork, grantStore, type IndexStoreResources } from './store.ts';
export { IndexTables, TTL_ATTRIBUTE, type IndexTablesProps, type IndexTableSet } from './tables.ts';
export { ChangeQueue, type ChangeQueueProps, type ChangeQueueOptions, type ChangeQueueRef } from './change-queue.ts';
export { OperatorTopics, secureTopic, type OperatorTopicsProps } from './topics.ts';
export { FreshindexFunction, FRESHINDEX_RUNTIME, type FreshindexFunctionProps, type FreshindexFunctionOptions } from './function.ts';
export { QueueFunction, type QueueFunctionProps, type QueueFunctionOptions } from './queue-function.ts';
export { IncrementalApply, type IncrementalApplyProps } from './apply.ts';
export { ConsistencyChecker, type ConsistencyCheckerProps } from './verify.ts';
export { IndexJobs, JOB_COMMAND, type IndexJobsProps, type IndexJobsOptions } from './jobs.ts';
export { JobSchedules, type JobSchedulesProps, type JobSchedulesOptions, type ScheduledJob } from './schedules.ts';
export { OpsApi, type OpsApiProps, type OpsApiOptions } from './api.ts';
export { CaptureRelay, type CaptureRelayProps, type CaptureRelayOptions } from './capture.ts';
export { JobMonitor, MONITOR_CONTROL_ACTIONS, type JobMonitorProps, type JobMonitorOptions } from './monitor.ts';
export { DynamodbStreamCapture, type DynamodbStreamCaptureProps, type DynamodbStreamCaptureOptions } from './stream-capture.ts';
export { AlertDelivery, type AlertDeliveryProps, type AlertDeliveryOptions, type AlertDestinationProps } from './alert-delivery.ts';
export { grantSourceRead, sourceNetwork, sourceReadStatements, type SourceNetworkOptions } from './source-access.ts';
export { PropChecks } from './checks.ts';
export {
  FreshindexMonitoring, RUNBOOK_ANCHORS, ALARM_DEFAULTS, allowAlarmNotifications, smallestFreshnessTarget,
  type FreshindexMonitoringProps, type FreshindexMonitoringOptions, type FreshindexAlarmsOptions, type ThresholdOption,
} from './monitoring.ts';
export { METRICS_NAMESPACE, METRIC_SERVICES, freshindexMetric, type MetricPublisher } from './metrics.ts';
