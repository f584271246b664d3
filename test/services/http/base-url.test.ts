import { describe, expect, it } from 'vitest';
import { HttpAiDetectorClient } from '../../../src/services/ai-detector/http-ai-detector-client.js';
import { SightEngineClient } from '../../../src/services/ai-detector/sightengine-client.js';
import { parseBaseUrl } from '../../../src/services/http/base-url.js';
import { ApifyClient } from '../../../src/services/platform-tracker/apify-client.js';
import { HttpPlatformTrackerClient } from '../../../src/services/platform-tracker/http-platform-tracker-client.js';
import { YouTubeClient } from '../../../src/services/platform-tracker/youtube-client.js';

describe('parseBaseUrl', () => {
  it('accepts absolute http(s) URLs', () => {
    expect(parseBaseUrl('http://127.0.0.1:12002').href).toBe('http://127.0.0.1:12002/');
    expect(parseBaseUrl('https://api.sightengine.com/').host).toBe('api.sightengine.com');
  });

  it('names the option, the value and what is allowed', () => {
    expect(() => parseBaseUrl('localhost:12002')).toThrow('options.baseUrl must be http(s), got localhost:');
    expect(() => parseBaseUrl('/relative')).toThrow('options.baseUrl must be an absolute URL, got "/relative"');
    expect(() => parseBaseUrl(undefined, 'ai_detector.url')).toThrow('ai_detector.url must be an absolute URL, got undefined');
    expect(() => parseBaseUrl('ftp://x')).toThrow(TypeError);
  });

  it('guards the AI-detector clients', () => {
    expect(() => new HttpAiDetectorClient({ baseUrl: 'file:///etc/passwd' })).toThrow('options.baseUrl must be http(s), got file:');
    expect(() => new SightEngineClient({ baseUrl: 'nope', apiUser: 'u', apiSecret: 's' })).toThrow(
      'options.baseUrl must be an absolute URL, got "nope"',
    );
  });

  it('guards the platform clients', () => {
    expect(() => new YouTubeClient({ apiKey: 'k', baseUrl: 'file:///etc/passwd' })).toThrow('options.baseUrl must be http(s), got file:');
    expect(() => new ApifyClient({ token: 't', baseUrl: 'nope' })).toThrow('options.baseUrl must be an absolute URL, got "nope"');
    expect(() => new HttpPlatformTrackerClient({ baseUrl: undefined as never })).toThrow('options.baseUrl must be an absolute URL, got undefined');
  });
});
