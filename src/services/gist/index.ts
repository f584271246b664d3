export { GistFetcher, type GistCommitment, type GistFetcherOptions } from './gist-fetcher.js';
export { GistFetchError, type GistFailureReason } from './gist-fetch-error.js';
