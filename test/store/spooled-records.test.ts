import { describe, expect, it } from 'vitest';
import { wellFormedSubmissionRecords } from '../../src/store/spooled-records.js';

const record = {
  hotkey: '5Spooled',
  uid: 3,
  commitment: 'user:abc',
  commitment_block: 3,
  interval: '2026-12-04-00-00',
  submissions: [{ platform: 'youtube/video', content_id: 'v1', direct_video_url: 'https://cdn.example/v1.mp4', line: 1 }],
  listed_content_ids: ['v1'],
  rejections: [],
  updated_at: new Date(0),
};

describe('submissions records read back from the spool', () => {
  it('a record whose listed ids are not a list of strings is left out; one without them (an older release) is kept', () => {
    const older: Record<string, unknown> = { ...record, hotkey: '5Older' };
    delete older['listed_content_ids'];
    const { records, skipped } = wellFormedSubmissionRecords([
      record,
      older,
      { ...record, hotkey: '5Edited', listed_content_ids: 'v1' },
      { ...record, hotkey: '5Mixed', listed_content_ids: ['v1', 7] },
    ]);
    expect(records.map((r) => r.hotkey)).toEqual(['5Spooled', '5Older']);
    expect(skipped).toBe(2);
  });
});
