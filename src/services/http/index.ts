export { createServiceDispatcher, type ServiceDispatcherOptions } from './service-dispatcher.js';
export { callService, statusLabel, type ServiceCall, type ServiceResponse } from './call-service.js';
export { HttpError, WEB_PAGE_REFUSAL, describeIssues, fromWebPage, readJsonBody, sendJson } from './json-server.js';
export { parseBaseUrl } from './base-url.js';
export { RequestCoalescer, type BatchExecutor, type RequestCoalescerOptions } from './request-coalescer.js';
export { DEFAULT_SERVER_LIMITS, createLimitedServer, type ServerLimits } from '../../util/server-limits.js';
