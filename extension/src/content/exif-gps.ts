// Just enough of JPEG/EXIF to answer one question: does this photo carry a GPS position?
// Phones write the home address of whoever was photographed into every picture taken there.

const GPS_IFD_POINTER = 0x8825;
const GPS_LATITUDE = 0x0002;
const GPS_LONGITUDE = 0x0004;

/** Bytes worth reading from a file: EXIF lives in APP1, which is near the start and under 64 KiB. */
export const EXIF_SCAN_BYTES = 256 * 1024;

export function jpegHasGps(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return false;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return false;
    const marker = bytes[pos + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return false; // image data begins: no more metadata
    const len = view.getUint16(pos + 2);
    if (len < 2) return false;
    const body = pos + 4;
    if (marker === 0xe1 && body + 6 <= bytes.length && isExifHeader(bytes, body)) {
      return tiffHasGps(view, body + 6, Math.min(bytes.length, pos + 2 + len));
    }
    pos += 2 + len;
  }
  return false;
}

function isExifHeader(b: Uint8Array, at: number): boolean {
  return b[at] === 0x45 && b[at + 1] === 0x78 && b[at + 2] === 0x69 && b[at + 3] === 0x66 && b[at + 4] === 0 && b[at + 5] === 0;
}

function tiffHasGps(view: DataView, tiff: number, limit: number): boolean {
  if (tiff + 8 > limit) return false;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return false;
  const le = order === 0x4949;
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  if (u16(tiff + 2) !== 42) return false;
  const ifd0 = tiff + u32(tiff + 4);
  const gpsOffset = findTag(ifd0, GPS_IFD_POINTER);
  if (gpsOffset === null) return false;
  const gpsIfd = tiff + gpsOffset;
  return findTag(gpsIfd, GPS_LATITUDE) !== null || findTag(gpsIfd, GPS_LONGITUDE) !== null;

  function findTag(ifd: number, tag: number): number | null {
    if (ifd + 2 > limit) return null;
    const count = u16(ifd);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      if (entry + 12 > limit) return null;
      if (u16(entry) === tag) return u32(entry + 8);
    }
    return null;
  }
}

export async function fileHasGps(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, EXIF_SCAN_BYTES).arrayBuffer());
  return jpegHasGps(head);
}
