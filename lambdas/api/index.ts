/** The ops API: the Fastify application and the ports it runs on. Entry points: lambdas/handlers/api.ts. */
export { buildOpsApp, API_VERSION } from './app.ts';
export { type ApiLog, type BuildLauncher, type BuildRequest, type OpsDeps, type StatusReader, type SubmittedBuild } from './ports.ts';
export { PROBLEM_CONTENT_TYPE, problemType, type Problem } from './problems.ts';
export { typeStatus, type RecordCount, type TypeStatus } from './status.ts';
export { inspectRecord, reindexRecord, UnprocessableError, type RecordInspection, type ReindexResult } from './records.ts';
