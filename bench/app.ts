// The app under load, on loopback: approval-to-resume latency, GitHub API calls per request and
// while waiting, request creation throughput, and an auto-approved step from start to exit.
// bench/run.ts runs them; each family lives in its own file.
export { cpuSeconds, rssMb, type Mode } from './app-setup.ts';
export { approvalLatency, autoApprovedStep, gateLatency } from './app-latency.ts';
export { creationThroughput, type Throughput } from './app-throughput.ts';
export { concurrentLongPolls, matrixBurst } from './app-scale.ts';
export { apiCalls, pgRoundTrips, sharedPacing } from './app-budget.ts';
