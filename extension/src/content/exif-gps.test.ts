import { describe, expect, it } from 'vitest';
import { jpegHasGps } from './exif-gps';

/** A minimal JPEG: SOI, an APP1 EXIF segment with IFD0 (and optionally a GPS IFD), SOS, EOI. */
export function makeJpeg(opts: { gps: boolean; littleEndian?: boolean }): Uint8Array {
  const le = opts.littleEndian ?? true;
  const tiff: number[] = [];
  const u16 = (v: number) => (le ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
  const u32 = (v: number) => (le ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24] : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
  tiff.push(...(le ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8));
  // IFD0 at 8: one entry (Orientation) or two (plus the GPS pointer).
  const entries = opts.gps ? 2 : 1;
  tiff.push(...u16(entries));
  tiff.push(...u16(0x0112), ...u16(3), ...u32(1), ...u16(1), 0, 0);
  const gpsIfdAt = 8 + 2 + entries * 12 + 4;
  if (opts.gps) tiff.push(...u16(0x8825), ...u16(4), ...u32(1), ...u32(gpsIfdAt));
  tiff.push(...u32(0));
  if (opts.gps) {
    tiff.push(...u16(2));
    tiff.push(...u16(0x0001), ...u16(2), ...u32(2), 0x4e, 0, 0, 0); // LatitudeRef "N"
    tiff.push(...u16(0x0002), ...u16(5), ...u32(3), ...u32(gpsIfdAt + 2 + 24 + 4)); // Latitude
    tiff.push(...u32(0));
    tiff.push(...u32(53), ...u32(1), ...u32(28), ...u32(1), ...u32(0), ...u32(1));
  }
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = exif.length + 2;
  return new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xe1, len >> 8, len & 0xff, ...exif, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
}

describe('jpegHasGps', () => {
  it('finds GPS data in little- and big-endian EXIF', () => {
    expect(jpegHasGps(makeJpeg({ gps: true }))).toBe(true);
    expect(jpegHasGps(makeJpeg({ gps: true, littleEndian: false }))).toBe(true);
  });
  it('says no for EXIF without GPS, for non-JPEG bytes and for truncated files', () => {
    expect(jpegHasGps(makeJpeg({ gps: false }))).toBe(false);
    expect(jpegHasGps(new TextEncoder().encode('\x89PNG not a jpeg'))).toBe(false);
    expect(jpegHasGps(makeJpeg({ gps: true }).slice(0, 30))).toBe(false);
    expect(jpegHasGps(new Uint8Array())).toBe(false);
  });
});
