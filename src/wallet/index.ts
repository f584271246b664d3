export { hotkeyFilePath } from './hotkey-location.js';
export type { HotkeyLocation } from './hotkey-location.js';
export { SS58_FORMAT, hotkeyPairFromText, loadHotkey } from './load-hotkey.js';
export { canonicalToExpandedSecret, expandedToCanonicalSecret } from './secret-key.js';
export { writeHotkeyFile } from './write-hotkey-file.js';
export type { WriteHotkeyOptions, WrittenHotkey } from './write-hotkey-file.js';
