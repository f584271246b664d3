export {
  AiDetectorService,
  type AiDetectorServiceOptions,
  type DetectOptions,
} from './ai-detector-service.js';
export {
  createAiDetectorServer,
  type AiDetectorServerOptions,
  type AiDetectorErrorBody,
} from './ai-detector-server.js';
export {
  HttpAiDetectorClient,
  RemoteAiDetectionError,
  type HttpAiDetectorClientOptions,
} from './http-ai-detector-client.js';
export {
  SightEngineClient,
  type SightEngineClientOptions,
  type SightEngineGenAiResponse,
  type FrameScore,
  type FrameScorer,
} from './sightengine-client.js';
export {
  FrameSampler,
  type FrameSamplerOptions,
  type SampledFrame,
  type SampleResult,
} from './frame-sampler.js';
export {
  ffmpegBinary,
  ffprobeBinary,
  resolveFfmpegTools,
  type FfmpegTools,
  type ResolveFfmpegOptions,
  type ToolSource,
} from './ffmpeg-tools.js';
export {
  FfmpegLimiter,
  FFMPEG_IN_FLIGHT,
  FFMPEG_QUEUE_LENGTH,
  type FfmpegLimiterOptions,
} from './ffmpeg-limiter.js';
export { FORMAT_WHITELIST, RefusedMediaError, type MediaInfo, type ProbeTool } from './media-probe.js';
export { MemoryAiResultCache } from './memory-ai-result-cache.js';
export {
  cacheFromRepository,
  cacheWhileReachable,
  toAiResultCache,
  type AiResultCache,
  type AiResultRepository,
} from './ai-result-cache.js';
export { createAiDetector, localDetector, type AiDetectorDeps } from './ai-detector-runtime.js';
