export { GistFetcher, type GistCommitment, type GistFetcherOptions } from './gist-fetcher.js';
export { GIST_FAILURE_REASONS, GistFetchError, type GistFailureReason } from './gist-fetch-error.js';
