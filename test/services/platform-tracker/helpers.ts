import type { ScenarioContent } from '../../../src/devnet/scenario.js';

export const EPOCH = Date.UTC(2026, 0, 1);

export function content(platform: ScenarioContent['platform'], id: string, over: Partial<ScenarioContent> = {}): ScenarioContent {
  return {
    platform,
    content_id: id,
    caption: `clip ${id} Made with @infinitevibe.ai on #bittensor --- abcde`,
    owner_username: `owner_${id.slice(0, 3)}`,
    published_at: '2025-12-31T12:00:00.000Z',
    base: { views: 1000, likes: 100, comments: 10, followers: 5000 },
    perHour: { views: 60, likes: 6, comments: 1, followers: 2 },
    ai_score: 0.8,
    video_path: `/videos/${id}.mp4`,
    ...over,
  };
}

export function youtubeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `yt${String(i).padStart(9, '0')}`);
}

export function instagramIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `IG${String(i).padStart(9, '0')}`);
}
