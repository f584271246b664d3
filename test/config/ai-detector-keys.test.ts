import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';

describe('ai_detector ffmpeg keys', () => {
  it('defaults: binaries and concurrency unset (PATH/npm, cores), frames up to 4096×4096', () => {
    const config = loadConfig({ env: {} });
    expect(config.ai_detector).toMatchObject({ max_frame_pixels: 4096 * 4096, max_concurrent_videos: 32 });
    expect(config.ai_detector.ffmpeg_path).toBeUndefined();
    expect(config.ai_detector.ffprobe_path).toBeUndefined();
    expect(config.ai_detector.max_concurrent_ffmpeg).toBeUndefined();
  });

  it('are read from flags and from INFINITEVIBE_AI_DETECTOR__<KEY>', () => {
    const config = loadConfig({
      flags: { 'ai_detector.ffmpeg_path': '/opt/ffmpeg/bin/ffmpeg', 'ai-detector-max-concurrent-ffmpeg': '3' },
      env: { INFINITEVIBE_AI_DETECTOR__MAX_FRAME_PIXELS: '2073600', INFINITEVIBE_AI_DETECTOR__MAX_CONCURRENT_VIDEOS: '4' },
    });
    expect(config.ai_detector).toMatchObject({
      ffmpeg_path: '/opt/ffmpeg/bin/ffmpeg',
      max_concurrent_ffmpeg: 3,
      max_frame_pixels: 2_073_600,
      max_concurrent_videos: 4,
    });
  });

  it('refuses out-of-range values naming the flag', () => {
    for (const flags of [
      { 'ai_detector.max_concurrent_ffmpeg': 0 },
      { 'ai_detector.max_frame_pixels': 100 },
      { 'ai_detector.max_concurrent_videos': 0 },
      { 'ai_detector.ffprobe_path': '' },
    ]) {
      expect(() => loadConfig({ flags, env: {} })).toThrow(ConfigError);
    }
  });
});
